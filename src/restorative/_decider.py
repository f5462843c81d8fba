"""The decider: `decide`, `evolve`, `handle`, `replay` and `allowed`.

Pure functions: no I/O, no clock, no randomness. `decide` checks the stage (from the
lifecycle machine), the actor (R14) and the rules, and either raises or returns the
events; `evolve` folds one event into the case and never rejects an event `decide`
produced. A refused command changes nothing (R16): nothing is mutated anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import attrs

from . import _commands as c
from . import _events as e
from ._commands import COMMAND_TYPES, Command
from ._events import Event
from ._lifecycle import FINAL_STAGES, MOVES, TAKES, Stage
from ._replace import replace
from ._rules import (
    SUPPORT_ROLES_NEEDING_EXEMPTION,
    attendee_problem,
    conflicted,
    cooling_off_days,
    guardian_problem,
    has_exemption,
    latest_deadline,
    may_dispense,
    may_sign,
    missing_signatures,
    overdue_items,
    participant,
    people,
    preparation_blockers,
    referral_problem,
    reports_agreement,
    reports_returns,
    withdrawal_continues,
)
from ._values import (
    Actor,
    ActorKind,
    Agreement,
    Case,
    CaseKind,
    Exemption,
    Item,
    ItemStatus,
    Meeting,
    Outcome,
    Participant,
    ParticipantRole,
    Party,
    Progress,
    Report,
    ReportKind,
    Role,
)
from .errors import InvalidInput, NotPermitted, RuleViolation, StageError

_C = TypeVar("_C", bound=Command)

_TRIGGER_NAMES: dict[str, list[str]] = {}
for _cls in COMMAND_TYPES:
    _TRIGGER_NAMES.setdefault(_cls.trigger, []).append(_cls.__name__)

_POSSIBLE: dict[Stage, tuple[str, ...]] = {
    stage: tuple(sorted(n for t in TAKES[stage] for n in _TRIGGER_NAMES.get(t, ()))) for stage in Stage
}
"""Names of the commands each stage takes, derived once from the lifecycle machine."""


# --- authorization (R14) ------------------------------------------------------------


def _refuse(case: Case, rule: str, hint: str) -> RuleViolation:
    return RuleViolation(rule, case.stage, hint)


def _staff(case: Case, actor: Actor) -> None:
    if actor.kind is not ActorKind.STAFF or actor.id not in case.staff:
        raise NotPermitted(actor.id, case.stage, "only staff assigned to the case may do this")


def _mediator(case: Case, actor: Actor) -> None:
    if actor.kind is not ActorKind.MEDIATOR or actor.id not in case.mediators:
        raise NotPermitted(actor.id, case.stage, "only a mediator assigned to the case may do this")
    _impartial(case, actor.id)


def _impartial(case: Case, mediator: str) -> None:
    """R5: a mediator with a declared conflict of interest may not act on the case."""
    towards = conflicted(case, mediator)
    if towards is not None:
        raise _refuse(
            case, "R5", f"{mediator} declared a conflict of interest towards {towards}; release them and assign another"
        )


def _mediator_or_staff(case: Case, actor: Actor) -> None:
    if actor.kind is ActorKind.STAFF and actor.id in case.staff:
        return
    if actor.kind is ActorKind.MEDIATOR and actor.id in case.mediators:
        _impartial(case, actor.id)
        return
    raise NotPermitted(actor.id, case.stage, "only the case's mediators or assigned staff may do this")


def _meeting_mediator(case: Case, actor: Actor) -> None:
    """R10: the agreement is recorded and signed by a mediator who was on the meeting's attendee list."""
    _mediator(case, actor)
    meeting = _meeting(case)
    if actor.id not in meeting.attendees:
        raise _refuse(case, "R10", f"{actor.id} did not take part in the meeting; a mediator who did must do this")


def _party(case: Case, party_id: str, field: str = "party_id") -> Party:
    party = case.party(party_id)
    if party is None:
        known = ", ".join(p.id for p in case.parties)
        raise InvalidInput(f"unknown party {party_id!r} in case {case.id}; its parties are {known}", field=field)
    return party


def _active_party(case: Case, party_id: str) -> Party:
    party = _party(case, party_id)
    if party.withdrawn:
        raise _refuse(case, "R1", f"{party_id} has withdrawn from the case and takes no further part")
    return party


def _as_party(case: Case, actor: Actor, party_id: str) -> Party:
    party = _party(case, party_id)
    if actor.kind is not ActorKind.PARTY or actor.id != party_id:
        raise NotPermitted(actor.id, case.stage, f"only {party_id} may do this for themself")
    if party.withdrawn:
        raise _refuse(case, "R1", f"{party_id} has withdrawn from the case and takes no further part")
    return party


# --- the decisions --------------------------------------------------------------


def _refer(command: c.ReferCase) -> tuple[Event, ...]:
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
    day = referral.received_at.date()
    parties = []
    for p in command.parties:
        age = p.age_on(day)
        minor = p.minor if age is None else age < command.policy.age_of_majority
        party = Party(id=p.id, role=p.role, minor=minor, birth_date=p.birth_date, guardians=p.guardians)
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


def _accept(case: Case, command: c.AcceptCase) -> tuple[Event, ...]:
    _staff(case, command.actor)
    return (e.CaseAccepted(actor=command.actor, at=command.at),)


def _decline(case: Case, command: c.DeclineCase) -> tuple[Event, ...]:
    _staff(case, command.actor)
    if case.kind is not CaseKind.CIVIL:
        raise _refuse(case, "R17", "a criminal case cannot be declined; accept it, or let the parties withdraw")
    return (e.CaseDeclined(actor=command.actor, at=command.at, reason=command.reason),)


def _assign_staff(case: Case, command: c.AssignStaff) -> tuple[Event, ...]:
    _staff(case, command.actor)
    if command.staff_id in case.staff:
        raise _refuse(case, "R14", f"{command.staff_id} is already assigned")
    if command.staff_id in people(case):
        raise _refuse(case, "R14", f"{command.staff_id} already takes part in the case in another capacity")
    return (e.StaffAssigned(actor=command.actor, at=command.at, staff_id=command.staff_id),)


