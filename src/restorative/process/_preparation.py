"""Preparation: a talk with each party (R6), and who else comes to the meeting, agreed by every party (R7)."""

from __future__ import annotations

from .. import commands as c
from .. import events as e
from .._replace import replacer
from .._rules import SUPPORT_ROLES_NEEDING_EXEMPTION, has_exemption, participant
from .._values import ActorKind, Case, Participant, ParticipantRole
from ..errors import InvalidInput, NotPermitted
from . import _guards as guard
from ._consent import PREPARED, mark
from ._registry import Changes, Events, Part, index_of

part = Part("preparation")
_MEDIATOR_OR_STAFF = (ActorKind.MEDIATOR, ActorKind.STAFF)
_approved_by = replacer(Participant, "approved_by")
_disclosed = replacer(Participant, "disclosed")


@part.command(c.HoldPreparatoryTalk, by=(ActorKind.MEDIATOR,))
def hold_preparatory_talk(case: Case, command: c.HoldPreparatoryTalk) -> Events:
    """R6: the mediator talks with each party still in the case before the meeting."""
    guard.mediator(case, command.actor)
    party = guard.active_party(case, command.party_id)
    return (e.PreparatoryTalkHeld(actor=command.actor, at=command.at, party_id=party.id, channel=command.channel),)


@part.event(
    e.PreparatoryTalkHeld,
    say=lambda ev: f"preparatory talk with {ev.party_id} ({ev.channel.value.replace('_', ' ')})",
)
def preparatory_talk_held(case: Case, event: e.PreparatoryTalkHeld) -> Changes:
    return {"parties": mark(case, event.party_id, PREPARED)}


@part.command(c.GrantExemption, by=(ActorKind.STAFF,))
def grant_exemption(case: Case, command: c.GrantExemption) -> Events:
    """R7: staff record an exception to the in-person, no-lawyer rule for one party."""
    guard.staff(case, command.actor)
    party = guard.active_party(case, command.party_id)
    if has_exemption(case, party.id, command.exemption):
        raise guard.refuse(case, "R7", "this exemption is already recorded")
    return (e.ExemptionGranted(actor=command.actor, at=command.at, party_id=party.id, exemption=command.exemption),)


@part.event(e.ExemptionGranted, say=lambda ev: f"exemption for {ev.party_id}: {ev.exemption.value.replace('_', ' ')}")
def exemption_granted(case: Case, event: e.ExemptionGranted) -> Changes:
    return {"exemptions": (*case.exemptions, (event.party_id, event.exemption))}


@part.command(c.ProposeParticipant, by=(ActorKind.PARTY, ActorKind.MEDIATOR, ActorKind.STAFF))
def propose_participant(case: Case, command: c.ProposeParticipant) -> Events:
    """R7: a party proposes their companion (and so agrees to them), or a mediator or staff proposes someone."""
    actor = command.actor
    accompanies = command.accompanies
    if actor.kind is ActorKind.PARTY:
        party = guard.as_party(case, actor, actor.id)
        if accompanies is None:
            accompanies = party.id
        elif accompanies != party.id:
            raise NotPermitted(actor.id, case.stage, "a party proposes only people who come with them")
    else:
        guard.mediator_or_staff(case, actor)
        if accompanies is not None:
            guard.party(case, accompanies, "accompanies")
            guard.active_party(case, accompanies)
    person = command.participant_id
    if person in case.mediators or person in case.staff or case.party(person) is not None:
        raise guard.refuse(case, "R7", f"{person} already takes part as a party, mediator or staff")
    if participant(case, person) is not None:
        raise guard.refuse(case, "R7", f"{person} is already proposed")
    needed = SUPPORT_ROLES_NEEDING_EXEMPTION.get(command.role)
    if needed is not None and accompanies is None:
        raise InvalidInput(
            f"name the party the {command.role.value} accompanies (accompanies=...)", field="accompanies"
        )
    if needed is not None and accompanies is not None and not has_exemption(case, accompanies, needed):
        raise guard.refuse(
            case,
            "R7",
            f"parties attend without a {command.role.value}; staff must record a {needed.value} exemption first",
        )
    if command.role is ParticipantRole.GUARDIAN:
        ward = case.party(accompanies) if accompanies is not None else None
        if ward is None or person not in ward.guardians:
            raise guard.refuse(case, "R7", f"{person} is not a registered guardian of the party they accompany")
    events: list[e.Event] = [
        e.ParticipantProposed(
            actor=actor, at=command.at, participant_id=person, role=command.role, accompanies=accompanies
        )
    ]
    if actor.kind is ActorKind.PARTY:
        events.append(e.ParticipantApproved(actor=actor, at=command.at, participant_id=person, party_id=actor.id))
    return tuple(events)


@part.event(
    e.ParticipantProposed,
    say=lambda ev: (
        f"{ev.participant_id} proposed as {ev.role.value}" + (f" for {ev.accompanies}" if ev.accompanies else "")
    ),
)
def participant_proposed(case: Case, event: e.ParticipantProposed) -> Changes:
    guest = Participant(id=event.participant_id, role=event.role, accompanies=event.accompanies)
    return {"participants": (*case.participants, guest)}


def _proposed(case: Case, person: str) -> Participant:
    found = participant(case, person)
    if found is None:
        raise InvalidInput(
            f"{person!r} has not been proposed as a participant in case {case.id}", field="participant_id"
        )
    return found


@part.command(c.DiscloseParticipant, by=_MEDIATOR_OR_STAFF)
def disclose_participant(case: Case, command: c.DiscloseParticipant) -> Events:
    """R7: the other side is told that a participant will attend."""
    guard.mediator_or_staff(case, command.actor)
    p = _proposed(case, command.participant_id)
    if p.disclosed:
        raise guard.refuse(case, "R7", f"{p.id} is already disclosed")
    return (e.ParticipantDisclosed(actor=command.actor, at=command.at, participant_id=p.id),)


@part.event(e.ParticipantDisclosed, say=lambda ev: f"{ev.participant_id} disclosed to the other side")
def participant_disclosed(case: Case, event: e.ParticipantDisclosed) -> Changes:
    guests = case.participants
    n = index_of(guests, event.participant_id)
    if n < 0:
        return {}
    return {"participants": (*guests[:n], _disclosed(guests[n], True), *guests[n + 1 :])}


@part.command(c.ApproveParticipant, by=(ActorKind.PARTY,))
def approve_participant(case: Case, command: c.ApproveParticipant) -> Events:
    """R7: a party agrees to a participant; another party's support person must be disclosed first."""
    party = guard.as_party(case, command.actor, command.party_id)
    p = _proposed(case, command.participant_id)
    if party.id in p.approved_by:
        raise guard.refuse(case, "R7", f"{party.id} has already agreed to {p.id}")
    if p.role is ParticipantRole.SUPPORT and p.accompanies != party.id and not p.disclosed:
        raise guard.refuse(case, "R7", f"support person {p.id} must be disclosed to {party.id} before they agree")
    return (e.ParticipantApproved(actor=command.actor, at=command.at, participant_id=p.id, party_id=party.id),)


@part.event(e.ParticipantApproved, say=lambda ev: f"{ev.party_id} agreed that {ev.participant_id} attends")
def participant_approved(case: Case, event: e.ParticipantApproved) -> Changes:
    guests = case.participants
    n = index_of(guests, event.participant_id)
    if n < 0:
        return {}
    p = guests[n]
    return {"participants": (*guests[:n], _approved_by(p, (*p.approved_by, event.party_id)), *guests[n + 1 :])}
