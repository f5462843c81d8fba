"""The XES and OCEL 2.0 exports: well-formed, chunking-independent, escaped, and readable by pm4py."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from restorative._eventlog.formats import Format, formats
from restorative._eventlog.mining import OcelFormat, XesFormat
from restorative.simulation import CaseFacts, CaseLog, LogObject, LogRow, Scenario, case_log, simulate_case

CASES = 200
XES = "{http://www.xes-standard.org/}"
NASTY = "x<&\"'>\n\ty"
"""Characters XML and JSON must escape."""

pytestmark = pytest.mark.filterwarnings("ignore:Install the optional requirement:UserWarning")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario()


@pytest.fixture(scope="module")
def logs(scenario: Scenario) -> list[CaseLog]:
    return [case_log(*simulate_case(scenario, i)) for i in range(CASES)]


@pytest.fixture(scope="module")
def pm4py() -> Any:
    return pytest.importorskip("pm4py", reason="pm4py is a test-only dependency and is not installed")


def export(fmt: type[Format], directory: Path, scenario: Scenario, *chunks: Sequence[CaseLog]) -> Path:
    """Write the chunks through the Format API, the way the runner does."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / fmt.filename
    out = fmt(path, scenario.name)
    for chunk in chunks:
        out.write(fmt.encode(chunk))
    out.close()
    return path