def _assign_mediator(case: Case, command: c.AssignMediator) -> tuple[Event, ...]:
    _staff(case, command.actor)
    mediator = command.mediator_id
    if mediator in case.mediators:
        raise _refuse(case, "R5", f"{mediator} is already assigned")
    if len(case.mediators) >= case.policy.max_mediators:
        raise _refuse(case, "R5", f"the policy allows at most {case.policy.max_mediators} mediators; release one first")
    towards = conflicted(case, mediator)
    if towards is not None:
        raise _refuse(case, "R5", f"{mediator} declared a conflict of interest towards {towards}; choose another")
    if mediator in people(case):
        raise _refuse(case, "R5", f"{mediator} takes part in the case and cannot be impartial")
    return (e.MediatorAssigned(actor=command.actor, at=command.at, mediator_id=mediator),)


def _release_mediator(case: Case, command: c.ReleaseMediator) -> tuple[Event, ...]:
    _staff(case, command.actor)
    if command.mediator_id not in case.mediators:
        raise _refuse(case, "R5", f"{command.mediator_id} is not assigned to the case")
    on_meeting = case.meeting is not None and command.mediator_id in case.meeting.attendees
    if on_meeting and conflicted(case, command.mediator_id) is None:  # a conflicted one may always go (R5)
        raise _refuse(case, "R5", "the mediator is on the scheduled meeting; adjourn the meeting first")
    return (e.MediatorReleased(actor=command.actor, at=command.at, mediator_id=command.mediator_id),)


def _declare_conflict(case: Case, command: c.DeclareConflict) -> tuple[Event, ...]:
    actor = command.actor
    if actor.kind is ActorKind.MEDIATOR:
        _mediator(case, actor)
        if actor.id != command.mediator_id:
            raise NotPermitted(actor.id, case.stage, "a mediator declares only their own conflicts")
    else:
        _staff(case, actor)
    if command.towards not in people(case) or command.towards in case.mediators or command.towards in case.staff:
        raise InvalidInput(
            f"{command.towards!r} is not a party, guardian or participant of case {case.id}", field="towards"
        )
    if (command.mediator_id, command.towards) in case.conflicts:
        raise _refuse(case, "R5", "this conflict of interest is already recorded")
    return (e.ConflictDeclared(actor=actor, at=command.at, mediator_id=command.mediator_id, towards=command.towards),)


def _record_admission(case: Case, command: c.RecordAdmission) -> tuple[Event, ...]:
    _staff(case, command.actor)
    if case.kind is not CaseKind.CRIMINAL:
        raise _refuse(case, "R4", "an admission of the facts belongs to a criminal case")
    if case.referral.admission_of_facts:
        raise _refuse(case, "R4", "the admission of the facts is already recorded")
    return (e.AdmissionRecorded(actor=command.actor, at=command.at),)


def _inform_party(case: Case, command: c.InformParty) -> tuple[Event, ...]:
    _mediator_or_staff(case, command.actor)
    party = _active_party(case, command.party_id)
    if party.informed:
        raise _refuse(case, "R3", f"{party.id} is already informed")
    return (e.PartyInformed(actor=command.actor, at=command.at, party_id=party.id),)


def _give_consent(case: Case, command: c.GiveConsent) -> tuple[Event, ...]:
    party = _as_party(case, command.actor, command.party_id)
    if not party.informed:
        raise _refuse(case, "R3", f"{party.id} must be informed about the process before consenting")
    if party.consented:
        raise _refuse(case, "R3", f"{party.id} has already consented")
    return (e.ConsentGiven(actor=command.actor, at=command.at, party_id=party.id),)


def _give_guardian_consent(case: Case, command: c.GiveGuardianConsent) -> tuple[Event, ...]:
    party = _active_party(case, command.party_id)
    actor = command.actor
    if actor.kind is not ActorKind.GUARDIAN or actor.id not in party.guardians:
        raise NotPermitted(actor.id, case.stage, f"only a guardian of {party.id} consents for them")
    if not party.minor:
        raise _refuse(case, "R3", f"{party.id} is not a minor and consents for themself")
    if not party.informed:
        raise _refuse(case, "R3", f"{party.id} must be informed about the process first")
    if actor.id in party.guardian_consents:
        raise _refuse(case, "R3", f"{actor.id} has already consented for {party.id}")
    return (e.GuardianConsentGiven(actor=actor, at=command.at, party_id=party.id, guardian_id=actor.id),)


def _dispense(case: Case, command: c.DispenseGuardianConsent) -> tuple[Event, ...]:
    _staff(case, command.actor)
    party = _active_party(case, command.party_id)
    problem = may_dispense(case, party, command.at.date())
    if problem is not None:
        raise _refuse(case, "R3", problem)
    if party.dispensed:
        raise _refuse(case, "R3", f"guardian consent for {party.id} is already dispensed with")
    return (e.GuardianConsentDispensed(actor=command.actor, at=command.at, party_id=party.id),)


def _prepare(case: Case, command: c.StartPreparation) -> tuple[Event, ...]:
    _mediator_or_staff(case, command.actor)
    blockers = preparation_blockers(case)
    if blockers:
        raise _refuse(case, "R4", "; ".join(blockers))
    return (e.PreparationStarted(actor=command.actor, at=command.at),)


def _talk(case: Case, command: c.HoldPreparatoryTalk) -> tuple[Event, ...]:
    _mediator(case, command.actor)
    party = _active_party(case, command.party_id)
    return (e.PreparatoryTalkHeld(actor=command.actor, at=command.at, party_id=party.id, channel=command.channel),)


def _grant_exemption(case: Case, command: c.GrantExemption) -> tuple[Event, ...]:
    _staff(case, command.actor)
    party = _active_party(case, command.party_id)
    if has_exemption(case, party.id, command.exemption):
        raise _refuse(case, "R7", "this exemption is already recorded")
    return (e.ExemptionGranted(actor=command.actor, at=command.at, party_id=party.id, exemption=command.exemption),)


