"""Timing helpers the benchmarks share: batches, and ratios measured round by round."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

CLOCK = time.perf_counter_ns


def batch_us(fn: Callable[[], object], batch: int) -> float:
    """Mean time of one call of `fn` over a batch of `batch` calls, in µs."""
    start = CLOCK()
    for _ in range(batch):
        fn()
    return (CLOCK() - start) / batch / 1000


def interleaved(a: Callable[[], float], b: Callable[[], float], rounds: int) -> tuple[float, float, float]:
    """Alternate two measurements round by round; the medians of each and of their ratio.

    The machine's speed drifts over seconds, so a ratio is only fair between samples
    taken moments apart.
    """
    pairs = [(a(), b()) for _ in range(rounds)]
    return (
        statistics.median(x for x, _ in pairs),
        statistics.median(y for _, y in pairs),
        statistics.median(x / y for x, y in pairs),
    )


def accelerated() -> bool:
    """Whether the optional compiled accelerator is built (tools/accelerate.py): figures differ with it."""
    import restorative.process._dispatch as dispatch

    return not (dispatch.__file__ or "").endswith(".py")
