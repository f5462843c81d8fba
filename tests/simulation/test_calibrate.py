"""Calibration from a log: the round trip, the fit report, the TOML it writes and the command."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from restorative._cli import main
from restorative.simulation import Calibration, Distribution, Scenario, calibrate, simulate

pytest.importorskip("scipy")

TRUTH = Scenario.from_data(
    {
        "name": "truth",
        "cases": 3000,
        "seed": 11,
        "mix": {
            "criminal": 0.45,
            "parties": {"2": 0.7, "3": 0.2, "4": 0.1},
            "minors": 0.4,
            "admission_at_referral": 0.8,
            "support": 0.25,
            "interpreter": 0.1,
            "guardian_attends": 0.6,
        },
        "behaviour": {
            "decline": 0.2,
            "consent": 0.8,
            "guardian_consent": 0.9,
            "conflict": 0.05,
            "adjourn": 0.1,
            "agreement": 0.75,
            "items": {"1": 0.6, "2": 0.3, "3": 0.1},
            "fulfil_item": 0.8,
            "report_breach": 0.7,
            "withdrawal": {
                "referred": 0.02,
                "consent": 0.03,
                "preparation": 0.05,
                "meeting": 0.02,
                "agreement": 0.02,
                "cooling_off": 0.03,
                "follow_up": 0.02,
            },
            "weekly_withdrawal": 0.02,
        },
        "durations": {
            "accept": {"dist": "lognormal", "median": 4.0, "sigma": 0.6},
            "assign": {"dist": "exponential", "mean": 3.0},
            "inform": {"dist": "lognormal", "median": 1.5, "sigma": 0.4},
            "consent": {"dist": "lognormal", "median": 3.0, "sigma": 0.7},
            "talk": {"dist": "triangular", "low": 1.0, "mode": 2.0, "high": 6.0},
            "schedule": {"dist": "exponential", "mean": 2.5},
            "wait": {"dist": "lognormal", "median": 10.0, "sigma": 0.5},
            "agree": {"dist": "fixed", "value": 0.2},
            "sign": {"dist": "fixed", "value": 0.02},
            "item_deadline": {"dist": "uniform", "low": 30.0, "high": 90.0},
            "report": {"dist": "lognormal", "median": 5.0, "sigma": 0.5},
            "withdraw": {"dist": "lognormal", "median": 4.0, "sigma": 0.6},
            "end_cooling_off": {"dist": "fixed", "value": 0.5},
        },
    }
)
"""Known parameters, none of them the defaults."""


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("truth")
    simulate(TRUTH, folder, workers=1, formats=("csv",))
    return folder / "events.csv"


@pytest.fixture(scope="module")
def small_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short log for the command's tests, which check what it prints and writes, not the estimates."""
    folder = tmp_path_factory.mktemp("small")
    simulate(TRUTH, folder, cases=400, workers=1, formats=("csv",))
    return folder / "events.csv"


@pytest.fixture(scope="module")
def fitted(log: Path) -> Calibration:
    return calibrate(log)


def _true_value(key: str) -> Any:
    """The true value of a dotted key of TRUTH, e.g. ``behaviour.withdrawal.consent`` or ``durations.wait.median``."""
    data: Any = TRUTH.to_data()
    for part in key.split("."):
        data = data[part]
    return data


SHARES = [
    "mix.criminal",
    "mix.parties.2",
    "mix.parties.3",
    "mix.parties.4",
    "mix.minors",
    "mix.admission_at_referral",
    "mix.support",
    "mix.interpreter",
    "mix.guardian_attends",
    "behaviour.decline",
    "behaviour.consent",
    "behaviour.guardian_consent",
    "behaviour.conflict",
    "behaviour.adjourn",
    "behaviour.agreement",
    "behaviour.items.1",
    "behaviour.items.2",
    "behaviour.items.3",
    "behaviour.fulfil_item",
    "behaviour.report_breach",
    *(
        f"behaviour.withdrawal.{stage}"
        for stage in ("referred", "consent", "preparation", "meeting", "agreement", "cooling_off", "follow_up")
    ),
]


@pytest.mark.parametrize("key", SHARES)
def test_each_share_comes_back_within_four_standard_errors(fitted: Calibration, key: str) -> None:
    p = fitted.parameter(key)
    truth = float(_true_value(key))
    se = math.sqrt(truth * (1 - truth) / p.n)  # the estimator's standard error at the true value
    assert abs(p.value - truth) <= 4 * se, (key, p.value, truth, se, p.n)