def _propose(case: Case, command: c.ProposeParticipant) -> tuple[Event, ...]:
    actor = command.actor
    accompanies = command.accompanies
    if actor.kind is ActorKind.PARTY:
        party = _as_party(case, actor, actor.id)
        if accompanies is None:
            accompanies = party.id
        elif accompanies != party.id:
            raise NotPermitted(actor.id, case.stage, "a party proposes only people who come with them")
    else:
        _mediator_or_staff(case, actor)
        if accompanies is not None:
            _party(case, accompanies, "accompanies")
            _active_party(case, accompanies)
    person = command.participant_id
    if person in case.mediators or person in case.staff or case.party(person) is not None:
        raise _refuse(case, "R7", f"{person} already takes part as a party, mediator or staff")
    if participant(case, person) is not None:
        raise _refuse(case, "R7", f"{person} is already proposed")
    needed = SUPPORT_ROLES_NEEDING_EXEMPTION.get(command.role)
    if needed is not None and accompanies is None:
        raise InvalidInput(
            f"name the party the {command.role.value} accompanies (accompanies=...)", field="accompanies"
        )
    if needed is not None and accompanies is not None and not has_exemption(case, accompanies, needed):
        raise _refuse(
            case,
            "R7",
            f"parties attend without a {command.role.value}; staff must record a {needed.value} exemption first",
        )
    if command.role is ParticipantRole.GUARDIAN:
        ward = case.party(accompanies) if accompanies is not None else None
        if ward is None or person not in ward.guardians:
            raise _refuse(case, "R7", f"{person} is not a registered guardian of the party they accompany")
    events: list[Event] = [
        e.ParticipantProposed(
            actor=actor, at=command.at, participant_id=person, role=command.role, accompanies=accompanies
        )
    ]
    if actor.kind is ActorKind.PARTY:
        events.append(e.ParticipantApproved(actor=actor, at=command.at, participant_id=person, party_id=actor.id))
    return tuple(events)


def _proposed(case: Case, person: str) -> Participant:
    p = participant(case, person)
    if p is None:
        raise InvalidInput(
            f"{person!r} has not been proposed as a participant in case {case.id}", field="participant_id"
        )
    return p


def _disclose(case: Case, command: c.DiscloseParticipant) -> tuple[Event, ...]:
    _mediator_or_staff(case, command.actor)
    p = _proposed(case, command.participant_id)
    if p.disclosed:
        raise _refuse(case, "R7", f"{p.id} is already disclosed")
    return (e.ParticipantDisclosed(actor=command.actor, at=command.at, participant_id=p.id),)


def _approve(case: Case, command: c.ApproveParticipant) -> tuple[Event, ...]:
    party = _as_party(case, command.actor, command.party_id)
    p = _proposed(case, command.participant_id)
    if party.id in p.approved_by:
        raise _refuse(case, "R7", f"{party.id} has already agreed to {p.id}")
    if p.role is ParticipantRole.SUPPORT and p.accompanies != party.id and not p.disclosed:
        raise _refuse(case, "R7", f"support person {p.id} must be disclosed to {party.id} before they agree")
    return (e.ParticipantApproved(actor=command.actor, at=command.at, participant_id=p.id, party_id=party.id),)


def _check_mediators(case: Case, mediators: Iterable[str]) -> None:
    chosen = list(mediators)
    limit = case.policy.max_mediators
    if not 1 <= len(chosen) <= limit:
        raise _refuse(case, "R5", f"a meeting needs 1 to {limit} assigned mediators, {len(chosen)} attend")
    for m in chosen:
        towards = conflicted(case, m)
        if towards is not None:
            raise _refuse(case, "R5", f"{m} has a conflict of interest towards {towards}; release them first")


def _schedule(case: Case, command: c.ScheduleMeeting) -> tuple[Event, ...]:
    _mediator_or_staff(case, command.actor)
    if command.starts_at < command.at:
        raise InvalidInput(
            "a meeting is scheduled for a time after it is scheduled (starts_at >= at)", field="starts_at"
        )
    _check_mediators(case, (a for a in command.attendees if a in case.mediators))
    if case.policy.preparatory_talks_required:
        unprepared = [p.id for p in case.active_parties if not p.prepared]
        if unprepared:
            raise _refuse(case, "R6", f"hold a preparatory talk with {', '.join(unprepared)} first")
    attendees = set(command.attendees)
    absent = [p.id for p in case.active_parties if p.id not in attendees]
    if absent:
        raise _refuse(case, "R7", f"parties attend the meeting themselves: add {', '.join(absent)}")
    for person in command.attendees:
        problem = attendee_problem(case, person)
        if problem is not None:
            raise _refuse(case, "R7", problem)
    for party_id in command.remote:
        _party(case, party_id, "remote")
        if party_id not in attendees:
            raise InvalidInput(f"{party_id} attends remotely but is not on the attendee list", field="remote")
        if not has_exemption(case, party_id, Exemption.REMOTE_ATTENDANCE):
            raise _refuse(case, "R7", f"{party_id} attends in person unless staff record a remote-attendance exemption")
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


def _agree_confidentiality(case: Case, command: c.AgreeConfidentiality) -> tuple[Event, ...]:
    actor = command.actor
    person = command.person_id
    if person not in people(case):
        raise InvalidInput(f"{person!r} takes no part in case {case.id}", field="person_id")
    if actor.id == person:
        if _capacity(case, person) is not actor.kind:
            raise NotPermitted(actor.id, case.stage, f"{person} takes part as {_capacity(case, person).value}")
    elif actor.kind is ActorKind.MEDIATOR:
        _mediator(case, actor)
    else:
        raise NotPermitted(
            actor.id, case.stage, "people agree to confidentiality for themselves, or a mediator records it"
        )
    party = case.party(person)
    if party is not None and party.withdrawn:
        raise _refuse(case, "R1", f"{person} has withdrawn from the case and takes no further part")
    if person in case.confidential:
        raise _refuse(case, "R8", f"{person} has already agreed to keep confidentiality")
    return (e.ConfidentialityAgreed(actor=actor, at=command.at, person_id=person),)


def _capacity(case: Case, person: str) -> ActorKind:
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


