"""One example per rule R1-R19: each shows the rule refusing, and the same command accepted once it holds."""

# Assertions read `expected == actual`, so constants come first.

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import attrs
import pytest

import restorative as r
from restorative.errors import InvalidInput, NotPermitted, Refused, RestorativeError, RuleViolation, StageError
from restorative.verify import _oracle as verify_oracle
from tests.flows import MEDIATOR, MEDIATOR_2, STAFF, T0, Flow, guardian_actor, minor, party_actor

CRIMINAL = r.CaseKind.CRIMINAL
CIVIL = r.CaseKind.CIVIL
HARMED = r.Role.HARMED
RESPONSIBLE = r.Role.RESPONSIBLE
PARTY = r.Role.PARTY
S = r.Stage


def party(party_id: str, role: r.Role = PARTY) -> r.Party:
    return r.Party(id=r.PartyId(party_id), role=role)


def criminal_three() -> tuple[r.Party, ...]:
    return (party("harmed-1", HARMED), party("harmed-2", HARMED), party("resp", RESPONSIBLE))


def civil_three() -> tuple[r.Party, ...]:
    return (party("anna"), party("bjorn"), party("cara"))


def check(error: RestorativeError, cls: type[Refused], rule: str | None) -> None:
    """The error is of the expected class and cites the expected rule."""
    assert isinstance(error, cls), f"expected {cls.__name__}, got {type(error).__name__}: {error}"
    assert rule == error.rule


def walk(flow: Flow, stage: r.Stage) -> Flow:
    """Walk a fresh flow to an active stage with real commands."""
    if stage is S.CONSENT:
        flow.to_consent()
    elif stage is S.PREPARATION:
        flow.to_preparation()
    elif stage is S.MEETING:
        flow.to_meeting()
    elif stage is S.AGREEMENT:
        flow.to_agreement()
    elif stage is S.COOLING_OFF:
        flow.to_agreement(cooling_off=True).sign_all()
    elif stage is S.FOLLOW_UP:
        follow_up(flow)
    assert stage == stage_of(flow)
    return flow


def catch_up(flow: Flow) -> Flow:
    """Move the flow's clock up to the case's last event.

    `Flow.to_follow_up` ends the cooling-off period at its end, ahead of the flow's own clock.
    """
    flow.now = max(flow.now, flow.case.updated_at)
    return flow


def follow_up(flow: Flow) -> Flow:
    return catch_up(flow.to_follow_up())


def enum_id(value: object) -> str:
    assert isinstance(value, r.Stage)
    return value.value


def stage_of(flow: Flow) -> r.Stage:
    """The flow's current stage (a call, so that mypy does not narrow it across commands)."""
    return flow.case.stage


def new_events(flow: Flow, before: int) -> list[type[r.Event]]:
    return [type(event) for event in flow.events[before:]]


# --- R1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", r.ACTIVE_STAGES, ids=enum_id)
@pytest.mark.parametrize(
    ("party_id", "actor"),
    [
        ("resp", party_actor("resp")),
        ("resp", guardian_actor("g-resp")),
        ("harmed", party_actor("harmed")),
    ],
    ids=["party", "guardian", "harmed-party"],
)
def test_r1_withdrawal_accepted_in_every_active_stage(stage: r.Stage, party_id: str, actor: r.Actor) -> None:
    flow = walk(Flow(parties=(party("harmed", HARMED), minor("resp", RESPONSIBLE, guardians=("g-resp",)))), stage)
    assert r.Withdraw in r.allowed(flow.case, actor, flow.now)
    before = len(flow.events)

    flow.do(r.Withdraw, actor, party_id=party_id)

    withdrawn = flow.case.party(party_id)
    assert withdrawn is not None
    assert withdrawn.withdrawn
    assert r.PartyWithdrew == new_events(flow, before)[0]
    if stage is not S.FOLLOW_UP:
        # Before the agreement binds: two parties leave no dialogue (R13).
        assert S.WITHDRAWN == stage_of(flow)
    elif party_id == "resp":
        # After binding: the withdrawing party's open items count as not fulfilled (R11).
        assert S.BREACHED == stage_of(flow)
        agreement = flow.case.agreement
        assert agreement is not None
        assert [r.ItemStatus.BREACHED] == [i.status for i in agreement.items]
    else:
        # The harmed party owes nothing; follow-up goes on.
        assert S.FOLLOW_UP == stage_of(flow)


def test_r1_withdrawn_party_takes_no_further_part() -> None:
    flow = Flow(kind=CIVIL, parties=civil_three()).to_consent()
    flow.do(r.InformParty, MEDIATOR, party_id="cara")

    flow.do(r.Withdraw, party_actor("cara"), party_id="cara")  # accepted: the case goes on (R13)

    assert S.CONSENT == stage_of(flow)
    check(flow.refused(r.Withdraw, party_actor("cara"), party_id="cara"), RuleViolation, "R1")
    check(flow.refused(r.GiveConsent, party_actor("cara"), party_id="cara"), RuleViolation, "R1")
    assert r.Withdraw not in r.allowed(flow.case, party_actor("cara"))
    # The parties still in the case go on as before.
    flow.do(r.InformParty, MEDIATOR, party_id="anna")
    flow.do(r.GiveConsent, party_actor("anna"), party_id="anna")
    anna = flow.case.party("anna")
    assert anna is not None
    assert anna.consented


# --- R2 ---------------------------------------------------------------------------------


def declined() -> Flow:
    flow = Flow(kind=CIVIL)
    flow.do(r.DeclineCase, STAFF, reason="unsuitable")
    return flow


def withdrawn() -> Flow:
    flow = Flow().to_consent()
    flow.do(r.Withdraw, party_actor("resp"), party_id="resp")
    return flow


def no_agreement() -> Flow:
    flow = Flow().to_meeting().hold()
    flow.do(r.RecordNoAgreement, MEDIATOR)
    return flow


def fulfilled() -> Flow:
    flow = follow_up(Flow())
    agreement = flow.case.agreement
    assert agreement is not None
    for item in agreement.items:
        flow.do(r.ReportItem, STAFF, item_id=item.id, fulfilled=True)
    return flow


def breached() -> Flow:
    flow = follow_up(Flow())
    flow.do(r.ReportItem, party_actor("harmed"), item_id="item-0", fulfilled=False)
    return flow


FINAL_FLOWS: dict[r.Stage, Callable[[], Flow]] = {
    S.DECLINED: declined,
    S.WITHDRAWN: withdrawn,
    S.NO_AGREEMENT: no_agreement,
    S.FULFILLED: fulfilled,
    S.BREACHED: breached,
}


@pytest.mark.parametrize("stage", [s for s in r.Stage if s in r.FINAL_STAGES], ids=enum_id)
def test_r2_final_stages_are_absorbing(stage: r.Stage) -> None:
    flow = FINAL_FLOWS[stage]()
    assert stage == stage_of(flow)
    first_party = flow.case.parties[0].id

    commands: list[tuple[type[r.Command], r.Actor, dict[str, str]]] = [
        (r.AssignStaff, STAFF, {"staff_id": "staff-2"}),
        (r.Withdraw, party_actor(first_party), {"party_id": first_party}),
        (r.AcceptCase, STAFF, {}),
    ]
    for cls, actor, fields in commands:
        error = flow.refused(cls, actor, **fields)
        check(error, StageError, "R2")
        assert isinstance(error, StageError)
        assert () == error.possible
    assert () == r.allowed(flow.case, STAFF)
    assert stage == stage_of(flow)


def test_r2_the_same_command_is_accepted_in_an_active_stage() -> None:
    flow = Flow(kind=CIVIL)

    # A command the stage does not take is a stage error, but not R2: the case is still open.
    check(flow.refused(r.HoldMeeting, MEDIATOR, present=("anna",)), StageError, None)
    flow.do(r.AssignStaff, STAFF, staff_id="staff-2")

    assert ("staff-1", "staff-2") == flow.case.staff


# --- R3 ---------------------------------------------------------------------------------


def test_r3_consent_counts_only_once_informed() -> None:
    flow = Flow().to_consent()

    check(flow.refused(r.GiveConsent, party_actor("harmed"), party_id="harmed"), RuleViolation, "R3")

    flow.do(r.InformParty, MEDIATOR, party_id="harmed")
    flow.do(r.GiveConsent, party_actor("harmed"), party_id="harmed")
    harmed = flow.case.party("harmed")
    assert harmed is not None
    assert (True, True) == (harmed.informed, harmed.consented)


