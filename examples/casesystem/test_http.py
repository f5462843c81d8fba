"""The same case system's checks, through restorative's HTTP JSON API (`restorative.server`).

A case system that talks to ``restorative serve`` instead of embedding the library tests
it the same way: this adapter sends each command as JSON to the API, authenticated as the
command's actor, and turns the problem documents back into restorative's errors, so the
testing kit's assertions check the rules through HTTP. The identity hook here takes a
token ``<kind>:<id>`` at its word; a real deployment checks its identity provider's.

The kit's random state machine is not run through HTTP: to someone who may not read a
case the API answers 404 whatever the command (an outsider learns nothing, not even that
the case exists), where the library itself would name the stage error first, and the
machine's oracle expects the library's answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from litestar.testing import TestClient

import restorative as r
from restorative import _demo
from restorative.server import create_app
from restorative.store import MemoryStore
from restorative.testing import Adapter, CaseFactory, assert_refused, assert_withdrawal_accepted


def trusting(token: str) -> r.Actor | None:
    """A test identity provider: the token ``<kind>:<id>`` stands for that actor."""
    kind, _, name = token.partition(":")
    try:
        return r.Actor(id=name, kind=r.ActorKind(kind))
    except ValueError:
        return None


class HttpAdapter(Adapter):
    """The API as the kit sees it: commands as JSON in, events out, problems back into errors."""

    def __init__(self) -> None:
        self.store = MemoryStore()
        self.client = TestClient(create_app(self.store, trusting))

    def send(self, case_id: str, command: r.Command) -> Sequence[r.Event]:
        headers = {"Authorization": f"Bearer {command.actor.kind.value}:{command.actor.id}"}
        body = r.to_data(command)
        if isinstance(command, r.ReferCase):
            response = self.client.post("/api/cases", json=body, headers=headers)
        else:
            response = self.client.post(f"/api/cases/{case_id}/commands", json=body, headers=headers)
        if response.status_code in (200, 201):
            return [r.event_from_data(event) for event in response.json()["events"]]
        raise self._error(case_id, command, response.status_code, response.json())

    def _error(self, case_id: str, command: r.Command, status: int, problem: dict[str, Any]) -> Exception:
        stage = None if problem.get("stage") is None else r.Stage(problem["stage"])
        kind = problem["type"].rpartition(":")[2]
        if status == 404:  # an outsider: the API does not say whether the case exists, nor its stage (R14)
            stored = self.load(case_id)  # but the kit asks for the stage the case was in, which we know
            return r.errors.NotPermitted(command.actor.id, None if stored is None else stored.stage, problem["detail"])
        if kind == "not-permitted":
            return r.errors.NotPermitted(command.actor.id, stage, problem.get("hint") or problem["detail"])
        if kind == "stage":
            return r.errors.StageError(type(command).__name__, stage, problem["possible"])
        if kind == "rule-violation":
            return r.errors.RuleViolation(problem["rule"], stage, problem["hint"])
        if status == 422:
            return r.errors.InvalidInput(problem["detail"])
        return AssertionError(f"the API answered {status}: {problem}")

    def load(self, case_id: str) -> r.Case | None:
        try:
            return self.store.load(case_id)
        except r.errors.CaseNotFound:
            return None

    def close(self) -> None:
        self.store.close()


def through_the_api(commands: Sequence[r.Command], case_id: str) -> HttpAdapter:
    adapter = HttpAdapter()
    for command in commands:
        adapter.send(case_id, command)
    return adapter


def test_a_meeting_needs_everyone_to_agree_to_confidentiality_over_http(restorative_cases: CaseFactory) -> None:
    history = restorative_cases(r.Stage.MEETING)
    case = history.case
    assert case.meeting is not None
    mediator = r.Actor(id=case.mediators[0], kind=r.ActorKind.MEDIATOR)
    hold = r.HoldMeeting(actor=mediator, at=case.updated_at, present=case.meeting.attendees)
    assert_refused(history, hold, "R8", adapter=through_the_api(history.commands, case.id))


@pytest.mark.parametrize("stage", [s for s in r.Stage if not s.is_final], ids=lambda s: s.value)
def test_a_party_may_withdraw_in_every_open_stage_over_http(restorative_cases: CaseFactory, stage: r.Stage) -> None:
    history = restorative_cases(stage)
    api = through_the_api(history.commands, history.case.id)
    after = assert_withdrawal_accepted(history, "p1", adapter=api)
    assert api.load(history.case.id) == after.case


@pytest.mark.parametrize("story", [_demo.fulfilled_case, _demo.withdrawn_case], ids=lambda s: s.__name__)
def test_whole_cases_through_the_api_end_as_the_library_ends_them(story: Any) -> None:
    commands, _ = story("case-http")
    api = through_the_api(commands, "case-http")
    expected = None
    for command in commands:
        expected, _ = r.handle(expected, command)
    assert api.load("case-http") == expected
    api.close()
