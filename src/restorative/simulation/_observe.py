"""What a log of cases shows of a scenario: each step's durations and each choice's outcomes.

The simulator (`_agent`) takes its steps one after the other, each from the time of the
event before it, so a step's duration is the time from the event before it to the event
it produces: ``PartyInformed`` to ``ConsentGiven`` is a ``consent``, ``MeetingScheduled``
to the first event of the meeting is a ``wait``. A withdrawal drawn on entering a stage
comes before any step of that stage, after ``withdraw`` days; one drawn by the week comes
at the end of a step in a waiting stage, at the same moment as that step's event. The walk
below reads the log by those same rules, so every figure it gathers measures what the
scenario's parameter means.

A duration the log does not hold (an item's deadline, the check after it, the age of a
minor, the channel of a talk) is not observed; the calibration keeps the base scenario's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from .._lifecycle import MEDIATION, Stage
from .._policy import Policy
from .._values import ActorKind, CaseKind
from ..conformance import LogEvent, Trace
from ..events import (
    AdmissionRecorded,
    AgreementBound,
    AgreementRecorded,
    AgreementSigned,
    CaseAccepted,
    CaseBreached,
    CaseDeclined,
    CaseFulfilled,
    CaseReferred,
    CaseWithdrawn,
    ConfidentialityAgreed,
    ConflictDeclared,
    ConsentGiven,
    CoolingOffStarted,
    Event,
    GuardianConsentDispensed,
    GuardianConsentGiven,
    ItemBreached,
    ItemFulfilled,
    MediatorAssigned,
    MediatorReleased,
    MeetingAdjourned,
    MeetingHeld,
    MeetingScheduled,
    NoAgreementRecorded,
    ParticipantDisclosed,
    ParticipantProposed,
    PartyInformed,
    PartyWithdrew,
    PreparationStarted,
    PreparatoryTalkHeld,
    ReportSent,
)

_DAY = 86_400.0
_WAITING = frozenset({Stage.CONSENT, Stage.PREPARATION, Stage.MEETING})
"""The stages in which the weekly chance of a withdrawal applies (as in `_agent`)."""
_UNCUT = frozenset({Stage.REFERRED, Stage.CONSENT, Stage.PREPARATION, Stage.MEETING, Stage.FOLLOW_UP})
"""Stages whose withdrawal comes after a whole ``withdraw`` duration; in agreement and cooling-off
the simulator moves it within the known end of the stage, so those are not ``withdraw`` samples."""
_COMPANIONS: frozenset[type[Event]] = frozenset({ReportSent, CaseWithdrawn, CaseFulfilled, CaseBreached})
"""Events that come with another at the same moment, from the same command: never a step of their own."""
_STEPS: dict[type[Event], str] = {
    CaseAccepted: "accept",
    CaseDeclined: "accept",
    MediatorAssigned: "assign",
    PartyInformed: "inform",
    AdmissionRecorded: "inform",
    ConsentGiven: "consent",
    GuardianConsentGiven: "consent",
    GuardianConsentDispensed: "consent",
    PreparatoryTalkHeld: "talk",
}
"""Steps measured from whatever event came before them."""
_PENDING: dict[type[Event], str] = {
    CaseReferred: "accept",
    CaseAccepted: "assign",
    MediatorReleased: "assign",
    MediatorAssigned: "inform",
    ConsentGiven: "inform",
    GuardianConsentGiven: "inform",
    GuardianConsentDispensed: "inform",
    AdmissionRecorded: "inform",
    PartyInformed: "consent",
    PreparationStarted: "talk",
    PreparatoryTalkHeld: "schedule",
    MeetingScheduled: "wait",
    MeetingHeld: "agree",
    AgreementRecorded: "sign",
    AgreementSigned: "sign",
    AgreementBound: "report",
    ItemFulfilled: "report",
}
"""The step the simulator takes next after each event: the one a withdrawal then cuts short."""


class CaseSummary:
    """The observed figures of one case that the fit report compares: outcome and times in days."""

    __slots__ = ("meeting", "outcome", "to_outcome")

    def __init__(self, outcome: str, meeting: float | None, to_outcome: float | None) -> None:
        self.outcome = outcome
        self.meeting = meeting
        self.to_outcome = to_outcome


class Observed:
    """Everything the walk gathers from a log, filled trace by trace."""

    def __init__(self, policy: Policy, max_adjournments: int) -> None:
        self.policy = policy
        self.max_adjournments = max_adjournments
        self.cases = 0
        self.durations: dict[str, list[float]] = {}
        self.interrupted: Counter[str] = Counter()
        self.choices: dict[str, list[int]] = {}
        """``key -> [successes, trials]``, keyed by the scenario's dotted key."""
        self.weekly: list[tuple[float, bool]] = []
        self.minors: list[tuple[bool, float]] = []
        """Cases whose log does not say who is a minor: ``(minor found, share of the places a minor
        could take that the log shows free of one)`` (see `_fit.minor_share`)."""
        self.kinds: Counter[str] = Counter()
        self.sources: dict[str, Counter[str]] = {"criminal": Counter(), "civil": Counter()}
        self.parties: Counter[int] = Counter()
        self.items: Counter[int] = Counter()
        self.referrals: list[datetime] = []
        self.mediators: set[str] = set()
        self.staff: set[str] = set()
        self.summaries: list[CaseSummary] = []
        self.adjournments_seen = 0

    def duration(self, step: str, days: float) -> None:
        self.durations.setdefault(step, []).append(days)

    def choice(self, key: str, success: bool) -> None:
        tally = self.choices.setdefault(key, [0, 0])
        tally[0] += success
        tally[1] += 1

    def add(self, trace: Trace) -> None:
        """Walk one case's events and add what they show."""
        _Walk(self, trace).run()


