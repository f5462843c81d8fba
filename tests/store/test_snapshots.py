"""Snapshots: a load reads one row and checks it against the head; the events stay the truth."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from unittest import mock

import attrs
import pytest

import restorative as r
from restorative import _demo
from restorative.errors import IntegrityError
from restorative.store import SQLiteStore, _snapshot
from restorative.store._sql import SQLStore
from tests.store.backends import Backend


def _handled(store: SQLStore, case_id: str = "case-1") -> r.Case:
    commands, _ = _demo.fulfilled_case(case_id)
    case: r.Case | None = None
    for command in commands:
        case, _ = store.handle(case_id, command)
    assert case is not None
    return case


def _snapshot_row(path: Path, case_id: str = "case-1") -> tuple[str | None, str | None]:
    db = sqlite3.connect(path)
    row = db.execute("SELECT snapshot, snapshot_seal FROM restorative_cases WHERE case_id = ?", (case_id,)).fetchone()
    db.close()
    return row[0], row[1]


def test_handle_keeps_the_snapshot_and_a_load_needs_no_replay(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store = SQLiteStore(path)
    case = _handled(store)
    text, seal = _snapshot_row(path)
    assert text is not None and seal is not None and seal.startswith(_snapshot.FORMAT + ":")
    with mock.patch("restorative.store._fold.replay", side_effect=AssertionError("replayed")):
        assert store.load("case-1") == case
    assert store.load("case-1") == r.replay([s.event for s in store.history("case-1")])


def test_the_batched_path_writes_no_snapshot_and_a_load_keeps_one(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store = SQLiteStore(path)
    _, events = _demo.fulfilled_case("case-1")
    store.append_many([("case-1", events, 0)])
    assert _snapshot_row(path) == (None, None)
    case = store.load("case-1")
    assert _snapshot_row(path)[0] is not None
    assert store.load("case-1") == case == r.replay(events)


def test_a_read_only_store_never_writes_a_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store = SQLiteStore(path)
    _, events = _demo.fulfilled_case("case-1")
    store.append_many([("case-1", events, 0)])
    store.close()
    reader = SQLiteStore(path, read_only=True)
    assert reader.load("case-1") == r.replay(events)
    reader.close()
    assert _snapshot_row(path) == (None, None)


def test_a_snapshot_of_another_format_is_rebuilt_from_the_events(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store = SQLiteStore(path)
    case = _handled(store)
    with mock.patch.object(_snapshot, "FORMAT", "1/0.0.1/an-older-definition"):
        with mock.patch("restorative.store._fold.replay", wraps=r.replay) as replayed:
            assert store.load("case-1") == case
        assert replayed.called  # stale: not trusted
        assert _snapshot_row(path)[1].startswith("1/0.0.1/an-older-definition:")  # type: ignore[union-attr]
    assert store.verify_all() == []  # a stale snapshot is not damage


@pytest.mark.parametrize("column", ["snapshot", "snapshot_seal", "head"])
def test_a_changed_snapshot_or_head_is_caught_by_load_and_verify(tmp_path: Path, column: str) -> None:
    path = tmp_path / "events.db"
    store = SQLiteStore(path)
    _handled(store)
    edit = {
        "snapshot": "UPDATE restorative_cases SET snapshot = replace(snapshot, '\"fulfilled\"', '\"closed\"')",
        "snapshot_seal": "UPDATE restorative_cases SET snapshot_seal = snapshot_seal || '0'",
        "head": "UPDATE restorative_cases SET head = 'f' || substr(head, 2)",
    }[column]
    with sqlite3.connect(path) as db:
        db.execute(edit)
    db.close()
    with pytest.raises(IntegrityError):
        store.load("case-1")
    assert [getattr(p, "case_id", None) for p in store.verify_all()] == ["case-1"]


def test_verify_compares_the_snapshot_with_the_events(backend: Backend) -> None:
    """Even a snapshot bound to its head (an unkeyed chain can be forged) must say what the events say."""
    store = backend.store
    if not isinstance(store, SQLStore):
        pytest.skip("the memory store keeps no snapshots")
    case = _handled(store)
    lying = attrs.evolve(case, stage=r.Stage.WITHDRAWN)
    text, seal = _snapshot.write(lying, store.history("case-1")[-1].hash, store.chain, None)
    store.connection.execute(
        store._sql("UPDATE restorative_cases SET snapshot = ?, snapshot_seal = ? WHERE case_id = ?"),
        (text, seal, "case-1"),
    )
    assert store.load("case-1") == lying  # a load trusts a bound snapshot: that is what verify and check are for
    [problem] = store.verify_all()
    assert isinstance(problem, IntegrityError)
    assert "snapshot does not match" in problem.reason
