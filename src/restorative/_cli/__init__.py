"""The `restorative` command line: demo, inspect, cases, check, tick, purge, diagram, rules, verify, paths,
simulate and compare."""

from __future__ import annotations

from ._main import main

__all__ = ["main"]
