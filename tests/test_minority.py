"""Minority is judged at each command's time, on the day at the service.

strpl § 71 a asks for the consent of a party's guardian while the party is under 18, and
guardianship of a minor ends at 18 (the Guardianship Act, vergemålsloven): from the 18th
birthday the party consents, withdraws and reports for themself, and the former guardian
no longer acts for them. The birthday is the day in the service's time zone
(`Policy.time_zone`, Europe/Oslo by default), not the day of the timestamp's UTC offset.
Without a birth date, `Party.minor` is taken as given.
"""

# Assertions read `expected == actual`, so constants come first.

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

import restorative as r
from restorative.errors import InvalidInput, NotPermitted, RuleViolation
from restorative.verify import _oracle
from tests.flows import MEDIATOR, STAFF, T0, Flow, guardian_actor, party_actor

S = r.Stage
BIRTHDAY = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
"""When `resp` turns 18: the flows start on 2026-01-05, when resp is 17."""


def stage_of(flow: Flow) -> r.Stage:
    """The flow's current stage (a call, so that mypy does not narrow it across commands)."""
    return flow.case.stage


def parties(kind: r.CaseKind = r.CaseKind.CRIMINAL) -> tuple[r.Party, ...]:
    """A harmed adult and a responsible party of 17 who turns 18 on 2026-02-01."""
    role = r.Role.RESPONSIBLE if kind is r.CaseKind.CRIMINAL else r.Role.PARTY
    return (
        r.Party(id="harmed", role=r.Role.HARMED if kind is r.CaseKind.CRIMINAL else r.Role.PARTY),
        r.Party(id="resp", role=role, birth_date=date(2008, 2, 1), guardians=("mum", "dad")),
    )


def consented(flow: Flow) -> Flow:
    """Both parties informed and consenting; no guardian has consented yet."""
    flow.to_consent()
    for party_id in ("harmed", "resp"):
        flow.do(r.InformParty, MEDIATOR, party_id=party_id)
        flow.do(r.GiveConsent, party_actor(party_id), party_id=party_id)
    return flow


def test_a_party_who_comes_of_age_during_consent_needs_no_guardian_any_more() -> None:
    """strpl § 71 a: the guardian's consent is needed while the party is under 18, not after."""
    flow = consented(Flow(parties=parties()))
    resp = flow.case.party("resp")
    assert resp is not None and resp.minor  # a minor as referred

    before = flow.refused(r.StartPreparation, STAFF, at=BIRTHDAY - timedelta(days=1))
    assert isinstance(before, RuleViolation) and "R4" == before.rule

    flow.do(r.StartPreparation, STAFF, at=BIRTHDAY)
    assert S.PREPARATION == flow.case.stage

    # Without a birth date, minority is what the referral says, for the whole case.
    flagged = r.Party(id="resp", role=r.Role.RESPONSIBLE, minor=True, guardians=("mum",))
    flow = consented(Flow(parties=(r.Party(id="harmed", role=r.Role.HARMED), flagged)))
    years_later = T0 + timedelta(days=3 * 366)
    refused = flow.refused(r.StartPreparation, STAFF, at=years_later)
    assert isinstance(refused, RuleViolation) and "R4" == refused.rule
    flow.do(r.GiveGuardianConsent, guardian_actor("mum"), party_id="resp")
    flow.do(r.StartPreparation, STAFF)
    assert S.PREPARATION == flow.case.stage


def test_a_former_guardian_no_longer_consents_dispenses_or_withdraws() -> None:
    """strpl § 71 a; vergemålsloven: a guardian's standing ends at the ward's 18th birthday."""
    flow = consented(Flow(kind=r.CaseKind.CIVIL, parties=parties(r.CaseKind.CIVIL)))
    flow.do(r.GiveGuardianConsent, guardian_actor("mum"), party_id="resp", at=BIRTHDAY - timedelta(days=1))

    late = flow.refused(r.GiveGuardianConsent, guardian_actor("dad"), party_id="resp", at=BIRTHDAY)
    assert isinstance(late, RuleViolation) and "R3" == late.rule
    assert "resp is not a minor" in late.hint
    dispense = flow.refused(r.DispenseGuardianConsent, STAFF, party_id="resp")
    assert isinstance(dispense, RuleViolation) and "R3" == dispense.rule
    withdraw = flow.refused(r.Withdraw, guardian_actor("mum"), party_id="resp")
    assert isinstance(withdraw, NotPermitted) and "R14" == withdraw.rule
    assert r.Withdraw not in r.allowed(flow.case, guardian_actor("mum"), BIRTHDAY)

    flow.do(r.Withdraw, party_actor("resp"), party_id="resp")  # the party withdraws themself
    assert S.WITHDRAWN == flow.case.stage