def test_r3_minor_needs_every_guardian_consent() -> None:
    flow = Flow(parties=(party("harmed", HARMED), minor("resp", RESPONSIBLE, guardians=("mum", "dad")))).to_consent()

    check(flow.refused(r.GiveGuardianConsent, guardian_actor("mum"), party_id="resp"), RuleViolation, "R3")

    for party_id in ("harmed", "resp"):
        flow.do(r.InformParty, MEDIATOR, party_id=party_id)
        flow.do(r.GiveConsent, party_actor(party_id), party_id=party_id)
    flow.do(r.GiveGuardianConsent, guardian_actor("mum"), party_id="resp")
    # resp consented, but one guardian has not: resp does not count as consenting.
    error = flow.refused(r.StartPreparation, STAFF)
    check(error, RuleViolation, "R4")
    assert isinstance(error, RuleViolation)
    assert "resp lacks the consent of guardian dad" in error.hint

    flow.do(r.GiveGuardianConsent, guardian_actor("dad"), party_id="resp")
    flow.do(r.StartPreparation, STAFF)
    assert S.PREPARATION == stage_of(flow)


@pytest.mark.parametrize("kind", [CRIMINAL, CIVIL])
def test_r4_the_missing_consent_hint_names_the_guardians_who_have_not_consented(kind: r.CaseKind) -> None:
    """strpl § 71 a asks for the consent of the guardians: the hint names who still has to give it."""
    role = RESPONSIBLE if kind is CRIMINAL else PARTY
    other = party("harmed", HARMED) if kind is CRIMINAL else party("harmed")
    flow = Flow(kind=kind, parties=(other, minor("emil", role, guardians=("mum", "dad"), age=16))).to_consent()
    for party_id in ("harmed", "emil"):
        flow.do(r.InformParty, MEDIATOR, party_id=party_id)
        flow.do(r.GiveConsent, party_actor(party_id), party_id=party_id)
    dispensation = " (or a staff dispensation)" if kind is CIVIL else ""

    both = flow.refused(r.StartPreparation, STAFF)
    assert isinstance(both, RuleViolation)
    assert f"emil lacks the consent of guardians mum and dad{dispensation}" == both.hint

    flow.do(r.GiveGuardianConsent, guardian_actor("mum"), party_id="emil")
    one = flow.refused(r.StartPreparation, STAFF)
    assert isinstance(one, RuleViolation)
    assert f"emil lacks the consent of guardian dad{dispensation}" == one.hint


@pytest.mark.parametrize(
    ("age", "may_dispense"),
    [(13, False), (14, False), (15, True), (16, True), (17, True), (18, False)],
)
def test_r3_civil_guardian_dispensation_at_the_dispensation_age(age: int, may_dispense: bool) -> None:
    flow = Flow(kind=CIVIL, parties=(minor("anna", PARTY, guardians=("g-anna",), age=age), party("bjorn"))).to_consent()
    for party_id in ("anna", "bjorn"):
        flow.do(r.InformParty, MEDIATOR, party_id=party_id)
        flow.do(r.GiveConsent, party_actor(party_id), party_id=party_id)
    anna = flow.case.party("anna")
    assert anna is not None
    assert (age < 18) == anna.minor

    if may_dispense:
        check(flow.refused(r.StartPreparation, STAFF), RuleViolation, "R4")
        flow.do(r.DispenseGuardianConsent, STAFF, party_id="anna")
        anna = flow.case.party("anna")
        assert anna is not None
        assert anna.dispensed
        assert () == anna.guardian_consents
    else:
        check(flow.refused(r.DispenseGuardianConsent, STAFF, party_id="anna"), RuleViolation, "R3")
        if anna.minor:
            flow.do(r.GiveGuardianConsent, guardian_actor("g-anna"), party_id="anna")
    flow.do(r.StartPreparation, STAFF)
    assert S.PREPARATION == stage_of(flow)


def test_r3_no_guardian_dispensation_in_a_criminal_case() -> None:
    flow = Flow(parties=(party("harmed", HARMED), minor("resp", RESPONSIBLE, guardians=("g-resp",), age=16)))
    flow.to_consent()
    flow.do(r.InformParty, MEDIATOR, party_id="resp")

    check(flow.refused(r.DispenseGuardianConsent, STAFF, party_id="resp"), RuleViolation, "R3")

    flow.do(r.GiveGuardianConsent, guardian_actor("g-resp"), party_id="resp")
    resp = flow.case.party("resp")
    assert resp is not None
    assert ("g-resp",) == resp.guardian_consents


# --- R4 ---------------------------------------------------------------------------------


def test_r4_preparation_needs_every_party_to_consent() -> None:
    flow = Flow().to_consent()
    for party_id in ("harmed", "resp"):
        flow.do(r.InformParty, MEDIATOR, party_id=party_id)
    flow.do(r.GiveConsent, party_actor("harmed"), party_id="harmed")

    error = flow.refused(r.StartPreparation, STAFF)
    check(error, RuleViolation, "R4")
    assert isinstance(error, RuleViolation)
    assert "resp has not consented" in error.hint

    flow.do(r.GiveConsent, party_actor("resp"), party_id="resp")
    flow.do(r.StartPreparation, MEDIATOR)
    assert S.PREPARATION == stage_of(flow)


@pytest.mark.parametrize(
    ("kind", "admission", "refused"),
    [(CRIMINAL, False, True), (CRIMINAL, True, False), (CIVIL, False, False)],
    ids=["criminal-no-admission", "criminal-admission", "civil-no-admission"],
)
def test_r4_criminal_case_needs_the_admission_of_facts(kind: r.CaseKind, admission: bool, refused: bool) -> None:
    flow = Flow(kind=kind, admission=admission).to_consent().consent_all()

    if refused:
        error = flow.refused(r.StartPreparation, STAFF)
        check(error, RuleViolation, "R4")
        assert isinstance(error, RuleViolation)
        assert "admission" in error.hint
        assert S.CONSENT == stage_of(flow)
    else:
        flow.do(r.StartPreparation, STAFF)
        assert S.PREPARATION == stage_of(flow)


# --- R5 ---------------------------------------------------------------------------------


def test_r5_at_most_max_mediators() -> None:
    flow = Flow().to_consent()
    flow.do(r.AssignMediator, STAFF, mediator_id="med-2")

    check(flow.refused(r.AssignMediator, STAFF, mediator_id="med-3"), RuleViolation, "R5")

    flow.do(r.ReleaseMediator, STAFF, mediator_id="med-2")
    flow.do(r.AssignMediator, STAFF, mediator_id="med-3")
    assert ("med-1", "med-3") == flow.case.mediators


def test_r5_meeting_needs_a_mediator() -> None:
    flow = Flow().to_preparation().prepare_all()
    starts_at = flow.now + timedelta(days=7)

    check(
        flow.refused(r.ScheduleMeeting, STAFF, starts_at=starts_at, attendees=("harmed", "resp")), RuleViolation, "R5"
    )

    flow.do(r.ScheduleMeeting, STAFF, starts_at=starts_at, attendees=("harmed", "resp", MEDIATOR.id))
    assert S.MEETING == stage_of(flow)


def test_r5_mediator_with_a_conflict_of_interest_may_not_act() -> None:
    flow = Flow().to_preparation().prepare_all()
    flow.do(r.DeclareConflict, MEDIATOR, mediator_id=MEDIATOR.id, towards="resp")
    starts_at = flow.now + timedelta(days=7)

    check(
        flow.refused(r.ScheduleMeeting, MEDIATOR, starts_at=starts_at, attendees=flow.attendees()), RuleViolation, "R5"
    )

    flow.do(r.ReleaseMediator, STAFF, mediator_id=MEDIATOR.id)
    check(flow.refused(r.AssignMediator, STAFF, mediator_id=MEDIATOR.id), RuleViolation, "R5")
    flow.do(r.AssignMediator, STAFF, mediator_id=MEDIATOR_2.id)
    flow.do(r.ScheduleMeeting, MEDIATOR_2, starts_at=starts_at, attendees=("harmed", "resp", MEDIATOR_2.id))
    assert S.MEETING == stage_of(flow)
    assert (MEDIATOR_2.id,) == flow.case.mediators


# --- R6 ---------------------------------------------------------------------------------


def test_r6_meeting_only_after_preparatory_talk_with_every_party() -> None:
    flow = Flow().to_preparation()
    starts_at = flow.now + timedelta(days=7)
    flow.do(r.HoldPreparatoryTalk, MEDIATOR, party_id="harmed", channel=r.TalkChannel.PHONE)

    error = flow.refused(r.ScheduleMeeting, MEDIATOR, starts_at=starts_at, attendees=flow.attendees())
    check(error, RuleViolation, "R6")
    assert isinstance(error, RuleViolation)
    assert "resp" in error.hint

    flow.do(r.HoldPreparatoryTalk, MEDIATOR, party_id="resp", channel=r.TalkChannel.VIDEO)
    flow.do(r.ScheduleMeeting, MEDIATOR, starts_at=starts_at, attendees=flow.attendees())
    assert S.MEETING == stage_of(flow)


