"""What the SQL stores share: the queries, the append, the reads and the checks.

SQLite and PostgreSQL differ in how they connect, lock, begin transactions, name
parameters and pass timestamps; each backend states those differences and inherits
the rest, so a change to the store's logic is made once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from .._lifecycle import Stage
from .._values import Case, CaseKind
from ..commands import Command
from ..errors import CaseNotFound, ConcurrencyError, IntegrityError, StoreError
from ..events import Event
from . import _chain
from ._chain import GENESIS, Upcasters
from ._protocol import CaseSummary, StoredEvent


class SQLStore:
    """The body of an SQL event store; subclasses supply the driver specifics below."""

    connection: Any
    upcasters: Upcasters
    _decoded: _chain.DecodedCache
    sealer: _chain.Sealer | None = None
    """Seals personal fields on append and opens them on load (set by `restorative.privacy.Vault`)."""
    _owns_connection: bool
    own_transactions: bool
    _lock: threading.RLock

    def _setup(
        self, *, upcasters: Upcasters | None, cache_events: int, own_transactions: bool, owns_connection: bool
    ) -> None:
        """The state every SQL store keeps, set before it connects."""
        self.upcasters = upcasters or Upcasters()
        self._decoded = _chain.DecodedCache(cache_events)
        self.own_transactions = own_transactions
        self._lock = threading.RLock()
        self._owns_connection = owns_connection

    def close(self) -> None:
        """Close the connection if the store opened it; an application's own connection stays open."""
        if self._owns_connection:
            self.connection.close()

    # --- what a backend supplies ---------------------------------------------------

    MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = ()
    LOCK_CASE = ""
    """Appended to the SELECT of a case's listing row when appending, e.g. ``FOR UPDATE``."""
    DRIVER_ERROR: type[Exception] = Exception
    DUPLICATE_ERROR: type[Exception] = Exception

    def _sql(self, query: str) -> str:
        """The query in the driver's parameter style (written with ``?``)."""
        return query

    def _transaction(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _timestamp(self, moment: datetime) -> Any:
        """A timestamp as the driver stores it."""
        return moment

    def _read_timestamp(self, value: Any) -> datetime:
        """A stored timestamp back as an aware datetime."""
        assert isinstance(value, datetime)
        return value

    def _executemany(self, query: str, rows: list[tuple[Any, ...]]) -> None:
        self.connection.executemany(self._sql(query), rows)

    def _begin_migration(self) -> None:
        """Run first inside the migration transaction (e.g. to take a lock)."""

    # --- schema --------------------------------------------------------------------

    @property
    def _schema_version(self) -> int:
        return self.MIGRATIONS[-1][0]

    def _migrate(self) -> None:
        with self._transaction():
            self._begin_migration()
            self.connection.execute("CREATE TABLE IF NOT EXISTS restorative_schema (version INTEGER NOT NULL)")
            row = self.connection.execute("SELECT MAX(version) FROM restorative_schema").fetchone()
            current = (row[0] if row else None) or 0
            if current > self._schema_version:
                raise StoreError(f"the database has schema {current}, newer than this library's {self._schema_version}")
            for version, statements in self.MIGRATIONS:
                if version > current:
                    for statement in statements:
                        self.connection.execute(statement)
                    self.connection.execute(
                        self._sql("INSERT INTO restorative_schema (version) VALUES (?)"), (version,)
                    )

    def _check_schema(self) -> None:
        """For a store opened read-only: the database must already be at this library's schema."""
        found = self.connection.execute(self._sql(self.TABLE_EXISTS), ("restorative_schema",)).fetchone()
        current = self.schema if found is not None else 0
        if current != self._schema_version:
            raise StoreError(
                f"the database has schema {current}, not this library's {self._schema_version};"
                " open it once for writing to migrate it"
            )

    @property
    def schema(self) -> int:
        """The schema version of the database."""
        row = self.connection.execute("SELECT MAX(version) FROM restorative_schema").fetchone()
        return int((row[0] if row else None) or 0)

    # --- writing -------------------------------------------------------------------

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
        except self.DUPLICATE_ERROR as error:  # a concurrent writer took the same sequence numbers
            raise ConcurrencyError(case_id, expected_version, self._version(case_id)) from error
        except self.DRIVER_ERROR as error:
            raise StoreError(f"cannot append to case {case_id}: {error}") from error

    def _append(self, case_id: str, events: Sequence[Event], expected_version: int) -> int:
        _chain.check_case_id(case_id)
        row = self.connection.execute(
            self._sql("SELECT version, kind, stage, head FROM restorative_cases WHERE case_id = ?" + self.LOCK_CASE),
            (case_id,),
        ).fetchone()
        version, kind, stage, head = (0, None, None, GENESIS) if row is None else row
        version = int(version)
        _chain.check_version(case_id, expected_version, version)
        new_kind, new_stage, updated_at = _chain.summarize(
            case_id, events, version, None if kind is None else CaseKind(kind), None if stage is None else Stage(stage)
        )
        if (
            self.sealer is None
            and version == 0
            and _chain.plaintext_birth_dates(events[0])
            and self._sealing_required()
        ):
            raise StoreError(
                f"case {case_id}: this database seals birth dates; open a restorative.privacy.Vault with its "
                "master key on this store before appending"
            )
        rows, new_head = _chain.encode(case_id, events, version, head, self.sealer)
        self._executemany(
            "INSERT INTO restorative_events (case_id, sequence, type, at, actor, data, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        new_version = version + len(events)
        self.connection.execute(
            self._sql(
                "INSERT INTO restorative_cases (case_id, kind, stage, version, updated_at, head)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET"
                " stage = excluded.stage, version = excluded.version,"
                " updated_at = excluded.updated_at, head = excluded.head"
            ),
            (case_id, new_kind.value, new_stage.value, new_version, self._timestamp(updated_at), new_head),
        )
        return new_version

    TABLE_EXISTS = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    """A query with one parameter, a table's name, that returns a row when the table exists."""

    def _sealing_required(self) -> bool:
        """Whether a keyed vault was ever opened on this database (its meta table says so)."""
        if self.connection.execute(self._sql(self.TABLE_EXISTS), ("restorative_vault_meta",)).fetchone() is None:
            return False
        row = self.connection.execute(
            "SELECT 1 FROM restorative_vault_meta WHERE person_id = 'master-key-check'"
        ).fetchone()
        return row is not None

    def _version(self, case_id: str) -> int:
        row = self.connection.execute(
            self._sql("SELECT version FROM restorative_cases WHERE case_id = ?"), (case_id,)
        ).fetchone()
        return 0 if row is None else int(row[0])

    # --- reading -------------------------------------------------------------------

    def _read(self, case_id: str) -> tuple[list[tuple[int, str, str]], str, int]:
        """The case's rows up to its recorded version, its head and version, in one statement."""
        _chain.check_case_id(case_id)
        listed = stored = None
        try:
            with self._lock:
                rows = self.connection.execute(
                    self._sql(
                        "SELECT e.sequence, e.data, e.hash, c.head, c.version FROM restorative_cases AS c"
                        " JOIN restorative_events AS e ON e.case_id = c.case_id AND e.sequence <= c.version"
                        " WHERE c.case_id = ? ORDER BY e.sequence"
                    ),
                    (case_id,),
                ).fetchall()
                if not rows:
                    listed = self.connection.execute(
                        self._sql("SELECT head, version FROM restorative_cases WHERE case_id = ?"), (case_id,)
                    ).fetchone()
                    stored = self.connection.execute(
                        self._sql("SELECT 1 FROM restorative_events WHERE case_id = ? LIMIT 1"), (case_id,)
                    ).fetchone()
        except self.DRIVER_ERROR as error:
            raise StoreError(f"cannot read case {case_id}: {error}") from error
        if not rows:
            if listed is None:
                if stored is not None:
                    raise IntegrityError(case_id, 1, "events are stored but the case's listing row is missing")
                raise CaseNotFound(case_id)
            try:
                return [], listed[0], _count(listed[1])
            except (TypeError, ValueError) as error:
                raise IntegrityError(case_id, 0, f"its listing row cannot be read: {error}") from error
        try:
            return [(row[0], row[1], row[2]) for row in rows], rows[0][3], _count(rows[0][4])
        except (TypeError, ValueError) as error:
            raise IntegrityError(case_id, 0, f"its listing row cannot be read: {error}") from error

    def history(self, case_id: str) -> list[StoredEvent]:
        """See `EventStore.history`."""
        rows, head, version = self._read(case_id)
        return _chain.decode(case_id, rows, self.upcasters, head, version, cache=self._decoded, sealer=self.sealer)

    def load(self, case_id: str) -> Case:
        """See `EventStore.load`."""
        rows, head, version = self._read(case_id)
        events, _ = _chain.checked(
            case_id, rows, self.upcasters, head, version, cache=self._decoded, sealer=self.sealer
        )
        return _chain.rebuild(case_id, events)

    def cases(self, *, stage: Stage | None = None, kind: CaseKind | None = None) -> list[CaseSummary]:
        """See `EventStore.cases`."""
        _chain.check_filter(stage, kind)
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
            rows = self.connection.execute(self._sql(query), args).fetchall()
        summaries = []
        for case_id, kind_value, stage_value, version, updated_at in rows:
            try:
                summaries.append(
                    CaseSummary(
                        case_id=str(case_id),
                        kind=CaseKind(kind_value),
                        stage=Stage(stage_value),
                        version=_count(version),
                        updated_at=self._aware(updated_at),
                    )
                )
            except (TypeError, ValueError) as error:
                raise IntegrityError(str(case_id), 0, f"its listing row cannot be read: {error}") from error
        return summaries

    def _aware(self, value: Any) -> datetime:
        moment = self._read_timestamp(value)
        if moment.tzinfo is None:
            raise ValueError(f"the last change {value!r} has no time zone")
        return moment

    def handle(self, case_id: str, command: Command) -> tuple[Case, tuple[Event, ...]]:
        """See `EventStore.handle`."""
        return _chain.handle(self, case_id, command)

    # --- checking ------------------------------------------------------------------

    def verify(self, case_id: str) -> None:
        """See `EventStore.verify`; also finds rows added beyond the case's recorded end and an edited listing row."""

        def read() -> tuple[list[Event], bool, _chain.Listing | None]:
            events = [stored.event for stored in self.history(case_id)]
            with self._lock:
                beyond = self.connection.execute(
                    self._sql("SELECT COUNT(*) FROM restorative_events WHERE case_id = ? AND sequence > ?"),
                    (case_id, len(events)),
                ).fetchone()
                listed = self.connection.execute(
                    self._sql("SELECT kind, stage, updated_at, version FROM restorative_cases WHERE case_id = ?"),
                    (case_id,),
                ).fetchone()
            if listed is None:
                return events, False, None
            try:
                updated_at: Any = self._aware(listed[2])
            except (TypeError, ValueError):
                updated_at = listed[2]  # unreadable: reported as not what the events say
            return events, bool(beyond and beyond[0]), (listed[0], listed[1], updated_at, listed[3])

        _chain.verify_case(case_id, read)

    def case_ids(self) -> list[str]:
        """Every case id in the database, listed or not (events without a listing row included), sorted."""
        with self._lock:
            rows = self.connection.execute(
                "SELECT case_id FROM restorative_cases UNION SELECT DISTINCT case_id FROM restorative_events"
            ).fetchall()
        return sorted(str(row[0]) for row in rows)

    def verify_all(self) -> list[Exception]:
        """See `EventStore.verify_all`; also finds events whose case has no listing row."""
        problems: list[Exception] = []
        for case_id in self.case_ids():
            try:
                self.verify(case_id)
            except (IntegrityError, CaseNotFound) as error:
                problems.append(error)
        return problems


def _count(value: Any) -> int:
    """A stored version: an int of zero or more (a driver may hand back another integer type)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"the version {value!r} is not a count of events")
    return int(value)
