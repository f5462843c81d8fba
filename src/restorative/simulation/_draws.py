"""A simulated case's random stream, and the draws made from a scenario's shares and chances."""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from typing import Any

from .._lifecycle import Stage
from ._scenario import Scenario


def case_seed(scenario: Scenario, index: int) -> int:
    """The seed of one case's stream: fixed by the scenario's seed and the case's index alone."""
    return scenario.seed * 4_294_967_296 + index


def case_rng(scenario: Scenario, index: int) -> random.Random:
    """The random stream of one case (`case_seed`)."""
    return random.Random(case_seed(scenario, index))


def pick(rng: random.Random, shares: Sequence[tuple[Any, float]]) -> Any:
    """One value of ``(value, share)`` pairs, drawn by their shares."""
    u = rng.random()
    total = 0.0
    for value, share in shares:
        total += share
        if u < total:
            return value
    return shares[-1][0]


@functools.cache
def withdrawal_odds(withdrawal: tuple[tuple[str, float], ...]) -> dict[Stage, float]:
    """A scenario's chance of a withdrawal by stage, keyed by `Stage` (read only)."""
    return {Stage(name): p for name, p in withdrawal}
