"""What a screen asks of a case: `counts_as_consenting` (R3), `missing_signatures` (R10) and
`default_attendees` (R5, R7), each answering as the decider decides."""

# Assertions read `expected == actual`, so constants come first.

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

import restorative as r
from restorative.errors import InvalidInput
from tests.flows import MEDIATOR, MEDIATOR_2, STAFF, Flow, guardian_actor, party_actor

S = r.Stage


def with_minor(**flow: object) -> Flow:
    """A criminal case whose responsible party, emil, is 16 with two guardians."""
    emil = r.Party(id="emil", role=r.Role.RESPONSIBLE, birth_date=date(2009, 6, 1), guardians=("mum", "dad"))
    return Flow(parties=(r.Party(id="ida", role=r.Role.HARMED), emil), **flow)  # type: ignore[arg-type]


def test_counts_as_consenting_follows_r3_where_party_consented_does_not() -> None:
    """strpl § 71 a: a minor counts as consenting only with the guardians' consent (R3), although
    `Party.consented` is true as soon as the minor consents; from 18 their own consent is enough."""
    flow = with_minor().to_consent()
    assert not r.counts_as_consenting(flow.case, "emil")  # not even informed
    flow.do(r.InformParty, MEDIATOR, party_id="emil")
    flow.do(r.GiveConsent, party_actor("emil"), party_id="emil")
    flow.do(r.GiveGuardianConsent, guardian_actor("mum"), party_id="emil")
    emil = flow.case.party("emil")
    assert emil is not None and emil.consented
    assert not r.counts_as_consenting(flow.case, "emil")  # dad has not consented
    eighteen = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
    assert r.counts_as_consenting(flow.case, "emil", at=eighteen)  # strpl § 71 a: no guardian from 18
    assert not r.counts_as_consenting(flow.case, "emil", at=eighteen - timedelta(days=1))

    flow.do(r.GiveGuardianConsent, guardian_actor("dad"), party_id="emil")
    assert r.counts_as_consenting(flow.case, "emil")
    flow.do(r.Withdraw, party_actor("emil"), party_id="emil")
    assert not r.counts_as_consenting(flow.case, "emil")


def test_counts_as_consenting_refuses_what_it_cannot_answer() -> None:
    flow = with_minor().to_consent()
    with pytest.raises(InvalidInput) as unknown:
        r.counts_as_consenting(flow.case, "nobody")
    assert "party_id" == unknown.value.field and "ida, emil" in str(unknown.value)
    with pytest.raises(InvalidInput) as naive:
        r.counts_as_consenting(flow.case, "emil", at=datetime(2026, 1, 1))  # naive: the point
    assert "at" == naive.value.field
    with pytest.raises(InvalidInput) as not_a_case:
        r.counts_as_consenting("case-1", "emil")  # type: ignore[arg-type]
    assert "case" == not_a_case.value.field


def test_missing_signatures_names_who_still_has_to_sign() -> None:
    """R10, from the service's practice: the parties, a guardian of each minor party and a mediator sign."""
    flow = with_minor().to_agreement()
    due = r.missing_signatures(flow.case)
    assert ["ida", "emil", "a guardian of emil", "a mediator"] == [s.label for s in due]
    assert (("ida",), ("emil",), ("mum", "dad"), (MEDIATOR.id,)) == tuple(s.signers for s in due)

    flow.do(r.SignAgreement, guardian_actor("dad"), signer_id="dad")
    flow.do(r.SignAgreement, party_actor("ida"), signer_id="ida")
    assert ["emil", "a mediator"] == [s.label for s in r.missing_signatures(flow.case)]
    agreement = flow.case.agreement
    assert agreement is not None
    unsigned = r.missing_signatures(flow.case, r.Agreement(items=agreement.items, made_at=agreement.made_at))
    assert 4 == len(unsigned)  # another agreement value, asked about explicitly

    for actor in (party_actor("emil"), MEDIATOR):
        flow.do(r.SignAgreement, actor, signer_id=actor.id)
    assert () == r.missing_signatures(flow.case)
    assert S.COOLING_OFF == flow.case.stage
    with pytest.raises(InvalidInput) as wrong:
        r.missing_signatures(flow.case, "agreement")  # type: ignore[arg-type]
    assert "agreement" == wrong.value.field


def test_default_attendees_is_a_list_the_meeting_takes() -> None:
    """The seed page: all who take part in the meeting must be agreed upon beforehand (R7), and the
    mediator is impartial (R5): the default list holds the parties, the impartial mediators and
    the participants every party agreed to, and nobody else."""
    flow = with_minor().to_preparation().prepare_all()
    flow.do(r.AssignMediator, STAFF, mediator_id=MEDIATOR_2.id)
    flow.do(r.DeclareConflict, STAFF, mediator_id=MEDIATOR_2.id, towards="ida")
    flow.do(r.ProposeParticipant, party_actor("ida"), participant_id="friend", role=r.ParticipantRole.SUPPORT)
    flow.do(r.DiscloseParticipant, MEDIATOR, participant_id="friend")
    flow.do(r.ApproveParticipant, party_actor("emil"), participant_id="friend", party_id="emil")
    flow.do(r.ProposeParticipant, MEDIATOR, participant_id="tolk", role=r.ParticipantRole.INTERPRETER)
    flow.do(r.ApproveParticipant, party_actor("ida"), participant_id="tolk", party_id="ida")  # emil has not

    attendees = r.default_attendees(flow.case)
    assert ("ida", "emil", MEDIATOR.id, "friend") == attendees
    flow.do(r.ScheduleMeeting, MEDIATOR, starts_at=flow.now + timedelta(days=3), attendees=attendees)
    assert S.MEETING == flow.case.stage
    with pytest.raises(InvalidInput):
        r.default_attendees(None)  # type: ignore[arg-type]


def test_default_attendees_leave_out_who_withdrew_and_their_companions() -> None:
    """R7: a party who withdrew attends no more, nor does the person who came with them."""
    three = (
        r.Party(id="anna", role=r.Role.PARTY),
        r.Party(id="bjorn", role=r.Role.PARTY),
        r.Party(id="cara", role=r.Role.PARTY),
    )
    flow = Flow(kind=r.CaseKind.CIVIL, parties=three).to_preparation().prepare_all()
    flow.do(r.ProposeParticipant, party_actor("cara"), participant_id="friend", role=r.ParticipantRole.SUPPORT)
    flow.do(r.DiscloseParticipant, MEDIATOR, participant_id="friend")
    for party_id in ("anna", "bjorn"):
        flow.do(r.ApproveParticipant, party_actor(party_id), participant_id="friend", party_id=party_id)
    assert ("anna", "bjorn", "cara", MEDIATOR.id, "friend") == r.default_attendees(flow.case)
    flow.do(r.Withdraw, party_actor("cara"), party_id="cara")
    assert ("anna", "bjorn", MEDIATOR.id) == r.default_attendees(flow.case)
