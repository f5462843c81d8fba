"""Retention: `purge` erases the people of closed cases that are due, and spares the rest."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import restorative as r
from restorative._cli import main
from restorative.store import SQLiteStore
from tests.flows import T0, Flow, party_actor

pytest.importorskip("cryptography", reason="the vault needs restorative[privacy] (cryptography)")

from restorative.privacy import MasterKey, PersonalData, Vault, people, purge

KEY = MasterKey.generate()


def _withdrawn(case_id: str, parties: tuple[str, str], policy: r.Policy | None = None) -> Flow:
    flow = Flow(
        case_id=case_id,
        policy=policy,
        parties=(
            r.Party(id=r.PartyId(parties[0]), role=r.Role.HARMED),
            r.Party(id=r.PartyId(parties[1]), role=r.Role.RESPONSIBLE),
        ),
    )
    flow.to_consent()
    flow.do(r.Withdraw, party_actor(parties[1]), party_id=parties[1])
    assert flow.case.stage is r.Stage.WITHDRAWN
    return flow


def _open(case_id: str, parties: tuple[str, str]) -> Flow:
    return Flow(
        case_id=case_id,
        parties=(
            r.Party(id=r.PartyId(parties[0]), role=r.Role.HARMED),
            r.Party(id=r.PartyId(parties[1]), role=r.Role.RESPONSIBLE),
        ),
    ).to_consent()


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, SQLiteStore, Vault]:
    path = tmp_path / "cases.db"
    store = SQLiteStore(path)
    vault = Vault(store, KEY)
    month = r.Policy(retention_days=30)
    flows = [
        _withdrawn("closed", ("ada", "bo"), month),  # due
        _withdrawn("kept-by-policy", ("cy", "di"), r.Policy(retention_days=3650)),  # within retention
        _withdrawn("shares-a-person", ("eli", "fay"), month),  # due, but fay is also in an open case
        _open("open", ("fay", "gus")),
        _withdrawn("no-retention-set", ("hal", "ivy")),  # Norway's policy: kept until someone erases
    ]
    for flow in flows:
        store.append(flow.case.id, flow.events, 0)
        for person in people(flow.case):
            vault.put(person, PersonalData(name=f"Name of {person}"))
    return path, store, vault


def test_purge_erases_only_what_is_due(setup: tuple[Path, SQLiteStore, Vault]) -> None:
    _path, store, vault = setup
    now = T0 + timedelta(days=400)
    done = purge(store, vault, before=now, now=now)
    assert done.due == ("closed", "shares-a-person")
    assert dict(done.kept) == {
        "kept-by-policy": "within its policy's retention period of 3650 days",
        "open": "open, in stage consent",
        "no-retention-set": "its policy keeps personal data until someone erases it (no retention_days)",
    }
    assert sorted(e.person_id for e in done.erased) == ["ada", "bo", "eli"]
    assert dict(done.spared) == {"fay": "also in case open, which is kept"}
    for person in ("ada", "bo", "eli"):
        assert vault.display(person) == "erased"
    for person in ("cy", "di", "fay", "gus", "hal", "ivy"):
        assert vault.display(person) == f"Name of {person}"
    assert all("retention: case" in e.reason for e in vault.erasures())
    assert store.verify_all() == []
    for summary in store.cases():
        assert store.load(summary.case_id).id == summary.case_id
    again = purge(store, vault, before=now, now=now)
    assert again.erased == ()  # erased people are not erased twice


def test_purge_judges_by_the_events_not_by_an_editable_listing_row(setup: tuple[Path, SQLiteStore, Vault]) -> None:
    path, store, vault = setup
    now = T0 + timedelta(days=400)
    db = sqlite3.connect(path, isolation_level=None)
    # a forged last change years ago would make the case inside its 3650-day retention look due
    db.execute("UPDATE restorative_cases SET updated_at = '2000-01-01T00:00:00+00:00' WHERE case_id = 'kept-by-policy'")
    db.execute("DELETE FROM restorative_cases WHERE case_id = 'closed'")  # a due case whose listing row is gone
    db.close()
    with pytest.raises(r.errors.IntegrityError, match="closed"):  # not skipped silently: its data would stay
        purge(store, vault, before=now, now=now, dry_run=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("DELETE FROM restorative_events WHERE case_id = 'closed'")
    db.close()
    dry = purge(store, vault, before=now, now=now, dry_run=True)
    assert "kept-by-policy" in dict(dry.kept)
    assert [p.case_id for p in store.verify_all()] == ["kept-by-policy"]  # type: ignore[attr-defined]


def test_a_dry_run_changes_nothing_and_before_limits_the_cases(setup: tuple[Path, SQLiteStore, Vault]) -> None:
    _path, store, vault = setup
    now = T0 + timedelta(days=400)
    dry = purge(store, vault, before=now, now=now, dry_run=True)
    assert sorted(e.person_id for e in dry.erased) == ["ada", "bo", "eli"]
    assert vault.erasures() == []
    early = purge(store, vault, before=T0, now=now)
    assert early.due == () and early.erased == ()
    with pytest.raises(r.errors.InvalidInput):
        purge(store, vault, before=datetime(2026, 1, 1), now=now)


def test_purge_from_the_command_line(
    setup: tuple[Path, SQLiteStore, Vault], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _store, vault = setup
    before = (T0 + timedelta(days=400)).date().isoformat()
    assert 0 == main(["purge", "--db", str(path), "--before", before, "--dry-run"])
    assert "would erase 3 people" in capsys.readouterr().out
    assert vault.erasures() == []
    assert 0 == main(["purge", "--db", str(path), "--before", before])
    out = capsys.readouterr().out
    assert "2 closed cases due; erased 3 people; kept 3 cases" in out
    assert "spared fay: also in case open, which is kept" in out
    assert vault.display("ada") == "erased"


def test_a_dry_run_on_a_database_without_a_vault_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plain.db"
    store = SQLiteStore(path)
    flow = _withdrawn("closed", ("ada", "bo"), r.Policy(retention_days=1))
    store.append(flow.case.id, flow.events, 0)
    store.close()
    assert 0 == main(["purge", "--db", str(path), "--dry-run"])
    assert "1 closed cases due; would erase 0 people" in capsys.readouterr().out
    tables = {row[0] for row in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert not any(t.startswith("restorative_vault") for t in tables)
    with pytest.raises(SystemExit):
        main(["purge", "--db", str(path), "--before", "last tuesday"])


def test_purge_warns_about_birth_dates_stored_before_the_vault(tmp_path: Path) -> None:
    path = tmp_path / "early.db"
    store = SQLiteStore(path)
    born = r.Party(id=r.PartyId("ada"), role=r.Role.HARMED, birth_date=datetime(1990, 1, 2).date())
    early = Flow(
        case_id="early",
        policy=r.Policy(retention_days=1),
        parties=(born, r.Party(id=r.PartyId("bo"), role=r.Role.RESPONSIBLE)),
    )
    early.to_consent()
    early.do(r.Withdraw, party_actor("bo"), party_id="bo")
    store.append("early", early.events, 0)  # no vault yet: the birth date is written as it is
    vault = Vault(store, KEY)
    late = _withdrawn("late", ("cy", "di"), r.Policy(retention_days=1))
    store.append("late", late.events, 0)
    now = T0 + timedelta(days=30)
    done = purge(store, vault, before=now, now=now, dry_run=True)
    assert done.due == ("early", "late")
    assert done.plaintext == ("early",)
    assert "WARNING early: its log holds birth dates in plain text" in done.summary()
    store.close()
