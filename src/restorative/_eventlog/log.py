"""The event log of cases: one row per event, the objects each case touches, CSV.

A row holds outcomes and process facts only: the activity, when, who acted (their role
and id), the stage after it, the kind of a report, and which objects it concerns. No free
text of any event (agreement wording, reasons, meeting content) ever reaches a row.

A report is logged as the activity of its kind (``Report agreement``, ``Report fulfilment``,
``Report return``), not as one ``ReportSent``: the three mean different things to the
referrer, and as one activity they would merge in a process map.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import attrs

from .. import _arguments as arguments
from .._lifecycle import Stage, walk
from .._rules import of_age_at
from .._values import Actor, ActorKind, Case, ReportKind
from ..events import (
    EVENT_TYPES,
    AgreementBound,
    AgreementRecorded,
    CaseReferred,
    Event,
    ItemBreached,
    ItemFulfilled,
    MediatorAssigned,
    ParticipantProposed,
    PartyWithdrew,
    ReportSent,
)

COLUMNS = ("case_id", "seq", "activity", "timestamp", "role", "actor", "stage", "case_kind", "report_kind", "objects")
"""The columns of the CSV and Parquet logs, in order."""

REPORT_ACTIVITIES = {kind: f"Report {kind.value}" for kind in ReportKind}
"""The activity of a `ReportSent` event, by the report's kind."""


class LogRow(NamedTuple):
    """One event of a simulated case, as the exports write it.

    ``objects`` lists ``(qualifier, object type, object id)`` for every object the event
    concerns besides the case itself (a party, a mediator, the agreement, an item).
    """

    case_id: str
    seq: int
    activity: str
    timestamp: str
    role: str
    actor: str
    stage: str
    case_kind: str
    report_kind: str
    """The kind of a report (``agreement``, ``fulfilment``, ``return``); empty for every other event."""
    objects: tuple[tuple[str, str, str], ...]


AttributeValue = str | int | bool
"""The value of an object's attribute: text, a count, or a yes or no (OCEL types them)."""
Attribute = tuple[str, AttributeValue, str]
"""``(name, value, time)``: the value an attribute took at a time (ISO 8601)."""


class LogObject(NamedTuple):
    """An object of the OCEL log: a case, party, participant, mediator, agreement or item."""

    id: str
    type: str
    attributes: tuple[Attribute, ...]
    """Each attribute's first value at the object's creation, then each change when it happened."""
    relations: tuple[tuple[str, str], ...]
    """``(object id, qualifier)`` pairs: e.g. a case's parties, an item's responsible party."""


class CaseFacts(NamedTuple):
    """What the log says of a case as a whole (an XES trace's attributes)."""

    kind: str
    source: str
    """Who referred it (`ReferralSource` value)."""
    parties: int
    outcome: str
    """The final stage, or ``open`` while the case is active."""


class CaseLog(NamedTuple):
    """Everything the exports need of one simulated case."""

    rows: tuple[LogRow, ...]
    objects: tuple[LogObject, ...]
    facts: CaseFacts
    starts: tuple[tuple[int, str, str, str], ...] = ()
    """``(seq, start, resource, pool)`` for each row whose step took time (the resource model):
    when work on it began (ISO 8601), and the staff member or room that did it; XES writes a
    ``start`` event for it, OCEL two attributes. Empty in a plain simulation."""


def case_facts(case: Case) -> CaseFacts:
    """The facts of a case from its value."""
    stage = case.stage
    outcome = stage._value_ if stage.is_final else "open"
    return CaseFacts(case.kind._value_, case.referral.source._value_, len(case.parties), outcome)


