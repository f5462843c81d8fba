"""A criminal case from referral to a fulfilled agreement.

Run it with ``python examples/quickstart.py``. Each line printed is one event and the
stage the case is in once that event is folded in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import restorative as r

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MEETING = START + timedelta(days=14)

staff = r.Actor(id="staff-bergen", kind=r.ActorKind.STAFF)
mediator = r.Actor(id="mediator-sol", kind=r.ActorKind.MEDIATOR)
lina = r.Actor(id="lina", kind=r.ActorKind.PARTY)  # harmed
omar = r.Actor(id="omar", kind=r.ActorKind.PARTY)  # responsible
LINA, OMAR = r.PartyId("lina"), r.PartyId("omar")


def main() -> None:
    referral = r.Referral(
        source=r.ReferralSource.PROSECUTION,
        kind=r.CaseKind.CRIMINAL,
        received_at=START,
        admission_of_facts=True,
    )
    parties = (r.Party(id=LINA, role=r.Role.HARMED), r.Party(id=OMAR, role=r.Role.RESPONSIBLE))
    item = r.Item(
        id="window",
        kind=r.ItemKind.COMPENSATION,
        description="Omar pays for the broken window.",
        responsible=OMAR,
        deadline=MEETING + timedelta(days=30),
    )
    attendees = (LINA, OMAR, mediator.id)
    signed = MEETING + timedelta(hours=2)

    commands: list[r.Command] = [
        r.ReferCase(actor=staff, at=START, case_id=r.CaseId("quickstart-1"), referral=referral, parties=parties),
        r.AcceptCase(actor=staff, at=START + timedelta(hours=1)),
        r.AssignMediator(actor=staff, at=START + timedelta(hours=2), mediator_id=r.PersonId(mediator.id)),
        r.InformParty(actor=mediator, at=START + timedelta(days=1), party_id=LINA),
        r.InformParty(actor=mediator, at=START + timedelta(days=1, hours=1), party_id=OMAR),
        r.GiveConsent(actor=lina, at=START + timedelta(days=2), party_id=LINA),
        r.GiveConsent(actor=omar, at=START + timedelta(days=3), party_id=OMAR),
        r.StartPreparation(actor=mediator, at=START + timedelta(days=3, hours=1)),
        r.HoldPreparatoryTalk(actor=mediator, at=START + timedelta(days=5), party_id=LINA),
        r.HoldPreparatoryTalk(actor=mediator, at=START + timedelta(days=6), party_id=OMAR, channel=r.TalkChannel.PHONE),
        r.ScheduleMeeting(actor=mediator, at=START + timedelta(days=7), starts_at=MEETING, attendees=attendees),
        r.AgreeConfidentiality(actor=lina, at=MEETING, person_id=LINA),
        r.AgreeConfidentiality(actor=omar, at=MEETING, person_id=OMAR),
        r.AgreeConfidentiality(actor=mediator, at=MEETING, person_id=mediator.id),
        r.HoldMeeting(actor=mediator, at=MEETING + timedelta(minutes=5), present=attendees),
        r.RecordAgreement(actor=mediator, at=MEETING + timedelta(hours=1), items=(item,)),
        r.SignAgreement(actor=lina, at=signed, signer_id=LINA),
        r.SignAgreement(actor=omar, at=signed, signer_id=OMAR),
        r.SignAgreement(actor=mediator, at=signed, signer_id=mediator.id),
        # A criminal agreement waits out the Norwegian 14-day cooling-off period before it binds.
        r.EndCoolingOff(actor=staff, at=signed + timedelta(days=14)),
        r.ReportItem(actor=lina, at=signed + timedelta(days=20), item_id="window", fulfilled=True),
    ]

    case: r.Case | None = None
    log: list[r.Event] = []
    for command in commands:
        # `handle` would do both steps at once; folding event by event shows each stage.
        for event in r.decide(case, command):
            case = r.evolve(case, event)
            log.append(event)
            print(f"{type(event).__name__:<24} {case.stage.value}")

    assert case is not None
    assert case.stage is r.Stage.FULFILLED
    assert r.replay(log) == case
    reports = [event.report for event in log if isinstance(event, r.ReportSent)]
    assert [report.kind for report in reports] == [r.ReportKind.AGREEMENT, r.ReportKind.FULFILMENT]
    assert reports[-1].outcome is r.Outcome.FULFILLED
    print(f"case {case.id} ended {case.stage.value} after {case.version} events")


if __name__ == "__main__":
    main()
