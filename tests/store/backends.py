"""Each store backend under test, the backend-specific ways to damage its rows, and a second writer."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from restorative.store import EventStore, MemoryStore, SQLiteStore
from tests.store.servers import postgres_dsn


class Backend:
    """A store under test, the backend-specific ways to damage its rows, and a second writer.

    `second` is another store on the same database, with its own connection where the
    backend has connections, so that concurrency is tested across connections.
    """

    def __init__(
        self,
        store: EventStore,
        tamper: Callable[[str, str, tuple[Any, ...]], None],
        second: EventStore | None = None,
    ) -> None:
        self.store = store
        self.tamper = tamper
        self.second = second or store


def _memory() -> Backend:
    store = MemoryStore()

    def tamper(sql: str, case_id: str, args: tuple[Any, ...]) -> None:
        rows = store._rows[case_id]
        if sql == "edit":
            sequence, data = args
            rows[:] = [(s, data if s == sequence else d, h) for s, d, h in rows]
        elif sql == "delete":
            (sequence,) = args
            rows[:] = [row for row in rows if row[0] != sequence]
        elif sql == "append":
            rows.append((len(rows) + 1, rows[-1][1], rows[-1][2]))
        elif sql == "wipe":
            rows.clear()
        elif sql == "swap":
            a, b = args
            by = {s: (d, h) for s, d, h in rows}
            rows[:] = [(s, *by[b if s == a else a if s == b else s]) for s, _, _ in rows]
        elif sql == "listing":
            column, value = args
            store._cases[case_id] = attrs.evolve(store._cases[case_id], **{column: value})

    return Backend(store, tamper)


def _sqlite(path: str) -> Backend:
    store = SQLiteStore(path)

    def tamper(sql: str, case_id: str, args: tuple[Any, ...]) -> None:
        db = sqlite3.connect(path, isolation_level=None)
        if sql == "edit":
            sequence, data = args
            db.execute(
                "UPDATE restorative_events SET data = ? WHERE case_id = ? AND sequence = ?", (data, case_id, sequence)
            )
        elif sql == "delete":
            (sequence,) = args
            db.execute("DELETE FROM restorative_events WHERE case_id = ? AND sequence = ?", (case_id, sequence))
        elif sql == "append":
            db.execute(
                "INSERT INTO restorative_events SELECT case_id, sequence + 1, type, at, actor, data, hash"
                " FROM restorative_events WHERE case_id = ? ORDER BY sequence DESC LIMIT 1",
                (case_id,),
            )
        elif sql == "wipe":
            db.execute("DELETE FROM restorative_events WHERE case_id = ?", (case_id,))
        elif sql == "swap":
            a, b = args
            db.execute("UPDATE restorative_events SET sequence = -1 WHERE case_id = ? AND sequence = ?", (case_id, a))
            db.execute("UPDATE restorative_events SET sequence = ? WHERE case_id = ? AND sequence = ?", (a, case_id, b))
            db.execute("UPDATE restorative_events SET sequence = ? WHERE case_id = ? AND sequence = -1", (b, case_id))
        elif sql == "listing":
            column, value = args
            stored = (
                value.astimezone(UTC).isoformat() if isinstance(value, datetime) else getattr(value, "value", value)
            )
            db.execute(f"UPDATE restorative_cases SET {column} = ? WHERE case_id = ?", (stored, case_id))
        db.close()

    return Backend(store, tamper, SQLiteStore(path))


def _postgres(dsn: str) -> Iterator[Backend]:
    import psycopg
    from psycopg import sql

    from restorative.store import PostgresStore

    schema = f"test_{uuid.uuid4().hex[:12]}"
    store = PostgresStore(dsn, schema=schema)

    def tamper(action: str, case_id: str, args: tuple[Any, ...]) -> None:
        with psycopg.connect(dsn, autocommit=True) as db:
            db.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            events = "UPDATE restorative_events SET"
            if action == "edit":
                sequence, data = args
                db.execute(f"{events} data = %s WHERE case_id = %s AND sequence = %s", (data, case_id, sequence))
            elif action == "delete":
                (sequence,) = args
                db.execute("DELETE FROM restorative_events WHERE case_id = %s AND sequence = %s", (case_id, sequence))
            elif action == "append":
                db.execute(
                    "INSERT INTO restorative_events SELECT case_id, sequence + 1, type, at, actor, data, hash"
                    " FROM restorative_events WHERE case_id = %s ORDER BY sequence DESC LIMIT 1",
                    (case_id,),
                )
            elif action == "wipe":
                db.execute("DELETE FROM restorative_events WHERE case_id = %s", (case_id,))
            elif action == "swap":
                a, b = args
                db.execute(f"{events} sequence = -1 WHERE case_id = %s AND sequence = %s", (case_id, a))
                db.execute(f"{events} sequence = %s WHERE case_id = %s AND sequence = %s", (a, case_id, b))
                db.execute(f"{events} sequence = %s WHERE case_id = %s AND sequence = -1", (b, case_id))
            elif action == "listing":
                column, value = args
                stored = value if isinstance(value, datetime) else getattr(value, "value", value)
                db.execute(f"UPDATE restorative_cases SET {column} = %s WHERE case_id = %s", (stored, case_id))

    second = PostgresStore(dsn, schema=schema)
    yield Backend(store, tamper, second)
    second.close()
    store.connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    store.close()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "memory":
        yield _memory()
    elif request.param == "postgres":
        yield from _postgres(postgres_dsn())
    else:
        made = _sqlite(str(tmp_path / "events.db"))
        yield made
        for opened in (made.store, made.second):
            assert isinstance(opened, SQLiteStore)
            opened.close()
