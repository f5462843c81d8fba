"""Every command: what an actor asks a case to do, one class each, and their union `Command`.

``from restorative.commands import Command`` types a list of commands in your own code
(``list[Command]``); ``restorative.from_json(text, Command)`` reads any of them back.
The same names are re-exported from `restorative`.

A command names its `trigger` in the lifecycle machine; the stage must take that
trigger (`restorative.errors.StageError` otherwise). Every command carries the `actor`
who issues it (R14) and the time `at` it happens: the engine never reads a clock.
Malformed input raises `restorative.errors.InvalidInput` when the command is built.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, TypeAlias

from attrs import Factory, field, frozen

from ._checks import (
    as_tuple,
    check_aware,
    check_id,
    check_ids,
    check_optional_id,
    check_text,
    check_tuple_of,
    check_type,
)
from ._policy import Policy
from ._values import (
    Actor,
    CaseId,
    Exemption,
    Item,
    MeetingKind,
    ParticipantRole,
    Party,
    PartyId,
    PersonId,
    Referral,
    TalkChannel,
)

_check_parties = check_tuple_of(Party, ids=True)
_check_items = check_tuple_of(Item, ids=True)


def _own_id(command: Any) -> Any:
    """Default an id that names the actor themself to the actor's id (`decide` still checks it is theirs)."""
    return getattr(command.actor, "id", None)


@frozen(kw_only=True, weakref_slot=False)
class _Command:
    trigger: ClassVar[str]
    actor: Actor = field(validator=check_type(Actor))
    at: datetime = field(validator=check_aware)


@frozen(kw_only=True, weakref_slot=False)
class ReferCase(_Command):
    """Open a case from a referral (staff; the issuing staff member is assigned to it)."""

    trigger: ClassVar[str] = "refer"
    case_id: CaseId = field(validator=check_id)
    referral: Referral = field(validator=check_type(Referral))
    parties: tuple[Party, ...] = field(converter=as_tuple, validator=_check_parties)
    policy: Policy = field(factory=Policy.norway, validator=check_type(Policy))


@frozen(kw_only=True, weakref_slot=False)
class AcceptCase(_Command):
    """Accept the referral and start gathering consent (staff)."""

    trigger: ClassVar[str] = "accept"


@frozen(kw_only=True, weakref_slot=False)
class DeclineCase(_Command):
    """Decline a civil case as unsuitable (staff; R17)."""

    trigger: ClassVar[str] = "decline"
    reason: str = field(default="", validator=check_text)


@frozen(kw_only=True, weakref_slot=False)
class AssignStaff(_Command):
    """Assign another staff member to the case (staff)."""

    trigger: ClassVar[str] = "assign_staff"
    staff_id: PersonId = field(validator=check_id)


@frozen(kw_only=True, weakref_slot=False)
class AssignMediator(_Command):
    """Assign a mediator to the case (staff; R5)."""

    trigger: ClassVar[str] = "assign_mediator"
    mediator_id: PersonId = field(validator=check_id)


@frozen(kw_only=True, weakref_slot=False)
class ReleaseMediator(_Command):
    """Release an assigned mediator from the case (staff)."""

    trigger: ClassVar[str] = "release_mediator"
    mediator_id: PersonId = field(validator=check_id)


@frozen(kw_only=True, weakref_slot=False)
class DeclareConflict(_Command):
    """Record a mediator's conflict of interest towards someone in the case (mediator or staff; R5)."""

    trigger: ClassVar[str] = "declare_conflict"
    mediator_id: PersonId = field(validator=check_id)
    towards: str = field(validator=check_id)


@frozen(kw_only=True, weakref_slot=False)
class RecordAdmission(_Command):
    """Record that the responsible party admits the facts of a criminal case (staff; R4)."""

    trigger: ClassVar[str] = "record_admission"


@frozen(kw_only=True, weakref_slot=False)
class InformParty(_Command):
    """Record that a party was told what the process is (mediator or staff; R3)."""

    trigger: ClassVar[str] = "inform_party"
    party_id: PartyId = field(validator=check_id)


@frozen(kw_only=True, weakref_slot=False)
class GiveConsent(_Command):
    """A party consents to take part (the party; R3)."""

    trigger: ClassVar[str] = "give_consent"
    party_id: PartyId = field(default=Factory(_own_id, takes_self=True), validator=check_id)