def _hold_meeting(case: Case, command: c.HoldMeeting) -> tuple[Event, ...]:
    _mediator(case, command.actor)
    meeting = _meeting(case)
    if meeting.held_at is not None:
        raise _refuse(case, "R8", "the meeting was already held; record the agreement, no agreement, or adjourn")
    if command.at < meeting.starts_at:
        raise _refuse(case, "R8", f"the meeting is scheduled for {meeting.starts_at.isoformat()}")
    attendees = set(meeting.attendees)
    for person in command.present:
        party = case.party(person)
        if party is not None and party.withdrawn:
            raise _refuse(case, "R8", f"{person} has withdrawn from the case and may not be present")
        if person not in attendees:
            raise _refuse(case, "R8", f"{person} was not on the agreed attendee list; they may not be present")
        if person not in case.confidential:
            raise _refuse(case, "R8", f"{person} has not agreed to keep confidentiality")
        problem = attendee_problem(case, person)  # e.g. came with a party who has withdrawn, or was released
        if problem is not None:
            raise _refuse(case, "R8", f"{problem}, so they may not be present")
    present = set(command.present)
    if command.actor.id not in present:
        raise _refuse(case, "R8", f"{command.actor.id} records only a meeting they are present at")
    _check_mediators(case, (p for p in command.present if p in case.mediators))
    absent = [p.id for p in case.active_parties if p.id not in present]
    if absent:
        raise _refuse(case, "R7", f"the parties attend themselves; {', '.join(absent)} is absent: adjourn instead")
    return (e.MeetingHeld(actor=command.actor, at=command.at, present=command.present),)


def _adjourn(case: Case, command: c.AdjournMeeting) -> tuple[Event, ...]:
    _mediator(case, command.actor)
    return (e.MeetingAdjourned(actor=command.actor, at=command.at),)


def _held(case: Case) -> None:
    if case.meeting is None or case.meeting.held_at is None:
        raise _refuse(case, "R9", "hold the meeting first, or adjourn it")


def _record_agreement(case: Case, command: c.RecordAgreement) -> tuple[Event, ...]:
    _held(case)
    _meeting_mediator(case, command.actor)
    if not command.items:
        raise _refuse(case, "R9", "an agreement has at least one item; record no agreement instead")
    latest = latest_deadline(case, command.at)
    cooling = cooling_off_days(case, command.cooling_off)
    binds_at = command.at + timedelta(days=cooling)  # the earliest it can bind: an item due before is lost (R11)
    items = []
    for item in command.items:
        party = case.party(item.responsible)
        if party is None or party.withdrawn:
            raise _refuse(case, "R9", f"item {item.id}: {item.responsible} is not a party still in the case")
        if item.deadline <= binds_at:
            raise _refuse(
                case,
                "R9",
                f"item {item.id}: its deadline must fall after the agreement"
                + (f" and its {cooling} days of cooling-off ({binds_at.isoformat()})" if cooling else ""),
            )
        if latest is not None and item.deadline > latest:
            raise _refuse(case, "R9", f"item {item.id}: the policy's longest deadline is {latest.isoformat()}")
        items.append(item if item.status is ItemStatus.OPEN else attrs.evolve(item, status=ItemStatus.OPEN))
    if case.kind is CaseKind.CRIMINAL and command.cooling_off is False and case.policy.criminal_cooling_off_days:
        raise _refuse(case, "R10", "criminal agreements have the policy's cooling-off period; it cannot be waived")
    return (
        e.AgreementRecorded(
            actor=command.actor,
            at=command.at,
            items=tuple(items),
            cooling_off_days=cooling,
        ),
    )


def _record_no_agreement(case: Case, command: c.RecordNoAgreement) -> tuple[Event, ...]:
    _mediator(case, command.actor)
    if case.stage is Stage.MEETING:
        _held(case)
    events: list[Event] = [e.NoAgreementRecorded(actor=command.actor, at=command.at)]
    _report(case, command, events, ReportKind.RETURN, Outcome.NO_AGREEMENT, returns_only=True)
    return tuple(events)


def _sign(case: Case, command: c.SignAgreement) -> tuple[Event, ...]:
    actor = command.actor
    signer = command.signer_id
    agreement = _agreement(case)
    if actor.id != signer:
        raise NotPermitted(actor.id, case.stage, "everyone signs for themselves")
    if actor.kind is ActorKind.PARTY:
        _as_party(case, actor, signer)
    elif actor.kind is ActorKind.MEDIATOR:
        _meeting_mediator(case, actor)
    elif actor.kind is ActorKind.GUARDIAN:
        if not any(p.minor and signer in p.guardians for p in case.active_parties):
            raise NotPermitted(actor.id, case.stage, "a guardian signs only for a minor party still in the case")
    else:
        raise NotPermitted(
            actor.id, case.stage, "the agreement is signed by the parties, guardians of minor parties and a mediator"
        )
    if not may_sign(case, signer):
        raise _refuse(case, "R10", f"{signer} is not a party, a guardian of a minor party, or a mediator of the case")
    if signer in agreement.signatures:
        raise _refuse(case, "R10", f"{signer} has already signed")
    events: list[Event] = [e.AgreementSigned(actor=actor, at=command.at, signer_id=signer)]
    signed = attrs.evolve(agreement, signatures=(*agreement.signatures, signer))
    _complete_if_signed(case, command, events, signed)
    return tuple(events)


def _complete_if_signed(case: Case, command: Command, events: list[Event], agreement: Agreement) -> None:
    """R10: once nobody is missing, start the cooling-off period, or bind at once without one."""
    if missing_signatures(case, agreement):
        return
    if agreement.cooling_off_days:
        ends = command.at + timedelta(days=agreement.cooling_off_days)
        events.append(e.CoolingOffStarted(actor=command.actor, at=command.at, ends_at=ends))
    else:
        _bind(case, command, events, agreement)


def _bind(case: Case, command: Command, events: list[Event], agreement: Agreement) -> None:
    events.append(e.AgreementBound(actor=command.actor, at=command.at))
    bound = attrs.evolve(agreement, bound_at=command.at)
    _report(case, command, events, ReportKind.AGREEMENT, None, agreement=bound)


def _end_cooling_off(case: Case, command: c.EndCoolingOff) -> tuple[Event, ...]:
    _mediator_or_staff(case, command.actor)
    agreement = _agreement(case)
    if agreement.cooling_off_ends is None:
        raise InvalidInput(f"case {case.id} is inconsistent: cooling off without an end date")
    if command.at < agreement.cooling_off_ends:
        raise _refuse(case, "R10", f"the cooling-off period runs until {agreement.cooling_off_ends.isoformat()}")
    events: list[Event] = []
    _bind(case, command, events, agreement)
    return tuple(events)


