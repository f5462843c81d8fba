"""The PostgreSQL event store, for servers: psycopg 3, in the extra ``restorative[postgres]``.

The same rows, chain and projection as the SQLite store. An append locks the case's
listing row (``SELECT ... FOR UPDATE``) so writers to one case queue up, while writers
to different cases never wait on each other; the unique ``(case_id, sequence)`` key
catches the rest. Event data is kept as the exact JSON text that was hashed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .._commands import Command
from .._events import Event
from .._lifecycle import Stage
from .._values import Case, CaseKind
from ..errors import CaseNotFound, ConcurrencyError, IntegrityError, StoreError
from . import _chain
from ._chain import GENESIS, Upcasters
from ._protocol import CaseSummary, StoredEvent

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
)
"""Schema migrations in order: (version, statements). Only ever append."""

SCHEMA = MIGRATIONS[-1][0]
"""The schema version this code writes."""


class PostgresStore:
    """An event store in a PostgreSQL database.

    Args:
        dsn: a libpq connection string, e.g. ``"postgresql://user@host/db"``.
        connection: an open psycopg connection to use instead of `dsn`.
        own_transactions: whether the store begins and commits its transactions; with
            ``False`` it runs inside the caller's transaction and the caller commits.
        schema: the PostgreSQL schema (namespace) for the tables, created if missing.
        upcasters: how to lift events written by an older schema.
    """

    def __init__(
        self,
        dsn: str = "",
        *,
        connection: psycopg.Connection[Any] | None = None,
        own_transactions: bool = True,
        schema: str = "public",
        upcasters: Upcasters | None = None,
    ) -> None:
        self.upcasters = upcasters or Upcasters()
        self.own_transactions = own_transactions
        self._lock = threading.RLock()
        try:
            self.connection = connection if connection is not None else psycopg.connect(dsn, autocommit=True)
            self.connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            self.connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            self._migrate()
        except psycopg.Error as error:
            raise StoreError(f"cannot open the PostgreSQL store: {error}") from error

    def _migrate(self) -> None:
        with self._transaction():
            self.connection.execute("SELECT pg_advisory_xact_lock(7417001)")  # one migrator at a time
            self.connection.execute("CREATE TABLE IF NOT EXISTS restorative_schema (version INTEGER NOT NULL)")
            row = self.connection.execute("SELECT MAX(version) FROM restorative_schema").fetchone()
            current = (row[0] if row else None) or 0
            if current > SCHEMA:
                raise StoreError(f"the database has schema {current}, newer than this library's {SCHEMA}")
            for version, statements in MIGRATIONS:
                if version > current:
                    for statement in statements:
                        self.connection.execute(statement)
                    self.connection.execute("INSERT INTO restorative_schema (version) VALUES (%s)", (version,))

    @property
    def schema(self) -> int:
        """The schema version of the database."""
        row = self.connection.execute("SELECT MAX(version) FROM restorative_schema").fetchone()
        return int((row[0] if row else None) or 0)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            if not self.own_transactions:
                yield
                return
            with self.connection.transaction():
                yield

    def append(self, case_id: str, events: Sequence[Event], expected_version: int) -> int:
        """See `EventStore.append`."""
        return self.append_many([(case_id, events, expected_version)])[0]

    def append_many(self, batches: Sequence[tuple[str, Sequence[Event], int]]) -> list[int]:
        """See `EventStore.append_many`: several cases in one transaction, all or nothing."""
        case_id, expected_version = "", 0
        try:
            with self._transaction():
                versions = []
                for case_id, events, expected_version in batches:
                    versions.append(self._append(case_id, events, expected_version))
                return versions
        except psycopg.errors.UniqueViolation as error:  # a concurrent writer opened the same case
            raise ConcurrencyError(case_id, expected_version, self._version(case_id)) from error
        except psycopg.Error as error:
            raise StoreError(f"cannot append to case {case_id}: {error}") from error

    def _append(self, case_id: str, events: Sequence[Event], expected_version: int) -> int:
        row = self.connection.execute(
            "SELECT version, kind, stage, head FROM restorative_cases WHERE case_id = %s FOR UPDATE", (case_id,)
        ).fetchone()
        version, kind, stage, head = (0, None, None, GENESIS) if row is None else row
        version = int(version)
        _chain.check_version(case_id, expected_version, version)
        new_kind, new_stage, updated_at = _chain.summarize(
            case_id, events, version, None if kind is None else CaseKind(kind), None if stage is None else Stage(stage)
        )
        rows, new_head = _chain.encode(case_id, events, version, head)
        with self.connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO restorative_events (case_id, sequence, type, at, actor, data, hash)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
        new_version = version + len(events)
        self.connection.execute(
            "INSERT INTO restorative_cases (case_id, kind, stage, version, updated_at, head)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (case_id) DO UPDATE SET"
            " stage = excluded.stage, version = excluded.version,"
            " updated_at = excluded.updated_at, head = excluded.head",
            (case_id, new_kind.value, new_stage.value, new_version, updated_at, new_head),
        )
        return new_version

    def _version(self, case_id: str) -> int:
        row = self.connection.execute("SELECT version FROM restorative_cases WHERE case_id = %s", (case_id,)).fetchone()
        return 0 if row is None else int(row[0])

    def history(self, case_id: str) -> list[StoredEvent]:
        """See `EventStore.history`."""
        try:
            with self._lock:
                head_row = self.connection.execute(
                    "SELECT head, version FROM restorative_cases WHERE case_id = %s", (case_id,)
                ).fetchone()
                rows = self.connection.execute(
                    "SELECT sequence, data, hash FROM restorative_events WHERE case_id = %s ORDER BY sequence",
                    (case_id,),
                ).fetchall()  # read after the listing row: rows appended in between are ignored by decode
        except psycopg.Error as error:
            raise StoreError(f"cannot read case {case_id}: {error}") from error
        if head_row is None:
            if rows:
                raise IntegrityError(case_id, 1, "events are stored but the case's listing row is missing")
            raise CaseNotFound(case_id)
        return _chain.decode(case_id, rows, self.upcasters, head_row[0], head_row[1])

    def load(self, case_id: str) -> Case:
        """See `EventStore.load`."""
        return _chain.rebuild(case_id, [stored.event for stored in self.history(case_id)])

    def cases(self, *, stage: Stage | None = None, kind: CaseKind | None = None) -> list[CaseSummary]:
        """See `EventStore.cases`."""
        query = "SELECT case_id, kind, stage, version, updated_at FROM restorative_cases WHERE TRUE"
        args: list[str] = []
        if stage is not None:
            query += " AND stage = %s"
            args.append(stage.value)
        if kind is not None:
            query += " AND kind = %s"
            args.append(kind.value)
        query += " ORDER BY updated_at DESC, case_id DESC"
        with self._lock:
            rows = self.connection.execute(query, args).fetchall()
        return [
            CaseSummary(case_id=case_id, kind=CaseKind(k), stage=Stage(s), version=version, updated_at=updated_at)
            for case_id, k, s, version, updated_at in rows
        ]

    def handle(self, case_id: str, command: Command) -> tuple[Case, tuple[Event, ...]]:
        """See `EventStore.handle`."""
        return _chain.handle(self, case_id, command)

    def verify(self, case_id: str) -> None:
        """See `EventStore.verify`; also finds rows added beyond the case's recorded end."""
        checked = len(self.history(case_id))
        with self._lock:
            row = self.connection.execute(
                "SELECT COUNT(*) FROM restorative_events WHERE case_id = %s AND sequence > %s", (case_id, checked)
            ).fetchone()
        if row is not None and row[0] and self._version(case_id) == checked:
            raise IntegrityError(case_id, checked + 1, "rows were added beyond the case's recorded end")

    def verify_all(self) -> list[Exception]:
        """See `EventStore.verify_all`; also finds events whose case has no listing row."""
        with self._lock:
            ids = [
                row[0]
                for row in self.connection.execute(
                    "SELECT case_id FROM restorative_cases UNION SELECT DISTINCT case_id FROM restorative_events"
                )
            ]
        problems: list[Exception] = []
        for case_id in ids:
            try:
                self.verify(case_id)
            except (IntegrityError, CaseNotFound) as error:
                problems.append(error)
        return problems

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()
