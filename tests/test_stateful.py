"""Random walks through cases with valid and invalid commands from random actors.

After every step the machine checks every rule that can be observed from the outside:
replay equals the live case (R15), refused commands change nothing (R16), final stages
absorb (R2), withdrawal is open in every active stage (R1), meetings are held only with
agreed, confidential attendees (R8), reports carry outcomes and agreement text only
(R12), every accepted command came from a permitted actor (R14), and the JSON round
trip of every value and event is the identity.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
from hypothesis import event as note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import restorative as r
from restorative import _rules as rules

T0 = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
MEDIATORS = ("med-1", "med-2", "med-3")
STAFF = ("staff-1", "staff-2")
STRANGERS = ("stranger", "med-x")
SUPPORTERS = ("friend-a", "friend-b", "lawyer-c", "interp-d")

ACTIVE_ORDER = {
    "accept": 1,
    "prepare": 2,
    "schedule": 3,
    "agree": 4,
    "cool_off": 5,
    "bind": 6,
    "fulfil": 7,
    "breach": 7,
}

POLICIES = st.sampled_from(
    [
        r.Policy.norway(),
        r.Policy(name="no-cooling-off", criminal_cooling_off_days=0, civil_cooling_off_by_default=False),
        r.Policy(name="three-mediators", max_mediators=3, preparatory_talks_required=False),
        r.Policy(
            name="strict",
            continuation=r.Continuation.ANY_WITHDRAWAL_ENDS,
            longest_item_deadline_days=60,
            civil_cooling_off_by_default=True,
            civil_cooling_off_days=3,
        ),
    ]
)


@st.composite
def referrals(draw: st.DrawFn) -> tuple[r.Referral, tuple[r.Party, ...], r.Policy]:
    kind = draw(st.sampled_from(r.CaseKind))
    if kind is r.CaseKind.CRIMINAL:
        source = draw(st.sampled_from([r.ReferralSource.PROSECUTION, r.ReferralSource.COURT]))
    else:
        source = draw(
            st.sampled_from([r.ReferralSource.PARTIES, r.ReferralSource.PUBLIC_AGENCY, r.ReferralSource.POLICE])
        )
    count = draw(st.integers(2, 4))
    parties = []
    for n in range(count):
        if kind is r.CaseKind.CRIMINAL:
            role = (
                r.Role.HARMED
                if n == 0
                else r.Role.RESPONSIBLE
                if n == 1
                else draw(st.sampled_from([r.Role.HARMED, r.Role.RESPONSIBLE]))
            )
        else:
            role = r.Role.PARTY
        age = draw(st.sampled_from([None, 13, 15, 16, 17, 30]))
        guardians: tuple[r.PersonId, ...] = ()
        if age is not None and age < 18:
            dispensable = kind is r.CaseKind.CIVIL and age >= 15
            count_guardians = draw(st.integers(0 if dispensable else 1, 2))
            guardians = tuple(r.PersonId(f"g{n}-{k}") for k in range(count_guardians))
        born = None if age is None else date(T0.year - age, 1, 1)
        parties.append(r.Party(id=r.PartyId(f"p{n}"), role=role, birth_date=born, guardians=guardians))
    referral = r.Referral(
        source=source,
        kind=kind,
        received_at=T0,
        admission_of_facts=draw(st.booleans()) if kind is r.CaseKind.CRIMINAL else False,
    )
    return referral, tuple(parties), draw(POLICIES)


def _actors(case: r.Case) -> list[r.Actor]:
    """Everyone who might try something: the case's people in every capacity, and strangers."""
    actors = [r.Actor(id=p.id, kind=r.ActorKind.PARTY) for p in case.parties]
    actors += [r.Actor(id=g, kind=r.ActorKind.GUARDIAN) for p in case.parties for g in p.guardians]
    actors += [r.Actor(id=m, kind=r.ActorKind.MEDIATOR) for m in (*MEDIATORS, *STRANGERS)]
    actors += [r.Actor(id=s, kind=r.ActorKind.STAFF) for s in (*STAFF, *STRANGERS)]
    actors += [r.Actor(id=s, kind=r.ActorKind.PARTICIPANT) for s in SUPPORTERS]
    return actors


