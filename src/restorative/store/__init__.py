"""Event stores: cases that survive crashes, concurrent caseworkers and bad data.

Every store offers the `EventStore` protocol: atomic appends with optimistic
concurrency, loading by replay, a hash chain per case that `verify` checks, and a
listing of cases kept in the same transaction as their events.
"""

from __future__ import annotations

from ._chain import Upcasters
from ._memory import MemoryStore
from ._protocol import CaseSummary, EventStore, StoredEvent
from ._retry import retry
from ._sqlite import SQLiteStore

__all__ = [
    "CaseSummary",
    "EventStore",
    "MemoryStore",
    "SQLiteStore",
    "StoredEvent",
    "Upcasters",
    "retry",
]
