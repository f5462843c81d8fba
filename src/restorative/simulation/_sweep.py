"""Study runs: one scenario key varied over values, each value replicated with common random numbers.

Replication ``r`` of every value runs with the same seed (the scenario's seed plus ``r``),
so every case draws the same random numbers whatever the value: the differences between
values are the key's doing, not noise, and a few replications are enough to see them.
Each KPI is reported per value as its mean over the replications with a 95 % Student-t
interval.
"""

from __future__ import annotations

import math
import statistics
import tomllib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from attrs import frozen

from .. import _arguments as arguments
from .._checks import shown
from ..errors import InvalidInput, ScenarioError
from ._kpis import OUTCOMES
from ._runner import simulate
from ._scenario import Scenario

METRICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    *((f"share_{name}", ("outcomes", name, "share")) for name in OUTCOMES),
    ("days_to_meeting_median", ("time_to_meeting_days", "median")),
    ("days_to_meeting_mean", ("time_to_meeting_days", "mean")),
    ("days_to_outcome_median", ("time_to_outcome_days", "median")),
    ("days_to_outcome_mean", ("time_to_outcome_days", "mean")),
)
"""The KPIs a sweep tabulates: each outcome's share and the times to meeting and to outcome, in days."""

CAPACITY_METRICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("wait_mediator_days_mean", ("resources", "wait_days", "mediator", "mean")),
    ("wait_meeting_days_mean", ("resources", "wait_days", "meeting", "mean")),
    ("wait_accept_days_mean", ("resources", "wait_days", "accept", "mean")),
    *((f"utilisation_{pool}", ("resources", "utilisation", pool)) for pool in ("staff", "mediators", "rooms")),
)
"""What a sweep of a scenario with resources tabulates as well: mean waits and each pool's utilisation."""

_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228)
"""Two-sided 95 % Student-t quantiles for 1 to 10 degrees of freedom; beyond, the table below."""
_T95_MORE = ((15, 2.131), (20, 2.086), (30, 2.042), (60, 2.000), (120, 1.980))


def _t95(df: int) -> float:
    if df <= len(_T95):
        return _T95[df - 1]
    for limit, value in _T95_MORE:
        if df <= limit:
            return value
    return 1.960


@frozen(kw_only=True)
class Estimate:
    """One KPI at one value, over the replications.

    Args:
        mean: the mean over the replications (``None`` when no replication measured it).
        low: the lower end of its 95 % Student-t interval (``None`` with fewer than two).
        high: the upper end.
        n: how many replications measured it.
    """

    mean: float | None
    low: float | None
    high: float | None
    n: int


def estimate(samples: Sequence[float]) -> Estimate:
    """The mean of `samples` with its 95 % Student-t interval."""
    given: list[float] = arguments.entries("estimate", "samples", samples, (int, float), "numbers")
    samples = [arguments.number("estimate", "samples", x) for x in given]
    n = len(samples)
    if n == 0:
        return Estimate(mean=None, low=None, high=None, n=0)
    mean = statistics.fmean(samples)
    if n == 1:
        return Estimate(mean=round(mean, 6), low=None, high=None, n=1)
    half = _t95(n - 1) * statistics.stdev(samples) / math.sqrt(n)
    return Estimate(mean=round(mean, 6), low=round(mean - half, 6), high=round(mean + half, 6), n=n)