def _plausible(case: r.Case, at: datetime) -> list[Any]:
    """Commands that move the case along, each sent by the actor most likely to be permitted."""
    staff = r.Actor(id=case.staff[0], kind=r.ActorKind.STAFF)
    mediators = [r.Actor(id=m, kind=r.ActorKind.MEDIATOR) for m in case.mediators] or [
        r.Actor(id="med-1", kind=r.ActorKind.MEDIATOR)
    ]
    med = mediators[0]
    out: list[Any] = [
        r.AcceptCase(actor=staff, at=at),
        r.RecordAdmission(actor=staff, at=at),
        r.DeclineCase(actor=staff, at=at, reason="unsuitable"),
        r.StartPreparation(actor=med, at=at),
        r.AdjournMeeting(actor=med, at=at),
        r.RecordNoAgreement(actor=med, at=at),
        r.CheckDeadlines(actor=staff, at=at),
        r.AssignStaff(actor=staff, at=at, staff_id=r.PersonId("staff-2")),
    ]
    for m in MEDIATORS:
        out.append(r.AssignMediator(actor=staff, at=at, mediator_id=r.PersonId(m)))
    for p in case.parties:
        me = r.Actor(id=p.id, kind=r.ActorKind.PARTY)
        out += [
            r.InformParty(actor=med, at=at, party_id=p.id),
            r.GiveConsent(actor=me, at=at, party_id=p.id),
            r.DispenseGuardianConsent(actor=staff, at=at, party_id=p.id),
            r.HoldPreparatoryTalk(actor=med, at=at, party_id=p.id),
            r.Withdraw(actor=me, at=at, party_id=p.id),
            r.SignAgreement(actor=me, at=at, signer_id=p.id),
            r.AgreeConfidentiality(actor=me, at=at, person_id=p.id),
            r.GrantExemption(actor=staff, at=at, party_id=p.id, exemption=r.Exemption.LAWYER),
            r.ProposeParticipant(
                actor=me, at=at, participant_id=r.PersonId(f"friend-{p.id}"), role=r.ParticipantRole.SUPPORT
            ),
            r.ProposeParticipant(
                actor=me, at=at, participant_id=r.PersonId(f"lawyer-{p.id}"), role=r.ParticipantRole.LAWYER
            ),
            r.DeclareConflict(actor=staff, at=at, mediator_id=r.PersonId("med-2"), towards=p.id),
        ]
        for g in p.guardians:
            guardian = r.Actor(id=g, kind=r.ActorKind.GUARDIAN)
            out += [
                r.GiveGuardianConsent(actor=guardian, at=at, party_id=p.id),
                r.SignAgreement(actor=guardian, at=at, signer_id=g),
                r.Withdraw(actor=guardian, at=at, party_id=p.id),
            ]
    for participant in case.participants:
        out.append(r.DiscloseParticipant(actor=med, at=at, participant_id=participant.id))
        for p in case.parties:
            out.append(
                r.ApproveParticipant(
                    actor=r.Actor(id=p.id, kind=r.ActorKind.PARTY), at=at, participant_id=participant.id, party_id=p.id
                )
            )
    for mediator in mediators:
        out.append(r.SignAgreement(actor=mediator, at=at, signer_id=mediator.id))
    active = [p.id for p in case.active_parties]
    agreed = [q.id for q in case.participants if rules.attendee_problem(case, q.id) is None]
    out.append(r.ScheduleMeeting(actor=med, at=at, starts_at=at, attendees=(*active, med.id)))
    out.append(r.ScheduleMeeting(actor=med, at=at, starts_at=at, attendees=(*active, med.id, *agreed)))
    if case.meeting is not None:
        for person in case.meeting.attendees:
            out.append(r.AgreeConfidentiality(actor=med, at=at, person_id=person))
        out.append(r.HoldMeeting(actor=med, at=at, present=case.meeting.attendees))
        out.append(r.HoldMeeting(actor=med, at=at, present=(*tuple(active), med.id)))
    responsible = [p for p in case.active_parties if p.role is not r.Role.HARMED] or list(case.active_parties)
    if responsible:
        items = tuple(
            r.Item(
                id=f"i{n}",
                kind=r.ItemKind.COMPENSATION,
                description=f"undertaking {n}",
                responsible=p.id,
                deadline=at + timedelta(days=20 + 10 * n),
            )
            for n, p in enumerate(responsible[:2])
        )
        out.append(r.RecordAgreement(actor=med, at=at, items=items))
    if case.agreement is not None:
        if case.agreement.cooling_off_ends is not None:
            out.append(r.EndCoolingOff(actor=staff, at=max(at, case.agreement.cooling_off_ends)))
        harmed = [p for p in case.active_parties if p.role is not r.Role.RESPONSIBLE]
        for item in case.agreement.items:
            for reporter in [*(r.Actor(id=p.id, kind=r.ActorKind.PARTY) for p in harmed[:1]), staff]:
                out.append(r.ReportItem(actor=reporter, at=at, item_id=item.id, fulfilled=True))
            out.append(r.ReportItem(actor=staff, at=at, item_id=item.id, fulfilled=False))
    return out


