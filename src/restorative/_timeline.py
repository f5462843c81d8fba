"""Readable one-line descriptions of events and commands, for timelines in a terminal or a log.

A description names people by id and never holds anything said in a meeting.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

import attrs

from .commands import Command
from .events import Event
from .process import MEDIATION


def describe(event: Event) -> str:
    """One readable line for an event, naming people by id."""
    return MEDIATION.describe(event)


def timeline(events: Iterable[Event]) -> str:
    """A readable timeline: one line per event with its time and actor."""
    return "\n".join(f"{ev.at:%Y-%m-%d %H:%M}  {ev.actor.id:<12} {describe(ev)}" for ev in events)


def describe_command(command: Command) -> str:
    """One readable line for a command: its name, who sent it, and its arguments (items by id)."""
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
            value = f"{value:%Y-%m-%d %H:%M}"
        elif not isinstance(value, str | bool | int) and value is not None:
            value = getattr(value, "name", type(value).__name__)
        args.append(f"{field.name}={value}")
    who = f"{command.actor.id} ({command.actor.kind.value})"
    return f"{type(command).__name__}({', '.join(args)}) by {who} at {command.at:%Y-%m-%d %H:%M}"