def halves(logs: list[CaseLog]) -> tuple[list[CaseLog], list[CaseLog]]:
    return logs[: len(logs) // 2], logs[len(logs) // 2 :]


def rows_of(logs: Sequence[CaseLog]) -> list[LogRow]:
    return [row for log in logs for row in log.rows]


def nasty_log() -> CaseLog:
    """One hand-built case whose ids, activity and attribute values all need escaping."""
    case = f"case-{NASTY}"
    party = f"{case}/p{NASTY}"
    rows = (
        LogRow(
            case, 1, f"Act{NASTY}", "2026-01-05T09:33:42+00:00", "staff", f"staff{NASTY}", "referred", NASTY, "", ()
        ),
        LogRow(
            case,
            2,
            "ConsentGiven",
            "2026-01-06T10:00:00.500000+00:00",
            "party",
            party,
            f"consent{NASTY}",
            NASTY,
            NASTY,
            (("party", "party", party), ("mediator", "mediator", f"mediator-{NASTY}")),
        ),
    )
    objects = (
        LogObject(case, "case", (("kind", NASTY, "2026-01-05T09:33:42+00:00"),), ((party, "party"),)),
        LogObject(party, "party", (("role", NASTY, "2026-01-05T09:33:42+00:00"),), ((case, "case"),)),
    )
    return CaseLog(rows, objects, CaseFacts(NASTY, NASTY, 2, NASTY))


def test_formats_are_registered() -> None:
    assert formats()["xes"] is XesFormat
    assert formats()["ocel"] is OcelFormat


# -- XES -------------------------------------------------------------------------------


def test_xes_is_well_formed_and_holds_every_row(tmp_path: Path, scenario: Scenario, logs: list[CaseLog]) -> None:
    path = export(XesFormat, tmp_path, scenario, *halves(logs))
    root = ET.parse(path).getroot()
    assert root.tag == f"{XES}log"
    assert root.get("xes.version") == "1849-2016"
    prefixes = {e.get("prefix") for e in root.iter(f"{XES}extension")}
    assert prefixes == {"concept", "time", "lifecycle", "org"}
    assert root.find(f"{XES}classifier") is not None
    name = root.find(f"{XES}string[@key='concept:name']")
    assert name is not None
    assert name.get("value") == scenario.name
    traces = root.findall(f"{XES}trace")
    assert len(traces) == CASES
    for trace, log in zip(traces, logs, strict=True):
        attrs = {e.get("key"): e.get("value") for e in trace if e.tag != f"{XES}event"}
        assert attrs == {
            "concept:name": log.rows[0].case_id,
            "case_kind": log.facts.kind,
            "referral_source": log.facts.source,
            "parties": str(log.facts.parties),
            "outcome": log.facts.outcome,
        }
        events = trace.findall(f"{XES}event")
        assert len(events) == len(log.rows)
        for event, row in zip(events, log.rows, strict=True):
            values = {e.get("key"): e.get("value") for e in event}
            assert values == {
                "concept:name": row.activity,
                "time:timestamp": row.timestamp,
                "lifecycle:transition": "complete",
                "org:resource": row.actor,
                "org:role": row.role,
                "stage": row.stage,
                "seq": str(row.seq),
                **({"report_kind": row.report_kind} if row.report_kind else {}),
            }


def test_xes_reads_back_with_pm4py(tmp_path: Path, scenario: Scenario, logs: list[CaseLog], pm4py: Any) -> None:
    path = export(XesFormat, tmp_path, scenario, *halves(logs))
    rows = rows_of(logs)
    # lxml's iterparse is pm4py's default when lxml is installed; chunk_regex is its fallback.
    for variant in ("iterparse", "chunk_regex"):
        df = pm4py.read_xes(str(path), variant=variant)
        assert df["case:concept:name"].nunique() == CASES
        assert len(df) == len(rows)
        df = df.sort_values(["case:concept:name", "seq"], kind="stable")
        assert list(df["concept:name"]) == [r.activity for r in rows]
        assert list(df["org:resource"]) == [r.actor for r in rows]
        assert list(df["org:role"]) == [r.role for r in rows]
        assert list(df["time:timestamp"]) == [datetime.fromisoformat(r.timestamp) for r in rows]
        assert Counter(df.drop_duplicates("case:concept:name")["case:case_kind"]) == Counter(
            log.rows[0].case_kind for log in logs
        )


def test_xes_escapes_text(tmp_path: Path, scenario: Scenario) -> None:
    log = nasty_log()
    path = export(XesFormat, tmp_path, scenario, [log])
    trace = ET.parse(path).getroot().find(f"{XES}trace")
    assert trace is not None
    case = trace.find(f"{XES}string[@key='concept:name']")
    assert case is not None
    assert case.get("value") == log.rows[0].case_id
    events = trace.findall(f"{XES}event")
    got = [{e.get("key"): e.get("value") for e in event} for event in events]
    assert [g["concept:name"] for g in got] == [r.activity for r in log.rows]
    assert [g["org:resource"] for g in got] == [r.actor for r in log.rows]
    assert [g["stage"] for g in got] == [r.stage for r in log.rows]


# -- OCEL 2.0 --------------------------------------------------------------------------


def test_ocel_is_valid_json_and_consistent(tmp_path: Path, scenario: Scenario, logs: list[CaseLog]) -> None:
    path = export(OcelFormat, tmp_path, scenario, *halves(logs))
    assert list(tmp_path.iterdir()) == [path]  # the temporary objects file is gone
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"objectTypes", "eventTypes", "objects", "events"}
    rows = rows_of(logs)
    events = data["events"]
    assert [e["id"] for e in events] == [f"{r.case_id}:{r.seq}" for r in rows]
    assert [e["type"] for e in events] == [r.activity for r in rows]
    assert [e["time"] for e in events] == [r.timestamp for r in rows]
    for event, row in zip(events, rows, strict=True):
        assert {a["name"]: a["value"] for a in event["attributes"]} == {
            "role": row.role,
            "actor": row.actor,
            "stage": row.stage,
            **({"report_kind": row.report_kind} if row.report_kind else {}),
        }
        links = [(r["qualifier"], r["objectId"]) for r in event["relationships"]]
        assert links == [("case", row.case_id), *((q, i) for q, _, i in row.objects)]

    ids = [o["id"] for o in data["objects"]]
    assert len(ids) == len(set(ids))
    types = {o["id"]: o["type"] for o in data["objects"]}
    declared = {o.id: o for log in logs for o in log.objects}
    for oid, obj in declared.items():
        assert types[oid] == obj.type
    mediators = {i for r in rows for _, t, i in r.objects if t == "mediator"}
    assert mediators
    assert {i for i, t in types.items() if t == "mediator"} == mediators
    # every relationship, event-to-object or object-to-object, points at an object of the log
    for item in (*events, *data["objects"]):
        for link in item["relationships"]:
            assert link["objectId"] in types
    times = {r.timestamp for r in rows}
    for obj in data["objects"]:
        for attribute in obj["attributes"]:  # set when an event of the log set it
            assert attribute["time"] in times
    declared_types = {t["name"]: {a["name"] for a in t["attributes"]} for t in data["objectTypes"]}
    assert set(declared_types) == set(types.values())
    assert declared_types["case"] == {"kind", "source", "parties", "stage", "outcome"}
    assert {t["name"] for t in data["eventTypes"]} == {r.activity for r in rows}


