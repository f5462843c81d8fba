"""Each logged event turned back into the command that causes it, and into an event to fold when refused.

`command` builds, from a log event and the case so far, the command whose decision opens
with that event (``ConsentGiven`` by P is ``GiveConsent(actor=P, party_id=P)``; a bound
agreement in cooling-off is ``EndCoolingOff``; an item reported breached is
``ReportItem(fulfilled=False)``). Events that only ever follow another event in the
same decision (a report, the end of the case, the start of cooling-off) have no command:
`CONSEQUENCES` names the rule that says when they follow.

What the log does not say, a command takes in the most permissive form the case allows:
a meeting starts when it is scheduled, with every party, assigned mediator and agreed
participant invited; everyone present is every party still in the case, the mediator
who records it and whoever else on the list agreed to keep confidentiality; a talk is
held in person; an event whose party the log does not name concerns the party the rules
are waiting for.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

import attrs

from .. import commands as c
from .. import events as e
from .._rules import attendee_problem, conflicted, cooling_off_days
from .._values import Actor, ActorKind, Case, Exemption, ParticipantRole, Report, ReportKind
from ..commands import Command
from ..errors import RestorativeError
from ..events import Event
from ._log import LogEvent
from ._setup import Reading

CONSEQUENCES: MappingProxyType[type[Event], str] = MappingProxyType(
    {
        e.CoolingOffStarted: "R10",
        e.AgreementBound: "R10",
        e.CaseWithdrawn: "R13",
        e.CaseFulfilled: "R11",
        e.CaseBreached: "R11",
        e.ItemBreached: "R11",
        e.ItemFulfilled: "R11",
        e.ParticipantApproved: "R7",
        e.PartyWithdrew: "R1",
        e.ReportSent: "R12",
    }
)
"""Events a decision can add after its first, with the rule that says when it must (or must not)."""

FOLLOWERS: frozenset[type[Event]] = frozenset(
    k for k in CONSEQUENCES if k is not e.ItemFulfilled and k is not e.PartyWithdrew
)
"""Events that may follow another one in the same decision, at the same time (what a refused event drags along)."""


class Context:
    """One log event on its way to a command: the event, its subjects, the case so far and the actor."""

    __slots__ = ("actor", "at", "case", "event", "reading", "subjects")

    def __init__(self, event: LogEvent, reading: Reading, case: Case, at: datetime) -> None:
        self.event = event
        self.reading = reading
        self.case = case
        self.at = at
        self.subjects = reading.subjects[event.position - 1]
        self.actor = _actor(event, case, self.subjects)

    def subject(self, qualifier: str, default: str | None = None) -> str:
        found = self.subjects.get(qualifier) or default
        if not found:
            found = self.actor.id
        return found

    def party(self) -> str:
        """The party an event concerns: the log's, else the actor when a party acts, else the first waiting."""
        found = self.subjects.get("party")
        if found:
            return found
        if self.actor.kind is ActorKind.PARTY:
            return self.actor.id
        return self.case.active_parties[0].id if self.case.active_parties else self.case.parties[0].id


def _actor(event: LogEvent, case: Case, subjects: dict[str, str]) -> Actor:
    """Who acted, in which capacity: the log's, else as the case knows them, else by the kind of event."""
    who = event.actor
    kind = event.role
    if not who:
        who, kind = _default_actor(event, case, subjects)
    if kind is None:
        kind = _capacity(case, who, event)
    known = _ACTORS.get((who, kind))
    if known is None:
        if len(_ACTORS) >= 10_000:
            _ACTORS.clear()
        known = _ACTORS[who, kind] = Actor(id=who, kind=kind)
    return known


_ACTORS: dict[tuple[str, ActorKind], Actor] = {}
"""Actors are frozen values and repeat from event to event: each is built and checked once (bounded)."""


_PARTY_EVENTS = frozenset({e.ConsentGiven, e.PartyWithdrew, e.ParticipantApproved, e.AgreementSigned})
_MEDIATOR_EVENTS = frozenset(
    {
        e.PartyInformed,
        e.PreparatoryTalkHeld,
        e.PreparationStarted,
        e.MeetingScheduled,
        e.MeetingHeld,
        e.MeetingAdjourned,
        e.AgreementRecorded,
        e.NoAgreementRecorded,
        e.ConfidentialityAgreed,
        e.ParticipantDisclosed,
        e.ConflictDeclared,
    }
)


def _default_actor(event: LogEvent, case: Case, subjects: dict[str, str]) -> tuple[str, ActorKind | None]:
    kind = event.event
    if kind in _PARTY_EVENTS:
        own = subjects.get("party") or subjects.get("signer")
        if own:
            return own, None
    if kind is e.GuardianConsentGiven and subjects.get("guardian"):
        return subjects["guardian"], ActorKind.GUARDIAN
    if kind in _MEDIATOR_EVENTS and case.mediators:
        return case.mediators[0], ActorKind.MEDIATOR
    return case.staff[0], ActorKind.STAFF