MLE = [
    "behaviour.weekly_withdrawal",
    "durations.accept.median",
    "durations.accept.sigma",
    "durations.assign.mean",
    "durations.inform.median",
    "durations.inform.sigma",
    "durations.consent.median",
    "durations.consent.sigma",
    "durations.schedule.mean",
    "durations.wait.median",
    "durations.wait.sigma",
    "durations.report.median",
    "durations.report.sigma",
    "durations.withdraw.median",
    "durations.withdraw.sigma",
]


@pytest.mark.parametrize("key", MLE)
def test_each_maximum_likelihood_estimate_comes_back_within_four_standard_errors(fitted: Calibration, key: str) -> None:
    p = fitted.parameter(key)
    assert p.se is not None and p.se > 0
    assert abs(p.value - _true_value(key)) <= 4 * p.se, (key, p.value, _true_value(key), p.se, p.n)


@pytest.mark.parametrize(
    ("step", "dist"),
    [
        ("accept", "lognormal"),
        ("assign", "exponential"),
        ("inform", "lognormal"),
        ("consent", "lognormal"),
        ("talk", "triangular"),
        ("schedule", "exponential"),
        ("wait", "lognormal"),
        ("agree", "fixed"),
        ("sign", "fixed"),
        ("report", "lognormal"),
        ("withdraw", "lognormal"),
        ("end_cooling_off", "fixed"),
    ],
)
def test_each_step_takes_the_shape_it_was_simulated_with(fitted: Calibration, step: str, dist: str) -> None:
    assert dist == getattr(fitted.scenario.durations, step).dist
    assert dist == next(s for s in fitted.steps if s.step == step).chosen


def test_fixed_steps_come_back_exactly(fitted: Calibration) -> None:
    for step in ("agree", "sign", "end_cooling_off"):
        assert getattr(TRUTH.durations, step) == getattr(fitted.scenario.durations, step)


def test_the_triangular_step_has_the_true_mean_within_four_standard_errors(fitted: Calibration) -> None:
    # The ends of a triangle have no regular standard error; its mean has: sd / sqrt(n).
    truth, got = TRUTH.durations.talk, fitted.scenario.durations.talk
    a, c, b = (truth.param(k) for k in ("low", "mode", "high"))
    sd = math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18)
    n = next(s for s in fitted.steps if s.step == "talk").n
    assert abs(got.mean() - truth.mean()) <= 4 * sd / math.sqrt(n)


def test_what_the_log_does_not_show_is_kept_and_listed(fitted: Calibration) -> None:
    kept = dict(fitted.kept)
    assert "durations.item_deadline" in kept and "mix.criminal_minor_ages" in kept
    assert TRUTH.durations.item_deadline != fitted.scenario.durations.item_deadline  # the base scenario's
    assert Scenario().durations.item_deadline == fitted.scenario.durations.item_deadline


def test_the_lognormal_beats_every_other_shape_by_aic(fitted: Calibration) -> None:
    wait = next(s for s in fitted.steps if s.step == "wait")
    aic = {c.dist: c.aic for c in wait.candidates if c.aic is not None}
    assert {"uniform", "triangular", "exponential", "lognormal"} == set(aic)
    assert min(aic, key=lambda k: aic[k]) == "lognormal"


def test_calibrate_then_simulate_reproduces_the_outcome_shares(fitted: Calibration) -> None:
    report = fitted.fit_report(cases=6000, seed=3)
    for name, row in report.outcomes.items():
        assert row["within"], (name, row)
    assert report.emd is not None and report.emd < 2.0  # days, against cycle times of weeks
    text = report.text()
    assert "earth mover's distance" in text and "fulfilled" in text


def test_the_toml_reads_back_as_the_same_scenario(fitted: Calibration, log: Path) -> None:
    from datetime import UTC, datetime

    text = fitted.to_toml(when=datetime(2026, 5, 1, tzinfo=UTC))
    assert fitted.scenario == Scenario.from_toml(text)
    assert f"# sha256 {fitted.sha256}" in text and "events.csv" in text and "2026-05-01T00:00:00+00:00" in text
    assert "# 95 % interval" in text and "# kept from the base scenario" in text