# --- R7 ---------------------------------------------------------------------------------


def test_r7_attendees_are_parties_mediators_or_agreed_participants() -> None:
    flow = Flow().to_preparation().prepare_all()
    starts_at = flow.now + timedelta(days=7)
    with_friend = (*flow.attendees(), "friend")

    # A stranger, and a meeting without one of the parties, are refused.
    check(flow.refused(r.ScheduleMeeting, MEDIATOR, starts_at=starts_at, attendees=with_friend), RuleViolation, "R7")
    check(
        flow.refused(r.ScheduleMeeting, MEDIATOR, starts_at=starts_at, attendees=("harmed", MEDIATOR.id)),
        RuleViolation,
        "R7",
    )
    # harmed brings a support person: the other side must be told before agreeing.
    flow.do(r.ProposeParticipant, party_actor("harmed"), participant_id="friend", role=r.ParticipantRole.SUPPORT)
    check(
        flow.refused(r.ApproveParticipant, party_actor("resp"), participant_id="friend", party_id="resp"),
        RuleViolation,
        "R7",
    )
    check(flow.refused(r.ScheduleMeeting, MEDIATOR, starts_at=starts_at, attendees=with_friend), RuleViolation, "R7")
    flow.do(r.DiscloseParticipant, MEDIATOR, participant_id="friend")
    check(flow.refused(r.ScheduleMeeting, MEDIATOR, starts_at=starts_at, attendees=with_friend), RuleViolation, "R7")

    flow.do(r.ApproveParticipant, party_actor("resp"), participant_id="friend", party_id="resp")
    flow.do(r.ScheduleMeeting, MEDIATOR, starts_at=starts_at, attendees=with_friend)
    meeting = flow.case.meeting
    assert meeting is not None
    assert with_friend == meeting.attendees


def test_r8_no_one_attends_for_a_party_who_has_withdrawn() -> None:
    flow = Flow(kind=CIVIL, parties=civil_three()).to_preparation().prepare_all()
    flow.do(r.ProposeParticipant, party_actor("cara"), participant_id="friend", role=r.ParticipantRole.SUPPORT)
    flow.do(r.DiscloseParticipant, MEDIATOR, participant_id="friend")
    for other in ("anna", "bjorn"):
        flow.do(r.ApproveParticipant, party_actor(other), participant_id="friend", party_id=other)
    flow.schedule((*flow.attendees(), "friend")).confidentiality_all()
    flow.do(r.Withdraw, party_actor("cara"), party_id="cara")  # a dialogue remains between anna and bjorn
    assert S.MEETING == stage_of(flow)
    refused = flow.refused(r.HoldMeeting, MEDIATOR, present=("anna", "bjorn", MEDIATOR.id, "friend"))
    check(refused, RuleViolation, "R8")
    assert "came with cara" in str(refused) or "comes with cara" in str(refused)
    flow.do(r.HoldMeeting, MEDIATOR, present=("anna", "bjorn", MEDIATOR.id))


def test_r5_a_conflicted_mediator_on_the_scheduled_meeting_can_be_replaced() -> None:
    """With room for one mediator only, the conflicted one is released and another adjourns and reschedules."""
    flow = Flow(policy=r.Policy(name="one", max_mediators=1)).to_meeting()
    flow.do(r.DeclareConflict, MEDIATOR, mediator_id=MEDIATOR.id, towards="harmed")
    check(flow.refused(r.AdjournMeeting, MEDIATOR), RuleViolation, "R5")
    flow.do(r.ReleaseMediator, STAFF, mediator_id=MEDIATOR.id)  # allowed although on the meeting: R5 wants them gone
    flow.do(r.AssignMediator, STAFF, mediator_id=MEDIATOR_2.id)
    flow.do(r.AdjournMeeting, MEDIATOR_2)
    assert S.PREPARATION == stage_of(flow)
    flow.do(
        r.ScheduleMeeting,
        MEDIATOR_2,
        starts_at=flow.now + timedelta(days=7),
        attendees=("harmed", "resp", MEDIATOR_2.id),
    )
    assert S.MEETING == stage_of(flow)


def test_r5_a_released_mediator_may_not_be_present() -> None:
    flow = Flow().to_preparation().prepare_all()
    flow.do(r.AssignMediator, STAFF, mediator_id=MEDIATOR_2.id)
    flow.schedule((*flow.party_ids, MEDIATOR.id, MEDIATOR_2.id)).confidentiality_all()
    flow.do(r.DeclareConflict, MEDIATOR_2, mediator_id=MEDIATOR_2.id, towards="resp")
    flow.do(r.ReleaseMediator, STAFF, mediator_id=MEDIATOR_2.id)
    check(
        flow.refused(r.HoldMeeting, MEDIATOR, present=(*flow.party_ids, MEDIATOR.id, MEDIATOR_2.id)),
        RuleViolation,
        "R8",
    )
    flow.do(r.HoldMeeting, MEDIATOR, present=(*flow.party_ids, MEDIATOR.id))


@pytest.mark.parametrize("role", [r.ParticipantRole.LAWYER, r.ParticipantRole.REPRESENTATIVE])
def test_r7_lawyer_or_representative_needs_an_exemption(role: r.ParticipantRole) -> None:
    flow = Flow().to_preparation()

    check(flow.refused(r.ProposeParticipant, party_actor("resp"), participant_id="adv", role=role), RuleViolation, "R7")

    flow.do(r.GrantExemption, STAFF, party_id="resp", exemption=r.Exemption(role.value))
    flow.do(r.ProposeParticipant, party_actor("resp"), participant_id="adv", role=role)
    assert ["adv"] == [p.id for p in flow.case.participants]


def test_r7_parties_attend_in_person_unless_exempted() -> None:
    flow = Flow().to_preparation().prepare_all()
    starts_at = flow.now + timedelta(days=7)

    check(
        flow.refused(r.ScheduleMeeting, MEDIATOR, starts_at=starts_at, attendees=flow.attendees(), remote=("harmed",)),
        RuleViolation,
        "R7",
    )

    flow.do(r.GrantExemption, STAFF, party_id="harmed", exemption=r.Exemption.REMOTE_ATTENDANCE)
    flow.do(r.ScheduleMeeting, MEDIATOR, starts_at=starts_at, attendees=flow.attendees(), remote=("harmed",))
    meeting = flow.case.meeting
    assert meeting is not None
    assert ("harmed",) == meeting.remote


# --- R8 ---------------------------------------------------------------------------------


def test_r8_meeting_held_only_when_everyone_present_agreed_to_confidentiality() -> None:
    flow = Flow().to_meeting()
    present = flow.attendees()
    for person in ("harmed", MEDIATOR.id):
        flow.do(r.AgreeConfidentiality, MEDIATOR, person_id=person)

    error = flow.refused(r.HoldMeeting, MEDIATOR, present=present)
    check(error, RuleViolation, "R8")
    assert isinstance(error, RuleViolation)
    assert "resp" in error.hint

    flow.do(r.AgreeConfidentiality, party_actor("resp"), person_id="resp")
    flow.do(r.HoldMeeting, MEDIATOR, present=present)
    assert 1 == flow.case.meetings_held


def test_r8_only_people_on_the_agreed_list_may_be_present() -> None:
    flow = Flow().to_meeting().confidentiality_all()

    check(flow.refused(r.HoldMeeting, MEDIATOR, present=(*flow.attendees(), "stranger")), RuleViolation, "R8")

    flow.do(r.HoldMeeting, MEDIATOR, present=flow.attendees())
    meeting = flow.case.meeting
    assert meeting is not None
    assert meeting.held_at is not None


def test_r8_withdrawn_party_may_not_be_present() -> None:
    flow = Flow(kind=CIVIL, parties=civil_three()).to_meeting().confidentiality_all()
    everyone = flow.attendees()
    flow.do(r.Withdraw, party_actor("cara"), party_id="cara")
    assert S.MEETING == stage_of(flow)

    # cara was on the list and agreed to confidentiality, but has left the case (R1):
    # she may no longer be recorded as present (the scheduling check, R7, already refuses her).
    error = flow.refused(r.HoldMeeting, MEDIATOR, present=everyone)
    assert isinstance(error, RuleViolation)
    assert error.rule in {"R7", "R8"}

    flow.do(r.HoldMeeting, MEDIATOR, present=("anna", "bjorn", MEDIATOR.id))
    assert 1 == flow.case.meetings_held


