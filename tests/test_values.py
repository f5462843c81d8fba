"""Malformed values are refused where they are made, before they can reach a case or a store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
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


# --- every field of every value refuses a wrong type when the value is built (issue 14, item 8) ---

_ITEM = r.Item(id="apology", kind=r.ItemKind.APOLOGY, description="Say sorry.", responsible="responsible", deadline=AT)
_AGREEMENT = r.Agreement(items=(_ITEM,), made_at=AT)
_REFERRAL = r.Referral(source=r.ReferralSource.PROSECUTION, kind=r.CaseKind.CRIMINAL, received_at=AT)
_SAMPLES: list[Any] = [
    STAFF,
    r.Party(id="harmed", role=r.Role.HARMED, guardians=("g1",), guardian_consents=("g1",)),
    r.Participant(id="support", role=r.ParticipantRole.SUPPORT, accompanies="harmed", approved_by=("harmed",)),
    _REFERRAL,
    _ITEM,
    _AGREEMENT,
    r.Meeting(kind=r.MeetingKind.MEDIATION, starts_at=AT, attendees=("harmed", "mediator-1")),
    r.Report(recipient=r.ReferralSource.PROSECUTION, kind=r.ReportKind.AGREEMENT, agreement=_AGREEMENT),
    r.Policy.norway(),
    r.Case(
        id="case-1",
        referral=_REFERRAL,
        policy=r.Policy.norway(),
        stage=r.Stage.REFERRED,
        parties=(r.Party(id="harmed", role=r.Role.HARMED),),
        conflicts=(("mediator-1", "harmed"),),
        exemptions=(("harmed", r.Exemption.LAWYER),),
        updated_at=AT,
    ),
]
_FIELDS = [(value, f.name) for value in _SAMPLES for f in attrs.fields(type(value))]


@pytest.mark.parametrize(("value", "name"), _FIELDS, ids=[f"{type(value).__name__}.{name}" for value, name in _FIELDS])
def test_every_field_of_every_value_refuses_a_wrong_type(value: Any, name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        attrs.evolve(value, **{name: object()})
    assert name == caught.value.field


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda: attrs.evolve(_ITEM, status="fulfilled"), "status"),  # type: ignore[arg-type]
        (lambda: r.Party(id="p", role=r.Role.HARMED, progress=1), "progress"),  # type: ignore[arg-type]
        (lambda: r.Party(id="p", role=r.Role.HARMED, guardian_consents="g1"), "guardian_consents"),
        (lambda: r.Party(id="p", role=r.Role.HARMED, guardian_consents=("g1", "g1")), "guardian_consents"),
        (lambda: r.Participant(id="s", role=r.ParticipantRole.SUPPORT, accompanies=""), "accompanies"),
        (lambda: r.Agreement(items=(_ITEM, _ITEM), made_at=AT), "items"),
        (lambda: r.Agreement(items=(_ITEM,), made_at=AT, cooling_off_days=-1), "cooling_off_days"),
        (lambda: r.Meeting(kind=r.MeetingKind.MEDIATION, starts_at=AT, attendees="harmed"), "attendees"),
    ],
    ids=[
        "item-status-text",
        "party-progress-int",
        "guardian-consents-text",
        "guardian-consents-twice",
        "accompanies-empty",
        "items-twice",
        "negative-cooling-off",
        "attendees-text",
    ],
)
def test_values_refuse_what_would_break_them_later(build: Any, name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        build()
    assert name == caught.value.field


_HUGE_INT = -(10**5000)  # too long for repr() in Python 3.11 and later


@pytest.mark.parametrize(
    "build",
    [
        lambda: r.Actor(id="staff-1", kind="x" * 10**6),  # type: ignore[arg-type]
        lambda: r.Referral(
            source=r.ReferralSource.PARTIES,
            kind=r.CaseKind.CIVIL,
            received_at=AT,
            reference=["x"] * 10**5,  # type: ignore[arg-type]
        ),
        lambda: r.ScheduleMeeting(actor=STAFF, at=AT, starts_at=AT, attendees=("a" * 150,) * 9_000),
        lambda: r.Policy(max_mediators=_HUGE_INT),
        lambda: r.Policy(criminal_cooling_off_days=-_HUGE_INT),
    ],
    ids=["type", "text", "ids-twice", "negative-int", "days"],
)
def test_messages_of_refused_values_stay_short_whatever_was_given(build: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        build()
    assert len(str(caught.value)) < 300


@pytest.mark.parametrize(
    "call",
    [
        lambda: r.decide(None, "x" * 10**6),  # type: ignore[arg-type]
        lambda: r.decide(None, ["x"] * 10**6),  # type: ignore[arg-type]
    ],
    ids=["text", "list"],
)
def test_the_decider_names_what_is_not_a_command_in_a_short_message(call: Any) -> None:
    with pytest.raises(InvalidInput, match="not a restorative command") as caught:
        call()
    assert len(str(caught.value)) < 300


def test_a_text_has_a_limit() -> None:
    from restorative._checks import MAX_TEXT_LENGTH

    assert len(attrs.evolve(_ITEM, description="x" * MAX_TEXT_LENGTH).description) == MAX_TEXT_LENGTH
    with pytest.raises(InvalidInput, match="at most") as caught:
        attrs.evolve(_ITEM, description="x" * (MAX_TEXT_LENGTH + 1))
    assert "description" == caught.value.field
