"""SQLite specifics: processes, crashes, migrations, embedding."""

from __future__ import annotations

import functools
import multiprocessing
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import restorative as r
from restorative.errors import IntegrityError, InvalidInput, StoreError
from restorative.store import SQLiteStore, retry
from tests.flows import STAFF, Flow


def _open_case(store: SQLiteStore, case_id: str) -> Flow:
    flow = Flow(case_id=case_id).to_consent()
    store.append(case_id, flow.events, 0)
    return flow


def _worker(path: str, case_ids: list[str], party: str) -> None:
    store = SQLiteStore(path)
    for case_id in case_ids:
        at = store.load(case_id).updated_at
        retry(functools.partial(store.handle, case_id, r.InformParty(actor=STAFF, at=at, party_id=party)), attempts=200)
    store.close()


def test_processes_appending_to_shared_and_own_cases_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "events.db")
    store = SQLiteStore(path)
    case_ids = [f"case-{n}" for n in range(8)]
    for case_id in case_ids:
        _open_case(store, case_id)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_worker, args=(path, case_ids, party)) for party in ("harmed", "resp")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert 0 == w.exitcode
    for case_id in case_ids:
        informed = [s.event for s in store.history(case_id) if isinstance(s.event, r.PartyInformed)]
        assert ["harmed", "resp"] == sorted(e.party_id for e in informed)
    assert [] == store.verify_all()


_KILL_SCRIPT = """
import sys
import restorative as r
from restorative.store import SQLiteStore
from tests.flows import Flow, STAFF

store = SQLiteStore(sys.argv[1])
flow = Flow()
referred = flow.events[0]
n = 0
while True:
    n += 1
    case_id = f"{sys.argv[2]}-{n}"
    opened = r.CaseReferred(actor=referred.actor, at=referred.at, case_id=case_id, referral=referred.referral,
                            parties=referred.parties, policy=referred.policy)
    batch = [opened] + [r.StaffAssigned(actor=STAFF, at=referred.at, staff_id=f"s{k}") for k in range(200)]
    store.append(case_id, batch, 0)
    print(n, flush=True)
"""


def test_a_writer_killed_mid_append_leaves_all_or_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "events.db")
    SQLiteStore(path).close()
    root = Path(__file__).resolve().parent.parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    rounds = 12
    for attempt in range(rounds):
        child = subprocess.Popen(
            [sys.executable, "-c", _KILL_SCRIPT, path, f"run{attempt}"], stdout=subprocess.PIPE, env=env, cwd=root
        )
        assert child.stdout is not None
        child.stdout.readline()  # at least one append landed; the process is mid-stream
        time.sleep(random.uniform(0.0, 0.05))
        child.send_signal(signal.SIGKILL)
        child.wait()
    store = SQLiteStore(path)
    summaries = store.cases()
    assert len(summaries) >= rounds
    for summary in summaries:
        assert 201 == summary.version
        assert 201 == len(store.history(summary.case_id))
    assert [] == store.verify_all()
    orphans = store.connection.execute(
        "SELECT COUNT(*) FROM restorative_events LEFT JOIN restorative_cases USING (case_id)"
        " WHERE restorative_cases.version IS NULL"
    ).fetchone()[0]
    assert 0 == orphans


def test_the_schema_is_migrated_once_and_newer_schemas_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store = SQLiteStore(path)
    assert 3 == store.schema
    store.close()
    again = SQLiteStore(path)
    assert [(1,), (2,), (3,)] == again.connection.execute("SELECT version FROM restorative_schema").fetchall()
    again.connection.execute("INSERT INTO restorative_schema (version) VALUES (99)")
    again.close()
    with pytest.raises(StoreError, match="newer"):
        SQLiteStore(path)


def test_the_database_runs_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "events.db")
    assert "wal" == store.connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert 2 == store.connection.execute("PRAGMA synchronous").fetchone()[0]