# --- R9 ---------------------------------------------------------------------------------


def test_r9_agreement_only_after_a_held_meeting() -> None:
    flow = Flow().to_meeting()
    items = flow.items()

    check(flow.refused(r.RecordAgreement, MEDIATOR, items=items), RuleViolation, "R9")

    flow.hold()
    flow.do(r.RecordAgreement, MEDIATOR, items=items)
    assert S.AGREEMENT == stage_of(flow)


@pytest.mark.parametrize(
    ("responsible", "days"),
    [("nobody", 30), ("resp", 14), ("resp", 5), ("resp", 0), ("resp", -1)],
    ids=["unknown-party", "deadline-at-binding", "deadline-in-cooling-off", "deadline-at-agreement", "before"],
)
def test_r9_items_need_a_party_in_the_case_and_a_later_deadline(responsible: str, days: int) -> None:
    """A criminal agreement binds 14 days after it is made at the earliest: an item due by then could not be kept."""
    flow = Flow().to_meeting().hold()
    at = flow.tick()

    def item(who: str, days: int) -> r.Item:
        deadline = at + timedelta(days=days)
        return r.Item(id="i", kind=r.ItemKind.WORK, description="w", responsible=r.PartyId(who), deadline=deadline)

    check(flow.refused(r.RecordAgreement, MEDIATOR, items=(item(responsible, days),), at=at), RuleViolation, "R9")

    flow.do(r.RecordAgreement, MEDIATOR, items=(item("resp", 15),), at=at)
    assert S.AGREEMENT == stage_of(flow)


def test_r9_without_cooling_off_an_item_may_fall_due_the_next_day() -> None:
    flow = Flow(kind=CIVIL).to_meeting().hold()
    at = flow.tick()
    soon = r.Item(id="i", kind=r.ItemKind.WORK, description="w", responsible="anna", deadline=at + timedelta(days=1))
    flow.do(r.RecordAgreement, MEDIATOR, items=(soon,), at=at, cooling_off=False)
    assert S.AGREEMENT == stage_of(flow)


def test_r9_withdrawn_party_takes_no_item() -> None:
    flow = Flow(kind=CIVIL, parties=civil_three()).to_meeting().hold()
    flow.do(r.Withdraw, party_actor("cara"), party_id="cara")

    check(flow.refused(r.RecordAgreement, MEDIATOR, items=flow.items("cara")), RuleViolation, "R9")

    flow.do(r.RecordAgreement, MEDIATOR, items=flow.items("bjorn"))
    assert S.AGREEMENT == stage_of(flow)


# --- R10 --------------------------------------------------------------------------------


def test_r10_binds_only_when_all_signed_and_cooling_off_passed() -> None:
    flow = Flow(parties=(party("harmed", HARMED), minor("resp", RESPONSIBLE, guardians=("g-resp",)))).to_agreement()
    for actor in (party_actor("harmed"), party_actor("resp"), MEDIATOR):
        flow.do(r.SignAgreement, actor, signer_id=actor.id)
    # Parties and mediator signed; the minor's guardian has not: nothing binds yet.
    assert S.AGREEMENT == stage_of(flow)
    participant = r.Actor(id="friend", kind=r.ActorKind.PARTICIPANT)
    check(flow.refused(r.SignAgreement, participant, signer_id="friend"), NotPermitted, "R14")

    flow.do(r.SignAgreement, guardian_actor("g-resp"), signer_id="g-resp")
    assert S.COOLING_OFF == stage_of(flow)
    agreement = flow.case.agreement
    assert agreement is not None
    assert agreement.cooling_off_ends is not None
    assert agreement.bound_at is None
    assert timedelta(days=14) == agreement.cooling_off_ends - flow.now

    error = flow.refused(r.EndCoolingOff, STAFF, at=agreement.cooling_off_ends - timedelta(minutes=1))
    check(error, RuleViolation, "R10")

    flow.do(r.EndCoolingOff, STAFF, at=agreement.cooling_off_ends)

    catch_up(flow)
    assert S.FOLLOW_UP == stage_of(flow)
    bound = flow.case.agreement
    assert bound is not None
    assert agreement.cooling_off_ends == bound.bound_at


def test_r10_criminal_cooling_off_cannot_be_waived() -> None:
    flow = Flow().to_meeting().hold()
    items = flow.items()

    check(flow.refused(r.RecordAgreement, MEDIATOR, items=items, cooling_off=False), RuleViolation, "R10")

    flow.do(r.RecordAgreement, MEDIATOR, items=items)
    agreement = flow.case.agreement
    assert agreement is not None
    assert 14 == agreement.cooling_off_days


def test_r10_only_parties_guardians_of_minors_and_mediators_sign() -> None:
    flow = Flow(kind=CIVIL).to_agreement()
    check(flow.refused(r.SignAgreement, STAFF, signer_id=STAFF.id), NotPermitted, "R14")
    check(flow.refused(r.SignAgreement, MEDIATOR, signer_id="anna"), NotPermitted, "R14")
    flow.do(r.SignAgreement, party_actor("anna"), signer_id="anna")
    check(flow.refused(r.SignAgreement, party_actor("anna"), signer_id="anna"), RuleViolation, "R10")

    flow.do(r.SignAgreement, party_actor("bjorn"), signer_id="bjorn")
    flow.do(r.SignAgreement, MEDIATOR, signer_id=MEDIATOR.id)
    # A civil agreement has no cooling-off period unless chosen: it binds at the last signature.
    assert S.FOLLOW_UP == stage_of(flow)


@pytest.mark.parametrize(("age", "dispensed"), [(16, True), (14, False)])
def test_r10_civil_minor_guardian_signature_unless_dispensed(age: int, dispensed: bool) -> None:
    flow = Flow(kind=CIVIL, parties=(minor("anna", PARTY, guardians=("g-anna",), age=age), party("bjorn")))
    flow.to_consent()
    for party_id in ("anna", "bjorn"):
        flow.do(r.InformParty, MEDIATOR, party_id=party_id)
        flow.do(r.GiveConsent, party_actor(party_id), party_id=party_id)
    if dispensed:
        flow.do(r.DispenseGuardianConsent, STAFF, party_id="anna")
    else:
        flow.do(r.GiveGuardianConsent, guardian_actor("g-anna"), party_id="anna")
    flow.do(r.StartPreparation, STAFF)
    flow.prepare_all().schedule().hold()
    flow.do(r.RecordAgreement, MEDIATOR, items=flow.items("anna"))

    for actor in (party_actor("anna"), party_actor("bjorn"), MEDIATOR):
        flow.do(r.SignAgreement, actor, signer_id=actor.id)

    if dispensed:
        assert S.FOLLOW_UP == stage_of(flow)
    else:
        assert S.AGREEMENT == stage_of(flow)
        flow.do(r.SignAgreement, guardian_actor("g-anna"), signer_id="g-anna")
        assert S.FOLLOW_UP == stage_of(flow)


# --- R11 --------------------------------------------------------------------------------


def test_r11_fulfilled_only_when_every_item_is() -> None:
    flow = Flow().to_meeting().hold()
    flow.do(r.RecordAgreement, MEDIATOR, items=flow.items("resp", "resp"))
    flow.sign_all()
    agreement = flow.case.agreement
    assert agreement is not None
    assert agreement.cooling_off_ends is not None
    flow.do(r.EndCoolingOff, MEDIATOR, at=agreement.cooling_off_ends)
    catch_up(flow)

    flow.do(r.ReportItem, party_actor("harmed"), item_id="item-0", fulfilled=True)
    assert S.FOLLOW_UP == stage_of(flow)
    check(flow.refused(r.ReportItem, party_actor("harmed"), item_id="item-0", fulfilled=True), RuleViolation, "R11")

    flow.do(r.ReportItem, party_actor("harmed"), item_id="item-1", fulfilled=True)
    assert S.FULFILLED == stage_of(flow)
    final = flow.case.agreement
    assert final is not None
    assert [r.ItemStatus.FULFILLED] * 2 == [i.status for i in final.items]


def test_r11_breached_when_an_item_is_reported_breached() -> None:
    flow = follow_up(Flow())

    flow.do(r.ReportItem, party_actor("harmed"), item_id="item-0", fulfilled=False)

    assert S.BREACHED == stage_of(flow)
    agreement = flow.case.agreement
    assert agreement is not None
    assert [r.ItemStatus.BREACHED] == [i.status for i in agreement.items]