def test_a_distribution_is_fitted_only_with_the_shapes_asked_for(small_log: Path) -> None:
    only = calibrate(small_log, distributions=("exponential",))
    assert {"exponential"} == {d.dist for d in (only.scenario.durations.wait, only.scenario.durations.accept)}


def test_an_unknown_shape_is_refused(small_log: Path) -> None:
    from restorative.errors import InvalidInput

    with pytest.raises(InvalidInput, match="weibull"):
        calibrate(small_log, distributions=("weibull",))


# --- the command ---------------------------------------------------------------------------


def test_the_command_writes_a_scenario_that_simulate_reads(
    small_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fitted.toml"
    assert 0 == main(["calibrate", str(small_log), "--out", str(out), "--check", "500", "--seed", "2"])
    printed = capsys.readouterr().out
    assert "earth mover's distance" in printed and "withdrawn" in printed
    scenario = Scenario.from_toml(out)
    assert "lognormal" == scenario.durations.wait.dist
    assert 0 == main(
        ["simulate", str(out), "--cases", "50", "--out", str(tmp_path / "run"), "--no-plots", "--workers", "1"]
    )


def test_the_command_prints_json(small_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fitted.toml"
    assert 0 == main(["calibrate", str(small_log), "--out", str(out), "--check", "200", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert {"parameters", "steps", "kept", "fit"} <= set(data)
    assert data["fit"]["times"]["time_to_outcome"]["emd"] is not None


def test_the_command_refuses_to_overwrite_without_force(
    small_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fitted.toml"
    out.write_text("kept\n", encoding="utf-8")
    assert 1 == main(["calibrate", str(small_log), "--out", str(out), "--check", "50"])
    err = capsys.readouterr().err.strip().splitlines()
    assert 1 == len(err) and err[0].startswith("error:") and "--force" in err[0] and "--out" in err[0]
    assert "kept\n" == out.read_text(encoding="utf-8")
    assert 0 == main(["calibrate", str(small_log), "--out", str(out), "--check", "50", "--force"])
    assert Scenario.from_toml(out).cases > 0


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.csv", b""),
        ("header.csv", b"case_id,seq,activity,timestamp,role,actor,stage,case_kind,report_kind,objects\n"),
        ("garbage.csv", b"\x00\xff\xfe not a log at all\n\x01,\x02\n"),
        ("hostile.csv", b"case_id,seq,activity,timestamp\nc1,1,DropTables,2026-01-01T00:00:00+00:00\n"),
        ("garbage.xes", b"<log><trace><event>"),
    ],
)
def test_a_bad_log_is_one_error_line_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    out = tmp_path / "fitted.toml"
    assert 1 == main(["calibrate", str(bad), "--out", str(out), "--check", "10"])
    err = capsys.readouterr().err.strip().splitlines()
    assert 1 == len(err) and err[0].startswith("error:") and name in err[0], err
    assert not out.exists()


def test_a_bad_check_count_names_the_flag(small_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fitted.toml"
    with pytest.raises(SystemExit):
        main(["calibrate", str(small_log), "--out", str(out), "--check", "0"])
    assert "--check" in capsys.readouterr().err
    assert not out.exists()


def test_a_missing_log_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert 1 == main(["calibrate", str(tmp_path / "nowhere.csv"), "--out", str(tmp_path / "x.toml")])
    err = capsys.readouterr().err.strip().splitlines()
    assert 1 == len(err) and "nowhere.csv" in err[0]


def test_distribution_of_the_fitted_step_is_a_distribution(fitted: Calibration) -> None:
    assert isinstance(fitted.scenario.durations.wait, Distribution)


def test_the_fit_report_simulates_at_least_check_cases_by_default(
    small_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log of 400 cases is checked against more simulated cases, so that their own noise is small."""
    import restorative.simulation._calibrate as module

    fitted = calibrate(small_log)
    monkeypatch.setattr(module, "CHECK_CASES", 450)
    assert 450 == fitted.fit_report(seed=1).simulated_cases
    monkeypatch.setattr(module, "CHECK_CASES", 10)
    assert fitted.cases == fitted.fit_report(seed=1).simulated_cases


def test_a_base_with_resources_gives_a_plain_scenario(small_log: Path) -> None:
    """The durations a log shows include the waits; a capacity model on top would count them twice."""
    from restorative.simulation import Resources

    fitted = calibrate(small_log, base=Scenario(resources=Resources(councils=1)))
    assert fitted.scenario.resources is None
    assert "[resources" not in fitted.to_toml()
