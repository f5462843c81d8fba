"""What the commands share: one-line messages, JSON documents and the progress bar."""

from __future__ import annotations

import json
import sys
from typing import Any

LIMIT = 300
"""The longest message, in characters: a message repeats no unbounded input, from a file or a user."""


def one_line(text: str, limit: int = LIMIT) -> str:
    """`text` on one line: line breaks and other unprintable characters escaped, cut to about `limit`."""
    if len(text) <= limit and text.isprintable():
        return text
    kept = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text[: limit + 1])
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


def fail(message: str) -> None:
    """Print a one-line error on stderr."""
    print(one_line(message), file=sys.stderr)


def document(value: dict[str, Any]) -> None:
    """Print one JSON document on stdout (non-ASCII escaped, so no byte of it can trouble a terminal)."""
    print(json.dumps(value, indent=2))


class Bar:
    """A progress bar on stderr: redrawn in place on a terminal, one line per step otherwise."""

    def __init__(self, width: int = 30) -> None:
        self.width = width
        self.tty = sys.stderr.isatty()

    def line(self, done: int, total: int, label: str) -> None:
        """Draw the bar at `done` of `total`, with a label."""
        filled = self.width * done // total
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {label}"
        if self.tty:
            end = "\n" if done == total else ""
            sys.stderr.write(f"\r{line:<100}{end}")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