class _People:
    """A case's people as the log names them, each worked out once per case.

    A person's object id: mediators are shared between cases (their id as it is),
    everyone else is per case (``case/person``); their type is party, mediator or participant.
    """

    __slots__ = ("actors", "agreement", "case", "cells", "known", "mediators", "refs", "tags")

    def __init__(self, case: Case, events: Sequence[Event]) -> None:
        self.case = case
        # everyone who was a mediator of the case at some point (released ones too)
        self.mediators = frozenset(e.mediator_id for e in events if isinstance(e, MediatorAssigned))
        self.known: dict[str, tuple[str, str]] = {}
        self.actors: dict[str, tuple[ActorKind, str, str]] = {}
        self.cells: dict[str, tuple[ActorKind, str]] = {}
        self.refs: dict[tuple[str, str], tuple[str, str, str]] = {}
        self.tags: dict[tuple[str, str], str] = {}
        self.agreement = ("agreement", "agreement", f"{case.id}/agreement")

    def of(self, person: str) -> tuple[str, str]:
        """The person's object type and object id."""
        known = self.known.get(person)
        if known is None:
            case = self.case
            if person in self.mediators:
                known = ("party" if case.party(person) is not None else "mediator", person)
            else:
                known = ("party" if case.party(person) is not None else "participant", f"{case.id}/{person}")
            self.known[person] = known
        return known

    def ref(self, qualifier: str, person: str) -> tuple[str, str, str]:
        """An event's relation to a person: ``(qualifier, object type, object id)``."""
        key = (qualifier, person)
        known = self.refs.get(key)
        if known is None:
            known = self.refs[key] = (qualifier, *self.of(person))
        return known

    def actor(self, actor: Actor) -> tuple[str, str]:
        """The ``role`` and ``actor`` cells of a row: staff by their own id, everyone else as an object."""
        known = self.actors.get(actor.id)
        if known is None or known[0] is not actor.kind:
            role = actor.kind.value
            known = (actor.kind, role, actor.id if role == "staff" else self.of(actor.id)[1])
            self.actors[actor.id] = known
        return known[1], known[2]

    def who(self, actor: Actor) -> str:
        """The ``role`` and ``actor`` cells of a CSV line, joined by the comma between them."""
        known = self.cells.get(actor.id)
        if known is None or known[0] is not actor.kind:
            known = (actor.kind, ",".join(self.actor(actor)))
            self.cells[actor.id] = known
        return known[1]

    def tag(self, qualifier: str, person: str) -> str:
        """An event's relation to a person as the CSV ``objects`` cell writes it: ``qualifier=id``."""
        key = (qualifier, person)
        known = self.tags.get(key)
        if known is None:
            known = self.tags[key] = f"{qualifier}={self.of(person)[1]}"
        return known


_PEOPLE = ("party_id", "mediator_id", "participant_id", "person_id", "signer_id", "guardian_id", "towards")


class _Shape(NamedTuple):
    """Per event class, once: what its rows need."""

    activity: str
    people: tuple[tuple[str, str], ...]
    """The fields naming people, with their qualifiers."""
    item: bool
    """Whether it names an item."""
    agreement: bool
    """Whether it concerns the agreement."""
    related: bool
    """Whether it concerns any object besides the case."""
    lone: tuple[str, str] | None
    """The field naming a person and its qualifier, when that person is all it concerns."""
    report: bool
    """Whether it is a report, whose activity is its kind's."""


def _activity(event: Event, shape: _Shape) -> tuple[str, str]:
    """The activity and the report kind of an event."""
    if shape.report:
        kind = getattr(event, "report").kind  # noqa: B009 - Event is a union
        return REPORT_ACTIVITIES[kind], kind._value_
    return shape.activity, ""


def _shape(kind: Any) -> _Shape:
    names = {f.name for f in attrs.fields(kind)}
    people = tuple((n, n.removesuffix("_id")) for n in _PEOPLE if n in names)
    item = "item_id" in names
    agreement = kind.__name__.startswith(("Agreement", "CoolingOff"))
    related = bool(people or item or agreement or kind is CaseReferred)
    lone = people[0] if len(people) == 1 and not (item or agreement or kind is CaseReferred) else None
    return _Shape(kind.__name__, people, item, agreement, related, lone, kind is ReportSent)


def _objects_of(people: _People, event: Event, shape: _Shape) -> tuple[tuple[str, str, str], ...]:
    ref = people.ref
    refs = [ref(qualifier, person) for name, qualifier in shape.people if (person := getattr(event, name)) is not None]
    case_id = people.case.id
    if shape.item:
        refs.append(("item", "item", f"{case_id}/{getattr(event, 'item_id')}"))  # noqa: B009 - Event is a union
    if isinstance(event, CaseReferred):  # the referral names every party (and so every party is in a relation)
        refs.extend(("party", "party", f"{case_id}/{p.id}") for p in event.parties)
    elif isinstance(event, AgreementRecorded):
        refs.append(people.agreement)
        refs.extend(("item", "item", f"{case_id}/{i.id}") for i in event.items)
    elif shape.agreement:
        refs.append(people.agreement)
    return tuple(refs)


_NONE: tuple[tuple[str, str, str], ...] = ()
_SHAPES: dict[Any, _Shape] = {k: _shape(k) for k in EVENT_TYPES}


