"""A finite alphabet of commands for a case: what the verifier tries and the strategies draw.

Every command a case system could send is represented, each sent by the actor most
likely to be permitted, with a small fixed cast (two staff, two mediators, one support
person per party when asked for). The alphabet is a function of the case and the time,
so exploring it from a referral reaches every stage and every transition of the
lifecycle; the decider, not this module, says which commands are accepted.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Iterator
from datetime import datetime, timedelta

from attrs import field, frozen

from .. import commands as c
from .._checks import check_non_negative, check_type
from .._lifecycle import MEDIATION, Stage
from .._values import (
    Actor,
    ActorKind,
    Case,
    CaseKind,
    Exemption,
    Item,
    ItemKind,
    ItemStatus,
    MeetingKind,
    ParticipantRole,
    Party,
    Role,
)
from ..commands import Command

STAFF = ("staff-1", "staff-2")
"""The cast's staff: the first opens every case, the second may be assigned."""
MEDIATORS = ("med-1", "med-2")
"""The cast's mediators; the second, and conflicts of interest, only when the cast asks for them."""
STRANGER = Actor(id="stranger", kind=ActorKind.STAFF)
"""Someone the case does not know, in a capacity that would otherwise be powerful."""
VISITOR = "visitor"
"""Someone who turns up at a meeting without being on its list."""
STEP = timedelta(days=1)
"""How far past a deadline the clock jumps to find it overdue."""


@frozen(kw_only=True)
class Cast:
    """What the alphabet may try beyond the commands every case needs.

    Args:
        support: each party may bring a support person (proposed, disclosed, approved).
        lawyer: the last party may ask for a lawyer (needs a staff exemption, R7).
        adjournments: the most adjournments tried per case.
        second_mediator: a second mediator may be assigned and released.
        conflicts: one conflict of interest may come to light (with `second_mediator`).
        second_staff: a second member of staff may be assigned.
    """

    support: bool = field(default=False, validator=check_type(bool))
    lawyer: bool = field(default=False, validator=check_type(bool))
    adjournments: int = field(default=1, validator=check_non_negative)
    second_mediator: bool = field(default=False, validator=check_type(bool))
    conflicts: bool = field(default=False, validator=check_type(bool))
    second_staff: bool = field(default=False, validator=check_type(bool))


def state_key(case: Case) -> Hashable:
    """Return the state of a case up to its version and the order of its sets (not of its mediators)."""
    meeting = case.meeting
    agreement = case.agreement
    return (
        case.stage,
        case.updated_at,
        tuple((p.progress._value_, frozenset(p.guardian_consents)) for p in case.parties),
        frozenset((q.id, q.role, q.accompanies, q.disclosed, frozenset(q.approved_by)) for q in case.participants),
        case.mediators,  # in order: the alphabet's acting mediator depends on it
        frozenset(case.conflicts),
        frozenset(case.staff),
        frozenset(case.exemptions),
        frozenset(case.confidential),
        None
        if meeting is None
        else (meeting.kind, meeting.starts_at, frozenset(meeting.attendees), meeting.remote, meeting.held_at),
        case.meetings_held,
        case.adjournments,
        case.referral.admission_of_facts,
        None
        if agreement is None
        else (
            tuple((i.id, i.status, i.deadline, i.responsible) for i in agreement.items),
            frozenset(agreement.signatures),
            agreement.made_at,
            agreement.cooling_off_days,
            agreement.cooling_off_ends,
            agreement.bound_at,
        ),
    )


@functools.cache
def _as(person: str, kind: ActorKind) -> Actor:
    return Actor(id=person, kind=kind)


def mediator_of(case: Case) -> Actor:
    """The mediator who acts: the first assigned one without a conflict, else the first one."""
    free = [m for m in case.mediators if not any(who == m for who, _ in case.conflicts)]
    chosen = free[0] if free else case.mediators[0] if case.mediators else MEDIATORS[0]
    return _as(chosen, ActorKind.MEDIATOR)


def _items(case: Case, at: datetime) -> tuple[Item, ...]:
    active = case.active_parties
    owing = [p for p in active if p.role is Role.RESPONSIBLE] if case.kind is CaseKind.CRIMINAL else list(active[1:])
    return tuple(
        Item(
            id=f"item-{n}",
            kind=ItemKind.COMPENSATION,
            description=f"undertaking {n}",
            responsible=p.id,
            deadline=at + timedelta(days=20 + 10 * n),
        )
        for n, p in enumerate((owing or list(active))[:2])
    )


