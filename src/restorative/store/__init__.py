"""Event stores: cases that survive crashes, concurrent caseworkers and bad data.

Every store offers the `EventStore` protocol: atomic appends with optimistic
concurrency, loading by replay, a hash chain per case that `verify` checks, and a
listing of cases kept in the same transaction as their events. `open_store` opens
the one a user names: a PostgreSQL address or an SQLite file.
"""

from __future__ import annotations

from ._chain import Upcasters
from ._memory import MemoryStore
from ._open import open_store
from ._protocol import CaseSummary, EventStore, StoredEvent
from ._retry import retry
from ._sqlite import SQLiteStore
from ._tick import Sent, tick

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._postgres import PostgresStore


def __getattr__(name: str) -> object:
    """`PostgresStore` is imported on first use: it needs the extra ``restorative[postgres]``."""
    if name == "PostgresStore":
        from ._postgres import PostgresStore  # noqa: PLC0415 - imported on first use, on purpose

        return PostgresStore
    raise AttributeError(f"module 'restorative.store' has no attribute {name!r}")


__all__ = [
    "CaseSummary",
    "EventStore",
    "MemoryStore",
    "PostgresStore",
    "SQLiteStore",
    "Sent",
    "StoredEvent",
    "Upcasters",
    "open_store",
    "retry",
    "tick",
]
