"""What conformance checking found: per case the events that broke a rule, per rule the cases, and fitness."""

from __future__ import annotations

from collections import Counter
from typing import Any

from attrs import frozen

from .._lifecycle import Stage
from .._values import Case


@frozen(kw_only=True, weakref_slot=False)
class Violation:
    """One event of a log that the rules refuse, or that they do not add where the log has it.

    Attributes:
        case_id: the case.
        position: the event's place in the case's trace, from 1.
        activity: the event's activity, as the log names it.
        where: where the event is in the file (``line 12``).
        rule: the rule it breaks: a rule id (``R3``), ``stage:<stage>`` when the stage the
            case was in does not take the event (``stage:consent``), or ``unknown`` when
            the event names someone or something the case does not know.
        stage: the stage the case was in, as the rules rebuilt it (``None`` before it opened).
        hint: what the rules say, in words.
    """

    case_id: str
    position: int
    activity: str
    where: str
    rule: str
    stage: Stage | None
    hint: str

    def __str__(self) -> str:
        stage = f" in stage {self.stage.value}" if self.stage is not None else ""
        return f"{self.case_id}, event {self.position} {self.activity} ({self.where}): {self.rule}{stage}: {self.hint}"

    def to_data(self) -> dict[str, Any]:
        """The violation as JSON-ready data."""
        return {
            "case": self.case_id,
            "position": self.position,
            "activity": self.activity,
            "where": self.where,
            "rule": self.rule,
            "stage": None if self.stage is None else self.stage.value,
            "hint": self.hint,
        }


@frozen(kw_only=True, weakref_slot=False)
class CaseConformance:
    """How one case of the log went through the rules.

    Attributes:
        case_id: the case.
        events: how many events its trace holds.
        fitting: how many of them replayed without a violation.
        violations: every event that broke a rule, in order (after the first, the replay
            goes on, so later ones may follow from it).
        case: the case as the rules rebuilt it from the log (``None`` if it never opened).
    """

    case_id: str
    events: int
    fitting: int
    violations: tuple[Violation, ...]
    case: Case | None = None

    @property
    def fitness(self) -> float:
        """The share of the case's events that replayed without a violation."""
        return self.fitting / self.events if self.events else 1.0

    @property
    def first(self) -> Violation | None:
        """The first event that broke a rule, or ``None`` for a case that follows the rules."""
        return self.violations[0] if self.violations else None

    @property
    def conforms(self) -> bool:
        """Whether every event of the case replayed without a violation."""
        return not self.violations

    def to_data(self) -> dict[str, Any]:
        """The case's result as JSON-ready data: its fitness and first violation."""
        first = self.first
        return {
            "case": self.case_id,
            "events": self.events,
            "fitting": self.fitting,
            "fitness": round(self.fitness, 6),
            "violations": len(self.violations),
            "first": None if first is None else first.to_data(),
        }


@frozen(kw_only=True, weakref_slot=False)
class RuleCount:
    """How many cases first broke one rule.

    Attributes:
        rule: the rule, as `Violation.rule` names it.
        cases: the cases whose first violation it is.
        share: their share of all cases in the log.
    """

    rule: str
    cases: int
    share: float


@frozen(kw_only=True, weakref_slot=False)
class Conformance:
    """What checking a log against the rules found.

    Attributes:
        cases: one result per case, in the log's order.
        source: the file the log was read from.
        format: the format it was read as.
    """

    cases: tuple[CaseConformance, ...]
    source: str = ""
    format: str = ""

    @property
    def events(self) -> int:
        """How many events the log holds."""
        return sum(c.events for c in self.cases)

    @property
    def fitting(self) -> int:
        """How many events replayed without a violation."""
        return sum(c.fitting for c in self.cases)

    @property
    def fitness(self) -> float:
        """The share of the log's events that replayed without a violation."""
        events = self.events
        return self.fitting / events if events else 1.0

    @property
    def conforming(self) -> int:
        """How many cases replayed without any violation."""
        return sum(1 for c in self.cases if c.conforms)

    @property
    def violations(self) -> tuple[Violation, ...]:
        """The first violation of each case that has one, in the log's order."""
        return tuple(c.violations[0] for c in self.cases if c.violations)

    @property
    def rules(self) -> tuple[RuleCount, ...]:
        """Per rule, the cases whose first violation breaks it, most cases first."""
        counts = Counter(v.rule for v in self.violations)
        total = len(self.cases) or 1
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], _order(kv[0])))
        return tuple(RuleCount(rule=rule, cases=n, share=n / total) for rule, n in ordered)

    def to_data(self) -> dict[str, Any]:
        """The whole result as JSON-ready data: totals, the summary per rule, and every case."""
        return {
            "log": self.source,
            "format": self.format,
            "cases": len(self.cases),
            "conforming_cases": self.conforming,
            "events": self.events,
            "fitting_events": self.fitting,
            "fitness": round(self.fitness, 6),
            "rules": [{"rule": r.rule, "cases": r.cases, "share": round(r.share, 6)} for r in self.rules],
            "per_case": [c.to_data() for c in self.cases],
        }

    def report(self) -> str:
        """The result in words: totals, the summary per rule, and the first violation of each case."""
        cases = len(self.cases)
        lines = [
            f"{self.source or 'log'} ({self.format or 'log'}): {cases:,} cases, {self.events:,} events",
            f"cases that follow the rules: {self.conforming:,} of {cases:,} "
            f"({_percent(self.conforming / (cases or 1))})",
            f"fitness: {_percent(self.fitness)} "
            f"({self.fitting:,} of {self.events:,} events replayed without a violation)",
        ]
        if not self.violations:
            lines.append("violations: none")
            return "\n".join(lines) + "\n"
        lines.append("first violation per case, by rule:")
        width = max(len(r.rule) for r in self.rules)
        for r in self.rules:
            noun = "case" if r.cases == 1 else "cases"
            lines.append(f"  {r.rule:<{width}}  {r.cases:>6,} {noun:<5} ({_percent(r.share)})")
        lines.append("cases that break a rule (their first violation, and the case's fitness):")
        for result in self.cases:
            if result.first is not None:
                lines.append(f"  {result.first} [fitness {_percent(result.fitness)}]")
        return "\n".join(lines) + "\n"


def _percent(share: float) -> str:
    return f"{100 * share:.1f} %"


def _order(rule: str) -> tuple[int, str]:
    """Rule ids in number order (R2 before R10), then the other labels."""
    if rule.startswith("R") and rule[1:].isdigit():
        return (int(rule[1:]), "")
    return (1000, rule)
