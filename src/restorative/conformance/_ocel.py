"""Reading an OCEL 2.0 JSON log: events grouped by the case they relate to, facts from the objects.

An event belongs to the case it relates to with the qualifier ``case`` (or to the
object of type ``case`` it relates to). Its other relationships are its objects; its
attributes ``actor``, ``role`` and ``report_kind`` say who acted and what a report was.
The objects tell the checker what the events do not: each party's role and whether
they are a minor, whose guardian a guardian is, each participant's role, and who owes
each item. Attribute values may be typed or text (``true`` or ``"yes"``); when a value
changes over time, its first value counts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from os import PathLike
from typing import Any

from .._checks import shown
from .._values import CaseKind, ItemKind, ParticipantRole, ReferralSource, ReportKind, Role
from ..errors import LogError
from ..events import ReportSent
from ._files import opened, text
from ._log import ACTIVITIES, EventLog, Known, LogEvent, Trace, checked_id, local, role_of, timestamp, unknown_activity

_TRUE = frozenset({"yes", "true", "1"})
_FALSE = frozenset({"no", "false", "0"})


class _Object:
    __slots__ = ("attributes", "of_age", "relations", "type")

    def __init__(
        self, kind: str, attributes: dict[str, Any], relations: list[tuple[str, str]], of_age: str = ""
    ) -> None:
        self.type = kind
        self.attributes = attributes
        """Each attribute's first value."""
        self.relations = relations
        self.of_age = of_age
        """When a party's ``minor`` first turns false, if it does (the party came of age)."""


def read_ocel(path: str | PathLike[str]) -> EventLog:
    """Read an OCEL 2.0 JSON log (``.json``, ``.jsonocel``, optionally ``.gz``).

    Raises:
        LogError: the file is not JSON, not OCEL 2.0, or an event relates to no case.
    """
    source = str(path)
    with opened(path) as raw:
        try:
            data = json.load(text(raw, "utf-8"))
        except json.JSONDecodeError as error:
            raise LogError(
                source, f"is not JSON ({error.msg}); is the file cut short?", where=f"line {error.lineno}"
            ) from None
        except UnicodeDecodeError as error:
            raise LogError(source, f"is not UTF-8 text ({error.reason})") from None
        except RecursionError:
            raise LogError(source, "nests its JSON too deep to be an OCEL log") from None
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise LogError(source, "is not an OCEL 2.0 JSON log: it needs an events list and an objects list")
    objects = _objects(data.get("objects", []), source)
    pointing: dict[str, list[str]] = {}  # object id -> the objects that relate to it
    for oid, o in objects.items():
        for _, target in o.relations:
            pointing.setdefault(target, []).append(oid)
    cases: dict[str, list[LogEvent]] = {}
    for number, raw_event in enumerate(data["events"], start=1):
        _event(raw_event, number, objects, cases, source)
    if not cases:
        raise LogError(source, "holds no events")
    traces = []
    for case_id, events in cases.items():
        numbered = tuple(events)
        traces.append(
            Trace(case_id=case_id, events=numbered, known=_known(case_id, numbered, objects, pointing, source))
        )
    return EventLog(traces=tuple(traces), format="ocel", source=source)


