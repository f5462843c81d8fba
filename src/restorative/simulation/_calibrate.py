"""Calibration: a scenario fitted to a log of cases, and how well it reproduces the log.

`calibrate` reads the log with the conformance reader (`restorative.conformance.read_log`),
walks every case the way the simulator acts (`_observe`), and estimates the case mix and
each behaviour probability as a share of those who had the chance (Wilson intervals),
the weekly withdrawal by maximum likelihood, and each step's duration by maximum
likelihood for every distribution a scenario supports, keeping the one with the lowest
AIC (`_fit`). What the log does not show is kept from the base scenario and listed.
`Calibration.fit_report` simulates the fitted scenario and sets its KPIs beside the log's.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import Any

import attrs
from attrs import field, frozen

from .. import _arguments as arguments
from .._checks import shown
from ..conformance import EventLog, LogMapping, read_log
from ..errors import InvalidInput, LogError, ScenarioError
from ._agent import simulate_case
from ._fit import SHAPES, Candidate, Parameter, fit, minor_share, proportion, standard_errors, weekly_rate
from ._observe import CaseSummary, Observed
from ._report import FitReport, report, summary
from ._scenario import STAGES_WITH_WITHDRAWAL, Distribution, Durations, Scenario
from ._toml import scenario_toml

_DAY = 86_400.0
_Z95 = 1.959963984540054
_YEAR = 365.25


@frozen(kw_only=True)
class StepFit:
    """The fit of one step's durations (a field of `Durations`).

    Args:
        step: the field, e.g. ``wait``.
        n: how many durations the log holds for it.
        candidates: each distribution fitted, with its log-likelihood and AIC.
        chosen: the distribution the scenario now has (lowest AIC), or ``None`` when the
            step was kept from the base scenario.
        interrupted: how many times a withdrawal ended the case while this step was under
            way. In a real log those durations are cut short (right-censored) and left out,
            which biases the fit short when the count is large; the simulator draws a
            withdrawal before the step it replaces, so its own logs carry no such bias.
        note: why the step was kept, or what to know about its fit.
    """

    step: str
    n: int
    candidates: tuple[Candidate, ...]
    chosen: str | None
    interrupted: int
    note: str = ""


_NOTES = {
    "report": "an item is reported no later than an hour before its deadline, which the log does not carry: "
    "reports cut at the deadline make this fit short when deadlines are near",
    "end_cooling_off": "measured as the time from the start of the cooling-off period to binding, less the "
    "policy's cooling-off days",
    "withdraw": "from entering a stage to a withdrawal drawn then, in referred, consent, preparation, meeting and "
    "follow-up (in agreement and cooling-off the simulator moves it within the stage's known end)",
}
_UNSEEN = {
    "item_deadline": "the log does not carry items' deadlines",
    "overdue_check": "the log does not carry items' deadlines",
}
_KEPT = {
    "mix.criminal_minor_ages": "the log carries no ages",
    "mix.civil_minor_ages": "the log carries no ages",
    "behaviour.dispense": "whether staff may dispense depends on the minor's age, which the log does not carry",
    "behaviour.channels": "the log does not carry the channel of a talk",
    "policy": "the policy is not estimated: give the base scenario of the service the log comes from",
}


@frozen(kw_only=True)
class Calibration:
    """A scenario fitted to a log, with every estimate and how it was made.

    Args:
        scenario: the fitted scenario, ready for `simulate` (or `to_toml`).
        parameters: every estimated value, by dotted scenario key, with its standard
            error, 95 % interval and sample size.
        steps: the fit of each step's durations, with every candidate distribution.
        kept: ``(key, reason)`` of each value taken from the base scenario because the log
            does not show it.
        cases: how many cases the log holds.
        events: how many events.
        source: the log's file, as given (empty for a log passed in as an `EventLog`
            without a source).
        sha256: the SHA-256 of the log's bytes (empty when it was not read from a file).
        format: the format it was read as.
    """

    scenario: Scenario
    parameters: tuple[Parameter, ...]
    steps: tuple[StepFit, ...]
    kept: tuple[tuple[str, str], ...]
    cases: int
    events: int
    source: str
    sha256: str
    format: str
    observed: tuple[CaseSummary, ...] = field(eq=False, repr=False)
    """The log's cases as the fit report compares them: outcome and times."""

    def parameter(self, key: str) -> Parameter:
        """The estimate of one dotted key, e.g. ``behaviour.consent`` or ``durations.wait.median``.

        Raises:
            InvalidInput: no such key was estimated (see `kept` for what was not).
        """
        for p in self.parameters:
            if p.key == key:
                return p
        raise InvalidInput(
            f"calibration: {key!r} was not estimated; estimated keys include {self.parameters[0].key}", field="key"
        )

    def to_toml(self, when: datetime | None = None) -> str:
        """The fitted scenario as TOML that `Scenario.from_toml` and ``restorative simulate`` read back.

        Comments say which log it was calibrated from (file name and SHA-256), `when` (if
        given), how many cases, and each value's interval and sample size.
        """
        return scenario_toml(self, when)

    def fit_report(self, cases: int | None = None, seed: int | None = None) -> FitReport:
        """Simulate the fitted scenario and set its KPIs beside the log's.

        Args:
            cases: how many cases to simulate (default: as many as the log holds, and at
                least `CHECK_CASES`, so that the simulated shares carry little noise of
                their own and the observed intervals are what the comparison reads).
            seed: the seed (default: the scenario's).

        Returns:
            Observed against simulated outcome shares with their Wilson intervals, the
            times to meeting and to outcome, and the earth mover's distance between them.
        """
        if cases is not None:
            arguments.count("fit_report", "cases", cases, 1)
        if seed is not None:
            arguments.count("fit_report", "seed", seed)
        scenario = self.scenario.replace(
            cases=cases if cases is not None else max(self.cases, CHECK_CASES),
            seed=seed if seed is not None else self.scenario.seed,
        )
        simulated = [summary(*simulate_case(scenario, index)) for index in range(scenario.cases)]
        return report(self.observed, simulated, scenario.seed)


