"""The fit report: a fitted scenario's simulated KPIs beside the log's (outcome shares, times, EMD)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import attrs
from attrs import frozen

from .._lifecycle import FINAL_STAGES, walk
from ..events import MeetingHeld
from ._fit import distance
from ._kpis import OUTCOMES, wilson
from ._observe import CaseSummary

_DAY = 86_400.0


@frozen(kw_only=True)
class FitReport:
    """Simulated against observed KPIs.

    Args:
        observed_cases: the log's cases (those still open are left out of shares and times).
        open_cases: the log's cases that had not ended.
        simulated_cases: how many cases were simulated.
        seed: the seed of the simulation.
        outcomes: per final stage: ``observed`` and ``simulated`` shares, each with its
            ``ci95`` (Wilson), ``z`` of the difference, and ``within``: whether the
            simulated share lies in the observed share's interval.
        times: ``time_to_meeting`` and ``time_to_outcome`` in days: ``observed`` and
            ``simulated`` summaries (n, mean, median, p10, p90) and ``emd``, the earth
            mover's (Wasserstein-1) distance between the two distributions.
    """

    observed_cases: int
    open_cases: int
    simulated_cases: int
    seed: int
    outcomes: dict[str, dict[str, Any]]
    times: dict[str, dict[str, Any]]

    @property
    def emd(self) -> float | None:
        """The earth mover's distance between the observed and simulated cycle times (receipt to outcome), in days."""
        value: float | None = self.times["time_to_outcome"]["emd"]
        return value

    def to_data(self) -> dict[str, Any]:
        """The report as plain data (what ``--json`` prints)."""
        return attrs.asdict(self)

    def text(self) -> str:
        """The report as a plain-text table."""
        lines = [
            f"fit: {self.observed_cases:,} cases in the log ({self.open_cases:,} still open, left out) against "
            f"{self.simulated_cases:,} simulated (seed {self.seed})",
            f"{'outcome':<14}{'observed':>10}  {'95 % interval':<17}{'simulated':>10}  {'95 % interval':<17}{'z':>6}",
        ]
        for name, row in self.outcomes.items():
            o, s = row["observed"], row["simulated"]
            z = "-" if row["z"] is None else f"{row['z']:.1f}"
            mark = "" if row["within"] else "  (outside)"
            lines.append(
                f"{name:<14}{o['share']:>10.1%}  {_span(o['ci95']):<17}{s['share']:>10.1%}  {_span(s['ci95']):<17}"
                f"{z:>6}{mark}"
            )
        lines.append(f"{'days':<20}{'':>4}{'n':>8}{'median':>8}{'p10':>8}{'p90':>8}{'mean':>8}")
        for key, row in self.times.items():
            label = key.replace("_", " ")
            for side in ("observed", "simulated"):
                t = row[side]
                lines.append(
                    f"{label if side == 'observed' else '':<20}{side[:3]:>4}{t['n']:>8,}"
                    + "".join(f"{_num(t[k]):>8}" for k in ("median", "p10", "p90", "mean"))
                )
            lines.append(f"{'':<20}earth mover's distance: {_num(row['emd'], 2)} days")
        return "\n".join(lines)


def _span(interval: Sequence[float]) -> str:
    return f"{interval[0]:.1%} to {interval[1]:.1%}"


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def summary(events: Sequence[Any], case: Any) -> CaseSummary:
    """A simulated case as the fit report compares it (the same figures `_observe` takes from a log)."""
    received = case.referral.received_at
    met: float | None = None
    ended: float | None = None
    for event, before, after in walk(events):
        if met is None and isinstance(event, MeetingHeld):
            met = (event.at - received).total_seconds() / _DAY
        if after is not before and after in FINAL_STAGES:
            ended = (event.at - received).total_seconds() / _DAY
    return CaseSummary(case.stage.value if case.stage in FINAL_STAGES else "open", met, ended)


def _times(values: Sequence[float]) -> dict[str, Any]:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return {"n": 0, "mean": None, "median": None, "p10": None, "p90": None}

    def q(p: float) -> float:
        return round(ordered[min(n - 1, int(p * n))], 3)

    return {"n": n, "mean": round(sum(ordered) / n, 3), "median": q(0.5), "p10": q(0.1), "p90": q(0.9)}


def report(observed: Sequence[CaseSummary], simulated: Sequence[CaseSummary], seed: int) -> FitReport:
    """The fit report of observed against simulated cases."""
    done = [c for c in observed if c.outcome != "open"]
    n_obs, n_sim = len(done), len(simulated)
    counts_obs = Counter(c.outcome for c in done)
    counts_sim = Counter(c.outcome for c in simulated)
    outcomes: dict[str, dict[str, Any]] = {}
    for name in OUTCOMES:
        a, b = counts_obs[name], counts_sim[name]
        pa = a / n_obs if n_obs else 0.0
        pb = b / n_sim if n_sim else 0.0
        low, high = wilson(a, n_obs)
        pooled = (a + b) / (n_obs + n_sim) if n_obs + n_sim else 0.0
        se = math.sqrt(pooled * (1 - pooled) * (1 / n_obs + 1 / n_sim)) if n_obs and n_sim else 0.0
        outcomes[name] = {
            "observed": {"count": a, "share": round(pa, 6), "ci95": [round(low, 6), round(high, 6)]},
            "simulated": {"count": b, "share": round(pb, 6), "ci95": [round(x, 6) for x in wilson(b, n_sim)]},
            "z": round((pb - pa) / se, 3) if se else None,
            "within": low <= pb <= high,
        }
    times: dict[str, dict[str, Any]] = {}
    for key, attr in (("time_to_meeting", "meeting"), ("time_to_outcome", "to_outcome")):
        xs = [getattr(c, attr) for c in done if getattr(c, attr) is not None]
        ys = [getattr(c, attr) for c in simulated if getattr(c, attr) is not None]
        emd = distance(xs, ys)
        times[key] = {"observed": _times(xs), "simulated": _times(ys), "emd": None if emd is None else round(emd, 4)}
    return FitReport(
        observed_cases=len(observed),
        open_cases=len(observed) - n_obs,
        simulated_cases=n_sim,
        seed=seed,
        outcomes=outcomes,
        times=times,
    )
