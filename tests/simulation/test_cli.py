"""`restorative simulate` and `restorative compare` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from restorative._cli import main

SCENARIOS = Path(__file__).parent.parent.parent / "examples" / "scenarios"


def test_simulate_writes_the_log_and_kpis_and_prints_the_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "norway"
    code = main(
        [
            "simulate",
            str(SCENARIOS / "norway.toml"),
            "--cases",
            "250",
            "--seed",
            "4",
            "--out",
            str(out),
            "--workers",
            "1",
            "--formats",
            "csv",
            "--no-plots",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["cases"] == 250 and kpis["scenario"]["seed"] == 4 and kpis["scenario"]["name"] == "norway"
    assert "norway: 250 cases" in printed
    for name, outcome in kpis["outcomes"].items():
        assert f"{name:<14}{outcome['count']:>10,}" in printed
    assert (out / "events.csv").stat().st_size > 0


def test_compare_prints_the_differences(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for name in ("norway", "longer-preparation"):
        args = ["simulate", str(SCENARIOS / f"{name}.toml"), "--cases", "300", "--out", str(tmp_path / name)]
        assert 0 == main([*args, "--workers", "1", "--no-plots"])
    capsys.readouterr()
    assert 0 == main(
        [
            "compare",
            str(tmp_path / "norway"),
            str(tmp_path / "longer-preparation"),
            "--out",
            str(tmp_path / "cmp"),
            "--no-plots",
        ]
    )
    printed = capsys.readouterr().out
    diff = json.loads((tmp_path / "cmp" / "comparison.json").read_text(encoding="utf-8"))
    assert diff["a"] == "norway" and diff["b"] == "longer preparation"
    assert "norway (A) against longer preparation (B)" in printed
    assert diff["median_times"]["time_to_meeting_days"]["difference"] > 0


def test_bad_scenario_and_missing_run_are_clear_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[behaviour]\nconsent = 2\n", encoding="utf-8")
    assert 1 == main(["simulate", str(bad), "--out", str(tmp_path / "x")])
    assert "behaviour.consent" in capsys.readouterr().err
    assert 1 == main(["simulate", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "x")])
    assert "cannot read" in capsys.readouterr().err
    assert 1 == main(["compare", str(tmp_path), str(tmp_path)])
    assert "no kpis.json" in capsys.readouterr().err


def test_files_in_the_way_and_broken_runs_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    scenario = str(SCENARIOS / "norway.toml")
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder", encoding="utf-8")
    for out in (in_the_way, in_the_way / "sub"):
        assert 1 == main(["simulate", scenario, "--cases", "5", "--workers", "1", "--out", str(out), "--no-plots"])
        assert capsys.readouterr().err.startswith("error: ")
    broken = tmp_path / "broken"
    broken.mkdir()
    for text in ("{not json", "[1, 2]", '{"cases": 5}'):
        (broken / "kpis.json").write_text(text, encoding="utf-8")
        assert 1 == main(["compare", str(broken), str(broken)])
        assert "kpis.json" in capsys.readouterr().err


def test_a_failed_run_leaves_no_earlier_kpis_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from restorative.simulation import Scenario, _runner, simulate

    out = tmp_path / "run"
    simulate(Scenario(), out, cases=5, workers=1)
    assert (out / "kpis.json").exists()

    def broken(*args: object) -> None:
        raise OSError("the disk is full")

    monkeypatch.setattr(_runner, "_results", broken)
    with pytest.raises(OSError, match="disk is full"):
        simulate(Scenario(), out, cases=5, workers=1)
    assert not (out / "kpis.json").exists() and not (out / "scenario.json").exists()


def test_worker_counts_below_one_are_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for argv in (["verify", "--workers", "0"], ["simulate", "x.toml", "--out", str(tmp_path), "--workers", "-3"]):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 2
        assert "at least 1" in capsys.readouterr().err
    from restorative.errors import InvalidInput
    from restorative.simulation import Scenario, simulate

    with pytest.raises(InvalidInput, match="workers"):
        simulate(Scenario(), tmp_path / "api", cases=5, workers=0)
    assert not (tmp_path / "api").exists()


def test_paths_says_when_no_target_matches(capsys: pytest.CaptureFixture[str]) -> None:
    assert 1 == main(["paths", "--target", "no such target"])
    assert "no target contains" in capsys.readouterr().err
