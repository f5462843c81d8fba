"""Plots of the KPIs: the files, their words, their bytes, and the numbers drawn."""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import attrs
import pytest

pytest.importorskip("matplotlib", reason="the plots need matplotlib (pip install 'restorative[plot]')")

from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from restorative.simulation import OUTCOMES, Scenario, simulate
from restorative.simulation import _plots as plots
from restorative.simulation._kpis import Tally, kpis

RUN_FILES = [f"{stem}.{ext}" for stem in ("funnel", "stage_durations", "time_to_outcome") for ext in ("png", "svg")]
CASES = 400


@attrs.frozen
class Runs:
    a: dict[str, Any]
    b: dict[str, Any]
    a_folder: Path
    plots: Path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    root = tmp_path_factory.mktemp("plots")
    base = Scenario(name="baseline norway", seed=11)
    other = base.replace(name="more declines", behaviour=attrs.evolve(base.behaviour, decline=0.3))
    a = simulate(base, root / "a", cases=CASES, workers=1).kpis
    b = simulate(other, root / "b", cases=CASES, workers=1).kpis
    folder = root / "plots"
    plots.plot_run(a, folder)
    plots.plot_comparison(a, b, folder)
    return Runs(a=a, b=b, a_folder=root / "a", plots=folder)


def _widths(ax: Axes) -> list[float]:
    """The lengths of an axes' horizontal bars, top to bottom as drawn."""
    bars = [patch for patch in ax.patches if isinstance(patch, Rectangle)]
    assert len(bars) == len(ax.patches)
    return [bar.get_width() for bar in bars]


def _svg(runs: Runs, stem: str) -> str:
    return (runs.plots / f"{stem}.svg").read_text(encoding="utf-8")


# --- the files -----------------------------------------------------------------------


def test_the_files_are_png_and_svg_and_a_rerun_gives_the_same_bytes(runs: Runs, tmp_path: Path) -> None:
    folder = tmp_path / "new" / "folder"
    written = plots.plot_run(runs.a, folder) + plots.plot_comparison(runs.a, runs.b, folder)
    assert [p.name for p in written] == [*RUN_FILES, "comparison.png", "comparison.svg"]
    for path in written:
        data = path.read_bytes()
        assert len(data) > 10_000, path.name
        if path.suffix == ".png":
            assert data.startswith(b"\x89PNG\r\n\x1a\n")
        else:
            assert data.startswith(b"<?xml") and data.rstrip().endswith(b"</svg>")
        assert data == (runs.plots / path.name).read_bytes(), f"{path.name} differs from the first run's"


def test_no_date_or_software_stamp_in_the_files(runs: Runs) -> None:
    for stem in ("funnel", "comparison"):
        assert "<dc:date>" not in _svg(runs, stem)
        assert b"Software" not in (runs.plots / f"{stem}.png").read_bytes()


# --- the words -----------------------------------------------------------------------


def test_run_plots_have_titles_axis_labels_with_units_and_the_scenario(runs: Runs) -> None:
    funnel = _svg(runs, "funnel")
    assert f"Outcome funnel: baseline norway, {CASES} cases" in funnel
    assert "cases reaching the stage (count)" in funnel
    assert "share of cases (%), with 95 % Wilson interval" in funnel
    for label in ("referred", "consent", "preparation", "meeting held", "agreement", "follow up"):
        assert f">{label}</text>" in funnel
    for outcome in ("fulfilled", "breached", "withdrawn", "no agreement", "declined"):
        assert f">{outcome}</text>" in funnel
    stages = _svg(runs, "stage_durations")
    assert f"Time in each stage: baseline norway, {CASES} cases" in stages
    assert "days in stage" in stages
    assert "share of stays (%)" in stages
    assert ">cooling off (n = " in stages
    timeline = _svg(runs, "time_to_outcome")
    assert f"Time to meeting and to outcome: baseline norway, {CASES} cases" in timeline
    assert "days since the referral was received" in timeline
    assert "share of all cases (%)" in timeline
    assert "case closed, any outcome" in timeline and "first meeting held" in timeline


def test_comparison_names_both_scenarios(runs: Runs) -> None:
    svg = _svg(runs, "comparison")
    assert "baseline norway (A) against more declines (B)" in svg
    assert f"A: baseline norway ({CASES})" in svg and f"B: more declines ({CASES})" in svg
    assert "A: baseline norway: case closed" in svg and "B: more declines: first meeting held" in svg
    assert "share of cases (%), with 95 % Wilson interval" in svg
    assert "days since the referral was received" in svg
    assert "share of all cases (%)" in svg


