"""An in-memory event store: the contract without a database, for tests and simulations."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from .._due import next_due
from .._lifecycle import Stage
from .._values import Case, CaseKind
from ..commands import Command
from ..errors import CaseNotFound, InvalidInput
from ..events import Event
from . import _chain, _fold
from ._chain import GENESIS, Chain, Upcasters
from ._protocol import CaseSummary, StoredEvent


class MemoryStore:
    """Keeps rows exactly as a database would (JSON text and hashes), in dictionaries.

    Thread-safe: one lock guards every append. Appends are checked as the SQL stores
    check them; a load replays the rows and checks their whole chain.

    Args:
        upcasters: how to lift events written by an older schema.
        chain_key: key the hash chain with HMAC-SHA-256 (see `SQLiteStore`).
    """

    def __init__(self, *, upcasters: Upcasters | None = None, chain_key: bytes | None = None) -> None:
        self.upcasters = upcasters or Upcasters()
        self.chain = Chain(chain_key)
        self._rows: dict[str, list[tuple[int, str, str]]] = {}
        self._cases: dict[str, CaseSummary] = {}
        self._heads: dict[str, str] = {}
        self._current: dict[str, Case] = {}  # the folded case at each head: what the next append folds onto
        self._lock = threading.Lock()

    def append(self, case_id: str, events: Sequence[Event], expected_version: int) -> int:
        """See `EventStore.append`."""
        return self._write([(case_id, events, expected_version, None)])[0]

    def append_many(self, batches: Sequence[tuple[str, Sequence[Event], int]]) -> list[int]:
        """See `EventStore.append_many`: several cases at once, all or nothing."""
        if isinstance(batches, (str, bytes)) or not isinstance(batches, Sequence):
            raise InvalidInput("append_many takes a sequence of (case_id, events, expected_version)", field="batches")
        for batch in batches:
            if isinstance(batch, (str, bytes)) or not isinstance(batch, Sequence) or len(batch) != 3:
                raise InvalidInput("each batch is (case_id, events, expected_version)", field="batches")
        return self._write([(case_id, events, version, None) for case_id, events, version in batches])

    def _append_decided(self, case_id: str, events: tuple[Event, ...], expected_version: int, case: Case) -> int:
        return self._write([(case_id, events, expected_version, case)])[0]

    def _write(self, batches: Sequence[tuple[str, Sequence[Event], int, Case | None]]) -> list[int]:
        with self._lock:
            staged: dict[str, tuple[CaseSummary, list[tuple[int, str, str]], str, Case]] = {}
            versions = []
            for case_id, events, expected_version, decided in batches:
                _fold.check_case_id(case_id)
                known = staged.get(case_id)
                rows: list[tuple[int, str, str]]
                if known is None:
                    summary, rows, head, current = (
                        self._cases.get(case_id),
                        [],
                        self._heads.get(case_id, GENESIS),
                        self._current.get(case_id),
                    )
                else:
                    summary, rows, head, current = known
                version = 0 if summary is None else summary.version
                _fold.check_version(case_id, expected_version, version)
                encoded, head = _chain.encode(
                    case_id, events, version, head, chain=self.chain, trusted=decided is not None
                )
                case = decided if decided is not None else _fold.fold(case_id, current, events, version)
                rows = rows + [(row[1], row[5], row[6]) for row in encoded]
                new = CaseSummary(
                    case_id=case_id,
                    kind=case.kind,
                    stage=case.stage,
                    version=case.version,
                    updated_at=case.updated_at.astimezone(UTC),
                    due_at=next_due(case),
                )
                staged[case_id] = (new, rows, head, case)
                versions.append(new.version)
            for case_id, (summary, rows, head, folded) in staged.items():  # nothing failed: make it visible
                self._rows.setdefault(case_id, []).extend(rows)
                self._heads[case_id] = head
                self._cases[case_id] = summary
                self._current[case_id] = folded
            return versions

    def history(self, case_id: str) -> list[StoredEvent]:
        """See `EventStore.history`."""
        _fold.check_case_id(case_id)
        with self._lock:
            summary = self._cases.get(case_id)
            if summary is None:
                raise CaseNotFound(case_id)
            rows = list(self._rows.get(case_id, ()))
            head = self._heads[case_id]
        return _chain.decode(case_id, rows, self.upcasters, head, summary.version, chain=self.chain)

    def load(self, case_id: str) -> Case:
        """See `EventStore.load`."""
        return _fold.rebuild(case_id, [stored.event for stored in self.history(case_id)])

    def cases(self, *, stage: Stage | None = None, kind: CaseKind | None = None) -> list[CaseSummary]:
        """See `EventStore.cases`."""
        _fold.check_filter(stage, kind)
        found = [
            s for s in self._cases.values() if (stage is None or s.stage is stage) and (kind is None or s.kind is kind)
        ]
        return sorted(found, key=lambda s: (s.updated_at, s.case_id), reverse=True)

    def due(self, *, before: datetime) -> list[CaseSummary]:
        """See `EventStore.due`."""
        _fold.check_moment(before, "before")
        with self._lock:
            found = [s for s in self._cases.values() if s.due_at is not None and s.due_at <= before]
        return sorted(found, key=lambda s: (s.due_at, s.case_id))

    def handle(self, case_id: str, command: Command) -> tuple[Case, tuple[Event, ...]]:
        """See `EventStore.handle`."""
        return _fold.handle(self, case_id, command)

    def verify(self, case_id: str) -> None:
        """See `EventStore.verify`; also finds rows added beyond the case's recorded end."""

        def read() -> tuple[list[Event], bool, _fold.Listing | None]:
            events = [stored.event for stored in self.history(case_id)]
            with self._lock:
                beyond = any(row[0] > len(events) for row in self._rows.get(case_id, ()))
                listed = self._cases.get(case_id)
            if listed is None:
                return events, False, None
            listing = _fold.Listing(listed.kind.value, listed.stage.value, listed.updated_at, listed.version)
            return events, beyond, listing

        _fold.verify_case(case_id, read)

    def verify_all(self) -> list[Exception]:
        """See `EventStore.verify_all`. Never raises."""
        return _fold.problems_of(lambda: list(self._cases), self.verify)

    def close(self) -> None:
        """Nothing to release: the events live as long as the store object."""