def test_embedded_in_the_applications_own_transaction(tmp_path: Path) -> None:
    app = sqlite3.connect(tmp_path / "app.db", isolation_level=None)
    app.execute("CREATE TABLE inbox (note TEXT)")
    store = SQLiteStore(connection=app, own_transactions=False)
    flow = Flow()
    app.execute("BEGIN")
    app.execute("INSERT INTO inbox VALUES ('new case')")
    store.append("case-1", flow.events, 0)
    app.execute("ROLLBACK")
    assert [] == store.cases()
    assert 0 == app.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]
    app.execute("BEGIN")
    app.execute("INSERT INTO inbox VALUES ('new case')")
    store.append("case-1", flow.events, 0)
    app.execute("COMMIT")
    assert ["case-1"] == [s.case_id for s in store.cases()]
    assert 1 == app.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]
    store.close()  # the application's connection is the application's to close
    assert 1 == app.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]


def test_the_cache_of_decoded_events_stays_within_its_size(tmp_path: Path) -> None:
    events = len(_open_case(SQLiteStore(tmp_path / "events.db"), "case-1").events)
    for n in range(2, 6):
        _open_case(SQLiteStore(tmp_path / "events.db"), f"case-{n}")
    store = SQLiteStore(tmp_path / "events.db", cache_events=2 * events, snapshots=False)
    sizes = []
    for n in range(1, 6):
        store.load(f"case-{n}")
        sizes.append(len(store._decoded.events))
    assert max(sizes) <= 2 * events and sizes[0] == events  # kept, then started over when full
    tiny = SQLiteStore(tmp_path / "events.db", cache_events=events - 1, snapshots=False)
    tiny.load("case-1")
    assert not tiny._decoded.events  # a case larger than the cache is not kept at all


def test_decoded_events_are_reused_only_after_their_hash_checks_out(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "events.db")
    _open_case(store, "case-1")
    first = store.history("case-1")
    again = store.history("case-1")
    assert all(a.event is b.event for a, b in zip(first, again, strict=True))
    uncached = SQLiteStore(tmp_path / "events.db", cache_events=0)
    assert not any(a.event is b.event for a, b in zip(first, uncached.history("case-1"), strict=True))
    # an edited row is caught by its hash before the cache is consulted
    store.connection.execute(
        "UPDATE restorative_events SET data = data || ' ' WHERE sequence = 2"  # still valid JSON
    )
    with pytest.raises(IntegrityError):
        store.history("case-1")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("stage", "bogus"),
        ("kind", "bogus"),
        ("updated_at", "yesterday"),
        ("updated_at", "2026-01-01T00:00:00"),
        ("version", "abc"),
    ],
    ids=["stage", "kind", "time", "naive-time", "version"],
)
def test_an_unreadable_listing_row_is_an_integrity_error(tmp_path: Path, column: str, value: str) -> None:
    store = SQLiteStore(tmp_path / "events.db")
    _open_case(store, "case-1")
    store.connection.execute(f"UPDATE restorative_cases SET {column} = ? WHERE case_id = 'case-1'", (value,))
    with pytest.raises(IntegrityError, match="case-1"):
        store.cases()
    with pytest.raises(IntegrityError, match="case-1"):
        store.verify("case-1")
    assert [getattr(p, "case_id", None) for p in store.verify_all()] == ["case-1"]


def test_a_store_needs_a_path_or_a_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for bad in (None, 123):
        with pytest.raises(InvalidInput, match="path"):
            SQLiteStore(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="connection"):
        SQLiteStore(connection="x")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []  # no file named None or 123


