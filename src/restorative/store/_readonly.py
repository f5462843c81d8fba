"""The connection of an SQLite store opened read-only."""

from __future__ import annotations

import sqlite3
from typing import Any


class ReadOnlyConnection(sqlite3.Connection):
    """An SQLite connection that begins its transactions deferred: it never asks for the write lock.

    A read-only store runs with ``PRAGMA query_only``, which refuses ``BEGIN IMMEDIATE``;
    begun deferred, a transaction still reads one snapshot, and any write in it is refused.
    """

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        """Run one statement, beginning a transaction deferred where ``BEGIN IMMEDIATE`` is asked for."""
        return super().execute("BEGIN" if sql == "BEGIN IMMEDIATE" else sql, parameters)
