"""Logs for the conformance tests: cases driven through the real decider, written as the library writes them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from pathlib import Path

import restorative as r
from restorative._eventlog.log import csv_text
from restorative.simulation import case_log
from tests.flows import Flow

Row = dict[str, str]


def csv_of(*flows: Flow) -> str:
    """The library's CSV log of these cases, header first."""
    return csv_text([case_log(f.events, f.case, objects=False) for f in flows], header=True)


def rows_of(text: str) -> list[Row]:
    """The rows of a CSV log, by column."""
    return list(csv.DictReader(io.StringIO(text)))


def text_of(rows: Iterable[Row], header: list[str]) -> str:
    """A CSV log from rows (the header as the library wrote it)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def planted(flow: Flow, plant: Callable[[list[Row]], object], path: Path) -> Path:
    """The CSV log of a case with `plant` applied to its rows, written to `path`."""
    text = csv_of(flow)
    rows = rows_of(text)
    plant(rows)
    path.write_text(text_of(rows, list(csv.DictReader(io.StringIO(text)).fieldnames or [])), encoding="utf-8")
    return path


def index(rows: list[Row], activity: str, nth: int = 0) -> int:
    """Where the `nth` row of this activity is."""
    found = [n for n, row in enumerate(rows) if row["activity"] == activity]
    return found[nth]


def report_rows(rows: list[Row]) -> list[int]:
    """Where the reports are, whichever way the log names them (one activity, or one per kind)."""
    return [n for n, row in enumerate(rows) if row["activity"] == "ReportSent" or row["activity"].startswith("Report ")]


def fulfilled(kind: r.CaseKind = r.CaseKind.CRIMINAL) -> Flow:
    """A case that runs to fulfilled."""
    flow = Flow(kind=kind).to_follow_up()
    agreement = flow.case.agreement
    assert agreement is not None
    reporter = next(p for p in flow.case.parties if p.id not in {i.responsible for i in agreement.items})
    for item in agreement.items:
        flow.do(r.ReportItem, r.Actor(id=reporter.id, kind=r.ActorKind.PARTY), item_id=item.id, fulfilled=True)
    assert flow.case.stage is r.Stage.FULFILLED
    return flow
