"""The event log of cases: one row per event, the objects each case touches, CSV.

A row holds outcomes and process facts only: the activity, when, who acted (their role
and id), the stage after it, and which objects it concerns. No free text of any event
(agreement wording, reasons, meeting content) ever reaches a row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import attrs

from .._events import EVENT_TYPES, AgreementRecorded, CaseReferred, Event, MediatorAssigned
from .._lifecycle import MOVES, Stage
from .._values import Case

COLUMNS = ("case_id", "seq", "activity", "timestamp", "role", "actor", "stage", "case_kind", "objects")
"""The columns of the CSV and Parquet logs, in order."""


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
    objects: tuple[tuple[str, str, str], ...]


class LogObject(NamedTuple):
    """An object of the OCEL log: a case, party, participant, mediator, agreement or item."""

    id: str
    type: str
    attributes: tuple[tuple[str, str], ...]
    relations: tuple[tuple[str, str], ...]
    """``(object id, qualifier)`` pairs: e.g. a case's parties, an item's responsible party."""


class CaseLog(NamedTuple):
    """Everything the exports need of one simulated case."""

    rows: tuple[LogRow, ...]
    objects: tuple[LogObject, ...]


def _person_type(case: Case, mediators: frozenset[str], person: str) -> str:
    if case.party(person) is not None:
        return "party"
    if person in mediators:
        return "mediator"
    return "participant"


def _ref(case: Case, mediators: frozenset[str], person: str) -> str:
    """A person's object id: mediators are shared between cases, everyone else is per case."""
    if person in mediators:
        return person
    return f"{case.id}/{person}"


def _mediators(events: Sequence[Event]) -> frozenset[str]:
    """Everyone who was a mediator of the case at some point (released ones too)."""
    return frozenset(e.mediator_id for e in events if isinstance(e, MediatorAssigned))


_PEOPLE = ("party_id", "mediator_id", "participant_id", "person_id", "signer_id", "guardian_id", "towards")


def _shape(kind: Any) -> tuple[str, tuple[tuple[str, str], ...], bool, bool, bool]:
    """Per event class, once: its activity name, the fields naming people (with their
    qualifiers), whether it names an item, whether it concerns the agreement, and whether
    it concerns any object besides the case."""
    names = {f.name for f in attrs.fields(kind)}
    people = tuple((n, n.removesuffix("_id")) for n in _PEOPLE if n in names)
    item = "item_id" in names
    agreement = kind.__name__.startswith(("Agreement", "CoolingOff"))
    return kind.__name__, people, item, agreement, bool(people or item or agreement or kind is CaseReferred)


def _objects_of(
    case: Case,
    mediators: frozenset[str],
    event: Event,
    *,
    people: tuple[tuple[str, str], ...],
    item: bool,
    agreement: bool,
) -> tuple[tuple[str, str, str], ...]:
    refs: list[tuple[str, str, str]] = []
    for name, qualifier in people:
        person = getattr(event, name)
        if person is not None:
            refs.append((qualifier, _person_type(case, mediators, person), _ref(case, mediators, person)))
    if item:
        refs.append(("item", "item", f"{case.id}/{getattr(event, 'item_id')}"))  # noqa: B009 - Event is a union
    if isinstance(event, CaseReferred):  # the referral names every party (and so every party is in a relation)
        refs.extend(("party", "party", f"{case.id}/{p.id}") for p in event.parties)
    elif isinstance(event, AgreementRecorded):
        refs.append(("agreement", "agreement", f"{case.id}/agreement"))
        refs.extend(("item", "item", f"{case.id}/{i.id}") for i in event.items)
    elif agreement:
        refs.append(("agreement", "agreement", f"{case.id}/agreement"))
    return tuple(refs)


_NONE: tuple[tuple[str, str, str], ...] = ()
_SHAPES: dict[Any, tuple[str, tuple[tuple[str, str], ...], bool, bool, bool]] = {k: _shape(k) for k in EVENT_TYPES}


def case_log(events: Sequence[Event], case: Case, *, objects: bool = True) -> CaseLog:
    """The rows and objects of one case, from its events and its final value.

    With ``objects=False`` the objects are left out (an empty tuple): the CSV and Parquet
    logs use the rows alone, and the objects are a sixth of the cost of a case's log.
    """
    kind = case.kind.value
    stage = Stage.REFERRED
    mediators = _mediators(events)
    rows = []
    for seq, event in enumerate(events, start=1):
        trigger = event.trigger
        if trigger is not None:
            stage = MOVES.get((trigger, stage), stage)
        actor = event.actor
        activity, people, item, agreement, related = _SHAPES[type(event)]
        rows.append(
            LogRow(
                case.id,
                seq,
                activity,
                event.at.isoformat(),
                actor.kind.value,
                _ref(case, mediators, actor.id) if actor.kind.value != "staff" else actor.id,
                stage.value,
                kind,
                _objects_of(case, mediators, event, people=people, item=item, agreement=agreement)
                if related
                else _NONE,
            )
        )
    return CaseLog(tuple(rows), _case_objects(case, events) if objects else ())


def _case_objects(case: Case, events: Sequence[Event]) -> tuple[LogObject, ...]:
    mediators: list[str] = []
    for event in events:
        m = getattr(event, "mediator_id", None)
        if m is not None and m not in mediators:
            mediators.append(m)
    relations = [(f"{case.id}/{p.id}", "party") for p in case.parties]
    relations += [(m, "mediator") for m in mediators]
    objects = [
        LogObject(
            case.id,
            "case",
            (("kind", case.kind.value), ("source", case.referral.source.value), ("outcome", case.stage.value)),
            (),
        )
    ]
    for p in case.parties:
        objects.append(
            LogObject(
                f"{case.id}/{p.id}",
                "party",
                (("role", p.role.value), ("minor", "yes" if p.minor else "no")),
                ((case.id, "case"),),
            )
        )
    listed = set()
    for q in case.participants:
        listed.add(q.id)
        objects.append(LogObject(f"{case.id}/{q.id}", "participant", (("role", q.role.value),), ((case.id, "case"),)))
    for p in case.parties:
        for g in p.guardians:
            if g not in listed:
                listed.add(g)
                relations_of_g = ((case.id, "case"), (f"{case.id}/{p.id}", "ward"))
                objects.append(LogObject(f"{case.id}/{g}", "participant", (("role", "guardian"),), relations_of_g))
    if case.agreement is not None:
        relations.append((f"{case.id}/agreement", "agreement"))
        objects.append(
            LogObject(
                f"{case.id}/agreement",
                "agreement",
                (("items", str(len(case.agreement.items))),),
                ((case.id, "case"), *((f"{case.id}/{i.id}", "item") for i in case.agreement.items)),
            )
        )
        for i in case.agreement.items:
            objects.append(
                LogObject(
                    f"{case.id}/{i.id}",
                    "item",
                    (("kind", i.kind.value), ("status", i.status.value)),
                    ((f"{case.id}/agreement", "agreement"), (f"{case.id}/{i.responsible}", "responsible")),
                )
            )
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
    for log in logs:
        writer.writerows((*row[:8], objects_cell(row.objects)) for row in log.rows)
    return out.getvalue()
