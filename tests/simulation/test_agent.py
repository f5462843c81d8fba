"""The agent sends only what the case offers: every simulated command is one `allowed` lists.

The agent does not ask `allowed` before each command (that would double the cost of a
case); whether its choices and `allowed` agree is checked here instead, over hundreds of
cases of scenarios that reach the rare corners.
"""

from __future__ import annotations

from collections import Counter

import attrs
import pytest

import restorative as r
from restorative.commands import Command
from restorative.simulation import Distribution, Scenario, simulate_case
from tests.simulation.test_simulation import ODD_POLICIES, _busy, _instant


def not_offered(before: r.Case | None, command: Command) -> str | None:
    """Why `allowed` would not have offered this command on `before`, or ``None`` if it would."""
    if before is None:  # the opening ReferCase: there is no case to ask yet
        return None
    kind = type(command)
    if kind in r.allowed(before, command.actor, command.at):
        return None
    return f"{before.id}: {command.actor.id} sent {kind.__name__} in stage {before.stage.value}, not offered"


def _scenarios() -> dict[str, Scenario]:
    odd = ODD_POLICIES["no talks, any withdrawal ends"]
    return {
        "norway": Scenario(),
        "busy": _busy(),
        "busy, instant": _instant(_busy()),
        "busy, odd policy": _busy().replace(policy=r.Policy(name="odd", **odd)),
    }


@pytest.mark.parametrize("name", list(_scenarios()))
def test_every_command_the_agent_sends_is_one_allowed_offers(name: str) -> None:
    scenario = _scenarios()[name]
    problems: list[str] = []
    sent: Counter[str] = Counter()

    def observe(before: r.Case | None, command: Command, after: r.Case, events: tuple[r.Event, ...]) -> None:
        sent[type(command).__name__] += 1
        problem = not_offered(before, command)
        if problem is not None:
            problems.append(problem)

    for index in range(150):
        simulate_case(scenario, index, observe)
    assert problems == []
    assert sent["ReferCase"] == 150
    assert len(sent) >= 15  # far more kinds than the opening and closing steps


def test_the_check_sees_a_command_that_was_not_offered() -> None:
    """The oracle above is not blind: the same commands sent by a stranger are all flagged."""
    stranger = r.Actor(id="stranger", kind=r.ActorKind.PARTY)
    real: list[str] = []
    doctored: list[str] = []
    checked: Counter[str] = Counter()

    def observe(before: r.Case | None, command: Command, after: r.Case, events: tuple[r.Event, ...]) -> None:
        if before is None:
            return
        checked[type(command).__name__] += 1
        problem = not_offered(before, command)
        if problem is not None:
            real.append(problem)
        problem = not_offered(before, attrs.evolve(command, actor=stranger))
        if problem is not None:
            doctored.append(problem)

    for index in range(60):
        simulate_case(_busy(), index, observe)
    assert real == []
    assert len(doctored) == sum(checked.values()) > 0


def test_a_simulated_minor_who_comes_of_age_needs_no_guardian_any_more() -> None:
    """strpl § 71 a asks for a guardian's consent while the party is under 18: the agent sees a
    17-year-old who turns 18 before their guardian answered, and starts preparation without it."""
    base = Scenario()
    mix = attrs.evolve(base.mix, minors=1.0, criminal_minor_ages=(17, 17), civil_minor_ages=(17, 17))
    slow = attrs.evolve(base.durations, consent=Distribution.of("fixed", value=90))  # 90 days to answer
    scenario = base.replace(seed=5, mix=mix, durations=slow)
    came_of_age: list[str] = []
    problems: list[str] = []

    def observe(before: r.Case | None, command: Command, after: r.Case, events: tuple[r.Event, ...]) -> None:
        problem = not_offered(before, command)
        if problem is not None:
            problems.append(problem)
        if before is not None and isinstance(command, r.StartPreparation):
            waiting = [p for p in before.active_parties if p.minor and not (p.dispensed or p.guardian_consents)]
            came_of_age.extend(p.id for p in waiting)

    for index in range(300):
        simulate_case(scenario, index, observe)
    assert problems == []
    assert came_of_age
