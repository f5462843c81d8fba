"""The logs as process-mining tools read them: pm4py on every format a run writes."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import restorative
from restorative.simulation import Scenario, simulate, simulate_case

SCHEMA = Path(__file__).with_name("ocel20_schema.json")
FORMATS = ("csv", "csv.gz", "parquet", "xes", "xes.gz", "ocel", "ocel.gz")
GZIPPED = ("events.csv.gz", "events.xes.gz", "events.ocel.json.gz")

CASES = 300
REPORTS = {"Report agreement": "agreement", "Report fulfilment": "fulfilment", "Report return": "return"}

pytestmark = pytest.mark.filterwarnings("ignore:Install the optional requirement:UserWarning")


@pytest.fixture(scope="module")
def pm4py() -> Any:
    return pytest.importorskip("pm4py", reason="pm4py is a test-only dependency and is not installed")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run that writes every format, gzipped too."""
    folder = tmp_path_factory.mktemp("run")
    simulate(Scenario(seed=5), folder, cases=CASES, workers=1, formats=FORMATS)
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


# -- OCEL 2.0 -------------------------------------------------------------------------

JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "float": (int, float),
    "boolean": (bool,),
}


def _check_ocel(data: Any) -> None:
    """`data` validates against the OCEL 2.0 schema, and each value has its declared type."""
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(data, json.loads(SCHEMA.read_text(encoding="utf-8")))
    declared = {
        (section, t["name"]): {a["name"]: a["type"] for a in t["attributes"]}
        for section in ("objectTypes", "eventTypes")
        for t in data[section]
    }
    for section, items in (("objectTypes", data["objects"]), ("eventTypes", data["events"])):
        for item in items:
            types = declared[(section, item["type"])]
            for attribute in item["attributes"]:
                value, kind = attribute["value"], types[attribute["name"]]
                assert isinstance(value, JSON_TYPES[kind]), (item["id"], attribute)
                assert kind == "boolean" or not isinstance(value, bool), (item["id"], attribute)
                if "time" in attribute:
                    assert datetime.fromisoformat(attribute["time"]).tzinfo is not None
            if "time" in item:
                assert datetime.fromisoformat(item["time"]).tzinfo is not None


def test_the_ocel_log_validates_against_the_ocel_2_0_schema(run: Path) -> None:
    data = json.loads((run / "events.ocel.json").read_text(encoding="utf-8"))
    _check_ocel(data)
    types = {t["name"]: {a["name"]: a["type"] for a in t["attributes"]} for t in data["objectTypes"]}
    assert types["case"] == {
        "kind": "string",
        "outcome": "string",
        "parties": "integer",
        "source": "string",
        "stage": "string",
    }
    assert types["party"] == {"minor": "boolean", "role": "string", "withdrawn": "boolean"}
    assert types["agreement"] == {"bound": "boolean", "items": "integer"}


