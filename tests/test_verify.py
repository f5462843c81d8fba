"""The exhaustive verifier: every reachable state of bounded cases, every rule, every transition."""

from __future__ import annotations

import functools

import pytest

import restorative as r
from restorative import verify
from restorative.process import MEDIATION


@functools.cache
def two_party() -> verify.Exploration:
    return verify.explore(2)


def test_two_party_cases_hold_every_rule_in_every_state() -> None:
    result = two_party()
    assert result.violations == (), "\n\n".join(str(f) for f in result.violations)
    assert result.ok
    assert result.configurations == len(verify.Configuration.defaults(2))
    assert result.states > 1000
    assert result.transitions > result.states  # states are reached by more than one route
    assert result.refusals > 0


def test_every_stage_is_reached_and_every_machine_transition_exercised() -> None:
    result = two_party()
    assert result.stages == frozenset(r.Stage)
    assert verify.transitions() <= result.exercised
    moves = {(t, s) for t, s, d in verify.transitions() if d is not None}
    assert set(MEDIATION.lifecycle.moves) == moves


def test_three_party_cases_hold_every_rule_in_every_state() -> None:
    result = verify.explore(3, workers=2)
    assert result.violations == (), "\n\n".join(str(f) for f in result.violations)
    assert result.states > two_party().states


def test_four_party_cases_explore() -> None:
    configuration = verify.Configuration(parties=4, kind=r.CaseKind.CIVIL, policy=verify.CUSTOM_POLICY)
    result = verify.explore(configurations=[configuration])
    assert result.violations == ()
    assert result.parties == (4,)
    assert r.Stage.FULFILLED in result.stages


def test_the_summary_is_what_the_cli_prints() -> None:
    summary = two_party().summary()
    assert {"parties", "states", "transitions", "seconds", "violations"} <= set(summary)
    assert summary["parties"] == 2
    assert summary["violations"] == []


def test_workers_do_not_change_the_result() -> None:
    configurations = verify.Configuration.defaults(2)[:4]
    one = verify.explore(configurations=configurations, workers=1)
    two = verify.explore(configurations=configurations, workers=2)
    assert (one.states, one.transitions, one.refusals) == (two.states, two.transitions, two.refusals)
    assert one.exercised == two.exercised


def refuses_follow_up(case: r.Case | None, command: r.Command) -> tuple[r.Event, ...]:
    """A broken decider: nothing happens once the agreement binds, so follow-up never ends."""
    if case is not None and case.stage is r.Stage.FOLLOW_UP:
        raise r.errors.RuleViolation("R11", case.stage, "broken on purpose")
    return r.decide(case, command)


def test_a_dead_end_is_found_with_a_shortest_history() -> None:
    configuration = verify.Configuration(policy=verify.CUSTOM_POLICY)
    result = verify.explore(configurations=[configuration], decide=refuses_follow_up)
    rules = {f.rule for f in result.violations}
    assert "dead-end" in rules
    assert "R1" in rules  # withdrawal is refused in follow-up too
    stuck = next(f for f in result.violations if f.rule == "dead-end")
    assert "follow_up" in stuck.message
    case = None
    for command in stuck.commands:
        case, _ = r.handle(case, command)
    assert case is not None and case.stage is r.Stage.FOLLOW_UP
    text = str(stuck)
    assert text.startswith("dead-end:") and "ReferCase" in text and "SignAgreement" in text


def never_declines(case: r.Case | None, command: r.Command) -> tuple[r.Event, ...]:
    """A broken decider: civil cases can never be declined."""
    if case is not None and isinstance(command, r.DeclineCase):
        raise r.errors.RuleViolation("R17", case.stage, "broken on purpose")
    return r.decide(case, command)


def test_an_unreachable_stage_and_an_unexercised_transition_are_reported() -> None:
    result = verify.explore(2, decide=never_declines)
    messages = {(f.rule, f.message) for f in result.violations}
    assert ("unreached-stage", "no case reached declined") in messages
    assert ("unexercised-transition", "decline from referred -> declined never ran") in messages
    assert result.summary()["violations"]


def test_a_configuration_refuses_impossible_party_counts() -> None:
    with pytest.raises(ValueError, match="2 to 4"):
        verify.Configuration(parties=5)


@functools.cache
def shortest() -> tuple[verify.Path, ...]:
    return verify.paths(2)


def test_there_is_a_path_to_every_stage_and_through_every_transition() -> None:
    targets = {p.target for p in shortest()}
    assert {f"stage {s.value}" for s in r.Stage} <= targets
    assert len(targets) == len(r.Stage) + len(verify.transitions())


def test_paths_are_shortest() -> None:
    by_target = {p.target: p for p in shortest()}
    assert len(by_target["stage referred"].commands) == 1
    assert len(by_target["stage consent"].commands) == 2  # refer, accept
    assert len(by_target["stage withdrawn"].commands) == 2  # refer, withdraw
    assert len(by_target["stage declined"].commands) == 2  # refer (civil), decline
    assert len(by_target["stage fulfilled"].commands) > len(by_target["stage follow_up"].commands)


def _targets() -> list[verify.Path]:
    return list(shortest())


@pytest.mark.parametrize("path", _targets(), ids=lambda p: p.target)
def test_generated_example_for_each_path(path: verify.Path) -> None:
    """Example-based tests generated from the shortest paths: each replays through `handle`."""
    case = None
    events: tuple[r.Event, ...] = ()
    for command in path.commands:
        before = case
        case, events = r.handle(case, command)
    assert case is not None and case.stage is path.stage
    if path.target.startswith("stage "):
        assert case.stage.value == path.target.removeprefix("stage ")
        return
    trigger, _, rest = path.target.partition(": ")
    source = r.Stage(rest.split(" -> ")[0])
    assert before is not None and before.stage is source
    assert trigger in {path.commands[-1].trigger, *(e.trigger for e in events)}
