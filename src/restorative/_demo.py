"""Two realistic cases, end to end, for `restorative demo` and the docs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from . import commands as c
from ._values import (
    Actor,
    ActorKind,
    CaseId,
    CaseKind,
    Item,
    ItemKind,
    MeetingKind,
    ParticipantRole,
    Party,
    PartyId,
    PersonId,
    Referral,
    ReferralSource,
    Role,
    TalkChannel,
)
from .commands import Command
from .events import Event
from .process._mediation import handle

STAFF = Actor(id="staff-oslo-1", kind=ActorKind.STAFF)
MEDIATOR = Actor(id="mediator-ane", kind=ActorKind.MEDIATOR)
HARMED = Actor(id="kari", kind=ActorKind.PARTY)
RESPONSIBLE = Actor(id="jonas", kind=ActorKind.PARTY)
GUARDIAN = Actor(id="jonas-mother", kind=ActorKind.GUARDIAN)
SUPPORT = Actor(id="kari-friend", kind=ActorKind.PARTICIPANT)


class _Clock:
    """Demo time: starts at a date and moves forward only when told."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def after(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def fulfilled_case(case_id: CaseId = "demo-2026-0117") -> tuple[list[Command], list[Event]]:
    """A criminal case referred by the prosecution that ends `fulfilled`.

    A harmed adult, a responsible 16-year-old whose mother consents, a disclosed support
    person, preparatory talks, confidentiality, the meeting, a two-item agreement,
    cooling-off, follow-up and the reports to the prosecution.
    """
    clock = _Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    kari, jonas = PartyId("kari"), PartyId("jonas")
    referral = Referral(
        source=ReferralSource.PROSECUTION,
        kind=CaseKind.CRIMINAL,
        received_at=clock.now,
        admission_of_facts=True,
        reference="demo-prosecution-2026-0117",
    )
    parties = (
        Party(id=kari, role=Role.HARMED, birth_date=date(1979, 5, 14)),
        Party(id=jonas, role=Role.RESPONSIBLE, birth_date=date(2009, 8, 30), guardians=(PersonId("jonas-mother"),)),
    )
    at = clock.after
    commands: list[Command] = [
        c.ReferCase(actor=STAFF, at=at(hours=1), case_id=case_id, referral=referral, parties=parties),
        c.AcceptCase(actor=STAFF, at=at(hours=2)),
        c.AssignMediator(actor=STAFF, at=at(hours=1), mediator_id=PersonId(MEDIATOR.id)),
        c.InformParty(actor=MEDIATOR, at=at(days=1), party_id=kari),
        c.InformParty(actor=MEDIATOR, at=at(hours=3), party_id=jonas),
        c.GiveConsent(actor=HARMED, at=at(days=2), party_id=kari),
        c.GiveConsent(actor=RESPONSIBLE, at=at(days=1), party_id=jonas),
        c.GiveGuardianConsent(actor=GUARDIAN, at=at(hours=2), party_id=jonas),
        c.StartPreparation(actor=MEDIATOR, at=at(hours=1)),
        c.HoldPreparatoryTalk(actor=MEDIATOR, at=at(days=3), party_id=kari, channel=TalkChannel.IN_PERSON),
        c.HoldPreparatoryTalk(actor=MEDIATOR, at=at(days=1), party_id=jonas, channel=TalkChannel.VIDEO),
        c.ProposeParticipant(
            actor=HARMED, at=at(hours=1), participant_id=PersonId(SUPPORT.id), role=ParticipantRole.SUPPORT
        ),
        c.DiscloseParticipant(actor=MEDIATOR, at=at(hours=1), participant_id=PersonId(SUPPORT.id)),
        c.ApproveParticipant(actor=RESPONSIBLE, at=at(days=1), participant_id=PersonId(SUPPORT.id), party_id=jonas),
        c.ProposeParticipant(
            actor=RESPONSIBLE, at=at(hours=1), participant_id=PersonId(GUARDIAN.id), role=ParticipantRole.GUARDIAN
        ),
        c.ApproveParticipant(actor=HARMED, at=at(hours=4), participant_id=PersonId(GUARDIAN.id), party_id=kari),
        c.AgreeConfidentiality(actor=MEDIATOR, at=at(minutes=5), person_id=MEDIATOR.id),
    ]
    everyone = (kari, jonas, MEDIATOR.id, SUPPORT.id, GUARDIAN.id)
    meeting_at = datetime(2026, 3, 20, 14, 0, tzinfo=UTC)
    commands += [
        c.ScheduleMeeting(
            actor=MEDIATOR, at=at(hours=2), kind=MeetingKind.MEDIATION, starts_at=meeting_at, attendees=everyone
        ),
        c.AgreeConfidentiality(actor=HARMED, at=meeting_at, person_id=kari),
        c.AgreeConfidentiality(actor=RESPONSIBLE, at=meeting_at, person_id=jonas),
        c.AgreeConfidentiality(actor=MEDIATOR, at=meeting_at, person_id=SUPPORT.id),
        c.AgreeConfidentiality(actor=GUARDIAN, at=meeting_at, person_id=GUARDIAN.id),
    ]
    clock.now = meeting_at
    items = (
        Item(
            id="apology",
            kind=ItemKind.APOLOGY,
            description="Jonas writes Kari a letter of apology.",
            responsible=jonas,
            deadline=meeting_at + timedelta(days=21),
        ),
        Item(
            id="repair",
            kind=ItemKind.WORK,
            description="Jonas works four hours repainting Kari's fence.",
            responsible=jonas,
            deadline=meeting_at + timedelta(days=42),
        ),
    )
    commands += [
        c.HoldMeeting(actor=MEDIATOR, at=at(minutes=10), present=everyone),
        c.RecordAgreement(actor=MEDIATOR, at=at(hours=2), items=items),
        c.SignAgreement(actor=HARMED, at=at(minutes=5), signer_id=kari),
        c.SignAgreement(actor=RESPONSIBLE, at=at(minutes=1), signer_id=jonas),
        c.SignAgreement(actor=GUARDIAN, at=at(minutes=1), signer_id=GUARDIAN.id),
        c.SignAgreement(actor=MEDIATOR, at=at(minutes=1), signer_id=MEDIATOR.id),
        c.EndCoolingOff(actor=STAFF, at=at(days=14, hours=1)),
        c.ReportItem(actor=HARMED, at=at(days=3), item_id="apology", fulfilled=True),
        c.ReportItem(actor=HARMED, at=at(days=20), item_id="repair", fulfilled=True),
    ]
    return commands, run(commands)


