"""`restorative conform` from the command line: the report in words or JSON, and its exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from restorative._cli import main

from .conftest import CASES
from .logs import Row, fulfilled, index, planted


def test_a_log_that_follows_the_rules_exits_0(simulated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["conform", str(simulated / "events.csv")])
    printed = capsys.readouterr().out.splitlines()
    assert f"{simulated / 'events.csv'} (csv): {CASES} cases" in printed[0]
    assert f"cases that follow the rules: {CASES} of {CASES} (100.0 %)" == printed[1]
    assert "violations: none" == printed[-1]


def test_a_log_that_breaks_a_rule_exits_2_and_names_the_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def plant(rows: list[Row]) -> None:
        rows.pop(index(rows, "PartyInformed"))

    path = planted(fulfilled(), plant, tmp_path / "events.csv")
    assert 2 == main(["conform", str(path)])
    printed = capsys.readouterr().out
    assert "  R3       1 case  (100.0 %)" in printed.splitlines()
    assert "case-1, event 4 ConsentGiven (line 5): R3 in stage consent: harmed must be informed" in printed


def test_json_is_one_document_with_every_case(
    simulated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.log"  # a name that says nothing: --format does
    shutil.copy(simulated / "events.xes", path)
    assert 0 == main(["conform", str(path), "--format", "xes", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert ("xes", CASES, CASES, 1.0, []) == (
        document["format"],
        document["cases"],
        document["conforming_cases"],
        document["fitness"],
        document["rules"],
    )
    assert CASES == len(document["per_case"]) and document["per_case"][0]["first"] is None


def test_json_names_each_first_violation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def plant(rows: list[Row]) -> None:
        rows[:] = [row for row in rows if row["activity"] != "PreparatoryTalkHeld"]

    assert 2 == main(["conform", str(planted(fulfilled(), plant, tmp_path / "events.csv")), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert [{"rule": "R6", "cases": 1, "share": 1.0}] == document["rules"]
    [case] = document["per_case"]
    assert ("MeetingScheduled", "R6", "preparation") == (
        case["first"]["activity"],
        case["first"]["rule"],
        case["first"]["stage"],
    )
    assert case["fitness"] < 1.0
