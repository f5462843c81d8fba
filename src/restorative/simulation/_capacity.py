"""KPIs of the resource model: waiting per step, utilisation per pool, queue length over time.

A `CapacityTally` is filled by one council's event loop and merged council by council in
a fixed order, like `Tally`; it holds counts and bins only, so its size does not grow with
the number of cases (the queue's samples grow with the days simulated, one per day).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

PUBLISHED_DAYS = (25.0, 35.0)
"""Days from receipt to mediation in Konfliktrådet's regional figures for 2022 ([K2023] in norway.toml)."""
PUBLISHED_SOURCE = (
    "[K2023] Konfliktrådet's regional press releases for 2022: 25, 34 and 35 days from receipt to mediation"
)
POOLS = ("staff", "mediators", "rooms")
"""The pools, in the order tables and plots show them."""
STEPS = ("accept", "assign", "mediator", "admission", "dispense", "meeting", "end_cooling_off", "check_deadlines")
"""The steps that wait, in process order: ``mediator`` is the wait for a free mediator before
staff assign one, ``meeting`` the wait for a slot beyond the notice the parties need; the
rest are staff steps."""
STEP_POOLS = {"mediator": "mediators", "meeting": "rooms"}
"""The pool each wait is for (staff for the steps not listed): the queue it shows in."""
_BIN = 600.0
"""Waits are binned by ten minutes."""
_DAY = 86400.0
_NOON = 43200.0


class Waits:
    """Waiting times of one step: exact zeros, ten-minute bins, and their exact sum."""

    __slots__ = ("bins", "n", "total", "zeros")

    def __init__(self) -> None:
        self.bins: Counter[int] = Counter()
        self.n = 0
        self.zeros = 0
        self.total = 0.0

    def add(self, seconds: float) -> None:
        self.n += 1
        if seconds <= 0:
            self.zeros += 1
            return
        self.bins[int(seconds // _BIN)] += 1
        self.total += seconds

    def merge(self, other: Waits) -> None:
        self.bins.update(other.bins)
        self.n += other.n
        self.zeros += other.zeros
        self.total += other.total

    def quantile(self, q: float) -> float:
        """The q-quantile in days: 0 for a wait of none, else the middle of its ten minutes."""
        rank = q * (self.n - 1)
        seen = self.zeros
        if seen > rank:
            return 0.0
        for b in sorted(self.bins):
            seen += self.bins[b]
            if seen > rank:
                return (b + 0.5) * _BIN / _DAY
        return (max(self.bins) + 0.5) * _BIN / _DAY  # pragma: no cover - the loop always returns

    def summary(self) -> dict[str, Any]:
        if not self.n:
            return {"n": 0, "waited": 0.0, "mean": None, "p50": None, "p90": None}
        return {
            "n": self.n,
            "waited": round(1 - self.zeros / self.n, 6),
            "mean": round(self.total / self.n / _DAY, 4),
            "p50": round(self.quantile(0.5), 4),
            "p90": round(self.quantile(0.9), 4),
        }


class CapacityTally:
    """What the resource KPIs are made of, for one or more councils."""

    def __init__(self) -> None:
        self.councils = 0
        self.waits: dict[str, Waits] = {step: Waits() for step in STEPS}
        self.queues: dict[str, Counter[int]] = {pool: Counter() for pool in POOLS}
        self.busy: dict[str, float] = dict.fromkeys(POOLS, 0.0)
        self.capacity: dict[str, float] = dict.fromkeys(POOLS, 0.0)
        self.days = 0  # days sampled (the longest council's span of arrivals)

    def wait(self, step: str, ready: float, start: float, origin: float) -> None:
        """A wait of `step` from `ready` to `start`; it counts in its pool's queue at each noon (UTC) between."""
        self.waits[step].add(start - ready)
        if start <= ready:
            return
        queue = self.queues[STEP_POOLS.get(step, "staff")]
        first = math.ceil((ready - origin - _NOON) / _DAY)
        last = math.ceil((start - origin - _NOON) / _DAY)
        for day in range(max(first, 0), last):
            queue[day] += 1

    def merge(self, other: CapacityTally) -> None:
        self.councils += other.councils
        for step, waits in other.waits.items():
            self.waits[step].merge(waits)
        for pool, queue in other.queues.items():
            self.queues[pool].update(queue)
        for pool in POOLS:
            self.busy[pool] += other.busy[pool]
            self.capacity[pool] += other.capacity[pool]
        self.days = max(self.days, other.days)


def capacity_kpis(tally: CapacityTally, meeting: Mapping[str, Any]) -> dict[str, Any]:
    """The ``resources`` part of ``kpis.json``; `meeting` is the run's ``time_to_meeting_days``."""
    days = tally.days
    queues = {}
    for pool in POOLS:
        counts = tally.queues[pool]
        series = [counts.get(day, 0) for day in range(days)]
        queues[pool] = {
            "mean": round(sum(series) / days, 3) if days else 0.0,
            "max": max(series, default=0),
            "by_day": {str(day): counts[day] for day in sorted(counts) if day < days and counts[day]},
        }
    median = meeting.get("median")
    low, high = PUBLISHED_DAYS
    return {
        "councils": tally.councils,
        "wait_days": {step: tally.waits[step].summary() for step in STEPS},
        "utilisation": {
            pool: round(tally.busy[pool] / tally.capacity[pool], 4) if tally.capacity[pool] else None for pool in POOLS
        },
        "queue_length": queues,
        "queue_note": "cases waiting at noon (UTC) each day of the arrivals, summed over the councils",
        "receipt_to_meeting": {
            "median_days": median,
            "mean_days": meeting.get("mean"),
            "published_days": [low, high],
            "within_published": None if median is None else low <= median <= high,
            "source": PUBLISHED_SOURCE,
        },
    }