def test_r11_breached_when_a_deadline_passes_unfulfilled() -> None:
    flow = follow_up(Flow())
    agreement = flow.case.agreement
    assert agreement is not None
    deadline = agreement.items[0].deadline

    check(flow.refused(r.CheckDeadlines, STAFF, at=deadline), RuleViolation, "R11")

    flow.do(r.CheckDeadlines, STAFF, at=deadline + timedelta(minutes=1))
    assert S.BREACHED == stage_of(flow)
    assert [r.ItemBreached, r.CaseBreached, r.ReportSent] == [type(e) for e in flow.events[-3:]]


def test_r11_a_late_report_settles_its_item_but_other_overdue_items_breach() -> None:
    # The harmed party's word settles the item reported, even after its deadline.
    flow = follow_up(Flow())
    agreement = flow.case.agreement
    assert agreement is not None
    deadline = agreement.items[0].deadline
    flow.do(r.ReportItem, party_actor("harmed"), item_id="item-0", fulfilled=True, at=deadline + timedelta(days=1))
    assert S.FULFILLED == stage_of(flow)

    # An item that is not reported before its deadline passes is breached at the next report.
    flow = follow_up(Flow())
    items = flow.items("resp", "resp")
    flow = Flow()
    flow.to_follow_up(items)
    catch_up(flow)
    late = items[1].deadline + timedelta(days=1)
    flow.do(r.ReportItem, party_actor("harmed"), item_id="item-0", fulfilled=True, at=late)
    assert S.BREACHED == stage_of(flow)
    final = flow.reports()[-1].agreement
    assert final is not None
    assert [r.ItemStatus.FULFILLED, r.ItemStatus.BREACHED] == [i.status for i in final.items]


# --- R12 --------------------------------------------------------------------------------


def end_fulfilled(flow: Flow) -> None:
    follow_up(flow)
    agreement = flow.case.agreement
    assert agreement is not None
    for item in agreement.items:
        flow.do(r.ReportItem, STAFF, item_id=item.id, fulfilled=True)


def end_breached(flow: Flow) -> None:
    follow_up(flow)
    flow.do(r.ReportItem, STAFF, item_id="item-0", fulfilled=False)


def end_withdrawn(flow: Flow) -> None:
    flow.to_consent()
    first = flow.case.parties[0].id
    flow.do(r.Withdraw, party_actor(first), party_id=first)


def end_withdrawn_in_cooling_off(flow: Flow) -> None:
    flow.to_agreement(cooling_off=True).sign_all()
    assert S.COOLING_OFF == stage_of(flow)
    first = flow.case.parties[0].id
    flow.do(r.Withdraw, party_actor(first), party_id=first)


def end_no_agreement(flow: Flow) -> None:
    flow.to_meeting().hold()
    flow.do(r.RecordNoAgreement, MEDIATOR)


ENDINGS: dict[str, tuple[Callable[[Flow], None], r.Stage]] = {
    "fulfilled": (end_fulfilled, S.FULFILLED),
    "breached": (end_breached, S.BREACHED),
    "withdrawn": (end_withdrawn, S.WITHDRAWN),
    "withdrawn-in-cooling-off": (end_withdrawn_in_cooling_off, S.WITHDRAWN),
    "no-agreement": (end_no_agreement, S.NO_AGREEMENT),
}
K, OUT = r.ReportKind, r.Outcome
CRIMINAL_REPORTS: dict[str, list[tuple[r.ReportKind, r.Outcome | None]]] = {
    "fulfilled": [(K.AGREEMENT, None), (K.FULFILMENT, OUT.FULFILLED)],
    "breached": [(K.AGREEMENT, None), (K.RETURN, OUT.BREACHED)],
    "withdrawn": [(K.RETURN, OUT.WITHDRAWN)],
    "withdrawn-in-cooling-off": [(K.RETURN, OUT.WITHDRAWN)],
    "no-agreement": [(K.RETURN, OUT.NO_AGREEMENT)],
}
POLICE_REPORTS: dict[str, list[tuple[r.ReportKind, r.Outcome | None]]] = {
    "fulfilled": [(K.AGREEMENT, None), (K.FULFILMENT, OUT.FULFILLED)],
    "breached": [(K.AGREEMENT, None), (K.FULFILMENT, OUT.BREACHED)],
    "withdrawn": [],
    "withdrawn-in-cooling-off": [],
    "no-agreement": [],
}
NO_REPORTS: dict[str, list[tuple[r.ReportKind, r.Outcome | None]]] = {ending: [] for ending in ENDINGS}
REFERRERS = [
    (r.ReferralSource.PROSECUTION, CRIMINAL, CRIMINAL_REPORTS),
    (r.ReferralSource.COURT, CRIMINAL, CRIMINAL_REPORTS),
    (r.ReferralSource.POLICE, CIVIL, POLICE_REPORTS),
    (r.ReferralSource.PARTIES, CIVIL, NO_REPORTS),
    (r.ReferralSource.PUBLIC_AGENCY, CIVIL, NO_REPORTS),
]


@pytest.mark.parametrize("ending", list(ENDINGS))
@pytest.mark.parametrize(("source", "kind", "expected"), REFERRERS, ids=[s.value for s, _, _ in REFERRERS])
def test_r12_referrer_gets_the_reports_due(
    source: r.ReferralSource,
    kind: r.CaseKind,
    expected: dict[str, list[tuple[r.ReportKind, r.Outcome | None]]],
    ending: str,
) -> None:
    flow = Flow(kind=kind, source=source)
    end, final_stage = ENDINGS[ending]

    end(flow)

    assert final_stage == stage_of(flow)
    reports = flow.reports()
    assert expected[ending] == [(report.kind, report.outcome) for report in reports]
    assert all(source == report.recipient for report in reports)
    for report in reports:
        if report.kind is K.RETURN and report.outcome is not OUT.BREACHED:
            assert report.agreement is None  # no bound agreement to report
        else:
            assert report.agreement is not None
            assert report.agreement.bound_at is not None


def test_r12_agreement_report_is_the_bound_agreement() -> None:
    flow = Flow()
    end_fulfilled(flow)

    agreement_report, fulfilment_report = flow.reports()

    bound = [e for e in flow.events if isinstance(e, r.AgreementBound)]
    assert 1 == len(bound)
    assert agreement_report.agreement is not None
    assert bound[0].at == agreement_report.agreement.bound_at
    assert [r.ItemStatus.OPEN] == [i.status for i in agreement_report.agreement.items]
    assert fulfilment_report.agreement is not None
    assert [r.ItemStatus.FULFILLED] == [i.status for i in fulfilment_report.agreement.items]


def test_r12_reports_hold_outcomes_and_agreement_only() -> None:
    assert ["recipient", "kind", "outcome", "agreement"] == [a.name for a in attrs.fields(r.Report)]
    flow = Flow().to_preparation().prepare_all()
    flow.do(r.ProposeParticipant, party_actor("harmed"), participant_id="friend", role=r.ParticipantRole.SUPPORT)
    flow.do(r.DiscloseParticipant, MEDIATOR, participant_id="friend")
    flow.do(r.ApproveParticipant, party_actor("resp"), participant_id="friend", party_id="resp")
    flow.schedule((*flow.attendees(), "friend")).hold()
    flow.do(r.RecordAgreement, MEDIATOR, items=flow.items())
    flow.sign_all()
    agreement = flow.case.agreement
    assert agreement is not None
    assert agreement.cooling_off_ends is not None
    flow.do(r.EndCoolingOff, STAFF, at=agreement.cooling_off_ends)
    catch_up(flow)
    flow.do(r.ReportItem, party_actor("harmed"), item_id="item-0", fulfilled=True)

    reports = flow.reports()
    assert [K.AGREEMENT, K.FULFILMENT] == [report.kind for report in reports]
    for report in reports:
        data = r.to_data(report)
        assert {"recipient", "kind", "outcome", "agreement"} == set(data)
        text = r.to_json(report)
        for meeting_content in ("friend", "attendees", "present", "confidential", "meeting"):
            assert meeting_content not in text


# --- R13 --------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [S.REFERRED, S.CONSENT, S.PREPARATION, S.MEETING], ids=enum_id)
def test_r13_multi_party_case_continues_while_a_dialogue_remains(stage: r.Stage) -> None:
    flow = walk(Flow(parties=criminal_three()), stage)

    flow.do(r.Withdraw, party_actor("harmed-2"), party_id="harmed-2")

    assert stage == stage_of(flow)
    assert ["harmed-1", "resp"] == flow.party_ids
    assert [] == flow.reports()

    flow.do(r.Withdraw, party_actor("resp"), party_id="resp")

    assert S.WITHDRAWN == stage_of(flow)
    assert [(K.RETURN, OUT.WITHDRAWN)] == [(rep.kind, rep.outcome) for rep in flow.reports()]


