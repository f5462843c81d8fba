"""The follow-up meeting (oppfølgingsmøte) belongs in follow-up, after the agreement binds (R19).

konfliktrådsloven § 1 lists the meetings the service holds: the mediation meeting, the
large-group meeting (stormøte) and the follow-up meeting. A follow-up meeting follows up an
agreement, so it is scheduled in `follow_up` and keeps the case there; before the agreement
binds it is refused, and `follow_up` takes no other kind of meeting.
"""

# Assertions read `expected == actual`, so constants come first.

from __future__ import annotations

from datetime import timedelta

import restorative as r
from restorative.errors import RuleViolation
from restorative.process import MEDIATION
from restorative.verify import _oracle
from tests.flows import MEDIATOR, Flow, party_actor

S = r.Stage
FOLLOW_UP = r.MeetingKind.FOLLOW_UP


def in_follow_up() -> Flow:
    flow = Flow().to_follow_up()
    flow.now = max(flow.now, flow.case.updated_at)
    return flow


def stage_of(flow: Flow) -> r.Stage:
    """The flow's current stage (a call, so that mypy does not narrow it across commands)."""
    return flow.case.stage


def schedule(flow: Flow, kind: r.MeetingKind = FOLLOW_UP, attendees: tuple[str, ...] | None = None) -> r.Case:
    return flow.do(
        r.ScheduleMeeting,
        MEDIATOR,
        kind=kind,
        starts_at=flow.now + timedelta(days=1),
        attendees=attendees or flow.attendees(),
    )


def test_r19_a_follow_up_meeting_is_held_in_follow_up_and_keeps_the_stage() -> None:
    """konfliktrådsloven § 1: the follow-up meeting is one of the service's meetings; it follows up
    the agreement, so the case stays in follow-up and its items are still reported afterwards."""
    flow = in_follow_up()
    assert r.ScheduleMeeting in r.allowed(flow.case, MEDIATOR)

    schedule(flow)
    assert S.FOLLOW_UP == stage_of(flow)
    meeting = flow.case.meeting
    assert meeting is not None and FOLLOW_UP is meeting.kind and meeting.held_at is None
    flow.now += timedelta(days=1)
    flow.do(r.HoldMeeting, MEDIATOR, present=flow.attendees())
    assert S.FOLLOW_UP == stage_of(flow)
    assert 2 == flow.case.meetings_held

    flow.do(r.ReportItem, party_actor("harmed"), item_id="item-0", fulfilled=True)
    assert S.FULFILLED == stage_of(flow)
    assert r.replay(flow.events) == flow.case


def test_r19_a_follow_up_meeting_is_not_the_first_meeting_of_a_case() -> None:
    """konfliktrådsloven § 1: a follow-up meeting follows up an agreement; before one binds it is refused."""
    flow = Flow().to_preparation().prepare_all()
    refused = flow.refused(
        r.ScheduleMeeting, MEDIATOR, kind=FOLLOW_UP, starts_at=flow.now + timedelta(days=1), attendees=flow.attendees()
    )
    assert isinstance(refused, RuleViolation) and "R19" == refused.rule
    assert "mediation or large-group meeting" in refused.hint
    schedule(flow, r.MeetingKind.MEDIATION)
    assert S.MEETING == stage_of(flow)


def test_r19_follow_up_takes_no_other_kind_of_meeting() -> None:
    """A mediation or large-group meeting after the agreement binds is refused (R19); the hint names the kind."""
    flow = in_follow_up()
    for kind in (r.MeetingKind.MEDIATION, r.MeetingKind.LARGE_GROUP):
        refused = flow.refused(
            r.ScheduleMeeting, MEDIATOR, kind=kind, starts_at=flow.now + timedelta(days=1), attendees=flow.attendees()
        )
        assert isinstance(refused, RuleViolation) and "R19" == refused.rule
        assert "MeetingKind.FOLLOW_UP" in refused.hint


def test_r19_a_follow_up_meeting_keeps_the_meeting_rules() -> None:
    """R5, R7, R8 hold for a follow-up meeting too: every party on the list and present, everyone
    present agreed to confidentiality; a meeting that cannot be held is scheduled again."""
    flow = in_follow_up()
    refused = flow.refused(
        r.ScheduleMeeting,
        MEDIATOR,
        kind=FOLLOW_UP,
        starts_at=flow.now + timedelta(days=1),
        attendees=("harmed", MEDIATOR.id),
    )
    assert isinstance(refused, RuleViolation) and "R7" == refused.rule
    schedule(flow)
    flow.now += timedelta(days=1)
    absent = flow.refused(r.HoldMeeting, MEDIATOR, present=("harmed", MEDIATOR.id))
    assert isinstance(absent, RuleViolation) and "R7" == absent.rule
    assert "schedule the follow-up meeting again" in absent.hint
    schedule(flow)  # scheduled again: it replaces the one that was not held
    flow.now += timedelta(days=1)
    flow.do(r.HoldMeeting, MEDIATOR, present=flow.attendees())
    again = flow.refused(r.HoldMeeting, MEDIATOR, present=flow.attendees())
    assert isinstance(again, RuleViolation) and "R8" == again.rule
    assert "schedule another follow-up meeting" in again.hint


def test_r19_in_the_lifecycle_schedule_is_a_step_of_follow_up() -> None:
    """`schedule` moves a case out of preparation and is a step of follow-up: the walk keeps the stage."""
    lifecycle = MEDIATION.lifecycle
    assert ("schedule", S.FOLLOW_UP, None) in lifecycle.transitions
    assert ("schedule", S.FOLLOW_UP) not in lifecycle.moves
    assert {"schedule", "agree_confidentiality", "hold_meeting"} <= lifecycle.takes[S.FOLLOW_UP]
    flow = in_follow_up()
    schedule(flow)
    scheduled = flow.events[-1]
    assert isinstance(scheduled, r.MeetingScheduled)
    assert [(scheduled, S.FOLLOW_UP, S.FOLLOW_UP)] == list(lifecycle.walk([scheduled], S.FOLLOW_UP))
    assert "follow_up --> follow_up" not in r.mermaid()  # the diagram draws moves only


def test_r19_the_oracle_flags_a_meeting_of_the_wrong_kind() -> None:
    """The verifier's oracle restates R19: a decider that schedules a follow-up meeting first is caught."""
    flow = Flow().to_preparation().prepare_all()
    before = flow.case
    at = flow.tick()
    command = r.ScheduleMeeting(actor=MEDIATOR, at=at, kind=FOLLOW_UP, starts_at=at, attendees=flow.attendees())
    events = (r.MeetingScheduled(actor=MEDIATOR, at=at, kind=FOLLOW_UP, starts_at=at, attendees=flow.attendees()),)
    seen = _oracle.accepted(before, command, r.replay(events, start=before), events)
    assert ["R19"] == [violation.rule for violation in seen]
