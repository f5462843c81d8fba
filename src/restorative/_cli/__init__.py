"""The `restorative` command line: demo, inspect, cases, check, diagram, rules, verify, paths, simulate, compare, tick, purge."""

from __future__ import annotations

from ._main import main

__all__ = ["main"]