def _breach(case: Case, command: Command, events: list[Event], agreement: Agreement, items: Iterable[str]) -> None:
    breached = set(items)
    for item in agreement.items:
        if item.id in breached:
            events.append(e.ItemBreached(actor=command.actor, at=command.at, item_id=item.id))
    events.append(e.CaseBreached(actor=command.actor, at=command.at))
    final = attrs.evolve(
        agreement,
        items=tuple(attrs.evolve(i, status=ItemStatus.BREACHED) if i.id in breached else i for i in agreement.items),
    )
    _report(case, command, events, ReportKind.RETURN, Outcome.BREACHED, agreement=final)


def _may_report(case: Case, actor: Actor, item: Item) -> None:
    """R11, R14: the harmed party (a party other than the one who owes it, in a civil case), their
    guardian, or assigned staff report on an item."""
    if actor.kind is ActorKind.STAFF:
        _staff(case, actor)
        return
    if actor.kind is ActorKind.PARTY:
        reporter = _as_party(case, actor, actor.id)
    elif actor.kind is ActorKind.GUARDIAN:
        wards = [p for p in case.active_parties if p.minor and actor.id in p.guardians]
        if not wards:
            raise NotPermitted(actor.id, case.stage, "a guardian reports only for a minor party still in the case")
        reporter = wards[0]
    else:
        raise NotPermitted(actor.id, case.stage, "the harmed party (or their guardian) or staff report fulfilment")
    if case.kind is CaseKind.CRIMINAL and reporter.role is not Role.HARMED:
        raise NotPermitted(actor.id, case.stage, "in a criminal case the harmed party reports fulfilment")
    if reporter.id == item.responsible:
        raise NotPermitted(
            actor.id, case.stage, f"{reporter.id} owes item {item.id}; another party or staff reports it"
        )


def _report_item(case: Case, command: c.ReportItem) -> tuple[Event, ...]:
    actor = command.actor
    agreement = _agreement(case)
    item = next((i for i in agreement.items if i.id == command.item_id), None)
    if item is None:
        known = ", ".join(i.id for i in agreement.items)
        raise InvalidInput(f"unknown item {command.item_id!r}; the agreement's items are {known}", field="item_id")
    _may_report(case, actor, item)
    if item.status is not ItemStatus.OPEN:
        raise _refuse(case, "R11", f"item {item.id} is already {item.status.value}")
    events: list[Event] = []
    if not command.fulfilled:
        _breach(case, command, events, agreement, [item.id, *overdue_items(agreement, command.at)])
        return tuple(events)
    # The reporter's word settles this item, even if reported after its deadline; other items
    # whose deadline has passed unfulfilled are breached (R11).
    events.append(e.ItemFulfilled(actor=actor, at=command.at, item_id=item.id))
    now = _set_items(agreement, {item.id}, ItemStatus.FULFILLED)
    overdue = overdue_items(now, command.at)
    if overdue:
        _breach(case, command, events, now, overdue)
    elif all(i.status is ItemStatus.FULFILLED for i in now.items):
        events.append(e.CaseFulfilled(actor=actor, at=command.at))
        _report(case, command, events, ReportKind.FULFILMENT, Outcome.FULFILLED, agreement=now)
    return tuple(events)


def _check_deadlines(case: Case, command: c.CheckDeadlines) -> tuple[Event, ...]:
    _staff(case, command.actor)
    agreement = _agreement(case)
    overdue = overdue_items(agreement, command.at)
    if not overdue:
        pending = [i.deadline for i in agreement.items if i.status is ItemStatus.OPEN]
        hint = f"no item is overdue; the next deadline is {min(pending).isoformat()}" if pending else "no item is open"
        raise _refuse(case, "R11", hint)
    events: list[Event] = []
    _breach(case, command, events, agreement, overdue)
    return tuple(events)


def _withdraw(case: Case, command: c.Withdraw) -> tuple[Event, ...]:
    actor = command.actor
    party = _party(case, command.party_id)
    if actor.kind is ActorKind.GUARDIAN and actor.id in party.guardians:
        if not party.minor:
            raise NotPermitted(actor.id, case.stage, f"{party.id} is not a minor and withdraws only themself")
    elif actor.kind is not ActorKind.PARTY or actor.id != party.id:
        raise NotPermitted(actor.id, case.stage, f"only {party.id} or their guardian may withdraw them")
    if party.withdrawn:
        raise _refuse(case, "R1", f"{party.id} has already withdrawn")
    withdrew = e.PartyWithdrew(actor=actor, at=command.at, party_id=party.id)
    events: list[Event] = [withdrew]
    agreement = case.agreement
    owes = (
        []
        if agreement is None
        else [i.id for i in agreement.items if i.responsible == party.id and i.status is ItemStatus.OPEN]
    )
    if case.stage is Stage.FOLLOW_UP:
        if owes:
            _breach(case, command, events, _agreement(case), owes)
        return tuple(events)
    remaining = [p for p in case.active_parties if p.id != party.id]
    if not withdrawal_continues(case, remaining, owes):
        events.append(e.CaseWithdrawn(actor=actor, at=command.at))
        _report(case, command, events, ReportKind.RETURN, Outcome.WITHDRAWN, returns_only=True)
    elif case.stage is Stage.AGREEMENT:
        # The party no longer signs; if everyone else has, the agreement is complete now (R10).
        after = evolve(case, withdrew)
        _complete_if_signed(after, command, events, _agreement(after))
    return tuple(events)


def _report(
    case: Case,
    command: Command,
    events: list[Event],
    kind: ReportKind,
    outcome: Outcome | None,
    *,
    agreement: Agreement | None = None,
    returns_only: bool = False,
) -> None:
    """R12: add the report the referrer is due, if any; outcomes and agreement text only."""
    if reports_returns(case):
        report_kind = kind
    elif reports_agreement(case) and not returns_only:
        report_kind = ReportKind.FULFILMENT if kind is ReportKind.RETURN else kind
    else:
        return
    report = Report(recipient=case.referral.source, kind=report_kind, outcome=outcome, agreement=agreement)
    events.append(e.ReportSent(actor=command.actor, at=command.at, report=report))


