"""The logs as process-mining tools read them: pm4py on every format a run writes."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from restorative.simulation import Scenario, simulate

CASES = 300
REPORTS = {"Report agreement": "agreement", "Report fulfilment": "fulfilment", "Report return": "return"}

pytestmark = pytest.mark.filterwarnings("ignore:Install the optional requirement:UserWarning")


@pytest.fixture(scope="module")
def pm4py() -> Any:
    return pytest.importorskip("pm4py", reason="pm4py is a test-only dependency and is not installed")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run that writes every format."""
    folder = tmp_path_factory.mktemp("run")
    simulate(Scenario(seed=5), folder, cases=CASES, workers=1, formats=("csv", "parquet", "xes", "ocel"))
    return folder


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


# -- reports --------------------------------------------------------------------------


def test_each_report_kind_is_its_own_activity_with_its_kind(run: Path, pm4py: Any) -> None:
    rows = list(_csv_rows(run / "events.csv"))
    reports = Counter((row["activity"], row["report_kind"]) for row in rows if row["report_kind"])
    assert set(reports) == set(REPORTS.items())
    assert not {row["activity"] for row in rows if not row["report_kind"]} & {*REPORTS, "ReportSent"}
    import pyarrow.parquet as pq

    parquet = pq.read_table(run / "events.parquet").to_pydict()
    assert Counter(zip(parquet["activity"], parquet["report_kind"], strict=True)) == Counter(
        (row["activity"], row["report_kind"]) for row in rows
    )
    xes = pm4py.read_xes(str(run / "events.xes"))
    sent = xes[xes["concept:name"].isin(list(REPORTS))]
    assert Counter(zip(sent["concept:name"], sent["report_kind"], strict=True)) == reports
    assert "ReportSent" not in set(xes["concept:name"])
    ocel = pm4py.read_ocel2_json(str(run / "events.ocel.json"))
    events = ocel.events[ocel.events["ocel:activity"].isin(list(REPORTS))]
    assert Counter(zip(events["ocel:activity"], events["report_kind"], strict=True)) == reports


def test_the_directly_follows_graph_keeps_the_report_kinds_apart(run: Path, pm4py: Any) -> None:
    dfg, _starts, ends = pm4py.discover_dfg(pm4py.read_xes(str(run / "events.xes")))
    assert ("AgreementBound", "Report agreement") in dfg
    assert ("Report agreement", "ItemFulfilled") in dfg
    assert not any("ReportSent" in edge for edge in dfg)
    assert {"Report fulfilment", "Report return"} <= set(ends)
    assert "Report agreement" not in ends  # a bound agreement is followed up


# -- XES ------------------------------------------------------------------------------


def test_the_resources_of_the_xes_log_are_people(run: Path, pm4py: Any) -> None:
    rows = list(_csv_rows(run / "events.csv"))
    people = {row["actor"] for row in rows}
    assert len(people) > CASES  # each case's parties are people of their own
    xes = pm4py.read_xes(str(run / "events.xes"))
    assert set(xes["org:resource"]) == people
    assert set(xes["org:role"]) == {"staff", "mediator", "party", "guardian", "participant"} & {r["role"] for r in rows}
    handovers = pm4py.discover_handover_of_work_network(xes)
    found = {person for pair in handovers.connections for person in pair}
    assert found <= people
    assert len(found) > 0.9 * len(people)  # everyone who hands work on to someone else


def test_xes_traces_carry_kind_source_parties_and_outcome(run: Path, pm4py: Any) -> None:
    from restorative.simulation import simulate_case

    xes = pm4py.read_xes(str(run / "events.xes"))
    traces = xes.drop_duplicates("case:concept:name").set_index("case:concept:name")
    assert len(traces) == CASES
    for index in range(0, CASES, 7):
        _events, case = simulate_case(Scenario(seed=5), index)
        trace = traces.loc[case.id]
        assert trace["case:case_kind"] == case.kind.value
        assert trace["case:referral_source"] == case.referral.source.value
        assert trace["case:parties"] == len(case.parties)
        assert trace["case:outcome"] == case.stage.value


def test_xes_events_are_complete_transitions_of_the_standard_lifecycle(run: Path, pm4py: Any) -> None:
    log = pm4py.read_xes(str(run / "events.xes"), return_legacy_log_object=True)
    assert log.attributes["lifecycle:model"] == "standard"
    assert {event["lifecycle:transition"] for trace in log for event in trace} == {"complete"}