ENDINGS = (r.Withdraw, r.DeclineCase, r.RecordNoAgreement, r.AdjournMeeting)


def _accepted(case: r.Case, command: Any) -> bool:
    if isinstance(command, r.ReportItem) and not command.fulfilled:
        return False
    try:
        r.decide(case, command)
    except r.errors.RestorativeError:
        return False
    return True


class CaseMachine(RuleBasedStateMachine):
    """A case under random commands; every step is checked against the rules."""

    def __init__(self) -> None:
        super().__init__()
        self.case: r.Case | None = None
        self.events: list[r.Event] = []
        self.now = T0

    @initialize(data=referrals(), opener=st.sampled_from(STAFF))
    def open_case(self, data: tuple[r.Referral, tuple[r.Party, ...], r.Policy], opener: str) -> None:
        referral, parties, policy = data
        command = r.ReferCase(
            actor=r.Actor(id=opener, kind=r.ActorKind.STAFF),
            at=self.now,
            case_id=r.CaseId("case-under-test"),
            referral=referral,
            parties=parties,
            policy=policy,
        )
        self.case, events = r.handle(None, command)
        self.events.extend(events)

    @property
    def live(self) -> r.Case:
        assert self.case is not None
        return self.case

    # --- steps ---------------------------------------------------------------------

    @rule(days=st.integers(0, 20), hours=st.integers(0, 23))
    def time_passes(self, days: int, hours: int) -> None:
        self.now += timedelta(days=days, hours=hours)

    @rule(data=st.data(), ending=st.integers(0, 5))
    def plausible_command(self, data: st.DataObject, ending: int) -> None:
        """Any plausible command; one that may end the case only one time in six."""
        options = _plausible(self.live, self.now)
        if ending != 5:
            options = [c for c in options if not isinstance(c, ENDINGS)]
        self._send(data.draw(st.sampled_from(options)))

    @rule(data=st.data(), steps=st.integers(1, 25))
    def advance(self, data: st.DataObject, steps: int) -> None:
        """Take up to `steps` accepted commands that keep the case going, so walks reach late stages."""
        for _ in range(steps):
            if self.live.stage.is_final:
                return
            self.now += timedelta(hours=data.draw(st.integers(0, 30)))
            options = [
                c for c in _plausible(self.live, self.now) if not isinstance(c, ENDINGS) and _accepted(self.live, c)
            ]
            if not options:
                return
            assert self._send(data.draw(st.sampled_from(options)))

    @rule(data=st.data())
    def command_from_anyone(self, data: st.DataObject) -> None:
        """A plausible command, sent by a random actor instead: mostly refused (R14)."""
        command = data.draw(st.sampled_from(_plausible(self.live, self.now)))
        actor = data.draw(st.sampled_from(_actors(self.live)))
        self._send(attrs.evolve(command, actor=actor))

    @rule(data=st.data(), back=st.integers(1, 100))
    def command_from_the_past(self, data: st.DataObject, back: int) -> None:
        """Time never goes backwards (R15): a command dated before the last event is refused."""
        command = data.draw(st.sampled_from(_plausible(self.live, self.now)))
        past = self.live.updated_at - timedelta(hours=back)
        self._send(attrs.evolve(command, at=past), expect_refusal="R15")

    @precondition(lambda self: self.case is not None and not self.live.stage.is_final)
    @rule(data=st.data(), chance=st.integers(0, 5))
    def someone_withdraws(self, data: st.DataObject, chance: int) -> None:
        """R1: every party still in the case may withdraw, or have its guardian withdraw it."""
        if chance != 5:
            return
        party = data.draw(st.sampled_from(self.live.active_parties))
        who = [r.Actor(id=party.id, kind=r.ActorKind.PARTY)]
        who += [r.Actor(id=g, kind=r.ActorKind.GUARDIAN) for g in party.guardians]
        actor = data.draw(st.sampled_from(who))
        accepted = self._send(r.Withdraw(actor=actor, at=self.now, party_id=party.id))
        assert accepted, "R1: a withdrawal by a party still in the case was refused"

    def _send(self, command: Any, expect_refusal: str | None = None) -> bool:
        before = self.live
        log_length = len(self.events)
        try:
            after, events = r.handle(before, command)
        except r.errors.RestorativeError as error:
            # R16: nothing changed, and the error is from our tree with a usable message.
            assert self.case is before
            assert len(self.events) == log_length
            assert str(error)
            if isinstance(error, r.errors.Refused):
                assert error.stage is before.stage
                assert error.hint
            if expect_refusal is not None:
                assert isinstance(error, r.errors.RuleViolation | r.errors.StageError)
            return False
        assert expect_refusal is None, f"{expect_refusal}: {type(command).__name__} from the past was accepted"
        self._check_accepted(before, command, after, events)
        self.case = after
        self.events.extend(events)
        self.now = max(self.now, after.updated_at)
        return True

    # --- what an accepted command must satisfy -------------------------------------

    def _check_accepted(self, before: r.Case, command: Any, after: r.Case, events: tuple[r.Event, ...]) -> None:
        assert events, "an accepted command records at least one event"
        assert not before.stage.is_final, "R2: a final stage took a command"
        actor = command.actor
        # R14: the actor acted in a capacity the case knows them in.
        if actor.kind is r.ActorKind.STAFF:
            assert actor.id in before.staff
        elif actor.kind is r.ActorKind.MEDIATOR:
            assert actor.id in before.mediators
        elif actor.kind is r.ActorKind.PARTY:
            party = before.party(actor.id)
            assert party is not None and not party.withdrawn
            assert getattr(command, "party_id", actor.id) == actor.id
        elif actor.kind is r.ActorKind.GUARDIAN:
            ward = before.party(getattr(command, "party_id", ""))
            signer = getattr(command, "signer_id", None)
            mine = signer == actor.id or getattr(command, "person_id", None) == actor.id
            assert (ward is not None and actor.id in ward.guardians) or mine
        elif actor.kind is r.ActorKind.PARTICIPANT:
            assert isinstance(command, r.AgreeConfidentiality) and command.person_id == actor.id
        for event in events:
            assert event.at == command.at
            if isinstance(event, r.PreparationStarted):  # R4
                assert all(rules.consenting(p) for p in before.active_parties)
                assert before.kind is r.CaseKind.CIVIL or before.referral.admission_of_facts
            if isinstance(event, r.MeetingScheduled):  # R5, R6, R7
                chosen = [a for a in event.attendees if a in before.mediators]
                assert 1 <= len(chosen) <= before.policy.max_mediators
                assert all(rules.conflicted(before, m) is None for m in chosen)
                if before.policy.preparatory_talks_required:
                    assert all(p.prepared for p in before.active_parties)
                assert all(rules.attendee_problem(before, a) is None for a in event.attendees)
            if isinstance(event, r.MeetingHeld):  # R8
                assert before.meeting is not None
                assert set(event.present) <= set(before.meeting.attendees)
                assert set(event.present) <= set(before.confidential)
            if isinstance(event, r.AgreementRecorded):  # R9
                assert before.meeting is not None and before.meeting.held_at is not None
                assert all(i.deadline > command.at for i in event.items)
            if isinstance(event, r.AgreementBound):  # R10
                agreement = after.agreement
                assert agreement is not None
                assert not rules.missing_signatures(before, agreement)
                if agreement.cooling_off_days:
                    assert agreement.cooling_off_ends is not None and command.at >= agreement.cooling_off_ends
            if isinstance(event, r.ReportSent):  # R12
                self._check_report(before, after, event.report)

    def _check_report(self, before: r.Case, after: r.Case, report: r.Report) -> None:
        assert {a.name for a in attrs.fields(r.Report)} == {"recipient", "kind", "outcome", "agreement"}
        assert report.recipient is before.referral.source
        assert rules.reports_agreement(before)
        if report.kind is r.ReportKind.RETURN:
            assert rules.reports_returns(before)
        if report.agreement is not None:
            assert after.agreement is not None
            assert [i.description for i in report.agreement.items] == [i.description for i in after.agreement.items]
            assert after.agreement.bound_at is not None

    # --- invariants ----------------------------------------------------------------

    def teardown(self) -> None:
        if self.case is not None:
            note(f"final stage reached: {self.case.stage.value}")
            deepest = max((ACTIVE_ORDER.get(e.trigger or "", 0) for e in self.events), default=0)
            note(f"deepest move: {deepest}")

    @invariant()
    def replay_equals_live_case(self) -> None:  # R15
        if self.case is not None:
            assert r.replay(self.events) == self.case
            assert self.case.version == len(self.events)

    @invariant()
    def time_never_goes_backwards(self) -> None:  # R15
        times = [e.at for e in self.events]
        assert times == sorted(times)

    @invariant()
    def stages_follow_the_machine(self) -> None:
        stage = r.Stage.REFERRED
        for event in self.events[1:]:
            if event.trigger is not None:
                assert not stage.is_final, "R2: a final stage moved"
                moves = [t for t in r.MACHINE.get_transitions(event.trigger, stage.value) if t.dest is not None]
                assert len(moves) == 1
                stage = r.Stage(moves[0].dest)
        if self.case is not None:
            assert stage is self.case.stage

    @invariant()
    def withdrawal_open_in_every_active_stage(self) -> None:  # R1
        if self.case is None or self.case.stage.is_final:
            return
        for party in self.case.active_parties:
            actor = r.Actor(id=party.id, kind=r.ActorKind.PARTY)
            r.decide(self.case, r.Withdraw(actor=actor, at=self.now, party_id=party.id))
            assert r.Withdraw in r.allowed(self.case, actor, self.now)

    @invariant()
    def final_stages_take_nothing(self) -> None:  # R2
        if self.case is None or not self.case.stage.is_final:
            return
        for actor in _actors(self.case):
            assert r.allowed(self.case, actor, self.now) == ()

    @invariant()
    def outcomes_match_items(self) -> None:  # R11, R13
        case = self.case
        if case is None:
            return
        if case.stage is r.Stage.FULFILLED:
            assert case.agreement is not None
            assert all(i.status is r.ItemStatus.FULFILLED for i in case.agreement.items)
        if case.stage is r.Stage.BREACHED:
            assert case.agreement is not None
            assert any(i.status is r.ItemStatus.BREACHED for i in case.agreement.items)
        if case.stage is r.Stage.WITHDRAWN:
            assert any(p.withdrawn for p in case.parties)

    @invariant()
    def json_round_trip_is_identity(self) -> None:
        if self.case is None:
            return
        assert r.from_json(r.to_json(self.case), r.Case) == self.case
        for event in self.events[-3:]:
            assert r.event_from_json(r.to_json(event)) == event


TestCase = CaseMachine.TestCase
