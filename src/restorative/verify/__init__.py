"""Exhaustive verification: every reachable state of bounded cases, every rule checked in each.

`explore` starts from the referral of each `Configuration` (2, 3 or 4 parties; criminal
and civil; with and without a minor; the Norwegian policy and a custom one; support
persons and one adjournment on offer) and tries every command of a finite alphabet in
every state, breadth first, so the first violation found for a rule comes with a
shortest history that shows it. Two cases count as one state when they differ only in
their version and in the order of sets (signatures, confidentiality, assignments).

Besides the rules checked on every accepted and every refused command (the same
checks the testing kit runs), the exploration checks that every stage is reached,
every transition of the lifecycle machine is exercised, and every open state can
still reach a final one.

`paths` gives the shortest command sequence to every stage and every transition,
for example-based tests and for reading.

The checks are the oracle's: a second statement of the rules, kept apart from the
engine on purpose, so that a broken decision is caught rather than agreed with (the
mutation tests prove it). The finite alphabet of commands tried in each state lives
here too.
"""

from __future__ import annotations

from ._alphabet import Cast
from ._explore import (
    CUSTOM_POLICY,
    Configuration,
    Exploration,
    Finding,
    Path,
    explore,
    paths,
    transitions,
)

__all__ = [
    "CUSTOM_POLICY",
    "Cast",
    "Configuration",
    "Exploration",
    "Finding",
    "Path",
    "explore",
    "paths",
    "transitions",
]