@frozen(kw_only=True)
class Sweep:
    """What a sweep produced.

    Args:
        scenario: the scenario every run started from.
        key: the dotted scenario key that was varied, e.g. ``behaviour.agreement``.
        values: the values it took, in order.
        seeds: the seed of each replication, the same for every value.
        runs: the KPIs of every run, by value (in `values` order), then by replication.
        table: per value, each metric of `METRICS` as an `Estimate`.
    """

    scenario: Scenario
    key: str
    values: tuple[Any, ...]
    seeds: tuple[int, ...]
    runs: tuple[tuple[dict[str, Any], ...], ...]
    table: tuple[dict[str, Estimate], ...]

    def to_data(self) -> dict[str, Any]:
        """The sweep as plain data (what ``sweep.json`` holds); the runs' full KPIs are left out."""
        return {
            "scenario": self.scenario.to_data(),
            "key": self.key,
            "values": list(self.values),
            "replications": len(self.seeds),
            "seeds": list(self.seeds),
            "cases_per_run": self.scenario.cases,
            "table": [
                {"value": value, **{name: vars_of(est) for name, est in row.items()}}
                for value, row in zip(self.values, self.table, strict=True)
            ],
        }

    def csv(self) -> str:
        """One row per value and metric: ``value,metric,mean,low,high,n``."""
        lines = ["value,metric,mean,low,high,n"]
        for value, row in zip(self.values, self.table, strict=True):
            for name, est in row.items():
                cells = ["" if x is None else repr(x) for x in (est.mean, est.low, est.high)]
                lines.append(",".join([_cell(value), name, *cells, str(est.n)]))
        return "\n".join(lines) + "\n"

    def text(self) -> str:
        """A plain-text table of the headline metrics."""
        shown_metrics = [f"share_{name}" for name in OUTCOMES] + ["days_to_outcome_median"]
        names = [name.removeprefix("share_") for name in shown_metrics[:-1]] + ["median days"]
        head = f"{self.key:<28}" + "".join(f"{name:>16}" for name in names)
        lines = [f"{self.scenario.name}: {self.key} over {len(self.values)} values x {len(self.seeds)} replications"]
        lines.append(head)
        for value, row in zip(self.values, self.table, strict=True):
            cells = []
            for name in shown_metrics:
                est = row[name]
                percent = name.startswith("share_")
                cells.append(f"{_shown_estimate(est, percent):>16}")
            lines.append(f"{_cell(value):<28}" + "".join(cells))
        return "\n".join(lines)


def vars_of(est: Estimate) -> dict[str, Any]:
    """An `Estimate` as plain data."""
    return {"mean": est.mean, "ci95": [est.low, est.high], "n": est.n}


def _cell(value: Any) -> str:
    text = str(value)
    return f'"{text}"' if "," in text else text


def _shown_estimate(est: Estimate, percent: bool) -> str:
    if est.mean is None:
        return "-"
    if percent:
        if est.low is None or est.high is None:
            return f"{est.mean:.1%}"
        return f"{est.mean:.1%} ±{(est.high - est.low) / 2:.1%}"
    if est.low is None or est.high is None:
        return f"{est.mean:.1f}"
    return f"{est.mean:.1f} ±{(est.high - est.low) / 2:.1f}"


def varied(scenario: Scenario, key: str, value: Any) -> Scenario:
    """The scenario with the dotted `key` set to `value`, checked as a scenario file would be.

    Raises:
        ScenarioError: the key names no setting of the scenario, or the value is not one it takes.
    """
    if not isinstance(key, str) or not key or key.startswith(".") or key.endswith("."):
        raise ScenarioError(shown(key), "a sweep varies one dotted scenario key, e.g. behaviour.agreement")
    if key in ("seed", "name"):
        raise ScenarioError(key, "a sweep sets the seed of each replication itself and names nothing")
    data = scenario.to_data()
    *tables, last = key.split(".")
    where: Any = data
    for part in tables:
        inner = where.get(part) if isinstance(where, dict) else None
        if not isinstance(inner, dict):
            raise ScenarioError(key, f"{part!r} is not a table of the scenario")
        where = inner
    if last not in where and not (tables == ["policy"] and last in _policy_keys()):
        known = ", ".join(sorted(where)) if isinstance(where, dict) else ""
        raise ScenarioError(key, f"no such key; the keys here are {known}")
    where[last] = value
    return Scenario.from_data(data)


def _policy_keys() -> set[str]:
    import attrs  # noqa: PLC0415

    from .._policy import Policy  # noqa: PLC0415

    return {f.name for f in attrs.fields(Policy)}