def _list(value: Any, what: str, source: str, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise LogError(source, f"{what} must be a list, not {shown(value)}", where=where)
    return value


def _text(value: Any, what: str, source: str, where: str) -> str:
    if not isinstance(value, str):
        raise LogError(source, f"{what} must be text, not {shown(value)}", where=where)
    return value


def _relations(raw: Any, source: str, where: str) -> list[tuple[str, str]]:
    relations = []
    for item in _list(raw if raw is not None else [], "relationships", source, where):
        if not isinstance(item, dict):
            raise LogError(source, f"a relationship must be an object, not {shown(item)}", where=where)
        oid = _text(item.get("objectId"), "a relationship's objectId", source, where)
        qualifier = item.get("qualifier", "")
        relations.append((_text(qualifier, "a relationship's qualifier", source, where), oid))
    return relations


def _objects(raw: Any, source: str) -> dict[str, _Object]:
    found: dict[str, _Object] = {}
    for number, item in enumerate(_list(raw, "objects", source, ""), start=1):
        where = f"object {number}"
        if not isinstance(item, dict):
            raise LogError(source, f"an object must be a JSON object, not {shown(item)}", where=where)
        oid = _text(item.get("id"), "an object's id", source, where)
        kind = _text(item.get("type"), "an object's type", source, where)
        attributes: dict[str, tuple[str, Any]] = {}
        minor: list[tuple[str, Any]] = []
        for a in _list(item.get("attributes", []), "attributes", source, where):
            if not isinstance(a, dict) or not isinstance(a.get("name"), str):
                raise LogError(source, f"an attribute must have a name, not {shown(a)}", where=where)
            time = str(a.get("time", ""))
            earlier = attributes.get(a["name"])
            if earlier is None or time < earlier[0]:  # a value that changes: its first value counts
                attributes[a["name"]] = (time, a.get("value"))
            if a["name"] == "minor":
                minor.append((time, a.get("value")))
        of_age = ""
        if kind == "party" and len(minor) > 1:
            values = sorted(minor, key=lambda pair: pair[0])
            first = _flag(values[0][1], "a party's minor", source, where)
            later = [t for t, v in values[1:] if not _flag(v, "a party's minor", source, where)]
            of_age = later[0] if first and later else ""
        relations = _relations(item.get("relationships"), source, where)
        found[oid] = _Object(kind, {name: value for name, (_, value) in attributes.items()}, relations, of_age)
    return found


def _event(
    raw: Any, number: int, objects: Mapping[str, _Object], cases: dict[str, list[LogEvent]], source: str
) -> None:
    where = f"event {number}"
    if not isinstance(raw, dict):
        raise LogError(source, f"an event must be a JSON object, not {shown(raw)}", where=where)
    name = _text(raw.get("type"), "an event's type", source, where)
    found = ACTIVITIES.get(name)
    if found is None:
        raise unknown_activity(name, source, where, mapped=False)
    event, report = found
    at = timestamp(_text(raw.get("time"), "an event's time", source, where), source, where)
    relations = _relations(raw.get("relationships"), source, where)
    case_id = next((oid for q, oid in relations if q == "case"), None)
    if case_id is None:
        case_id = next((oid for _, oid in relations if oid in objects and objects[oid].type == "case"), None)
    if case_id is None:
        raise LogError(source, "the event relates to no case (no relationship qualified 'case')", where=where)
    case_id = checked_id(case_id, "case id", source, where)
    values: dict[str, Any] = {}
    for a in _list(raw.get("attributes", []), "attributes", source, where):
        if isinstance(a, dict) and isinstance(a.get("name"), str):
            values[a["name"]] = a.get("value")
    role = role_of(str(values.get("role") or ""), source, where)
    actor = str(values.get("actor") or "")
    if actor:
        actor = local(checked_id(actor, "actor", source, where), case_id)
    if event is ReportSent and report is None and values.get("report_kind"):
        try:
            report = ReportKind(values["report_kind"])
        except ValueError:
            raise LogError(source, f"the report kind {shown(values['report_kind'])} is unknown", where=where) from None
    pairs = tuple(
        (q, local(checked_id(oid, q or "object", source, where), case_id)) for q, oid in relations if q != "case"
    )
    trace = cases.setdefault(case_id, [])
    trace.append(LogEvent(len(trace) + 1, name, event, at, actor, role, pairs, report, where))


def _members(
    case_id: str, events: tuple[LogEvent, ...], objects: Mapping[str, _Object], pointing: Mapping[str, list[str]]
) -> list[str]:
    """The ids of the objects that belong to a case, in a stable order."""
    ids: dict[str, None] = {}
    case = objects.get(case_id)
    if case is not None:
        ids.update((oid, None) for _, oid in case.relations)
    ids.update((oid, None) for oid in pointing.get(case_id, ()))
    prefix = case_id + "/"
    for event in events:
        for _, oid in event.objects:
            full = oid if oid in objects else prefix + oid
            ids[full] = None
    for oid in list(ids):  # one hop further: the agreement's items
        o = objects.get(oid)
        if o is not None and o.type == "agreement":
            ids.update((t, None) for _, t in o.relations)
            ids.update((other, None) for other in pointing.get(oid, ()))
    return [oid for oid in ids if oid in objects]


def _flag(value: Any, what: str, source: str, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise LogError(source, f"{what} must be yes or no (true or false), not {shown(value)}", where=where)


def _value(kind: Any, value: Any, what: str, source: str, where: str) -> Any:
    try:
        return kind(str(value))
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise LogError(source, f"{what} must be one of {choices}, not {shown(value)}", where=where) from None


def _known(
    case_id: str,
    events: tuple[LogEvent, ...],
    objects: Mapping[str, _Object],
    pointing: Mapping[str, list[str]],
    source: str,
) -> Known:
    case = objects.get(case_id)
    where = f"object {case_id}"
    kind = source_ = None
    if case is not None:
        if case.attributes.get("kind") is not None:
            kind = _value(CaseKind, case.attributes["kind"], "the case's kind", source, where)
        if case.attributes.get("source") is not None:
            source_ = _value(ReferralSource, case.attributes["source"], "the case's source", source, where)
    roles: list[tuple[str, Role]] = []
    minors: list[tuple[str, bool]] = []
    of_age: list[tuple[str, datetime]] = []
    wards: list[tuple[str, str]] = []
    participants: list[tuple[str, ParticipantRole]] = []
    responsible: list[tuple[str, str]] = []
    items: list[tuple[str, ItemKind]] = []
    parties = 0
    for oid in _members(case_id, events, objects, pointing):
        o = objects[oid]
        own = local(oid, case_id)
        where = f"object {oid}"
        if o.type == "party":
            parties += 1
            if o.attributes.get("role") is not None:
                roles.append((own, _value(Role, o.attributes["role"], "a party's role", source, where)))
            if o.attributes.get("minor") is not None:
                minors.append((own, _flag(o.attributes["minor"], "a party's minor", source, where)))
            if o.of_age:
                of_age.append((own, timestamp(o.of_age, source, where)))
        elif o.type == "participant":
            if o.attributes.get("role") is not None:
                role = _value(ParticipantRole, o.attributes["role"], "a participant's role", source, where)
                participants.append((own, role))
            wards.extend((own, local(t, case_id)) for q, t in o.relations if q == "ward")
        elif o.type == "item":
            if o.attributes.get("kind") is not None:
                items.append((own, _value(ItemKind, o.attributes["kind"], "an item's kind", source, where)))
            responsible.extend((own, local(t, case_id)) for q, t in o.relations if q == "responsible")
    return Known(
        kind=kind,
        source=source_,
        parties=parties or None,
        roles=tuple(roles),
        minors=tuple(minors),
        of_age=tuple(of_age),
        wards=tuple(wards),
        participants=tuple(participants),
        responsible=tuple(responsible),
        items=tuple(items),
    )
