"""An in-memory event store: the contract without a database, for tests and simulations."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC

from .._lifecycle import Stage
from .._values import Case, CaseKind
from ..commands import Command
from ..errors import CaseNotFound, IntegrityError
from ..events import Event
from . import _chain
from ._chain import GENESIS, Upcasters
from ._protocol import CaseSummary, StoredEvent


class MemoryStore:
    """Keeps rows exactly as a database would (JSON text and hashes), in dictionaries.

    Thread-safe: one lock guards every append.

    Args:
        upcasters: how to lift events written by an older schema.
    """

    def __init__(self, *, upcasters: Upcasters | None = None) -> None:
        self.upcasters = upcasters or Upcasters()
        self._rows: dict[str, list[tuple[int, str, str]]] = {}
        self._cases: dict[str, CaseSummary] = {}
        self._heads: dict[str, str] = {}
        self._lock = threading.Lock()

    def append(self, case_id: str, events: Sequence[Event], expected_version: int) -> int:
        """See `EventStore.append`."""
        return self.append_many([(case_id, events, expected_version)])[0]

    def append_many(self, batches: Sequence[tuple[str, Sequence[Event], int]]) -> list[int]:
        """See `EventStore.append_many`: several cases at once, all or nothing."""
        with self._lock:
            staged: dict[str, tuple[CaseSummary, list[tuple[int, str, str]], str]] = {}
            versions = []
            for case_id, events, expected_version in batches:
                _chain.check_case_id(case_id)
                summary, rows, head = staged.get(case_id) or (
                    self._cases.get(case_id),
                    [],
                    self._heads.get(case_id, GENESIS),
                )
                version = 0 if summary is None else summary.version
                _chain.check_version(case_id, expected_version, version)
                kind, stage, updated_at = _chain.summarize(
                    case_id,
                    events,
                    version,
                    None if summary is None else summary.kind,
                    None if summary is None else summary.stage,
                )
                encoded, head = _chain.encode(case_id, events, version, head)
                rows = rows + [(row[1], row[5], row[6]) for row in encoded]
                new = CaseSummary(
                    case_id=case_id,
                    kind=kind,
                    stage=stage,
                    version=version + len(events),
                    updated_at=updated_at.astimezone(UTC),
                )
                staged[case_id] = (new, rows, head)
                versions.append(new.version)
            for case_id, (summary, rows, head) in staged.items():  # nothing failed: make it visible
                self._rows.setdefault(case_id, []).extend(rows)
                self._heads[case_id] = head
                self._cases[case_id] = summary
            return versions

    def history(self, case_id: str) -> list[StoredEvent]:
        """See `EventStore.history`."""
        _chain.check_case_id(case_id)
        with self._lock:
            summary = self._cases.get(case_id)
            if summary is None:
                raise CaseNotFound(case_id)
            rows = list(self._rows.get(case_id, ()))
            head = self._heads[case_id]
        return _chain.decode(case_id, rows, self.upcasters, head, summary.version)

    def load(self, case_id: str) -> Case:
        """See `EventStore.load`."""
        return _chain.rebuild(case_id, [stored.event for stored in self.history(case_id)])

    def cases(self, *, stage: Stage | None = None, kind: CaseKind | None = None) -> list[CaseSummary]:
        """See `EventStore.cases`."""
        _chain.check_filter(stage, kind)
        found = [
            s for s in self._cases.values() if (stage is None or s.stage is stage) and (kind is None or s.kind is kind)
        ]
        return sorted(found, key=lambda s: (s.updated_at, s.case_id), reverse=True)

    def handle(self, case_id: str, command: Command) -> tuple[Case, tuple[Event, ...]]:
        """See `EventStore.handle`."""
        return _chain.handle(self, case_id, command)

    def verify(self, case_id: str) -> None:
        """See `EventStore.verify`; also finds rows added beyond the case's recorded end."""

        def read() -> tuple[list[Event], bool, _chain.Listing | None]:
            events = [stored.event for stored in self.history(case_id)]
            with self._lock:
                beyond = any(row[0] > len(events) for row in self._rows.get(case_id, ()))
                listed = self._cases.get(case_id)
            if listed is None:
                return events, False, None
            return events, beyond, (listed.kind.value, listed.stage.value, listed.updated_at, listed.version)

        _chain.verify_case(case_id, read)

    def verify_all(self) -> list[Exception]:
        """See `EventStore.verify_all`."""
        problems: list[Exception] = []
        for case_id in list(self._cases):
            try:
                self.verify(case_id)
            except IntegrityError as error:
                problems.append(error)
        return problems

    def close(self) -> None:
        """Nothing to release: the events live as long as the store object."""
