"""Consent: every party is informed and consents, a minor's guardians too (R3); then preparation starts (R4).

`mark` sets and clears a party's `Progress` flags; the later stages' folds use it too.
"""

from __future__ import annotations

from datetime import datetime

from .. import commands as c
from .. import events as e
from .._replace import replace, replacer
from .._rules import may_dispense, minor_at, preparation_blockers
from .._values import Actor, ActorKind, Case, CaseKind, Party, Progress
from ..errors import NotPermitted
from . import _guards as guard
from ._registry import Changes, Events, Part, index_of, no_change

part = Part("consent")
_STAFF = (ActorKind.STAFF,)
_MEDIATOR_OR_STAFF = (ActorKind.MEDIATOR, ActorKind.STAFF)

_PROGRESS: dict[int, Progress] = {bits: Progress(bits) for bits in range(1 << len(Progress))}
"""Every combination of flags, built once: flag arithmetic runs enum code."""


_with_progress = replacer(Party, "progress")
_consented_by = replacer(Party, "guardian_consents")


INFORMED, CONSENTED, DISPENSED, PREPARED, WITHDRAWN = (
    flag._value_
    for flag in (Progress.INFORMED, Progress.CONSENTED, Progress.DISPENSED, Progress.PREPARED, Progress.WITHDRAWN)
)
"""The `Progress` flags as the integers `mark` takes (reading a flag's value runs enum code)."""


def mark(case: Case, party_id: str, add: int, remove: int = 0) -> tuple[Party, ...]:
    """The case's parties with the flags `add` set (and `remove` cleared) on one party's progress."""
    parties = case.parties
    n = index_of(parties, party_id)
    if n < 0:
        return parties
    p = parties[n]
    return (*parties[:n], _with_progress(p, _PROGRESS[(p.progress._value_ | add) & ~remove]), *parties[n + 1 :])


@part.command(c.RecordAdmission, by=_STAFF)
def record_admission(case: Case, command: c.RecordAdmission) -> Events:
    """R4: a criminal case records the responsible party's admission of the facts once."""
    guard.staff(case, command.actor)
    if case.kind is not CaseKind.CRIMINAL:
        raise guard.refuse(case, "R4", "an admission of the facts belongs to a criminal case")
    if case.referral.admission_of_facts:
        raise guard.refuse(case, "R4", "the admission of the facts is already recorded")
    return (e.AdmissionRecorded(actor=command.actor, at=command.at),)


@part.event(e.AdmissionRecorded, say=lambda ev: "admission of the facts recorded")
def admission_recorded(case: Case, event: e.AdmissionRecorded) -> Changes:
    return {"referral": replace(case.referral, admission_of_facts=True)}


@part.command(c.InformParty, by=_MEDIATOR_OR_STAFF)
def inform_party(case: Case, command: c.InformParty) -> Events:
    """R3: a party is told what the process is before they can consent."""
    guard.mediator_or_staff(case, command.actor)
    party = guard.active_party(case, command.party_id)
    if party.informed:
        raise guard.refuse(case, "R3", f"{party.id} is already informed")
    return (e.PartyInformed(actor=command.actor, at=command.at, party_id=party.id),)


@part.event(e.PartyInformed, say=lambda ev: f"{ev.party_id} informed about the process")
def party_informed(case: Case, event: e.PartyInformed) -> Changes:
    return {"parties": mark(case, event.party_id, INFORMED)}


def _own(case: Case, actor: Actor, at: datetime) -> tuple[c.Command, ...]:
    return (c.GiveConsent(actor=actor, at=at, party_id=actor.id),)


@part.command(c.GiveConsent, by=(ActorKind.PARTY,), candidates=_own)
def give_consent(case: Case, command: c.GiveConsent) -> Events:
    """R3: an informed party consents for themself, once."""
    party = guard.as_party(case, command.actor, command.party_id)
    if not party.informed:
        raise guard.refuse(case, "R3", f"{party.id} must be informed about the process before consenting")
    if party.consented:
        raise guard.refuse(case, "R3", f"{party.id} has already consented")
    return (e.ConsentGiven(actor=command.actor, at=command.at, party_id=party.id),)


