"""What the simulator does faster gives the same: the CSV log straight from the events, the duration draws."""

from __future__ import annotations

import math
import pickle
import random
from datetime import UTC, datetime, timedelta

import attrs
import pytest

import restorative as r
from restorative._eventlog.formats import formats
from restorative._eventlog.log import case_csv, csv_text
from restorative.simulation import Distribution, Scenario, case_log, run_chunk, simulate_case
from tests.flows import handled

T = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)


def _quoted_case() -> tuple[list[r.Event], r.Case]:
    """A hand-made case whose ids hold what CSV must quote: commas and double quotes."""
    staff = r.Actor(id='staff,"1"', kind=r.ActorKind.STAFF)
    referral = r.Referral(source=r.ReferralSource.PARTIES, kind=r.CaseKind.CIVIL, received_at=T)
    parties = (r.Party(id="a,b", role=r.Role.PARTY), r.Party(id='say "no"', role=r.Role.PARTY))
    commands: list[r.Command] = [
        r.ReferCase(actor=staff, at=T, case_id="c,1", referral=referral, parties=parties),
        r.AcceptCase(actor=staff, at=T + timedelta(hours=1)),
        r.AssignMediator(actor=staff, at=T + timedelta(hours=2), mediator_id='m,"2"'),
        r.InformParty(actor=r.Actor(id='m,"2"', kind=r.ActorKind.MEDIATOR), at=T + timedelta(hours=3), party_id="a,b"),
    ]
    return handled(commands)


def test_the_direct_csv_of_a_case_is_the_csv_of_its_rows() -> None:
    scenario = Scenario(behaviour=attrs.evolve(Scenario().behaviour, decline=0.3, conflict=0.2))
    for index in range(300):
        events, case = simulate_case(scenario, index)
        assert case_csv(events, case) == csv_text([case_log(events, case, objects=False)]), index


def test_a_cell_that_needs_quoting_is_quoted_as_csv_writer_quotes_it() -> None:
    events, case = _quoted_case()
    text = case_csv(events, case)
    assert text == csv_text([case_log(events, case, objects=False)])
    assert '"staff,""1"""' in text and '"party=c,1/a,b"' in text


def test_the_runner_writes_the_same_csv_whichever_formats_come_with_it() -> None:
    scenario = Scenario(seed=11)
    alone, _ = run_chunk(scenario, 0, 120, ("csv",))
    together, _ = run_chunk(scenario, 0, 120, ("xes", "csv", "ocel"))
    assert (
        alone["csv"]
        == together["csv"]
        == formats()["csv"].encode([case_log(*simulate_case(scenario, i)) for i in range(120)])
    )
    assert list(together) == ["xes", "csv", "ocel"]


def _reference(d: Distribution, rng: random.Random) -> float:
    """A draw as the standard library's named methods give it, from `d`'s parameters."""
    p = dict(d.params)
    if d.dist == "fixed":
        x = p["value"]
    elif d.dist == "uniform":
        x = rng.uniform(p["low"], p["high"])
    elif d.dist == "triangular":
        x = rng.triangular(p["low"], p["high"], p["mode"])
    elif d.dist == "exponential":
        x = rng.expovariate(1.0 / p["mean"]) if p["mean"] > 0 else 0.0
    else:
        x = rng.lognormvariate(math.log(p["median"]), p["sigma"]) if p["median"] > 0 else 0.0
    return min(x, 3650.0)


@pytest.mark.parametrize(
    "d",
    [
        Distribution.of("lognormal", median=3, sigma=0.5),
        Distribution.of("lognormal", median=3650, sigma=3),
        Distribution.of("lognormal", median=0, sigma=0.5),
        Distribution.of("exponential", mean=2),
        Distribution.of("exponential", mean=0),
        Distribution.of("uniform", low=14, high=90),
        Distribution.of("triangular", low=1, mode=2, high=5),
        Distribution.of("fixed", value=0.01),
    ],
    ids=repr,
)
def test_a_duration_draws_the_numbers_the_standard_library_draws(d: Distribution) -> None:
    ours, theirs = random.Random(9), random.Random(9)
    assert [d.sample(ours) for _ in range(5000)] == [_reference(d, theirs) for _ in range(5000)]
    assert pickle.loads(pickle.dumps(d)) == d


def test_a_distribution_the_reader_would_refuse_still_fails_when_drawn() -> None:
    odd = Distribution(dist="lognormal", params=(("sigma", 0.5),))
    with pytest.raises(KeyError):
        odd.sample(random.Random(1))