@pytest.mark.parametrize(
    ("kind", "parties", "first", "second"),
    [
        (CIVIL, civil_three(), "cara", "bjorn"),
        (CRIMINAL, criminal_three(), "harmed-1", "harmed-2"),
    ],
    ids=["civil", "criminal"],
)
def test_r13_case_ends_when_the_last_needed_party_withdraws(
    kind: r.CaseKind, parties: tuple[r.Party, ...], first: str, second: str
) -> None:
    flow = Flow(kind=kind, parties=parties).to_preparation()

    flow.do(r.Withdraw, party_actor(first), party_id=first)
    assert S.PREPARATION == stage_of(flow)

    before = len(flow.events)
    flow.do(r.Withdraw, party_actor(second), party_id=second)
    assert S.WITHDRAWN == stage_of(flow)
    assert r.CaseWithdrawn in new_events(flow, before)


def test_r13_criminal_case_needs_a_responsible_party() -> None:
    flow = Flow(parties=criminal_three()).to_consent()

    # Two harmed parties remain, but no responsible one: no dialogue.
    flow.do(r.Withdraw, party_actor("resp"), party_id="resp")

    assert S.WITHDRAWN == stage_of(flow)


def test_r13_remaining_parties_carry_the_case_to_its_end() -> None:
    flow = Flow(kind=CIVIL, parties=civil_three()).to_consent()
    flow.do(r.Withdraw, party_actor("cara"), party_id="cara")

    flow.consent_all()
    flow.do(r.StartPreparation, STAFF)
    flow.prepare_all().schedule().hold()
    flow.do(r.RecordAgreement, MEDIATOR, items=flow.items("anna", "bjorn"))
    flow.sign_all()
    assert S.FOLLOW_UP == stage_of(flow)
    for item_id in ("item-0", "item-1"):
        flow.do(r.ReportItem, STAFF, item_id=item_id, fulfilled=True)

    assert S.FULFILLED == stage_of(flow)
    agreement = flow.case.agreement
    assert agreement is not None
    assert ("anna", "bjorn", MEDIATOR.id) == agreement.signatures
    meeting = flow.case.meeting
    assert meeting is not None
    assert ("anna", "bjorn", MEDIATOR.id) == meeting.attendees


def test_r13_withdrawal_during_cooling_off_ends_the_case() -> None:
    # The agreement binds only after the cooling-off period "with no withdrawal" (R10).
    flow = Flow(kind=CIVIL, parties=civil_three()).to_agreement(cooling_off=True).sign_all()
    assert S.COOLING_OFF == stage_of(flow)

    flow.do(r.Withdraw, party_actor("cara"), party_id="cara")

    assert S.WITHDRAWN == stage_of(flow)


# --- R14 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "actor",
    [
        party_actor("resp"),
        guardian_actor("g-resp"),
        MEDIATOR,
        STAFF,
        r.Actor(id="harmed", kind=r.ActorKind.STAFF),
        r.Actor(id="harmed", kind=r.ActorKind.GUARDIAN),
    ],
    ids=["other-party", "guardian-of-other", "mediator", "staff", "own-id-as-staff", "own-id-as-guardian"],
)
def test_r14_a_party_consents_only_for_itself(actor: r.Actor) -> None:
    flow = Flow(parties=(party("harmed", HARMED), minor("resp", RESPONSIBLE, guardians=("g-resp",)))).to_consent()
    flow.do(r.InformParty, MEDIATOR, party_id="harmed")

    check(flow.refused(r.GiveConsent, actor, party_id="harmed"), NotPermitted, "R14")

    flow.do(r.GiveConsent, party_actor("harmed"), party_id="harmed")
    harmed = flow.case.party("harmed")
    assert harmed is not None
    assert harmed.consented


@pytest.mark.parametrize(
    "actor",
    [
        MEDIATOR,
        party_actor("harmed"),
        guardian_actor("g"),
        r.Actor(id="staff-2", kind=r.ActorKind.STAFF),
        r.Actor(id="staff-1", kind=r.ActorKind.MEDIATOR),
    ],
    ids=["mediator", "party", "guardian", "unassigned-staff", "staff-id-as-mediator"],
)
def test_r14_staff_act_only_on_cases_assigned_to_them(actor: r.Actor) -> None:
    flow = Flow()

    check(flow.refused(r.AcceptCase, actor), NotPermitted, "R14")

    staff_2 = r.Actor(id="staff-2", kind=r.ActorKind.STAFF)
    flow.do(r.AssignStaff, STAFF, staff_id=staff_2.id)
    flow.do(r.AcceptCase, staff_2)
    assert S.CONSENT == stage_of(flow)


def test_r14_mediator_acts_only_on_cases_they_mediate() -> None:
    flow = Flow().to_preparation()

    check(flow.refused(r.HoldPreparatoryTalk, MEDIATOR_2, party_id="harmed"), NotPermitted, "R14")
    check(flow.refused(r.HoldPreparatoryTalk, STAFF, party_id="harmed"), NotPermitted, "R14")

    flow.do(r.AssignMediator, STAFF, mediator_id=MEDIATOR_2.id)
    flow.do(r.HoldPreparatoryTalk, MEDIATOR_2, party_id="harmed")
    harmed = flow.case.party("harmed")
    assert harmed is not None
    assert harmed.prepared


def test_r14_guardian_acts_only_for_its_ward() -> None:
    parties = (minor("harmed", HARMED, guardians=("g-harmed",)), minor("resp", RESPONSIBLE, guardians=("g-resp",)))
    flow = Flow(parties=parties).to_consent()
    flow.do(r.InformParty, MEDIATOR, party_id="resp")

    check(flow.refused(r.GiveGuardianConsent, guardian_actor("g-harmed"), party_id="resp"), NotPermitted, "R14")
    check(flow.refused(r.Withdraw, guardian_actor("g-harmed"), party_id="resp"), NotPermitted, "R14")

    flow.do(r.GiveGuardianConsent, guardian_actor("g-resp"), party_id="resp")
    flow.do(r.Withdraw, guardian_actor("g-resp"), party_id="resp")
    assert S.WITHDRAWN == stage_of(flow)


@pytest.mark.parametrize(
    "actor",
    [
        r.Actor(id="resp", kind=r.ActorKind.GUARDIAN),
        r.Actor(id=MEDIATOR.id, kind=r.ActorKind.GUARDIAN),
        r.Actor(id="harmed", kind=r.ActorKind.MEDIATOR),
    ],
    ids=["party-id-as-guardian", "mediator-id-as-guardian", "party-id-as-mediator"],
)
def test_r14_signatures_only_in_ones_own_capacity(actor: r.Actor) -> None:
    flow = Flow().to_agreement()

    # Neither party has a guardian: nobody may sign in a guardian's capacity, nor as a
    # party or mediator while claiming another capacity (a guardian acts only for its ward).
    check(flow.refused(r.SignAgreement, actor, signer_id=actor.id), NotPermitted, "R14")

    flow.do(r.SignAgreement, party_actor("resp"), signer_id="resp")
    flow.do(r.SignAgreement, MEDIATOR, signer_id=MEDIATOR.id)
    agreement = flow.case.agreement
    assert agreement is not None
    assert ("resp", MEDIATOR.id) == agreement.signatures


# --- R15 --------------------------------------------------------------------------------


def test_r15_a_command_timed_before_the_last_event_is_refused() -> None:
    flow = Flow()
    last = flow.case.updated_at

    check(flow.refused(r.AcceptCase, STAFF, at=last - timedelta(seconds=1)), RuleViolation, "R15")

    flow.do(r.AcceptCase, STAFF, at=last)
    assert S.CONSENT == stage_of(flow)
    assert last == flow.case.updated_at


def test_r15_a_case_is_not_opened_before_its_referral() -> None:
    referral = r.Referral(source=r.ReferralSource.PARTIES, kind=CIVIL, received_at=T0)

    def refer(at_offset: timedelta) -> tuple[r.Case, tuple[r.Event, ...]]:
        command = r.ReferCase(
            actor=STAFF,
            at=T0 + at_offset,
            case_id=r.CaseId("c"),
            referral=referral,
            parties=(party("anna"), party("bjorn")),
        )
        return r.handle(None, command)

    with pytest.raises(RuleViolation) as refused:
        refer(-timedelta(minutes=1))
    assert "R15" == refused.value.rule

    case, _ = refer(timedelta(0))
    assert S.REFERRED == case.stage
    assert T0 == case.updated_at


