"""Replaying a trace through the real rules: each logged event as its command, sent to `decide`.

For each event of the trace, in the log's order:

1. Its time must not come before the time of the event before it (R15). If it does,
   that is the event's violation, and the event is judged at the earlier time.
2. A case in a final stage takes nothing but reports (R2).
3. The event's command (see `restorative.conformance._commands`) goes to `decide` on
   the case so far. A refusal is the event's violation, with the refusal's rule (a
   `StageError` names the stage that does not take the event); the log's event is then
   folded if it can be, so that the replay goes on, and so are the events that follow
   it at the same time and could only be its consequences.
4. The events `decide` returns after the first are matched against the log's next
   events, in any order among themselves: a report, the binding of the agreement, the
   end of the case. One the rules add and the log lacks is a violation (of the rule
   that adds it) at the log event found in its place, or at the command's own event
   when the log goes on to another step; one the log has and the rules do not add is a
   violation when its turn comes (it has no command of its own).

The case then holds what the rules decided, so every later event is judged on the case
as the rules see it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from os import PathLike
from typing import TYPE_CHECKING

from .. import events as e
from .._lifecycle import Stage
from .._policy import Policy
from .._rules import signatures_due
from .._values import ActorKind, Case
from ..errors import InvalidInput, NotPermitted, Refused, RestorativeError, StageError
from ..events import Event
from ..process._mediation import MEDIATION
from ._commands import CONSEQUENCES, FOLLOWERS, Context, command, forced
from ._log import EventLog, LogEvent, Trace
from ._result import CaseConformance, Conformance, Violation
from ._setup import Reading, coming_of_age, readings

if TYPE_CHECKING:
    from ._mapping import LogMapping

_DAWN = datetime.min.replace(tzinfo=UTC)
_decide = MEDIATION.decide
_evolve = MEDIATION.evolve
_handle = MEDIATION.handle
_replay = MEDIATION.replay


def conform(
    log: EventLog | str | PathLike[str],
    *,
    format: str | None = None,
    mapping: LogMapping | str | PathLike[str] | None = None,
    policy: Policy | None = None,
) -> Conformance:
    """Check a log of real cases against the rules: each case rebuilt through `restorative.decide`.

    Args:
        log: an `EventLog` (see `read_log`), or the file to read it from.
        format: the file's format, when `log` is a file: ``csv``, ``xes`` or ``ocel``
            (by default from its name).
        mapping: how to read another system's CSV (a `LogMapping` or its TOML file).
        policy: the policy the cases ran under (default `Policy.norway()`).

    Returns:
        Per case, every event that broke a rule and the case's fitness; for the log, the
        cases per rule and the fitness of all its events.

    Raises:
        LogError: the file cannot be read as a log of cases.
    """
    from ._files import read_log  # noqa: PLC0415 - read_log imports the readers, which are heavier

    if not isinstance(log, EventLog):
        log = read_log(log, format=format, mapping=mapping)
    chosen = Policy.norway() if policy is None else policy
    return Conformance(
        cases=tuple(conform_trace(t, policy=chosen) for t in log.traces), source=log.source, format=log.format
    )


def conform_trace(trace: Trace, *, policy: Policy | None = None) -> CaseConformance:
    """Check one case's trace against the rules (see `conform`).

    The trace is replayed under the likeliest reading of what the log leaves out; if an
    event breaks a rule, the other readings the log allows are tried too (the roles of a
    criminal case's parties, when the log does not give them), and the one under which
    the most events replay is kept. When a minor's act breaks a rule about guardians and
    the log does not date the minor's birthday, the reading in which they came of age on
    that event's day is tried too (`coming_of_age`).
    """
    chosen = Policy.norway() if policy is None else policy
    best: CaseConformance | None = None
    for reading in readings(trace, chosen):
        result = _Replay(trace, reading).run()
        if best is None or _better(result, best):
            best, kept = result, reading
        if not result.violations:
            break
    assert best is not None  # readings yields at least one
    guardians = next((v for v in best.violations if v.rule in _GUARDIAN_RULES), None)
    if guardians is not None:
        older = coming_of_age(kept, _came_of_age(trace, guardians.position, chosen), chosen)
        if older is not None:
            result = _Replay(trace, older).run()
            best = result if _better(result, best) else best
    return best


_GUARDIAN_RULES = frozenset({"R3", "R10"})
"""The rules a minor's own act can break that it no longer breaks once they come of age."""


def _came_of_age(trace: Trace, position: int, policy: Policy) -> date:
    """The earliest day a minor may have come of age, for the event at `position` to need no guardian.

    The day after the last act of a guardian before that event (a guardian acts for a
    minor only), and never later than the event's own day.
    """
    events = trace.events
    last = max((ev.at for ev in events[: position - 1] if ev.role is ActorKind.GUARDIAN), default=events[0].at)
    return min(policy.day_of(last) + timedelta(days=1), policy.day_of(events[position - 1].at))


def _better(result: CaseConformance, best: CaseConformance) -> bool:
    return (result.fitting, -len(result.violations)) > (best.fitting, -len(best.violations))


class _Replay:
    """One trace replayed under one reading."""

    def __init__(self, trace: Trace, reading: Reading) -> None:
        self.trace = trace
        self.reading = reading
        self.events = trace.events
        self.violations: list[Violation] = []
        self.fitting = 0
        self.last = _DAWN
        self.case: Case | None = None

    def run(self) -> CaseConformance:
        events = self.events
        i = 0
        count = len(events)
        while i < count:
            ev = events[i]
            at, late = self._time(ev)
            if self.case is None:
                i = self._open(i, ev, at, late)
                continue
            i = self._step(i, ev, at, late)
        return CaseConformance(
            case_id=self.trace.case_id,
            events=count,
            fitting=self.fitting,
            violations=tuple(self.violations),
            case=self.case,
        )

    # --- time and violations -----------------------------------------------------------

    def _time(self, ev: LogEvent) -> tuple[datetime, bool]:
        """The time to judge the event at, and whether the log's time goes backwards (R15)."""
        if ev.at < self.last:
            return self.last, True
        self.last = ev.at
        return ev.at, False

    def _violate(self, ev: LogEvent, rule: str, hint: str) -> None:
        stage = None if self.case is None else self.case.stage
        self.violations.append(
            Violation(
                case_id=self.trace.case_id,
                position=ev.position,
                activity=ev.activity,
                where=ev.where,
                rule=rule,
                stage=stage,
                hint=hint,
            )
        )

    def _backwards(self, ev: LogEvent) -> None:
        self._violate(
            ev,
            "R15",
            f"time never goes backwards: the event is logged at {ev.at.isoformat()}, "
            f"before the event before it ({self.last.isoformat()})",
        )

    # --- the opening -------------------------------------------------------------------

    def _open(self, i: int, ev: LogEvent, at: datetime, late: bool) -> int:
        opening = self.reading.opening
        logged = ev.event is e.CaseReferred
        try:
            (referred,) = _decide(None, opening)
            self.case = _evolve(None, referred)
        except (Refused, InvalidInput) as error:
            referred = e.CaseReferred(
                actor=opening.actor,
                at=opening.at,
                case_id=opening.case_id,
                referral=opening.referral,
                parties=opening.parties,
                policy=opening.policy,
            )
            self.case = _evolve(None, referred)
            if logged:
                self._refused(ev, error)
        else:
            if logged:
                self.fitting += 1
        self._implicit(referred)
        return i + 1 if logged else i

    def _implicit(self, referred: Event) -> None:
        """The staff and mediators a log that records no assignments shows acting: assigned from the start."""
        case = self.case
        assert case is not None
        actor, at = referred.actor, referred.at
        folded: list[Event] = [
            e.StaffAssigned(actor=actor, at=at, staff_id=s) for s in self.reading.staff if s not in case.staff
        ]
        folded += [e.MediatorAssigned(actor=actor, at=at, mediator_id=m) for m in self.reading.mediators]
        if folded:
            self.case = _replay(folded, start=case)

    # --- one step ------------------------------------------------------------------------

    def _step(self, i: int, ev: LogEvent, at: datetime, late: bool) -> int:
        case = self.case
        assert case is not None
        context = Context(ev, self.reading, case, at)
        if late:
            self._backwards(ev)
        if case.stage.is_final and ev.event is not e.ReportSent:
            if not late:
                self._violate(ev, "R2", f"the case is {case.stage.value}, a final stage; nothing follows it")
            return self._drag(i + 1, ev)
        try:
            made = command(context)
        except InvalidInput as error:
            if not late:
                self._violate(ev, "unknown", str(error))
            return self._drag(i + 1, ev)
        if made is None:  # an event no command starts with, where the rules did not add it
            if not late:
                self._violate(ev, CONSEQUENCES.get(ev.event, "R15"), f"the rules do not add {ev.event.__name__} here")
            self._fold(forced(ev.event, None, context))
            return self._drag(i + 1, ev)
        try:
            after, decided = _handle(case, made)
        except (Refused, InvalidInput) as error:
            if not late:
                self._refused(ev, error)
            self._fold(forced(ev.event, made, context))
            return self._drag(i + 1, ev)
        self.case = after  # what the rules decided, whatever the log shows next
        return self._match(i, ev, late, decided)

    def _refused(self, ev: LogEvent, error: RestorativeError) -> None:
        case = self.case
        if ev.event is e.AgreementBound and case is not None and case.stage is Stage.AGREEMENT and case.agreement:
            missing = [due.label for due in signatures_due(case)]  # it binds once everyone has signed (R10)
            self._violate(ev, "R10", f"the agreement does not bind yet: {', '.join(missing)} must sign first")
            return
        if isinstance(error, StageError):
            stage = error.stage
            rule = error.rule or (f"stage:{stage.value}" if stage is not None else "stage")
            hint = f"{ev.event.__name__} is not possible in stage {stage.value if stage else '(none)'}; {error.hint}"
        elif isinstance(error, NotPermitted):
            rule, hint = "R14", f"{error.actor} is not permitted: {error.hint}"
        elif isinstance(error, Refused):
            rule, hint = error.rule or "R15", error.hint
        else:
            rule, hint = "unknown", str(error)
        self._violate(ev, rule, hint)

    def _fold(self, event: Event | None) -> None:
        if event is None or self.case is None:
            return
        with contextlib.suppress(RestorativeError):  # the log's event cannot be folded either: it is skipped
            self.case = _evolve(self.case, event)

    def _drag(self, j: int, ev: LogEvent) -> int:
        """Fold, without judging them again, the events after a refused one that can only be its consequences."""
        events = self.events
        while j < len(events) and events[j].event in FOLLOWERS and events[j].at == ev.at and self.case is not None:
            follower = events[j]
            self._time(follower)
            self._fold(forced(follower.event, None, Context(follower, self.reading, self.case, ev.at)))
            j += 1
        return j

    def _match(self, i: int, ev: LogEvent, late: bool, decided: Sequence[Event]) -> int:
        """Match the decided events (folded already) against the log from event `i`."""
        events = self.events
        pending = list(decided)
        subjects = self.reading.subjects
        j = i
        clean = 0
        while pending and j < len(events):
            logged = events[j]
            k = next((n for n, d in enumerate(pending) if _same(d, logged, subjects[logged.position - 1])), None)
            if k is None:
                break
            pending.pop(k)
            if j > i and self._time(logged)[1]:
                self._backwards(logged)
            elif j > i or not late:
                clean += 1
            j += 1
        if not pending:
            self.fitting += clean
            return j
        missing = pending[0]
        rule = CONSEQUENCES.get(type(missing), "R15")
        said = f"{_name(missing)}: {MEDIATION.describe(missing)}"
        if j < len(events) and events[j].event in FOLLOWERS and events[j].at == ev.at:
            instead = events[j]
            self.fitting += clean
            self._violate(instead, rule, f"the rules have {said} here, not {instead.activity}")
            return self._drag(j + 1, ev)
        self.fitting += clean - (0 if late or j == i else 1)
        self._violate(ev, rule, f"the rules add {said} after it; the log does not show it")
        return max(j, i + 1)


def _name(event: Event) -> str:
    """An event's activity as the log names it: its class, or a report's kind."""
    if isinstance(event, e.ReportSent):
        return f"Report {event.report.kind.value}"
    return type(event).__name__


def _same(decided: Event, logged: LogEvent, subjects: dict[str, str]) -> bool:
    """Whether a decided event is the logged one: the same kind, and the same subject where the log names one."""
    if type(decided) is not logged.event:
        return False
    if isinstance(decided, e.ReportSent):
        return logged.report is None or logged.report is decided.report.kind
    for qualifier, name in _SUBJECT_FIELDS.get(logged.event, ()):
        named = subjects.get(qualifier)
        if named and named != getattr(decided, name):
            return False
    return True


_SUBJECT_FIELDS: dict[type[Event], tuple[tuple[str, str], ...]] = {
    e.PartyWithdrew: (("party", "party_id"),),
    e.ItemBreached: (("item", "item_id"),),
    e.ItemFulfilled: (("item", "item_id"),),
    e.ParticipantApproved: (("participant", "participant_id"), ("party", "party_id")),
    e.AgreementSigned: (("signer", "signer_id"),),
    e.ConsentGiven: (("party", "party_id"),),
    e.PartyInformed: (("party", "party_id"),),
}