@frozen(kw_only=True, weakref_slot=False)
class GiveGuardianConsent(_Command):
    """A guardian consents for their minor ward (the guardian; R3)."""

    trigger: ClassVar[str] = "give_guardian_consent"
    party_id: PartyId = field(validator=check_id)


@frozen(kw_only=True, weakref_slot=False)
class DispenseGuardianConsent(_Command):
    """Record staff's finding that a civil minor's guardian consent is not needed (staff; R3)."""

    trigger: ClassVar[str] = "dispense_guardian_consent"
    party_id: PartyId = field(validator=check_id)


@frozen(kw_only=True, weakref_slot=False)
class StartPreparation(_Command):
    """Move the case into preparation once everyone consents (staff or mediator; R4)."""

    trigger: ClassVar[str] = "prepare"


@frozen(kw_only=True, weakref_slot=False)
class HoldPreparatoryTalk(_Command):
    """Record a preparatory talk with a party (mediator; R6)."""

    trigger: ClassVar[str] = "hold_preparatory_talk"
    party_id: PartyId = field(validator=check_id)
    channel: TalkChannel = field(default=TalkChannel.IN_PERSON, validator=check_type(TalkChannel))


@frozen(kw_only=True, weakref_slot=False)
class GrantExemption(_Command):
    """Record an exemption from the in-person, no-lawyer rule for a party (staff; R7)."""

    trigger: ClassVar[str] = "grant_exemption"
    party_id: PartyId = field(validator=check_id)
    exemption: Exemption = field(validator=check_type(Exemption))


@frozen(kw_only=True, weakref_slot=False)
class ProposeParticipant(_Command):
    """Propose someone to attend the meeting (a party for its companion, or a mediator or staff; R7)."""

    trigger: ClassVar[str] = "propose_participant"
    participant_id: PersonId = field(validator=check_id)
    role: ParticipantRole = field(validator=check_type(ParticipantRole))
    accompanies: PartyId | None = field(default=None, validator=check_optional_id)


@frozen(kw_only=True, weakref_slot=False)
class DiscloseParticipant(_Command):
    """Record that the other side was told a participant will attend (mediator or staff; R7)."""

    trigger: ClassVar[str] = "disclose_participant"
    participant_id: PersonId = field(validator=check_id)


@frozen(kw_only=True, weakref_slot=False)
class ApproveParticipant(_Command):
    """A party agrees that a participant may attend (the party; R7)."""

    trigger: ClassVar[str] = "approve_participant"
    participant_id: PersonId = field(validator=check_id)
    party_id: PartyId = field(default=Factory(_own_id, takes_self=True), validator=check_id)


@frozen(kw_only=True, weakref_slot=False)
class ScheduleMeeting(_Command):
    """Schedule the meeting with its agreed attendees (mediator or staff; R5, R6, R7)."""

    trigger: ClassVar[str] = "schedule"
    kind: MeetingKind = field(default=MeetingKind.MEDIATION, validator=check_type(MeetingKind))
    starts_at: datetime = field(validator=check_aware)
    attendees: tuple[str, ...] = field(converter=as_tuple, validator=check_ids)
    remote: tuple[PartyId, ...] = field(default=(), converter=as_tuple, validator=check_ids)


@frozen(kw_only=True, weakref_slot=False)
class AgreeConfidentiality(_Command):
    """Record that a person agreed to keep confidentiality (the person, or a mediator recording it; R8)."""

    trigger: ClassVar[str] = "agree_confidentiality"
    person_id: str = field(default=Factory(_own_id, takes_self=True), validator=check_id)


@frozen(kw_only=True, weakref_slot=False)
class HoldMeeting(_Command):
    """Record that the meeting took place with these people present (mediator; R8)."""

    trigger: ClassVar[str] = "hold_meeting"
    present: tuple[str, ...] = field(converter=as_tuple, validator=check_ids)


@frozen(kw_only=True, weakref_slot=False)
class AdjournMeeting(_Command):
    """Adjourn the meeting for another one; the case goes back to preparation (mediator)."""

    trigger: ClassVar[str] = "adjourn"