def three_party_civil_withdrawal() -> Flow:
    flow = Flow(kind=CIVIL, parties=civil_three()).to_preparation()
    flow.do(r.Withdraw, party_actor("cara"), party_id="cara")
    flow.prepare_all().schedule().hold()
    flow.do(r.RecordAgreement, MEDIATOR, items=flow.items("anna"), cooling_off=True)
    flow.sign_all()
    return flow


@pytest.mark.parametrize(
    "build",
    [fulfilled, breached, no_agreement, declined, three_party_civil_withdrawal],
    ids=["fulfilled", "breached", "no-agreement", "declined", "three-party-withdrawal"],
)
def test_r15_replay_equals_the_live_case(build: Callable[[], Flow]) -> None:
    flow = build()
    events = flow.events

    assert flow.case == r.replay(events)
    assert len(events) == flow.case.version
    assert sorted(events, key=lambda e: e.at) == events
    live: r.Case | None = None
    for n, event in enumerate(events, start=1):
        live = r.evolve(live, event)
        assert live == r.replay(events[:n])
    assert flow.case == live
    half = len(events) // 2
    assert flow.case == r.replay(events[half:], start=r.replay(events[:half]))
    decoded = [r.event_from_json(r.to_json(event)) for event in events]
    assert flow.case == r.replay(decoded)


def test_r15_the_log_only_grows() -> None:
    flow = Flow().to_consent()
    log = list(flow.events)

    flow.do(r.InformParty, MEDIATOR, party_id="harmed")

    assert log == flow.events[: len(log)]
    assert [r.PartyInformed] == new_events(flow, len(log))


# --- R16 --------------------------------------------------------------------------------


def stage_error(flow: Flow) -> RestorativeError:
    return flow.refused(r.HoldMeeting, MEDIATOR, present=("harmed",))


def rule_violation(flow: Flow) -> RestorativeError:
    return flow.refused(r.StartPreparation, STAFF)


def not_permitted(flow: Flow) -> RestorativeError:
    return flow.refused(r.GiveConsent, party_actor("resp"), party_id="harmed")


def unknown_party(flow: Flow) -> RestorativeError:
    return flow.refused(r.InformParty, MEDIATOR, party_id="nobody")


def time_backwards(flow: Flow) -> RestorativeError:
    return flow.refused(r.InformParty, MEDIATOR, party_id="resp", at=T0)


@pytest.mark.parametrize(
    ("refuse", "cls"),
    [
        (stage_error, StageError),
        (rule_violation, RuleViolation),
        (not_permitted, NotPermitted),
        (unknown_party, InvalidInput),
        (time_backwards, RuleViolation),
    ],
    ids=["stage", "rule", "permission", "invalid", "time"],
)
def test_r16_a_refused_command_changes_nothing(
    refuse: Callable[[Flow], RestorativeError], cls: type[RestorativeError]
) -> None:
    flow = Flow().to_consent()
    flow.do(r.InformParty, MEDIATOR, party_id="harmed")
    before = flow.case
    snapshot = r.to_json(flow.case)
    log = list(flow.events)

    error = refuse(flow)  # Flow.refused also checks the case and its replay are unchanged

    assert isinstance(error, cls)
    assert before is flow.case
    assert snapshot == r.to_json(flow.case)
    assert log == flow.events
    assert before == r.replay(flow.events)
    # The case takes the next valid command as if nothing had happened.
    flow.do(r.GiveConsent, party_actor("harmed"), party_id="harmed")
    assert len(log) + 1 == len(flow.events)
    assert before.version + 1 == flow.case.version


# --- R17 --------------------------------------------------------------------------------


@pytest.mark.parametrize("source", [r.ReferralSource.PROSECUTION, r.ReferralSource.COURT])
def test_r17_criminal_case_cannot_be_declined(source: r.ReferralSource) -> None:
    flow = Flow(source=source)

    check(flow.refused(r.DeclineCase, STAFF, reason="unsuitable"), RuleViolation, "R17")

    flow.do(r.AcceptCase, STAFF)
    assert S.CONSENT == stage_of(flow)


@pytest.mark.parametrize("source", [r.ReferralSource.PARTIES, r.ReferralSource.PUBLIC_AGENCY, r.ReferralSource.POLICE])
def test_r17_civil_case_may_be_declined(source: r.ReferralSource) -> None:
    flow = Flow(kind=CIVIL, source=source)

    flow.do(r.DeclineCase, STAFF, reason="unsuitable")

    assert S.DECLINED == stage_of(flow)
    assert [] == flow.reports()


# --- R18 --------------------------------------------------------------------------------


def refer(kind: r.CaseKind, source: r.ReferralSource, parties: tuple[r.Party, ...]) -> r.Case:
    referral = r.Referral(source=source, kind=kind, received_at=T0, admission_of_facts=True)
    command = r.ReferCase(actor=STAFF, at=T0, case_id=r.CaseId("c"), referral=referral, parties=parties)
    case, _ = r.handle(None, command)
    return case


CRIMINAL_PAIR = (party("harmed", HARMED), party("resp", RESPONSIBLE))
CIVIL_PAIR = (party("anna"), party("bjorn"))
P = r.ReferralSource


@pytest.mark.parametrize(
    ("kind", "source", "parties"),
    [
        (CRIMINAL, P.PARTIES, CRIMINAL_PAIR),
        (CRIMINAL, P.POLICE, CRIMINAL_PAIR),
        (CRIMINAL, P.PUBLIC_AGENCY, CRIMINAL_PAIR),
        (CIVIL, P.PROSECUTION, CIVIL_PAIR),
        (CIVIL, P.COURT, CIVIL_PAIR),
        (CIVIL, P.PARTIES, CIVIL_PAIR[:1]),
        (CRIMINAL, P.PROSECUTION, CRIMINAL_PAIR[:1]),
        (CRIMINAL, P.PROSECUTION, (party("harmed", HARMED), party("other", HARMED))),
        (CRIMINAL, P.PROSECUTION, (party("harmed", HARMED), party("resp", PARTY))),
        (CIVIL, P.PARTIES, (minor("anna", PARTY, guardians=("bjorn",)), party("bjorn"))),
    ],
    ids=[
        "criminal-from-parties",
        "criminal-from-police",
        "criminal-from-agency",
        "civil-from-prosecution",
        "civil-from-court",
        "one-civil-party",
        "one-criminal-party",
        "no-responsible",
        "criminal-civil-role",
        "party-as-guardian",
    ],
)
def test_r18_referral_must_fit_its_kind(
    kind: r.CaseKind, source: r.ReferralSource, parties: tuple[r.Party, ...]
) -> None:
    with pytest.raises(RuleViolation) as refused:
        refer(kind, source, parties)

    assert "R18" == refused.value.rule
    assert S.REFERRED is refused.value.stage


@pytest.mark.parametrize(
    ("kind", "source", "parties"),
    [
        (CRIMINAL, P.PROSECUTION, CRIMINAL_PAIR),
        (CRIMINAL, P.COURT, CRIMINAL_PAIR),
        (CRIMINAL, P.PROSECUTION, criminal_three()),
        (CIVIL, P.PARTIES, CIVIL_PAIR),
        (CIVIL, P.PUBLIC_AGENCY, CIVIL_PAIR),
        (CIVIL, P.POLICE, civil_three()),
        (CIVIL, P.PARTIES, (minor("anna", PARTY, guardians=("mum",)), party("bjorn"))),
    ],
    ids=["prosecution", "court", "criminal-three", "parties", "agency", "police-three", "minor-with-guardian"],
)
def test_r18_fitting_referral_opens_a_case(
    kind: r.CaseKind, source: r.ReferralSource, parties: tuple[r.Party, ...]
) -> None:
    case = refer(kind, source, parties)

    assert S.REFERRED == case.stage
    assert kind == case.kind
    assert [p.id for p in parties] == [p.id for p in case.parties]
    assert (STAFF.id,) == case.staff


# --- gaps found in review, by rule ---------------------------------------------------


def test_r5_a_conflicted_mediator_may_not_act_until_released() -> None:
    flow = Flow().to_preparation()
    flow.do(r.DeclareConflict, MEDIATOR, mediator_id=MEDIATOR.id, towards="resp")
    error = flow.refused(r.HoldPreparatoryTalk, MEDIATOR, party_id="harmed")
    assert isinstance(error, RuleViolation)
    assert "R5" == error.rule
    flow.do(r.ReleaseMediator, STAFF, mediator_id=MEDIATOR.id)
    flow.do(r.AssignMediator, STAFF, mediator_id=MEDIATOR_2.id)
    flow.do(r.HoldPreparatoryTalk, MEDIATOR_2, party_id="harmed")
    assert flow.case.party("harmed") is not None


