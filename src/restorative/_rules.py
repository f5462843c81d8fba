"""The rules of the process, each with a stable id, its source, and its predicates.

`RULES` is the catalogue that errors, tests and docs cite. The predicates below are
pure functions of a case (and its `Policy`); the decider calls them and raises
`restorative.errors.RuleViolation` with the rule's id when one says no.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import NamedTuple

from attrs import frozen

from ._lifecycle import Stage
from ._policy import Continuation, Policy, zone
from ._values import (
    Agreement,
    Case,
    CaseKind,
    Exemption,
    Item,
    ItemStatus,
    Participant,
    ParticipantRole,
    Party,
    ReferralSource,
    Role,
)


class Source(enum.Enum):
    """The kind of source a rule rests on (see the Rules section of docs/concepts.md)."""

    SEED = "seed"
    """The Mediation Service's own description of the restorative process."""
    LAW = "law"
    """The Mediation Service Act (konfliktrådsloven) or the Criminal Procedure Act."""
    PRACTICE = "practice"
    """What the service says it does; the details live in `Policy`."""
    CHOICE = "choice"
    """A product decision where no source rules; the details live in `Policy`."""


@frozen(kw_only=True, weakref_slot=False)
class Rule:
    """A rule of the process.

    Args:
        id: the stable id cited by errors and tests, e.g. ``"R8"``.
        text: the rule in one or two sentences.
        sources: the kinds of source it rests on.
        reference: where to read more (a section of law, or the page of these docs).
    """

    id: str
    text: str
    sources: tuple[Source, ...]
    reference: str


_L, _P, _C, _S = Source.LAW, Source.PRACTICE, Source.CHOICE, Source.SEED

