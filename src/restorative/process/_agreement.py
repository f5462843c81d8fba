"""The agreement: recorded after a held meeting (R9), signed by everyone it needs, bound after any
cooling-off period (R10); or no agreement at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs

from .. import commands as c
from .. import events as e
from .._lifecycle import Stage
from .._replace import replace, replacer
from .._rules import cooling_off_days, fully_signed, guardian_signs_for, latest_deadline, may_sign
from .._values import Actor, ActorKind, Agreement, Case, CaseKind, ItemStatus, Outcome, ReportKind
from ..commands import Command
from ..errors import InvalidInput, NotPermitted
from . import _guards as guard
from ._registry import Changes, Events, Part, no_change
from ._reports import report

part = Part("agreement")
_MEDIATOR = (ActorKind.MEDIATOR,)
_signed = replacer(Agreement, "signatures")
_recorded = replacer(Agreement, "items", "made_at", "cooling_off_days")
_BLANK = Agreement(items=(), made_at=datetime(2000, 1, 1, tzinfo=UTC))


def _held(case: Case) -> None:
    if case.meeting is None or case.meeting.held_at is None:
        raise guard.refuse(case, "R9", "hold the meeting first, or adjourn it")


@part.command(c.RecordAgreement, by=_MEDIATOR)
def record_agreement(case: Case, command: c.RecordAgreement) -> Events:
    """R9, R10: items owed by parties in the case, due after the agreement could bind, within the policy."""
    _held(case)
    guard.meeting_mediator(case, command.actor)
    if not command.items:
        raise guard.refuse(case, "R9", "an agreement has at least one item; record no agreement instead")
    latest = latest_deadline(case, command.at)
    cooling = cooling_off_days(case, command.cooling_off)
    binds_at = command.at + timedelta(days=cooling)  # the earliest it can bind: an item due before is lost (R11)
    items = []
    for item in command.items:
        party = case.party(item.responsible)
        if party is None or party.withdrawn:
            raise guard.refuse(case, "R9", f"item {item.id}: {item.responsible} is not a party still in the case")
        if item.deadline <= binds_at:
            raise guard.refuse(
                case,
                "R9",
                f"item {item.id}: its deadline must fall after the agreement"
                + (f" and its {cooling} days of cooling-off ({binds_at.isoformat()})" if cooling else ""),
            )
        if latest is not None and item.deadline > latest:
            raise guard.refuse(case, "R9", f"item {item.id}: the policy's longest deadline is {latest.isoformat()}")
        items.append(item if item.status is ItemStatus.OPEN else attrs.evolve(item, status=ItemStatus.OPEN))
    if case.kind is CaseKind.CRIMINAL and command.cooling_off is False and case.policy.criminal_cooling_off_days:
        raise guard.refuse(case, "R10", "criminal agreements have the policy's cooling-off period; it cannot be waived")
    return (e.AgreementRecorded(actor=command.actor, at=command.at, items=tuple(items), cooling_off_days=cooling),)


@part.event(
    e.AgreementRecorded,
    say=lambda ev: (
        f"agreement recorded with {len(ev.items)} item(s), cooling-off {ev.cooling_off_days} day(s): "
        + "; ".join(f"{i.kind.value} by {i.responsible} before {i.deadline:%Y-%m-%d}" for i in ev.items)
    ),
)
def agreement_recorded(case: Case, event: e.AgreementRecorded) -> Changes:
    # Copied from a blank agreement rather than built: the stage walk has already held `at` to R15.
    return {"agreement": _recorded(_BLANK, event.items, event.at, event.cooling_off_days)}


@part.command(c.RecordNoAgreement, by=_MEDIATOR)
def record_no_agreement(case: Case, command: c.RecordNoAgreement) -> Events:
    """R9, R12: the held meeting (or the signing) ends without an agreement; a criminal referrer gets a return."""
    guard.mediator(case, command.actor)
    if case.stage is Stage.MEETING:
        _held(case)
    events: list[e.Event] = [e.NoAgreementRecorded(actor=command.actor, at=command.at)]
    report(case, command, events, ReportKind.RETURN, Outcome.NO_AGREEMENT, returns_only=True)
    return tuple(events)


part.event(e.NoAgreementRecorded, say=lambda ev: "no agreement reached")(no_change)


def _own(case: Case, actor: Actor, at: datetime) -> tuple[Command, ...]:
    return (c.SignAgreement(actor=actor, at=at, signer_id=actor.id),)


@part.command(c.SignAgreement, by=(ActorKind.PARTY, ActorKind.GUARDIAN, ActorKind.MEDIATOR), candidates=_own)
def sign_agreement(case: Case, command: c.SignAgreement) -> Events:
    """R10: each party, a guardian of each minor party and a mediator of the meeting sign for themselves.

    A guardian signs for a ward who was a minor when the agreement was recorded (see
    `restorative._rules.signing_time`).
    """
    actor = command.actor
    signer = command.signer_id
    agreement = guard.agreement(case)
    if actor.id != signer:
        raise NotPermitted(actor.id, case.stage, "everyone signs for themselves")
    if actor.kind is ActorKind.PARTY:
        guard.as_party(case, actor, signer)
    elif actor.kind is ActorKind.MEDIATOR:
        guard.meeting_mediator(case, actor)
    elif actor.kind is ActorKind.GUARDIAN:
        if guardian_signs_for(case, agreement, signer) is None:
            hint = "a guardian signs only for a party still in the case who was a minor when the agreement was made"
            raise NotPermitted(actor.id, case.stage, hint)
    else:
        raise NotPermitted(
            actor.id, case.stage, "the agreement is signed by the parties, guardians of minor parties and a mediator"
        )
    if not may_sign(case, agreement, signer):
        hint = f"{signer} is not a party, a guardian of a minor party, or a mediator of the case"
        raise guard.refuse(case, "R10", hint)
    if signer in agreement.signatures:
        raise guard.refuse(case, "R10", f"{signer} has already signed")
    events: list[e.Event] = [e.AgreementSigned(actor=actor, at=command.at, signer_id=signer)]
    complete_if_signed(case, command, events, _signed(agreement, (*agreement.signatures, signer)))
    return tuple(events)


@part.event(e.AgreementSigned, say=lambda ev: f"agreement signed by {ev.signer_id}")
def agreement_signed(case: Case, event: e.AgreementSigned) -> Changes:
    agreement = guard.agreement(case)
    return {"agreement": _signed(agreement, (*agreement.signatures, event.signer_id))}


def complete_if_signed(case: Case, command: Command, events: list[e.Event], agreement: Agreement) -> None:
    """R10: once nobody is missing, start the cooling-off period, or bind at once without one."""
    if not fully_signed(case, agreement):
        return
    if agreement.cooling_off_days:
        ends = command.at + timedelta(days=agreement.cooling_off_days)
        events.append(e.CoolingOffStarted(actor=command.actor, at=command.at, ends_at=ends))
    else:
        bind(case, command, events, agreement)


@part.event(e.CoolingOffStarted, say=lambda ev: f"cooling-off period runs until {ev.ends_at:%Y-%m-%d}")
def cooling_off_started(case: Case, event: e.CoolingOffStarted) -> Changes:
    return {"agreement": replace(guard.agreement(case), cooling_off_ends=event.ends_at)}


def bind(case: Case, command: Command, events: list[e.Event], agreement: Agreement) -> None:
    """R10, R12: the agreement binds now; a referrer who is due one gets a copy."""
    events.append(e.AgreementBound(actor=command.actor, at=command.at))
    report(case, command, events, ReportKind.AGREEMENT, None, agreement=replace(agreement, bound_at=command.at))


@part.event(e.AgreementBound, say=lambda ev: "agreement binds; follow-up started")
def agreement_bound(case: Case, event: e.AgreementBound) -> Changes:
    return {"agreement": replace(guard.agreement(case), bound_at=event.at)}


@part.command(c.EndCoolingOff, by=(ActorKind.MEDIATOR, ActorKind.STAFF))
def end_cooling_off(case: Case, command: c.EndCoolingOff) -> Events:
    """R10: once the cooling-off period has passed with no withdrawal, the agreement binds."""
    guard.mediator_or_staff(case, command.actor)
    agreement = guard.agreement(case)
    if agreement.cooling_off_ends is None:
        raise InvalidInput(f"case {case.id} is inconsistent: cooling off without an end date")
    if command.at < agreement.cooling_off_ends:
        raise guard.refuse(case, "R10", f"the cooling-off period runs until {agreement.cooling_off_ends.isoformat()}")
    events: list[e.Event] = []
    bind(case, command, events, agreement)
    return tuple(events)