_DECIDE: dict[type[Any], Callable[[Case, Any], tuple[Event, ...]]] = {
    c.AcceptCase: _accept,
    c.DeclineCase: _decline,
    c.AssignStaff: _assign_staff,
    c.AssignMediator: _assign_mediator,
    c.ReleaseMediator: _release_mediator,
    c.DeclareConflict: _declare_conflict,
    c.RecordAdmission: _record_admission,
    c.InformParty: _inform_party,
    c.GiveConsent: _give_consent,
    c.GiveGuardianConsent: _give_guardian_consent,
    c.DispenseGuardianConsent: _dispense,
    c.StartPreparation: _prepare,
    c.HoldPreparatoryTalk: _talk,
    c.GrantExemption: _grant_exemption,
    c.ProposeParticipant: _propose,
    c.DiscloseParticipant: _disclose,
    c.ApproveParticipant: _approve,
    c.ScheduleMeeting: _schedule,
    c.AgreeConfidentiality: _agree_confidentiality,
    c.HoldMeeting: _hold_meeting,
    c.AdjournMeeting: _adjourn,
    c.RecordAgreement: _record_agreement,
    c.RecordNoAgreement: _record_no_agreement,
    c.SignAgreement: _sign,
    c.EndCoolingOff: _end_cooling_off,
    c.ReportItem: _report_item,
    c.CheckDeadlines: _check_deadlines,
    c.Withdraw: _withdraw,
}


def decide(case: Case | None, command: Command) -> tuple[Event, ...]:
    """Decide what `command` does to `case`, without changing anything.

    Args:
        case: the case as it stands, or ``None`` before it exists (only `ReferCase` opens one).
        command: what an actor asks.

    Returns:
        The events that record the decision, in order.

    Raises:
        InvalidInput: the command names someone or something the case does not know.
        StageError: the stage does not take the command.
        NotPermitted: the actor may not issue it (R14).
        RuleViolation: a rule refuses it now; the hint says what must happen first.
    """
    if type(command) not in _DECIDE and type(command) is not c.ReferCase:
        raise InvalidInput(f"not a restorative command: {command!r}", field="command")
    if case is None:
        if type(command) is c.ReferCase:
            return _refer(command)
        raise StageError(type(command).__name__, None, ("ReferCase",))
    stage = case.stage
    if command.trigger not in TAKES[stage]:
        raise StageError(type(command).__name__, stage, _POSSIBLE[stage])
    if command.at < case.updated_at:
        raise RuleViolation(
            "R15", stage, f"time never goes backwards: the case's last event was at {case.updated_at.isoformat()}"
        )
    return _DECIDE[type(command)](case, command)


# --- evolve ----------------------------------------------------------------------


_PROGRESS: dict[int, Progress] = {}
for _bits in range(1 << len(Progress)):
    _PROGRESS[_bits] = Progress(_bits)  # every combination, built once: flag arithmetic runs enum code


def _mark(case: Case, party_id: str, add: Progress, remove: Progress | None = None) -> tuple[Party, ...]:
    plus = add._value_
    minus = 0 if remove is None else remove._value_
    return tuple(
        replace(p, progress=_PROGRESS[(p.progress._value_ | plus) & ~minus]) if p.id == party_id else p
        for p in case.parties
    )


def _replace_participant(
    case: Case, person: str, change: Callable[[Participant], Participant]
) -> tuple[Participant, ...]:
    return tuple(change(p) if p.id == person else p for p in case.participants)


def _set_items(agreement: Agreement, ids: set[str], status: ItemStatus) -> Agreement:
    return replace(agreement, items=tuple(replace(i, status=status) if i.id in ids else i for i in agreement.items))


def _agreement(case: Any) -> Agreement:
    if case.agreement is None:
        raise InvalidInput(f"case {case.id} is inconsistent: stage {case.stage.value} but no agreement recorded")
    agreement: Agreement = case.agreement
    return agreement


def _meeting(case: Any) -> Meeting:
    if case.meeting is None:
        raise InvalidInput(f"case {case.id} is inconsistent: stage {case.stage.value} but no meeting scheduled")
    meeting: Meeting = case.meeting
    return meeting