RULES: Mapping[str, Rule] = MappingProxyType(
    {
        rule.id: rule
        for rule in (
            Rule(
                id="R1",
                text="Every party still in the case, or a minor party's guardian, may withdraw in every "
                "active stage; a withdrawal is never refused for a process reason.",
                sources=(_S,),
                reference="docs/concepts.md#rules",
            ),
            Rule(
                id="R2",
                text="Final stages are absorbing: no command changes them.",
                sources=(_C,),
                reference="docs/concepts.md#stages",
            ),
            Rule(
                id="R3",
                text="A party consents only once informed, with consent given and not withdrawn, and while a "
                "minor (judged at each command, on the day at the service) with every guardian's consent or "
                "(civil, at the dispensation age) a staff dispensation.",
                sources=(_L, _P),
                reference="strpl § 71 a; vergemålsloven; UN Basic Principles 2002/12",
            ),
            Rule(
                id="R4",
                text="Preparation starts only when every party consents; a criminal case also needs the "
                "responsible party's recorded admission of the facts.",
                sources=(_L, _P),
                reference="strpl § 71 a; konfliktrådsloven § 11",
            ),
            Rule(
                id="R5",
                text="A meeting needs one to policy.max_mediators assigned mediators, none with a declared "
                "conflict of interest towards anyone in the case.",
                sources=(_S, _P, _C),
                reference="docs/concepts.md#rules",
            ),
            Rule(
                id="R6",
                text="A meeting is scheduled only after a preparatory talk with every party, when the policy "
                "requires them.",
                sources=(_P,),
                reference="docs/concepts.md#rules",
            ),
            Rule(
                id="R7",
                text="Attendees are parties, assigned mediators, or participants agreed by every party who "
                "come with a party still in the case; support persons are disclosed to the other side; lawyers, "
                "representatives and remote attendance need a staff exemption.",
                sources=(_S, _P),
                reference="docs/concepts.md#rules",
            ),
            Rule(
                id="R8",
                text="A meeting is held only if everyone present is on the agreed list, may still attend (R7) "
                "and has agreed to keep confidentiality.",
                sources=(_S, _L),
                reference="konfliktrådsloven § 9",
            ),
            Rule(
                id="R9",
                text="An agreement follows a held meeting; each item has a responsible party in the case and a "
                "deadline after the agreement's cooling-off period, within the policy's longest deadline.",
                sources=(_L, _P, _C),
                reference="konfliktrådsloven § 1; docs/concepts.md#rules",
            ),
            Rule(
                id="R10",
                text="An agreement binds once signed by every party, a guardian of each minor party (unless "
                "dispensed) and a mediator, and after the cooling-off period with no withdrawal.",
                sources=(_P,),
                reference="docs/concepts.md#rules",
            ),
            Rule(
                id="R11",
                text="A case is fulfilled when every item is; breached when an item is reported breached, "
                "passes its deadline open, or its party withdraws after binding.",
                sources=(_P,),
                reference="docs/concepts.md#rules",
            ),
            Rule(
                id="R12",
                text="A criminal referrer gets the agreement when it binds, the fulfilment status at the end, "
                "and a return on withdrawal, no agreement or breach; the police get the agreement and the "
                "fulfilment status of civil cases they referred. Reports never hold meeting content.",
                sources=(_P, _L),
                reference="konfliktrådsloven § 9; docs/concepts.md#rules",
            ),
            Rule(
                id="R13",
                text="A withdrawal before the agreement binds ends the case as withdrawn unless a dialogue "
                "remains (policy.continuation); while the agreement is signed the withdrawing party must also owe "
                "no item, and during cooling-off any withdrawal ends the case.",
                sources=(_C,),
                reference="docs/concepts.md#rules",
            ),
            Rule(
                id="R14",
                text="A party acts only for itself, a guardian only for its ward, staff only on assigned cases, "
                "a mediator only on cases they mediate.",
                sources=(_S, _L),
                reference="konfliktrådsloven § 9",
            ),
            Rule(
                id="R15",
                text="The event log is append-only, the case is a pure fold of its events, and time never goes "
                "backwards.",
                sources=(_C,),
                reference="docs/concepts.md#rules",
            ),
            Rule(
                id="R16",
                text="A refused command changes nothing.",
                sources=(_C,),
                reference="docs/concepts.md#rules",
            ),
            Rule(
                id="R17",
                text="Only a civil case may be declined as unsuitable; the service does not overrule the "
                "prosecution's call on a criminal case.",
                sources=(_L, _P),
                reference="konfliktrådsloven § 1",
            ),
            Rule(
                id="R18",
                text="A referral fits its kind: criminal cases come from the prosecution or a court and name "
                "a harmed and a responsible party; civil cases come from the parties, a public agency or the "
                "police; every case starts with at least two parties, and every minor party has a guardian "
                "unless a civil dispensation is possible.",
                sources=(_L, _P),
                reference="strpl § 71 a; konfliktrådsloven § 1",
            ),
            Rule(
                id="R19",
                text="A follow-up meeting (oppfølgingsmøte) follows up a binding agreement: it is scheduled only "
                "in follow-up, which takes no other kind of meeting, and the case stays in follow-up; it is held "
                "under the meeting's rules (R5 to R8).",
                sources=(_L, _C),
                reference="konfliktrådsloven § 1; docs/concepts.md#the-follow-up-meeting",
            ),
        )
    }
)
"""Every rule by id; ids are stable and only ever added."""

CRIMINAL_SOURCES = frozenset({ReferralSource.PROSECUTION, ReferralSource.COURT})
"""Who may refer a criminal case (R18)."""
CIVIL_SOURCES = frozenset({ReferralSource.PARTIES, ReferralSource.PUBLIC_AGENCY, ReferralSource.POLICE})
"""Who may refer a civil case (R18)."""
SUPPORT_ROLES_NEEDING_EXEMPTION: Mapping[ParticipantRole, Exemption] = MappingProxyType(
    {ParticipantRole.LAWYER: Exemption.LAWYER, ParticipantRole.REPRESENTATIVE: Exemption.REPRESENTATIVE}
)
"""Participant roles that R7 refuses unless staff recorded the matching exemption."""


# --- R3 ---------------------------------------------------------------------------


def minor_at(case: Case, party: Party, at: datetime) -> bool:
    """R3, R1, R10, R14: whether `party` is a minor at `at`.

    A guardian's consent and standing end when the ward comes of age (strpl § 71 a asks
    for the guardian's consent of a party under 18; guardianship of a minor ends at 18,
    vergemålsloven). So with a birth date, a party is a minor while younger than the
    policy's age of majority on the day `at` falls on at the service (`Policy.day_of`);
    without one, as referred (`Party.minor`). A party of age at referral stays so.
    """
    if not party.minor:
        return False
    born = party.birth_date
    if born is None:
        return True
    policy = case.policy
    age = party.age_on(policy.day_of(at))
    return age is not None and age < policy.age_of_majority


