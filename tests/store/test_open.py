"""`open_store`: the store a user names, a PostgreSQL address or an SQLite file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import restorative as r
from restorative.errors import InvalidInput, StoreError
from restorative.store import MemoryStore, SQLiteStore, open_store
from restorative.store._open import display, scrub
from tests.flows import STAFF, Flow
from tests.store.databases import empty_database


def test_a_path_opens_an_sqlite_store(tmp_path: Path) -> None:
    flow = Flow().to_consent()
    for db in (tmp_path / "a.db", str(tmp_path / "b.db")):
        store = open_store(db)
        assert isinstance(store, SQLiteStore)
        store.append(flow.case.id, flow.events, 0)
        store.close()
        reader = open_store(db, read_only=True)
        assert flow.case == reader.load(flow.case.id)
        with pytest.raises(StoreError):
            reader.append(flow.case.id, flow.events, 0)
        reader.close()
    with pytest.raises(StoreError, match="no database"):
        open_store(tmp_path / "missing.db", read_only=True)
    assert not (tmp_path / "missing.db").exists()


def test_what_is_neither_an_address_nor_a_path_is_refused() -> None:
    for db in (None, 5, b"cases.db", MemoryStore()):
        with pytest.raises(InvalidInput, match="db must be a PostgreSQL address or a file path"):
            open_store(db)  # type: ignore[arg-type]


def test_an_address_without_psycopg_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the extra were not installed
    monkeypatch.delitem(sys.modules, "restorative.store._postgres", raising=False)
    monkeypatch.chdir(tmp_path)
    for db in ("postgresql://someone@db.example/cases", "POSTGRES://someone@db.example/cases"):
        with pytest.raises(StoreError, match=r"pip install 'restorative\[postgres\]'"):
            open_store(db, read_only=True)
    assert [] == list(tmp_path.iterdir())  # no SQLite file named after the address


def test_no_message_shows_a_password() -> None:
    db = "postgresql://kari:s3cr%40t@db.example:5432/cases?sslmode=require&password=other"
    assert "postgresql://kari:***@db.example:5432/cases?sslmode=require&password=***" == display(db)
    assert "failed for 'kari:***@db' and *** and ***" == scrub("failed for 'kari:s3cr%40t@db' and s3cr@t and other", db)
    assert "cases.db" == display("cases.db") == scrub("cases.db", "cases.db")
    assert len(display("x" * 5000)) == 200


def test_an_address_on_a_server_opens_a_postgres_store() -> None:
    from restorative.store import PostgresStore

    with empty_database() as address:
        with pytest.raises(StoreError, match="has no restorative tables"):
            open_store(address, read_only=True)
        import psycopg

        with psycopg.connect(address) as probe:
            tables = probe.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        assert tables == (0,)  # a read-only open created nothing
        flow = Flow().to_consent()
        store = open_store(address)
        assert isinstance(store, PostgresStore)
        store.append(flow.case.id, flow.events, 0)
        store.close()
        reader = open_store(address, read_only=True)
        assert flow.case == reader.load(flow.case.id)
        with pytest.raises(StoreError, match="read-only"):
            reader.handle(flow.case.id, r.InformParty(actor=STAFF, at=flow.now, party_id="harmed"))
        assert flow.case == reader.load(flow.case.id)
        reader.close()
