"""Withdrawal: every party still in the case, or a minor's guardian, may withdraw in every active
stage (R1); the case goes on only while a dialogue remains (R13), and after binding the party's
open items are breached (R11)."""

from __future__ import annotations

from datetime import datetime

from .. import commands as c
from .. import events as e
from .._lifecycle import Stage
from .._replace import replace
from .._rules import minor_at, withdrawal_continues
from .._values import Actor, ActorKind, Case, ItemStatus, Outcome, ReportKind
from ..commands import Command
from ..errors import NotPermitted
from . import _guards as guard
from ._agreement import complete_if_signed
from ._consent import CONSENTED, WITHDRAWN, mark
from ._follow_up import breach
from ._registry import Changes, Events, Part, no_change
from ._reports import report

part = Part("withdrawal")


def _own_or_wards(case: Case, actor: Actor, at: datetime) -> tuple[Command, ...]:
    if actor.kind is ActorKind.GUARDIAN:
        return tuple(c.Withdraw(actor=actor, at=at, party_id=p.id) for p in case.parties if actor.id in p.guardians)
    return (c.Withdraw(actor=actor, at=at, party_id=actor.id),)


@part.command(c.Withdraw, by=(ActorKind.PARTY, ActorKind.GUARDIAN), candidates=_own_or_wards)
def withdraw(case: Case, command: c.Withdraw) -> Events:
    """R1, R13, R11, R10: never refused for a process reason; what follows depends on the stage."""
    actor = command.actor
    party = guard.party(case, command.party_id)
    if actor.kind is ActorKind.GUARDIAN and actor.id in party.guardians:
        if not minor_at(case, party, command.at):  # a guardian's standing ends when the ward comes of age
            raise NotPermitted(actor.id, case.stage, f"{party.id} is not a minor and withdraws only themself")
    elif actor.kind is not ActorKind.PARTY or actor.id != party.id:
        raise NotPermitted(actor.id, case.stage, f"only {party.id} or their guardian may withdraw them")
    if party.withdrawn:
        raise guard.refuse(case, "R1", f"{party.id} has already withdrawn")
    withdrew = e.PartyWithdrew(actor=actor, at=command.at, party_id=party.id)
    events: list[e.Event] = [withdrew]
    agreement = case.agreement
    owes = (
        []
        if agreement is None
        else [i.id for i in agreement.items if i.responsible == party.id and i.status is ItemStatus.OPEN]
    )
    if case.stage is Stage.FOLLOW_UP:
        if owes:
            breach(case, command, events, guard.agreement(case), owes)
        return tuple(events)
    remaining = [p for p in case.active_parties if p.id != party.id]
    if not withdrawal_continues(case, remaining, owes):
        events.append(e.CaseWithdrawn(actor=actor, at=command.at))
        report(case, command, events, ReportKind.RETURN, Outcome.WITHDRAWN, returns_only=True)
    elif case.stage is Stage.AGREEMENT:
        # The party no longer signs; if everyone else has, the agreement is complete now (R10).
        after = replace(case, **party_withdrew(case, withdrew))
        complete_if_signed(after, command, events, guard.agreement(after))
    return tuple(events)


@part.event(e.PartyWithdrew, say=lambda ev: f"{ev.party_id} withdrew")
def party_withdrew(case: Case, event: e.PartyWithdrew) -> Changes:
    return {"parties": mark(case, event.party_id, WITHDRAWN, CONSENTED)}


part.event(e.CaseWithdrawn, say=lambda ev: "no dialogue remains: case withdrawn")(no_change)