def withdrawn_case(case_id: CaseId = "demo-2026-0231") -> tuple[list[Command], list[Event]]:
    """A criminal case in which the responsible party withdraws during preparation."""
    clock = _Clock(datetime(2026, 4, 13, 10, 0, tzinfo=UTC))
    ola, per = PartyId("ola"), PartyId("per")
    referral = Referral(
        source=ReferralSource.PROSECUTION, kind=CaseKind.CRIMINAL, received_at=clock.now, admission_of_facts=True
    )
    parties = (Party(id=ola, role=Role.HARMED), Party(id=per, role=Role.RESPONSIBLE))
    at = clock.after
    per_actor = Actor(id=per, kind=ActorKind.PARTY)
    ola_actor = Actor(id=ola, kind=ActorKind.PARTY)
    commands: list[Command] = [
        c.ReferCase(actor=STAFF, at=at(hours=1), case_id=case_id, referral=referral, parties=parties),
        c.AcceptCase(actor=STAFF, at=at(hours=1)),
        c.AssignMediator(actor=STAFF, at=at(hours=1), mediator_id=PersonId(MEDIATOR.id)),
        c.InformParty(actor=MEDIATOR, at=at(days=1), party_id=ola),
        c.InformParty(actor=MEDIATOR, at=at(hours=1), party_id=per),
        c.GiveConsent(actor=ola_actor, at=at(days=1), party_id=ola),
        c.GiveConsent(actor=per_actor, at=at(days=2), party_id=per),
        c.StartPreparation(actor=MEDIATOR, at=at(hours=1)),
        c.HoldPreparatoryTalk(actor=MEDIATOR, at=at(days=2), party_id=ola, channel=TalkChannel.PHONE),
        c.Withdraw(actor=per_actor, at=at(days=4), party_id=per),
    ]
    return commands, run(commands)


def run(commands: list[Command]) -> list[Event]:
    """Handle the commands in order and return every event."""
    case = None
    events: list[Event] = []
    for command in commands:
        case, new = handle(case, command)
        events.extend(new)
    return events
