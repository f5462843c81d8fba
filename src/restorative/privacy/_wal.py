"""Finishing an erasure on SQLite: the write-ahead log must be emptied, not only committed to.

In WAL mode SQLite appends every changed page to the ``-wal`` file and copies it into
the database only when the log is checkpointed. The page that held an erased person's
key keeps its old contents in earlier frames of the log, byte for byte, until the log is
emptied, and the database file keeps its old copy until the zeroed page is copied over
it. A ``TRUNCATE`` checkpoint does both, but not while another connection reads from an
older snapshot: it waits for that reader (up to the busy timeout) and then gives up.

So an erasure leaves a marker row in the vault's meta table, in its own transaction, and
the marker stays until a checkpoint has emptied the log. While it stays, the vault
retries on its own writes and when a vault is opened on the database, and it makes
every commit through the store's connection checkpoint the log and truncate it when the
log is next reset (``wal_autocheckpoint=1``, ``journal_size_limit=0``): once the
readers are gone, two later appends remove the bytes even if the vault is never called
again. Whether the bytes are gone is only ever reported after a checkpoint said so.
"""

from __future__ import annotations

import sqlite3
from typing import Any

PENDING = "erasure-pending\x1f"
"""The prefix of the vault meta rows, one per erased owner, that say an erasure's bytes may still be on disk.

A checkpoint removes only the markers that were there before it began, so an erasure
committed meanwhile (by another process) keeps its own.
"""
_PENDING_END = "erasure-pending\x20"  # the first key after every key with the prefix

_HASTENED = {"wal_autocheckpoint": 1, "journal_size_limit": 0}
"""The connection's settings while an erasure is pending: every commit checkpoints, every reset truncates."""


class Log:
    """The erasure state of one store's SQLite connection: the markers, the checkpoint, the pragmas."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.pending = False
        """Whether this process knows of a pending erasure (read from the markers when the vault opens)."""
        self._saved: dict[str, int] = {}

    def mark(self, owner: str) -> None:
        """Record, in the caller's transaction (the erasure's), that this owner's bytes must still go."""
        self.store.connection.execute(
            "INSERT INTO restorative_vault_meta (person_id, sealed) VALUES (?, x'') ON CONFLICT (person_id) DO NOTHING",
            (PENDING + owner,),
        )
        self.pending = True

    def markers(self) -> list[str]:
        """The markers in the database (erasures here or in another process left them)."""
        rows = self.store.connection.execute(
            "SELECT person_id FROM restorative_vault_meta WHERE person_id >= ? AND person_id < ?",
            (PENDING, _PENDING_END),
        ).fetchall()
        return [str(row[0]) for row in rows]

    def finish(self, *, wait: bool) -> bool:
        """Checkpoint and empty the log; when that worked, remove the markers it covered. Whether it worked.

        Args:
            wait: wait for readers up to the connection's busy timeout; otherwise try once.
        """
        connection = self.store.connection
        with self.store._lock:
            try:
                covered = self.markers()
                done = self._checkpoint(connection, wait=wait)
            except sqlite3.Error:  # inside an open transaction, or the file went away: not done
                done = False
            if not done:
                self._hasten(connection)
                return False
            try:
                if covered:
                    with self.store._transaction():
                        connection.executemany(
                            "DELETE FROM restorative_vault_meta WHERE person_id = ?", [(m,) for m in covered]
                        )
                self.pending = bool(self.markers())
            except sqlite3.Error:  # the log is empty all the same; the markers go on a later try
                return True
            if not self.pending:
                self._relax(connection)
            return True

    @staticmethod
    def _checkpoint(connection: sqlite3.Connection, *, wait: bool) -> bool:
        saved = None
        if not wait:
            saved = connection.execute("PRAGMA busy_timeout").fetchone()[0]
            connection.execute("PRAGMA busy_timeout = 0")
        try:
            row = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            if saved is not None:
                connection.execute(f"PRAGMA busy_timeout = {int(saved)}")
        return row is None or row[0] == 0  # (busy, frames in the log, frames copied); not in WAL mode: (0, -1, -1)

    def _hasten(self, connection: sqlite3.Connection) -> None:
        """Until the log is empty, every commit on this connection checkpoints, and a reset truncates the log."""
        for name, value in _HASTENED.items():
            if name not in self._saved:
                self._saved[name] = int(connection.execute(f"PRAGMA {name}").fetchone()[0])
            connection.execute(f"PRAGMA {name} = {value}")

    def _relax(self, connection: sqlite3.Connection) -> None:
        """The connection's own settings again, once nothing is pending."""
        for name, value in self._saved.items():
            connection.execute(f"PRAGMA {name} = {value}")
        self._saved.clear()