def test_before_the_birthday_the_guardian_still_withdraws_the_ward() -> None:
    """R1 with strpl § 71 a: up to the day before the 18th birthday the guardian acts for the ward."""
    flow = consented(Flow(parties=parties()))
    eve = BIRTHDAY - timedelta(days=1)
    assert r.Withdraw in r.allowed(flow.case, guardian_actor("mum"), eve)
    assert r.Withdraw not in r.allowed(flow.case, guardian_actor("mum"), BIRTHDAY)
    flow.do(r.Withdraw, guardian_actor("mum"), party_id="resp", at=eve)
    assert S.WITHDRAWN == flow.case.stage


def test_the_birthday_is_the_day_at_the_service_not_in_utc() -> None:
    """The day is the day in the policy's time zone (Europe/Oslo): 23:30 UTC on 31 January is
    already 1 February in Oslo, so resp is 18 then; under a policy in UTC they are still 17."""
    late_evening = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    oslo = consented(Flow(parties=parties()))
    oslo.do(r.StartPreparation, STAFF, at=late_evening)
    assert S.PREPARATION == oslo.case.stage

    utc = consented(Flow(parties=parties(), policy=r.Policy(time_zone="UTC")))
    refused = utc.refused(r.StartPreparation, STAFF, at=late_evening)
    assert isinstance(refused, RuleViolation) and "R4" == refused.rule


def test_minority_at_referral_is_judged_on_the_day_at_the_service() -> None:
    """A referral received at 23:30 UTC on the eve of the 18th birthday arrives on the birthday
    in Oslo: the party is referred as an adult, and needs no guardian (R18)."""
    received = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    referral = r.Referral(source=r.ReferralSource.PROSECUTION, kind=r.CaseKind.CRIMINAL, received_at=received)
    adult = r.Party(id="resp", role=r.Role.RESPONSIBLE, birth_date=date(2008, 2, 1))
    harmed = r.Party(id="harmed", role=r.Role.HARMED)
    command = r.ReferCase(actor=STAFF, at=received, case_id="c", referral=referral, parties=(harmed, adult))
    case, _ = r.handle(None, command)
    resp = case.party("resp")
    assert resp is not None
    assert not resp.minor

    utc = r.Policy(time_zone="UTC")
    in_utc = r.ReferCase(actor=STAFF, at=received, case_id="c", referral=referral, parties=(harmed, adult), policy=utc)
    with pytest.raises(RuleViolation) as refused:  # 17 on 31 January in UTC: a minor without a guardian
        r.handle(None, in_utc)
    assert "R18" == refused.value.rule


def test_the_signatures_an_agreement_needs_are_fixed_when_it_is_recorded() -> None:
    """R10 judges minority on the day the agreement was recorded.

    A party who came of age before the agreement signs it alone, and their former guardian
    may not sign (strpl § 71 a, vergemålsloven). A party who was a minor when it was
    recorded signs with a guardian even if they come of age while it is signed: otherwise
    an agreement waiting only for that guardian could never be completed.
    """
    after = Flow(parties=parties(), policy=r.Policy(criminal_cooling_off_days=0))
    after.to_preparation()  # the guardians consent on 5 January
    after.now = BIRTHDAY
    after.prepare_all().schedule().hold()
    after.do(r.RecordAgreement, MEDIATOR, items=after.items())
    refused = after.refused(r.SignAgreement, guardian_actor("mum"), signer_id="mum")
    assert isinstance(refused, NotPermitted) and "R14" == refused.rule
    for actor in (party_actor("harmed"), party_actor("resp"), MEDIATOR):
        after.do(r.SignAgreement, actor, signer_id=actor.id)
    assert S.FOLLOW_UP == after.case.stage  # no guardian's signature was needed

    during = Flow(parties=parties(), policy=r.Policy(criminal_cooling_off_days=0)).to_agreement()
    during.now = BIRTHDAY
    for actor in (party_actor("harmed"), party_actor("resp"), MEDIATOR):
        during.do(r.SignAgreement, actor, signer_id=actor.id)
    assert S.AGREEMENT == stage_of(during)  # made with a minor: it waits for a guardian
    during.do(r.SignAgreement, guardian_actor("mum"), signer_id="mum")
    assert S.FOLLOW_UP == stage_of(during)


