"""Every event: what happened to a case, one class each, and their union `Event`.

``restorative.from_json(text, Event)`` reads any of them back. The same names are
re-exported from `restorative`.

Events are in the past tense. The process emits them; `evolve` folds them into the
case. An event that carries a `trigger` moves the case to the stage the lifecycle names
for that trigger.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, TypeAlias

from attrs import frozen

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
    Report,
    TalkChannel,
)


@frozen(kw_only=True, weakref_slot=False)
class _Event:
    trigger: ClassVar[str | None] = None
    actor: Actor
    at: datetime


@frozen(kw_only=True, weakref_slot=False)
class CaseReferred(_Event):
    """A case was opened from a referral; the issuing staff member is assigned."""

    case_id: CaseId
    referral: Referral
    parties: tuple[Party, ...]
    policy: Policy


@frozen(kw_only=True, weakref_slot=False)
class CaseAccepted(_Event):
    """The referral was accepted; consent is being gathered."""

    trigger: ClassVar[str | None] = "accept"


@frozen(kw_only=True, weakref_slot=False)
class CaseDeclined(_Event):
    """The service declined the civil case as unsuitable."""

    trigger: ClassVar[str | None] = "decline"
    reason: str = ""


@frozen(kw_only=True, weakref_slot=False)
class StaffAssigned(_Event):
    """A staff member was assigned to the case."""

    staff_id: PersonId


@frozen(kw_only=True, weakref_slot=False)
class MediatorAssigned(_Event):
    """A mediator was assigned to the case."""

    mediator_id: PersonId


@frozen(kw_only=True, weakref_slot=False)
class MediatorReleased(_Event):
    """A mediator was released from the case."""

    mediator_id: PersonId


@frozen(kw_only=True, weakref_slot=False)
class ConflictDeclared(_Event):
    """A mediator's conflict of interest towards someone in the case was recorded."""

    mediator_id: PersonId
    towards: str


@frozen(kw_only=True, weakref_slot=False)
class AdmissionRecorded(_Event):
    """The responsible party's admission of the facts was recorded."""


@frozen(kw_only=True, weakref_slot=False)
class PartyInformed(_Event):
    """A party was told what the process is."""

    party_id: PartyId


@frozen(kw_only=True, weakref_slot=False)
class ConsentGiven(_Event):
    """A party consented."""

    party_id: PartyId


@frozen(kw_only=True, weakref_slot=False)
class GuardianConsentGiven(_Event):
    """A guardian consented for their ward."""

    party_id: PartyId
    guardian_id: PersonId


@frozen(kw_only=True, weakref_slot=False)
class GuardianConsentDispensed(_Event):
    """Staff found a civil minor's guardian consent not needed."""

    party_id: PartyId


@frozen(kw_only=True, weakref_slot=False)
class PreparationStarted(_Event):
    """Every party consented; preparation began."""

    trigger: ClassVar[str | None] = "prepare"


@frozen(kw_only=True, weakref_slot=False)
class PreparatoryTalkHeld(_Event):
    """A mediator held a preparatory talk with a party."""

    party_id: PartyId
    channel: TalkChannel


@frozen(kw_only=True, weakref_slot=False)
class ExemptionGranted(_Event):
    """Staff recorded an exemption for a party."""

    party_id: PartyId
    exemption: Exemption


@frozen(kw_only=True, weakref_slot=False)
class ParticipantProposed(_Event):
    """Someone was proposed to attend the meeting."""

    participant_id: PersonId
    role: ParticipantRole
    accompanies: PartyId | None = None


@frozen(kw_only=True, weakref_slot=False)
class ParticipantDisclosed(_Event):
    """The other side was told a participant will attend."""

    participant_id: PersonId


@frozen(kw_only=True, weakref_slot=False)
class ParticipantApproved(_Event):
    """A party agreed that a participant may attend."""

    participant_id: PersonId
    party_id: PartyId


@frozen(kw_only=True, weakref_slot=False)
class MeetingScheduled(_Event):
    """The meeting was scheduled with its agreed attendees."""

    trigger: ClassVar[str | None] = "schedule"
    kind: MeetingKind
    starts_at: datetime
    attendees: tuple[str, ...]
    remote: tuple[PartyId, ...] = ()


@frozen(kw_only=True, weakref_slot=False)
class ConfidentialityAgreed(_Event):
    """A person agreed to keep confidentiality."""

    person_id: str


@frozen(kw_only=True, weakref_slot=False)
class MeetingHeld(_Event):
    """The meeting took place with these people present."""

    present: tuple[str, ...]


@frozen(kw_only=True, weakref_slot=False)
class MeetingAdjourned(_Event):
    """The meeting was adjourned; the case is back in preparation."""

    trigger: ClassVar[str | None] = "adjourn"