def of_age_at(case: Case, party: Party) -> datetime | None:
    """R3, R10, R14: the moment (UTC) a party referred as a minor comes of age, or ``None``.

    ``None`` for a party of age at referral and for a minor without a birth date (a minor
    for the whole case). The moment is the start of the birthday on which the party turns
    the policy's age of majority, in the policy's time zone, as `minor_at` judges it (one
    born on 29 February comes of age on 1 March in a common year).
    """
    born = party.birth_date
    if not party.minor or born is None:
        return None
    policy = case.policy
    year = born.year + policy.age_of_majority
    try:
        day = born.replace(year=year)
    except ValueError:
        day = date(year, 3, 1)
    return datetime.combine(day, time(), zone(policy.time_zone)).astimezone(UTC)


def guardian_consent_settled(case: Case, party: Party, at: datetime) -> bool:
    """R3: at `at`, a minor's guardians all consented, or staff dispensed with it; adults need nothing."""
    if party.dispensed or not minor_at(case, party, at):
        return True
    return bool(party.guardians) and all(g in party.guardian_consents for g in party.guardians)


def consenting(case: Case, party: Party, at: datetime) -> bool:
    """R3: informed, consent given and not withdrawn, and guardian consent settled at `at`."""
    return party.informed and party.consented and not party.withdrawn and guardian_consent_settled(case, party, at)


def may_dispense(case: Case, party: Party, at: datetime) -> str | None:
    """R3: why staff may not dispense with this party's guardian consent at `at`, or ``None`` if they may."""
    if case.kind is not CaseKind.CIVIL:
        return "guardian consent can be dispensed with only in a civil case"
    if not minor_at(case, party, at):
        return f"{party.id} is not a minor"
    age = party.age_on(case.policy.day_of(at))
    if age is None:
        return f"{party.id}'s birth date is not in the referral, and the dispensation depends on age; ask the guardians"
    if age < case.policy.civil_dispensation_age:
        return (
            f"{party.id} is {age}, under the dispensation age {case.policy.civil_dispensation_age}; ask the guardians"
        )
    return None


# --- R4 ---------------------------------------------------------------------------


def preparation_blockers(case: Case, at: datetime) -> list[str]:
    """R4: what still stands between the case and preparation at `at` (empty when nothing does)."""
    blockers = [f"{p.id} {_missing_consent(case, p)}" for p in case.active_parties if not consenting(case, p, at)]
    if case.kind is CaseKind.CRIMINAL and not case.referral.admission_of_facts:
        blockers.append("no admission of the facts by the responsible party is recorded (RecordAdmission)")
    return blockers


def _missing_consent(case: Case, party: Party) -> str:
    """What a party who does not count as consenting (R3) still lacks, naming whoever must act."""
    if not party.informed:
        return "has not been informed about the process"
    if not party.consented:
        return "has not consented"
    waiting = [g for g in party.guardians if g not in party.guardian_consents]
    if not waiting:  # a minor without a registered guardian: only civil, from the dispensation age (R18)
        return "has no registered guardian to consent; staff may dispense with guardian consent"
    who = f"guardian {waiting[0]}" if len(waiting) == 1 else f"guardians {', '.join(waiting[:-1])} and {waiting[-1]}"
    if case.kind is CaseKind.CIVIL:
        return f"lacks the consent of {who} (or a staff dispensation)"
    return f"lacks the consent of {who}"


# --- R5 ---------------------------------------------------------------------------


def conflicted(case: Case, mediator: str) -> str | None:
    """R5: whom this mediator has a declared conflict of interest towards, if anyone."""
    for who, towards in case.conflicts:
        if who == mediator:
            return towards
    return None


def people(case: Case) -> frozenset[str]:
    """Everyone a case knows by id: parties, guardians, participants, mediators, staff."""
    ids: set[str] = set(case.mediators) | set(case.staff)
    for party in case.parties:
        ids.add(party.id)
        ids.update(party.guardians)
    ids.update(p.id for p in case.participants)
    return frozenset(ids)


def knows(case: Case, person: str) -> bool:
    """Whether `person` is in `people(case)`, without building the set."""
    if person in case.mediators or person in case.staff:
        return True
    for party in case.parties:
        if party.id == person or person in party.guardians:
            return True
    return any(p.id == person for p in case.participants)


# --- R7 ---------------------------------------------------------------------------


def participant(case: Case, person: str) -> Participant | None:
    """The participant with this id, or ``None``."""
    for p in case.participants:
        if p.id == person:
            return p
    return None