def test_a_former_guardian_no_longer_reports_for_the_ward() -> None:
    """R11, R14: a guardian reports items for a minor harmed party; from the 18th birthday the
    party reports for themself (vergemålsloven: guardianship ends at 18)."""
    harmed = r.Party(id="harmed", role=r.Role.HARMED, birth_date=date(2008, 2, 1), guardians=("mum",))
    flow = Flow(parties=(harmed, r.Party(id="resp", role=r.Role.RESPONSIBLE))).to_follow_up()
    flow.now = max(flow.now, BIRTHDAY)
    refused = flow.refused(r.ReportItem, guardian_actor("mum"), item_id="item-0", fulfilled=True)
    assert isinstance(refused, NotPermitted) and "R14" == refused.rule
    flow.do(r.ReportItem, party_actor("harmed"), item_id="item-0", fulfilled=True)
    assert S.FULFILLED == flow.case.stage


def test_the_oracle_flags_a_former_guardian_acting_for_an_adult() -> None:
    """The verifier's oracle restates the rule: a decider that lets a guardian consent after the
    ward's 18th birthday is caught (R14), and one that starts preparation without a guardian
    who is no longer needed is not (R4)."""
    flow = consented(Flow(parties=parties()))
    before = flow.case
    command = r.GiveGuardianConsent(actor=guardian_actor("mum"), at=BIRTHDAY, party_id="resp")
    events = (r.GuardianConsentGiven(actor=command.actor, at=BIRTHDAY, party_id="resp", guardian_id="mum"),)
    after = r.replay(events, start=before)
    assert ["R14"] == [v.rule for v in _oracle.accepted(before, command, after, events)]

    start = r.StartPreparation(actor=STAFF, at=BIRTHDAY)
    started = r.decide(before, start)
    assert [] == list(_oracle.accepted(before, start, r.replay(started, start=before), started))


def test_policy_time_zone_is_an_iana_zone() -> None:
    """`Policy.time_zone` holds the service's zone; anything else is refused when built."""
    assert "Europe/Oslo" == r.Policy.norway().time_zone
    assert date(2026, 2, 1) == r.Policy.norway().day_of(datetime(2026, 1, 31, 23, 30, tzinfo=UTC))
    assert date(2026, 1, 31) == r.Policy(time_zone="UTC").day_of(datetime(2026, 1, 31, 23, 30, tzinfo=UTC))
    for bad in ("Mars/Olympus_Mons", "", "../etc/passwd", "/etc/localtime", "x" * 1000, 1):
        with pytest.raises(InvalidInput) as refused:
            r.Policy(time_zone=bad)  # type: ignore[arg-type]
        assert "time_zone" == refused.value.field
        assert len(str(refused.value)) < 300


def test_a_policy_stored_before_time_zone_existed_still_decodes() -> None:
    """Policy is stored inside CaseReferred: JSON written before `time_zone` decodes with the default."""
    old = r.to_data(r.Policy.norway())
    del old["time_zone"]
    assert r.Policy.norway() == r.from_data(old, r.Policy)

    flow = Flow()
    referred = r.to_data(flow.events[0])
    del referred["policy"]["time_zone"]
    event = r.event_from_data(referred)
    assert isinstance(event, r.CaseReferred)
    assert "Europe/Oslo" == event.policy.time_zone
    assert flow.events[0] == event
