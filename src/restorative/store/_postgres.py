"""The PostgreSQL event store, for servers: psycopg 3, in the extra ``restorative[postgres]``.

The same rows, chain and projection as the SQLite store. An append locks the case's
listing row (``SELECT ... FOR UPDATE``) so writers to one case queue up, while writers
to different cases never wait on each other; the unique ``(case_id, sequence)`` key
catches the rest. Event data is kept as the exact JSON text that was hashed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import StoreError
from ._chain import Upcasters
from ._sql import SQLStore

try:
    import psycopg
    from psycopg import sql
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError("the PostgreSQL store needs psycopg 3: pip install 'restorative[postgres]'") from error

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            """CREATE TABLE restorative_events (
                case_id TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                type TEXT NOT NULL,
                at TIMESTAMPTZ NOT NULL,
                actor TEXT NOT NULL,
                data TEXT NOT NULL,
                hash TEXT NOT NULL,
                PRIMARY KEY (case_id, sequence)
            )""",
            """CREATE TABLE restorative_cases (
                case_id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                stage TEXT NOT NULL,
                version INTEGER NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                head TEXT NOT NULL
            )""",
            "CREATE INDEX restorative_cases_by_stage ON restorative_cases (stage, updated_at)",
        ),
    ),
    (
        2,
        (
            "ALTER TABLE restorative_cases ADD COLUMN snapshot TEXT",
            "ALTER TABLE restorative_cases ADD COLUMN snapshot_seal TEXT",
            "CREATE TABLE restorative_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ),
    ),
    (
        3,
        (
            "ALTER TABLE restorative_cases ADD COLUMN due_at TIMESTAMPTZ",
            "CREATE INDEX restorative_cases_by_due ON restorative_cases (due_at)",
        ),
    ),
)
"""Schema migrations in order: (version, statements). Only ever append."""


class PostgresStore(SQLStore):
    """An event store in a PostgreSQL database.

    Args:
        dsn: a libpq connection string, e.g. ``"postgresql://user@host/db"``.
        connection: an open psycopg connection (in autocommit mode) to use instead of `dsn`.
        own_transactions: whether the store begins and commits its transactions; with
            ``False`` it runs inside the caller's transaction and the caller commits.
        schema: the PostgreSQL schema (namespace) for the tables, created if missing.
        upcasters: how to lift events written by an older schema.
        cache_events: how many decoded events to keep, by row hash, for later loads (0: none).
        chain_key: key the hash chain with HMAC-SHA-256 (see `SQLiteStore`).
        snapshots: keep each case's snapshot and load from it (see `SQLiteStore`).
    """

    MIGRATIONS = MIGRATIONS
    LOCK_CASE = " FOR UPDATE"  # writers to one case queue up; other cases never wait
    TABLE_EXISTS = "SELECT 1 WHERE to_regclass(?) IS NOT NULL"
    DRIVER_ERROR = psycopg.Error
    DUPLICATE_ERROR = psycopg.errors.UniqueViolation
    RACE_ERRORS = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)

    def __init__(
        self,
        dsn: str = "",
        *,
        connection: psycopg.Connection[Any] | None = None,
        own_transactions: bool = True,
        schema: str = "public",
        upcasters: Upcasters | None = None,
        cache_events: int = 50_000,
        chain_key: bytes | None = None,
        snapshots: bool = True,
    ) -> None:
        self._setup(
            upcasters=upcasters,
            cache_events=cache_events,
            own_transactions=own_transactions,
            owns_connection=connection is None,
            chain_key=chain_key,
            snapshots=snapshots,
        )
        try:
            self.connection = connection if connection is not None else psycopg.connect(dsn, autocommit=True)
            self.connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            self.connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            self._migrate()
            self._check_chain()
        except psycopg.Error as error:
            raise StoreError(f"cannot open the PostgreSQL store: {error}") from error

    def _sql(self, query: str) -> str:
        return query.replace("?", "%s")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            if not self.own_transactions:
                yield
                return
            with self.connection.transaction():
                yield

    def _begin_migration(self) -> None:
        self.connection.execute("SELECT pg_advisory_xact_lock(7417001)")  # one migrator at a time

    def _executemany(self, query: str, rows: list[tuple[Any, ...]]) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(self._sql(query), rows)