def case_log(events: Sequence[Event], case: Case, *, objects: bool = True) -> CaseLog:
    """The rows and objects of one case, from its events and its final value.

    With ``objects=False`` the objects are left out (an empty tuple): the CSV and Parquet
    logs use the rows alone, and the objects are a sixth of the cost of a case's log.

    Raises:
        InvalidInput: `events` is not a list or tuple of the case's events, or `case` is not a `Case`.
    """
    if not isinstance(events, list | tuple):
        arguments.refuse("case_log", "events", "a list or tuple of events", events)
    arguments.instance("case_log", "case", case, Case, "a Case")
    arguments.flag("case_log", "objects", objects)
    case_id = case.id
    kind = case.kind.value
    people = _People(case, events)
    row = tuple.__new__  # a LogRow from its fields, without the Python-level __new__ of a NamedTuple
    rows = []
    at, stamp = None, ""
    for seq, (event, _, after) in enumerate(walk(events), start=1):
        shape = _SHAPES[type(event)]
        role, actor = people.actor(event.actor)
        refs = _objects_of(people, event, shape) if shape.related else _NONE
        if event.at is not at:  # the events of one command share their time
            at = event.at
            stamp = at.isoformat()
        stage = after._value_  # the stage after the event, as the text the log writes
        activity, report = _activity(event, shape)
        rows.append(row(LogRow, (case_id, seq, activity, stamp, role, actor, stage, kind, report, refs)))
    return CaseLog(tuple(rows), _case_objects(case, events, rows) if objects else (), case_facts(case))


def _cell_of(people: _People, event: Event, shape: _Shape) -> str:
    """The CSV ``objects`` cell of an event: what `_objects_of` lists, as `objects_cell` writes it."""
    tag = people.tag
    tags = [tag(qualifier, person) for name, qualifier in shape.people if (person := getattr(event, name)) is not None]
    case_id = people.case.id
    if shape.item:
        tags.append(f"item={case_id}/{getattr(event, 'item_id')}")  # noqa: B009 - Event is a union
    if isinstance(event, CaseReferred):
        tags.extend([f"party={case_id}/{p.id}" for p in event.parties])
    elif isinstance(event, AgreementRecorded):
        tags.append(f"agreement={case_id}/agreement")
        tags.extend([f"item={case_id}/{i.id}" for i in event.items])
    elif shape.agreement:
        tags.append(f"agreement={case_id}/agreement")
    return ";".join(tags)


def case_csv(events: Sequence[Event], case: Case) -> str:
    """The CSV lines of one case, straight from its events: the same text as `csv_text` of its `case_log`.

    No row tuples are built in between. A line is written as its cells joined by commas,
    which is what `csv.writer` writes when no cell holds a comma, a quote or a line break;
    if any cell does (an id may hold a comma), the case is written by `csv_text` instead.
    """
    people = _People(case, events)
    head = f"{case.id},"
    kind = case.kind.value
    tail = f",{kind},,"  # the case kind, and no report kind
    lines = []
    at, stamp = None, ""
    for seq, (event, _, after) in enumerate(walk(events), start=1):
        shape = _SHAPES[type(event)]
        if event.at is not at:  # the events of one command share their time
            at = event.at
            stamp = at.isoformat()
        if shape.lone is not None:  # most events concern one person
            person = getattr(event, shape.lone[0])
            cell = "" if person is None else people.tag(shape.lone[1], person)
        else:
            cell = _cell_of(people, event, shape) if shape.related else ""
        if shape.report:  # a report's activity and its kind's cell are its kind's
            activity, report = _activity(event, shape)
            who = people.who(event.actor)
            lines.append(f"{head}{seq},{activity},{stamp},{who},{after._value_},{kind},{report},{cell}\n")
        else:
            lines.append(
                f"{head}{seq},{shape.activity},{stamp},{people.who(event.actor)},{after._value_}{tail}{cell}\n"
            )
    text = "".join(lines)
    rows = len(lines)
    if text.count(",") != 9 * rows or text.count("\n") != rows or '"' in text or "\r" in text:
        return csv_text([case_log(events, case, objects=False)])  # a cell needs quoting
    return text


