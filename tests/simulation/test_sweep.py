"""Sweeps: one key over values, replicated with common random numbers (issue 16, item 4)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from restorative._cli import main
from restorative.errors import InvalidInput
from restorative.simulation import Scenario, estimate, simulate, sweep
from restorative.simulation._sweep import parse_values

NORWAY = Path(__file__).parent.parent.parent / "examples" / "scenarios" / "norway.toml"


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return Scenario.from_toml(NORWAY)


def test_every_value_runs_on_the_same_random_numbers(baseline: Scenario) -> None:
    done = sweep(baseline, "behaviour.agreement", [0.6, 0.95], replications=3, cases=120, workers=1)
    assert done.seeds == (baseline.seed, baseline.seed + 1, baseline.seed + 2)
    for low, high in zip(done.runs[0], done.runs[1], strict=True):
        # declines and withdrawals before the meeting are drawn before the varied choice: identical
        assert low["outcomes"]["declined"]["count"] == high["outcomes"]["declined"]["count"]
        assert low["consent_refusals"] == high["consent_refusals"]
    assert done.table[0]["share_no_agreement"].mean > done.table[1]["share_no_agreement"].mean  # type: ignore[operator]
    again = simulate(baseline.replace(behaviour=baseline.behaviour), cases=120, seed=baseline.seed + 1, workers=1)
    assert again.kpis["outcomes"]["declined"] == done.runs[0][1]["outcomes"]["declined"]


def test_the_same_sweep_gives_the_same_table_whatever_the_workers(baseline: Scenario) -> None:
    one = sweep(baseline, "behaviour.decline", [0.05, 0.2], replications=2, cases=80, workers=1)
    two = sweep(baseline, "behaviour.decline", [0.05, 0.2], replications=2, cases=80, workers=2)
    assert one.to_data() == two.to_data()


def test_an_estimate_is_the_mean_with_a_student_t_interval() -> None:
    samples = [0.40, 0.42, 0.45, 0.41, 0.44]
    est = estimate(samples)
    half = 2.776 * statistics.stdev(samples) / 5**0.5  # t(0.975, 4 degrees of freedom)
    mean = statistics.fmean(samples)
    assert est.mean == pytest.approx(mean)
    assert est.low == pytest.approx(mean - half, abs=1e-6)
    assert est.high == pytest.approx(mean + half, abs=1e-6)
    assert estimate([0.5]).low is None and estimate([]).mean is None


@pytest.mark.parametrize(
    ("key", "values", "replications", "named"),
    [
        ("behaviour.nope", [0.1, 0.2], 3, "behaviour.nope"),
        ("behaviour.agreement", [0.5, 1.5], 3, "behaviour.agreement"),
        ("behaviour.agreement", [0.5], 3, "values"),
        ("behaviour.agreement", [0.5, 0.5], 3, "values"),
        ("behaviour.agreement", [0.5, 0.6], 1, "replications"),
        ("seed", [1, 2], 3, "seed"),
        ("nope.agreement", [0.5, 0.6], 3, "nope.agreement"),
    ],
    ids=["unknown-key", "bad-value", "one-value", "twice", "one-replication", "seed", "unknown-table"],
)
def test_a_sweep_that_cannot_run_is_refused_before_any_run(
    baseline: Scenario, key: str, values: list[float], replications: int, named: str
) -> None:
    with pytest.raises(InvalidInput) as refused:  # a ScenarioError for a key or value of the scenario
        sweep(baseline, key, values, replications=replications, cases=10, workers=1)
    assert named in str(refused.value)


def test_a_policy_key_may_be_swept_even_when_the_file_does_not_set_it(baseline: Scenario) -> None:
    done = sweep(baseline, "policy.criminal_cooling_off_days", [0, 14], replications=2, cases=60, workers=1)
    assert list(done.values) == [0, 14]
    assert done.table[0]["days_to_outcome_mean"].mean != done.table[1]["days_to_outcome_mean"].mean


def test_values_from_the_command_line_are_toml_values_or_words() -> None:
    assert parse_values("0.7, 0.9") == (0.7, 0.9)
    assert parse_values("true,false") == (True, False)
    assert parse_values("stops,dialogue_remains") == ("stops", "dialogue_remains")
    with pytest.raises(InvalidInput, match="--vary"):
        parse_values("0.7,,0.9")


def test_the_command_line_writes_the_table_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sweep"
    argv = ["sweep", str(NORWAY), "--vary", "behaviour.agreement=0.7,0.9", "--replications", "2", "--cases", "40"]
    assert 0 == main([*argv, "--workers", "1", "--out", str(out)])
    printed = capsys.readouterr().out
    assert "behaviour.agreement over 2 values x 2 replications" in printed
    written = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert written["values"] == [0.7, 0.9] and written["replications"] == 2
    assert (
        (out / "sweep.csv").read_text(encoding="utf-8").startswith("value,metric,mean,low,high,n\n0.7,share_fulfilled,")
    )
    pytest.importorskip("matplotlib", reason="the plot needs restorative[plot] (matplotlib)")
    assert (out / "sweep.png").is_file()


def test_the_command_line_names_a_bad_vary(capsys: pytest.CaptureFixture[str]) -> None:
    assert 1 == main(["sweep", str(NORWAY), "--vary", "behaviour.agreement", "--cases", "10"])
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--vary" in err