_EVOLVE: dict[type[Any], Callable[[Case, Any], dict[str, Any]]] = {
    e.CaseAccepted: lambda case, ev: {},
    e.CaseDeclined: lambda case, ev: {},
    e.StaffAssigned: lambda case, ev: {"staff": (*case.staff, ev.staff_id)},
    e.MediatorAssigned: lambda case, ev: {"mediators": (*case.mediators, ev.mediator_id)},
    e.MediatorReleased: lambda case, ev: {"mediators": tuple(m for m in case.mediators if m != ev.mediator_id)},
    e.ConflictDeclared: lambda case, ev: {"conflicts": (*case.conflicts, (ev.mediator_id, ev.towards))},
    e.AdmissionRecorded: lambda case, ev: {"referral": replace(case.referral, admission_of_facts=True)},
    e.PartyInformed: lambda case, ev: {"parties": _mark(case, ev.party_id, Progress.INFORMED)},
    e.ConsentGiven: lambda case, ev: {"parties": _mark(case, ev.party_id, Progress.CONSENTED)},
    e.GuardianConsentGiven: lambda case, ev: {
        "parties": tuple(
            replace(p, guardian_consents=(*p.guardian_consents, ev.guardian_id)) if p.id == ev.party_id else p
            for p in case.parties
        )
    },
    e.GuardianConsentDispensed: lambda case, ev: {"parties": _mark(case, ev.party_id, Progress.DISPENSED)},
    e.PreparationStarted: lambda case, ev: {},
    e.PreparatoryTalkHeld: lambda case, ev: {"parties": _mark(case, ev.party_id, Progress.PREPARED)},
    e.ExemptionGranted: lambda case, ev: {"exemptions": (*case.exemptions, (ev.party_id, ev.exemption))},
    e.ParticipantProposed: lambda case, ev: {
        "participants": (
            *case.participants,
            Participant(id=ev.participant_id, role=ev.role, accompanies=ev.accompanies),
        )
    },
    e.ParticipantDisclosed: lambda case, ev: {
        "participants": _replace_participant(case, ev.participant_id, lambda p: replace(p, disclosed=True))
    },
    e.ParticipantApproved: lambda case, ev: {
        "participants": _replace_participant(
            case, ev.participant_id, lambda p: replace(p, approved_by=(*p.approved_by, ev.party_id))
        )
    },
    e.MeetingScheduled: lambda case, ev: {
        "meeting": Meeting(kind=ev.kind, starts_at=ev.starts_at, attendees=ev.attendees, remote=ev.remote)
    },
    e.ConfidentialityAgreed: lambda case, ev: {"confidential": (*case.confidential, ev.person_id)},
    e.MeetingHeld: lambda case, ev: {
        "meeting": replace(_meeting(case), held_at=ev.at),
        "meetings_held": case.meetings_held + 1,
    },
    e.MeetingAdjourned: lambda case, ev: {"meeting": None, "adjournments": case.adjournments + 1},
    e.AgreementRecorded: lambda case, ev: {
        "agreement": Agreement(items=ev.items, made_at=ev.at, cooling_off_days=ev.cooling_off_days)
    },
    e.NoAgreementRecorded: lambda case, ev: {},
    e.AgreementSigned: lambda case, ev: {
        "agreement": replace(_agreement(case), signatures=(*_agreement(case).signatures, ev.signer_id))
    },
    e.CoolingOffStarted: lambda case, ev: {"agreement": replace(_agreement(case), cooling_off_ends=ev.ends_at)},
    e.AgreementBound: lambda case, ev: {"agreement": replace(_agreement(case), bound_at=ev.at)},
    e.ItemFulfilled: lambda case, ev: {"agreement": _set_items(_agreement(case), {ev.item_id}, ItemStatus.FULFILLED)},
    e.ItemBreached: lambda case, ev: {"agreement": _set_items(_agreement(case), {ev.item_id}, ItemStatus.BREACHED)},
    e.PartyWithdrew: lambda case, ev: {"parties": _mark(case, ev.party_id, Progress.WITHDRAWN, Progress.CONSENTED)},
    e.CaseWithdrawn: lambda case, ev: {},
    e.CaseFulfilled: lambda case, ev: {},
    e.CaseBreached: lambda case, ev: {},
    e.ReportSent: lambda case, ev: {},
}


def _check_fold(case: Any, event: Event) -> None:
    """R15 and R2 on the fold: a log whose time goes backwards, or that changes a closed case, is corrupt."""
    at = getattr(event, "at", None)
    if not isinstance(at, datetime) or at < case.updated_at:
        raise InvalidInput(
            f"R15: {type(event).__name__} at {at} comes before the last event of case {case.id} "
            f"({case.updated_at.isoformat()}); the log is corrupt or out of order"
        )
    if case.stage in FINAL_STAGES and type(event) is not e.ReportSent:
        raise InvalidInput(f"R2: case {case.id} is {case.stage.value}; {type(event).__name__} cannot follow")


def evolve(case: Case | None, event: Event) -> Case:
    """Fold one event into the case (pure).

    Args:
        case: the case before the event, or ``None`` for the opening `CaseReferred`.
        event: an event `decide` produced (or the store loaded).

    Returns:
        The case after the event.

    Raises:
        InvalidInput: the event cannot follow this case (a corrupt or foreign log).
    """
    if case is None:
        if type(event) is not e.CaseReferred:
            raise InvalidInput(f"a case's log starts with CaseReferred, not {type(event).__name__}")
        return Case(
            id=event.case_id,
            referral=event.referral,
            policy=event.policy,
            stage=Stage.REFERRED,
            parties=event.parties,
            staff=(event.actor.id,),
            version=1,
            updated_at=event.at,
        )
    _check_fold(case, event)
    try:
        changes = _EVOLVE[type(event)](case, event)
    except KeyError:
        raise InvalidInput(f"{type(event).__name__} cannot follow the opening of case {case.id}") from None
    trigger = event.trigger
    if trigger is not None:
        try:
            changes["stage"] = MOVES[(trigger, case.stage)]
        except KeyError:
            raise InvalidInput(
                f"{type(event).__name__} cannot happen in stage {case.stage.value} (case {case.id})"
            ) from None
    changes["version"] = case.version + 1
    changes["updated_at"] = event.at
    return replace(case, **changes)


def handle(case: Case | None, command: Command) -> tuple[Case, tuple[Event, ...]]:
    """Decide and fold in one step.

    Returns:
        The case after the command and the events it produced.

    Raises:
        The errors of `decide`; nothing is changed when it raises (R16).
    """
    events = decide(case, command)
    new = case
    for event in events:
        new = evolve(new, event)
    if new is None:  # decide returned no event: impossible for a well-formed command
        raise InvalidInput(f"{type(command).__name__} produced no event")
    return new, events


def replay(events: Iterable[Event], start: Case | None = None) -> Case:
    """Rebuild a case from its events (R15): the same case `evolve` gives, event by event.

    The fold runs on a private mutable draft and builds the frozen `Case` once at the
    end, so a long log costs one copy of the case rather than one per event.

    Raises:
        InvalidInput: there are no events, or they do not make a case.
    """
    try:
        it = iter(events)
    except TypeError:
        raise InvalidInput(f"replay takes an iterable of events, not {type(events).__name__}") from None
    if start is None:
        first = next(it, None)
        if first is None:
            raise InvalidInput("cannot replay an empty log: a case starts with CaseReferred")
        start = evolve(None, first)
    draft = _Draft()
    for name in _CASE_FIELDS:
        setattr(draft, name, getattr(start, name))
    report = e.ReportSent
    for event in it:
        fold = _EVOLVE.get(type(event))
        if fold is None:
            raise InvalidInput(f"{type(event).__name__} cannot follow the opening of case {start.id}")
        if event.at < draft.updated_at or (draft.stage in FINAL_STAGES and type(event) is not report):
            _check_fold(draft, event)  # raises, with the reason
        changes = fold(draft, event)  # type: ignore[arg-type]
        trigger = event.trigger
        if trigger is not None:
            try:
                changes["stage"] = MOVES[(trigger, draft.stage)]
            except KeyError:
                raise InvalidInput(
                    f"{type(event).__name__} cannot happen in stage {draft.stage.value} (case {start.id})"
                ) from None
        for name, value in changes.items():
            setattr(draft, name, value)
        draft.version += 1
        draft.updated_at = event.at
    return replace(start, **{name: getattr(draft, name) for name in _CASE_FIELDS})


