"""Follow-up: each item is reported fulfilled or breached, or found overdue; the case ends fulfilled
or breached (R11), and the referrer hears of it (R12)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from .. import commands as c
from .. import events as e
from .._replace import replacer
from .._rules import minor_at, overdue_items, report_problem
from .._values import Actor, ActorKind, Agreement, Case, Item, ItemStatus, Outcome, ReportKind
from ..commands import Command
from ..errors import InvalidInput, NotPermitted
from . import _guards as guard
from ._registry import Changes, Events, Part, no_change
from ._reports import report

part = Part("follow-up")


_with_status = replacer(Item, "status")
_with_items = replacer(Agreement, "items")


def set_items(agreement: Agreement, ids: set[str], status: ItemStatus) -> Agreement:
    """The agreement with the items `ids` given `status`."""
    return _with_items(agreement, tuple([_with_status(i, status) if i.id in ids else i for i in agreement.items]))


def breach(case: Case, command: Command, events: list[e.Event], agreement: Agreement, items: Iterable[str]) -> None:
    """R11, R12: the items are breached, so is the case; the referrer gets the return or status it is due."""
    breached = set(items)
    for item in agreement.items:
        if item.id in breached:
            events.append(e.ItemBreached(actor=command.actor, at=command.at, item_id=item.id))
    events.append(e.CaseBreached(actor=command.actor, at=command.at))
    final = attrs.evolve(
        agreement,
        items=tuple(attrs.evolve(i, status=ItemStatus.BREACHED) if i.id in breached else i for i in agreement.items),
    )
    report(case, command, events, ReportKind.RETURN, Outcome.BREACHED, agreement=final)


def _may_report(case: Case, actor: Actor, item: Item, at: datetime) -> None:
    """R11, R14: the harmed party (a party other than the one who owes it, in a civil case), their
    guardian, or assigned staff report on an item."""
    if actor.kind is ActorKind.STAFF:
        guard.staff(case, actor)
        return
    if actor.kind is ActorKind.PARTY:
        reporter = guard.as_party(case, actor, actor.id)
    elif actor.kind is ActorKind.GUARDIAN:
        wards = [p for p in case.active_parties if actor.id in p.guardians and minor_at(case, p, at)]
        if not wards:
            raise NotPermitted(actor.id, case.stage, "a guardian reports only for a minor party still in the case")
        reporter = wards[0]
    else:
        raise NotPermitted(actor.id, case.stage, "the harmed party (or their guardian) or staff report fulfilment")
    problem = report_problem(case, reporter, item)
    if problem is not None:
        raise NotPermitted(actor.id, case.stage, problem)


def _every_item(case: Case, actor: Actor, at: datetime) -> Sequence[Command] | None:
    if case.agreement is None:
        return None
    return tuple(c.ReportItem(actor=actor, at=at, item_id=i.id, fulfilled=True) for i in case.agreement.items)


@part.command(c.ReportItem, by=(ActorKind.PARTY, ActorKind.GUARDIAN, ActorKind.STAFF), candidates=_every_item)
def report_item(case: Case, command: c.ReportItem) -> Events:
    """R11: an open item is reported fulfilled or breached; items overdue meanwhile are breached."""
    actor = command.actor
    agreement = guard.agreement(case)
    item = next((i for i in agreement.items if i.id == command.item_id), None)
    if item is None:
        known = ", ".join(i.id for i in agreement.items)
        raise InvalidInput(f"unknown item {command.item_id!r}; the agreement's items are {known}", field="item_id")
    _may_report(case, actor, item, command.at)
    if item.status is not ItemStatus.OPEN:
        raise guard.refuse(case, "R11", f"item {item.id} is already {item.status.value}")
    events: list[e.Event] = []
    if not command.fulfilled:
        breach(case, command, events, agreement, [item.id, *overdue_items(agreement, command.at)])
        return tuple(events)
    # The reporter's word settles this item, even if reported after its deadline; other items
    # whose deadline has passed unfulfilled are breached (R11).
    events.append(e.ItemFulfilled(actor=actor, at=command.at, item_id=item.id))
    now = set_items(agreement, {item.id}, ItemStatus.FULFILLED)
    overdue = overdue_items(now, command.at)
    if overdue:
        breach(case, command, events, now, overdue)
    elif all(i.status is ItemStatus.FULFILLED for i in now.items):
        events.append(e.CaseFulfilled(actor=actor, at=command.at))
        report(case, command, events, ReportKind.FULFILMENT, Outcome.FULFILLED, agreement=now)
    return tuple(events)


@part.event(e.ItemFulfilled, say=lambda ev: f"item {ev.item_id} fulfilled")
def item_fulfilled(case: Case, event: e.ItemFulfilled) -> Changes:
    return {"agreement": set_items(guard.agreement(case), {event.item_id}, ItemStatus.FULFILLED)}


@part.event(e.ItemBreached, say=lambda ev: f"item {ev.item_id} breached")
def item_breached(case: Case, event: e.ItemBreached) -> Changes:
    return {"agreement": set_items(guard.agreement(case), {event.item_id}, ItemStatus.BREACHED)}


part.event(e.CaseFulfilled, say=lambda ev: "every item fulfilled: case fulfilled")(no_change)


part.event(e.CaseBreached, say=lambda ev: "agreement breached: case breached")(no_change)


@part.command(c.CheckDeadlines, by=(ActorKind.STAFF,))
def check_deadlines(case: Case, command: c.CheckDeadlines) -> Events:
    """R11: staff mark the items whose deadline passed unfulfilled as breached."""
    guard.staff(case, command.actor)
    agreement = guard.agreement(case)
    overdue = overdue_items(agreement, command.at)
    if not overdue:
        pending = [i.deadline for i in agreement.items if i.status is ItemStatus.OPEN]
        hint = f"no item is overdue; the next deadline is {min(pending).isoformat()}" if pending else "no item is open"
        raise guard.refuse(case, "R11", hint)
    events: list[e.Event] = []
    breach(case, command, events, agreement, overdue)
    return tuple(events)
