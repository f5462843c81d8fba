"""Reading an XES log (IEEE 1849) with the standard library's XML parser, one trace at a time.

A trace is a case (``concept:name``); an event's activity is its ``concept:name``, its
time ``time:timestamp``, who acted ``org:resource`` (or the library's older ``actor``
attribute, when ``org:resource`` held the role) and in which capacity ``org:role``.
Only ``complete`` events count (IEEE 1849's lifecycle). XES carries no objects, so an
event's party or item is left for the checker to infer, unless the event carries an
attribute named like a qualifier (``party``, ``item``, ...).
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from os import PathLike
from typing import Any, cast

from .._checks import shown
from .._values import CaseKind, ReferralSource, ReportKind
from ..errors import LogError
from ..events import ReportSent
from ._files import opened
from ._log import ACTIVITIES, EventLog, Known, LogEvent, Trace, checked_id, local, role_of, timestamp, unknown_activity
from ._mapping import SUBJECTS

_NS = "{http://www.xes-standard.org/}"
_ATTRIBUTES = frozenset(
    name for kind in ("string", "date", "int", "float", "boolean", "id") for name in (kind, _NS + kind)
)
_TRACE = frozenset({"trace", _NS + "trace"})
_ROOT = re.compile(rb"<([A-Za-z_][-\w.:]*)")
"""The first element's name (declarations and comments start with ``<?`` or ``<!``)."""
_EVENT = frozenset({"event", _NS + "event"})
_PROLOG = 65_536
"""How far to look for a document type declaration before the log starts: XES has none."""


def read_xes(path: str | PathLike[str]) -> EventLog:
    """Read an XES log (``.xes`` or ``.xes.gz``).

    Raises:
        LogError: the file is not well-formed XML, not an XES log, or an event lacks its
            activity or time.
    """
    source = str(path)
    traces: list[Trace] = []
    seen: set[str] = set()
    with opened(path) as unbuffered:
        raw = io.BufferedReader(cast(Any, unbuffered), _PROLOG)  # a gzip file reads into buffers too
        _no_doctype(raw, source)
        try:
            for _, element in ET.iterparse(raw, events=("end",)):
                if element.tag in _TRACE:
                    trace = _trace(element, len(traces) + 1, source)
                    if trace.case_id in seen:
                        raise LogError(
                            source, f"lists case {shown(trace.case_id)} in two traces", where=f"trace {len(traces) + 1}"
                        )
                    seen.add(trace.case_id)
                    if trace.events:
                        traces.append(trace)
                    element.clear()  # the trace is read: free its events (an empty element stays in the tree)
        except ET.ParseError as error:
            line, column = error.position
            raise LogError(
                source,
                f"is not well-formed XML ({_reason(error)}); is the file cut short?",
                where=f"line {line}, column {column}",
            ) from None
    if not traces:
        raise LogError(source, "holds no events: an XES log of cases has traces with events")
    return EventLog(traces=tuple(traces), format="xes", source=source)


def _reason(error: ET.ParseError) -> str:
    return str(error).split(":")[0]


def _no_doctype(raw: io.BufferedReader[Any], source: str) -> None:
    """Refuse a document type declaration (entities could expand without bound), and a root that is not <log>."""
    head = raw.peek(_PROLOG)[:_PROLOG].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return  # not XML at all: the parser says so
    root = _ROOT.search(head)
    prolog = head if root is None else head[: root.start()]
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
        raise LogError(source, "declares a document type or entities; an XES log has neither, so it is not read")
    if root is not None and root.group(1).rpartition(b":")[2] != b"log":
        name = root.group(1).decode("utf-8", "replace")
        raise LogError(source, f"is not an XES log: its root element is <{shown(name)[1:-1]}>, not <log>")


def _attributes(element: ET.Element) -> dict[str, str]:
    values = {}
    for child in element:
        if child.tag in _ATTRIBUTES:
            key = child.get("key")
            if key is not None:
                values[key] = child.get("value", "")
    return values


def _trace(element: ET.Element, number: int, source: str) -> Trace:
    facts = _attributes(element)
    where = f"trace {number}"
    case_id = checked_id(facts.get("concept:name", ""), "case id (concept:name)", source, where)
    events: list[LogEvent] = []
    for child in element:
        if child.tag not in _EVENT:
            continue
        values = _attributes(child)
        at_where = f"trace {number} ({case_id}), event {len(events) + 1}"
        if values.get("lifecycle:transition", "complete").lower() != "complete":
            continue
        name = values.get("concept:name", "")
        found = ACTIVITIES.get(name)
        if found is None:
            raise unknown_activity(name, source, at_where, mapped=False)
        event, report = found
        if "time:timestamp" not in values:
            raise LogError(source, "the event has no time:timestamp", where=at_where)
        at = timestamp(values["time:timestamp"], source, at_where)
        role = role_of(values.get("org:role", ""), source, at_where)
        actor = values.get("actor") or values.get("org:resource", "")
        if actor:
            actor = local(checked_id(actor, "actor (org:resource)", source, at_where), case_id)
        objects = tuple(
            (q, local(checked_id(values[q], q, source, at_where), case_id)) for q in SUBJECTS if values.get(q)
        )
        if event is ReportSent and report is None and values.get("report_kind"):
            try:
                report = ReportKind(values["report_kind"])
            except ValueError:
                raise LogError(
                    source, f"the report kind {shown(values['report_kind'])} is unknown", where=at_where
                ) from None
        events.append(LogEvent(len(events) + 1, name, event, at, actor, role, objects, report, at_where))
    return Trace(case_id=case_id, events=tuple(events), known=_known(facts, source, where))


def _known(facts: dict[str, str], source: str, where: str) -> Known:
    kind = source_ = parties = None
    try:
        if facts.get("case_kind"):
            kind = CaseKind(facts["case_kind"])
        if facts.get("referral_source"):
            source_ = ReferralSource(facts["referral_source"])
    except ValueError as error:
        raise LogError(source, f"the trace's {error}", where=where) from None
    if facts.get("parties"):
        try:
            parties = int(facts["parties"])
        except ValueError:
            raise LogError(
                source, f"parties must be a whole number, not {shown(facts['parties'])}", where=where
            ) from None
        if not 0 < parties <= 1000:
            raise LogError(source, f"parties must lie between 1 and 1000, not {parties}", where=where)
    return Known(kind=kind, source=source_, parties=parties)
