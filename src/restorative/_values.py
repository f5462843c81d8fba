"""The values of a case: parties, participants, referral, agreement, meeting, report, case.

All values are frozen, slotted and keyword-only; collections are tuples. Change a
value with `attrs.evolve`; the decider does that for you.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, TypeAlias

from attrs import field, frozen

from ._checks import (
    as_tuple,
    check_aware,
    check_days,
    check_id,
    check_ids,
    check_non_negative,
    check_optional_aware,
    check_optional_day,
    check_optional_id,
    check_pairs,
    check_text,
    check_tuple_of,
    check_type,
)
from ._lifecycle import IdentityEnum, Stage
from ._policy import Policy

# Ids are plain strings under descriptive names. The same person's id flows between
# roles (an actor acting as a party has the party's id), so NewTypes would demand a
# cast at every boundary without catching a real mistake.
CaseId: TypeAlias = str
"""The id of a case, chosen by the case system."""
PartyId: TypeAlias = str
"""The id of a party within its case."""
PersonId: TypeAlias = str
"""The id of anyone else: guardian, participant, mediator or staff member."""


class CaseKind(IdentityEnum):
    """Whether a case came from a criminal matter or a civil conflict."""

    CRIMINAL = "criminal"
    CIVIL = "civil"


class Role(IdentityEnum):
    """A party's role in the case."""

    HARMED = "harmed"
    RESPONSIBLE = "responsible"
    PARTY = "party"
    """A party to a civil conflict, neither harmed nor responsible by definition."""


class ReferralSource(IdentityEnum):
    """Who referred the case (law § 1, strpl § 71 a; R18)."""

    PROSECUTION = "prosecution"
    COURT = "court"
    PARTIES = "parties"
    PUBLIC_AGENCY = "public_agency"
    POLICE = "police"
    """Civil referral by the police: an offender under 15 or a dropped case."""


class ParticipantRole(IdentityEnum):
    """Why a participant attends; lawyers and representatives need an exemption (R7)."""

    SUPPORT = "support"
    GUARDIAN = "guardian"
    INTERPRETER = "interpreter"
    OTHER = "other"
    LAWYER = "lawyer"
    REPRESENTATIVE = "representative"


class Exemption(IdentityEnum):
    """An exception to R7 that staff may record for one party."""

    LAWYER = "lawyer"
    REPRESENTATIVE = "representative"
    REMOTE_ATTENDANCE = "remote_attendance"


class MeetingKind(IdentityEnum):
    """The kinds of meeting the service holds (law § 1)."""

    MEDIATION = "mediation"
    LARGE_GROUP = "large_group"
    """A *stormøte*: a meeting with a wider circle around the parties."""
    FOLLOW_UP = "follow_up"
    """An *oppfølgingsmøte*: held in follow-up, after the agreement binds, keeping the case there (R19)."""