def _capacity(case: Case, who: str, event: LogEvent) -> ActorKind:
    if case.party(who) is not None:
        return ActorKind.PARTY
    if who in case.mediators:
        return ActorKind.MEDIATOR
    if who in case.staff:
        return ActorKind.STAFF
    if any(who in p.guardians for p in case.parties):
        return ActorKind.GUARDIAN
    if event.event in _MEDIATOR_EVENTS:
        return ActorKind.MEDIATOR
    return ActorKind.STAFF if event.event not in _PARTY_EVENTS else ActorKind.PARTY


# --- one builder per event that a command causes -----------------------------------------


def _refer(x: Context) -> Command:
    return attrs.evolve(x.reading.opening, at=x.at)


def _accept(x: Context) -> Command:
    return c.AcceptCase(actor=x.actor, at=x.at)


def _decline(x: Context) -> Command:
    return c.DeclineCase(actor=x.actor, at=x.at)


def _assign_staff(x: Context) -> Command:
    return c.AssignStaff(actor=x.actor, at=x.at, staff_id=x.subject("staff"))


def _assign_mediator(x: Context) -> Command:
    return c.AssignMediator(actor=x.actor, at=x.at, mediator_id=x.subject("mediator"))


def _release_mediator(x: Context) -> Command:
    case = x.case
    waiting = next((m for m in case.mediators if conflicted(case, m) is not None), None)
    fallback = waiting or (case.mediators[-1] if case.mediators else None)
    return c.ReleaseMediator(actor=x.actor, at=x.at, mediator_id=x.subject("mediator", fallback))


def _declare_conflict(x: Context) -> Command:
    mediator = x.subjects.get("mediator") or x.actor.id
    towards = x.subjects.get("towards") or x.case.parties[0].id
    return c.DeclareConflict(actor=x.actor, at=x.at, mediator_id=mediator, towards=towards)


def _record_admission(x: Context) -> Command:
    return c.RecordAdmission(actor=x.actor, at=x.at)


def _inform(x: Context) -> Command:
    return c.InformParty(actor=x.actor, at=x.at, party_id=x.party())


def _consent(x: Context) -> Command:
    return c.GiveConsent(actor=x.actor, at=x.at, party_id=x.party())


def _guardian_consent(x: Context) -> Command:
    return c.GiveGuardianConsent(actor=x.actor, at=x.at, party_id=x.party())


def _dispense(x: Context) -> Command:
    return c.DispenseGuardianConsent(actor=x.actor, at=x.at, party_id=x.party())


def _start_preparation(x: Context) -> Command:
    return c.StartPreparation(actor=x.actor, at=x.at)


def _talk(x: Context) -> Command:
    party = x.subjects.get("party")
    if not party:
        waiting = [p for p in x.case.active_parties if not p.prepared]
        party = (waiting or list(x.case.active_parties) or list(x.case.parties))[0].id
    return c.HoldPreparatoryTalk(actor=x.actor, at=x.at, party_id=party)


def _exemption(x: Context) -> Command:
    party = x.party()
    granted = {ex for p, ex in x.case.exemptions if p == party}
    exemption = next((ex for ex in (Exemption.REMOTE_ATTENDANCE, *Exemption) if ex not in granted), Exemption.LAWYER)
    return c.GrantExemption(actor=x.actor, at=x.at, party_id=party, exemption=exemption)


def _propose(x: Context) -> Command:
    person = x.subject("participant")
    role = dict(x.reading.participants).get(person, ParticipantRole.OTHER)
    accompanies = None
    if x.actor.kind is not ActorKind.PARTY and role is ParticipantRole.GUARDIAN:
        accompanies = next((p.id for p in x.case.parties if person in p.guardians), None)
    return c.ProposeParticipant(actor=x.actor, at=x.at, participant_id=person, role=role, accompanies=accompanies)


def _disclose(x: Context) -> Command:
    person = x.subjects.get("participant")
    if not person:
        waiting = [p for p in x.case.participants if not p.disclosed]
        pool = waiting or list(x.case.participants)
        person = pool[-1].id if pool else x.subject("participant")
    return c.DiscloseParticipant(actor=x.actor, at=x.at, participant_id=person)


def _approve(x: Context) -> Command:
    party = x.party()
    person = x.subjects.get("participant")
    if not person:
        waiting = [p for p in x.case.participants if party not in p.approved_by and p.accompanies != party]
        pool = waiting or list(x.case.participants)
        person = pool[0].id if pool else x.subject("participant")
    return c.ApproveParticipant(actor=x.actor, at=x.at, participant_id=person, party_id=party)


def _schedule(x: Context) -> Command:
    case = x.case
    limit = case.policy.max_mediators
    mediators = [m for m in case.mediators if conflicted(case, m) is None][:limit]
    others = [p.id for p in case.participants if attendee_problem(case, p.id) is None]
    attendees = (*(p.id for p in case.active_parties), *others, *mediators)
    return c.ScheduleMeeting(actor=x.actor, at=x.at, starts_at=x.at, attendees=attendees)


