"""A keyed chain: someone who can write the database cannot forge a consistent chain without the key."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import restorative as r
from restorative import _demo
from restorative.errors import IntegrityError, InvalidInput, StoreError
from restorative.store import MemoryStore, SQLiteStore
from restorative.store._chain import GENESIS, link

KEY = b"k" * 32


def _stored(path: Path, **options: object) -> str:
    store = SQLiteStore(path, **options)  # type: ignore[arg-type]
    commands, _ = _demo.fulfilled_case("case-1")
    for command in commands:
        store.handle("case-1", command)
    store.close()
    return "case-1"


def _forge_plain_chain(path: Path, case_id: str) -> None:
    """Edit an event, then recompute every hash and the head with plain SHA-256, as an editor without the key can."""
    db = sqlite3.connect(path, isolation_level=None)
    rows = db.execute(
        "SELECT sequence, data FROM restorative_events WHERE case_id = ? ORDER BY sequence", (case_id,)
    ).fetchall()
    head = GENESIS
    db.execute("BEGIN")
    for sequence, stored in rows:
        data = stored.replace('"staff-oslo-1"', '"staff-bergen-9"') if sequence == 2 else stored
        head = link(head, case_id, sequence, data)
        db.execute(
            "UPDATE restorative_events SET data = ?, hash = ? WHERE case_id = ? AND sequence = ?",
            (data, head, case_id, sequence),
        )
    db.execute(
        "UPDATE restorative_cases SET head = ?, snapshot = NULL, snapshot_seal = NULL WHERE case_id = ?",
        (head, case_id),
    )
    db.execute("COMMIT")
    db.close()


def test_a_recomputed_plain_chain_passes_unkeyed_and_is_caught_keyed(tmp_path: Path) -> None:
    plain = tmp_path / "plain.db"
    keyed = tmp_path / "keyed.db"
    _forge_plain_chain(plain, _stored(plain))
    _forge_plain_chain(keyed, _stored(keyed, chain_key=KEY))
    assert SQLiteStore(plain).verify_all() == []  # the weakness a key removes
    store = SQLiteStore(keyed, chain_key=KEY)
    [problem] = store.verify_all()
    assert isinstance(problem, IntegrityError)
    assert problem.sequence == 1  # the first hash already is not the keyed one
    with pytest.raises(IntegrityError):
        store.load("case-1")


def test_a_keyed_database_refuses_a_store_without_its_key_or_with_another(tmp_path: Path) -> None:
    path = tmp_path / "keyed.db"
    _stored(path, chain_key=KEY)
    with pytest.raises(StoreError, match="keyed"):
        SQLiteStore(path)
    with pytest.raises(StoreError, match="not the key"):
        SQLiteStore(path, chain_key=b"x" * 32)
    assert SQLiteStore(path, chain_key=KEY).load("case-1").stage is r.Stage.FULFILLED


def test_a_key_cannot_be_given_to_chains_already_stored_plain(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    _stored(path)
    with pytest.raises(StoreError, match="plain"):
        SQLiteStore(path, chain_key=KEY)


def test_a_deleted_record_of_the_key_does_not_make_a_keyed_database_plain(tmp_path: Path) -> None:
    path = tmp_path / "keyed.db"
    _stored(path, chain_key=KEY)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM restorative_meta")
    db.close()
    with pytest.raises(StoreError):
        SQLiteStore(path, chain_key=KEY)  # the application knows its chain is keyed
    [problem] = SQLiteStore(path).verify_all()  # and a plain store finds no plain chain there
    assert isinstance(problem, IntegrityError)


def test_keyed_hashes_are_not_plain_ones(tmp_path: Path) -> None:
    path = tmp_path / "keyed.db"
    _stored(path, chain_key=KEY)
    db = sqlite3.connect(path)
    (data, stored) = db.execute("SELECT data, hash FROM restorative_events WHERE sequence = 1").fetchone()
    db.close()
    assert stored != link(GENESIS, "case-1", 1, data)
    assert json.loads(data)["type"] == "CaseReferred"


def test_the_memory_store_keys_its_chain_too() -> None:
    store = MemoryStore(chain_key=KEY)
    _, events = _demo.fulfilled_case("case-1")
    store.append("case-1", events, 0)
    assert store.history("case-1")[0].hash != link(GENESIS, "case-1", 1, store._rows["case-1"][0][1])
    assert store.verify_all() == []


@pytest.mark.parametrize("key", [b"short", "text-not-bytes"])
def test_a_key_must_be_bytes_of_16_or_more(key: object) -> None:
    with pytest.raises(InvalidInput, match="chain_key"):
        MemoryStore(chain_key=key)  # type: ignore[arg-type]