@frozen(kw_only=True, weakref_slot=False)
class AgreementRecorded(_Event):
    """An agreement was recorded after the held meeting."""

    trigger: ClassVar[str | None] = "agree"
    items: tuple[Item, ...]
    cooling_off_days: int


@frozen(kw_only=True, weakref_slot=False)
class NoAgreementRecorded(_Event):
    """The parties did not reach an agreement."""

    trigger: ClassVar[str | None] = "fail"


@frozen(kw_only=True, weakref_slot=False)
class AgreementSigned(_Event):
    """Someone signed the agreement."""

    signer_id: str


@frozen(kw_only=True, weakref_slot=False)
class CoolingOffStarted(_Event):
    """The agreement is fully signed; its cooling-off period runs until `ends_at`."""

    trigger: ClassVar[str | None] = "cool_off"
    ends_at: datetime


@frozen(kw_only=True, weakref_slot=False)
class AgreementBound(_Event):
    """The agreement became binding; follow-up began."""

    trigger: ClassVar[str | None] = "bind"


@frozen(kw_only=True, weakref_slot=False)
class ItemFulfilled(_Event):
    """An agreement item was reported fulfilled."""

    item_id: str


@frozen(kw_only=True, weakref_slot=False)
class ItemBreached(_Event):
    """An agreement item was breached: reported so, overdue, or its party withdrew."""

    item_id: str


@frozen(kw_only=True, weakref_slot=False)
class PartyWithdrew(_Event):
    """A party withdrew from the case."""

    party_id: PartyId


@frozen(kw_only=True, weakref_slot=False)
class CaseWithdrawn(_Event):
    """No dialogue remains after a withdrawal; the case ended as withdrawn."""

    trigger: ClassVar[str | None] = "withdraw"


@frozen(kw_only=True, weakref_slot=False)
class CaseFulfilled(_Event):
    """Every agreement item was fulfilled; the case ended as fulfilled."""

    trigger: ClassVar[str | None] = "fulfil"


@frozen(kw_only=True, weakref_slot=False)
class CaseBreached(_Event):
    """An agreement item was breached; the case ended as breached."""

    trigger: ClassVar[str | None] = "breach"


@frozen(kw_only=True, weakref_slot=False)
class ReportSent(_Event):
    """A report went to the referrer: outcomes and agreement text only (R12)."""

    report: Report


Event: TypeAlias = (
    CaseReferred
    | CaseAccepted
    | CaseDeclined
    | StaffAssigned
    | MediatorAssigned
    | MediatorReleased
    | ConflictDeclared
    | AdmissionRecorded
    | PartyInformed
    | ConsentGiven
    | GuardianConsentGiven
    | GuardianConsentDispensed
    | PreparationStarted
    | PreparatoryTalkHeld
    | ExemptionGranted
    | ParticipantProposed
    | ParticipantDisclosed
    | ParticipantApproved
    | MeetingScheduled
    | ConfidentialityAgreed
    | MeetingHeld
    | MeetingAdjourned
    | AgreementRecorded
    | NoAgreementRecorded
    | AgreementSigned
    | CoolingOffStarted
    | AgreementBound
    | ItemFulfilled
    | ItemBreached
    | PartyWithdrew
    | CaseWithdrawn
    | CaseFulfilled
    | CaseBreached
    | ReportSent
)
"""Any event: the union of every event class, for annotations in your own code.

Annotate a collection of events with it, e.g. ``log: list[Event] = []``, so that mypy
does not infer the private common base class of the events you put in it.
"""

EVENT_TYPES: tuple[type[Event], ...] = Event.__args__
"""Every event class."""

__all__ = [
    "AdmissionRecorded",
    "AgreementBound",
    "AgreementRecorded",
    "AgreementSigned",
    "CaseAccepted",
    "CaseBreached",
    "CaseDeclined",
    "CaseFulfilled",
    "CaseReferred",
    "CaseWithdrawn",
    "ConfidentialityAgreed",
    "ConflictDeclared",
    "ConsentGiven",
    "CoolingOffStarted",
    "EVENT_TYPES",
    "Event",
    "ExemptionGranted",
    "GuardianConsentDispensed",
    "GuardianConsentGiven",
    "ItemBreached",
    "ItemFulfilled",
    "MediatorAssigned",
    "MediatorReleased",
    "MeetingAdjourned",
    "MeetingHeld",
    "MeetingScheduled",
    "NoAgreementRecorded",
    "ParticipantApproved",
    "ParticipantDisclosed",
    "ParticipantProposed",
    "PartyInformed",
    "PartyWithdrew",
    "PreparationStarted",
    "PreparatoryTalkHeld",
    "ReportSent",
    "StaffAssigned",
]
