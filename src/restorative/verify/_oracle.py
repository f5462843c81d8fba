"""The oracle: the rules restated as checks on what a decider did, for the verifier and the testing kit.

The checks read only values (cases, commands, events, errors), never the predicates in
`_rules`, so a broken predicate or a broken guard in the decider shows up as a
violation here instead of being agreed with. Each check yields `Violation` values
naming the rule (its R-id, see `RULES`) and what was seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from attrs import frozen

from .. import commands as c
from .. import events as e
from .._lifecycle import FINAL_STAGES, Stage, walk
from .._policy import Continuation
from .._rules import RULES
from .._values import (
    ActorKind,
    Case,
    CaseKind,
    Exemption,
    ItemStatus,
    MeetingKind,
    Outcome,
    ParticipantRole,
    Party,
    ReferralSource,
    Report,
    ReportKind,
    Role,
)
from ..commands import Command
from ..errors import InvalidInput, Refused, RestorativeError
from ..events import Event
from ..process import MEDIATION

Decide = Callable[[Case | None, Command], tuple[Event, ...]]
"""A decider: `restorative.decide`, or the system under test in its shape."""


@frozen
class Violation:
    """A rule seen broken.

    Args:
        rule: the id of the broken rule (``"R8"``).
        message: what was seen, in words.
    """

    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


_REPORT_FIELDS = ("recipient", "kind", "outcome", "agreement")
# The facts the rules rest on, restated here rather than shared with the decider.
_CRIMINAL_SOURCES = frozenset({ReferralSource.PROSECUTION, ReferralSource.COURT})
_NEEDS_EXEMPTION = {ParticipantRole.LAWYER: Exemption.LAWYER, ParticipantRole.REPRESENTATIVE: Exemption.REPRESENTATIVE}


def minor(case: Case, party: Party, at: datetime) -> bool:
    """Minority, restated: under the age of majority on that day at the service, or as referred without a birth date.

    A guardian's consent and standing end at 18 (strpl § 71 a; vergemålsloven), so the
    age counts on the day of each command, in the policy's time zone.
    """
    born = party.birth_date
    if born is None:
        return party.minor
    day = at.astimezone(ZoneInfo(case.policy.time_zone)).date()
    years = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return years < case.policy.age_of_majority


def consents(case: Case, party: Party, at: datetime) -> bool:
    """R3, restated: informed, consented, still in, and (for a minor at `at`) every guardian or a dispensation."""
    if not (party.informed and party.consented) or party.withdrawn:
        return False
    if party.dispensed or not minor(case, party, at):
        return True
    return bool(party.guardians) and set(party.guardians) <= set(party.guardian_consents)


def _attendance_problem(case: Case, person: str) -> str | None:
    """R7, restated: who may be on the attendee list."""
    party = case.party(person)
    if party is not None:
        return f"{person} has withdrawn" if party.withdrawn else None
    if person in case.mediators:
        return None
    guest = next((q for q in case.participants if q.id == person), None)
    if guest is None:
        return f"{person} is not a party, mediator or proposed participant"
    if guest.accompanies is not None and guest.accompanies not in {p.id for p in case.active_parties}:
        return f"{person} comes with {guest.accompanies}, who is no longer in the case"
    needed = _NEEDS_EXEMPTION.get(guest.role)
    if needed is not None and (guest.accompanies, needed) not in case.exemptions:
        return f"{person} is a {guest.role.value} without an exemption"
    if guest.role is ParticipantRole.SUPPORT and not guest.disclosed:
        return f"support person {person} was never disclosed"
    if not {p.id for p in case.active_parties} <= set(guest.approved_by):
        return f"{person} is not agreed by every party"
    return None


_K = ActorKind
_STAFF, _MEDIATOR, _PARTY, _GUARDIAN = _K.STAFF, _K.MEDIATOR, _K.PARTY, _K.GUARDIAN
_CAPACITIES: dict[type[Any], frozenset[ActorKind]] = {
    cls: frozenset(kinds)
    for cls, kinds in (
        (c.AcceptCase, {_STAFF}),
        (c.DeclineCase, {_STAFF}),
        (c.AssignStaff, {_STAFF}),
        (c.AssignMediator, {_STAFF}),
        (c.ReleaseMediator, {_STAFF}),
        (c.RecordAdmission, {_STAFF}),
        (c.DispenseGuardianConsent, {_STAFF}),
        (c.GrantExemption, {_STAFF}),
        (c.CheckDeadlines, {_STAFF}),
        (c.DeclareConflict, {_STAFF, _MEDIATOR}),
        (c.InformParty, {_STAFF, _MEDIATOR}),
        (c.StartPreparation, {_STAFF, _MEDIATOR}),
        (c.DiscloseParticipant, {_STAFF, _MEDIATOR}),
        (c.ScheduleMeeting, {_STAFF, _MEDIATOR}),
        (c.EndCoolingOff, {_STAFF, _MEDIATOR}),
        (c.HoldPreparatoryTalk, {_MEDIATOR}),
        (c.HoldMeeting, {_MEDIATOR}),
        (c.AdjournMeeting, {_MEDIATOR}),
        (c.RecordAgreement, {_MEDIATOR}),
        (c.RecordNoAgreement, {_MEDIATOR}),
        (c.GiveConsent, {_PARTY}),
        (c.ApproveParticipant, {_PARTY}),
        (c.GiveGuardianConsent, {_GUARDIAN}),
        (c.ProposeParticipant, {_PARTY, _MEDIATOR, _STAFF}),
        (c.Withdraw, {_PARTY, _GUARDIAN}),
        (c.SignAgreement, {_PARTY, _GUARDIAN, _MEDIATOR}),
        (c.ReportItem, {_PARTY, _GUARDIAN, _STAFF}),
    )
}
"""R14, restated: who may send each command (AgreeConfidentiality: anyone, for themselves)."""


def _permitted(before: Case, command: Command) -> str | None:
    """R14, restated: the actor acted in a capacity the command admits and the case knows them in."""
    actor = command.actor
    kinds = _CAPACITIES.get(type(command))
    if kinds is not None and actor.kind not in kinds:
        return f"a {actor.kind.value} may not send {type(command).__name__}"
    if actor.kind is ActorKind.STAFF:
        return None if actor.id in before.staff else f"{actor.id} is not staff of the case"
    if actor.kind is ActorKind.MEDIATOR:
        return None if actor.id in before.mediators else f"{actor.id} is not a mediator of the case"
    if actor.kind is ActorKind.PARTY:
        party = before.party(actor.id)
        if party is None or party.withdrawn:
            return f"{actor.id} is not a party still in the case"
        acting_for = getattr(command, "party_id", actor.id)
        return None if acting_for == actor.id else f"party {actor.id} acted for {acting_for}"
    if actor.kind is ActorKind.GUARDIAN:
        at = command.at
        if isinstance(command, c.ReportItem):
            wards = [p for p in before.active_parties if actor.id in p.guardians and minor(before, p, at)]
            return None if wards else f"{actor.id} reported without a minor ward in the case"
        if isinstance(command, c.SignAgreement):  # for a ward who was a minor when the agreement was made
            made = at if before.agreement is None else before.agreement.made_at
            wards = [p for p in before.active_parties if actor.id in p.guardians and minor(before, p, made)]
            return None if wards and command.signer_id == actor.id else f"{actor.id} signed without a minor ward"
        ward = before.party(getattr(command, "party_id", ""))
        if ward is not None and actor.id in ward.guardians:
            return None if minor(before, ward, at) else f"{actor.id} acted for {ward.id}, who has come of age"
        if getattr(command, "person_id", None) == actor.id:
            return None
        return f"{actor.id} acted without a ward in the case"
    if isinstance(command, c.AgreeConfidentiality) and command.person_id == actor.id:
        return None
    return f"participant {actor.id} issued {type(command).__name__}"


def accepted(before: Case, command: Command, after: Case, events: Sequence[Event]) -> Iterator[Violation]:
    """Check one accepted command: `before` took `command`, recorded `events` and became `after`."""
    name = type(command).__name__
    if before.stage in FINAL_STAGES:
        yield Violation("R2", f"{name} was accepted in the final stage {before.stage.value}")
        return
    if not events:
        yield Violation("R15", f"{name} was accepted without recording an event")
    if command.at < before.updated_at:
        yield Violation("R15", f"{name} dated {command.at.isoformat()} went back in time")
    if any(event.at != command.at for event in events):
        yield Violation("R15", f"{name} recorded an event at another time than the command's")
    if after.version != before.version + len(events):
        yield Violation("R15", f"version {after.version} after {len(events)} events on version {before.version}")
    problem = _permitted(before, command)
    if problem is not None:
        yield Violation("R14", f"{name} accepted although {problem}")
    actor = command.actor
    if actor.kind is ActorKind.MEDIATOR and any(who == actor.id for who, _ in before.conflicts):
        yield Violation("R5", f"{name} accepted from {actor.id}, who declared a conflict of interest")
    stage = before.stage
    for event in events:
        try:
            ((_, _, stage),) = walk((event,), stage)
        except InvalidInput:
            yield Violation("R2", f"{type(event).__name__} moved the case out of {stage.value}")
        yield from _event(before, command, after, event)
    if stage is not after.stage:
        yield Violation("R15", f"the events lead to {stage.value} but the case is in {after.stage.value}")
    yield from _outcome(before, command, after)
    yield from _reports_due(before, after, events)


def _event(before: Case, command: Command, after: Case, event: Event) -> Iterator[Violation]:
    if isinstance(event, e.PreparationStarted):
        missing = [p.id for p in before.active_parties if not consents(before, p, command.at)]
        if missing:
            yield Violation("R4", f"preparation started without the consent of {', '.join(missing)}")
        if before.kind is CaseKind.CRIMINAL and not before.referral.admission_of_facts:
            yield Violation("R4", "preparation of a criminal case started without an admission of the facts")
    elif isinstance(event, e.GuardianConsentDispensed):
        yield from _dispensed(before, command, event)
    elif isinstance(event, e.MeetingScheduled):
        yield from _scheduled(before, event)
    elif isinstance(event, e.MeetingHeld):
        meeting = before.meeting
        listed = set() if meeting is None else set(meeting.attendees)
        for person in event.present:
            if person not in listed:
                yield Violation("R8", f"{person} was present without being on the agreed attendee list")
            if person not in before.confidential:
                yield Violation("R8", f"{person} was present without agreeing to keep confidentiality")
            party = before.party(person)
            if party is not None and party.withdrawn:
                yield Violation("R8", f"{person} was present after withdrawing")
            problem = _attendance_problem(before, person)  # a guest of a withdrawn party, a released mediator
            if problem is not None and party is None:
                yield Violation("R8", f"{person} was present although {problem}")
        chosen = [m for m in event.present if m in before.mediators]
        if not 1 <= len(chosen) <= before.policy.max_mediators:
            yield Violation("R5", f"a meeting was held with {len(chosen)} mediators")
        for who, towards in before.conflicts:
            if who in chosen:
                yield Violation("R5", f"{who} mediated despite a conflict of interest towards {towards}")
    elif isinstance(event, e.AgreementRecorded):
        yield from _recorded(before, command, event)
    elif isinstance(event, e.AgreementBound):
        yield from _bound(after, command)
    elif isinstance(event, e.ReportSent):
        yield from _report(before, event.report)


def _dispensed(before: Case, command: Command, event: e.GuardianConsentDispensed) -> Iterator[Violation]:
    party = before.party(event.party_id)
    if before.kind is not CaseKind.CIVIL:
        yield Violation("R3", "guardian consent was dispensed with in a criminal case")
    if party is None or not minor(before, party, command.at):
        yield Violation("R3", f"guardian consent was dispensed with for {event.party_id}, who is not a minor")
        return
    age = party.age_on(command.at.astimezone(ZoneInfo(before.policy.time_zone)).date())
    if age is None or age < before.policy.civil_dispensation_age:
        yield Violation("R3", f"guardian consent was dispensed with for {party.id}, aged {age}, under the policy's age")


def _scheduled(before: Case, event: e.MeetingScheduled) -> Iterator[Violation]:
    if (before.stage is Stage.FOLLOW_UP) is not (event.kind is MeetingKind.FOLLOW_UP):
        yield Violation("R19", f"a {event.kind.value} meeting was scheduled in {before.stage.value}")
    chosen = [a for a in event.attendees if a in before.mediators]
    if not 1 <= len(chosen) <= before.policy.max_mediators:
        yield Violation("R5", f"a meeting was scheduled with {len(chosen)} mediators")
    for who, towards in before.conflicts:
        if who in chosen:
            yield Violation("R5", f"{who} mediates despite a conflict of interest towards {towards}")
    if before.policy.preparatory_talks_required:
        unprepared = [p.id for p in before.active_parties if not p.prepared]
        if unprepared:
            yield Violation("R6", f"a meeting was scheduled before a preparatory talk with {', '.join(unprepared)}")
    absent = [p.id for p in before.active_parties if p.id not in event.attendees]
    if absent:
        yield Violation("R7", f"a meeting was scheduled without the parties {', '.join(absent)}")
    for person in event.attendees:
        problem = _attendance_problem(before, person)
        if problem is not None:
            yield Violation("R7", f"a meeting was scheduled although {problem}")
    for party in event.remote:
        if (party, Exemption.REMOTE_ATTENDANCE) not in before.exemptions:
            yield Violation("R7", f"{party} attends remotely without an exemption")


def _recorded(before: Case, command: Command, event: e.AgreementRecorded) -> Iterator[Violation]:
    if before.meeting is None or before.meeting.held_at is None:
        yield Violation("R9", "an agreement was recorded without a held meeting")
    if not event.items:
        yield Violation("R9", "an agreement was recorded without items")
    policy = before.policy
    if before.kind is CaseKind.CRIMINAL:
        expected = policy.criminal_cooling_off_days
    else:
        chosen = getattr(command, "cooling_off", None)
        wanted = policy.civil_cooling_off_by_default if chosen is None else chosen
        expected = policy.civil_cooling_off_days if wanted else 0
    if event.cooling_off_days != expected:
        yield Violation(
            "R10", f"the agreement has {event.cooling_off_days} cooling-off days; the policy says {expected}"
        )
    days = policy.longest_item_deadline_days
    for item in event.items:
        party = before.party(item.responsible)
        if party is None or party.withdrawn:
            yield Violation("R9", f"item {item.id} is owed by {item.responsible}, not a party still in the case")
        if item.deadline <= command.at + timedelta(days=expected):
            yield Violation("R9", f"item {item.id} falls due before the agreement could bind")
        if days is not None and item.deadline > command.at + timedelta(days=days):
            yield Violation("R9", f"item {item.id} falls due after the policy's longest deadline")


def _bound(after: Case, command: Command) -> Iterator[Violation]:
    agreement = after.agreement
    if agreement is None:
        yield Violation("R10", "an agreement bound that does not exist")
        return
    signed = set(agreement.signatures)
    for party in after.active_parties:
        if party.id not in signed:
            yield Violation("R10", f"the agreement bound without the signature of {party.id}")
        if minor(after, party, agreement.made_at) and not party.dispensed and not signed & set(party.guardians):
            yield Violation("R10", f"the agreement bound without a guardian's signature for {party.id}")
    if not signed & set(after.mediators):
        yield Violation("R10", "the agreement bound without a mediator's signature")
    if command.at < agreement.made_at + timedelta(days=agreement.cooling_off_days):
        yield Violation("R10", "the agreement bound before its cooling-off period ended")


def _report(before: Case, report: Report) -> Iterator[Violation]:
    fields = tuple(a.name for a in attrs.fields(type(report)))
    if fields != _REPORT_FIELDS:
        yield Violation("R12", f"a report carries fields beyond outcome and agreement: {fields}")
    source = before.referral.source
    if report.recipient is not source:
        yield Violation("R12", f"a report went to {report.recipient.value}, not the referrer {source.value}")
    if source not in _CRIMINAL_SOURCES and source is not ReferralSource.POLICE:
        yield Violation("R12", f"a report went to {source.value}, who receives none")
    if report.kind is ReportKind.RETURN and source not in _CRIMINAL_SOURCES:
        yield Violation("R12", f"a return for new assessment went to {source.value}")
    if report.agreement is not None and report.agreement.bound_at is None:
        yield Violation("R12", "a report carries an agreement that never bound")


def _outcome(before: Case, command: Command, after: Case) -> Iterator[Violation]:
    items = () if after.agreement is None else after.agreement.items
    if after.stage is Stage.FULFILLED and not all(i.status is ItemStatus.FULFILLED for i in items):
        yield Violation("R11", "the case is fulfilled with an item not fulfilled")
    if after.stage is Stage.BREACHED and not any(i.status is ItemStatus.BREACHED for i in items):
        yield Violation("R11", "the case is breached with no item breached")
    if after.stage is Stage.WITHDRAWN and not any(p.withdrawn for p in after.parties):
        yield Violation("R13", "the case is withdrawn although no party withdrew")
    if isinstance(command, c.Withdraw):
        party = before.party(command.party_id)
        owes = party is not None and any(
            i.responsible == party.id and i.status is ItemStatus.OPEN
            for i in (() if before.agreement is None else before.agreement.items)
        )
        if before.stage is Stage.FOLLOW_UP and owes and after.stage is not Stage.BREACHED:
            yield Violation("R11", f"{command.party_id} withdrew owing an item after binding, and nothing breached")
        if before.stage is Stage.COOLING_OFF and after.stage is not Stage.WITHDRAWN:
            yield Violation("R10", "a withdrawal during cooling-off did not stop the agreement")
        if party is not None and before.stage not in (Stage.FOLLOW_UP, *FINAL_STAGES):
            remaining = [p for p in before.active_parties if p.id != party.id]
            if before.policy.continuation is Continuation.ANY_WITHDRAWAL_ENDS:
                dialogue = False
            elif before.kind is CaseKind.CRIMINAL:
                dialogue = {Role.HARMED, Role.RESPONSIBLE} <= {p.role for p in remaining}
            else:
                dialogue = len(remaining) >= 2
            ends = not dialogue or before.stage is Stage.COOLING_OFF or (before.stage is Stage.AGREEMENT and owes)
            if ends and after.stage is not Stage.WITHDRAWN:
                yield Violation("R13", f"{party.id} withdrew, no dialogue remains to go on with, but the case went on")
            if not ends and after.stage is Stage.WITHDRAWN:
                yield Violation("R13", f"{party.id} withdrew and the case ended although a dialogue remains")


def _reports_due(before: Case, after: Case, events: Sequence[Event]) -> Iterator[Violation]:
    """R12: the referrer gets the report it is due when the agreement binds or the case ends."""
    source = before.referral.source
    if source not in _CRIMINAL_SOURCES and source is not ReferralSource.POLICE:
        return
    sent = {(ev.report.kind, ev.report.outcome) for ev in events if isinstance(ev, e.ReportSent)}
    due: set[tuple[ReportKind, Outcome | None]] = set()
    if any(isinstance(ev, e.AgreementBound) for ev in events):
        due.add((ReportKind.AGREEMENT, None))
    if after.stage is not before.stage:
        if after.stage is Stage.FULFILLED:
            due.add((ReportKind.FULFILMENT, Outcome.FULFILLED))
        elif source in _CRIMINAL_SOURCES and after.stage in _RETURNS:
            due.add((ReportKind.RETURN, _RETURNS[after.stage]))
        elif after.stage is Stage.BREACHED:
            due.add((ReportKind.FULFILMENT, Outcome.BREACHED))
    for kind, outcome in sorted(due - sent, key=str):
        what = kind.value + ("" if outcome is None else f" ({outcome.value})")
        yield Violation("R12", f"the referrer {source.value} was not sent the {what} report it is due")


_RETURNS = {
    Stage.WITHDRAWN: Outcome.WITHDRAWN,
    Stage.NO_AGREEMENT: Outcome.NO_AGREEMENT,
    Stage.BREACHED: Outcome.BREACHED,
}


def refused(before: Case, command: Command, error: BaseException) -> Iterator[Violation]:
    """Check one refusal: it is one of our errors, names a rule and the stage, and says what to do (R16)."""
    name = type(command).__name__
    if not isinstance(error, RestorativeError):
        yield Violation("R16", f"{name} failed with {type(error).__name__}, not a restorative error: {error}")
        return
    if not str(error):
        yield Violation("R16", f"{name} was refused without a message")
    if isinstance(error, Refused):
        if error.stage is not before.stage:
            yield Violation("R16", f"{name} was refused naming stage {error.stage}, not {before.stage.value}")
        if error.rule is not None and error.rule not in RULES:
            yield Violation("R16", f"{name} was refused by an unknown rule {error.rule!r}")
        if not error.hint:
            yield Violation("R16", f"{name} was refused without a hint")
    elif not isinstance(error, InvalidInput):
        yield Violation("R16", f"{name} failed with a store error {type(error).__name__}")
    if isinstance(command, c.Withdraw) and _own_withdrawal(before, command):
        yield Violation("R1", f"{command.party_id}'s own withdrawal was refused in {before.stage.value}: {error}")


def _own_withdrawal(case: Case, command: c.Withdraw) -> bool:
    party = case.party(command.party_id)
    if party is None or party.withdrawn or case.stage in FINAL_STAGES:
        return False
    actor = command.actor
    own = actor.kind is ActorKind.PARTY and actor.id == party.id
    guardian = actor.kind is ActorKind.GUARDIAN and actor.id in party.guardians and minor(case, party, command.at)
    return (own or guardian) and command.at >= case.updated_at


def history(events: Iterable[Event], case: Case) -> Iterator[Violation]:
    """Check a whole history against the live case: replay equals it, and time never goes back (R15)."""
    log = list(events)
    times = [event.at for event in log]
    if times != sorted(times):
        yield Violation("R15", "the history goes back in time")
    try:
        replayed = MEDIATION.replay(log)
    except RestorativeError as error:
        yield Violation("R15", f"the history does not replay: {error}")
        return
    if replayed != case:
        yield Violation("R15", "replaying the history gives another case than the live one")
