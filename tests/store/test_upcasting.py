"""Events written by an older schema load into today's classes through upcasters."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import restorative as r
from restorative import _demo
from restorative.errors import DecodeError, IntegrityError
from restorative.store import SQLiteStore, Upcasters

FIXTURE = Path(__file__).parent / "fixtures" / "schema0.db"


def _upcasters() -> Upcasters:
    upcasters = Upcasters()

    @upcasters.register("PartyInformed", 0)
    def party_informed(data: dict[str, Any]) -> dict[str, Any]:
        data["party_id"] = data.pop("party")
        return data

    @upcasters.register("MediatorAssigned", 0)
    def mediator_assigned(data: dict[str, Any]) -> dict[str, Any]:
        data["mediator_id"] = data.pop("mediator")
        return data

    for name in {cls.__name__ for cls in r.EVENT_TYPES} - {"PartyInformed", "MediatorAssigned"}:
        upcasters.register(name, 0)(lambda data: data)  # unchanged layout, new version number
    return upcasters


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    copy = tmp_path / "schema0.db"
    shutil.copy(FIXTURE, copy)
    return copy


def test_the_committed_old_database_loads_through_upcasters(old_db: Path) -> None:
    store = SQLiteStore(old_db, upcasters=_upcasters())
    _, events = _demo.withdrawn_case("old-case-1")
    assert r.replay(events) == store.load("old-case-1")
    assert events == [s.event for s in store.history("old-case-1")]
    assert [] == store.verify_all()  # rows are never rewritten, so the chain still holds


def test_without_upcasters_the_old_rows_are_refused_clearly(old_db: Path) -> None:
    store = SQLiteStore(old_db)
    with pytest.raises(IntegrityError) as caught:
        store.load("old-case-1")
    assert 1 == caught.value.sequence
    assert "upcaster" in str(caught.value)


def test_the_fixture_is_really_in_the_old_layout() -> None:
    db = sqlite3.connect(f"file:{FIXTURE}?mode=ro", uri=True)  # read-only: the fixture must not change
    rows = db.execute("SELECT data FROM restorative_events WHERE type = 'PartyInformed'").fetchall()
    db.close()
    assert rows
    assert all('"schema":0' in data and '"party":' in data for (data,) in rows)


def test_a_row_holding_a_command_is_not_read_as_an_event() -> None:
    from restorative.store._chain import GENESIS, checked, link
    from tests.flows import STAFF, T0

    text = r.to_json(r.AcceptCase(actor=STAFF, at=T0))  # a valid command, hashed as if it were an event
    digest = link(GENESIS, "case-x", 1, text)
    with pytest.raises(IntegrityError) as caught:
        checked("case-x", [(1, text, digest)], Upcasters(), digest, 1)
    assert 1 == caught.value.sequence
    assert "cannot be read" in str(caught.value)


def _deep(levels: int) -> Any:
    value: Any = []
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    "data",
    [
        {"schema": 0, "type": _deep(10**5)},
        {"schema": _deep(10**5), "type": "PartyInformed"},
        {"schema": 0, "type": "PartyInformed", "party": _deep(10**5)},
        _deep(10**5),
        "x" * 10**6,
    ],
    ids=["deep-type", "deep-schema", "deep-field", "deep-list", "text"],
)
def test_upcasting_refuses_deep_or_odd_data_as_a_decode_error(data: Any) -> None:
    with pytest.raises(DecodeError) as caught:
        _upcasters().upcast(data)
    assert len(str(caught.value)) <= 2_000


def test_an_upcaster_that_returns_no_object_is_named() -> None:
    upcasters = Upcasters()
    upcasters.register("PartyInformed", 0)(lambda data: None)  # type: ignore[arg-type, return-value]
    with pytest.raises(DecodeError, match="upcaster for PartyInformed from schema 0 returned NoneType"):
        upcasters.upcast({"schema": 0, "type": "PartyInformed"})