class _Walk:
    """One trace, walked through the stages the way the simulator took them."""

    def __init__(self, seen: Observed, trace: Trace) -> None:
        self.seen = seen
        self.trace = trace

    def run(self) -> None:
        seen, trace = self.seen, self.trace
        events = trace.events
        if not events:
            return
        seen.cases += 1
        known = trace.known
        kind = known.kind
        first = events[0]
        received = first.at
        seen.referrals.append(received)
        if kind is not None:
            seen.kinds[kind.value] += 1
            if known.source is not None:
                seen.sources[kind.value][known.source.value] += 1
        parties = known.parties
        if parties is None and first.event is CaseReferred:
            parties = len(first.all("party")) or None
        if parties is not None:
            seen.parties[parties] += 1
        minor_known = any(minor for _, minor in known.minors) if known.minors else None
        stage = Stage.REFERRED
        entered = received
        pending: Stage | None = Stage.REFERRED  # the stage whose withdrawal on entry is still to be seen
        visited = {Stage.REFERRED}
        last = first  # the event before, leaving out withdrawals by the week and companions
        raw_last = first
        adjournments = 0
        met: float | None = None
        ended: float | None = None
        assigned = conflict_trial = conflict = False
        minor_seen = admission = informed = talks = scheduled = awaiting_guardian = False
        clear = 0  # parties who consented with no guardian step after: not minors
        consents = 0
        withdrawn = disclosed = proposed_by_party = interpreter = 0
        signing_cut = False
        for index in range(1, len(events)):
            ev = events[index]
            cls = ev.event
            days = (ev.at - last.at).total_seconds() / _DAY
            trigger = cls.trigger
            after = MEDIATION.moves.get((trigger, stage), stage) if trigger is not None else stage
            before = stage
            if ev.role is not None:
                if ev.role is ActorKind.MEDIATOR:
                    seen.mediators.add(ev.actor)
                elif ev.role is ActorKind.STAFF:
                    seen.staff.add(ev.actor)
            instant = days <= 0.0
            companion = cls in _COMPANIONS and instant
            weekly = cls is PartyWithdrew and instant
            refusal = guardian_refusal = False
            if cls is PartyWithdrew and not instant and before is Stage.CONSENT and pending is not Stage.CONSENT:
                refusal = last.event is PartyInformed
                guardian_refusal = last.event is ConsentGiven or ev.role is ActorKind.GUARDIAN
            # the withdrawal drawn on entering the stage, or its absence
            if pending is not None and not companion and not weekly:
                if cls is PartyWithdrew and not (refusal or guardian_refusal):
                    seen.choice(f"behaviour.withdrawal.{pending.value}", True)
                    if pending in _UNCUT:
                        seen.duration("withdraw", (ev.at - entered).total_seconds() / _DAY)
                else:
                    seen.choice(f"behaviour.withdrawal.{pending.value}", False)
                pending = None
            if cls is PartyWithdrew:
                withdrawn += 1  # every withdrawal, a refusal too, leaves one party fewer
                if before is Stage.AGREEMENT:
                    signing_cut = True  # the signatures after it keep the timetable drawn before: not `sign` samples
            if cls is PartyWithdrew and not (refusal or guardian_refusal):
                step = _PENDING.get(last.event)
                if step is not None and _ends_withdrawn(events, index):
                    seen.interrupted[step] += 1
            # the weekly chance: a step in a waiting stage that leaves the case waiting, then a withdrawal at once
            a_step = refusal or guardian_refusal or (cls is not PartyWithdrew and not companion)
            if a_step and days > 0 and before in _WAITING and after in _WAITING:
                seen.weekly.append((days / 7.0, _withdrawal_follows(events, index)))
            # durations
            step = _STEPS.get(cls)
            if step is not None:
                seen.duration(step, days)
            elif refusal or guardian_refusal:
                seen.duration("consent", days)
            elif cls is MeetingScheduled and before is Stage.PREPARATION:
                seen.duration("schedule", days)
            elif cls in (ConfidentialityAgreed, MeetingHeld) and last.event is MeetingScheduled:
                seen.duration("wait", days)
            elif cls in (AgreementRecorded, NoAgreementRecorded, MeetingAdjourned) and last.event is MeetingHeld:
                seen.duration("agree", days)
            elif cls is AgreementSigned and last.event in (AgreementRecorded, AgreementSigned) and not signing_cut:
                seen.duration("sign", days)
            elif cls is AgreementBound and last.event is CoolingOffStarted and kind is not None:
                seen.duration("end_cooling_off", days - _cooling_off(seen.policy, kind))
            by_withdrawal = raw_last.event is PartyWithdrew and raw_last.at == ev.at
            reported = cls is ItemFulfilled or (
                cls is ItemBreached and ev.role is ActorKind.PARTY and not by_withdrawal
            )
            if reported and days > 0:  # at 0 the report met its deadline's cap (an hour before it) and says nothing
                seen.duration("report", days)
            # a minor shows when their consent is followed by their guardian's (or its dispensation)
            guardian_step = cls in (GuardianConsentGiven, GuardianConsentDispensed) or guardian_refusal
            if awaiting_guardian and not (companion or weekly):
                awaiting_guardian = False
                if guardian_step:
                    minor_seen = True
                else:
                    clear += 1
            # choices
            if cls in (CaseAccepted, CaseDeclined) and kind is CaseKind.CIVIL:
                seen.choice("behaviour.decline", cls is CaseDeclined)
            elif cls is ConsentGiven:
                seen.choice("behaviour.consent", True)
                consents += 1
                awaiting_guardian = not minor_seen
            elif refusal:
                seen.choice("behaviour.consent", False)
            elif cls is GuardianConsentGiven:
                seen.choice("behaviour.guardian_consent", True)
            elif guardian_refusal:
                seen.choice("behaviour.guardian_consent", False)
            elif cls is MediatorAssigned:
                assigned = True
            elif cls is ConflictDeclared:
                conflict = True
            elif cls is AdmissionRecorded:
                if kind is CaseKind.CRIMINAL and not admission and not informed:
                    seen.choice("mix.admission_at_referral", False)
                admission = True
            elif cls is PartyInformed:
                if kind is CaseKind.CRIMINAL and not admission and not informed:
                    seen.choice("mix.admission_at_referral", True)
                informed = True
            elif cls is PreparatoryTalkHeld:
                talks = True
            elif cls is ParticipantDisclosed:
                disclosed += 1
            elif cls is ParticipantProposed:
                if ev.role is ActorKind.MEDIATOR:
                    interpreter += 1
                elif ev.role is ActorKind.PARTY:
                    proposed_by_party += 1
            elif cls is MeetingHeld and met is None:
                met = (ev.at - received).total_seconds() / _DAY
            elif cls is ItemFulfilled:
                seen.choice("behaviour.fulfil_item", True)
            elif cls is ItemBreached and not by_withdrawal:
                seen.choice("behaviour.fulfil_item", False)
                if ev.role is not None:
                    seen.choice("behaviour.report_breach", ev.role is ActorKind.PARTY)
            elif cls is AgreementRecorded:
                count = len(ev.all("item")) or len(known.items)
                if count:
                    seen.items[count] += 1
            if assigned and not conflict_trial and cls not in (MediatorAssigned, PartyWithdrew) and not companion:
                conflict_trial = True
            if cls in (AgreementRecorded, NoAgreementRecorded, MeetingAdjourned) and last.event is MeetingHeld:
                if adjournments < seen.max_adjournments:
                    seen.choice("behaviour.adjourn", cls is MeetingAdjourned)
                if cls is not MeetingAdjourned:
                    seen.choice("behaviour.agreement", cls is AgreementRecorded)
                if cls is MeetingAdjourned:
                    adjournments += 1
            if cls is MeetingScheduled and before is Stage.PREPARATION and not scheduled:
                scheduled = True
                self.at_meeting(
                    parties=parties,
                    withdrawn=withdrawn,
                    disclosed=disclosed,
                    interpreter=interpreter,
                    proposed_by_party=proposed_by_party,
                    minor_known=minor_known,
                    minor_seen=minor_seen,
                )
                if not seen.policy.preparatory_talks_required:
                    seen.choice("behaviour.optional_talks", talks)
            # the stage walk
            if after is not before:
                if after.is_final:
                    ended = (ev.at - received).total_seconds() / _DAY
                elif after not in visited:
                    visited.add(after)
                    entered, pending = ev.at, after
                stage = after
            raw_last = ev
            if not (companion or weekly):
                last = ev
        if conflict_trial:
            seen.choice("behaviour.conflict", conflict)
        if minor_known is not None:
            seen.choice("mix.minors", minor_known)
        elif minor_seen:
            seen.minors.append((True, 1.0))
        elif kind is CaseKind.CRIMINAL and clear >= 2:  # the simulator's criminal minor is the second party
            seen.minors.append((False, 1.0))
        elif kind is CaseKind.CIVIL and clear and parties:  # a civil minor is any one party, each as likely
            seen.minors.append((False, min(clear / parties, 1.0)))
        seen.adjournments_seen = max(seen.adjournments_seen, adjournments)
        seen.summaries.append(CaseSummary(stage.value if stage.is_final else "open", met, ended))

    def at_meeting(
        self,
        *,
        parties: int | None,
        withdrawn: int,
        disclosed: int,
        interpreter: int,
        proposed_by_party: int,
        minor_known: bool | None,
        minor_seen: bool,
    ) -> None:
        """The participants proposed before the first meeting was scheduled: support, guardians, interpreter."""
        seen = self.seen
        if parties is not None:
            active = max(parties - withdrawn, 0)
            for k in range(active):
                seen.choice("mix.support", k < disclosed)
        seen.choice("mix.interpreter", interpreter > 0)
        minor = minor_known if minor_known is not None else minor_seen
        if minor:
            seen.choice("mix.guardian_attends", proposed_by_party > disclosed)


def _cooling_off(policy: Policy, kind: CaseKind) -> float:
    """The cooling-off days of an agreement (R10), as the simulator's agreements get them."""
    if kind is CaseKind.CRIMINAL:
        return float(policy.criminal_cooling_off_days)
    return float(policy.civil_cooling_off_days if policy.civil_cooling_off_by_default else 0)


def _ends_withdrawn(events: Sequence[LogEvent], index: int) -> bool:
    """Whether the case ends withdrawn with the withdrawal at `index` (a `CaseWithdrawn` at the same moment)."""
    at = events[index].at
    for other in events[index + 1 :]:
        if other.at != at:
            return False
        if other.event is CaseWithdrawn:
            return True
    return False


def _withdrawal_follows(events: Sequence[LogEvent], index: int) -> bool:
    """Whether a withdrawal follows the event at `index` at the same moment (the weekly chance came up)."""
    at = events[index].at
    for other in events[index + 1 :]:
        if other.at != at:
            return False
        if other.event is PartyWithdrew:
            return True
        if other.event not in _COMPANIONS:
            return False
    return False
