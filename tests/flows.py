"""A small driver for tests: open a case and walk it to any stage with real commands."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import restorative as r

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STAFF = r.Actor(id="staff-1", kind=r.ActorKind.STAFF)
MEDIATOR = r.Actor(id="med-1", kind=r.ActorKind.MEDIATOR)
MEDIATOR_2 = r.Actor(id="med-2", kind=r.ActorKind.MEDIATOR)


def handled(commands: Sequence[r.Command]) -> tuple[list[r.Event], r.Case]:
    """Every command through `restorative.handle` from no case: the events and the case they make."""
    case: r.Case | None = None
    events: list[r.Event] = []
    for command in commands:
        case, new = r.handle(case, command)
        events.extend(new)
    assert case is not None
    return events, case


def party_actor(party_id: str) -> r.Actor:
    return r.Actor(id=party_id, kind=r.ActorKind.PARTY)


def guardian_actor(guardian_id: str) -> r.Actor:
    return r.Actor(id=guardian_id, kind=r.ActorKind.GUARDIAN)


class Flow:
    """A case under test plus its log; every step goes through `restorative.handle`."""

    def __init__(
        self,
        *,
        kind: r.CaseKind = r.CaseKind.CRIMINAL,
        parties: Sequence[r.Party] | None = None,
        policy: r.Policy | None = None,
        source: r.ReferralSource | None = None,
        case_id: str = "case-1",
        admission: bool = True,
    ) -> None:
        self.now = T0
        self.events: list[r.Event] = []
        if parties is None:
            if kind is r.CaseKind.CRIMINAL:
                parties = (
                    r.Party(id=r.PartyId("harmed"), role=r.Role.HARMED),
                    r.Party(id=r.PartyId("resp"), role=r.Role.RESPONSIBLE),
                )
            else:
                parties = (
                    r.Party(id=r.PartyId("anna"), role=r.Role.PARTY),
                    r.Party(id=r.PartyId("bjorn"), role=r.Role.PARTY),
                )
        if source is None:
            source = r.ReferralSource.PROSECUTION if kind is r.CaseKind.CRIMINAL else r.ReferralSource.PARTIES
        self.referral = r.Referral(source=source, kind=kind, received_at=T0, admission_of_facts=admission)
        self.case = self.do(
            r.ReferCase,
            STAFF,
            case_id=case_id,
            referral=self.referral,
            parties=tuple(parties),
            policy=policy or r.Policy.norway(),
        )

    # -- plumbing ---------------------------------------------------------------

    def tick(self, **delta: float) -> datetime:
        self.now += timedelta(**(delta or {"hours": 1}))
        return self.now

    def command(self, cls: type[Any], actor: r.Actor, **fields: Any) -> Any:
        at = fields.pop("at", None) or self.tick()
        self.now = max(self.now, at)
        return cls(actor=actor, at=at, **fields)

    def do(self, cls: type[Any], actor: r.Actor, **fields: Any) -> r.Case:
        command = self.command(cls, actor, **fields)
        case = getattr(self, "case", None)
        self.case, events = r.handle(case, command)
        self.events.extend(events)
        return self.case

    def refused(self, cls: type[Any], actor: r.Actor, **fields: Any) -> r.errors.RestorativeError:
        """Send a command that must be refused; check that nothing changed (R16) and return the error."""
        before = self.case
        command = self.command(cls, actor, **fields)
        try:
            r.handle(self.case, command)
        except r.errors.RestorativeError as error:
            assert self.case is before
            assert r.replay(self.events) == before
            return error
        raise AssertionError(f"{cls.__name__} was accepted but should have been refused")

    @property
    def party_ids(self) -> list[str]:
        return [p.id for p in self.case.active_parties]

    # -- walking the process ----------------------------------------------------------

    def to_consent(self) -> Flow:
        self.do(r.AcceptCase, STAFF)
        self.do(r.AssignMediator, STAFF, mediator_id=MEDIATOR.id)
        return self

    def consent_all(self) -> Flow:
        for party in self.case.active_parties:
            self.do(r.InformParty, MEDIATOR, party_id=party.id)
            self.do(r.GiveConsent, party_actor(party.id), party_id=party.id)
            if party.minor:
                if self.case.kind is r.CaseKind.CIVIL and not party.guardians:
                    self.do(r.DispenseGuardianConsent, STAFF, party_id=party.id)
                for guardian in party.guardians:
                    self.do(r.GiveGuardianConsent, guardian_actor(guardian), party_id=party.id)
        return self

    def to_preparation(self) -> Flow:
        self.to_consent().consent_all()
        self.do(r.StartPreparation, STAFF)
        return self

    def prepare_all(self) -> Flow:
        for party in self.case.active_parties:
            self.do(r.HoldPreparatoryTalk, MEDIATOR, party_id=party.id)
        return self

    def attendees(self) -> tuple[str, ...]:
        return (*self.party_ids, MEDIATOR.id)

    def to_meeting(self, attendees: tuple[str, ...] | None = None) -> Flow:
        self.to_preparation().prepare_all()
        self.schedule(attendees)
        return self

    def schedule(self, attendees: tuple[str, ...] | None = None) -> Flow:
        self.do(
            r.ScheduleMeeting, MEDIATOR, starts_at=self.now + timedelta(days=7), attendees=attendees or self.attendees()
        )
        self.now += timedelta(days=7)
        return self

    def confidentiality_all(self) -> Flow:
        meeting = self.case.meeting
        assert meeting is not None
        for person in meeting.attendees:
            if person not in self.case.confidential:
                self.do(r.AgreeConfidentiality, MEDIATOR, person_id=person)
        return self

    def hold(self) -> Flow:
        self.confidentiality_all()
        meeting = self.case.meeting
        assert meeting is not None
        self.do(r.HoldMeeting, MEDIATOR, present=meeting.attendees)
        return self

    def items(self, *responsible: str, days: int = 30) -> tuple[r.Item, ...]:
        who = responsible or tuple(p.id for p in self.case.active_parties if p.role is not r.Role.HARMED)[:1]
        return tuple(
            r.Item(
                id=f"item-{n}",
                kind=r.ItemKind.APOLOGY if n == 0 else r.ItemKind.COMPENSATION,
                description=f"item {n}",
                responsible=r.PartyId(p),
                deadline=self.now + timedelta(days=days + n),
            )
            for n, p in enumerate(who)
        )

    def to_agreement(self, items: tuple[r.Item, ...] | None = None, **agreement: Any) -> Flow:
        self.to_meeting().hold()
        self.do(r.RecordAgreement, MEDIATOR, items=items or self.items(), **agreement)
        return self

    def signers(self) -> list[r.Actor]:
        actors = [party_actor(p.id) for p in self.case.active_parties]
        for p in self.case.active_parties:
            if p.minor and not p.dispensed and p.guardians:
                actors.append(guardian_actor(p.guardians[0]))
        actors.append(MEDIATOR)
        return actors

    def sign_all(self) -> Flow:
        for actor in self.signers():
            self.do(r.SignAgreement, actor, signer_id=actor.id)
        return self

    def to_follow_up(self, items: tuple[r.Item, ...] | None = None, **agreement: Any) -> Flow:
        self.to_agreement(items, **agreement).sign_all()
        if self.case.stage is r.Stage.COOLING_OFF:
            agreement_value = self.case.agreement
            assert agreement_value is not None and agreement_value.cooling_off_ends is not None
            self.do(r.EndCoolingOff, STAFF, at=agreement_value.cooling_off_ends)
        return self

    def reports(self) -> list[r.Report]:
        return [e.report for e in self.events if isinstance(e, r.ReportSent)]


def minor(party_id: str, role: r.Role, *, guardians: tuple[str, ...] = (), age: int | None = None) -> r.Party:
    """A minor party, by age at referral (with a birth date) or by flag."""
    if age is None:
        return r.Party(id=r.PartyId(party_id), role=role, minor=True, guardians=tuple(r.PersonId(g) for g in guardians))
    born = date(T0.year - age, 1, 1)
    return r.Party(
        id=r.PartyId(party_id), role=role, birth_date=born, guardians=tuple(r.PersonId(g) for g in guardians)
    )
