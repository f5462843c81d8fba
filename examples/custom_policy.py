"""A policy without cooling-off and with up to three mediators.

Run it with ``python examples/custom_policy.py``. The agreement binds at its last
signature, and three mediators lead the meeting; the Norwegian policy allows two.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import restorative as r
from restorative import errors

START = datetime(2026, 9, 7, 8, 30, tzinfo=UTC)
MEETING = START + timedelta(days=10)

POLICY = r.Policy(
    name="no-cooling-off-three-mediators",
    criminal_cooling_off_days=0,
    civil_cooling_off_days=0,
    max_mediators=3,
)

staff = r.Actor(id="staff-tromso", kind=r.ActorKind.STAFF)
mediators = [r.Actor(id=f"mediator-{n}", kind=r.ActorKind.MEDIATOR) for n in (1, 2, 3)]
lead = mediators[0]
sara, nils = r.PartyId("sara"), r.PartyId("nils")
parties = (r.Party(id=sara, role=r.Role.HARMED), r.Party(id=nils, role=r.Role.RESPONSIBLE))
referral = r.Referral(
    source=r.ReferralSource.COURT, kind=r.CaseKind.CRIMINAL, received_at=START, admission_of_facts=True
)


def party(party_id: r.PartyId) -> r.Actor:
    return r.Actor(id=party_id, kind=r.ActorKind.PARTY)


def open_case(policy: r.Policy) -> r.Case:
    """Open and accept a case under `policy` and assign three mediators; R5 refuses if the policy allows fewer."""
    case, _ = r.handle(
        None,
        r.ReferCase(
            actor=staff, at=START, case_id=r.CaseId(policy.name), referral=referral, parties=parties, policy=policy
        ),
    )
    case, _ = r.handle(case, r.AcceptCase(actor=staff, at=START + timedelta(minutes=10)))
    for n, mediator in enumerate(mediators, start=1):
        command = r.AssignMediator(
            actor=staff, at=START + timedelta(minutes=10 + n), mediator_id=r.PersonId(mediator.id)
        )
        case, _ = r.handle(case, command)
    return case


def main() -> None:
    # Under the Norwegian policy the third mediator is refused (R5).
    refused: errors.RuleViolation | None = None
    try:
        open_case(r.Policy.norway())
    except errors.RuleViolation as error:
        refused = error
    assert refused is not None, "the Norwegian policy allows at most two mediators"
    assert refused.rule == "R5"
    print(f"norway: {refused}")

    case = open_case(POLICY)
    assert case.policy == POLICY
    assert len(case.mediators) == 3

    day = START + timedelta(days=1)
    for party_id in (sara, nils):
        case, _ = r.handle(case, r.InformParty(actor=lead, at=day, party_id=party_id))
        case, _ = r.handle(case, r.GiveConsent(actor=party(party_id), at=day, party_id=party_id))
    case, _ = r.handle(case, r.StartPreparation(actor=lead, at=day))
    for party_id in (sara, nils):
        case, _ = r.handle(case, r.HoldPreparatoryTalk(actor=lead, at=day + timedelta(days=1), party_id=party_id))

    attendees = (sara, nils, *(m.id for m in mediators))
    schedule = r.ScheduleMeeting(actor=lead, at=day + timedelta(days=2), starts_at=MEETING, attendees=attendees)
    case, _ = r.handle(case, schedule)
    for person in attendees:
        case, _ = r.handle(case, r.AgreeConfidentiality(actor=lead, at=MEETING, person_id=person))
    case, _ = r.handle(case, r.HoldMeeting(actor=lead, at=MEETING, present=attendees))
    assert case.meetings_held == 1

    item = r.Item(
        id="apology",
        kind=r.ItemKind.APOLOGY,
        description="Nils apologises to Sara in writing.",
        responsible=nils,
        deadline=MEETING + timedelta(days=7),
    )
    case, events = r.handle(case, r.RecordAgreement(actor=lead, at=MEETING + timedelta(hours=1), items=(item,)))
    assert case.agreement is not None
    assert case.agreement.cooling_off_days == 0

    signed = MEETING + timedelta(hours=2)
    for signer in (party(sara), party(nils), lead):
        case, events = r.handle(case, r.SignAgreement(actor=signer, at=signed, signer_id=signer.id))

    # No cooling-off: the last signature binds the agreement and reports it to the court.
    assert [type(event).__name__ for event in events] == ["AgreementSigned", "AgreementBound", "ReportSent"]
    assert case.stage is r.Stage.FOLLOW_UP
    print(f"{POLICY.name}: {len(case.mediators)} mediators, agreement bound at {signed:%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    main()
