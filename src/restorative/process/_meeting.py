"""The meeting: scheduled with its agreed attendees (R5-R7), held with those present who keep
confidentiality (R8), or adjourned for another one; in follow-up, the follow-up meeting (R19)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from .. import commands as c
from .. import events as e
from .._lifecycle import Stage
from .._replace import replacer
from .._rules import attendee_problem, conflicted, has_exemption, knows
from .._values import Actor, ActorKind, Case, Exemption, Meeting, MeetingKind
from ..errors import InvalidInput, NotPermitted
from . import _guards as guard
from ._registry import Changes, Events, Part

part = Part("meeting")
_MEDIATOR = (ActorKind.MEDIATOR,)
_held_at = replacer(Meeting, "held_at")
_scheduled = replacer(Meeting, "kind", "starts_at", "attendees", "remote")
_BLANK = Meeting(kind=MeetingKind.MEDIATION, starts_at=datetime(2000, 1, 1, tzinfo=UTC), attendees=())
"""A meeting whose other fields hold their defaults: a scheduled meeting is a copy of it."""


def _check_mediators(case: Case, mediators: Iterable[str]) -> None:
    """R5: one to the policy's number of mediators attend, none conflicted."""
    chosen = list(mediators)
    limit = case.policy.max_mediators
    if not 1 <= len(chosen) <= limit:
        raise guard.refuse(case, "R5", f"a meeting needs 1 to {limit} assigned mediators, {len(chosen)} attend")
    for m in chosen:
        towards = conflicted(case, m)
        if towards is not None:
            raise guard.refuse(case, "R5", f"{m} has a conflict of interest towards {towards}; release them first")


def _check_kind(case: Case, kind: MeetingKind) -> None:
    """R19: a follow-up meeting follows up a binding agreement, and follow-up holds no other kind."""
    follow_up = case.stage is Stage.FOLLOW_UP
    if follow_up and kind is not MeetingKind.FOLLOW_UP:
        hint = "the agreement binds and the case is in follow-up: schedule a follow-up meeting (MeetingKind.FOLLOW_UP)"
        raise guard.refuse(case, "R19", hint)
    if not follow_up and kind is MeetingKind.FOLLOW_UP:
        hint = (
            "a follow-up meeting follows up a binding agreement, in follow-up; "
            "schedule a mediation or large-group meeting now"
        )
        raise guard.refuse(case, "R19", hint)


@part.command(c.ScheduleMeeting, by=(ActorKind.MEDIATOR, ActorKind.STAFF))
def schedule_meeting(case: Case, command: c.ScheduleMeeting) -> Events:
    """R5, R6, R7: impartial mediators, every party prepared and on the list, every other attendee agreed.

    R19: in follow-up, only a follow-up meeting, which replaces the meeting before it and
    keeps the case in follow-up; before, any kind but a follow-up meeting.
    """
    guard.mediator_or_staff(case, command.actor)
    if command.starts_at < command.at:
        raise InvalidInput(
            "a meeting is scheduled for a time after it is scheduled (starts_at >= at)", field="starts_at"
        )
    _check_kind(case, command.kind)
    _check_mediators(case, (a for a in command.attendees if a in case.mediators))
    if case.policy.preparatory_talks_required:
        unprepared = [p.id for p in case.active_parties if not p.prepared]
        if unprepared:
            raise guard.refuse(case, "R6", f"hold a preparatory talk with {', '.join(unprepared)} first")
    attendees = set(command.attendees)
    absent = [p.id for p in case.active_parties if p.id not in attendees]
    if absent:
        raise guard.refuse(case, "R7", f"parties attend the meeting themselves: add {', '.join(absent)}")
    for person in command.attendees:
        problem = attendee_problem(case, person)
        if problem is not None:
            raise guard.refuse(case, "R7", problem)
    for party_id in command.remote:
        guard.party(case, party_id, "remote")
        if party_id not in attendees:
            raise InvalidInput(f"{party_id} attends remotely but is not on the attendee list", field="remote")
        if not has_exemption(case, party_id, Exemption.REMOTE_ATTENDANCE):
            hint = f"{party_id} attends in person unless staff record a remote-attendance exemption"
            raise guard.refuse(case, "R7", hint)
    return (
        e.MeetingScheduled(
            actor=command.actor,
            at=command.at,
            kind=command.kind,
            starts_at=command.starts_at,
            attendees=command.attendees,
            remote=command.remote,
        ),
    )


@part.event(
    e.MeetingScheduled,
    say=lambda ev: (
        f"{ev.kind.value.replace('_', ' ')} meeting scheduled for {ev.starts_at:%Y-%m-%d %H:%M} with "
        + ", ".join(ev.attendees)
    ),
)
def meeting_scheduled(case: Case, event: e.MeetingScheduled) -> Changes:
    return {"meeting": _scheduled(_BLANK, event.kind, event.starts_at, event.attendees, event.remote)}


def capacity(case: Case, person: str) -> ActorKind:
    """In which capacity a person known to the case takes part in it."""
    if case.party(person) is not None:
        return ActorKind.PARTY
    if person in case.mediators:
        return ActorKind.MEDIATOR
    if person in case.staff:
        return ActorKind.STAFF
    if any(person in p.guardians for p in case.parties):
        return ActorKind.GUARDIAN
    return ActorKind.PARTICIPANT