@part.event(e.ConsentGiven, say=lambda ev: f"{ev.party_id} consented")
def consent_given(case: Case, event: e.ConsentGiven) -> Changes:
    return {"parties": mark(case, event.party_id, CONSENTED)}


def _wards(case: Case, actor: Actor, at: datetime) -> tuple[c.Command, ...]:
    return tuple(
        c.GiveGuardianConsent(actor=actor, at=at, party_id=p.id) for p in case.parties if actor.id in p.guardians
    )


@part.command(c.GiveGuardianConsent, by=(ActorKind.GUARDIAN,), candidates=_wards)
def give_guardian_consent(case: Case, command: c.GiveGuardianConsent) -> Events:
    """R3: each guardian of an informed minor consents for them, once."""
    party = guard.active_party(case, command.party_id)
    actor = command.actor
    if actor.kind is not ActorKind.GUARDIAN or actor.id not in party.guardians:
        raise NotPermitted(actor.id, case.stage, f"only a guardian of {party.id} consents for them")
    if not minor_at(case, party, command.at):  # a guardian's consent ends when the ward comes of age
        raise guard.refuse(case, "R3", f"{party.id} is not a minor and consents for themself")
    if not party.informed:
        raise guard.refuse(case, "R3", f"{party.id} must be informed about the process first")
    if actor.id in party.guardian_consents:
        raise guard.refuse(case, "R3", f"{actor.id} has already consented for {party.id}")
    return (e.GuardianConsentGiven(actor=actor, at=command.at, party_id=party.id, guardian_id=actor.id),)


@part.event(e.GuardianConsentGiven, say=lambda ev: f"guardian {ev.guardian_id} consented for {ev.party_id}")
def guardian_consent_given(case: Case, event: e.GuardianConsentGiven) -> Changes:
    parties = case.parties
    n = index_of(parties, event.party_id)
    if n < 0:
        return {}
    p = parties[n]
    return {"parties": (*parties[:n], _consented_by(p, (*p.guardian_consents, event.guardian_id)), *parties[n + 1 :])}


def _minors(case: Case, actor: Actor, at: datetime) -> tuple[c.Command, ...]:
    return tuple(
        c.DispenseGuardianConsent(actor=actor, at=at, party_id=p.id) for p in case.parties if minor_at(case, p, at)
    )


@part.command(c.DispenseGuardianConsent, by=_STAFF, candidates=_minors)
def dispense_guardian_consent(case: Case, command: c.DispenseGuardianConsent) -> Events:
    """R3: in a civil case, staff may find a minor at the dispensation age needs no guardian consent."""
    guard.staff(case, command.actor)
    party = guard.active_party(case, command.party_id)
    problem = may_dispense(case, party, command.at)
    if problem is not None:
        raise guard.refuse(case, "R3", problem)
    if party.dispensed:
        raise guard.refuse(case, "R3", f"guardian consent for {party.id} is already dispensed with")
    return (e.GuardianConsentDispensed(actor=command.actor, at=command.at, party_id=party.id),)


@part.event(e.GuardianConsentDispensed, say=lambda ev: f"guardian consent for {ev.party_id} dispensed with by staff")
def guardian_consent_dispensed(case: Case, event: e.GuardianConsentDispensed) -> Changes:
    return {"parties": mark(case, event.party_id, DISPENSED)}


@part.command(c.StartPreparation, by=_MEDIATOR_OR_STAFF)
def start_preparation(case: Case, command: c.StartPreparation) -> Events:
    """R4: preparation starts once every party consents (and a criminal case has its admission)."""
    guard.mediator_or_staff(case, command.actor)
    blockers = preparation_blockers(case, command.at)
    if blockers:
        raise guard.refuse(case, "R4", "; ".join(blockers))
    return (e.PreparationStarted(actor=command.actor, at=command.at),)


part.event(e.PreparationStarted, say=lambda ev: "everyone consented; preparation started")(no_change)
