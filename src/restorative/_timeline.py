"""Readable one-line descriptions of events and commands, for timelines in a terminal or a log.

A description names people by id and never holds anything said in a meeting. Every time
it shows is in UTC, whatever offset it was given with, so that the lines of a timeline
read in time order: 09:00+02:00 is shown as 07:00 UTC, before 08:00 UTC.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import attrs

from .commands import Command
from .errors import InvalidInput
from .events import EVENT_TYPES, Event
from .process import MEDIATION


def moment(at: datetime) -> str:
    """A time as timelines and the command line show it: in UTC, to the minute, marked ``UTC``."""
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def iso_utc(at: datetime) -> str:
    """A time as the command line's JSON documents hold it: ISO 8601 in UTC (``+00:00``)."""
    return at.astimezone(UTC).isoformat()


def in_utc(value: Any) -> Any:
    """`value` with every aware datetime in it (in fields of attrs values and in tuples) moved to UTC.

    The same object comes back when nothing in it changes.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo is UTC or value.tzinfo is None else value.astimezone(UTC)
    if type(value) is tuple:
        moved = tuple(in_utc(entry) for entry in value)
        return value if all(a is b for a, b in zip(moved, value, strict=True)) else moved
    if attrs.has(type(value)):
        changes = {}
        for field in attrs.fields(type(value)):
            if not field.init:
                continue
            old = getattr(value, field.name)
            new = in_utc(old)
            if new is not old:
                changes[field.alias or field.name] = new
        return attrs.evolve(value, **changes) if changes else value
    return value


def describe(event: Event) -> str:
    """One readable line for an event, naming people by id; the times in it are in UTC.

    Raises:
        InvalidInput: `event` is not an event.
    """
    if not isinstance(event, EVENT_TYPES):
        return MEDIATION.describe(event)  # refuses it, naming what it was given
    return MEDIATION.describe(in_utc(event))


def timeline(events: Iterable[Event]) -> str:
    """A readable timeline: one line per event with its time (in UTC, marked so) and actor.

    Raises:
        InvalidInput: `events` is not an iterable of events.
    """
    if isinstance(events, str | bytes) or not isinstance(events, Iterable):
        raise InvalidInput(
            f"timeline: events must be an iterable of events, got {type(events).__name__}", field="events"
        )
    lines = []
    for event in events:
        if not isinstance(event, EVENT_TYPES):
            raise InvalidInput(f"timeline: events must hold only events, got {type(event).__name__}", field="events")
        lines.append(f"{moment(event.at)}  {event.actor.id:<12} {describe(event)}")
    return "\n".join(lines)


def describe_command(command: Command) -> str:
    """One readable line for a command: its name, who sent it, and its arguments (items by id); times in UTC."""
    args = []
    for field in attrs.fields(type(command)):
        if field.name in ("actor", "at"):
            continue
        value = getattr(command, field.name)
        if isinstance(value, tuple):
            value = "[" + ", ".join(getattr(v, "id", str(v)) for v in value) + "]"
        elif isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, datetime):
            value = moment(value)
        elif not isinstance(value, str | bool | int) and value is not None:
            value = getattr(value, "name", type(value).__name__)
        args.append(f"{field.name}={value}")
    who = f"{command.actor.id} ({command.actor.kind.value})"
    return f"{type(command).__name__}({', '.join(args)}) by {who} at {moment(command.at)}"
