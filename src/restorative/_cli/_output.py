"""What the commands share: the progress bar on stderr."""

from __future__ import annotations

import sys


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