def has_exemption(case: Case, party: str, exemption: Exemption) -> bool:
    """R7: whether staff recorded this exemption for this party."""
    return (party, exemption) in case.exemptions


def attendee_problem(case: Case, person: str) -> str | None:
    """R7: why `person` may not attend the meeting, or ``None`` if they may."""
    party = case.party(person)
    if party is not None:
        return f"{person} has withdrawn" if party.withdrawn else None
    if person in case.mediators:
        return None
    p = participant(case, person)
    if p is None:
        return f"{person} is neither a party, an assigned mediator nor a proposed participant"
    companion = case.party(p.accompanies) if p.accompanies is not None else None
    if companion is not None and companion.withdrawn:
        return f"{person} comes with {companion.id}, who has withdrawn"
    needed = SUPPORT_ROLES_NEEDING_EXEMPTION.get(p.role)
    if needed is not None and (p.accompanies is None or not has_exemption(case, p.accompanies, needed)):
        return f"{person} is a {p.role.value}; staff must record an exemption first"
    if p.role is ParticipantRole.SUPPORT and not p.disclosed:
        return f"support person {person} has not been disclosed to the other side"
    missing = [q.id for q in case.active_parties if q.id not in p.approved_by]
    if missing:
        return f"{person} is not yet agreed by {', '.join(missing)}"
    return None


# --- R9 ---------------------------------------------------------------------------


def latest_deadline(case: Case, at: datetime) -> datetime | None:
    """R9: the latest deadline an item recorded at `at` may have, or ``None`` for no limit."""
    days = case.policy.longest_item_deadline_days
    return None if days is None else at + timedelta(days=days)


def cooling_off_days(case: Case, chosen: bool | None) -> int:
    """R10: the cooling-off period of an agreement recorded now (0 for none)."""
    policy = case.policy
    if case.kind is CaseKind.CRIMINAL:
        return policy.criminal_cooling_off_days
    wanted = policy.civil_cooling_off_by_default if chosen is None else chosen
    return policy.civil_cooling_off_days if wanted else 0


# --- R10 --------------------------------------------------------------------------


class Signature(NamedTuple):
    """One signature an agreement still needs (R10): what it is, and who may give it."""

    label: str
    """The signature in words: a party's id, ``a guardian of p1`` or ``a mediator``."""
    signers: tuple[str, ...]
    """The ids of whoever may give it (any one of them will do)."""


def signatures_due(case: Case, agreement: Agreement | None = None, at: datetime | None = None) -> list[Signature]:
    """R10: the signatures the agreement still needs, parties first, then guardians, then a mediator.

    With no agreement recorded yet, the signatures an agreement recorded at `at` (by
    default the case's last event) would need. A mediator signs only if they took part
    in the meeting. See `signing_time` for when a party counts as a minor here.
    """
    chosen = case.agreement if agreement is None else agreement
    return list(_due(case, chosen, signing_time(chosen, case.updated_at if at is None else at)))


def signing_time(agreement: Agreement | None, at: datetime) -> datetime:
    """R10: the moment minority is judged at for an agreement's signatures: when it was recorded.

    The signatures an agreement needs are fixed when it is recorded (only a withdrawal
    takes one away): a party who was a minor then signs with a guardian, even if they
    come of age while it is being signed. Judging at each signature instead would leave
    an agreement that waits only for the guardian of a ward who has since come of age
    with nobody who may complete it. Without an agreement, `at`.
    """
    return at if agreement is None else agreement.made_at


def _due(case: Case, agreement: Agreement | None, at: datetime) -> Iterator[Signature]:
    signed = set(() if agreement is None else agreement.signatures)
    active = case.active_parties
    for p in active:
        if p.id not in signed:
            yield Signature(p.id, (p.id,))
    for p in active:
        if p.minor and not p.dispensed and not signed.intersection(p.guardians) and minor_at(case, p, at):
            yield Signature("a guardian of " + p.id, p.guardians)
    if not signed.intersection(case.mediators):
        met = () if case.meeting is None else case.meeting.attendees
        yield Signature("a mediator", tuple(m for m in case.mediators if m in met))


def fully_signed(case: Case, agreement: Agreement) -> bool:
    """R10: whether nobody is missing from the agreement's signatures."""
    return next(_due(case, agreement, agreement.made_at), None) is None