def test_r5_a_conflicted_mediator_does_not_even_agree_to_confidentiality() -> None:
    """R5: a mediator with a declared conflict of interest may not act on the case (the seed page's
    "impartial mediator"), and agreeing to confidentiality for themself is acting on it too.

    An exhaustive sweep of who may send what found this the one command such a mediator could
    still send; `allowed` offers them nothing, and the verifier's oracle flags a decider that
    accepts it."""
    flow = Flow().to_preparation()
    flow.do(r.AssignMediator, STAFF, mediator_id=MEDIATOR_2.id)
    flow.do(r.DeclareConflict, MEDIATOR, mediator_id=MEDIATOR.id, towards="resp")

    error = flow.refused(r.AgreeConfidentiality, MEDIATOR, person_id=MEDIATOR.id)
    check(error, RuleViolation, "R5")
    assert isinstance(error, RuleViolation) and "release them" in error.hint
    assert () == r.allowed(flow.case, MEDIATOR)

    before = flow.case
    command = r.AgreeConfidentiality(actor=MEDIATOR, at=flow.tick(), person_id=MEDIATOR.id)
    events = (r.ConfidentialityAgreed(actor=MEDIATOR, at=command.at, person_id=MEDIATOR.id),)
    seen = verify_oracle.accepted(before, command, r.replay(events, start=before), events)
    assert ["R5"] == [violation.rule for violation in seen]

    flow.do(r.AgreeConfidentiality, MEDIATOR_2, person_id=MEDIATOR_2.id)  # the impartial one may
    assert (MEDIATOR_2.id,) == flow.case.confidential


def test_r10_only_a_mediator_from_the_meeting_records_and_signs() -> None:
    flow = Flow().to_meeting().hold()
    flow.do(r.AssignMediator, STAFF, mediator_id=MEDIATOR_2.id)
    error = flow.refused(r.RecordAgreement, MEDIATOR_2, items=flow.items())
    assert isinstance(error, RuleViolation)
    assert "R10" == error.rule
    flow.do(r.RecordAgreement, MEDIATOR, items=flow.items())
    error = flow.refused(r.SignAgreement, MEDIATOR_2, signer_id=MEDIATOR_2.id)
    assert "R10" == getattr(error, "rule", None)
    flow.do(r.SignAgreement, MEDIATOR, signer_id=MEDIATOR.id)


def test_r14_a_guardian_withdraws_only_a_minor_ward() -> None:
    adult = r.Party(id="resp", role=r.Role.RESPONSIBLE, birth_date=date(1990, 1, 1), guardians=("mum",))
    flow = Flow(parties=(r.Party(id="harmed", role=r.Role.HARMED), adult)).to_consent()
    error = flow.refused(r.Withdraw, guardian_actor("mum"), party_id="resp")
    assert isinstance(error, NotPermitted)
    assert r.Withdraw not in r.allowed(flow.case, guardian_actor("mum"))
    flow.do(r.Withdraw, party_actor("resp"), party_id="resp")
    assert r.Stage.WITHDRAWN is flow.case.stage


def test_r14_a_party_never_reports_on_an_item_they_owe() -> None:
    flow = Flow(kind=r.CaseKind.CIVIL).to_follow_up(None)
    flow.now = max(flow.now, flow.case.updated_at)
    agreement = flow.case.agreement
    assert agreement is not None
    item = agreement.items[0]
    error = flow.refused(r.ReportItem, party_actor(item.responsible), item_id=item.id, fulfilled=True)
    assert isinstance(error, NotPermitted)
    other = next(p.id for p in flow.case.parties if p.id != item.responsible)
    flow.do(r.ReportItem, party_actor(other), item_id=item.id, fulfilled=True)
    assert r.Stage.FULFILLED is flow.case.stage


def test_r14_confidentiality_is_agreed_in_ones_own_capacity() -> None:
    flow = Flow(
        kind=r.CaseKind.CIVIL,
        parties=(
            r.Party(id="a", role=r.Role.PARTY),
            r.Party(id="b", role=r.Role.PARTY),
            r.Party(id="c", role=r.Role.PARTY),
        ),
    ).to_preparation()
    wrong = r.Actor(id="c", kind=r.ActorKind.STAFF)
    assert isinstance(flow.refused(r.AgreeConfidentiality, wrong, person_id="c"), NotPermitted)
    flow.do(r.Withdraw, party_actor("c"), party_id="c")
    error = flow.refused(r.AgreeConfidentiality, MEDIATOR, person_id="c")
    assert "R1" == getattr(error, "rule", None)
    flow.do(r.AgreeConfidentiality, party_actor("a"), person_id="a")
    assert "a" in flow.case.confidential


def test_r13_a_withdrawal_while_signing_goes_on_if_the_party_owes_nothing() -> None:
    parties = (
        r.Party(id="h1", role=r.Role.HARMED),
        r.Party(id="h2", role=r.Role.HARMED),
        r.Party(id="resp", role=r.Role.RESPONSIBLE),
    )
    flow = Flow(parties=parties).to_agreement(None, cooling_off=None)
    for actor in (party_actor("h1"), party_actor("resp"), MEDIATOR):
        flow.do(r.SignAgreement, actor, signer_id=actor.id)
    assert r.Stage.AGREEMENT is stage_of(flow)
    # h2 owes nothing; everyone else has signed, so the withdrawal completes the agreement.
    flow.do(r.Withdraw, party_actor("h2"), party_id="h2")
    assert r.Stage.COOLING_OFF is stage_of(flow)
    assert r.replay(flow.events) == flow.case


def test_r13_a_withdrawal_while_signing_ends_the_case_if_the_party_owes_an_item() -> None:
    parties = (
        r.Party(id="h1", role=r.Role.HARMED),
        r.Party(id="h2", role=r.Role.HARMED),
        r.Party(id="resp", role=r.Role.RESPONSIBLE),
    )
    flow = Flow(parties=parties).to_agreement()
    flow.do(r.Withdraw, party_actor("resp"), party_id="resp")
    assert r.Stage.WITHDRAWN is flow.case.stage


def test_r15_and_r2_the_fold_refuses_a_corrupt_log() -> None:
    flow = Flow().to_consent()
    backwards = r.CaseAccepted(actor=STAFF, at=flow.case.updated_at - timedelta(days=1))
    with pytest.raises(InvalidInput, match="R15"):
        r.evolve(flow.case, backwards)
    with pytest.raises(InvalidInput, match="R15"):
        r.replay([*flow.events, backwards])
    closed = Flow()
    closed.do(r.Withdraw, party_actor("resp"), party_id="resp")
    late = r.MediatorAssigned(actor=STAFF, at=closed.now + timedelta(hours=1), mediator_id="m9")
    with pytest.raises(InvalidInput, match="R2"):
        r.evolve(closed.case, late)


def test_a_meeting_is_not_scheduled_in_the_past() -> None:
    flow = Flow().to_preparation().prepare_all()
    with pytest.raises(InvalidInput) as caught:
        r.decide(
            flow.case,
            r.ScheduleMeeting(
                actor=MEDIATOR, at=flow.now, starts_at=flow.now - timedelta(days=1), attendees=flow.attendees()
            ),
        )
    assert "starts_at" == caught.value.field


def test_allowed_offers_dispensation_only_where_it_can_be_granted() -> None:
    criminal = Flow().to_consent()
    assert r.DispenseGuardianConsent not in r.allowed(criminal.case, STAFF)
    born = date(criminal.now.year - 16, 1, 1)
    civil = Flow(
        kind=r.CaseKind.CIVIL,
        parties=(r.Party(id="kid", role=r.Role.PARTY, birth_date=born), r.Party(id="adult", role=r.Role.PARTY)),
    ).to_consent()
    assert r.DispenseGuardianConsent in r.allowed(civil.case, STAFF)


def test_inconsistent_cases_raise_invalid_input_not_assertion_errors() -> None:
    flow = Flow().to_consent()
    broken = attrs.evolve(flow.case, stage=r.Stage.MEETING)
    with pytest.raises(InvalidInput, match="inconsistent"):
        r.decide(broken, r.HoldMeeting(actor=MEDIATOR, at=flow.now, present=("harmed",)))
    with pytest.raises(InvalidInput):
        r.decide(flow.case, "GiveConsent")  # type: ignore[arg-type]
