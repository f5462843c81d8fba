"""The resource model against queueing theory: Erlang C, waits that rise with load, and no capacity = plain."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from pathlib import Path

import attrs

from restorative import Event
from restorative.simulation import Scenario, simulate, simulate_case
from restorative.simulation._des import Council

ROOT = Path(__file__).resolve().parents[2]


def _erlang_c_wait(servers: int, arrivals: float, service: float) -> float:
    """The mean wait in an M/M/c queue (days): Erlang C over (c mu - lambda)."""
    a = arrivals / service
    blocked = 1.0
    for k in range(1, servers + 1):
        blocked = a * blocked / (k + a * blocked)  # Erlang B, by recursion
    rho = a / servers
    waits = blocked / (1 - rho * (1 - blocked))
    return waits / (servers * service - arrivals)


def _single_step(per_day: float, servers: int, mean_days: float, cases: int) -> Scenario:
    """Poisson referrals, one staff step with exponential work by `servers` staff, always open: M/M/c."""
    return Scenario.from_toml(f"""
cases = {cases}
referrals_per_year = {per_day * 365.25}
[mix]
criminal = 0.0
[behaviour]
decline = 1.0
[durations]
accept = {{ dist = "fixed", value = 0 }}
[resources]
councils = 1
[resources.staff]
size = {servers}
calendar = "always"
work = {{ dist = "exponential", mean = {mean_days} }}
""")


def _mean_waits(scenario: Scenario, replications: int) -> list[float]:
    return [
        simulate(scenario, seed=seed, workers=1).kpis["resources"]["wait_days"]["accept"]["mean"]
        for seed in range(replications)
    ]


def test_the_mean_wait_of_an_m_m_c_queue_is_erlang_cs() -> None:
    # c = 3 staff, work 1 day on average, 2.1 referrals a day: rho = 0.7, Wq = 0.547 days.
    # Each replication's mean is one sample; the tolerance is three standard errors of their
    # mean (replications are independent: seeds 0..19), so it follows from the estimator.
    scenario = _single_step(2.1, 3, 1.0, 2000)
    means = _mean_waits(scenario, 20)
    expected = _erlang_c_wait(3, 2.1, 1.0)
    se = statistics.stdev(means) / math.sqrt(len(means))
    assert abs(statistics.fmean(means) - expected) <= 3 * se, (statistics.fmean(means), expected, se)
    assert 3 * se < 0.25 * expected  # the test is sharp enough to tell a wrong pool size (c = 2: Wq = 7.1 days)


def test_waiting_rises_with_load() -> None:
    waits = [statistics.fmean(_mean_waits(_single_step(rate, 3, 1.0, 1000), 4)) for rate in (1.2, 1.8, 2.4)]
    expected = [_erlang_c_wait(3, rate, 1.0) for rate in (1.2, 1.8, 2.4)]
    assert waits[0] < waits[1] < waits[2], waits
    assert expected[0] < expected[1] < expected[2]


def test_fewer_mediators_make_cases_wait_longer_for_one() -> None:
    base = Scenario.from_toml(ROOT / "examples" / "scenarios" / "capacity.toml").replace(cases=1200)
    assert base.resources is not None
    waits = []
    for size in (40, 24, 20):
        mediators = attrs.evolve(base.resources.mediators, size=size)
        variant = base.replace(resources=attrs.evolve(base.resources, councils=3, mediators=mediators))
        waits.append(simulate(variant, workers=1).kpis["resources"]["wait_days"]["mediator"]["mean"])
    assert waits[0] < waits[1] < waits[2], waits


_UNLIMITED = """
cases = 3000
[resources]
councils = 1
[resources.mediators]
size = 1000000
calendar = "always"
[resources.rooms]
size = 1000000
calendar = "always"
[resources.staff]
size = 1000000
calendar = "always"
work = { dist = "fixed", value = 0 }
"""


def _welch(a: list[float], b: list[float]) -> float:
    se = math.sqrt(statistics.variance(a) / len(a) + statistics.variance(b) / len(b))
    return (statistics.fmean(a) - statistics.fmean(b)) / se


def test_unlimited_resources_reproduce_the_plain_simulation() -> None:
    unlimited = Scenario.from_toml(_UNLIMITED)
    plain = unlimited.replace(resources=None)
    plain_kpis = simulate(plain, workers=1).kpis
    kpis = simulate(unlimited, workers=1).kpis
    assert kpis["resources"]["wait_days"]["mediator"]["mean"] == 0.0
    assert all(w["mean"] in (None, 0.0) for w in kpis["resources"]["wait_days"].values())
    # Both runs are samples: "within the confidence intervals" is that their 95 % intervals
    # overlap, for each outcome's share (Wilson) and each mean duration (normal, by Welch's z).
    for name, outcome in kpis["outcomes"].items():
        low, high = plain_kpis["outcomes"][name]["ci95"]
        other_low, other_high = outcome["ci95"]
        assert other_low <= high and low <= other_high, (name, outcome["ci95"], (low, high))
    days: dict[str, tuple[list[float], list[float]]] = {"plain": ([], []), "unlimited": ([], [])}
    for index in range(plain.cases):
        events, _ = simulate_case(plain, index)
        _durations(events, days["plain"])
    for events, _, _ in Council(unlimited, 0).run():
        _durations(events, days["unlimited"])
    for which in (0, 1):
        assert abs(_welch(days["plain"][which], days["unlimited"][which])) < 1.96 * math.sqrt(2)


def _durations(events: Sequence[Event], into: tuple[list[float], list[float]]) -> None:
    received = events[0].at
    met = next((e.at for e in events if type(e).__name__ == "MeetingHeld"), None)
    if met is not None:
        into[0].append((met - received).total_seconds() / 86400)
    into[1].append((events[-1].at - received).total_seconds() / 86400)