def guardian_signs_for(case: Case, agreement: Agreement, signer: str) -> Party | None:
    """R10: the party still in the case whom `signer` signs the agreement for as their guardian, if any."""
    for p in case.active_parties:
        if signer in p.guardians and minor_at(case, p, agreement.made_at):
            return p
    return None


def may_sign(case: Case, agreement: Agreement, signer: str) -> bool:
    """R10: whether `signer` is someone whose signature the agreement takes."""
    if signer in case.mediators:
        return True
    return any(p.id == signer for p in case.active_parties) or guardian_signs_for(case, agreement, signer) is not None


# --- R11 --------------------------------------------------------------------------


def overdue_items(agreement: Agreement, at: datetime) -> list[str]:
    """R11: the ids of open items whose deadline passed before `at`."""
    return [i.id for i in agreement.items if i.status is ItemStatus.OPEN and i.deadline < at]


def report_problem(case: Case, reporter: Party, item: Item) -> str | None:
    """R11: why this party (or their guardian for them) may not report on `item`, or ``None`` if they may.

    The harmed party reports in a criminal case, any party in a civil one, and never the
    party who owes the item.
    """
    if case.kind is CaseKind.CRIMINAL and reporter.role is not Role.HARMED:
        return "in a criminal case the harmed party reports fulfilment"
    if reporter.id == item.responsible:
        return f"{reporter.id} owes item {item.id}; another party or staff reports it"
    return None


# --- R12 --------------------------------------------------------------------------


def reports_returns(case: Case) -> bool:
    """R12: whether the referrer gets returns for new assessment (criminal referrers do)."""
    return case.referral.source in CRIMINAL_SOURCES


def reports_agreement(case: Case) -> bool:
    """R12: whether the referrer gets the agreement and fulfilment status (criminal, or police)."""
    return case.referral.source in CRIMINAL_SOURCES or case.referral.source is ReferralSource.POLICE


# --- R13 --------------------------------------------------------------------------


def dialogue_remains(case: Case, parties: Iterable[Party]) -> bool:
    """R13: whether these remaining parties still make a dialogue under the case's policy."""
    if case.policy.continuation is Continuation.ANY_WITHDRAWAL_ENDS:
        return False
    remaining = list(parties)
    if case.kind is CaseKind.CRIMINAL:
        roles = {p.role for p in remaining}
        return Role.HARMED in roles and Role.RESPONSIBLE in roles
    return len(remaining) >= 2


def withdrawal_continues(case: Case, remaining: Iterable[Party], owes: list[str]) -> bool:
    """R13, R10: whether the case goes on after a withdrawal before binding.

    Up to the meeting it goes on while a dialogue remains. While the agreement is being
    signed it goes on only if the withdrawing party owes no item. During cooling-off a
    withdrawal keeps the agreement from binding (R10), so the case ends.
    """
    if case.stage is Stage.COOLING_OFF or (case.stage is Stage.AGREEMENT and owes):
        return False
    return dialogue_remains(case, remaining)


# --- R18 --------------------------------------------------------------------------


def referral_problem(kind: CaseKind, source: ReferralSource, parties: tuple[Party, ...]) -> str | None:
    """R18: why a referral does not fit its kind, or ``None``."""
    if len(parties) < 2:
        return "a case needs at least two parties"
    if kind is CaseKind.CRIMINAL:
        if source not in CRIMINAL_SOURCES:
            return f"a criminal case is referred by the prosecution or a court, not {source.value}"
        roles = {p.role for p in parties}
        if Role.PARTY in roles:
            return "parties to a criminal case are harmed or responsible"
        if roles != {Role.HARMED, Role.RESPONSIBLE}:
            return "a criminal case needs at least one harmed and one responsible party"
    elif source not in CIVIL_SOURCES:
        return f"a civil case is referred by the parties, a public agency or the police, not {source.value}"
    ids = {p.id for p in parties}
    for party in parties:
        overlap = set(party.guardians) & ids
        if overlap:
            return f"{party.id} names a party as guardian: {', '.join(sorted(overlap))}"
    return None


def guardian_problem(kind: CaseKind, party: Party, age: int | None, policy: Policy) -> str | None:
    """R18: why a minor party could never consent as referred (no guardian, no dispensation), or ``None``."""
    if not party.minor or party.guardians:
        return None
    if kind is CaseKind.CIVIL and age is not None and age >= policy.civil_dispensation_age:
        return None
    return f"{party.id} is a minor: name their guardians in the referral"