def parse_values(text: str) -> tuple[Any, ...]:
    """Values from the command line, ``V1,V2,...``, each read as a TOML value (numbers, booleans, quoted text).

    A bare word that is not a TOML value is taken as text, so ``--vary policy.continuation=stops,dialogue_remains``
    works without quotes.
    """
    values: list[Any] = []
    for piece in text.split(","):
        word = piece.strip()
        if not word:
            raise InvalidInput(f"--vary has an empty value in {shown(text)}", field="--vary")
        try:
            values.append(tomllib.loads(f"v = {word}")["v"])
        except tomllib.TOMLDecodeError:
            values.append(word)
    return tuple(values)


Progress = Callable[[int, int], None]
"""Called with (runs done, runs in all) after each run."""


def sweep(
    scenario: Scenario,
    key: str,
    values: Sequence[Any],
    *,
    replications: int = 5,
    cases: int | None = None,
    workers: int | None = None,
    dask: Any = None,
    progress: Progress | None = None,
) -> Sweep:
    """Run `scenario` once per value of `key` and replication, with common random numbers.

    Args:
        scenario: the study to start from.
        key: the dotted scenario key to vary, e.g. ``behaviour.agreement`` or ``policy.criminal_cooling_off_days``.
        values: the values it takes (at least two, all different).
        replications: runs per value (at least 2, for an interval); replication ``r`` has seed
            ``scenario.seed + r`` for every value.
        cases: cases per run (default: the scenario's).
        workers: processes per run (``None``: one per core; ``1``: this process).
        dask: a ``distributed.Client`` or scheduler address to run the chunks on instead.
        progress: called after each run with (runs done, runs in all).

    Raises:
        ScenarioError: a key the scenario does not have, or a value it does not take.
        InvalidInput: an argument of the wrong type, fewer than two values or
            replications, or a value given twice.
    """
    arguments.instance("sweep", "scenario", scenario, Scenario, "a Scenario")
    arguments.instance("sweep", "key", key, str, "a dotted scenario key, e.g. behaviour.agreement")
    values = tuple(arguments.entries("sweep", "values", values, object, "values"))
    if len(values) < 2:
        raise InvalidInput("sweep: values must hold at least two values (--vary KEY=V1,V2)", field="values")
    if len({repr(v) for v in values}) != len(values):
        raise InvalidInput(f"sweep: values holds a value twice: {shown(values)}", field="values")
    arguments.count("sweep", "replications", replications, 2)
    if cases is not None:
        arguments.count("sweep", "cases", cases, 1)
    if workers is not None:
        arguments.count("sweep", "workers", workers, 1)
    arguments.call("sweep", "progress", progress)
    if cases is not None:
        scenario = scenario.replace(cases=cases)
    variants = [varied(scenario, key, value) for value in values]  # every value checked before any run
    seeds = tuple(scenario.seed + r for r in range(replications))
    total = len(values) * replications
    runs: list[tuple[dict[str, Any], ...]] = []
    done = 0
    for variant in variants:
        per_value = []
        for seed in seeds:
            per_value.append(simulate(variant, seed=seed, workers=workers, dask=dask).kpis)
            done += 1
            if progress is not None:
                progress(done, total)
        runs.append(tuple(per_value))
    table = tuple(_tabulate(per_value) for per_value in runs)
    return Sweep(scenario=scenario, key=key, values=values, seeds=seeds, runs=tuple(runs), table=table)


def _tabulate(runs: Sequence[Mapping[str, Any]]) -> dict[str, Estimate]:
    row = {}
    metrics = METRICS + (CAPACITY_METRICS if runs and "resources" in runs[0] else ())
    for name, path in metrics:
        samples = []
        for kpis in runs:
            value: Any = kpis
            for part in path:
                value = value[part]
            if value is not None:
                samples.append(float(value))
        row[name] = estimate(samples)
    return row