def _reporters(case: Case, staff: Actor) -> list[Actor]:
    harmed = [p for p in case.active_parties if p.role is not Role.RESPONSIBLE]
    return [*(_as(p.id, ActorKind.PARTY) for p in harmed[:1]), staff]


def commands(case: Case, cast: Cast = Cast()) -> Iterator[Command]:
    """The alphabet for `case`: commands its stage takes, sent now or at the next moment that matters.

    Commands are dated at the case's last event, except `EndCoolingOff` (dated when the
    cooling-off period ends) and `CheckDeadlines` (a day after the next open deadline).
    """
    takes = MEDIATION.takes[case.stage]
    at = case.updated_at
    staff = _as(case.staff[0], ActorKind.STAFF)
    med = mediator_of(case)
    parties = case.parties
    if "accept" in takes:
        yield c.AcceptCase(actor=staff, at=at)
        yield c.DeclineCase(actor=staff, at=at, reason="unsuitable")
    if "record_admission" in takes and case.kind is CaseKind.CRIMINAL:
        yield c.RecordAdmission(actor=staff, at=at)
    if "assign_staff" in takes and cast.second_staff:
        yield c.AssignStaff(actor=staff, at=at, staff_id=STAFF[1])
    if "assign_mediator" in takes:
        for m in MEDIATORS if cast.second_mediator else MEDIATORS[:1]:
            yield c.AssignMediator(actor=staff, at=at, mediator_id=m)
        if cast.second_mediator:
            # One conflict comes to light, about the mediator assigned last, who may then be
            # released; the other mediator stays free, so a meeting stays possible.
            conflicted = {who for who, _ in case.conflicts}
            if cast.conflicts and not conflicted:
                latest = case.mediators[-1] if case.mediators else MEDIATORS[1]
                yield c.DeclareConflict(actor=staff, at=at, mediator_id=latest, towards=parties[0].id)
            for m in sorted(conflicted | {MEDIATORS[1]}):
                yield c.ReleaseMediator(actor=staff, at=at, mediator_id=m)
    for p in parties:
        yield from _party_commands(case, p, staff, med, takes, cast=cast)
    if "prepare" in takes:
        yield c.StartPreparation(actor=med if case.mediators else staff, at=at)
    if "schedule" in takes:
        yield from _schedules(case, med)
    yield from _confidentiality(case)
    if "hold_meeting" in takes and case.meeting is not None and case.stage is Stage.FOLLOW_UP:
        if case.meeting.held_at is None:  # the follow-up meeting (R19)
            yield c.HoldMeeting(actor=med, at=at, present=case.meeting.attendees)
            yield c.HoldMeeting(actor=med, at=at, present=(*case.meeting.attendees, VISITOR))
    elif "hold_meeting" in takes and case.meeting is not None:
        meeting = case.meeting
        yield c.HoldMeeting(actor=med, at=at, present=meeting.attendees)
        yield c.HoldMeeting(actor=med, at=at, present=(*meeting.attendees, VISITOR))
        if case.participants:
            yield c.HoldMeeting(actor=med, at=at, present=(*(p.id for p in case.active_parties), med.id))
        yield c.RecordAgreement(actor=med, at=at, items=_items(case, at))
        yield c.RecordNoAgreement(actor=med, at=at)
        if case.adjournments < cast.adjournments:
            yield c.AdjournMeeting(actor=med, at=at)
    if "sign_agreement" in takes:
        yield c.SignAgreement(actor=med, at=at, signer_id=med.id)
        yield c.RecordNoAgreement(actor=med, at=at)
    agreement = case.agreement
    if "end_cooling_off" in takes and agreement is not None and agreement.cooling_off_ends is not None:
        yield c.EndCoolingOff(actor=staff, at=max(at, agreement.cooling_off_ends))
    if "report_item" in takes and agreement is not None:
        for item in agreement.items:
            if item.status is ItemStatus.OPEN:
                for reporter in _reporters(case, staff):
                    yield c.ReportItem(actor=reporter, at=at, item_id=item.id, fulfilled=True)
                yield c.ReportItem(actor=staff, at=at, item_id=item.id, fulfilled=False)
        pending = [i.deadline for i in agreement.items if i.status is ItemStatus.OPEN]
        if pending:
            yield c.CheckDeadlines(actor=staff, at=max(at, min(pending) + STEP))