class TalkChannel(IdentityEnum):
    """How a preparatory talk took place."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


class ItemKind(IdentityEnum):
    """What an agreement item asks of its responsible party."""

    APOLOGY = "apology"
    COMPENSATION = "compensation"
    WORK = "work"
    FUTURE_CONDUCT = "future_conduct"
    OTHER = "other"


class ItemStatus(IdentityEnum):
    """Where an agreement item stands in follow-up."""

    OPEN = "open"
    FULFILLED = "fulfilled"
    BREACHED = "breached"


class ActorKind(IdentityEnum):
    """In which capacity an actor issues a command (R14)."""

    PARTY = "party"
    GUARDIAN = "guardian"
    PARTICIPANT = "participant"
    MEDIATOR = "mediator"
    STAFF = "staff"


class ReportKind(IdentityEnum):
    """What a report to the referrer is (R12)."""

    AGREEMENT = "agreement"
    """A copy of the agreement once it binds."""
    FULFILMENT = "fulfilment"
    """Whether a bound agreement was fulfilled, at its end."""
    RETURN = "return"
    """The case goes back to the referrer for a new assessment."""


class Outcome(IdentityEnum):
    """How a case ended, as a report states it; never an admission of guilt."""

    FULFILLED = "fulfilled"
    BREACHED = "breached"
    WITHDRAWN = "withdrawn"
    NO_AGREEMENT = "no_agreement"
    DECLINED = "declined"


@frozen(kw_only=True, weakref_slot=False)
class Actor:
    """Who issues a command, and in which capacity (R14)."""

    id: str = field(validator=check_id)
    kind: ActorKind = field(validator=check_type(ActorKind))


class Progress(enum.Flag):
    """How far a party has come; a set of flags kept in one field to keep cases small."""

    INFORMED = enum.auto()
    """Told what the process is (R3)."""
    CONSENTED = enum.auto()
    """Gave consent and has not withdrawn (R3)."""
    DISPENSED = enum.auto()
    """Staff dispensed with guardian consent (civil, R3)."""
    PREPARED = enum.auto()
    """Had a preparatory talk (R6)."""
    WITHDRAWN = enum.auto()
    """Withdrew from the case (R1)."""


_NONE = Progress(0)
# The flags' integer values, read directly: `flag in progress` runs enum code in Python.
_INFORMED = Progress.INFORMED.value
_CONSENTED = Progress.CONSENTED.value
_DISPENSED = Progress.DISPENSED.value
_PREPARED = Progress.PREPARED.value
_WITHDRAWN = Progress.WITHDRAWN.value


@frozen(kw_only=True, weakref_slot=False)
class Party:
    """A party to the case and how far they have come.

    Args:
        id: the party's id, unique in the case.
        role: harmed, responsible, or a party to a civil conflict.
        minor: whether the party was a minor when referred; derived from `birth_date` at
            referral when given. Without a birth date it holds for the whole case.
        birth_date: optional; with it, minority is judged at each command's time by the
            policy's age of majority, on the day in the policy's time zone, so a guardian's
            consent and standing end at the 18th birthday (strpl § 71 a; vergemålsloven).
        guardians: the ids of the guardians of a minor (R3, R10).
        guardian_consents: the guardians who consented (R3).
        progress: the flags of `Progress` the party has reached; read them as the
            properties `informed`, `consented`, `dispensed`, `prepared` and `withdrawn`.
    """

    id: PartyId = field(validator=check_id)
    role: Role = field(validator=check_type(Role))
    minor: bool = field(default=False, validator=check_type(bool))
    birth_date: date | None = field(default=None, validator=check_optional_day)
    guardians: tuple[PersonId, ...] = field(default=(), converter=as_tuple, validator=check_ids)
    guardian_consents: tuple[PersonId, ...] = field(default=(), converter=as_tuple, validator=check_ids)
    progress: Progress = field(default=_NONE, validator=check_type(Progress))

    @property
    def informed(self) -> bool:
        """Told what the process is (R3)."""
        return bool(self.progress._value_ & _INFORMED)

    @property
    def consented(self) -> bool:
        """Gave their own consent and has not withdrawn.

        Not yet whether they count as consenting under R3, which for a minor also needs
        every guardian's consent or a dispensation: ask `restorative.counts_as_consenting`.
        """
        return bool(self.progress._value_ & _CONSENTED)

    @property
    def dispensed(self) -> bool:
        """Staff dispensed with guardian consent (civil, R3)."""
        return bool(self.progress._value_ & _DISPENSED)

    @property
    def prepared(self) -> bool:
        """Had a preparatory talk (R6)."""
        return bool(self.progress._value_ & _PREPARED)

    @property
    def withdrawn(self) -> bool:
        """Withdrew from the case (R1)."""
        return bool(self.progress._value_ & _WITHDRAWN)

    def age_on(self, day: date) -> int | None:
        """The party's age in whole years on `day`, or ``None`` without a birth date."""
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@frozen(kw_only=True, weakref_slot=False)
class Participant:
    """Someone other than a party or mediator who would attend the meeting (R7).

    Args:
        id: the person's id.
        role: support person, guardian, interpreter, other (lawyer and representative
            only with an exemption).
        accompanies: the party they come with, if any.
        disclosed: the other side has been told they will attend.
        approved_by: the parties who agreed to their attendance.
    """

    id: PersonId = field(validator=check_id)
    role: ParticipantRole = field(validator=check_type(ParticipantRole))
    accompanies: PartyId | None = field(default=None, validator=check_optional_id)
    disclosed: bool = field(default=False, validator=check_type(bool))
    approved_by: tuple[PartyId, ...] = field(default=(), converter=as_tuple, validator=check_ids)


def _no_empty_link(value: Any) -> Any:
    """An empty linked case is no link (earlier versions stored ``""`` for none)."""
    return None if value == "" else value


@frozen(kw_only=True, weakref_slot=False)
class Referral:
    """How the case came to the service.

    Args:
        source: who referred it.
        kind: criminal or civil.
        received_at: when the service received it.
        admission_of_facts: for a criminal case, whether the responsible party's
            admission of the facts is recorded (R4).
        reference: the referrer's own reference, if any.
        linked_case: an earlier case this one follows on from.
    """

    source: ReferralSource = field(validator=check_type(ReferralSource))
    kind: CaseKind = field(validator=check_type(CaseKind))
    received_at: datetime = field(validator=check_aware)
    admission_of_facts: bool = field(default=False, validator=check_type(bool))
    reference: str = field(default="", validator=check_text)
    linked_case: CaseId | None = field(default=None, converter=_no_empty_link, validator=check_optional_id)


@frozen(kw_only=True, weakref_slot=False)
class Item:
    """One undertaking in an agreement (R9, R11).

    Args:
        id: the item's id, unique in the agreement.
        kind: apology, compensation, work, future conduct or other.
        description: the agreed text; it is part of the agreement the referrer may see.
        responsible: the party who undertakes it.
        deadline: when it must be done.
        status: open, fulfilled or breached.
    """

    id: str = field(validator=check_id)
    kind: ItemKind = field(validator=check_type(ItemKind))
    description: str = field(validator=check_text)
    responsible: PartyId = field(validator=check_id)
    deadline: datetime = field(validator=check_aware)
    status: ItemStatus = field(default=ItemStatus.OPEN, validator=check_type(ItemStatus))


