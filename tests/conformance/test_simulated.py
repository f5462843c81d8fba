"""A simulated log follows the rules: no violation in any format the checker reads, gzipped or not."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import restorative as r
from restorative.conformance import conform, read_log
from restorative.simulation import Scenario, simulate_case

from .conftest import CASES, SCENARIOS
from .logs import rows_of, text_of

NAMES = (
    "events.csv",
    "events.xes",
    "events.ocel.json",
    "events.csv.gz",
    "events.xes.gz",
    "events.ocel.json.gz",
)


@pytest.mark.parametrize("name", NAMES)
def test_a_simulated_log_has_no_violation(simulated: Path, name: str) -> None:
    result = conform(simulated / name)
    assert [] == [str(v) for v in result.violations]
    assert CASES == len(result.cases) == result.conforming
    assert 1.0 == result.fitness
    with (simulated / "events.csv").open(encoding="utf-8") as file:
        assert sum(1 for _ in file) - 1 == result.events == result.fitting
    assert () == result.rules


def test_each_case_is_rebuilt_to_the_stage_the_log_ends_in(simulated: Path) -> None:
    rows = rows_of((simulated / "events.csv").read_text(encoding="utf-8"))
    last = {row["case_id"]: row["stage"] for row in rows}
    result = conform(simulated / "events.csv")
    assert last == {c.case_id: c.case.stage.value for c in result.cases if c.case is not None}
    assert len(set(last.values())) >= 5  # the run reaches most of the final stages


@pytest.mark.parametrize("name", ["events.csv", "events.xes", "events.ocel.json"])
def test_every_format_reads_as_the_same_traces(simulated: Path, name: str) -> None:
    csv_log = read_log(simulated / "events.csv")
    other = read_log(simulated / name)
    assert [t.case_id for t in csv_log.traces] == [t.case_id for t in other.traces]
    for a, b in zip(csv_log.traces, other.traces, strict=True):
        assert [(e.event, e.at, e.actor, e.role) for e in a.events] == [
            (e.event, e.at, e.actor, e.role) for e in b.events
        ]


def _per_kind(simulated: Path, tmp_path: Path) -> tuple[Path, list[dict[str, str]], list[str]]:
    """The simulated CSV as the coming logs write reports: one activity per kind, and a report_kind column."""
    scenario = Scenario.from_toml(SCENARIOS / "norway.toml").replace(seed=16)
    kinds: dict[str, list[str]] = {}
    for index in range(CASES):
        events, case = simulate_case(scenario, index)
        kinds[case.id] = [e.report.kind.value for e in events if isinstance(e, r.ReportSent)]
    text = (simulated / "events.csv").read_text(encoding="utf-8")
    header = list(csv.DictReader(text.splitlines()).fieldnames or [])
    if "report_kind" not in header:
        header.insert(header.index("case_kind") + 1, "report_kind")
    rows = rows_of(text)
    for row in rows:
        row.setdefault("report_kind", "")
        if row["activity"] == "ReportSent" or row["activity"].startswith("Report "):
            kind = kinds[row["case_id"]].pop(0)
            row["activity"], row["report_kind"] = f"Report {kind}", kind
    path = tmp_path / "events.csv"
    path.write_text(text_of(rows, header), encoding="utf-8")
    return path, rows, header


def test_reports_logged_one_activity_per_kind_conform_too(simulated: Path, tmp_path: Path) -> None:
    path, rows, header = _per_kind(simulated, tmp_path)
    assert {"Report agreement", "Report fulfilment", "Report return"} <= {row["activity"] for row in rows}
    result = conform(path)
    assert [] == [str(v) for v in result.violations]
    # a report of the wrong kind is one the rules do not send (R12)
    n = next(n for n, row in enumerate(rows) if row["activity"] == "Report agreement")
    rows[n]["activity"], rows[n]["report_kind"] = "Report return", "return"
    path.write_text(text_of(rows, header), encoding="utf-8")
    [violation] = conform(path).violations
    assert (rows[n]["case_id"], "R12", "Report return") == (violation.case_id, violation.rule, violation.activity)
