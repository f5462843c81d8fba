"""An erasure finishes, or says it did not: no erased byte is left on disk behind a reported success."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import restorative as r
from restorative.errors import ErasurePending, VaultError
from restorative.store import SQLiteStore
from tests.flows import STAFF, Flow

pytest.importorskip("cryptography", reason="the vault needs restorative[privacy] (cryptography)")

from restorative.privacy import Erasure, MasterKey, PersonalData, Vault, purge

KEY = MasterKey.generate()
T = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DISTINCT = PersonalData(name="Zebulon Quixotic-Erasetest", contact=("zq-erasetest@example.invalid",))


def _on_disk(path: Path) -> bytes:
    """The database as it lies on disk: the main file and its write-ahead log, read raw."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _sealed(store: SQLiteStore, person: str) -> list[bytes]:
    """The person's sealed key and sealed record, as stored."""
    found = [
        bytes(row[0])
        for table in ("restorative_vault_keys", "restorative_vault")
        for row in store.connection.execute(f"SELECT sealed FROM {table} WHERE person_id = ?", (person,))
    ]
    assert len(found) == 2
    return found


def _reading(path: Path) -> sqlite3.Connection:
    """Another connection, holding a read transaction open on an older snapshot."""
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM restorative_vault").fetchone()
    return reader


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[tuple[SQLiteStore, Vault, Path, Flow]]:
    path = tmp_path / "cases.db"
    store = SQLiteStore(path, timeout=0.05)  # a reader is waited for 50 ms, so the test is quick
    vault = Vault(store, KEY)
    flow = Flow().to_preparation()
    store.append(flow.case.id, flow.events, 0)
    yield store, vault, path, flow
    store.close()


def test_an_erasure_a_reader_blocks_is_reported_pending_and_finished_by_checkpoint(
    opened: tuple[SQLiteStore, Vault, Path, Flow],
) -> None:
    store, vault, path, flow = opened
    person = flow.case.parties[0].id
    vault.put(person, DISTINCT)
    sealed = _sealed(store, person)
    reader = _reading(path)

    with pytest.raises(ErasurePending, match=r"Vault\.checkpoint") as caught:
        vault.erase(person, reason="request under GDPR art. 17", actor="staff-1", at=T)

    assert isinstance(caught.value, VaultError)
    assert (vault.get(person),) == caught.value.erasures  # the erasure stands: recorded and committed
    assert vault.erasure_pending
    assert any(blob in _on_disk(path) for blob in sealed)  # why it is pending: the bytes are still there
    assert not vault.checkpoint()  # still blocked: says so again
    reader.close()
    assert vault.checkpoint()
    assert not vault.erasure_pending
    raw = _on_disk(path)
    for blob in sealed:
        assert blob not in raw
    assert DISTINCT.name.encode() not in raw
    assert 1000 == store.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0]  # the connection's own again


def test_a_pending_erasure_is_finished_by_later_appends_through_the_store(
    opened: tuple[SQLiteStore, Vault, Path, Flow],
) -> None:
    store, vault, path, flow = opened
    person = flow.case.parties[0].id
    vault.put(person, DISTINCT)
    sealed = _sealed(store, person)
    reader = _reading(path)
    with pytest.raises(ErasurePending):
        vault.erase(person, reason="request", actor="staff-1", at=T)
    reader.close()
    at = flow.now
    for n in range(2):  # the first checkpoints the log into the database, the second starts the log afresh
        at += timedelta(hours=1)
        store.handle(flow.case.id, r.AssignStaff(actor=STAFF, at=at, staff_id=f"staff-extra-{n}"))
    raw = _on_disk(path)
    for blob in sealed:
        assert blob not in raw


def test_a_pending_erasure_survives_a_restart_and_the_next_write_finishes_it(
    opened: tuple[SQLiteStore, Vault, Path, Flow],
) -> None:
    store, vault, path, flow = opened
    person = flow.case.parties[0].id
    vault.put(person, DISTINCT)
    sealed = _sealed(store, person)
    reader = _reading(path)
    with pytest.raises(ErasurePending):
        vault.erase(person, reason="request", actor="staff-1", at=T)
    store.close()  # the process ends while the reader still reads

    store = SQLiteStore(path, timeout=0.05)
    vault = Vault(store, KEY)
    assert vault.erasure_pending  # the database remembers
    reader.close()
    vault.put("someone-else", PersonalData(name="Ola"))  # any write through the vault retries
    assert not vault.erasure_pending
    raw = _on_disk(path)
    for blob in sealed:
        assert blob not in raw
    store.close()


def test_purge_that_a_reader_blocks_erases_everyone_and_then_says_it_is_pending(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    store = SQLiteStore(path, timeout=0.05)
    vault = Vault(store, KEY)
    flow = Flow(kind=r.CaseKind.CIVIL, policy=r.Policy(retention_days=30))
    flow.do(r.DeclineCase, STAFF, reason="not suitable")
    store.append(flow.case.id, flow.events, 0)
    for party in flow.case.parties:
        vault.put(party.id, DISTINCT)
    sealed = [blob for party in flow.case.parties for blob in _sealed(store, party.id)]
    reader = _reading(path)
    later = flow.now + timedelta(days=400)

    with pytest.raises(ErasurePending) as caught:
        purge(store, vault, before=later, now=later)

    assert sorted(p.id for p in flow.case.parties) == sorted(e.person_id for e in caught.value.erasures)
    assert all(isinstance(vault.get(p.id), Erasure) for p in flow.case.parties)
    reader.close()
    assert () == purge(store, vault, before=later, now=later).erased  # purging again finishes the earlier one
    assert not vault.erasure_pending
    raw = _on_disk(path)
    for blob in sealed:
        assert blob not in raw
    store.close()
