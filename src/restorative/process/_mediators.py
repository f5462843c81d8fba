"""Mediators: assigned and released by staff, and kept impartial (R5)."""

from __future__ import annotations

from .. import commands as c
from .. import events as e
from .._rules import conflicted, knows
from .._values import ActorKind, Case
from ..errors import InvalidInput, NotPermitted
from . import _guards as guard
from ._registry import Changes, Events, Part

part = Part("mediators")
_STAFF = (ActorKind.STAFF,)


@part.command(c.AssignMediator, by=_STAFF)
def assign_mediator(case: Case, command: c.AssignMediator) -> Events:
    """R5: up to the policy's number of mediators, none conflicted or otherwise in the case."""
    guard.staff(case, command.actor)
    mediator = command.mediator_id
    if mediator in case.mediators:
        raise guard.refuse(case, "R5", f"{mediator} is already assigned")
    if len(case.mediators) >= case.policy.max_mediators:
        limit = case.policy.max_mediators
        raise guard.refuse(case, "R5", f"the policy allows at most {limit} mediators; release one first")
    towards = conflicted(case, mediator)
    if towards is not None:
        raise guard.refuse(case, "R5", f"{mediator} declared a conflict of interest towards {towards}; choose another")
    if knows(case, mediator):
        raise guard.refuse(case, "R5", f"{mediator} takes part in the case and cannot be impartial")
    return (e.MediatorAssigned(actor=command.actor, at=command.at, mediator_id=mediator),)


@part.event(e.MediatorAssigned, say=lambda ev: f"mediator {ev.mediator_id} assigned")
def mediator_assigned(case: Case, event: e.MediatorAssigned) -> Changes:
    return {"mediators": (*case.mediators, event.mediator_id)}


@part.command(c.ReleaseMediator, by=_STAFF)
def release_mediator(case: Case, command: c.ReleaseMediator) -> Events:
    """R5: a mediator on the scheduled meeting stays until it is adjourned, unless conflicted."""
    guard.staff(case, command.actor)
    if command.mediator_id not in case.mediators:
        raise guard.refuse(case, "R5", f"{command.mediator_id} is not assigned to the case")
    on_meeting = case.meeting is not None and command.mediator_id in case.meeting.attendees
    if on_meeting and conflicted(case, command.mediator_id) is None:  # a conflicted one may always go (R5)
        raise guard.refuse(case, "R5", "the mediator is on the scheduled meeting; adjourn the meeting first")
    return (e.MediatorReleased(actor=command.actor, at=command.at, mediator_id=command.mediator_id),)


@part.event(e.MediatorReleased, say=lambda ev: f"mediator {ev.mediator_id} released")
def mediator_released(case: Case, event: e.MediatorReleased) -> Changes:
    return {"mediators": tuple(m for m in case.mediators if m != event.mediator_id)}


@part.command(c.DeclareConflict, by=(ActorKind.MEDIATOR, ActorKind.STAFF))
def declare_conflict(case: Case, command: c.DeclareConflict) -> Events:
    """R5: a mediator declares their own conflict of interest, or staff record one."""
    actor = command.actor
    if actor.kind is ActorKind.MEDIATOR:
        guard.mediator(case, actor)
        if actor.id != command.mediator_id:
            raise NotPermitted(actor.id, case.stage, "a mediator declares only their own conflicts")
    else:
        guard.staff(case, actor)
    if not knows(case, command.towards) or command.towards in case.mediators or command.towards in case.staff:
        raise InvalidInput(
            f"{command.towards!r} is not a party, guardian or participant of case {case.id}", field="towards"
        )
    if (command.mediator_id, command.towards) in case.conflicts:
        raise guard.refuse(case, "R5", "this conflict of interest is already recorded")
    return (e.ConflictDeclared(actor=actor, at=command.at, mediator_id=command.mediator_id, towards=command.towards),)


@part.event(
    e.ConflictDeclared,
    say=lambda ev: f"mediator {ev.mediator_id} declared a conflict of interest towards {ev.towards}",
)
def conflict_declared(case: Case, event: e.ConflictDeclared) -> Changes:
    return {"conflicts": (*case.conflicts, (event.mediator_id, event.towards))}