def test_ocel_reads_back_with_pm4py(tmp_path: Path, scenario: Scenario, logs: list[CaseLog], pm4py: Any) -> None:
    path = export(OcelFormat, tmp_path, scenario, *halves(logs))
    ocel = pm4py.read_ocel2_json(str(path))
    rows = rows_of(logs)
    assert len(ocel.events) == len(rows)
    assert set(ocel.events["ocel:eid"]) == {f"{r.case_id}:{r.seq}" for r in rows}

    objects = ocel.objects
    assert objects["ocel:oid"].is_unique
    oids = set(objects["ocel:oid"])
    cases = {log.rows[0].case_id for log in logs}
    assert cases <= oids
    # pm4py drops objects no event relates to: a party who never acted is only in the file
    related = {i for r in rows for _, _, i in r.objects}
    parties = {o.id for log in logs for o in log.objects if o.type == "party"}
    assert parties & related <= oids
    mediators = {i for r in rows for _, t, i in r.objects if t == "mediator"}
    assert set(objects.loc[objects["ocel:type"] == "mediator", "ocel:oid"]) == mediators

    relations = ocel.relations
    by_case = relations[relations["ocel:qualifier"] == "case"]
    assert len(by_case) == len(rows)
    assert set(zip(by_case["ocel:eid"], by_case["ocel:oid"], strict=True)) == {
        (f"{r.case_id}:{r.seq}", r.case_id) for r in rows
    }
    o2o = set(zip(ocel.o2o["ocel:oid"], ocel.o2o["ocel:oid_2"], ocel.o2o["ocel:qualifier"], strict=True))
    for log in logs:
        for target, qualifier in log.objects[0].relations:
            if target in oids:
                assert (log.objects[0].id, target, qualifier) in o2o


def test_ocel_escapes_text(tmp_path: Path, scenario: Scenario) -> None:
    log = nasty_log()
    path = export(OcelFormat, tmp_path, scenario, [log])
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [e["type"] for e in data["events"]] == [r.activity for r in log.rows]
    assert [o["id"] for o in data["objects"]] == [
        log.rows[0].case_id,
        f"{log.rows[0].case_id}/p{NASTY}",
        f"mediator-{NASTY}",
    ]


def test_pm4py_reads_escaped_text(tmp_path: Path, scenario: Scenario, pm4py: Any) -> None:
    log = nasty_log()
    xes = export(XesFormat, tmp_path, scenario, [log])
    df = pm4py.read_xes(str(xes), variant="iterparse")  # chunk_regex would keep the entities as they are
    assert list(df["concept:name"]) == [r.activity for r in log.rows]
    assert list(df["org:resource"]) == [r.actor for r in log.rows]
    assert set(df["case:concept:name"]) == {log.rows[0].case_id}
    ocel = pm4py.read_ocel2_json(str(export(OcelFormat, tmp_path, scenario, [log])))
    assert list(ocel.events["ocel:activity"]) == [r.activity for r in log.rows]
    assert set(ocel.events["ocel:eid"]) == {f"{r.case_id}:{r.seq}" for r in log.rows}
    assert set(ocel.objects["ocel:oid"]) == {
        log.rows[0].case_id,
        f"{log.rows[0].case_id}/p{NASTY}",
        f"mediator-{NASTY}",
    }


def test_ocel_objects_named_only_by_rows_are_declared(tmp_path: Path, scenario: Scenario) -> None:
    case = "c1"
    rows = (
        LogRow(case, 1, "GuardianConsentGiven", "2026-01-05T09:00:00+00:00", "guardian", "c1/g", "consent", "civil", "",
               (("guardian", "participant", "c1/g"),)),
    )  # fmt: skip
    log = CaseLog(rows, (LogObject(case, "case", (), ()),), CaseFacts("civil", "parties", 1, "open"))
    path = export(OcelFormat, tmp_path, scenario, [log])
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["objects"][1] == {
        "id": "c1/g",
        "type": "participant",
        "attributes": [],
        "relationships": [{"objectId": case, "qualifier": "case"}],
    }


def test_ocel_of_no_cases_is_valid(tmp_path: Path, scenario: Scenario) -> None:
    path = export(OcelFormat, tmp_path, scenario, [])
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "events": [],
        "objects": [],
        "objectTypes": [],
        "eventTypes": [],
    }


# -- both ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [XesFormat, OcelFormat])
def test_bytes_do_not_depend_on_chunking(
    tmp_path: Path, scenario: Scenario, logs: list[CaseLog], fmt: type[Format]
) -> None:
    one = export(fmt, tmp_path / "one", scenario, logs).read_bytes()
    two = export(fmt, tmp_path / "two", scenario, *halves(logs)).read_bytes()
    odd = export(fmt, tmp_path / "odd", scenario, logs[:7], [], logs[7:150], logs[150:]).read_bytes()
    assert one == two == odd
    again = export(fmt, tmp_path / "again", scenario, logs).read_bytes()
    assert again == one
