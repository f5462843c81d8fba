"""`restorative simulate` and `restorative compare` from the command line."""

from __future__ import annotations

import json
import sys
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
        simulate(Scenario(), out, cases=5, workers=1, force=True)
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


# -- the output folder ------------------------------------------------------------------

RUN = ["simulate", str(SCENARIOS / "norway.toml"), "--cases", "20", "--workers", "1", "--no-plots"]


def _tree(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


def test_out_refuses_a_folder_that_is_not_empty(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    before = _tree(tmp_path)
    assert 1 == main([*RUN, "--out", str(tmp_path)])
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: --out {tmp_path} is not empty (it holds 'notes.txt')")
    assert "add --force" in err[0]
    assert _tree(tmp_path) == before
    from restorative.errors import InvalidInput
    from restorative.simulation import Scenario, simulate

    with pytest.raises(InvalidInput, match="pass force=True") as refused:
        simulate(Scenario(), tmp_path, cases=5, workers=1)
    assert refused.value.field == "out"
    assert _tree(tmp_path) == before


def test_force_replaces_the_files_the_run_writes_and_nothing_else(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    home = tmp_path / "home"  # a user pointing --out at their home folder
    (home / "Documents").mkdir(parents=True)
    (home / "Documents" / "events.csv").write_text("a spreadsheet of theirs", encoding="utf-8")
    (home / ".bashrc").write_text("export PS1=...", encoding="utf-8")
    (home / "events.xes").write_text("not written by this run", encoding="utf-8")
    (home / "funnel.png").write_text("not written by a run without plots", encoding="utf-8")
    (home / "events.csv").write_text("an earlier run's log", encoding="utf-8")
    (home / "kpis.json").write_text("{}", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("kept", encoding="utf-8")
    (home / "scenario.json").symlink_to(elsewhere)
    kept = {
        name: data for name, data in _tree(home).items() if name not in ("events.csv", "kpis.json", "scenario.json")
    }
    assert 0 == main([*RUN, "--out", str(home), "--force"])
    capsys.readouterr()
    after = _tree(home)
    assert {name: after[name] for name in kept} == kept
    assert set(after) == set(kept) | {"events.csv", "kpis.json", "scenario.json", "metadata.json"}
    assert (home / "events.csv").read_text(encoding="utf-8").startswith("case_id,seq,activity")
    assert json.loads((home / "kpis.json").read_text(encoding="utf-8"))["cases"] == 20
    assert not (home / "scenario.json").is_symlink() and elsewhere.read_text(encoding="utf-8") == "kept"


def test_force_leaves_no_earlier_plot_when_plots_cannot_be_drawn(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # restorative[plot] is not installed
    (tmp_path / "funnel.svg").write_text("an earlier run's", encoding="utf-8")
    (tmp_path / "comparison.svg").write_text("compare's, not simulate's", encoding="utf-8")
    run = [a for a in RUN if a != "--no-plots"]
    assert 0 == main([*run, "--out", str(tmp_path), "--force"])
    assert "plots skipped" in capsys.readouterr().err
    assert not (tmp_path / "funnel.svg").exists()
    assert (tmp_path / "comparison.svg").read_text(encoding="utf-8") == "compare's, not simulate's"


def test_force_refuses_a_folder_where_a_file_goes_and_removes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "kpis.json").mkdir()
    (tmp_path / "events.csv").write_text("an earlier run's log", encoding="utf-8")
    before = _tree(tmp_path)
    assert 1 == main([*RUN, "--out", str(tmp_path), "--force"])
    assert "kpis.json is a folder where this run writes a file" in capsys.readouterr().err
    assert _tree(tmp_path) == before


# -- missing extras ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("missing", "args", "said"),
    [
        (("pyarrow", "pyarrow.parquet"), ["--formats", "csv,parquet"], "Parquet export needs pyarrow"),
        (("distributed",), ["--dask", "tcp://127.0.0.1:1"], "running on Dask needs dask.distributed"),
    ],
    ids=["parquet without pyarrow", "dask without distributed"],
)
def test_a_missing_extra_is_one_line_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    missing: tuple[str, ...],
    args: list[str],
    said: str,
) -> None:
    for module in missing:  # as if the extra were not installed: `import` of it fails
        monkeypatch.setitem(sys.modules, module, None)
    new = tmp_path / "new"
    assert 1 == main([*RUN, *args, "--out", str(new)])
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {said}, which is not installed: pip install 'restorative[")
    assert not new.exists()
    used = tmp_path / "used"
    used.mkdir()
    (used / "events.csv").write_text("an earlier run's log", encoding="utf-8")
    assert 1 == main([*RUN, *args, "--out", str(used), "--force"])
    assert capsys.readouterr().err.splitlines() == err
    assert _tree(used) == {"events.csv": b"an earlier run's log"}


def test_an_export_without_pyarrow_says_so_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from restorative.errors import MissingExtra
    from restorative.privacy import export
    from restorative.store import MemoryStore

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(MissingExtra, match="restorative\\[sim\\]") as missing:
        export(MemoryStore(), tmp_path / "out", key=b"0123456789abcdef", formats=("csv", "parquet"))
    assert isinstance(missing.value, ImportError) and missing.value.module == "pyarrow"
    assert not (tmp_path / "out").exists()


# -- flags ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--formats", "csv,pdf"], "argument --formats: unknown format 'pdf'; choose from csv, parquet, xes, ocel"),
        (["--formats", "parquet.gz"], "argument --formats: parquet.gz: a Parquet file compresses its own columns"),
        (["--cases", "0"], "error: --cases 0: must be at least 1, not 0"),
        (["--seed", "-1"], "error: --seed -1: must be at least 0, not -1"),
    ],
)
def test_an_error_about_a_flag_names_the_flag(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], said: str
) -> None:
    try:
        code = main([*RUN, *args, "--out", str(tmp_path / "out")])
    except SystemExit as stopped:  # argparse's own usage errors
        code = int(str(stopped.code))
    assert code in (1, 2)
    err = capsys.readouterr().err
    assert said in err and "scenario key" not in err
    assert not (tmp_path / "out").exists()