@frozen(kw_only=True, weakref_slot=False)
class RecordAgreement(_Command):
    """Record the agreement reached in the held meeting (mediator; R9).

    Args:
        items: the undertakings.
        cooling_off: whether the agreement has a cooling-off period; ``None`` takes the
            policy's default for the case kind (a civil case has one only if chosen).
    """

    trigger: ClassVar[str] = "agree"
    items: tuple[Item, ...] = field(converter=as_tuple, validator=_check_items)
    cooling_off: bool | None = field(default=None, validator=check_type(bool, type(None)))


@frozen(kw_only=True, weakref_slot=False)
class RecordNoAgreement(_Command):
    """Record that the meeting ended without an agreement (mediator)."""

    trigger: ClassVar[str] = "fail"


@frozen(kw_only=True, weakref_slot=False)
class SignAgreement(_Command):
    """Sign the agreement (a party, a guardian of a minor party, or a mediator; R10)."""

    trigger: ClassVar[str] = "sign_agreement"
    signer_id: str = field(default=Factory(_own_id, takes_self=True), validator=check_id)


@frozen(kw_only=True, weakref_slot=False)
class EndCoolingOff(_Command):
    """End the cooling-off period once it has passed; the agreement binds (staff or mediator; R10)."""

    trigger: ClassVar[str] = "end_cooling_off"


@frozen(kw_only=True, weakref_slot=False)
class ReportItem(_Command):
    """Report whether an agreement item was fulfilled (the harmed party, a civil party, or staff; R11)."""

    trigger: ClassVar[str] = "report_item"
    item_id: str = field(validator=check_id)
    fulfilled: bool = field(validator=check_type(bool))


@frozen(kw_only=True, weakref_slot=False)
class CheckDeadlines(_Command):
    """Mark items whose deadline has passed unfulfilled as breached (staff; R11)."""

    trigger: ClassVar[str] = "check_deadlines"


@frozen(kw_only=True, weakref_slot=False)
class Withdraw(_Command):
    """A party withdraws, or a guardian withdraws their ward (R1); never refused for a rule reason."""

    trigger: ClassVar[str] = "withdraw"
    party_id: PartyId = field(default=Factory(_own_id, takes_self=True), validator=check_id)


Command: TypeAlias = (
    ReferCase
    | AcceptCase
    | DeclineCase
    | AssignStaff
    | AssignMediator
    | ReleaseMediator
    | DeclareConflict
    | RecordAdmission
    | InformParty
    | GiveConsent
    | GiveGuardianConsent
    | DispenseGuardianConsent
    | StartPreparation
    | HoldPreparatoryTalk
    | GrantExemption
    | ProposeParticipant
    | DiscloseParticipant
    | ApproveParticipant
    | ScheduleMeeting
    | AgreeConfidentiality
    | HoldMeeting
    | AdjournMeeting
    | RecordAgreement
    | RecordNoAgreement
    | SignAgreement
    | EndCoolingOff
    | ReportItem
    | CheckDeadlines
    | Withdraw
)
"""Any command: the union of every command class, for annotations in your own code.

Annotate a collection of commands with it, e.g. ``commands: list[Command] = [...]``.
Without the annotation mypy infers a list of two different commands as their private
common base class, which `restorative.handle` and the stores' ``handle`` do not take.
"""

COMMAND_TYPES: tuple[type[Command], ...] = Command.__args__
"""Every command class, in process order."""

__all__ = [
    "AcceptCase",
    "AdjournMeeting",
    "AgreeConfidentiality",
    "ApproveParticipant",
    "AssignMediator",
    "AssignStaff",
    "COMMAND_TYPES",
    "CheckDeadlines",
    "Command",
    "DeclareConflict",
    "DeclineCase",
    "DiscloseParticipant",
    "DispenseGuardianConsent",
    "EndCoolingOff",
    "GiveConsent",
    "GiveGuardianConsent",
    "GrantExemption",
    "HoldMeeting",
    "HoldPreparatoryTalk",
    "InformParty",
    "ProposeParticipant",
    "RecordAdmission",
    "RecordAgreement",
    "RecordNoAgreement",
    "ReferCase",
    "ReleaseMediator",
    "ReportItem",
    "ScheduleMeeting",
    "SignAgreement",
    "StartPreparation",
    "Withdraw",
]