# --- the numbers ---------------------------------------------------------------------


def _reach_from_log(folder: Path) -> dict[str, int]:
    """The funnel counted from the event log, without the KPIs: cases seen in each stage, or meeting."""
    seen: dict[str, set[str]] = defaultdict(set)
    with (folder / "events.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            seen[row["stage"]].add(row["case_id"])
            if row["activity"] == "MeetingHeld":
                seen["meeting held"].add(row["case_id"])
    return {
        "referred": len(seen["referred"]),
        "consent": len(seen["consent"]),
        "preparation": len(seen["preparation"]),
        "meeting": len(seen["meeting held"]),
        "agreement": len(seen["agreement"]),
        "follow_up": len(seen["follow_up"]),
    }


def test_funnel_counts_match_the_event_log(runs: Runs) -> None:
    k = runs.a
    # the run must exercise the corrections: re-entries after adjournment, meetings scheduled again
    assert k["adjournments"]["total"] > 0
    assert k["stage_days"]["preparation"]["n"] != _reach_from_log(runs.a_folder)["preparation"]
    counts = plots.funnel_counts(k)
    assert list(counts) == list(plots.FUNNEL)
    assert counts == _reach_from_log(runs.a_folder)
    assert counts["referred"] == CASES
    assert counts["follow_up"] == k["outcomes"]["fulfilled"]["count"] + k["outcomes"]["breached"]["count"]
    assert list(counts.values()) == sorted(counts.values(), reverse=True)


def test_funnel_bars_draw_the_counts_and_shares(runs: Runs) -> None:
    k = runs.a
    fig = plots.funnel_figure(k)
    funnel, outcomes = fig.axes
    assert [round(width) for width in _widths(funnel)] == list(_reach_from_log(runs.a_folder).values())
    shares = _widths(outcomes)
    assert shares == pytest.approx([100 * k["outcomes"][name]["share"] for name in OUTCOMES])
    assert sum(k["outcomes"][name]["count"] for name in OUTCOMES) == CASES
    svg = _svg(runs, "funnel")
    for name in OUTCOMES:
        o = k["outcomes"][name]
        assert f">{o['count']:,} ({100 * o['share']:.1f} %)</text>" in svg


def test_comparison_bars_draw_both_runs_shares(runs: Runs) -> None:
    fig = plots.comparison_figure(runs.a, runs.b)
    bars = _widths(fig.axes[0])
    expected = [100 * k["outcomes"][name]["share"] for k in (runs.a, runs.b) for name in OUTCOMES]
    assert bars == pytest.approx(expected)
    assert runs.a["outcomes"]["declined"]["share"] < runs.b["outcomes"]["declined"]["share"]


def test_cumulative_share_steps_at_the_end_of_each_day() -> None:
    xs, ys = plots.cumulative_share({"2": 1, "0": 2, "5": 1}, cases=8)
    assert xs == [0.0, 1.0, 3.0, 6.0]
    assert ys == [0.0, 25.0, 37.5, 50.0]
    assert plots.cumulative_share({}, cases=0) == ([0.0], [0.0])


def test_the_time_curves_reach_the_share_of_cases_done(runs: Runs) -> None:
    k = runs.a
    _, closed = plots.cumulative_share(k["histograms_days"]["time_to_outcome"], k["cases"])
    _, met = plots.cumulative_share(k["histograms_days"]["time_to_meeting"], k["cases"])
    assert closed[-1] == pytest.approx(100.0)
    assert met[-1] == pytest.approx(100 * k["time_to_meeting_days"]["n"] / CASES)


# --- edges ---------------------------------------------------------------------------


def test_a_run_without_cases_still_plots() -> None:
    empty = kpis(Tally(), {"name": "empty"})
    assert plots.funnel_counts(empty) == dict.fromkeys(plots.FUNNEL, 0)
    figures = [
        plots.funnel_figure(empty),
        plots.stage_durations_figure(empty),
        plots.time_to_outcome_figure(empty),
        plots.comparison_figure(empty, empty),
    ]
    for fig in figures:
        fig.draw_without_rendering()  # lays out and draws every artist, without writing a file
    assert _widths(figures[0].axes[0]) == [0.0] * len(plots.FUNNEL)


def test_without_matplotlib_the_error_says_what_to_install(
    runs: Runs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install 'restorative\[plot\]'"):
        plots.plot_run(runs.a, tmp_path)
    with pytest.raises(ImportError, match="plots need matplotlib"):
        plots.plot_comparison(runs.a, runs.b, tmp_path)
    assert not list(tmp_path.iterdir())