def _party_commands(
    case: Case, p: Party, staff: Actor, med: Actor, takes: frozenset[str], *, cast: Cast
) -> Iterator[Command]:
    at = case.updated_at
    me = _as(p.id, ActorKind.PARTY)
    if "withdraw" in takes:
        yield c.Withdraw(actor=me, at=at, party_id=p.id)
        if p.minor:
            for g in p.guardians[:1]:
                yield c.Withdraw(actor=_as(g, ActorKind.GUARDIAN), at=at, party_id=p.id)
    if "inform_party" in takes:
        yield c.InformParty(actor=med if case.mediators else staff, at=at, party_id=p.id)
    if "give_consent" in takes:
        yield c.GiveConsent(actor=me, at=at, party_id=p.id)
        if p.minor:
            for g in p.guardians:
                yield c.GiveGuardianConsent(actor=_as(g, ActorKind.GUARDIAN), at=at, party_id=p.id)
            yield c.DispenseGuardianConsent(actor=staff, at=at, party_id=p.id)
    if "hold_preparatory_talk" in takes:
        yield c.HoldPreparatoryTalk(actor=med, at=at, party_id=p.id)
    if "propose_participant" in takes:
        if cast.support and p is case.parties[0]:
            friend = f"support-{p.id}"
            yield c.ProposeParticipant(actor=me, at=at, participant_id=friend, role=ParticipantRole.SUPPORT)
            yield c.DiscloseParticipant(actor=med if case.mediators else staff, at=at, participant_id=friend)
        if cast.lawyer and p is case.parties[-1]:
            yield c.GrantExemption(actor=staff, at=at, party_id=p.id, exemption=Exemption.LAWYER)
            yield c.ProposeParticipant(
                actor=me, at=at, participant_id=f"lawyer-{p.id}", role=ParticipantRole.LAWYER, accompanies=p.id
            )
        for q in case.participants:
            yield c.ApproveParticipant(actor=me, at=at, participant_id=q.id, party_id=p.id)
    if "agree_confidentiality" in takes and case.meeting is not None and p.id in case.meeting.attendees:
        yield c.AgreeConfidentiality(actor=me, at=at, person_id=p.id)
    if "sign_agreement" in takes:
        yield c.SignAgreement(actor=me, at=at, signer_id=p.id)
        if p.minor:
            for g in p.guardians[:1]:
                yield c.SignAgreement(actor=_as(g, ActorKind.GUARDIAN), at=at, signer_id=g)


def _schedules(case: Case, med: Actor) -> Iterator[Command]:
    """The meetings tried: in follow-up, one follow-up meeting (R19) and a meeting of another kind."""
    at = case.updated_at
    parties = tuple(p.id for p in case.active_parties)
    guests = tuple(q.id for q in case.participants)
    if case.stage is Stage.FOLLOW_UP:
        yield c.ScheduleMeeting(actor=med, at=at, starts_at=at, attendees=(*parties, med.id))  # refused (R19)
        if case.meeting is None or case.meeting.kind is not MeetingKind.FOLLOW_UP:  # one follow-up meeting
            yield c.ScheduleMeeting(
                actor=med, at=at, kind=MeetingKind.FOLLOW_UP, starts_at=at, attendees=(*parties, med.id, *guests)
            )
        return
    if not case.adjournments:  # a follow-up meeting as the first meeting: refused (R19)
        first = c.ScheduleMeeting(
            actor=med, at=at, kind=MeetingKind.FOLLOW_UP, starts_at=at, attendees=(*parties, med.id)
        )
        yield first
    yield c.ScheduleMeeting(actor=med, at=at, starts_at=at, attendees=(*parties, med.id))
    if len(case.mediators) > 1:
        yield c.ScheduleMeeting(actor=med, at=at, starts_at=at, attendees=(*parties, *case.mediators))
    if guests:
        yield c.ScheduleMeeting(actor=med, at=at, starts_at=at, attendees=(*parties, med.id, *guests))


def _confidentiality(case: Case) -> Iterator[Command]:
    """Everyone on the scheduled meeting's list who is not a party agrees to confidentiality.

    Before a meeting is scheduled only the mediator does, which keeps the state space small.
    """
    if "agree_confidentiality" not in MEDIATION.takes[case.stage]:
        return
    at = case.updated_at
    if case.meeting is None:
        if case.mediators:
            med = mediator_of(case)
            yield c.AgreeConfidentiality(actor=med, at=at, person_id=med.id)
        return
    for person in case.meeting.attendees:
        if case.party(person) is None:
            kind = ActorKind.MEDIATOR if person in case.mediators else ActorKind.PARTICIPANT
            yield c.AgreeConfidentiality(actor=_as(person, kind), at=at, person_id=person)
