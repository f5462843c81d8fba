"""The SQLite event store: the embedded default, on the standard library's `sqlite3`.

Write-ahead log, full sync, one transaction per append (``BEGIN IMMEDIATE``), a
unique ``(case_id, sequence)`` key, and the listing projection updated in the same
transaction. Tables are prefixed ``restorative_`` so they can live in an
application's own database; the schema is migrated in code.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._checks import shown
from ..errors import InvalidInput, StoreError
from ._chain import Upcasters
from ._sql import SQLStore

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
            "ALTER TABLE restorative_cases ADD COLUMN due_at TEXT",
            "CREATE INDEX restorative_cases_by_due ON restorative_cases (due_at)",
        ),
    ),
)
"""Schema migrations in order: (version, statements). Only ever append."""


class SQLiteStore(SQLStore):
    """An event store in one SQLite database file.

    Args:
        path: the database file (created if missing), or ``":memory:"``.
        connection: an open connection to use instead of `path`: the application's own.
        own_transactions: whether the store begins and commits its transactions. With
            ``False`` the store runs its statements inside whatever transaction the caller
            has open, and the caller commits or rolls back (see docs/persistence.md).
        upcasters: how to lift events written by an older schema.
        timeout: seconds to wait for another writer's lock.
        cache_events: how many decoded events to keep, by row hash, for later loads (0: none).
        chain_key: key the hash chain with HMAC-SHA-256 under these bytes (16 or more),
            kept outside the database, so that someone who can write the file cannot
            forge a consistent chain without it. A database records whether its chain is
            keyed (and a check of the key) and refuses a store opened the other way.
        snapshots: keep each case's snapshot in its listing row and load from it (see
            docs/persistence.md for what a load then checks); ``False`` replays and checks
            the whole chain on every load.
        read_only: open an existing store for reading only: the database file is never
            written, no write lock is taken, and an append raises `StoreError`; the file must
            already hold this library's tables at its schema (open it once writable to
            migrate it). The ``-wal`` and ``-shm`` files that reading makes are removed when
            the last connection closes; they stay when the file or its folder is read-only,
            or when another connection's (or a crash's) write-ahead log was already there.
    """

    MIGRATIONS = MIGRATIONS
    DRIVER_ERROR = sqlite3.Error
    DUPLICATE_ERROR = sqlite3.IntegrityError

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        connection: sqlite3.Connection | None = None,
        own_transactions: bool = True,
        upcasters: Upcasters | None = None,
        cache_events: int = 50_000,
        timeout: float = 30.0,
        read_only: bool = False,
        chain_key: bytes | None = None,
        snapshots: bool = True,
    ) -> None:
        if connection is None and not isinstance(path, (str, os.PathLike)):
            raise InvalidInput(f"path must be a file path (str or Path), got {shown(path)}", field="path")
        if connection is not None and not isinstance(connection, sqlite3.Connection):
            raise InvalidInput(f"connection must be a sqlite3.Connection, got {shown(connection)}", field="connection")
        self._setup(
            upcasters=upcasters,
            cache_events=cache_events,
            own_transactions=own_transactions,
            owns_connection=connection is None,
            chain_key=chain_key,
            snapshots=snapshots,
        )
        self.read_only = read_only
        try:
            if connection is None and read_only:
                if str(path) == ":memory:" or not os.path.isfile(path):
                    raise StoreError(f"no database at {path} to open read-only")
                # Opened for writing and then kept from it (query_only), so that this connection, when it
                # is the last to close, removes the -wal and -shm files that reading made. Opened with
                # mode=ro when the file or its folder is not writable, or when a non-empty -wal or a
                # -journal is there: that is another connection's or a crash's, and not ours to fold in.
                target = Path(path).resolve()
                wal, journal = Path(f"{target}-wal"), Path(f"{target}-journal")
                foreign = (wal.exists() and wal.stat().st_size > 0) or journal.exists()
                writable = os.access(target, os.W_OK) and os.access(target.parent, os.W_OK)
                mode = "rw" if writable and not foreign else "ro"
                from ._readonly import ReadOnlyConnection  # noqa: PLC0415 - only read-only stores need it

                connection = sqlite3.connect(
                    f"{target.as_uri()}?mode={mode}",
                    uri=True,
                    timeout=timeout,
                    isolation_level=None,
                    check_same_thread=False,
                    factory=ReadOnlyConnection,
                )
                connection.execute("PRAGMA query_only=ON")  # and no write reaches the file either way
                try:
                    ours = connection.execute(
                        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'restorative_schema'"
                    ).fetchone()
                except sqlite3.DatabaseError as error:  # not a database, or a damaged one
                    raise StoreError(f"{path} is not a restorative database: {error}") from error
                except UnicodeDecodeError as error:  # the driver's message is not UTF-8: a damaged schema
                    raise StoreError(f"{path} is not a restorative database: its schema cannot be read") from error
                if ours is None:
                    raise StoreError(f"{path} is not a restorative database (it has no restorative_schema table)")
            elif connection is None:
                connection = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=FULL")
            self.connection = connection
            if read_only:
                self._check_schema()
            else:
                self._migrate()
            self._check_chain()
        except (sqlite3.Error, StoreError, UnicodeDecodeError) as error:
            if self._owns_connection and connection is not None:
                connection.close()
            if isinstance(error, StoreError):
                raise
            raise StoreError(f"cannot open the SQLite store at {path}: {shown(str(error), 300)}") from error

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

    def _timestamp(self, moment: datetime) -> Any:
        return moment.astimezone(UTC).isoformat()  # UTC text: text order is time order

    def _read_timestamp(self, value: Any) -> datetime:
        return datetime.fromisoformat(value)
