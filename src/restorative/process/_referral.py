"""Referral: a case is opened from a referral, then accepted or (a civil case) declined (R17, R18).

Staff who open a case are assigned to it, and more staff may be assigned in any active stage.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .. import commands as c
from .. import events as e
from .._lifecycle import Stage
from .._policy import Policy
from .._replace import replacer
from .._rules import guardian_problem, knows, referral_problem
from .._values import ActorKind, Case, CaseKind, Party, Progress, Referral, ReferralSource
from ..errors import NotPermitted, RuleViolation
from . import _guards as guard
from ._registry import Changes, Events, Opening, Part, no_change

part = Part("referral")
_STAFF = (ActorKind.STAFF,)


def refer(command: c.ReferCase) -> Events:
    """R18, R15, R14: the referral fits its kind, is not opened before it arrived, by staff outside the case."""
    if command.actor.kind is not ActorKind.STAFF:
        raise NotPermitted(command.actor.id, Stage.REFERRED, "only staff open cases from a referral")
    referral = command.referral
    problem = referral_problem(referral.kind, referral.source, command.parties)
    if problem is not None:
        raise RuleViolation("R18", Stage.REFERRED, problem)
    if command.at < referral.received_at:
        raise RuleViolation("R15", Stage.REFERRED, "a case cannot be opened before its referral was received")
    staff_id = command.actor.id
    taken = {p.id for p in command.parties} | {g for p in command.parties for g in p.guardians}
    if staff_id in taken:
        raise NotPermitted(staff_id, Stage.REFERRED, "staff may not act on a case in which they take part")
    day = command.policy.day_of(referral.received_at)  # the day at the service, not in UTC
    parties = []
    for p in command.parties:
        age = p.age_on(day)
        minor = p.minor if age is None else age < command.policy.age_of_majority
        party = _as_referred(p, minor, (), _NO_PROGRESS)  # a checked party, with nothing reached yet
        problem = guardian_problem(referral.kind, party, age, command.policy)
        if problem is not None:
            raise RuleViolation("R18", Stage.REFERRED, problem)
        parties.append(party)
    return (
        e.CaseReferred(
            actor=command.actor,
            at=command.at,
            case_id=command.case_id,
            referral=referral,
            parties=tuple(parties),
            policy=command.policy,
        ),
    )


_as_referred = replacer(Party, "minor", "guardian_consents", "progress")
_NO_PROGRESS = Progress(0)
_FIELDS = ("id", "referral", "policy", "stage", "parties", "staff", "version", "updated_at")
_open = replacer(Case, *_FIELDS)
_BLANK = Case(
    id="blank",
    referral=Referral(source=ReferralSource.PARTIES, kind=CaseKind.CIVIL, received_at=datetime(2000, 1, 1, tzinfo=UTC)),
    policy=Policy.norway(),
    stage=Stage.REFERRED,
    parties=(),
    updated_at=datetime(2000, 1, 1, tzinfo=UTC),
)
"""A case whose other fields hold their defaults; `opened` copies it with every field a referral sets."""


def opened(event: e.CaseReferred) -> Case:
    """The case a referral opens, with the staff member who opened it assigned."""
    return _open(
        _BLANK,
        event.case_id,
        event.referral,
        event.policy,
        Stage.REFERRED,
        event.parties,
        (event.actor.id,),
        1,
        event.at,
    )


def _say_referred(ev: e.CaseReferred) -> str:
    parties = ", ".join(f"{p.id} ({p.role.value}{', minor' if p.minor else ''})" for p in ev.parties)
    return f"case {ev.case_id} referred by {ev.referral.source.value} ({ev.referral.kind.value}), parties {parties}"


part.opening(
    Opening(
        command=c.ReferCase,
        decide=refer,
        by=frozenset(_STAFF),
        event=e.CaseReferred,
        start=opened,
        say=_say_referred,
    )
)


@part.command(c.AcceptCase, by=_STAFF)
def accept(case: Case, command: c.AcceptCase) -> Events:
    """Staff accept the referral; consent is gathered next."""
    guard.staff(case, command.actor)
    return (e.CaseAccepted(actor=command.actor, at=command.at),)


part.event(e.CaseAccepted, say=lambda ev: "referral accepted; gathering consent")(no_change)


@part.command(c.DeclineCase, by=_STAFF)
def decline(case: Case, command: c.DeclineCase) -> Events:
    """R17: only a civil case may be declined as unsuitable."""
    guard.staff(case, command.actor)
    if case.kind is not CaseKind.CIVIL:
        raise guard.refuse(case, "R17", "a criminal case cannot be declined; accept it, or let the parties withdraw")
    return (e.CaseDeclined(actor=command.actor, at=command.at, reason=command.reason),)


part.event(e.CaseDeclined, say=lambda ev: "case declined as unsuitable" + (f": {ev.reason}" if ev.reason else ""))(
    no_change
)


@part.command(c.AssignStaff, by=_STAFF)
def assign_staff(case: Case, command: c.AssignStaff) -> Events:
    """R14: assigned staff add a colleague who takes no other part in the case."""
    guard.staff(case, command.actor)
    if command.staff_id in case.staff:
        raise guard.refuse(case, "R14", f"{command.staff_id} is already assigned")
    if knows(case, command.staff_id):
        raise guard.refuse(case, "R14", f"{command.staff_id} already takes part in the case in another capacity")
    return (e.StaffAssigned(actor=command.actor, at=command.at, staff_id=command.staff_id),)


@part.event(e.StaffAssigned, say=lambda ev: f"staff {ev.staff_id} assigned")
def staff_assigned(case: Case, event: e.StaffAssigned) -> Changes:
    return {"staff": (*case.staff, event.staff_id)}
