"""A log of real cases as the conformance checker reads it: traces of events, whatever the file format.

Every reader (CSV, XES, OCEL 2.0, a foreign CSV through a mapping) ends here: one `Trace`
per case, each a tuple of `LogEvent` in the log's own order, with the facts about the
case that the format carries (its kind, who referred it, the parties' roles, ...).
`ACTIVITIES` is the one table from an activity's name to the event it records.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import NamedTuple

from attrs import field, frozen

from .._checks import id_problem, shown
from .._eventlog.log import REPORT_ACTIVITIES as LOGGED_REPORTS
from .._values import ActorKind, CaseKind, ItemKind, ParticipantRole, ReferralSource, ReportKind, Role
from ..errors import LogError
from ..events import EVENT_TYPES, Event, ReportSent

REPORT_ACTIVITIES: Mapping[str, ReportKind] = MappingProxyType({name: kind for kind, name in LOGGED_REPORTS.items()})
"""The activities that log a report by its kind: ``Report agreement``, ``Report fulfilment``, ``Report return``."""

ACTIVITIES: Mapping[str, tuple[type[Event], ReportKind | None]] = MappingProxyType(
    {
        **{kind.__name__: (kind, None) for kind in EVENT_TYPES},
        **{name: (ReportSent, kind) for name, kind in REPORT_ACTIVITIES.items()},
    }
)
"""Every activity name the library's logs use, with the event it records and, for a report, its kind.

An event's class name (``ConsentGiven``) is its activity; a report is ``ReportSent`` or the
activity of its kind. A mapping file maps another system's names onto these.
"""


class LogEvent(NamedTuple):
    """One event of a trace, as a log records it.

    Attributes:
        position: its place in the case's trace, from 1.
        activity: the activity as the log names it.
        event: the kind of event it records (from `ACTIVITIES`).
        at: when it happened (timezone-aware).
        actor: who acted, by id (``""`` when the log does not say).
        role: in which capacity they acted, when the log says.
        objects: ``(qualifier, id)`` of what it concerns besides the case: ``("party", "p1")``.
        report: for a report, its kind when the log says.
        where: where it is in the file, for messages (``"line 12"``).
    """

    position: int
    activity: str
    event: type[Event]
    at: datetime
    actor: str
    role: ActorKind | None
    objects: tuple[tuple[str, str], ...]
    report: ReportKind | None
    where: str

    def object(self, qualifier: str) -> str | None:
        """The id of the first object with this qualifier, or ``None``."""
        for q, oid in self.objects:
            if q == qualifier:
                return oid
        return None

    def all(self, qualifier: str) -> tuple[str, ...]:
        """The ids of every object with this qualifier, in order."""
        return tuple(oid for q, oid in self.objects if q == qualifier)


@frozen(kw_only=True, weakref_slot=False)
class Known:
    """What a log says about a case beyond its events (OCEL's objects, XES's trace attributes).

    Every field is empty when the log does not say; the checker then reads the events.

    Attributes:
        kind: criminal or civil.
        source: who referred it.
        parties: how many parties the case has.
        roles: ``(party, role)`` of each party whose role is known.
        minors: ``(party, minor)`` for each party the log says is or is not a minor.
        of_age: ``(party, moment)`` for each minor the log says came of age during the case.
        wards: ``(guardian, party)``: whose guardian each known guardian is.
        participants: ``(participant, role)`` of each participant whose role is known.
        responsible: ``(item, party)``: who owes each item.
        items: ``(item, kind)`` of each item whose kind is known.
    """

    kind: CaseKind | None = None
    source: ReferralSource | None = None
    parties: int | None = None
    roles: tuple[tuple[str, Role], ...] = ()
    minors: tuple[tuple[str, bool], ...] = ()
    of_age: tuple[tuple[str, datetime], ...] = ()
    wards: tuple[tuple[str, str], ...] = ()
    participants: tuple[tuple[str, ParticipantRole], ...] = ()
    responsible: tuple[tuple[str, str], ...] = ()
    items: tuple[tuple[str, ItemKind], ...] = ()


NOTHING_KNOWN = Known()


@frozen(kw_only=True, weakref_slot=False)
class Trace:
    """The events of one case in a log, in the log's order.

    Attributes:
        case_id: the case, as the log names it.
        events: its events, in the order the log lists them (not sorted by time: a time
            going backwards is something to report, R15).
        known: what the log says about the case besides its events.
    """

    case_id: str
    events: tuple[LogEvent, ...]
    known: Known = NOTHING_KNOWN


@frozen(kw_only=True, weakref_slot=False)
class EventLog:
    """A log of cases, read from a file.

    Attributes:
        traces: one per case, in the order each case first appears.
        format: the format it was read as: ``csv``, ``xes`` or ``ocel``.
        source: the file it was read from.
    """

    traces: tuple[Trace, ...]
    format: str
    source: str = field(default="")

    @property
    def events(self) -> int:
        """How many events the log holds."""
        return sum(len(t.events) for t in self.traces)


# --- helpers the readers share ---------------------------------------------------------


def checked_id(value: str, what: str, source: str, where: str) -> str:
    """`value` if it is an id the library accepts, else `LogError` naming the file and place."""
    if value in _CHECKED:
        return value
    problem = id_problem(value)
    if problem is not None:
        raise LogError(source, f"the {what} {problem}, got {shown(value)}", where=where)
    if len(_CHECKED) >= 100_000:
        _CHECKED.clear()
    _CHECKED.add(value)
    return value


_CHECKED: set[str] = set()
"""Ids already found good: a log names the same case and people again and again (bounded)."""


def local(value: str, case_id: str) -> str:
    """A person's or object's id within its case: our logs write per-case people as ``case/person``."""
    prefix = case_id + "/"
    return value[len(prefix) :] if value.startswith(prefix) and len(value) > len(prefix) else value


def timestamp(text: str, source: str, where: str) -> datetime:
    """An ISO 8601 time with its offset, or `LogError`."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise LogError(
            source, f"the time {shown(text)} is not an ISO 8601 time such as 2026-03-01T09:00:00+00:00", where=where
        ) from None
    return aware(at, text, source, where)


def aware(at: datetime, text: str, source: str, where: str) -> datetime:
    """`at` if it carries an offset and lies in the years the library computes with."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise LogError(
            source,
            f"the time {shown(text)} has no offset; write it as 2026-03-01T09:00:00+00:00 "
            "(or give a mapping with a timezone for a log of local times)",
            where=where,
        )
    if not 1900 <= at.year <= 8999:
        raise LogError(source, f"the time {shown(text)} is outside the years 1900 to 8999", where=where)
    return at


def role_of(text: str, source: str, where: str) -> ActorKind | None:
    """The capacity an actor acted in, from a role cell (``""`` means the log does not say)."""
    if not text:
        return None
    try:
        return ActorKind(text.strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in ActorKind)
        raise LogError(source, f"the role {shown(text)} is not one of {kinds}", where=where) from None


def unknown_activity(name: str, source: str, where: str, *, mapped: bool) -> LogError:
    """The error for an activity no table knows."""
    if mapped:
        hint = "add it to the mapping's [activities] table, or to its ignore list"
    else:
        hint = "this is not an activity of the library's logs; read another system's log with a mapping file"
    return LogError(source, f"unknown activity {shown(name)}: {hint}", where=where)
