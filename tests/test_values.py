"""Malformed values are refused where they are made, before they can reach a case or a store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import restorative as r
from restorative.errors import InvalidInput
from restorative.store import SQLiteStore
from tests.flows import STAFF, T0

AT = T0


def _refer(parties: tuple[r.Party, ...], at: datetime = AT) -> r.ReferCase:
    referral = r.Referral(source=r.ReferralSource.PROSECUTION, kind=r.CaseKind.CRIMINAL, received_at=AT)
    return r.ReferCase(
        actor=STAFF, at=at, case_id="case-1", referral=referral, parties=parties, policy=r.Policy.norway()
    )


def _adults(**harmed: Any) -> tuple[r.Party, ...]:
    return (
        r.Party(id="harmed", role=r.Role.HARMED, **harmed),
        r.Party(id="responsible", role=r.Role.RESPONSIBLE),
    )


def test_a_birth_date_is_a_date_not_a_datetime(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="birth_date must be a date"):
        r.Party(id="harmed", role=r.Role.HARMED, birth_date=datetime(2000, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidInput, match="birth_date"):
        r.Party(id="harmed", role=r.Role.HARMED, birth_date="2000-01-01")  # type: ignore[arg-type]
    # a real date goes through the store and comes back
    store = SQLiteStore(tmp_path / "events.db")
    store.handle("case-1", _refer(_adults(birth_date=date(2000, 1, 1))))
    assert store.load("case-1").parties[0].birth_date == date(2000, 1, 1)
    store.close()


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("", "non-empty"),
        (" p", "spaces"),
        ("p\n2", "control"),
        ("p\x1b[2J", "control"),
        ("p\u2028q", "line breaks"),
        ("p\u202eq", "text-direction"),
        ("p\ud800", "surrogate"),
        ("p" * 201, "at most 200"),
    ],
    ids=["empty", "space", "newline", "escape", "line-separator", "override", "surrogate", "too-long"],
)
def test_ids_are_printable_and_bounded(bad: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why) as caught:
        r.Actor(id=bad, kind=r.ActorKind.STAFF)
    assert len(str(caught.value)) < 200  # the message never repeats unbounded input
    with pytest.raises(InvalidInput):
        r.Party(id=bad, role=r.Role.HARMED)
    r.Actor(id="Kari Nordmann-Ås 2", kind=r.ActorKind.PARTY)  # inner spaces and letters beyond ASCII are fine


@pytest.mark.parametrize(
    "name",
    [
        "Kari Nordmann-Ås",
        "\u0632\u0647\u0631\u0627\u200c\u0633\u0627\u062f\u0627\u062a",
        "Ola\u00a0Nordmann",
        "山田\u3000太郎",
        "👩\u200d👩\u200d👧",
        "\u05e9\u05e8\u05d4\u200f",
    ],
    ids=["norwegian", "zero-width-non-joiner", "no-break-space", "ideographic-space", "emoji-sequence", "rtl-mark"],
)
def test_ids_may_be_names_in_any_script(name: str) -> None:
    assert r.Actor(id=name, kind=r.ActorKind.PARTY).id == name


@pytest.mark.parametrize("year", [1899, 9000, 9999])
def test_timestamps_lie_in_years_the_engine_can_compute_with(year: int) -> None:
    with pytest.raises(InvalidInput, match="years 1900 to 8999"):
        r.AcceptCase(actor=STAFF, at=datetime(year, 6, 1, tzinfo=UTC))


def test_the_latest_timestamp_leaves_room_for_the_longest_policy_period() -> None:
    from restorative._checks import LATEST_YEAR, MAX_DAYS

    latest = datetime(LATEST_YEAR, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert (
        latest + timedelta(days=2 * MAX_DAYS + 1)
    ).year > LATEST_YEAR  # a deadline after a cooling-off, both maximal


def test_a_linked_case_is_an_id_or_nothing() -> None:
    def referral(linked: Any) -> r.Referral:
        return r.Referral(source=r.ReferralSource.PARTIES, kind=r.CaseKind.CIVIL, received_at=AT, linked_case=linked)

    with pytest.raises(InvalidInput, match="linked_case"):
        referral(" c-1")
    assert referral("c-1").linked_case == "c-1"
    assert referral("").linked_case is None  # an empty link is no link (and rows stored with one still load)
