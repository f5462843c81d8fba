"""What a case system's UI needs: collections as given, one's own id taken from the actor (issue 15, item 3)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

import restorative as r
from restorative.errors import InvalidInput, NotPermitted
from tests.flows import MEDIATOR, STAFF, T0, Flow, party_actor


def test_a_list_a_generator_or_a_set_is_kept_as_a_tuple() -> None:
    flow = Flow().to_meeting()
    meeting = flow.case.meeting
    assert meeting is not None
    people = list(meeting.attendees)
    as_list = r.HoldMeeting(actor=MEDIATOR, at=flow.now, present=people)
    as_generator = r.HoldMeeting(actor=MEDIATOR, at=flow.now, present=(p for p in people))
    as_set = r.HoldMeeting(actor=MEDIATOR, at=flow.now, present=set(people))
    assert as_list.present == as_generator.present == tuple(people)
    assert as_set.present == tuple(sorted(people))  # the same set always makes the same command
    referral = Flow().referral
    parties = [r.Party(id="ida", role=r.Role.HARMED), r.Party(id="emil", role=r.Role.RESPONSIBLE)]
    opened = r.ReferCase(actor=STAFF, at=T0, case_id="case-9", referral=referral, parties=parties)
    assert type(opened.parties) is tuple
    assert r.from_json(r.to_json(opened), r.ReferCase) == opened


@pytest.mark.parametrize("given", ["harmed", b"harmed", {"harmed": 1}, 7], ids=["text", "bytes", "mapping", "int"])
def test_what_is_not_a_collection_of_ids_is_still_refused(given: object) -> None:
    with pytest.raises(InvalidInput, match="present"):
        r.HoldMeeting(actor=MEDIATOR, at=T0, present=given)


def test_an_endless_iterator_is_refused_not_exhausted() -> None:
    endless = (f"person-{n}" for n in itertools.count())
    with pytest.raises(InvalidInput, match="present"):
        r.HoldMeeting(actor=MEDIATOR, at=T0, present=endless)
    assert next(endless) == "person-10001"  # it read one more than the limit, and stopped


def test_ones_own_id_defaults_from_the_actor() -> None:
    ida = party_actor("harmed")
    assert r.GiveConsent(actor=ida, at=T0).party_id == "harmed"
    assert r.Withdraw(actor=ida, at=T0).party_id == "harmed"
    assert r.SignAgreement(actor=MEDIATOR, at=T0).signer_id == MEDIATOR.id
    assert r.AgreeConfidentiality(actor=ida, at=T0).person_id == "harmed"
    assert r.ApproveParticipant(actor=ida, at=T0, participant_id="kari-friend").party_id == "harmed"
    flow = Flow().to_consent()
    flow.do(r.InformParty, MEDIATOR, party_id="harmed")
    case, _ = r.handle(flow.case, r.GiveConsent(actor=ida, at=flow.now + timedelta(minutes=1)))
    assert case.party("harmed").consented  # type: ignore[union-attr]


def test_naming_someone_else_is_still_not_permitted() -> None:
    flow = Flow().to_consent()
    flow.do(r.InformParty, MEDIATOR, party_id="resp")
    with pytest.raises(NotPermitted):
        r.decide(flow.case, r.GiveConsent(actor=party_actor("harmed"), at=flow.now, party_id="resp"))


def test_an_actor_that_is_not_an_actor_is_named_before_the_default() -> None:
    with pytest.raises(InvalidInput, match="actor"):
        r.GiveConsent(actor="harmed", at=T0)  # type: ignore[arg-type]


def test_values_take_any_collection_where_they_keep_a_tuple_too() -> None:
    guarded = r.Party(id="emil", role=r.Role.RESPONSIBLE, minor=True, guardians=["mum", "dad"])
    assert guarded.guardians == ("mum", "dad")
    meeting = r.Meeting(kind=r.MeetingKind.MEDIATION, starts_at=T0, attendees=iter(["harmed", "resp"]))
    assert meeting.attendees == ("harmed", "resp")
    with pytest.raises(InvalidInput, match="guardians"):
        r.Party(id="emil", role=r.Role.RESPONSIBLE, guardians="mum")  # one text is not a collection
