"""KPIs of a simulation: tallies that workers fill and merge, and the figures made from them.

A `Tally` holds counts and hour-wide histograms only, so its size does not grow with the
number of cases, and merging tallies in case order gives the same figures however the
cases were split between workers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from .. import _arguments as arguments
from .._checks import cut, shown
from .._lifecycle import ACTIVE_STAGES, FINAL_STAGES, Stage, walk
from .._values import ActorKind, Case
from ..errors import InvalidInput
from ..events import (
    CaseWithdrawn,
    ConsentGiven,
    Event,
    GuardianConsentDispensed,
    GuardianConsentGiven,
    MeetingAdjourned,
    MeetingHeld,
    PartyInformed,
    PartyWithdrew,
    ReportSent,
)
from ._capacity import CapacityTally, capacity_kpis

OUTCOMES = ("fulfilled", "breached", "withdrawn", "no_agreement", "declined")
"""The final stages, in the order tables and plots show them."""

_HOUR = 3600.0
_COUNTED: frozenset[type[Event]] = frozenset(
    {
        PartyWithdrew,
        PartyInformed,
        ConsentGiven,
        GuardianConsentGiven,
        GuardianConsentDispensed,
        CaseWithdrawn,
        ReportSent,
        MeetingHeld,
        MeetingAdjourned,
    }
)
"""The events the tally counts; every other event only moves the stage."""
_CONSENT = Stage.CONSENT.value
_Z95 = 1.959963984540054


class Histogram:
    """Durations in hour-wide bins, with their exact sum: mergeable, size bounded by the range."""

    __slots__ = ("bins", "n", "total")

    def __init__(self) -> None:
        self.bins: Counter[int] = Counter()
        self.n = 0
        self.total = 0.0

    def add(self, seconds: float) -> None:
        self.bins[int(seconds // _HOUR)] += 1
        self.n += 1
        self.total += seconds

    def merge(self, other: Histogram) -> None:
        self.bins.update(other.bins)
        self.n += other.n
        self.total += other.total

    def quantile(self, q: float) -> float | None:
        """The q-quantile in days, to the hour (the middle of its bin)."""
        if not self.n:
            return None
        rank = q * (self.n - 1)
        seen = 0
        for hour in sorted(self.bins):
            seen += self.bins[hour]
            if seen > rank:
                return (hour + 0.5) / 24
        return (max(self.bins) + 0.5) / 24  # pragma: no cover - the loop always returns

    def summary(self) -> dict[str, Any]:
        """Count, mean and quantiles in days."""
        if not self.n:
            return {"n": 0, "mean": None, "p10": None, "median": None, "p90": None}
        return {
            "n": self.n,
            "mean": round(self.total / self.n / 86400, 3),
            "p10": _round(self.quantile(0.1)),
            "median": _round(self.quantile(0.5)),
            "p90": _round(self.quantile(0.9)),
        }

    def days(self) -> dict[str, int]:
        """The histogram in day-wide bins, for plots: ``{"day": count}``."""
        out: Counter[int] = Counter()
        for hour, count in self.bins.items():
            out[hour // 24] += count
        return {str(day): out[day] for day in sorted(out)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


class Tally:
    """What the KPIs are made of, filled case by case and merged in case order."""

    def __init__(self) -> None:
        self.cases = 0
        self.events = 0
        self.outcomes: Counter[str] = Counter()
        self.outcomes_by_kind: Counter[str] = Counter()
        self.time_to_meeting = Histogram()
        self.time_to_outcome = Histogram()
        self.stage_time: dict[str, Histogram] = {s.value: Histogram() for s in ACTIVE_STAGES}
        self.party_withdrawals: Counter[str] = Counter()
        self.consent_refusals = 0
        self.cases_withdrawn: Counter[str] = Counter()
        self.adjournments = 0
        self.cases_adjourned = 0
        self.reports: Counter[str] = Counter()
        self.capacity: CapacityTally | None = None  # the resource model's, on a council's last chunk

    def add(self, events: Sequence[Event], case: Case) -> None:
        """Count one finished case."""
        self.cases += 1
        self.events += len(events)
        outcome = case.stage.value
        self.outcomes[outcome] += 1
        self.outcomes_by_kind[f"{case.kind.value}:{outcome}"] += 1
        received = case.referral.received_at
        entered = received
        met = False
        adjourned = 0
        informed: set[str] = set()
        consented: set[str] = set()
        guardian: set[str] = set()
        for event, before, after in walk(events):
            stage = before._value_  # the tally keys on stage names
            if type(event) in _COUNTED:  # most events only move the stage
                if isinstance(event, PartyWithdrew):
                    # Saying no when consent is asked (an informed party who has not said yes, or a
                    # guardian who has not, for a minor) is a refusal, counted apart from withdrawing.
                    refused = (
                        stage == _CONSENT
                        and event.party_id in informed
                        and (
                            event.party_id not in consented
                            or (event.actor.kind is ActorKind.GUARDIAN and event.party_id not in guardian)
                        )
                    )
                    if refused:
                        self.consent_refusals += 1
                    else:
                        self.party_withdrawals[stage] += 1
                elif isinstance(event, PartyInformed):
                    informed.add(event.party_id)
                elif isinstance(event, ConsentGiven):
                    consented.add(event.party_id)
                elif isinstance(event, GuardianConsentGiven | GuardianConsentDispensed):
                    guardian.add(event.party_id)
                elif isinstance(event, CaseWithdrawn):
                    self.cases_withdrawn[stage] += 1
                elif isinstance(event, ReportSent):
                    self.reports[event.report.kind.value] += 1
                elif isinstance(event, MeetingHeld):
                    if not met:
                        met = True
                        self.time_to_meeting.add((event.at - received).total_seconds())
                elif isinstance(event, MeetingAdjourned):
                    adjourned += 1
            if after is before:
                continue
            self.stage_time[stage].add((event.at - entered).total_seconds())
            entered = event.at
            if after in FINAL_STAGES:
                self.time_to_outcome.add((event.at - received).total_seconds())
        self.adjournments += adjourned
        self.cases_adjourned += adjourned > 0

    def merge(self, other: Tally) -> None:
        """Add another tally (of the cases that follow this one's)."""
        self.cases += other.cases
        self.events += other.events
        self.outcomes.update(other.outcomes)
        self.outcomes_by_kind.update(other.outcomes_by_kind)
        self.time_to_meeting.merge(other.time_to_meeting)
        self.time_to_outcome.merge(other.time_to_outcome)
        for name, histogram in other.stage_time.items():
            self.stage_time[name].merge(histogram)
        self.party_withdrawals.update(other.party_withdrawals)
        self.consent_refusals += other.consent_refusals
        self.cases_withdrawn.update(other.cases_withdrawn)
        self.adjournments += other.adjournments
        self.cases_adjourned += other.cases_adjourned
        self.reports.update(other.reports)
        if other.capacity is not None:
            if self.capacity is None:
                self.capacity = CapacityTally()
            self.capacity.merge(other.capacity)


def wilson(count: int, n: int) -> tuple[float, float]:
    """The 95 % Wilson score interval of a share ``count / n``.

    Raises:
        InvalidInput: `count` or `n` is not a whole number, or `count` is not between 0 and `n`.
    """
    arguments.count("wilson", "n", n)
    arguments.count("wilson", "count", count)
    if count > n:
        raise InvalidInput(f"wilson: count ({count}) must not exceed n ({n})", field="count")
    if n == 0:
        return (0.0, 1.0)
    p = count / n
    z2 = _Z95 * _Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = _Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    low = 0.0 if count == 0 else max(0.0, centre - half)
    high = 1.0 if count == n else min(1.0, centre + half)
    return (low, high)


def kpis(tally: Tally, scenario: Mapping[str, Any]) -> dict[str, Any]:
    """The KPIs of a run, as written to ``kpis.json``."""
    n = tally.cases
    outcomes = {}
    for name in OUTCOMES:
        count = tally.outcomes[name]
        low, high = wilson(count, n)
        outcomes[name] = {
            "count": count,
            "share": round(count / n, 6) if n else 0.0,
            "ci95": [round(low, 6), round(high, 6)],
        }
    by_kind: dict[str, dict[str, int]] = {}
    for key, count in sorted(tally.outcomes_by_kind.items()):
        kind, outcome = key.split(":")
        by_kind.setdefault(kind, {})[outcome] = count
    figures = {
        "scenario": dict(scenario),
        "cases": n,
        "events": tally.events,
        "events_per_case": round(tally.events / n, 3) if n else 0.0,
        "outcomes": outcomes,
        "outcomes_by_kind": by_kind,
        "time_to_meeting_days": tally.time_to_meeting.summary(),
        "time_to_outcome_days": tally.time_to_outcome.summary(),
        "stage_days": {name: h.summary() for name, h in tally.stage_time.items()},
        "stage_days_note": "per stay in the stage: an adjourned meeting returns the case to preparation",
        "consent_refusals": tally.consent_refusals,
        "party_withdrawals_by_stage": {s.value: tally.party_withdrawals[s.value] for s in ACTIVE_STAGES},
        "cases_withdrawn_by_stage": {s.value: tally.cases_withdrawn[s.value] for s in ACTIVE_STAGES},
        "adjournments": {"total": tally.adjournments, "cases": tally.cases_adjourned},
        "reports_sent": dict(sorted(tally.reports.items())),
        "histograms_days": {
            "time_to_meeting": tally.time_to_meeting.days(),
            "time_to_outcome": tally.time_to_outcome.days(),
            **{f"stage:{name}": h.days() for name, h in tally.stage_time.items()},
        },
    }
    if tally.capacity is not None:  # a run with resources; a plain run's KPIs are as they were
        figures["resources"] = capacity_kpis(tally.capacity, tally.time_to_meeting.summary())
    return figures


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(k: Mapping[str, Any]) -> str:
    """A plain-text table of the headline KPIs of one run.

    Raises:
        InvalidInput: `k` is not the KPIs of a run.
    """
    arguments.mapping("table", "k", k, "a run's KPIs (a mapping, as simulate returns them)")
    try:
        return _table(k)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InvalidInput(f"table: k is not the KPIs of a run ({cut(repr(error), 120)})", field="k") from None


def _table(k: Mapping[str, Any]) -> str:
    lines = [f"{k['scenario'].get('name', 'scenario')}: {k['cases']:,} cases, {k['events']:,} events"]
    lines.append(f"{'outcome':<14}{'cases':>10}{'share':>9}  95 % interval")
    for name, o in k["outcomes"].items():
        low, high = o["ci95"]
        lines.append(f"{name:<14}{o['count']:>10,}{o['share']:>9.1%}  {low:.1%} to {high:.1%}")
    lines.append(f"{'time (days)':<28}{'median':>8}{'p10':>8}{'p90':>8}{'mean':>8}")
    rows = [("receipt to meeting", k["time_to_meeting_days"]), ("receipt to outcome", k["time_to_outcome_days"])]
    rows += [(f"in {name.replace('_', ' ')} (a stay)", s) for name, s in k["stage_days"].items()]
    for label, s in rows:
        lines.append(f"{label:<24}{_fmt(s['median']):>8}{_fmt(s['p10']):>8}{_fmt(s['p90']):>8}{_fmt(s['mean']):>8}")
    withdrawn = ", ".join(f"{s.replace('_', ' ')} {n:,}" for s, n in k["party_withdrawals_by_stage"].items() if n)
    lines.append(f"consent refused: {k['consent_refusals']:,} parties")
    lines.append(f"other withdrawals of parties, by stage: {withdrawn or 'none'}")
    adj = k["adjournments"]
    lines.append(f"adjournments: {adj['total']:,} in {adj['cases']:,} cases")
    reports = ", ".join(f"{kind} {n:,}" for kind, n in k["reports_sent"].items())
    lines.append(f"reports sent: {reports or 'none'}")
    return "\n".join(lines)


def _refuse(source: str, key: str, wanted: str, value: Any) -> NoReturn:
    raise InvalidInput(f"{source}: {key} must be {wanted}, got {shown(value)}", field=key)


def _entry(source: str, data: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in data:
        raise InvalidInput(f"{source}: {path}{key} is missing; is this the kpis.json of a run?", field=path + key)
    return data[key]


def _mapping(source: str, data: Mapping[str, Any], key: str, path: str = "") -> Mapping[str, Any]:
    value = _entry(source, data, key, path)
    if not isinstance(value, Mapping):
        _refuse(source, path + key, "an object", value)
    return value


def _count(source: str, data: Mapping[str, Any], key: str, path: str = "") -> int:
    value = _entry(source, data, key, path)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        _refuse(source, path + key, "a whole number of 0 or more", value)
    return value


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_kpis(kpis: Any, source: str, argument: str = "the KPIs") -> Mapping[str, Any]:
    """`kpis` if it holds what `compare`, `compare_table` and the comparison plot read, with the
    right types; else `InvalidInput` naming the key, as ``outcomes.fulfilled.share``.

    Args:
        kpis: a run's KPIs, as ``kpis.json`` holds them.
        source: what to call them in a message, e.g. the file's path.
        argument: the name of the argument that holds them, which a refusal of their type names.
    """
    if not isinstance(kpis, Mapping):
        _refuse(source, argument, "an object (a run's KPIs, as simulate returns them)", kpis)
    scenario = _mapping(source, kpis, "scenario")
    if not isinstance(scenario.get("name", ""), str):
        _refuse(source, "scenario.name", "a string", scenario["name"])
    _count(source, kpis, "cases")
    outcomes = _mapping(source, kpis, "outcomes")
    for name in OUTCOMES:
        path = f"outcomes.{name}."
        outcome = _mapping(source, outcomes, name, "outcomes.")
        _count(source, outcome, "count", path)
        share = _entry(source, outcome, "share", path)
        if not _number(share) or not 0 <= share <= 1:
            _refuse(source, path + "share", "a number from 0 to 1", share)
        interval = _entry(source, outcome, "ci95", path)
        if not isinstance(interval, (list, tuple)) or len(interval) != 2 or not all(map(_number, interval)):
            _refuse(source, path + "ci95", "a list of two numbers", interval)
    for key in ("time_to_meeting_days", "time_to_outcome_days"):
        times = _mapping(source, kpis, key)
        median = _entry(source, times, "median", f"{key}.")
        if median is not None and not _number(median):
            _refuse(source, f"{key}.median", "a number or null", median)
        if "n" in times:
            _count(source, times, "n", f"{key}.")
    if "histograms_days" in kpis:
        histograms = _mapping(source, kpis, "histograms_days")
        for key in ("time_to_meeting", "time_to_outcome"):
            if key in histograms:
                histogram = _mapping(source, histograms, key, "histograms_days.")
                for day in histogram:
                    if not (isinstance(day, str) and day.isdigit()):
                        _refuse(source, f"histograms_days.{key}", "days (0, 1, ...) with their counts", day)
                    _count(source, histogram, day, f"histograms_days.{key}.")
    return kpis


def compare(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """The differences between two runs' KPIs (B minus A), with a z-score per outcome share.

    Raises:
        InvalidInput: either run's KPIs lack a figure that is compared, or hold one of the wrong type.
    """
    check_kpis(a, "KPIs A", "a")
    check_kpis(b, "KPIs B", "b")
    outcomes = {}
    for name in OUTCOMES:
        oa, ob = a["outcomes"][name], b["outcomes"][name]
        pa, pb = oa["share"], ob["share"]
        na, nb = a["cases"], b["cases"]
        pooled = (oa["count"] + ob["count"]) / (na + nb) if na + nb else 0.0
        se = math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb)) if na and nb else 0.0
        outcomes[name] = {
            "a": pa,
            "b": pb,
            "difference": round(pb - pa, 6),
            "z": round((pb - pa) / se, 3) if se else None,
        }
    times = {}
    for key in ("time_to_meeting_days", "time_to_outcome_days"):
        ma, mb = a[key]["median"], b[key]["median"]
        times[key] = {"a": ma, "b": mb, "difference": None if ma is None or mb is None else round(mb - ma, 3)}
    return {
        "a": a["scenario"].get("name", "A"),
        "b": b["scenario"].get("name", "B"),
        "outcomes": outcomes,
        "median_times": times,
    }


def compare_table(diff: Mapping[str, Any]) -> str:
    """A plain-text table of `compare`'s result.

    Raises:
        InvalidInput: `diff` is not what `compare` returns.
    """
    arguments.mapping("compare_table", "diff", diff, "what compare returns (a mapping)")
    try:
        return _compare_table(diff)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InvalidInput(
            f"compare_table: diff is not what compare returns ({cut(repr(error), 120)})", field="diff"
        ) from None


def _compare_table(diff: Mapping[str, Any]) -> str:
    lines = [f"{diff['a']} (A) against {diff['b']} (B)"]
    lines.append(f"{'outcome':<14}{'A':>9}{'B':>9}{'B - A':>10}{'z':>8}")
    for name, o in diff["outcomes"].items():
        z = "-" if o["z"] is None else f"{o['z']:.1f}"
        lines.append(f"{name:<14}{o['a']:>9.1%}{o['b']:>9.1%}{o['difference'] * 100:>+9.1f}%{z:>8}")
    for key, t in diff["median_times"].items():
        label = key.removesuffix("_days").replace("_", " ")
        d = "-" if t["difference"] is None else f"{t['difference']:+.1f}"
        lines.append(f"median {label} (days): A {_fmt(t['a'])}, B {_fmt(t['b'])}, B - A {d}")
    return "\n".join(lines)