def test_a_read_only_store_reads_and_never_writes(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    writer = SQLiteStore(path)
    flow = _open_case(writer, "case-1")
    writer.close()
    before = path.read_bytes()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process is writing: reading must not wait for it
    reader = SQLiteStore(path, read_only=True, timeout=0.1)
    assert reader.load("case-1") == flow.case
    assert [s.case_id for s in reader.cases()] == ["case-1"]
    reader.verify("case-1")
    blocker.execute("ROLLBACK")
    blocker.close()
    with pytest.raises(StoreError):
        reader.handle("case-1", r.InformParty(actor=STAFF, at=flow.now, party_id="harmed"))
    reader.close()
    assert path.read_bytes() == before
    with pytest.raises(StoreError, match="no database"):
        SQLiteStore(tmp_path / "missing.db", read_only=True)
    assert not (tmp_path / "missing.db").exists()
    old = sqlite3.connect(tmp_path / "old.db")
    old.execute("CREATE TABLE restorative_schema (version INTEGER NOT NULL)")
    old.close()
    with pytest.raises(StoreError, match="schema 0"):
        SQLiteStore(tmp_path / "old.db", read_only=True)


def _files(folder: Path) -> dict[str, bytes]:
    """Every file in the folder with its bytes; a -shm only by name (readers mark it as they read)."""
    return {p.name: b"" if p.name.endswith("-shm") else p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_read_only_store_leaves_no_files_behind(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    writer = SQLiteStore(path)
    flow = _open_case(writer, "case-1")
    writer.close()
    before = _files(tmp_path)
    assert ["events.db"] == list(before)  # WAL mode, closed cleanly: no companions
    reader = SQLiteStore(path, read_only=True)
    assert reader.load("case-1") == flow.case
    reader.verify("case-1")
    assert [] == reader.verify_all()
    with pytest.raises(StoreError):
        reader.handle("case-1", r.InformParty(actor=STAFF, at=flow.now, party_id="harmed"))
    reader.close()
    assert before == _files(tmp_path)  # the same bytes, and no -wal or -shm


def test_a_read_only_store_beside_a_writer_folds_in_none_of_its_log(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    writer = SQLiteStore(path)
    writer.connection.execute("PRAGMA wal_autocheckpoint=0")  # the writer's events stay in its -wal
    flow = _open_case(writer, "case-1")
    before = _files(tmp_path)
    assert before["events.db-wal"]
    reader = SQLiteStore(path, read_only=True)
    assert reader.load("case-1") == flow.case
    reader.close()
    assert before == _files(tmp_path)
    crashed = tmp_path / "crashed"  # the same files with no connection open: as a crash leaves them
    crashed.mkdir()
    for name, content in before.items():
        (crashed / name).write_bytes(content)
    writer.close()
    copied = _files(crashed)
    reader = SQLiteStore(crashed / "events.db", read_only=True)
    assert reader.load("case-1") == flow.case  # read from the log, which is left for a writer to fold in
    reader.close()
    assert copied == _files(crashed)


def test_a_read_only_store_on_a_file_it_may_not_write_opens_it_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.db"
    writer = SQLiteStore(path)
    flow = _open_case(writer, "case-1")
    writer.close()
    before = path.read_bytes()
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)  # as a read-only file to a user who is not root
    reader = SQLiteStore(path, read_only=True)
    assert reader.load("case-1") == flow.case
    with pytest.raises(StoreError):
        reader.append("case-1", [], 0)
    reader.close()
    assert before == path.read_bytes()
    assert ["events.db", "events.db-shm", "events.db-wal"] == sorted(_files(tmp_path))  # mode=ro cannot remove them


def test_a_read_only_store_refuses_files_that_are_not_restorative_databases(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    connection.close()
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all\n" * 100, encoding="utf-8")
    mangled = tmp_path / "mangled.db"  # a schema entry that is not UTF-8: the driver's own message is not either
    connection = sqlite3.connect(mangled)
    connection.execute("PRAGMA writable_schema=ON")
    connection.execute("INSERT INTO sqlite_master VALUES ('table', 'x', 'x', 0, CAST(X'FF4142' AS TEXT))")
    connection.commit()
    connection.close()
    before = _files(tmp_path)
    for path in (other, text, mangled):
        with pytest.raises(StoreError, match="is not a restorative database"):
            SQLiteStore(path, read_only=True)
    with pytest.raises(StoreError, match="no database"):
        SQLiteStore(tmp_path, read_only=True)  # a folder
    assert before == _files(tmp_path)
