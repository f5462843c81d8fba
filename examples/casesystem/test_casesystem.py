"""The case system's own tests, written with restorative's testing kit.

The fixtures ``restorative_cases`` and ``restorative_clock`` come from restorative's
pytest plugin, loaded automatically because restorative is installed.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from casesystem import CaseService, Rejection
from hypothesis import given, settings

import restorative as r
from restorative.testing import (
    Adapter,
    CaseFactory,
    CaseStateMachine,
    History,
    assert_refused,
    assert_withdrawal_accepted,
)
from restorative.testing import strategies as rst


class ServiceAdapter(Adapter):
    """Our service as the kit sees it: its rejections are turned back into restorative errors."""

    def __init__(self) -> None:
        self.service = CaseService()

    def send(self, case_id: str, command: r.Command) -> Sequence[r.Event]:
        try:
            return self.service.submit(case_id, command)
        except Rejection as rejection:
            if rejection.status == 422:
                raise r.errors.InvalidInput(rejection.message) from rejection
            stage = self._stage(case_id)
            if rejection.possible or rejection.rule is None:  # the stage does not take the command
                raise r.errors.StageError(type(command).__name__, stage, rejection.possible) from rejection
            raise r.errors.RuleViolation(rejection.rule, stage, rejection.message) from rejection

    def _stage(self, case_id: str) -> r.Stage | None:
        loaded = self.load(case_id)
        return None if loaded is None else loaded.stage

    def load(self, case_id: str) -> r.Case | None:
        try:
            return self.service.case(case_id)
        except r.errors.CaseNotFound:
            return None

    def close(self) -> None:
        self.service.close()


class ServiceMachine(CaseStateMachine):
    """Random walks through our service, checked against every rule and against restorative itself."""

    def make_adapter(self) -> Adapter:
        return ServiceAdapter()


TestServiceFollowsTheRules = ServiceMachine.TestCase
TestServiceFollowsTheRules.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)


def our_service_holding(history: History) -> ServiceAdapter:
    """Our service, with the case of `history` submitted to it command by command."""
    adapter = ServiceAdapter()
    for command in history.commands:
        adapter.send(history.case.id, command)
    return adapter


def test_a_meeting_needs_everyone_to_agree_to_confidentiality(restorative_cases: CaseFactory) -> None:
    history = restorative_cases(r.Stage.MEETING)
    case = history.case
    assert case.meeting is not None
    mediator = r.Actor(id=case.mediators[0], kind=r.ActorKind.MEDIATOR)
    hold = r.HoldMeeting(actor=mediator, at=case.updated_at, present=case.meeting.attendees)
    assert_refused(history, hold, "R8", adapter=our_service_holding(history))


def test_the_service_rejects_with_the_rule(restorative_cases: CaseFactory) -> None:
    service = CaseService()
    history = restorative_cases(r.Stage.CONSENT)
    for command in history.commands:
        service.submit(history.case.id, command)
    early = r.StartPreparation(actor=r.Actor(id="staff-1", kind=r.ActorKind.STAFF), at=history.case.updated_at)
    with pytest.raises(Rejection) as rejection:
        service.submit(history.case.id, early)
    assert (rejection.value.status, rejection.value.rule) == (409, "R4")
    assert service.case(history.case.id) == history.case  # nothing was stored


@pytest.mark.parametrize("stage", [s for s in r.Stage if not s.is_final], ids=lambda s: s.value)
def test_a_party_may_withdraw_in_every_open_stage(restorative_cases: CaseFactory, stage: r.Stage) -> None:
    history = restorative_cases(stage)
    service = our_service_holding(history)
    after = assert_withdrawal_accepted(history, "p1", adapter=service)
    assert after.case.party("p1").withdrawn  # type: ignore[union-attr]
    assert service.load(history.case.id) == after.case


@settings(max_examples=20, deadline=None)
@given(rst.histories(r.Stage.FOLLOW_UP))
def test_every_case_in_follow_up_has_a_bound_agreement(history: History) -> None:
    service = CaseService()
    for command in history.commands:
        service.submit(history.case.id, command)
    stored = service.case(history.case.id)
    assert stored.agreement is not None
    assert stored.agreement.bound_at is not None