def _case_objects(case: Case, events: Sequence[Event], rows: Sequence[LogRow]) -> tuple[LogObject, ...]:
    """The objects of a case, each attribute with the times its value was set (OCEL 2.0).

    An object's attributes start at the event that brings it in (the referral for the
    case, its parties and their guardians; the proposal of a participant; the recording of
    the agreement and its items), and each later change is dated by the event that makes
    it: the case's stage and outcome, a party's withdrawal, the agreement's binding and an
    item's status. A minor's ``minor`` turns false at the first event from their 18th
    birthday on (the birth date itself stays out of the log). Nothing a reader could not
    have known at that moment is dated earlier.

    The rows are the events' own (`case_log`), which give each event's time and the stage after it.
    """
    if not events:
        return ()
    cid = case.id
    changes: dict[str, list[Attribute]] = {}  # object id -> its attributes' later values
    proposed: dict[str, str] = {}  # participant -> when they were proposed
    mediators: list[str] = []
    agreed = ""
    t0, opening = rows[0].timestamp, rows[0].stage
    stage = opening
    for event, row in zip(events, rows, strict=True):
        at = row.timestamp
        if row.stage != stage:
            stage = row.stage
            changes.setdefault(cid, []).append(("stage", stage, at))
            if Stage(stage).is_final:
                changes[cid].append(("outcome", stage, at))
        if isinstance(event, MediatorAssigned) and event.mediator_id not in mediators:
            mediators.append(event.mediator_id)
        elif isinstance(event, PartyWithdrew):
            changes.setdefault(f"{cid}/{event.party_id}", []).append(("withdrawn", True, at))
        elif isinstance(event, ParticipantProposed):
            proposed.setdefault(event.participant_id, at)
        elif isinstance(event, AgreementRecorded):  # the case's agreement is the last one recorded
            agreed = at
            for key in [k for k in changes if k == f"{cid}/agreement" or k.startswith(f"{cid}/item:")]:
                del changes[key]
        elif isinstance(event, AgreementBound):
            changes.setdefault(f"{cid}/agreement", []).append(("bound", True, at))
        elif isinstance(event, ItemFulfilled | ItemBreached):
            status = "fulfilled" if isinstance(event, ItemFulfilled) else "breached"
            changes.setdefault(f"{cid}/item:{event.item_id}", []).append(("status", status, at))

    for p in case.parties:  # a minor who comes of age during the case (R3, R10, R14)
        of_age = of_age_at(case, p)
        first = None if of_age is None else next((n for n, ev in enumerate(events) if ev.at >= of_age), None)
        if first is not None:
            changes.setdefault(f"{cid}/{p.id}", []).append(("minor", False, rows[first].timestamp))

    def made(
        oid: str, at: str, attributes: Iterable[tuple[str, AttributeValue]], key: str | None = None
    ) -> tuple[Attribute, ...]:
        return (*((name, value, at) for name, value in attributes), *changes.get(key or oid, ()))

    relations = [(f"{cid}/{p.id}", "party") for p in case.parties]
    relations += [(m, "mediator") for m in mediators]
    source = case.referral.source._value_
    opened = (("kind", case.kind._value_), ("source", source), ("parties", len(case.parties)))
    objects = [LogObject(cid, "case", made(cid, t0, (*opened, ("stage", opening), ("outcome", "open"))), ())]
    for p in case.parties:
        oid = f"{cid}/{p.id}"
        attributes = made(oid, t0, (("role", p.role._value_), ("minor", p.minor), ("withdrawn", False)))
        objects.append(LogObject(oid, "party", attributes, ((cid, "case"),)))
    guardians = {g for p in case.parties for g in p.guardians}  # known from the referral
    listed = set()
    for q in case.participants:
        listed.add(q.id)
        oid = f"{cid}/{q.id}"
        attributes = made(oid, t0 if q.id in guardians else proposed.get(q.id, t0), (("role", q.role._value_),))
        objects.append(LogObject(oid, "participant", attributes, ((cid, "case"),)))
    for p in case.parties:
        for g in p.guardians:
            if g not in listed:
                listed.add(g)
                relations_of_g = ((cid, "case"), (f"{cid}/{p.id}", "ward"))
                attributes = made(f"{cid}/{g}", t0, (("role", "guardian"),))
                objects.append(LogObject(f"{cid}/{g}", "participant", attributes, relations_of_g))
    agreement = case.agreement
    if agreement is not None:
        at = agreed or t0
        oid = f"{cid}/agreement"
        relations.append((oid, "agreement"))
        attributes = made(oid, at, (("items", len(agreement.items)), ("bound", False)))
        items = tuple((f"{cid}/{i.id}", "item") for i in agreement.items)
        objects.append(LogObject(oid, "agreement", attributes, ((cid, "case"), *items)))
        for i in agreement.items:
            attributes = made(f"{cid}/{i.id}", at, (("kind", i.kind._value_), ("status", "open")), f"{cid}/item:{i.id}")
            responsible = ((oid, "agreement"), (f"{cid}/{i.responsible}", "responsible"))
            objects.append(LogObject(f"{cid}/{i.id}", "item", attributes, responsible))
    objects[0] = objects[0]._replace(relations=tuple(relations))
    return tuple(objects)


def objects_cell(objects: Iterable[tuple[str, str, str]]) -> str:
    """The ``objects`` column of CSV: ``qualifier=id`` pairs separated by ``;``."""
    return ";".join(f"{q}={i}" for q, _, i in objects)


def csv_text(logs: Iterable[CaseLog], header: bool = False) -> str:
    """The CSV text of some cases' rows (with the header line if asked)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(COLUMNS)
    for log in logs:  # the cells of `objects_cell`, inline: this runs for every row of every case
        writer.writerows(
            [
                (case, seq, activity, at, role, actor, stage, kind, report, ";".join([f"{q}={i}" for q, _, i in refs]))
                for case, seq, activity, at, role, actor, stage, kind, report, refs in log.rows
            ]
        )
    return out.getvalue()
