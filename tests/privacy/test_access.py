"""Reads on behalf of an actor (R14 for reads), and the access log."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import restorative as r
from restorative._demo import GUARDIAN, HARMED, MEDIATOR, RESPONSIBLE, STAFF, SUPPORT, fulfilled_case
from restorative.errors import NotPermitted
from restorative.store import SQLiteStore

pytest.importorskip("cryptography", reason="the vault needs restorative[privacy] (cryptography)")

from restorative.privacy import AccessLog, MasterKey, PersonalData, Reader, Vault

CASE = "demo-access"
T = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def reader(tmp_path: Path) -> Iterator[Reader]:
    store = SQLiteStore(tmp_path / "cases.db")
    _commands, events = fulfilled_case(CASE)
    store.append(CASE, events, 0)
    vault = Vault(store, MasterKey.generate())
    for person in ("kari", "jonas", "jonas-mother"):
        vault.put(person, PersonalData(name=f"Name of {person}", contact=(f"{person}@example.invalid",)))
    yield Reader(store, vault, log=AccessLog(store), clock=lambda: T)
    store.close()


def _born(case: r.Case) -> dict[str, date | None]:
    return {p.id: p.birth_date for p in case.parties}


def test_staff_and_mediators_of_the_case_see_all_of_it(reader: Reader) -> None:
    for actor in (STAFF, MEDIATOR):
        case = reader.load(CASE, actor)
        assert case == reader.store.load(CASE)
        assert all(born is not None for born in _born(case).values())
        assert reader.person(CASE, "jonas", actor) == PersonalData(
            name="Name of jonas", contact=("jonas@example.invalid",)
        )


def test_a_party_sees_their_case_without_the_other_partys_personal_data(reader: Reader) -> None:
    case = reader.load(CASE, HARMED)
    assert _born(case)["kari"] is not None and _born(case)["jonas"] is None
    referred = next(e for e in reader.history(CASE, HARMED) if isinstance(e, r.CaseReferred))
    assert {p.id: p.birth_date is None for p in referred.parties} == {"kari": False, "jonas": True}
    assert case.stage is r.Stage.FULFILLED  # everything else of the case is there
    assert reader.person(CASE, "kari", HARMED).name == "Name of kari"  # type: ignore[union-attr]
    with pytest.raises(NotPermitted) as refused:
        reader.person(CASE, "jonas", HARMED)
    assert refused.value.rule == "R14" and "own personal data" in str(refused.value)


def test_a_guardian_sees_their_ward_and_themself(reader: Reader) -> None:
    case = reader.load(CASE, GUARDIAN)
    assert _born(case)["jonas"] is not None and _born(case)["kari"] is None
    assert reader.person(CASE, "jonas", GUARDIAN).name == "Name of jonas"  # type: ignore[union-attr]
    assert reader.person(CASE, "jonas-mother", GUARDIAN).name == "Name of jonas-mother"  # type: ignore[union-attr]
    with pytest.raises(NotPermitted):
        reader.person(CASE, "kari", GUARDIAN)


OUTSIDERS = {
    "staff of another case": r.Actor(id="staff-bergen-2", kind=r.ActorKind.STAFF),
    "another mediator": r.Actor(id="mediator-ola", kind=r.ActorKind.MEDIATOR),
    "a party of another case": r.Actor(id="per", kind=r.ActorKind.PARTY),
    "a support person": SUPPORT,
    "a party claiming to be staff": r.Actor(id=RESPONSIBLE.id, kind=r.ActorKind.STAFF),
}
READS: dict[str, Callable[[Reader, r.Actor], Any]] = {
    "load": lambda reader, actor: reader.load(CASE, actor),
    "history": lambda reader, actor: reader.history(CASE, actor),
    "person": lambda reader, actor: reader.person(CASE, "kari", actor),
}


@pytest.mark.parametrize("read", list(READS))
@pytest.mark.parametrize("who", list(OUTSIDERS))
def test_every_read_refuses_an_actor_without_access(reader: Reader, read: str, who: str) -> None:
    with pytest.raises(NotPermitted) as refused:
        READS[read](reader, OUTSIDERS[who])
    assert refused.value.rule == "R14"
    assert reader.log is not None and reader.log.entries() == []  # a refused read is not a read


def test_a_referrer_sees_only_the_reports_on_its_cases(reader: Reader) -> None:
    reports = reader.reports(CASE, r.ReferralSource.PROSECUTION)
    assert [report.kind for report in reports] == [r.ReportKind.AGREEMENT, r.ReportKind.FULFILMENT]
    with pytest.raises(NotPermitted) as refused:
        reader.reports(CASE, r.ReferralSource.COURT)
    assert refused.value.rule == "R14"


def test_every_read_of_personal_data_is_logged(reader: Reader) -> None:
    reader.load(CASE, STAFF)
    reader.person(CASE, "kari", MEDIATOR)
    reader.reports(CASE, r.ReferralSource.PROSECUTION)
    assert reader.log is not None
    logged = [(a.actor, a.capacity, a.what, a.person_id, a.at) for a in reader.log.entries(CASE)]
    assert logged == [
        (STAFF.id, "staff", "case", None, T),
        (MEDIATOR.id, "mediator", "personal data", "kari", T),
        ("prosecution", "referrer", "reports", None, T),
    ]


def test_inspect_reads_as_an_actor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from restorative._cli import main

    db = tmp_path / "cases.db"
    store = SQLiteStore(db)
    _commands, events = fulfilled_case(CASE)
    store.append(CASE, events, 0)
    store.close()
    assert 0 == main(["inspect", CASE, "--db", str(db), "--as", f"mediator:{MEDIATOR.id}"])
    assert "hash chain verified" in capsys.readouterr().out
    assert 0 == main(["inspect", CASE, "--db", str(db), "--as", f"mediator:{MEDIATOR.id}", "--json"])
    assert {"id": MEDIATOR.id, "kind": "mediator"} == json.loads(capsys.readouterr().out)["read_as"]
    assert 1 == main(["inspect", CASE, "--db", str(db), "--as", "mediator:mediator-ola"])
    err = capsys.readouterr().err
    assert "R14" in err and "mediator-ola" in err
    with pytest.raises(SystemExit):
        main(["inspect", CASE, "--db", str(db), "--as", "judge:someone"])


def test_reads_stay_inside_the_case_and_its_roles(reader: Reader) -> None:
    # staff of this case may not read someone of another case, nor a case's notes through `person`
    reader.vault.put("someone-elsewhere", PersonalData(name="Not in this case"))  # type: ignore[union-attr]
    for person in ("someone-elsewhere", "notes\x1f" + CASE):
        with pytest.raises(NotPermitted, match="takes no part"):
            reader.person(CASE, person, STAFF)
    # a case that does not exist looks like one the actor may not read
    with pytest.raises(NotPermitted):
        reader.load("no-such-case", STAFF)


def test_a_guardian_of_an_adult_and_a_conflicted_mediator_are_refused(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "c.db")
    t = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    adult = r.Party(id="ada", role=r.Role.HARMED, guardians=("ada-guardian",))
    parties = (adult, r.Party(id="bo", role=r.Role.RESPONSIBLE))
    referral = r.Referral(
        source=r.ReferralSource.PROSECUTION, kind=r.CaseKind.CRIMINAL, received_at=t, admission_of_facts=True
    )
    store.handle("c", r.ReferCase(actor=STAFF, at=t, case_id="c", referral=referral, parties=parties))
    store.handle("c", r.AcceptCase(actor=STAFF, at=t))
    store.handle("c", r.AssignMediator(actor=STAFF, at=t, mediator_id=MEDIATOR.id))
    reader = Reader(store)
    assert reader.load("c", MEDIATOR).id == "c"
    with pytest.raises(NotPermitted):
        reader.load("c", r.Actor(id="ada-guardian", kind=r.ActorKind.GUARDIAN))
    store.handle("c", r.DeclareConflict(actor=MEDIATOR, at=t, mediator_id=MEDIATOR.id, towards="bo"))
    with pytest.raises(NotPermitted, match="conflict of interest"):
        reader.load("c", MEDIATOR)
    store.close()


def _refusal(error: BaseException) -> tuple[Any, ...]:
    assert isinstance(error, NotPermitted)
    return (type(error), str(error), error.rule, error.stage, error.hint, error.actor)


@pytest.mark.parametrize(
    "read",
    [
        lambda reader, case_id, who: reader.load(case_id, who),
        lambda reader, case_id, who: reader.history(case_id, who),
        lambda reader, case_id, who: reader.person(case_id, "kari", who),
        lambda reader, case_id, who: reader.reports(case_id, r.ReferralSource.POLICE),
    ],
    ids=["load", "history", "person", "reports"],
)
def test_an_outsider_cannot_tell_a_missing_case_from_one_they_may_not_see(
    reader: Reader, read: Callable[[Reader, str, r.Actor], object]
) -> None:
    """docs/privacy.md: the same refusal, with no stage, whether or not the case exists (issue 15)."""
    outsider = r.Actor(id="curious", kind=r.ActorKind.PARTY)
    with pytest.raises(NotPermitted) as existing:
        read(reader, CASE, outsider)
    with pytest.raises(NotPermitted) as missing:
        read(reader, "no-such-case", outsider)
    assert _refusal(existing.value) == _refusal(missing.value)
    assert existing.value.stage is None
    assert "fulfilled" not in str(existing.value)


def test_inspect_as_an_outsider_says_the_same_of_a_missing_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from restorative._cli import main

    db = str(tmp_path / "demo.db")
    main(["demo", "--db", db])
    capsys.readouterr()
    answers = []
    for case_id in ("demo-2026-0231", "demo-2026-9999"):
        assert 1 == main(["inspect", case_id, "--db", db, "--as", "party:curious"])
        answers.append(capsys.readouterr())
    assert answers[0] == answers[1]
    assert "withdrawn" not in answers[0].err


def test_a_former_guardian_reads_nothing_once_the_ward_is_18(reader: Reader) -> None:
    """A guardian reads for a minor ward only: guardianship ends at 18 (vergemålsloven), and the
    demo's jonas (born 2009-08-30) turns 18 on 30 August 2027, the day in Oslo."""
    eve = Reader(reader.store, reader.vault, clock=lambda: datetime(2027, 8, 29, 21, 59, tzinfo=UTC))
    assert eve.load(CASE, GUARDIAN).id == CASE  # 23:59 in Oslo, the day before the birthday
    birthday = Reader(reader.store, reader.vault, clock=lambda: datetime(2027, 8, 29, 22, 0, tzinfo=UTC))
    with pytest.raises(NotPermitted) as refused:  # midnight in Oslo: jonas is 18 and reads for himself
        birthday.load(CASE, GUARDIAN)
    assert "R14" == refused.value.rule
    with pytest.raises(NotPermitted):
        birthday.person(CASE, "jonas", GUARDIAN)
