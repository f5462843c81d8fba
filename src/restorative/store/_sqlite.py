"""The SQLite event store: the embedded default, on the standard library's `sqlite3`.

Write-ahead log, full sync, one transaction per append (``BEGIN IMMEDIATE``), a
unique ``(case_id, sequence)`` key, and the listing projection updated in the same
transaction. Tables are prefixed ``restorative_`` so they can live in an
application's own database; the schema is migrated in code.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from .._commands import Command
from .._events import Event
from .._lifecycle import Stage
from .._values import Case, CaseKind
from ..errors import CaseNotFound, ConcurrencyError, IntegrityError, StoreError
from . import _chain
from ._chain import GENESIS, Upcasters
from ._protocol import CaseSummary, StoredEvent

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            """CREATE TABLE restorative_events (
                case_id TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                type TEXT NOT NULL,
                at TEXT NOT NULL,
                actor TEXT NOT NULL,
                data TEXT NOT NULL,
                hash TEXT NOT NULL,
                PRIMARY KEY (case_id, sequence)
            ) WITHOUT ROWID""",
            """CREATE TABLE restorative_cases (
                case_id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                stage TEXT NOT NULL,
                version INTEGER NOT NULL,
                updated_at TEXT NOT NULL,
                head TEXT NOT NULL
            ) WITHOUT ROWID""",
            "CREATE INDEX restorative_cases_by_stage ON restorative_cases (stage, updated_at)",
        ),
    ),
)
"""Schema migrations in order: (version, statements). Only ever append."""

SCHEMA = MIGRATIONS[-1][0]
"""The schema version this code writes."""


def _utc(moment: datetime) -> str:
    """ISO text in UTC, so that text order is time order."""
    return moment.astimezone(UTC).isoformat()


class SQLiteStore:
    """An event store in one SQLite database file.

    Args:
        path: the database file (created if missing), or ``":memory:"``.
        connection: an open connection to use instead of `path`: the application's own.
        own_transactions: whether the store begins and commits its transactions. With
            ``False`` the store runs its statements inside whatever transaction the caller
            has open, and the caller commits or rolls back (see docs/persistence.md).
        upcasters: how to lift events written by an older schema.
        timeout: seconds to wait for another writer's lock.
    """

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        connection: sqlite3.Connection | None = None,
        own_transactions: bool = True,
        upcasters: Upcasters | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.upcasters = upcasters or Upcasters()
        self.own_transactions = own_transactions
        self._lock = threading.RLock()
        self._owns_connection = connection is None
        try:
            if connection is None:
                connection = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=FULL")
            self.connection = connection
            self._migrate()
        except (sqlite3.Error, StoreError) as error:
            if self._owns_connection and connection is not None:
                connection.close()
            if isinstance(error, StoreError):
                raise
            raise StoreError(f"cannot open the SQLite store at {path}: {error}") from error

    # --- schema -----------------------------------------------------------------

    def _migrate(self) -> None:
        with self._transaction():
            self.connection.execute("CREATE TABLE IF NOT EXISTS restorative_schema (version INTEGER NOT NULL)")
            row = self.connection.execute("SELECT MAX(version) FROM restorative_schema").fetchone()
            current = row[0] or 0
            if current > SCHEMA:
                raise StoreError(f"the database has schema {current}, newer than this library's {SCHEMA}")
            for version, statements in MIGRATIONS:
                if version > current:
                    for statement in statements:
                        self.connection.execute(statement)
                    self.connection.execute("INSERT INTO restorative_schema (version) VALUES (?)", (version,))

    @property
    def schema(self) -> int:
        """The schema version of the database."""
        row = self.connection.execute("SELECT MAX(version) FROM restorative_schema").fetchone()
        return int(row[0] or 0)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            if not self.own_transactions:
                yield
                return
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")

    # --- the protocol ------------------------------------------------------------

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
        except sqlite3.IntegrityError as error:  # a concurrent writer took the same sequence numbers
            raise ConcurrencyError(case_id, expected_version, self._version(case_id)) from error
        except sqlite3.Error as error:
            raise StoreError(f"cannot append to case {case_id}: {error}") from error

    def _append(self, case_id: str, events: Sequence[Event], expected_version: int) -> int:
        row = self.connection.execute(
            "SELECT version, kind, stage, head FROM restorative_cases WHERE case_id = ?", (case_id,)
        ).fetchone()
        version, kind, stage, head = (0, None, None, GENESIS) if row is None else row
        _chain.check_version(case_id, expected_version, version)
        new_kind, new_stage, updated_at = _chain.summarize(
            case_id, events, version, None if kind is None else CaseKind(kind), None if stage is None else Stage(stage)
        )
        rows, new_head = _chain.encode(case_id, events, version, head)
        self.connection.executemany(
            "INSERT INTO restorative_events (case_id, sequence, type, at, actor, data, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        new_version = version + len(events)
        self.connection.execute(
            "INSERT INTO restorative_cases (case_id, kind, stage, version, updated_at, head)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET"
            " stage = excluded.stage, version = excluded.version,"
            " updated_at = excluded.updated_at, head = excluded.head",
            (case_id, new_kind.value, new_stage.value, new_version, _utc(updated_at), new_head),
        )
        return new_version

    def _version(self, case_id: str) -> int:
        row = self.connection.execute("SELECT version FROM restorative_cases WHERE case_id = ?", (case_id,)).fetchone()
        return 0 if row is None else int(row[0])

    def _read(self, case_id: str) -> tuple[list[tuple[int, str, str]], str, int]:
        """The case's rows up to its recorded version, its head and version, in one statement."""
        try:
            with self._lock:
                rows = self.connection.execute(
                    "SELECT e.sequence, e.data, e.hash, c.head, c.version FROM restorative_cases AS c"
                    " JOIN restorative_events AS e ON e.case_id = c.case_id AND e.sequence <= c.version"
                    " WHERE c.case_id = ? ORDER BY e.sequence",
                    (case_id,),
                ).fetchall()
                if not rows:
                    listed = self.connection.execute(
                        "SELECT head, version FROM restorative_cases WHERE case_id = ?", (case_id,)
                    ).fetchone()
                    stored = self.connection.execute(
                        "SELECT 1 FROM restorative_events WHERE case_id = ? LIMIT 1", (case_id,)
                    ).fetchone()
        except sqlite3.Error as error:
            raise StoreError(f"cannot read case {case_id}: {error}") from error
        if not rows:
            if listed is None:
                if stored is not None:
                    raise IntegrityError(case_id, 1, "events are stored but the case's listing row is missing")
                raise CaseNotFound(case_id)
            return [], listed[0], listed[1]
        return [(row[0], row[1], row[2]) for row in rows], rows[0][3], rows[0][4]

    def history(self, case_id: str) -> list[StoredEvent]:
        """See `EventStore.history`."""
        rows, head, version = self._read(case_id)
        return _chain.decode(case_id, rows, self.upcasters, head, version)

    def load(self, case_id: str) -> Case:
        """See `EventStore.load`."""
        rows, head, version = self._read(case_id)
        events, _ = _chain.checked(case_id, rows, self.upcasters, head, version)
        return _chain.rebuild(case_id, events)

    def cases(self, *, stage: Stage | None = None, kind: CaseKind | None = None) -> list[CaseSummary]:
        """See `EventStore.cases`."""
        query = "SELECT case_id, kind, stage, version, updated_at FROM restorative_cases WHERE 1 = 1"
        args: list[str] = []
        if stage is not None:
            query += " AND stage = ?"
            args.append(stage.value)
        if kind is not None:
            query += " AND kind = ?"
            args.append(kind.value)
        query += " ORDER BY updated_at DESC, case_id DESC"
        with self._lock:
            rows = self.connection.execute(query, args).fetchall()
        return [
            CaseSummary(
                case_id=case_id,
                kind=CaseKind(kind_value),
                stage=Stage(stage_value),
                version=version,
                updated_at=datetime.fromisoformat(updated_at),
            )
            for case_id, kind_value, stage_value, version, updated_at in rows
        ]

    def handle(self, case_id: str, command: Command) -> tuple[Case, tuple[Event, ...]]:
        """See `EventStore.handle`."""
        return _chain.handle(self, case_id, command)

    def verify(self, case_id: str) -> None:
        """See `EventStore.verify`; also finds rows added beyond the case's recorded end."""
        checked = len(self.history(case_id))
        with self._lock:
            row = self.connection.execute(
                "SELECT COUNT(*) FROM restorative_events WHERE case_id = ? AND sequence > ?", (case_id, checked)
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
        """Close the connection if the store opened it; an application's own connection stays open."""
        if self._owns_connection:
            self.connection.close()