@frozen(kw_only=True, weakref_slot=False)
class Agreement:
    """The agreement reached in a meeting (R9, R10).

    Args:
        items: what the parties undertook.
        made_at: when it was recorded.
        cooling_off_days: the cooling-off period chosen for it (0 for none).
        signatures: who has signed so far.
        cooling_off_ends: when the cooling-off period ends, once fully signed.
        bound_at: when it became binding.
    """

    items: tuple[Item, ...] = field(converter=as_tuple, validator=check_tuple_of(Item, ids=True))
    made_at: datetime = field(validator=check_aware)
    cooling_off_days: int = field(default=0, validator=check_days)
    signatures: tuple[str, ...] = field(default=(), converter=as_tuple, validator=check_ids)
    cooling_off_ends: datetime | None = field(default=None, validator=check_optional_aware)
    bound_at: datetime | None = field(default=None, validator=check_optional_aware)


@frozen(kw_only=True, weakref_slot=False)
class Meeting:
    """A scheduled meeting and who was agreed to attend it (R7, R8).

    Args:
        kind: mediation, large group (*stormøte*) or follow-up.
        starts_at: when it is scheduled.
        attendees: everyone agreed to attend: parties, mediators, participants.
        remote: parties exempted to attend other than in person.
        held_at: when it took place, once held.
    """

    kind: MeetingKind = field(validator=check_type(MeetingKind))
    starts_at: datetime = field(validator=check_aware)
    attendees: tuple[str, ...] = field(converter=as_tuple, validator=check_ids)
    remote: tuple[PartyId, ...] = field(default=(), converter=as_tuple, validator=check_ids)
    held_at: datetime | None = field(default=None, validator=check_optional_aware)


@frozen(kw_only=True, weakref_slot=False)
class Report:
    """A report to the referrer: outcomes and agreement text only, never meeting content (R12).

    Args:
        recipient: the referrer it goes to.
        kind: a copy of the agreement, the fulfilment status, or a return for new assessment.
        outcome: how the case ended, when it has ended.
        agreement: the agreement (items and their status), when there is one.
    """

    recipient: ReferralSource = field(validator=check_type(ReferralSource))
    kind: ReportKind = field(validator=check_type(ReportKind))
    outcome: Outcome | None = field(default=None, validator=check_type(Outcome, type(None)))
    agreement: Agreement | None = field(default=None, validator=check_type(Agreement, type(None)))


@frozen(kw_only=True, weakref_slot=False)
class Case:
    """A mediation case: a pure fold of its events (R15). Build one with the decider.

    Args:
        id: the case id.
        referral: how it came to the service.
        policy: the policy it was opened under.
        stage: where it stands.
        parties: the parties, in referral order.
        participants: everyone else proposed to attend.
        mediators: the assigned mediators.
        conflicts: ``(mediator, person)`` pairs with a declared conflict of interest (R5).
        staff: the staff assigned to the case (R14).
        exemptions: ``(party, exemption)`` pairs recorded by staff (R7).
        confidential: everyone who agreed to keep confidentiality (R8).
        meeting: the scheduled or held meeting, if any.
        meetings_held: how many meetings took place.
        adjournments: how many meetings were adjourned.
        agreement: the agreement, once recorded.
        version: the number of events folded into the case.
        updated_at: the time of the last event (R15: never goes backwards).
    """

    id: CaseId = field(validator=check_id)
    referral: Referral = field(validator=check_type(Referral))
    policy: Policy = field(validator=check_type(Policy))
    stage: Stage = field(validator=check_type(Stage))
    parties: tuple[Party, ...] = field(validator=check_tuple_of(Party, ids=True))
    participants: tuple[Participant, ...] = field(default=(), validator=check_tuple_of(Participant, ids=True))
    mediators: tuple[PersonId, ...] = field(default=(), validator=check_ids)
    conflicts: tuple[tuple[PersonId, str], ...] = field(default=(), validator=check_pairs(check_id, check_id))
    staff: tuple[PersonId, ...] = field(default=(), validator=check_ids)
    exemptions: tuple[tuple[PartyId, Exemption], ...] = field(
        default=(), validator=check_pairs(check_id, check_type(Exemption))
    )
    confidential: tuple[str, ...] = field(default=(), validator=check_ids)
    meeting: Meeting | None = field(default=None, validator=check_type(Meeting, type(None)))
    meetings_held: int = field(default=0, validator=check_non_negative)
    adjournments: int = field(default=0, validator=check_non_negative)
    agreement: Agreement | None = field(default=None, validator=check_type(Agreement, type(None)))
    version: int = field(default=0, validator=check_non_negative)
    updated_at: datetime = field(validator=check_aware)

    @property
    def kind(self) -> CaseKind:
        """Criminal or civil, as referred."""
        return self.referral.kind

    def party(self, party_id: str) -> Party | None:
        """The party with this id, or ``None``."""
        for party in self.parties:
            if party.id == party_id:
                return party
        return None

    @property
    def active_parties(self) -> tuple[Party, ...]:
        """The parties who have not withdrawn."""
        return tuple([p for p in self.parties if not p.progress._value_ & _WITHDRAWN])
