"""What every event store offers, and the values it hands out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from attrs import frozen

from .._lifecycle import Stage
from .._values import Actor, Case, CaseKind
from ..commands import Command
from ..events import Event


@frozen(kw_only=True, weakref_slot=False)
class StoredEvent:
    """One event as a store holds it.

    Args:
        case_id: the case it belongs to.
        sequence: its place in the case's log, from 1.
        event: the event itself (upcast to today's schema).
        hash: the hex SHA-256 that chains it to the event before it.
    """

    case_id: str
    sequence: int
    event: Event
    hash: str

    @property
    def at(self) -> datetime:
        """When it happened."""
        return self.event.at

    @property
    def actor(self) -> Actor:
        """Who caused it."""
        return self.event.actor


@frozen(kw_only=True, weakref_slot=False)
class CaseSummary:
    """A stored case as the listing projection sees it, kept in the same transaction as its events.

    Args:
        case_id: the case.
        kind: criminal or civil.
        stage: where it stands.
        version: how many events it has.
        updated_at: the time of its last event.
        due_at: when its earliest timed command is first accepted (`restorative.due`), or
            ``None`` when it waits for none.
    """

    case_id: str
    kind: CaseKind
    stage: Stage
    version: int
    updated_at: datetime
    due_at: datetime | None = None


@runtime_checkable
class EventStore(Protocol):
    """An append-only store of case events with optimistic concurrency and a hash chain per case."""

    def append(self, case_id: str, events: Sequence[Event], expected_version: int) -> int:
        """Append `events` to the case atomically (all or none) if it is at `expected_version`.

        Returns:
            The case's new version.

        Raises:
            ConcurrencyError: the case is at another version; nothing was written.
            InvalidInput: the events cannot start or continue this case.
        """
        ...

    def append_many(self, batches: Sequence[tuple[str, Sequence[Event], int]]) -> list[int]:
        """Append to several cases at once, each at its expected version, in one transaction: all or nothing.

        For imports and simulations: one commit (one sync to disk) for many cases.

        Returns:
            Each case's new version, in the order given.

        Raises:
            ConcurrencyError: one case is at another version; nothing was written.
            InvalidInput: some events cannot start or continue their case; nothing was written.
        """
        ...

    def load(self, case_id: str) -> Case:
        """Rebuild the case by replaying its events, checking the hash chain on the way.

        Raises:
            CaseNotFound: no such case.
            IntegrityError: the stored rows do not match their chain, or cannot be read.
        """
        ...

    def history(self, case_id: str) -> list[StoredEvent]:
        """The case's events in order, with sequence numbers and hashes.

        Raises:
            CaseNotFound: no such case.
            IntegrityError: the stored rows do not match their chain, or cannot be read.
        """
        ...

    def cases(self, *, stage: Stage | None = None, kind: CaseKind | None = None) -> list[CaseSummary]:
        """Stored cases, most recently changed first, optionally only in one stage or of one kind."""
        ...

    def due(self, *, before: datetime) -> list[CaseSummary]:
        """The cases with a timed command accepted at or before `before`, earliest first (see `restorative.due`).

        Raises:
            InvalidInput: `before` is not an aware datetime.
        """
        ...

    def handle(self, case_id: str, command: Command) -> tuple[Case, tuple[Event, ...]]:
        """Load the case (none for `ReferCase`), decide, and append at the loaded version.

        Raises:
            Refused: as for `restorative.decide`; nothing is written.
            InvalidInput: as for `restorative.decide`; nothing is written.
            ConcurrencyError: another writer appended first (see `retry`).
        """
        ...

    def verify(self, case_id: str) -> None:
        """Check the case's hash chain against its rows and its head.

        Raises:
            IntegrityError: naming the first event that does not check out.
        """
        ...

    def verify_all(self) -> list[Exception]:
        """Check every case; return one `IntegrityError` per broken case (empty when all hold)."""
        ...

    def close(self) -> None:
        """Release the store's connection (if it opened one); the store is unusable afterwards."""
        ...
