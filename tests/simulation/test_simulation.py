"""The simulation: same seed same bytes, the real rules, the scenario's odds, and clear refusals."""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest

import restorative as r
from restorative._eventlog.log import csv_text
from restorative.commands import Command
from restorative.errors import InvalidInput, RuleViolation, ScenarioError, SimulationError
from restorative.simulation import (
    OUTCOMES,
    Distribution,
    Scenario,
    Tally,
    case_log,
    compare,
    run_chunk,
    simulate,
    simulate_case,
    wilson,
)
from restorative.verify import _oracle as _invariants

ROOT = Path(__file__).parent.parent.parent
SCENARIOS = ROOT / "examples" / "scenarios"


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


# --- determinism -------------------------------------------------------------------


ALL_FORMATS = ("csv", "parquet", "xes", "ocel")


def test_same_seed_gives_the_same_bytes_whatever_the_number_of_workers(tmp_path: Path) -> None:
    scenario = Scenario(name="determinism", seed=7)
    one = simulate(scenario, tmp_path / "one", cases=1200, workers=1, formats=ALL_FORMATS, chunk=250)
    two = simulate(scenario, tmp_path / "two", cases=1200, workers=2, formats=ALL_FORMATS, chunk=250)
    assert one.workers == 1 and two.workers == 2
    digests = _digest(tmp_path / "one")
    expected = {
        "events.csv",
        "events.parquet",
        "events.xes",
        "events.ocel.json",
        "kpis.json",
        "scenario.json",
        "metadata.json",
    }
    assert expected == set(digests)
    assert digests == _digest(tmp_path / "two")
    # another interpreter with another hash seed (set and dict orders) writes the same bytes
    code = (
        "import sys; from restorative.simulation import Scenario, simulate;"
        "simulate(Scenario(name='determinism', seed=7), sys.argv[1], cases=1200, workers=1,"
        " formats=('csv', 'parquet', 'xes', 'ocel'), chunk=250)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "three")], check=True, env=env)
    assert _digest(tmp_path / "three") == digests
    other = simulate(scenario, tmp_path / "other", cases=1200, seed=8, workers=1, chunk=250)
    assert other.kpis != one.kpis
    assert _digest(tmp_path / "other")["events.csv"] != digests["events.csv"]


def test_a_case_depends_on_its_index_and_seed_alone() -> None:
    scenario = Scenario(seed=3)
    alone = csv_text([case_log(*simulate_case(scenario, 41))]).splitlines()
    in_a_chunk, _tally = run_chunk(scenario, 40, 43, ("csv",))
    rows = [line for line in in_a_chunk["csv"].splitlines() if line.startswith("sim-0000041,")]
    assert rows == alone
    assert csv_text([case_log(*simulate_case(scenario.replace(seed=4), 41))]).splitlines() != alone


def test_the_csv_has_a_row_per_event_and_the_kpis_count_every_case(tmp_path: Path) -> None:
    result = simulate(Scenario(), tmp_path, cases=300, workers=1)
    lines = (tmp_path / "events.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",") == list(r.simulation.COLUMNS)
    cases = Counter(line.split(",", 1)[0] for line in lines[1:])
    assert len(cases) == 300 == result.kpis["cases"]
    assert sum(cases.values()) == result.kpis["events"]
    assert sum(o["count"] for o in result.kpis["outcomes"].values()) == 300
    expected = Counter(simulate_case(Scenario(), i)[1].stage.value for i in range(300))
    assert {k: v["count"] for k, v in result.kpis["outcomes"].items() if v["count"]} == dict(expected)


# --- the real rules ----------------------------------------------------------------


def _busy() -> Scenario:
    """A scenario that exercises everything: minors, support, interpreters, conflicts,
    adjournments, many parties, withdrawals in every stage."""
    base = Scenario()
    return base.replace(
        seed=11,
        mix=attrs.evolve(base.mix, minors=0.6, support=0.5, interpreter=0.5, parties=((2, 0.4), (3, 0.3), (4, 0.3))),
        behaviour=attrs.evolve(
            base.behaviour,
            conflict=0.3,
            adjourn=0.3,
            withdrawal=tuple((stage, 0.15) for stage, _ in base.behaviour.withdrawal),
            weekly_withdrawal=0.05,
        ),
    )


def _instant(scenario: Scenario) -> Scenario:
    """Every step takes no time at all: ties in time everywhere."""
    zero = Distribution.of("fixed", value=0)
    return scenario.replace(
        durations=r.simulation.Durations(**{f.name: zero for f in attrs.fields(r.simulation.Durations)})
    )


ODD_POLICIES: dict[str, dict[str, Any]] = {
    "busy": {},
    "no talks, any withdrawal ends": {
        "preparatory_talks_required": False,
        "continuation": r.Continuation.ANY_WITHDRAWAL_ENDS,
    },
    "short deadlines, one mediator": {"longest_item_deadline_days": 20, "max_mediators": 1},
    "civil cooling-off, no criminal one": {"civil_cooling_off_by_default": True, "criminal_cooling_off_days": 0},
}


@pytest.mark.parametrize("instant", [False, True], ids=["timed", "instant"])
@pytest.mark.parametrize("policy", list(ODD_POLICIES), ids=list(ODD_POLICIES))
def test_every_simulated_case_keeps_every_rule_and_replays_to_its_final_case(policy: str, instant: bool) -> None:
    scenario = _busy().replace(policy=r.Policy(name=policy, **ODD_POLICIES[policy]))
    if instant:
        scenario = _instant(scenario)
    violations: list[str] = []
    commands: Counter[str] = Counter()

    def observe(before: r.Case | None, command: Command, after: r.Case, events: tuple[r.Event, ...]) -> None:
        commands[type(command).__name__] += 1
        if before is not None:
            violations.extend(str(v) for v in _invariants.accepted(before, command, after, events))

    stages: Counter[str] = Counter()
    for index in range(250):
        events, case = simulate_case(scenario, index, observe)
        violations.extend(str(v) for v in _invariants.history(events, case))
        assert r.replay(events) == case
        assert case.stage in r.FINAL_STAGES
        stages[case.stage.value] += 1
    assert violations == []
    assert set(stages) == set(OUTCOMES)
    # the walk reaches the rare corners it was set up for
    for name in (
        "DeclareConflict",
        "AdjournMeeting",
        "GiveGuardianConsent",
        "DispenseGuardianConsent",
        "ProposeParticipant",
        "DiscloseParticipant",
        "EndCoolingOff",
        "CheckDeadlines",
        "Withdraw",
    ):
        assert commands[name] > 0, name


def test_the_observer_would_see_a_broken_rule() -> None:
    """The oracle used above is not blind: a doctored case after a command is reported."""
    found: list[str] = []

    def observe(before: r.Case | None, command: Command, after: r.Case, events: tuple[r.Event, ...]) -> None:
        if before is not None and isinstance(command, r.StartPreparation):
            doctored = attrs.evolve(after, stage=r.Stage.MEETING)
            found.extend(v.rule for v in _invariants.accepted(before, command, doctored, events))

    for index in range(30):
        simulate_case(Scenario(), index, observe)
    assert found


def test_exports_carry_no_free_text() -> None:
    """Item wording and decline reasons are in the events, never in any export."""
    scenario = Scenario(behaviour=attrs.evolve(Scenario().behaviour, decline=0.5))
    texts = []
    for index in range(200):
        events, _case = simulate_case(scenario, index)
        for event in events:
            texts += [i.description for i in getattr(event, "items", ())]
            texts += [event.reason] if isinstance(event, r.CaseDeclined) else []
    assert any("(simulated)" in t for t in texts) and "not suitable for mediation" in texts
    chunk, _ = run_chunk(scenario, 0, 200, ALL_FORMATS)
    for name in ("csv", "xes"):
        assert "CaseDeclined" in chunk[name] and "AgreementRecorded" in chunk[name]
        assert not any(t in chunk[name] for t in texts), name
    ocel = chunk["ocel"]
    assert not any(t in ocel.events or t in ocel.objects for t in texts)


# --- the scenario's odds -----------------------------------------------------------


def _expected_shares(s: Scenario) -> dict[str, float]:
    """Outcome shares that a simple 2-party, 1-item scenario implies, computed by hand."""
    b = s.behaviour
    w = dict(b.withdrawal)
    civil = 1 - s.mix.criminal
    declined = civil * b.decline
    accepted = 1 - declined - w["referred"]
    survive_consent = (1 - w["consent"]) * b.consent**2
    reached_meeting = accepted * survive_consent * (1 - w["preparation"])
    agreed = reached_meeting * b.agreement
    return {
        "declined": declined,
        "no_agreement": reached_meeting * (1 - b.agreement),
        "fulfilled": agreed * b.fulfil_item,
        "breached": agreed * (1 - b.fulfil_item),
        "withdrawn": 1 - declined - reached_meeting,
    }


def test_outcome_shares_match_the_scenarios_probabilities() -> None:
    base = Scenario()
    scenario = base.replace(
        seed=5,
        mix=attrs.evolve(base.mix, parties=((2, 1.0),), minors=0.0),
        behaviour=attrs.evolve(
            base.behaviour,
            decline=0.2,
            consent=0.8,
            conflict=0.1,
            adjourn=0.0,
            agreement=0.7,
            items=((1, 1.0),),
            fulfil_item=0.75,
            weekly_withdrawal=0.0,  # the shares below have no term for waiting
            withdrawal=(
                ("referred", 0.0),
                ("consent", 0.05),
                ("preparation", 0.1),
                ("meeting", 0.0),
                ("agreement", 0.0),
                ("cooling_off", 0.0),
                ("follow_up", 0.0),
            ),
        ),
    )
    n = 6000
    result = simulate(scenario, None, cases=n, workers=1)
    expected = _expected_shares(scenario)
    assert math.isclose(sum(expected.values()), 1.0)
    for name, p in expected.items():
        share = result.kpis["outcomes"][name]["share"]
        se = math.sqrt(p * (1 - p) / n)
        assert abs(share - p) < 4.5 * se, (name, share, p)
        low, high = result.kpis["outcomes"][name]["ci95"]
        assert low <= share <= high


def _plain(**behaviour: Any) -> Scenario:
    """2 parties, everyone consents, nothing declined or withdrawn unless asked."""
    base = Scenario(seed=21)
    quiet = {
        "decline": 0.0,
        "consent": 1.0,
        "conflict": 0.0,
        "adjourn": 0.0,
        "agreement": 1.0,
        "fulfil_item": 1.0,
        "withdrawal": tuple((stage, 0.0) for stage, _ in base.behaviour.withdrawal),
        "weekly_withdrawal": 0.0,
    }
    return base.replace(
        mix=attrs.evolve(base.mix, parties=((2, 1.0),), minors=0.0),
        behaviour=attrs.evolve(base.behaviour, **{**quiet, **behaviour}),
    )


def _share(scenario: Scenario, outcome: str, n: int = 2000) -> float:
    return float(simulate(scenario, None, cases=n, workers=1).kpis["outcomes"][outcome]["share"])


def test_waiting_costs_cases_even_when_the_wait_ends_the_stage() -> None:
    # One week of waiting to schedule the meeting (preparation -> meeting), nothing else takes time:
    # with a weekly chance of 1/2, half the cases lose a party.
    zero = Distribution.of("fixed", value=0)
    timed = {f.name: zero for f in attrs.fields(r.simulation.Durations)}
    scenario = _plain(weekly_withdrawal=0.5).replace(
        durations=r.simulation.Durations(**{**timed, "schedule": Distribution.of("fixed", value=7)})
    )
    share = _share(scenario, "withdrawn")
    assert abs(share - 0.5) < 4.5 * math.sqrt(0.25 / 2000), share


def test_a_stage_chance_is_drawn_once_however_often_the_stage_is_entered() -> None:
    # Every meeting is adjourned twice, so preparation is entered three times; its chance still applies once.
    withdrawal = tuple((stage, 0.5 if stage == "preparation" else 0.0) for stage, _ in Scenario().behaviour.withdrawal)
    scenario = _plain(adjourn=1.0, max_adjournments=2, withdrawal=withdrawal)
    share = _share(scenario, "withdrawn")
    assert abs(share - 0.5) < 4.5 * math.sqrt(0.25 / 2000), share


def test_items_due_soon_are_not_breached_by_the_cooling_off_period() -> None:
    base = _plain(items=((3, 1.0),))
    scenario = base.replace(
        mix=attrs.evolve(base.mix, criminal=1.0),
        durations=attrs.evolve(base.durations, item_deadline=Distribution.of("uniform", low=1, high=20)),
    )
    assert _share(scenario, "fulfilled", 500) == 1.0


def test_a_refusal_in_a_worker_reaches_the_caller_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug that makes the rules refuse a simulated command surfaces as SimulationError, even from the pool."""
    from restorative.simulation import _agent

    real = r.handle

    def picky(case: r.Case | None, command: Command) -> tuple[r.Case, tuple[r.Event, ...]]:
        if case is not None and case.id == "sim-0000077" and isinstance(command, r.StartPreparation):
            raise RuleViolation("R4", case.stage, "doctored for the test")
        return real(case, command)

    monkeypatch.setattr(_agent, "handle", picky)  # the pool's workers are forked after this
    for workers in (1, 2):
        with pytest.raises(SimulationError) as caught:
            simulate(
                Scenario(seed=1, behaviour=attrs.evolve(Scenario().behaviour, consent=1.0)),
                None,
                cases=300,
                workers=workers,
                chunk=50,
            )
        assert caught.value.index == 77 and caught.value.case_id == "sim-0000077"
        assert "R4" in str(caught.value) and "doctored" in str(caught.value)


def test_a_longer_preparation_moves_the_meeting_later() -> None:
    base = Scenario(seed=2)
    slower = base.replace(durations=attrs.evolve(base.durations, talk=Distribution.of("fixed", value=10)))
    a = simulate(base, None, cases=600, workers=1).kpis
    b = simulate(slower, None, cases=600, workers=1).kpis
    diff = compare(a, b)
    assert diff["median_times"]["time_to_meeting_days"]["difference"] > 10
    assert b["stage_days"]["preparation"]["median"] > a["stage_days"]["preparation"]["median"] + 10


# --- KPIs -----------------------------------------------------------------------------


def test_tallies_merge_to_the_tally_of_all_cases() -> None:
    scenario = Scenario(seed=9)
    runs = [simulate_case(scenario, i) for i in range(120)]
    whole = Tally()
    for events, case in runs:
        whole.add(events, case)
    parts = Tally()
    for start in range(0, 120, 50):
        part = Tally()
        for events, case in runs[start : start + 50]:
            part.add(events, case)
        parts.merge(part)
    scenario_data: dict[str, Any] = {"name": "x"}
    assert r.simulation._kpis.kpis(parts, scenario_data) == r.simulation._kpis.kpis(whole, scenario_data)
    assert whole.cases == 120 and whole.events == sum(len(e) for e, _ in runs)


def test_wilson_interval_brackets_the_share_and_narrows_with_more_cases() -> None:
    for count, n in ((0, 10), (3, 10), (10, 10), (300, 1000)):
        low, high = wilson(count, n)
        assert 0 <= low <= count / n <= high <= 1
    assert wilson(3000, 10000)[1] - wilson(3000, 10000)[0] < wilson(30, 100)[1] - wilson(30, 100)[0]


def test_case_log_rows_follow_the_events() -> None:
    events, case = simulate_case(Scenario(seed=1), 3)
    log = case_log(events, case)
    assert [row.activity for row in log.rows] == [type(e).__name__ for e in events]
    assert [row.seq for row in log.rows] == list(range(1, len(events) + 1))
    assert log.rows[-1].stage == case.stage.value
    assert log.objects[0].id == case.id and log.objects[0].type == "case"


# --- scenarios ------------------------------------------------------------------------


def test_the_shipped_scenarios_load_and_variants_change_only_what_they_say() -> None:
    norway = Scenario.from_toml(SCENARIOS / "norway.toml")
    assert norway.name == "norway" and norway.referrals_per_year == 7000 and norway.mix.criminal == 0.5
    assert Scenario.from_data(json.loads(json.dumps(norway.to_data()))) == norway
    slower = Scenario.from_toml(SCENARIOS / "longer-preparation.toml")
    assert slower.durations.talk.param("median") > norway.durations.talk.param("median")
    assert slower.replace(name="norway", description=norway.description, durations=norway.durations) == norway
    no_cooling = Scenario.from_toml(SCENARIOS / "no-cooling-off.toml")
    assert no_cooling.policy.criminal_cooling_off_days == 0
    assert no_cooling.mix == norway.mix and no_cooling.durations == norway.durations


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("cases = 10\nunknown = 1", "unknown"),
        ("[behaviour]\nconsent = 1.5", "behaviour.consent"),
        ("[behaviour]\nconsent = -0.1", "behaviour.consent"),
        ("[behaviour]\nhapiness = 0.5", "behaviour.hapiness"),
        ("[behaviour.withdrawal]\nmeeting = 2", "behaviour.withdrawal.meeting"),
        ("[behaviour.withdrawal]\nlunch = 0.1", "behaviour.withdrawal.lunch"),
        ('[durations]\nwait = { dist = "lognormal", median = -3, sigma = 0.5 }', "durations.wait.median"),
        ('[durations]\nwait = { dist = "normal", mean = 3 }', "durations.wait.dist"),
        ('[durations]\nwait = { dist = "fixed" }', "durations.wait.value"),
        ('[durations]\nwait = { dist = "fixed", value = 1, extra = 2 }', "durations.wait.extra"),
        ('[durations]\nlunch = { dist = "fixed", value = 1 }', "durations.lunch"),
        ('[mix]\nparties = { "2" = 0.5, "3" = 0.4 }', "mix.parties"),
        ('[mix]\nparties = { "7" = 1.0 }', "mix.parties.7"),
        ("[mix]\ncriminal = true", "mix.criminal"),
        ("[policy]\nmax_mediators = 0", "policy.max_mediators"),
        ("[policy]\nsnacks = true", "policy.snacks"),
        ("cases = 0", "cases"),
        ('start = "yesterday"', "start"),
        ("start = 2026-01-05T08:00:00", "start"),
        ("cases = [", "(file)"),
        ("referrals_per_year = 0.5", "referrals_per_year"),
        ("cases = 100000\nreferrals_per_year = 10", "referrals_per_year"),
        ('[durations]\nwait = { dist = "lognormal", median = 3, sigma = 5 }', "durations.wait.sigma"),
        ('[durations]\nwait = { dist = "fixed", value = 1e7 }', "durations.wait.value"),
        ("[policy]\nage_of_majority = 16\ncivil_dispensation_age = 15", "mix.criminal_minor_ages"),
        (r'name = "a\u0007b"', "name"),
        ("start = 0001-01-01T00:00:00Z", "start"),
        ("start = 9999-12-01T00:00:00Z", "start"),
    ],
)
def test_bad_scenarios_are_refused_naming_the_key(text: str, key: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        Scenario.from_toml(text)
    assert refused.value.key == key
    assert key in str(refused.value)


def test_a_scenario_built_in_code_is_checked_too() -> None:
    with pytest.raises(ScenarioError, match=r"behaviour\.agreement"):
        Scenario(behaviour=attrs.evolve(Scenario().behaviour, agreement=3.0))
    with pytest.raises(ScenarioError, match=r"behaviour\.withdrawal\.lunch"):
        Scenario(behaviour=attrs.evolve(Scenario().behaviour, withdrawal=(("lunch", 0.1),)))
    # stages left out have no withdrawal; a start in another zone is kept in UTC
    partial = Scenario(behaviour=attrs.evolve(Scenario().behaviour, withdrawal=(("meeting", 0.5),)))
    assert dict(partial.behaviour.withdrawal) == {
        s: (0.5 if s == "meeting" else 0.0) for s in dict(partial.behaviour.withdrawal)
    }
    assert len(partial.behaviour.withdrawal) == 7
    oslo = datetime(2026, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    assert Scenario(start=oslo).start == oslo and Scenario(start=oslo).start.tzinfo is UTC


def test_a_base_file_that_is_missing_or_circular_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('base = "b.toml"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('base = "a.toml"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="cycle"):
        Scenario.from_toml(tmp_path / "a.toml")
    (tmp_path / "c.toml").write_text('base = "missing.toml"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="cannot read"):
        Scenario.from_toml(tmp_path / "c.toml")


def test_a_scenario_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    (tmp_path / "latin1.toml").write_bytes('name = "Tromsø"\n'.encode("latin-1"))
    with pytest.raises(ScenarioError, match="not UTF-8"):
        Scenario.from_toml(tmp_path / "latin1.toml")


def test_draws_of_unbounded_shapes_are_cut_at_ten_years() -> None:
    wide = Distribution.of("lognormal", median=3650, sigma=3)
    rng = random.Random(7)
    draws = [wide.sample(rng) for _ in range(2000)]
    assert max(draws) == 3650.0  # the tail is cut, not the body: the median stays where it was
    assert sum(d < 3650 for d in draws) > 900
    scenario = Scenario.from_toml('[durations]\nwait = { dist = "lognormal", median = 3650, sigma = 3 }\n')
    events, case = simulate_case(scenario, 0)  # once overflowed a datetime
    assert case.stage.is_final and events


def test_the_log_starts_when_the_referral_is_received() -> None:
    for index in range(20):  # so the KPIs' time zero is in every export
        events, case = simulate_case(Scenario(), index)
        assert events[0].at == case.referral.received_at


def test_no_item_falls_due_before_its_agreement_binds() -> None:
    """Deadlines count from binding, however long signing and ending the cooling-off take."""
    scenario = Scenario.from_toml(
        "[behaviour]\nfulfil_item = 1.0\n"
        "[behaviour.withdrawal]\nagreement = 0.0\ncooling_off = 0.0\nfollow_up = 0.0\n"
        '[durations]\nend_cooling_off = { dist = "fixed", value = 10 }\n'
        'item_deadline = { dist = "fixed", value = 2 }\nsign = { dist = "uniform", low = 0, high = 3 }\n'
    )
    tally = Tally()
    bound = 0
    for index in range(300):
        events, case = simulate_case(scenario, index)
        tally.add(events, case)
        binding = [e.at for e in events if isinstance(e, r.AgreementBound)]
        if binding and case.agreement is not None:
            bound += 1
            assert all(item.deadline > binding[0] for item in case.agreement.items)
    assert bound > 50
    assert tally.outcomes["breached"] == 0 and tally.outcomes["fulfilled"] == bound


def test_a_withdrawal_while_signing_does_not_push_binding_past_the_deadlines() -> None:
    scenario = Scenario.from_toml(
        "[mix]\ncriminal = 1.0\nparties = { 4 = 1.0 }\n[behaviour]\nagreement = 1.0\n"
        '[behaviour.withdrawal]\nagreement = 1.0\n[durations]\nwithdraw = { dist = "fixed", value = 60 }\n'
    )
    bound = 0
    for index in range(250):
        events, case = simulate_case(scenario, index)
        binding = [e.at for e in events if isinstance(e, r.AgreementBound)]
        if binding and case.agreement is not None:
            bound += 1
            assert all(item.deadline > binding[0] for item in case.agreement.items), index
    assert bound > 50  # the case goes on after a withdrawal by a party who owes nothing


def test_a_consent_refusal_is_a_no_when_asked_and_nothing_else() -> None:
    scenario = Scenario.from_toml("[behaviour]\nconsent = 1.0\nguardian_consent = 1.0\nweekly_withdrawal = 0.05\n")
    tally = Tally()
    for index in range(400):
        tally.add(*simulate_case(scenario, index))
    assert tally.consent_refusals == 0  # everybody says yes; the random withdrawals are counted as withdrawals
    assert tally.party_withdrawals["consent"] > 0
    refusing = Scenario.from_toml("[behaviour]\nconsent = 0.5\n")
    tally = Tally()
    for index in range(400):
        tally.add(*simulate_case(refusing, index))
    assert tally.consent_refusals > 100


def test_an_item_deadline_cap_within_the_cooling_off_period_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"policy\.longest_item_deadline_days"):
        Scenario.from_toml("[policy]\nlongest_item_deadline_days = 10\n")  # Norway's criminal cooling-off is 14


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="unknown format 'xlsx'") as refused:
        simulate(Scenario(), tmp_path, cases=10, workers=1, formats=("csv", "xlsx"))
    assert refused.value.field == "formats" and "scenario key" not in str(refused.value)


def test_the_worked_study_in_the_docs_reproduces() -> None:
    """docs/simulation.md quotes a run of examples/whatif.py; the same seed must still give it."""
    committed = json.loads((ROOT / "docs" / "img" / "simulation" / "norway" / "kpis.json").read_text(encoding="utf-8"))
    again = simulate(Scenario.from_toml(SCENARIOS / "norway.toml"), None, cases=committed["cases"], workers=2).kpis
    again["scenario"] = committed["scenario"]  # the folder is not part of the figures
    again["restorative_version"] = committed["restorative_version"]  # nor is the version that wrote them
    assert again == committed, "rerun: python examples/whatif.py --cases 7000 --out docs/img/simulation"
    page = (ROOT / "docs" / "simulation.md").read_text(encoding="utf-8")
    for name, outcome in committed["outcomes"].items():
        assert f"{name:<14}{outcome['count']:>10,}" in page