def _for_themself(case: Case, actor: Actor, at: datetime) -> Sequence[c.Command] | None:
    if actor.kind is ActorKind.MEDIATOR:
        return None  # a mediator also records it for others: that needs a person
    return (c.AgreeConfidentiality(actor=actor, at=at, person_id=actor.id),)


@part.command(c.AgreeConfidentiality, by=tuple(ActorKind), candidates=_for_themself)
def agree_confidentiality(case: Case, command: c.AgreeConfidentiality) -> Events:
    """R8, R5: a person agrees for themself, or a mediator records that they agreed; a mediator with
    a declared conflict of interest does neither, as they may not act on the case."""
    actor = command.actor
    person = command.person_id
    if not knows(case, person):
        raise InvalidInput(f"{person!r} takes no part in case {case.id}", field="person_id")
    if actor.id == person:
        if capacity(case, person) is not actor.kind:
            raise NotPermitted(actor.id, case.stage, f"{person} takes part as {capacity(case, person).value}")
        if actor.kind is ActorKind.MEDIATOR:
            guard.impartial(case, actor.id)
    elif actor.kind is ActorKind.MEDIATOR:
        guard.mediator(case, actor)
    else:
        raise NotPermitted(
            actor.id, case.stage, "people agree to confidentiality for themselves, or a mediator records it"
        )
    party = case.party(person)
    if party is not None and party.withdrawn:
        raise guard.refuse(case, "R1", f"{person} has withdrawn from the case and takes no further part")
    if person in case.confidential:
        raise guard.refuse(case, "R8", f"{person} has already agreed to keep confidentiality")
    return (e.ConfidentialityAgreed(actor=actor, at=command.at, person_id=person),)


@part.event(e.ConfidentialityAgreed, say=lambda ev: f"{ev.person_id} agreed to keep confidentiality")
def confidentiality_agreed(case: Case, event: e.ConfidentialityAgreed) -> Changes:
    return {"confidential": (*case.confidential, event.person_id)}


@part.command(c.HoldMeeting, by=_MEDIATOR)
def hold_meeting(case: Case, command: c.HoldMeeting) -> Events:
    """R8, R5, R7: everyone present was on the list, may still attend and keeps confidentiality."""
    guard.mediator(case, command.actor)
    meeting = guard.meeting(case)
    follow_up = case.stage is Stage.FOLLOW_UP
    if meeting.held_at is not None:
        hint = (
            "the meeting was already held; schedule another follow-up meeting to meet again"
            if follow_up
            else "the meeting was already held; record the agreement, no agreement, or adjourn"
        )
        raise guard.refuse(case, "R8", hint)
    if command.at < meeting.starts_at:
        raise guard.refuse(case, "R8", f"the meeting is scheduled for {meeting.starts_at.isoformat()}")
    attendees = set(meeting.attendees)
    for person in command.present:
        party = case.party(person)
        if party is not None and party.withdrawn:
            raise guard.refuse(case, "R8", f"{person} has withdrawn from the case and may not be present")
        if person not in attendees:
            raise guard.refuse(case, "R8", f"{person} was not on the agreed attendee list; they may not be present")
        if person not in case.confidential:
            raise guard.refuse(case, "R8", f"{person} has not agreed to keep confidentiality")
        problem = attendee_problem(case, person)  # e.g. came with a party who has withdrawn, or was released
        if problem is not None:
            raise guard.refuse(case, "R8", f"{problem}, so they may not be present")
    present = set(command.present)
    if command.actor.id not in present:
        raise guard.refuse(case, "R8", f"{command.actor.id} records only a meeting they are present at")
    _check_mediators(case, (p for p in command.present if p in case.mediators))
    absent = [p.id for p in case.active_parties if p.id not in present]
    if absent:
        instead = "schedule the follow-up meeting again" if follow_up else "adjourn instead"
        hint = f"the parties attend themselves; {', '.join(absent)} is absent: {instead}"
        raise guard.refuse(case, "R7", hint)
    return (e.MeetingHeld(actor=command.actor, at=command.at, present=command.present),)


@part.event(e.MeetingHeld, say=lambda ev: f"meeting held with {', '.join(ev.present)} present")
def meeting_held(case: Case, event: e.MeetingHeld) -> Changes:
    return {"meeting": _held_at(guard.meeting(case), event.at), "meetings_held": case.meetings_held + 1}


@part.command(c.AdjournMeeting, by=_MEDIATOR)
def adjourn_meeting(case: Case, command: c.AdjournMeeting) -> Events:
    """The mediator adjourns the meeting for another; the case goes back to preparation."""
    guard.mediator(case, command.actor)
    return (e.MeetingAdjourned(actor=command.actor, at=command.at),)


@part.event(e.MeetingAdjourned, say=lambda ev: "meeting adjourned; back to preparation")
def meeting_adjourned(case: Case, event: e.MeetingAdjourned) -> Changes:
    return {"meeting": None, "adjournments": case.adjournments + 1}