_CASE_FIELDS: tuple[str, ...] = tuple(a.name for a in attrs.fields(Case))


class _Draft:
    """A mutable stand-in for `Case` with the same attribute names, used only inside `replay`."""

    __slots__ = _CASE_FIELDS
    stage: Stage
    version: int
    updated_at: datetime

    party = Case.party
    active_parties = Case.active_parties
    kind = Case.kind


def allowed(
    case: Case, actor: Actor, at: datetime | None = None, *, among: Iterable[type[Command]] | None = None
) -> tuple[type[Command], ...]:
    """The kinds of command `actor` could issue on `case` now: what a UI draws as buttons.

    A command whose arguments follow from the actor (consent for oneself, a guardian's
    consent for each ward, withdrawal, signing, accepting the case) is listed only if
    `decide` would accept it at `at`; commands that need more input (a meeting time,
    agreement items) are listed when the stage and the actor's capacity (R14) admit them,
    and `decide` still checks their arguments.

    Args:
        case: the case.
        actor: who asks.
        at: the time to judge by; defaults to the case's last event.
        among: only consider these kinds of command (cheaper when a caller weighs a few
            choices, as the simulator does); the result keeps the library's order.
    """
    when = case.updated_at if at is None else at
    result: list[type[Command]] = []
    kinds = COMMAND_TYPES if among is None else _in_order(among)
    for cls in kinds:
        if cls.trigger not in TAKES[case.stage]:
            continue
        candidates = _candidates(case, actor, cls, when)
        if candidates is None:
            if _capable(case, actor, cls):
                result.append(cls)
            continue
        for candidate in candidates:
            try:
                decide(case, candidate)
            except (InvalidInput, NotPermitted, RuleViolation, StageError):
                continue
            result.append(cls)
            break
    return tuple(result)


_ORDER: dict[type[Any], int] = {cls: n for n, cls in enumerate(COMMAND_TYPES)}


def _in_order(among: Iterable[type[Command]]) -> list[type[Command]]:
    """The command kinds of `among` that the library knows, once each, in the library's order."""
    return sorted({k for k in among if k in _ORDER}, key=_ORDER.__getitem__)


_ANY = frozenset(ActorKind)
_STAFF_ONLY = frozenset({ActorKind.STAFF})
_MEDIATOR_ONLY = frozenset({ActorKind.MEDIATOR})
_MEDIATOR_OR_STAFF = frozenset({ActorKind.MEDIATOR, ActorKind.STAFF})
_CAPACITY: dict[type[Any], frozenset[ActorKind]] = {
    c.RecordAdmission: _STAFF_ONLY,
    c.AssignStaff: _STAFF_ONLY,
    c.AssignMediator: _STAFF_ONLY,
    c.ReleaseMediator: _STAFF_ONLY,
    c.DeclareConflict: _MEDIATOR_OR_STAFF,
    c.InformParty: _MEDIATOR_OR_STAFF,
    c.DispenseGuardianConsent: _STAFF_ONLY,
    c.HoldPreparatoryTalk: _MEDIATOR_ONLY,
    c.GrantExemption: _STAFF_ONLY,
    c.ProposeParticipant: frozenset({ActorKind.PARTY, ActorKind.MEDIATOR, ActorKind.STAFF}),
    c.DiscloseParticipant: _MEDIATOR_OR_STAFF,
    c.ApproveParticipant: frozenset({ActorKind.PARTY}),
    c.ScheduleMeeting: _MEDIATOR_OR_STAFF,
    c.HoldMeeting: _MEDIATOR_ONLY,
    c.RecordAgreement: _MEDIATOR_ONLY,
    c.ReportItem: frozenset({ActorKind.PARTY, ActorKind.STAFF}),
}


def _capable(case: Case, actor: Actor, cls: type[Command]) -> bool:
    """R14 by capacity: is the actor who they say in this case, in a capacity the command admits?"""
    if actor.kind not in _CAPACITY.get(cls, _ANY):
        return False
    if actor.kind is ActorKind.STAFF:
        return actor.id in case.staff
    if actor.kind is ActorKind.MEDIATOR:
        return actor.id in case.mediators
    party = case.party(actor.id) if actor.kind is ActorKind.PARTY else None
    return party is not None and not party.withdrawn


_BARE: frozenset[type[Any]] = frozenset(
    {
        c.AcceptCase,
        c.DeclineCase,
        c.RecordAdmission,
        c.StartPreparation,
        c.AdjournMeeting,
        c.RecordNoAgreement,
        c.EndCoolingOff,
        c.CheckDeadlines,
    }
)
"""Commands whose only arguments are the actor and the time."""


def _candidates(case: Case, actor: Actor, cls: type[Command], at: datetime) -> list[Command] | None:
    """The concrete commands the actor's identity implies, or ``None`` when more input is needed."""
    base: dict[str, Any] = {"actor": actor, "at": at}
    if cls in _BARE:
        return [cls(**base)]
    if cls is c.GiveConsent:
        return [c.GiveConsent(**base, party_id=actor.id)]
    if cls is c.ReportItem and case.agreement is not None:
        return [c.ReportItem(**base, item_id=i.id, fulfilled=True) for i in case.agreement.items]
    if cls is c.SignAgreement:
        return [c.SignAgreement(**base, signer_id=actor.id)]
    if cls is c.AgreeConfidentiality and actor.kind is not ActorKind.MEDIATOR:
        return [c.AgreeConfidentiality(**base, person_id=actor.id)]
    if cls is c.DispenseGuardianConsent:
        return [c.DispenseGuardianConsent(**base, party_id=p.id) for p in case.parties if p.minor]
    if cls is c.GiveGuardianConsent:
        return [c.GiveGuardianConsent(**base, party_id=p.id) for p in case.parties if actor.id in p.guardians]
    if cls is c.Withdraw:
        if actor.kind is ActorKind.GUARDIAN:
            return [c.Withdraw(**base, party_id=p.id) for p in case.parties if actor.id in p.guardians]
        return [c.Withdraw(**base, party_id=actor.id)]
    return None
