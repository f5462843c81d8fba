"""XES and OCEL 2.0 exports, written by the library itself (pm4py reads them back in tests).

Both are written by hand, chunk by chunk: `encode` (in the workers) builds the text of a
chunk of cases, the writer only appends it. Only what is in the rows and objects of the
log goes out: no free text of any event.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

from .formats import Format, open_text
from .log import Attribute, AttributeValue, CaseLog

# -- XES -------------------------------------------------------------------------------

_XML_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def _q(value: str) -> str:
    """A double-quoted, escaped XML attribute value.

    Always double quotes (`quoteattr` would switch to single quotes for a value holding
    ``"``): pm4py's default XES reader splits elements on ``"``.
    """
    return '"' + escape(value, _XML_ENTITIES) + '"'


_XES_HEADER = """\
<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
\t<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
\t<global scope="trace">
\t\t<string key="concept:name" value="__INVALID__"/>
\t\t<string key="case_kind" value="__INVALID__"/>
\t\t<string key="referral_source" value="__INVALID__"/>
\t\t<int key="parties" value="0"/>
\t\t<string key="outcome" value="__INVALID__"/>
\t</global>
\t<global scope="event">
\t\t<string key="concept:name" value="__INVALID__"/>
\t\t<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
\t\t<string key="lifecycle:transition" value="complete"/>
\t\t<string key="org:resource" value="__INVALID__"/>
\t\t<string key="org:role" value="__INVALID__"/>
\t\t<string key="stage" value="__INVALID__"/>
\t\t<int key="seq" value="0"/>
\t</global>
\t<classifier name="Activity" keys="concept:name"/>
\t<string key="lifecycle:model" value="standard"/>
"""
"""The head of an XES log: its extensions, the attributes every trace and event has, its classifiers.

Every event is the ``complete`` transition of the standard lifecycle model of IEEE 1849;
in a run with resources, a step whose work took time also has a ``start`` event, at the
moment work began, whose ``org:resource`` is the staff member or room that did it.
"""


def xes_text(logs: Sequence[CaseLog]) -> str:
    """The ``<trace>`` elements of some cases, one per case, one ``<event>`` per row."""
    parts: list[str] = []
    add = parts.append
    for log in logs:
        if not log.rows:
            continue  # a case without events has no trace
        facts = log.facts
        add(
            f"\t<trace>\n"
            f'\t\t<string key="concept:name" value={_q(log.rows[0].case_id)}/>\n'
            f'\t\t<string key="case_kind" value={_q(facts.kind)}/>\n'
            f'\t\t<string key="referral_source" value={_q(facts.source)}/>\n'
            f'\t\t<int key="parties" value="{int(facts.parties)}"/>\n'
            f'\t\t<string key="outcome" value={_q(facts.outcome)}/>\n'
        )
        starts = {seq: (at, resource, pool) for seq, at, resource, pool in log.starts}
        for row in log.rows:
            if starts and row.seq in starts:  # the step's work began earlier: its start event (IEEE 1849)
                at, resource, pool = starts[row.seq]
                add(
                    f"\t\t<event>\n"
                    f'\t\t\t<string key="concept:name" value={_q(row.activity)}/>\n'
                    f'\t\t\t<date key="time:timestamp" value={_q(at)}/>\n'
                    f'\t\t\t<string key="lifecycle:transition" value="start"/>\n'
                    f'\t\t\t<string key="org:resource" value={_q(resource)}/>\n'
                    f'\t\t\t<string key="org:role" value={_q(pool)}/>\n'
                    f'\t\t\t<string key="stage" value={_q(row.stage)}/>\n'
                    f'\t\t\t<int key="seq" value="{int(row.seq)}"/>\n'
                    "\t\t</event>\n"
                )
            add(
                f"\t\t<event>\n"
                f'\t\t\t<string key="concept:name" value={_q(row.activity)}/>\n'
                f'\t\t\t<date key="time:timestamp" value={_q(row.timestamp)}/>\n'
                f'\t\t\t<string key="lifecycle:transition" value="complete"/>\n'
                f'\t\t\t<string key="org:resource" value={_q(row.actor)}/>\n'
                f'\t\t\t<string key="org:role" value={_q(row.role)}/>\n'
                f'\t\t\t<string key="stage" value={_q(row.stage)}/>\n'
                f'\t\t\t<int key="seq" value="{int(row.seq)}"/>\n'
            )
            if row.report_kind:
                add(f'\t\t\t<string key="report_kind" value={_q(row.report_kind)}/>\n')
            add("\t\t</event>\n")
        add("\t</trace>\n")
    return "".join(parts)


class XesFormat(Format):
    """``events.xes``: IEEE 1849 XES, one trace per case, one event per row.

    A trace carries the case's kind, referral source, number of parties and outcome; an
    event's ``org:resource`` is the person who acted (their id as the row gives it) and
    ``org:role`` the capacity they acted in.
    """

    name = "xes"
    filename = "events.xes"
    needs_objects = False  # a trace is the case's rows; the objects are OCEL's

    def __init__(self, path: Path, name: str, meta: Mapping[str, str] | None = None) -> None:
        super().__init__(path, name, meta)
        self.file = open_text(path)
        self.file.write(_XES_HEADER)
        self.file.write(f'\t<string key="concept:name" value={_q(name)}/>\n')
        for key, value in self.meta.items():  # the library's version, the scenario's hash
            self.file.write(f"\t<string key={_q(key)} value={_q(value)}/>\n")

    @staticmethod
    def encode(logs: Sequence[CaseLog]) -> Any:
        return xes_text(logs)

    def write(self, encoded: Any) -> None:
        self.file.write(encoded)

    def close(self) -> None:
        self.file.write("</log>\n")
        self.file.close()


# -- OCEL 2.0 JSON -----------------------------------------------------------------------


def ocel_type(value: AttributeValue) -> str:
    """The OCEL 2.0 type of an attribute's value: ``boolean``, ``integer`` or ``string``."""
    if isinstance(value, bool):  # before int: a bool is an int
        return "boolean"
    return "integer" if isinstance(value, int) else "string"


class OcelChunk(NamedTuple):
    """One encoded chunk of the OCEL log: JSON texts and what the declarations need."""

    events: str
    """The chunk's events: JSON objects, one a line, separated by ``,``."""
    objects: str
    """The chunk's own objects (everything but the shared mediators), the same way."""
    mediators: tuple[str, ...]
    """The shared mediators the chunk's events mention (sorted): written once, at the end."""
    event_types: tuple[tuple[str, tuple[str, ...]], ...]
    """``(event type, attribute names)``, sorted."""
    object_types: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    """``(object type, ((attribute name, OCEL type), ...))``, sorted."""


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _object(oid: str, kind: str, attributes: Sequence[Attribute], relations: Sequence[tuple[str, str]]) -> str:
    return _json(
        {
            "id": oid,
            "type": kind,
            "attributes": [{"name": n, "value": v, "time": t} for n, v, t in attributes],
            "relationships": [{"objectId": o, "qualifier": q} for o, q in relations],
        }
    )


def ocel_chunk(logs: Sequence[CaseLog]) -> OcelChunk:
    """The OCEL 2.0 events and objects of some cases.

    Every event relates to its case (qualifier ``case``) and to the objects of its row. A
    mediator the case does not declare is shared between cases: it is only named in
    `OcelChunk.mediators`. Any other object a row names but the case does not declare
    (a guardian, say) gets a bare object of the row's type, related to the case, so that
    no relationship points nowhere.
    """
    events: list[str] = []
    objects: list[str] = []
    mediators: set[str] = set()
    event_types: dict[str, set[str]] = {}
    object_types: dict[str, dict[str, str]] = {}
    for log in logs:
        declared = {o.id for o in log.objects}
        bare: dict[str, tuple[str, str]] = {}  # id -> (type, case id), in order of first mention
        starts = {seq: (at, resource) for seq, at, resource, _ in log.starts}
        for row in log.rows:
            attributes = [
                {"name": "role", "value": row.role},
                {"name": "actor", "value": row.actor},
                {"name": "stage", "value": row.stage},
            ]
            if row.report_kind:
                attributes.append({"name": "report_kind", "value": row.report_kind})
            if starts and row.seq in starts:  # the resource model: when work began, and who or what did it
                at, resource = starts[row.seq]
                attributes.append({"name": "start_timestamp", "value": at})
                attributes.append({"name": "resource", "value": resource})
            event_types.setdefault(row.activity, set()).update(a["name"] for a in attributes)
            relationships: list[dict[str, str]] = []
            seen: set[tuple[str, str]] = set()
            for qualifier, kind, oid in (("case", "case", row.case_id), *row.objects):
                if (oid, qualifier) in seen:
                    continue
                seen.add((oid, qualifier))
                relationships.append({"objectId": oid, "qualifier": qualifier})
                if oid in declared:
                    continue
                if kind == "mediator":
                    mediators.add(oid)
                else:
                    bare.setdefault(oid, (kind, row.case_id))
            events.append(
                _json(
                    {
                        "id": f"{row.case_id}:{row.seq}",
                        "type": row.activity,
                        "time": row.timestamp,
                        "attributes": attributes,
                        "relationships": relationships,
                    }
                )
            )
        for obj in log.objects:
            declared_types = object_types.setdefault(obj.type, {})
            for name, value, _ in obj.attributes:
                declared_types.setdefault(name, ocel_type(value))
            objects.append(_object(obj.id, obj.type, obj.attributes, obj.relations))
        for oid, (kind, case) in bare.items():
            object_types.setdefault(kind, {})
            objects.append(_object(oid, kind, (), () if oid == case else ((case, "case"),)))
    return OcelChunk(
        ",\n".join(events),
        ",\n".join(objects),
        tuple(sorted(mediators)),
        tuple((k, tuple(sorted(v))) for k, v in sorted(event_types.items())),
        tuple((k, tuple(sorted(v.items()))) for k, v in sorted(object_types.items())),
    )


_EVENT_ATTRIBUTES = ("role", "actor", "stage", "report_kind")


def _event_attributes(names: set[str]) -> list[str]:
    """An event type's attribute names, in the order its events list them."""
    return [n for n in _EVENT_ATTRIBUTES if n in names] + sorted(names.difference(_EVENT_ATTRIBUTES))


class OcelFormat(Format):
    """``events.ocel.json``: OCEL 2.0 JSON, events and objects streamed.

    The events go straight to the output file, the objects to a temporary file beside it;
    `close` appends the objects, the shared mediators (once each) and the type
    declarations, then removes the temporary file.
    """

    name = "ocel"
    filename = "events.ocel.json"

    def __init__(self, path: Path, name: str, meta: Mapping[str, str] | None = None) -> None:
        super().__init__(path, name, meta)  # OCEL 2.0 has no log attributes: metadata.json holds `meta`
        self.file = open_text(path)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".objects", dir=path.parent)
        self.objects_path = Path(name)
        self.objects = os.fdopen(fd, "w+", encoding="utf-8", newline="\n")
        self.events_written = False
        self.objects_written = False
        self.mediators: set[str] = set()
        self.event_types: dict[str, set[str]] = {}
        self.object_types: dict[str, dict[str, str]] = {}
        self.file.write('{"events":[')

    @staticmethod
    def encode(logs: Sequence[CaseLog]) -> Any:
        return ocel_chunk(logs)

    def write(self, encoded: Any) -> None:
        chunk: OcelChunk = encoded
        if chunk.events:
            self.file.write(",\n" if self.events_written else "\n")
            self.file.write(chunk.events)
            self.events_written = True
        if chunk.objects:
            self.objects.write(",\n" if self.objects_written else "\n")
            self.objects.write(chunk.objects)
            self.objects_written = True
        self.mediators.update(chunk.mediators)
        for kind, names in chunk.event_types:
            self.event_types.setdefault(kind, set()).update(names)
        for kind, types in chunk.object_types:
            declared = self.object_types.setdefault(kind, {})
            for name, type_ in types:
                declared.setdefault(name, type_)

    def close(self) -> None:
        try:
            self.file.write("\n" if self.events_written else "")
            self.file.write('],"objects":[')
            self.objects.seek(0)
            shutil.copyfileobj(self.objects, self.file)
            if self.mediators:
                self.file.write(",\n" if self.objects_written else "\n")
                self.file.write(",\n".join(_object(m, "mediator", (), ()) for m in sorted(self.mediators)))
                self.object_types.setdefault("mediator", {})
            if self.objects_written or self.mediators:
                self.file.write("\n")
            object_types = [
                {"name": k, "attributes": [{"name": n, "type": t} for n, t in sorted(v.items())]}
                for k, v in sorted(self.object_types.items())
            ]
            event_types = [
                {"name": k, "attributes": [{"name": n, "type": "string"} for n in _event_attributes(v)]}
                for k, v in sorted(self.event_types.items())
            ]
            self.file.write(f'],\n"objectTypes":{_json(object_types)},\n"eventTypes":{_json(event_types)}}}\n')
        finally:
            self.objects.close()
            self.objects_path.unlink(missing_ok=True)
            self.file.close()