CHECK_CASES = 10_000
"""The fewest cases the fit report simulates by default."""


def calibrate(
    log: EventLog | str | PathLike[str],
    *,
    base: Scenario | None = None,
    distributions: Sequence[str] = SHAPES,
    format: str | None = None,
    mapping: LogMapping | str | PathLike[str] | None = None,
) -> Calibration:
    """Fit a scenario to a log of cases.

    Args:
        log: an `EventLog` (from `restorative.conformance.read_log`) or the log's file:
            the library's CSV, XES or OCEL 2.0 JSON, or another system's CSV with `mapping`.
        base: the scenario whose values are kept where the log does not show them (its
            policy, the minors' ages, items' deadlines, ...); default `Scenario()`. Its
            `resources` are not kept: the durations a log shows include the waiting, so
            the fitted scenario has none (add a capacity model to it by hand, with
            durations that leave the waits out).
        distributions: the shapes each step's durations are fitted with (any of
            ``fixed``, ``uniform``, ``triangular``, ``exponential``, ``lognormal``); each
            step takes the one with the lowest AIC.
        format: the log's format, when its name does not say (``csv``, ``xes``, ``ocel``).
        mapping: how to read another system's CSV: a `LogMapping` or its TOML file.

    Returns:
        The fitted scenario with every estimate, its interval and sample size.

    Raises:
        LogError: the log cannot be read, or holds no case.
        InvalidInput: an argument of the wrong type, or an unknown distribution.
        MissingExtra: SciPy is not installed (``pip install 'restorative[calibrate]'``).
    """
    arguments.instance("calibrate", "log", log, (EventLog, str, PathLike), "a log's file or an EventLog")
    base = arguments.optional("calibrate", "base", base, Scenario, "a Scenario or None")
    if base is None:
        base = Scenario()
    if isinstance(distributions, str | bytes) or not isinstance(distributions, Sequence) or not distributions:
        arguments.refuse(
            "calibrate", "distributions", f"a list of distribution names ({', '.join(SHAPES)})", distributions
        )
    for name in distributions:
        if name not in SHAPES:
            raise InvalidInput(
                f"calibrate: unknown distribution {shown(name)}; choose from {', '.join(SHAPES)}",
                field="distributions",
            )
    arguments.optional("calibrate", "format", format, str, "csv, xes, ocel or None")
    arguments.optional("calibrate", "mapping", mapping, (LogMapping, str, PathLike), "a LogMapping, its file, or None")
    sha256 = ""
    if isinstance(log, EventLog):
        events_log = log
    else:
        events_log = read_log(log, format=format, mapping=mapping)
        sha256 = _sha256(Path(log))
    if not events_log.traces or events_log.events == 0:
        raise LogError(events_log.source or str(log), "holds no case to calibrate from")
    seen = Observed(base.policy, base.behaviour.max_adjournments)
    for trace in events_log.traces:
        seen.add(trace)
    return _Estimation(seen, base, tuple(distributions), events_log, sha256).run()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Estimation:
    def __init__(self, seen: Observed, base: Scenario, shapes: tuple[str, ...], log: EventLog, sha256: str) -> None:
        self.seen = seen
        self.base = base
        self.shapes = shapes
        self.log = log
        self.sha256 = sha256
        self.parameters: list[Parameter] = []
        self.kept: list[tuple[str, str]] = []

    def share(self, key: str) -> float | None:
        """The estimate of a probability the walk counted, or ``None`` (kept) if nobody had the chance."""
        tally = self.seen.choices.get(key)
        if tally is None or tally[1] == 0:
            self.kept.append((key, "no case in the log had the chance"))
            return None
        p = proportion(key, tally[0], tally[1])
        self.parameters.append(p)
        return p.value

    def shares(self, key: str, counts: Counter[Any]) -> tuple[tuple[Any, float], ...] | None:
        """Shares of a categorical mix (sources, parties, items), summing to 1, or ``None`` (kept)."""
        n = sum(counts.values())
        if n == 0:
            self.kept.append((key, "the log does not say"))
            return None
        ordered = sorted(counts)
        values: list[tuple[Any, float]] = []
        for category in ordered:
            p = proportion(f"{key}.{category}", counts[category], n)
            self.parameters.append(p)
            values.append((category, p.value))
        head = [(c, v) for c, v in values[:-1]]
        last = round(1.0 - sum(v for _, v in head), 6)
        return (*head, (values[-1][0], max(last, 0.0)))

    def run(self) -> Calibration:
        seen, base = self.seen, self.base
        mix_changes: dict[str, Any] = {}
        kinds = seen.kinds
        if sum(kinds.values()):
            p = proportion("mix.criminal", kinds["criminal"], sum(kinds.values()))
            self.parameters.append(p)
            mix_changes["criminal"] = p.value
        else:
            self.kept.append(("mix.criminal", "the log does not say which cases are criminal"))
        for kind in ("criminal", "civil"):
            found = self.shares(f"mix.{kind}_sources", seen.sources[kind])
            if found is not None:
                mix_changes[f"{kind}_sources"] = found
        found = self.shares("mix.parties", seen.parties)
        if found is not None:
            mix_changes["parties"] = found
        self.minors(mix_changes)
        for key in ("admission_at_referral", "support", "interpreter", "guardian_attends"):
            value = self.share(f"mix.{key}")
            if value is not None:
                mix_changes[key] = value
        behaviour: dict[str, Any] = {}
        for key in (
            "decline",
            "consent",
            "guardian_consent",
            "conflict",
            "adjourn",
            "agreement",
            "fulfil_item",
            "report_breach",
        ):
            value = self.share(f"behaviour.{key}")
            if value is not None:
                behaviour[key] = value
        if not base.policy.preparatory_talks_required:
            value = self.share("behaviour.optional_talks")
            if value is not None:
                behaviour["optional_talks"] = value
        withdrawal = dict(base.behaviour.withdrawal)
        for stage in STAGES_WITH_WITHDRAWAL:
            value = self.share(f"behaviour.withdrawal.{stage}")
            if value is not None:
                withdrawal[stage] = value
        behaviour["withdrawal"] = tuple(withdrawal.items())
        self.weekly(behaviour)
        items = self.shares("behaviour.items", seen.items)
        if items is not None:
            behaviour["items"] = items
        behaviour["max_adjournments"] = max(base.behaviour.max_adjournments, seen.adjournments_seen)
        durations, steps = self.durations()
        for key, reason in _KEPT.items():
            self.kept.append((key, reason))
        top = self.top()
        try:
            scenario = base.replace(
                mix=attrs.evolve(base.mix, **mix_changes),
                behaviour=attrs.evolve(base.behaviour, **behaviour),
                durations=durations,
                resources=None,  # the fitted durations hold the waits already: a pool would count them twice
                **top,
            )
        except (ScenarioError, InvalidInput) as error:  # a fit the reader would refuse: a bug to report
            raise LogError(self.log.source, f"the fitted scenario does not check out: {error}") from None
        return Calibration(
            scenario=scenario,
            parameters=tuple(self.parameters),
            steps=tuple(steps),
            kept=tuple(self.kept),
            cases=seen.cases,
            events=self.log.events,
            source=self.log.source,
            sha256=self.sha256,
            format=self.log.format,
            observed=tuple(seen.summaries),
        )

    def minors(self, mix: dict[str, Any]) -> None:
        key = "mix.minors"
        if key in self.seen.choices:  # the log says who is a minor (OCEL): a plain share
            value = self.share(key)
            if value is not None:
                mix["minors"] = value
            return
        found = minor_share(self.seen.minors)
        if found is None:
            self.kept.append((key, "no case in the log shows whether it has a minor"))
            return
        m, se = found
        value = float(f"{m:.6g}")
        self.parameters.append(
            Parameter(
                key=key,
                value=value,
                se=se,
                low=max(0.0, m - _Z95 * se),
                high=min(1.0, m + _Z95 * se),
                n=len(self.seen.minors),
                method="maximum likelihood over the parties whose consent shows whether they are minors",
            )
        )
        mix["minors"] = value

    def weekly(self, behaviour: dict[str, Any]) -> None:
        key = "behaviour.weekly_withdrawal"
        found = weekly_rate(self.seen.weekly)
        if found is None:
            self.kept.append((key, "no step in a waiting stage took any time"))
            return
        w, se = found
        value = float(f"{w:.6g}")
        n = len(self.seen.weekly)
        self.parameters.append(
            Parameter(
                key=key,
                value=value,
                se=se,
                low=max(0.0, w - _Z95 * se),
                high=min(1.0, w + _Z95 * se),
                n=n,
                method="maximum likelihood of a constant weekly hazard over the steps of the waiting stages",
            )
        )
        behaviour["weekly_withdrawal"] = min(max(value, 0.0), 1.0)

    def durations(self) -> tuple[Durations, list[StepFit]]:
        base = self.base.durations
        changes: dict[str, Distribution] = {}
        steps: list[StepFit] = []
        for f in attrs.fields(Durations):
            name = f.name
            samples = [max(x, 0.0) for x in self.seen.durations.get(name, [])]
            interrupted = self.seen.interrupted[name]
            if name in _UNSEEN:
                self.kept.append((f"durations.{name}", _UNSEEN[name]))
                steps.append(StepFit(step=name, n=0, candidates=(), chosen=None, interrupted=0, note=_UNSEEN[name]))
                continue
            candidates, chosen = fit(samples, self.shapes)
            note = _NOTES.get(name, "")
            if chosen is None:
                why = "no duration in the log" if not samples else "too few durations, or none of the shapes fits"
                self.kept.append((f"durations.{name}", why))
                steps.append(
                    StepFit(
                        step=name, n=len(samples), candidates=candidates, chosen=None, interrupted=interrupted, note=why
                    )
                )
                continue
            params = next(c.params for c in candidates if c.dist == chosen)
            try:
                changes[name] = Distribution.of(chosen, **dict(params))
            except ScenarioError as error:
                why = f"the best fit is outside what a scenario takes ({error})"
                self.kept.append((f"durations.{name}", why))
                steps.append(
                    StepFit(
                        step=name, n=len(samples), candidates=candidates, chosen=None, interrupted=interrupted, note=why
                    )
                )
                continue
            self.parameters.extend(standard_errors(f"durations.{name}", chosen, params, samples))
            steps.append(
                StepFit(
                    step=name, n=len(samples), candidates=candidates, chosen=chosen, interrupted=interrupted, note=note
                )
            )
        return attrs.evolve(base, **changes), steps

    def top(self) -> dict[str, Any]:
        seen = self.seen
        name = Path(self.log.source).name if self.log.source else "a log"
        top: dict[str, Any] = {
            "name": f"calibrated from {name}"[:200],
            "description": f"Fitted by restorative calibrate to {seen.cases} cases of {name}.",
            "cases": seen.cases,
        }
        times = sorted(seen.referrals)
        if len(times) >= 2 and times[-1] > times[0]:
            years = (times[-1] - times[0]).total_seconds() / _DAY / _YEAR
            rate = float(f"{(len(times) - 1) / years:.6g}")
            if rate >= 1 and seen.cases / rate <= 1000:
                top["referrals_per_year"] = rate
                self.parameters.append(
                    Parameter(
                        key="referrals_per_year",
                        value=rate,
                        se=rate / math.sqrt(len(times) - 1),
                        low=None,
                        high=None,
                        n=len(times),
                        method="cases over the span of their referrals",
                    )
                )
        if times and 1946 <= times[0].year <= 7000:
            top["start"] = times[0].astimezone(UTC).replace(microsecond=0)
        for key, people in (("mediators", seen.mediators), ("staff", seen.staff)):
            if len(people) >= 2:
                top[key] = len(people)
            else:
                self.kept.append((key, "the log names fewer than two"))
        return top