def test_the_schema_refuses_what_is_not_ocel(run: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    whole = json.loads((run / "events.ocel.json").read_text(encoding="utf-8"))
    data = {**whole, "objects": whole["objects"][:5], "events": whole["events"][:5]}
    jsonschema.validate(data, schema)
    broken = [
        {k: v for k, v in data.items() if k != "objectTypes"},
        {**data, "events": [{k: v for k, v in data["events"][0].items() if k != "time"}]},
        {**data, "objects": [{**data["objects"][0], "attributes": [{"name": "kind", "value": "civil"}]}]},
        {**data, "eventTypes": [{"name": "X", "attributes": [{"name": "a", "type": "text"}]}]},
    ]
    for document in broken:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(document, schema)


def test_object_attributes_change_when_the_events_change_them(run: Path, pm4py: Any) -> None:
    data = json.loads((run / "events.ocel.json").read_text(encoding="utf-8"))
    objects = {o["id"]: o for o in data["objects"]}
    times = {e["id"]: e["time"] for e in data["events"]}
    by_case: dict[str, list[dict[str, str]]] = {}
    for row in _csv_rows(run / "events.csv"):
        by_case.setdefault(row["case_id"], []).append(row)
    checked = Counter[str]()
    for index in range(CASES):
        events, case = simulate_case(Scenario(seed=5), index)
        stamps = [e.at.isoformat() for e in events]
        history = [(a["name"], a["value"], a["time"]) for a in objects[case.id]["attributes"]]
        assert history[:5] == [
            ("kind", case.kind.value, stamps[0]),
            ("source", case.referral.source.value, stamps[0]),
            ("parties", len(case.parties), stamps[0]),
            ("stage", "referred", stamps[0]),
            ("outcome", "open", stamps[0]),  # not known at the referral
        ]
        rows = by_case[case.id]
        # every change of stage, at the time of the row that made it
        moves = [
            (r["stage"], r["timestamp"])
            for r, before in zip(rows[1:], rows, strict=False)
            if r["stage"] != before["stage"]
        ]
        assert [(v, t) for n, v, t in history if n == "stage"][1:] == moves
        if case.stage.is_final:
            closing = next(t for n, v, t in history if n == "stage" and v == case.stage.value)
            assert history[-1] == ("outcome", case.stage.value, closing)
            checked["closed"] += 1
        for party in case.parties:
            values = [(a["name"], a["value"]) for a in objects[f"{case.id}/{party.id}"]["attributes"]]
            assert ("withdrawn", False) in values
            assert (("withdrawn", True) in values) is party.withdrawn
        if case.agreement is not None:
            agreement = objects[f"{case.id}/agreement"]["attributes"]
            recorded = next(e.at.isoformat() for e in reversed(events) if type(e).__name__ == "AgreementRecorded")
            assert agreement[0] == {"name": "items", "value": len(case.agreement.items), "time": recorded}
            for item in case.agreement.items:
                status = [
                    (a["value"], a["time"])
                    for a in objects[f"{case.id}/{item.id}"]["attributes"]
                    if a["name"] == "status"
                ]
                assert status[0] == ("open", recorded)
                assert status[-1][0] == item.status.value
                checked["items"] += 1
    assert checked["closed"] > CASES / 2 and checked["items"] > 20
    assert set(times.values()) >= {a["time"] for o in data["objects"] for a in o["attributes"]}

    ocel = pm4py.read_ocel2_json(str(run / "events.ocel.json"))
    changes = ocel.object_changes
    assert len(changes) > CASES  # pm4py reads every later value as a change
    fields = {"stage", "outcome", "withdrawn", "bound", "status"}
    assert fields <= set(changes["ocel:field"]) <= fields | {"minor"}  # a minor's coming of age, if one does
    outcomes = changes[changes["ocel:field"] == "outcome"]
    cases = ocel.objects.set_index("ocel:oid")
    assert set(cases.loc[list(outcomes["ocel:oid"]), "outcome"]) == {"open"}  # the first value is the base
    assert min(changes["ocel:timestamp"]) > min(ocel.events["ocel:timestamp"])


# -- every format, gzipped too --------------------------------------------------------


def test_gzipped_files_hold_the_same_log(run: Path) -> None:
    for name in GZIPPED:
        packed = (run / name).read_bytes()
        assert packed[:2] == b"\x1f\x8b" and packed[4:8] == b"\0\0\0\0"  # gzip, with no time in its header
        assert gzip.decompress(packed) == (run / name.removesuffix(".gz")).read_bytes()
        assert len(packed) < (run / name.removesuffix(".gz")).stat().st_size / 5


def test_pm4py_reads_every_format_gzipped_ones_included(run: Path, pm4py: Any) -> None:
    import pyarrow.csv
    import pyarrow.parquet as pq

    rows = list(_csv_rows(run / "events.csv"))
    frames = {
        name: pm4py.format_dataframe(
            table.to_pandas(), case_id="case_id", activity_key="activity", timestamp_key="timestamp"
        )
        for name, table in (
            ("csv", pyarrow.csv.read_csv(run / "events.csv")),
            ("csv.gz", pyarrow.csv.read_csv(run / "events.csv.gz")),
            ("parquet", pq.read_table(run / "events.parquet")),
        )
    }
    frames["xes"] = pm4py.read_xes(str(run / "events.xes"))
    frames["xes.gz"] = pm4py.read_xes(str(run / "events.xes.gz"))
    expected = pm4py.discover_dfg(frames["xes"])
    for name, frame in frames.items():
        assert len(frame) == len(rows), name
        assert frame["case:concept:name"].nunique() == CASES, name
        assert pm4py.discover_dfg(frame) == expected, name
    for name in ("events.ocel.json", "events.ocel.json.gz"):
        ocel = pm4py.read_ocel2_json(str(run / name))
        assert len(ocel.events) == len(rows), name
        assert set(ocel.objects.loc[ocel.objects["ocel:type"] == "case", "ocel:oid"]) == {r["case_id"] for r in rows}
        assert len(ocel.object_changes) > CASES, name
    _check_ocel(json.loads(gzip.decompress((run / "events.ocel.json.gz").read_bytes())))


def test_the_same_seed_gives_the_same_gzipped_bytes(run: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    simulate(Scenario(seed=5), again, cases=CASES, workers=2, formats=("csv.gz", "xes.gz", "ocel.gz"), chunk=70)
    for name in GZIPPED:
        assert (again / name).read_bytes() == (run / name).read_bytes(), name


# -- what wrote it --------------------------------------------------------------------


def test_every_output_records_the_library_version_and_the_scenario_hash(run: Path, pm4py: Any) -> None:
    import pyarrow.parquet as pq

    meta = {
        "restorative_version": restorative.__version__,
        "scenario_sha256": hashlib.sha256((run / "scenario.json").read_bytes()).hexdigest(),
    }
    for name in ("events.xes", "events.xes.gz"):
        log = pm4py.read_xes(str(run / name), return_legacy_log_object=True)
        assert {key: log.attributes[key] for key in meta} == meta, name
    schema = pq.read_schema(run / "events.parquet")
    assert {key: schema.metadata[key.encode()].decode() for key in meta} == meta
    kpis = json.loads((run / "kpis.json").read_text(encoding="utf-8"))
    assert {key: kpis[key] for key in meta} == meta
    sidecar = json.loads((run / "metadata.json").read_text(encoding="utf-8"))
    assert sidecar == {**meta, "files": sidecar["files"]}
    assert sidecar["files"] == {
        "csv": "events.csv",
        "csv.gz": "events.csv.gz",
        "parquet": "events.parquet",
        "xes": "events.xes",
        "xes.gz": "events.xes.gz",
        "ocel": "events.ocel.json",
        "ocel.gz": "events.ocel.json.gz",
        "kpis": "kpis.json",
        "scenario": "scenario.json",
    }
    assert {p.name for p in run.iterdir()} == set(sidecar["files"].values()) | {"metadata.json"}
