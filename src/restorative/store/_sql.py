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

from .._checks import shown
from .._due import next_due
from .._lifecycle import Stage
from .._values import Case, CaseKind
from ..commands import Command
from ..errors import CaseNotFound, ConcurrencyError, IntegrityError, InvalidInput, StoreError
from ..events import Event
from . import _chain, _fold, _snapshot
from ._chain import GENESIS, Chain, Upcasters
from ._protocol import CaseSummary, StoredEvent


class SQLStore:
    """The body of an SQL event store; subclasses supply the driver specifics below."""

    connection: Any
    upcasters: Upcasters
    chain: Chain
    snapshots: bool
    read_only: bool = False
    _decoded: _chain.DecodedCache
    sealer: _chain.Sealer | None = None
    """Seals personal fields on append and opens them on load (set by `restorative.privacy.Vault`)."""
    _owns_connection: bool
    own_transactions: bool
    _lock: threading.RLock

    def _setup(
        self,
        *,
        upcasters: Upcasters | None,
        cache_events: int,
        own_transactions: bool,
        owns_connection: bool,
        chain_key: bytes | None = None,
        snapshots: bool = True,
    ) -> None:
        """The state every SQL store keeps, set before it connects."""
        self.upcasters = upcasters or Upcasters()
        self._decoded = _chain.DecodedCache(cache_events)
        self.own_transactions = own_transactions
        self._lock = threading.RLock()
        self._owns_connection = owns_connection
        self.chain = Chain(chain_key)
        self.snapshots = bool(snapshots)

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
    RACE_ERRORS: tuple[type[Exception], ...] = ()
    """Driver errors that mean another writer came first (a deadlock, a serialization failure): retried."""

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
        if not isinstance(value, datetime):
            raise TypeError(f"{shown(value)} is not a timestamp")
        return value

    def _executemany(self, query: str, rows: list[tuple[Any, ...]]) -> None:
        self.connection.executemany(self._sql(query), rows)

    def _begin_migration(self) -> None:
        """Run first inside the migration transaction (e.g. to take a lock)."""

    def _rows(self, query: str, args: Sequence[Any] = ()) -> list[Any]:
        """Every row of one read statement (one snapshot of the database), or `StoreError`."""
        try:
            with self._lock:
                return list(self.connection.execute(self._sql(query), tuple(args)).fetchall())
        except self.DRIVER_ERROR as error:
            raise StoreError(f"cannot read the store: {_chain.cut(str(error))}") from error

    def _row(self, query: str, args: Sequence[Any] = ()) -> Any:
        rows = self._rows(query, args)
        return rows[0] if rows else None

    # --- schema --------------------------------------------------------------------

    @property
    def _schema_version(self) -> int:
        return self.MIGRATIONS[-1][0]

    def _migrate(self) -> None:
        with self._transaction():
            self._begin_migration()
            self.connection.execute("CREATE TABLE IF NOT EXISTS restorative_schema (version INTEGER NOT NULL)")
            current = self.schema
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

    def _check_chain(self) -> None:
        """The database's chain must be the one this store hashes with, or `StoreError`; a new one is recorded."""
        try:
            recorded = self.connection.execute("SELECT value FROM restorative_meta WHERE name = 'chain'").fetchone()
            has_events = self.connection.execute("SELECT 1 FROM restorative_events LIMIT 1").fetchone() is not None
        except self.DRIVER_ERROR:
            return  # a damaged database: opened all the same, so that verify_all and check can say what is wrong
        marker = self.chain.check_marker(None if recorded is None else str(recorded[0]), has_events)
        if marker is not None and not self.read_only:
            with self._transaction():
                self.connection.execute(
                    self._sql("INSERT INTO restorative_meta (name, value) VALUES ('chain', ?) ON CONFLICT DO NOTHING"),
                    (marker,),
                )

    @property
    def schema(self) -> int:
        """The schema version of the database (`StoreError` when what it records is not a version)."""
        row = self.connection.execute("SELECT MAX(version) FROM restorative_schema").fetchone()
        value = (row[0] if row else None) or 0
        if type(value) is not int or value < 0:
            raise StoreError(
                f"the database records schema {shown(value)}, which is not a schema version: it is damaged"
                " or not a restorative database"
            )
        return value

    # --- writing -------------------------------------------------------------------

    def append(self, case_id: str, events: Sequence[Event], expected_version: int) -> int:
        """See `EventStore.append`; the case's snapshot is written with it."""
        return self._write([(case_id, events, expected_version, None)], snapshot=True)[0]

    def append_many(self, batches: Sequence[tuple[str, Sequence[Event], int]]) -> list[int]:
        """See `EventStore.append_many`: several cases in one transaction, all or nothing.

        Cases are locked in the order of their ids, whatever the order given, so two writers
        naming the same cases never deadlock. No snapshot is written: the next load of each
        case rebuilds it from the events and keeps it.
        """
        if isinstance(batches, (str, bytes)) or not isinstance(batches, Sequence):
            raise InvalidInput("append_many takes a sequence of (case_id, events, expected_version)", field="batches")
        checked: list[tuple[str, Sequence[Event], int, Case | None]] = []
        for batch in batches:
            if isinstance(batch, (str, bytes)) or not isinstance(batch, Sequence) or len(batch) != 3:
                raise InvalidInput(
                    f"each batch is (case_id, events, expected_version), got {shown(batch)}", field="batches"
                )
            checked.append((batch[0], batch[1], batch[2], None))
        return self._write(checked, snapshot=False)

    def _append_decided(self, case_id: str, events: tuple[Event, ...], expected_version: int, case: Case) -> int:
        """Append events `decide` just made, with the case `handle` folded them into (and its snapshot)."""
        return self._write([(case_id, events, expected_version, case)], snapshot=True)[0]

    def _write(self, batches: Sequence[tuple[str, Sequence[Event], int, Case | None]], *, snapshot: bool) -> list[int]:
        order = sorted(range(len(batches)), key=lambda n: str(batches[n][0]))  # stable: a case's batches keep order
        versions: list[int] = [0] * len(batches)
        case_id, expected_version = "", 0
        try:
            with self._transaction():
                for n in order:
                    case_id, events, expected_version, decided = batches[n]
                    versions[n] = self._append(case_id, events, expected_version, decided, snapshot=snapshot)
                return versions
        except (self.DUPLICATE_ERROR, *self.RACE_ERRORS) as error:  # a concurrent writer came first
            raise ConcurrencyError(case_id, expected_version, self._version(case_id)) from error
        except self.DRIVER_ERROR as error:
            raise StoreError(f"cannot append to case {case_id}: {_chain.cut(str(error))}") from error

    def _append(
        self, case_id: str, events: Sequence[Event], expected_version: int, decided: Case | None, *, snapshot: bool
    ) -> int:
        _fold.check_case_id(case_id)
        row = self.connection.execute(
            self._sql(
                "SELECT version, head, snapshot, snapshot_seal FROM restorative_cases WHERE case_id = ?"
                + self.LOCK_CASE
            ),
            (case_id,),
        ).fetchone()
        version, head, text, seal = (0, GENESIS, None, None) if row is None else row
        version = _count(case_id, version)
        _fold.check_version(case_id, expected_version, version)
        rows, new_head = _chain.encode(
            case_id, events, version, head, self.sealer, chain=self.chain, trusted=decided is not None
        )
        if decided is None:
            stored = None if version == 0 else self._stored(case_id, version, head, text, seal)
            decided = _fold.fold(case_id, stored, events, version)
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
        self._executemany(
            "INSERT INTO restorative_events (case_id, sequence, type, at, actor, data, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        due_at = next_due(decided)
        new_text = new_seal = None
        if snapshot and self.snapshots:
            new_text, new_seal = _snapshot.write(decided, new_head, self.chain, self.sealer)
        self.connection.execute(
            self._sql(
                "INSERT INTO restorative_cases"
                " (case_id, kind, stage, version, updated_at, head, snapshot, snapshot_seal, due_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET"
                " stage = excluded.stage, version = excluded.version, updated_at = excluded.updated_at,"
                " head = excluded.head, snapshot = excluded.snapshot, snapshot_seal = excluded.snapshot_seal,"
                " due_at = excluded.due_at"
            ),
            (
                case_id,
                decided.kind.value,
                decided.stage.value,
                decided.version,
                self._timestamp(decided.updated_at),
                new_head,
                new_text,
                new_seal,
                None if due_at is None else self._timestamp(due_at),
            ),
        )
        return decided.version

    def _stored(self, case_id: str, version: int, head: str, text: Any, seal: Any) -> Case:
        """The stored case an append folds onto, read inside the append's transaction."""
        case, problem = _snapshot.read(case_id, head, version, text, seal, chain=self.chain, sealer=self.sealer)
        if case is not None:
            return case
        if problem is not None:
            raise IntegrityError(case_id, version, problem)
        rows = self.connection.execute(
            self._sql("SELECT sequence, data, hash FROM restorative_events WHERE case_id = ? ORDER BY sequence"),
            (case_id,),
        ).fetchall()
        events, _ = _chain.checked(
            case_id, rows, self.upcasters, head, version, cache=self._decoded, sealer=self.sealer, chain=self.chain
        )
        return _fold.rebuild(case_id, events)

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
        row = self._row("SELECT version FROM restorative_cases WHERE case_id = ?", (case_id,))
        return 0 if row is None else _count(case_id, row[0])

    # --- reading -------------------------------------------------------------------

    def _read(self, case_id: str) -> tuple[list[tuple[int, str, str]], str, int]:
        """The case's rows up to its recorded version, its head and version, read in one statement."""
        _fold.check_case_id(case_id)
        for _ in range(3):
            rows = self._rows(
                "SELECT c.head, c.version, e.sequence, e.data, e.hash FROM restorative_cases AS c"
                " LEFT JOIN restorative_events AS e ON e.case_id = c.case_id AND e.sequence <= c.version"
                " WHERE c.case_id = ? ORDER BY e.sequence",
                (case_id,),
            )
            if rows:
                head, version = rows[0][0], _count(case_id, rows[0][1])
                if rows[0][2] is None:
                    raise IntegrityError(case_id, 1, "the case is listed but its events are missing")
                return [(row[2], row[3], row[4]) for row in rows], head, version
            self._unlisted(case_id)  # raises, unless the case was opened since: read again
        raise StoreError(f"case {case_id} could not be read in three tries: writers keep changing it")

    def _unlisted(self, case_id: str) -> None:
        """For a case with no listing row: `CaseNotFound`, or `IntegrityError` for events without one.

        Both are looked for in one statement, so a case that another writer opened since
        the first read (its listing and events appear together) is read again, not reported.
        """
        found = self._row(
            "SELECT (SELECT COUNT(*) FROM restorative_cases WHERE case_id = ?),"
            " (SELECT COUNT(*) FROM restorative_events WHERE case_id = ?)",
            (case_id, case_id),
        )
        listed, stored = (0, 0) if found is None else found
        if listed:
            return
        if stored:
            raise IntegrityError(case_id, 1, "events are stored but the case's listing row is missing")
        raise CaseNotFound(case_id)

    def history(self, case_id: str) -> list[StoredEvent]:
        """See `EventStore.history`: every row is read and its whole chain checked."""
        rows, head, version = self._read(case_id)
        return _chain.decode(
            case_id, rows, self.upcasters, head, version, cache=self._decoded, sealer=self.sealer, chain=self.chain
        )

    def load(self, case_id: str) -> Case:
        """See `EventStore.load`.

        With snapshots (the default), a load reads the listing row and the head event in
        one statement, checks that the head event's hash is the recorded head and that
        the snapshot is bound to it, and returns the snapshot's case. Otherwise (no
        snapshot yet, or one of an older format) it reads every row, checks the whole
        chain, replays the events, and keeps the snapshot for the next load.
        """
        _fold.check_case_id(case_id)
        if self.snapshots:
            row = self._row(
                "SELECT c.head, c.version, c.snapshot, c.snapshot_seal, e.hash FROM restorative_cases AS c"
                " LEFT JOIN restorative_events AS e ON e.case_id = c.case_id AND e.sequence = c.version"
                " WHERE c.case_id = ?",
                (case_id,),
            )
            if row is not None and row[4] is not None and row[4] == row[0]:
                head, version = row[0], _count(case_id, row[1])
                case, problem = _snapshot.read(
                    case_id, head, version, row[2], row[3], chain=self.chain, sealer=self.sealer
                )
                if case is not None:
                    return case
                if problem is not None:
                    raise IntegrityError(case_id, version, problem)
        rows, head, version = self._read(case_id)
        events, _ = _chain.checked(
            case_id, rows, self.upcasters, head, version, cache=self._decoded, sealer=self.sealer, chain=self.chain
        )
        case = _fold.rebuild(case_id, events)
        if self.snapshots:
            self._keep_snapshot(case, head)
        return case

    def _keep_snapshot(self, case: Case, head: str) -> None:
        """Write the snapshot of a case a load rebuilt, if the case has not moved on; a cache, so best effort."""
        if self.read_only or not self.own_transactions:
            return  # never a write from a read-only store, nor inside the caller's transaction
        text, seal = _snapshot.write(case, head, self.chain, self.sealer)
        try:
            with self._transaction():
                self.connection.execute(
                    self._sql(
                        "UPDATE restorative_cases SET snapshot = ?, snapshot_seal = ?"
                        " WHERE case_id = ? AND head = ? AND version = ?"
                    ),
                    (text, seal, case.id, head, case.version),
                )
        except self.DRIVER_ERROR:
            pass  # busy or read-only on disk: the next load rebuilds it again

    _SUMMARY = "SELECT case_id, kind, stage, version, updated_at, due_at FROM restorative_cases"

    def cases(self, *, stage: Stage | None = None, kind: CaseKind | None = None) -> list[CaseSummary]:
        """See `EventStore.cases`."""
        _fold.check_filter(stage, kind)
        query = self._SUMMARY + " WHERE 1 = 1"
        args: list[str] = []
        if stage is not None:
            query += " AND stage = ?"
            args.append(stage.value)
        if kind is not None:
            query += " AND kind = ?"
            args.append(kind.value)
        query += " ORDER BY updated_at DESC, case_id DESC"
        return [self._summary(row) for row in self._rows(query, args)]

    def due(self, *, before: datetime) -> list[CaseSummary]:
        """See `EventStore.due`: an indexed query of the listing's next due moments.

        A case listed before the listing kept due moments (a database migrated from schema
        2) has none recorded: it is loaded, its due moment worked out and recorded.
        """
        _fold.check_moment(before, "before")
        found = [
            self._summary(row)
            for row in self._rows(
                self._SUMMARY + " WHERE due_at <= ? ORDER BY due_at, case_id", (self._timestamp(before),)
            )
        ]
        unknown = self._rows(
            "SELECT case_id FROM restorative_cases WHERE due_at IS NULL AND stage IN (?, ?)",
            (Stage.COOLING_OFF.value, Stage.FOLLOW_UP.value),
        )
        for (case_id,) in unknown:
            case = self.load(str(case_id))
            moment = next_due(case)
            if moment is None:
                continue
            if not self.read_only and self.own_transactions:
                with self._transaction():
                    self.connection.execute(
                        self._sql("UPDATE restorative_cases SET due_at = ? WHERE case_id = ? AND version = ?"),
                        (self._timestamp(moment), case.id, case.version),
                    )
            if moment <= before:
                found.append(
                    CaseSummary(
                        case_id=case.id,
                        kind=case.kind,
                        stage=case.stage,
                        version=case.version,
                        updated_at=case.updated_at,
                        due_at=moment,
                    )
                )
        return sorted(found, key=lambda summary: (summary.due_at or before, summary.case_id))

    def _summary(self, row: Any) -> CaseSummary:
        case_id, kind_value, stage_value, version, updated_at, due_at = row
        try:
            return CaseSummary(
                case_id=str(case_id),
                kind=CaseKind(kind_value),
                stage=Stage(stage_value),
                version=_count(str(case_id), version),
                updated_at=self._aware(updated_at),
                due_at=None if due_at is None else self._aware(due_at),
            )
        except (TypeError, ValueError, IntegrityError) as error:
            why = f"its listing row cannot be read: {_chain.cut(str(error))}"
            raise IntegrityError(shown(case_id), 0, why) from None

    def _aware(self, value: Any) -> datetime:
        moment = self._read_timestamp(value)
        if moment.tzinfo is None:
            raise ValueError(f"the time {shown(value)} has no time zone")
        return moment

    def handle(self, case_id: str, command: Command) -> tuple[Case, tuple[Event, ...]]:
        """See `EventStore.handle`."""
        return _fold.handle(self, case_id, command)

    # --- checking ------------------------------------------------------------------

    def verify(self, case_id: str) -> None:
        """See `EventStore.verify`: the whole chain, the fold, rows beyond the recorded end, the listing row
        and the snapshot."""

        def read() -> tuple[list[Event], bool, _fold.Listing | None]:
            events = [stored.event for stored in self.history(case_id)]
            beyond = self._row(
                "SELECT COUNT(*) FROM restorative_events WHERE case_id = ? AND sequence > ?", (case_id, len(events))
            )
            listed = self._row(
                "SELECT kind, stage, updated_at, version, head, snapshot, snapshot_seal FROM restorative_cases"
                " WHERE case_id = ?",
                (case_id,),
            )
            if listed is None:
                return events, False, None
            try:
                updated_at: Any = self._aware(listed[2])
            except (TypeError, ValueError):
                updated_at = listed[2]  # unreadable: reported as not what the events say
            kind, stage, _, version, head, text, seal = listed

            def snapshot(case: Case) -> str | None:
                found, problem = _snapshot.read(
                    case_id, head, case.version, text, seal, chain=self.chain, sealer=self.sealer
                )
                if found is not None and found != case:
                    return "the case's snapshot does not match its events"
                return problem

            return events, bool(beyond and beyond[0]), _fold.Listing(kind, stage, updated_at, version, snapshot)

        _fold.verify_case(case_id, read)

    def case_ids(self) -> list[str]:
        """Every case id in the database, listed or not (events without a listing row included), sorted.

        An id stored as something other than text (damage) is left out here and reported by `verify_all`.
        """
        return sorted(value for value in self._stored_ids() if type(value) is str)

    def _stored_ids(self) -> list[Any]:
        rows = self._rows("SELECT case_id FROM restorative_cases UNION SELECT DISTINCT case_id FROM restorative_events")
        return [row[0] for row in rows]

    def verify_all(self) -> list[Exception]:
        """See `EventStore.verify_all`; also finds events whose case has no listing row. Never raises."""
        odd: list[Exception] = []

        def ids() -> list[str]:
            stored = self._stored_ids()
            odd.extend(
                IntegrityError(shown(value), 0, "a case id stored as something other than text")
                for value in stored
                if type(value) is not str
            )
            return sorted(value for value in stored if type(value) is str)

        return odd + _fold.problems_of(ids, self.verify)


def _count(case_id: str, value: Any) -> int:
    """A stored version: an int of zero or more (a driver may hand back another integer type)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise IntegrityError(case_id, 0, f"its listing row cannot be read: the version {shown(value)} is not a count")
    return int(value)
