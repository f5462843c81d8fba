"""The `restorative` command line: demo, diagram, rules, inspect, cases, verify, paths, simulate, compare, purge."""

from __future__ import annotations

from ._main import main

__all__ = ["main"]
