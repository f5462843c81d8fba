"""Process definitions: the lifecycle and the rules of each command, registered once per stage.

A `Process` is built from a `Lifecycle` and the `Part` of each stage module, and checks
when it is built (at import) that they agree: every command decided, every event folded
and described, every trigger in the lifecycle. `MEDIATION` is the one definition today;
`restorative.decide`, `handle`, `replay` and `allowed` are its methods. See
``docs/architecture.md`` for how a second definition is added.
"""

from __future__ import annotations

from .._lifecycle import Lifecycle, Step, Transition
from ._dispatch import Process
from ._mediation import MEDIATION, walk
from ._registry import Changes, CommandRule, EventRule, Events, Opening, Part

__all__ = [
    "MEDIATION",
    "Changes",
    "CommandRule",
    "EventRule",
    "Events",
    "Lifecycle",
    "Opening",
    "Part",
    "Process",
    "Step",
    "Transition",
    "walk",
]