def _confidentiality(x: Context) -> Command:
    person = x.subjects.get("person")
    if not person:
        if x.actor.kind is not ActorKind.MEDIATOR:
            person = x.actor.id
        else:
            case = x.case
            listed = case.meeting.attendees if case.meeting is not None else ()
            waiting = [p for p in listed if p not in case.confidential and attendee_problem(case, p) is None]
            person = waiting[0] if waiting else x.actor.id
    return c.AgreeConfidentiality(actor=x.actor, at=x.at, person_id=person)


def _hold(x: Context) -> Command:
    case = x.case
    listed = case.meeting.attendees if case.meeting is not None else ()
    present = [p.id for p in case.active_parties]
    present += [p for p in listed if p in case.confidential and p not in present and attendee_problem(case, p) is None]
    if x.actor.id not in present:
        present.append(x.actor.id)
    return c.HoldMeeting(actor=x.actor, at=x.at, present=tuple(present))


def _adjourn(x: Context) -> Command:
    return c.AdjournMeeting(actor=x.actor, at=x.at)


def _agree(x: Context) -> Command:
    return c.RecordAgreement(actor=x.actor, at=x.at, items=x.reading.items, cooling_off=x.reading.cooling_off)


def _no_agreement(x: Context) -> Command:
    return c.RecordNoAgreement(actor=x.actor, at=x.at)


def _sign(x: Context) -> Command:
    return c.SignAgreement(actor=x.actor, at=x.at, signer_id=x.subject("signer"))


def _end_cooling_off(x: Context) -> Command:
    return c.EndCoolingOff(actor=x.actor, at=x.at)


def _fulfilled(x: Context) -> Command:
    return c.ReportItem(actor=x.actor, at=x.at, item_id=x.subject("item"), fulfilled=True)


def _breached(x: Context) -> Command:
    return c.ReportItem(actor=x.actor, at=x.at, item_id=x.subject("item"), fulfilled=False)


def _withdraw(x: Context) -> Command:
    return c.Withdraw(actor=x.actor, at=x.at, party_id=x.party())


BUILDERS: MappingProxyType[type[Event], Callable[[Context], Command]] = MappingProxyType(
    {
        e.CaseReferred: _refer,
        e.CaseAccepted: _accept,
        e.CaseDeclined: _decline,
        e.StaffAssigned: _assign_staff,
        e.MediatorAssigned: _assign_mediator,
        e.MediatorReleased: _release_mediator,
        e.ConflictDeclared: _declare_conflict,
        e.AdmissionRecorded: _record_admission,
        e.PartyInformed: _inform,
        e.ConsentGiven: _consent,
        e.GuardianConsentGiven: _guardian_consent,
        e.GuardianConsentDispensed: _dispense,
        e.PreparationStarted: _start_preparation,
        e.PreparatoryTalkHeld: _talk,
        e.ExemptionGranted: _exemption,
        e.ParticipantProposed: _propose,
        e.ParticipantDisclosed: _disclose,
        e.ParticipantApproved: _approve,
        e.MeetingScheduled: _schedule,
        e.ConfidentialityAgreed: _confidentiality,
        e.MeetingHeld: _hold,
        e.MeetingAdjourned: _adjourn,
        e.AgreementRecorded: _agree,
        e.NoAgreementRecorded: _no_agreement,
        e.AgreementSigned: _sign,
        e.AgreementBound: _end_cooling_off,
        e.ItemFulfilled: _fulfilled,
        e.ItemBreached: _breached,
        e.PartyWithdrew: _withdraw,
    }
)
"""The command behind each event that a command's decision starts with (the opening, `ReferCase`, apart)."""


def command(context: Context) -> Command | None:
    """The command behind the log event, or ``None`` for an event no command starts with."""
    builder = BUILDERS.get(context.event.event)
    return None if builder is None else builder(context)


# --- the event to fold when the rules refuse ---------------------------------------------

_SKIP = frozenset({"actor", "at"})


def forced(kind: type[Event], made: Command | None, context: Context) -> Event | None:
    """The event the log records, built from its command (or from the log alone), to fold after a refusal.

    ``None`` when no such event can be built from what the log holds.
    """
    case, at, actor = context.case, context.at, context.actor
    values: dict[str, Any] = {}
    if kind is e.ReportSent:
        values["report"] = Report(recipient=case.referral.source, kind=context.event.report or ReportKind.RETURN)
    elif kind is e.CoolingOffStarted:
        days = case.agreement.cooling_off_days if case.agreement is not None else 0
        values["ends_at"] = at + timedelta(days=days)
    elif made is not None:
        for field in attrs.fields(kind):
            if field.name not in _SKIP and hasattr(made, field.name):
                values[field.name] = getattr(made, field.name)
        if kind is e.GuardianConsentGiven:
            values["guardian_id"] = actor.id
        elif kind is e.AgreementRecorded and isinstance(made, c.RecordAgreement):
            values["cooling_off_days"] = cooling_off_days(case, made.cooling_off)
    else:
        subjects = context.subjects
        names = {f.name for f in attrs.fields(kind)} - _SKIP
        for name in names:
            qualifier = name.removesuffix("_id")
            if qualifier in subjects:
                values[name] = subjects[qualifier]
    try:
        return kind(actor=actor, at=at, **values)
    except (RestorativeError, TypeError):
        return None
