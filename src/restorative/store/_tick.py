"""Sending the timed commands that are due: what ``restorative tick`` runs, safe to run twice at once."""

from __future__ import annotations

import functools
from datetime import datetime

from attrs import frozen

from .._checks import shown
from .._due import due
from .._values import Actor, ActorKind, Case
from ..commands import Command
from ..errors import InvalidInput
from ..events import Event
from ..process._mediation import decide
from . import _fold
from ._protocol import EventStore
from ._retry import retry


@frozen(kw_only=True, weakref_slot=False)
class Sent:
    """One timed command that `tick` sent.

    Args:
        case_id: the case.
        command: the command sent (`EndCoolingOff` or `CheckDeadlines`).
        events: the events it produced.
    """

    case_id: str
    command: Command
    events: tuple[Event, ...]


def tick(store: EventStore, *, at: datetime, actor: Actor | None = None) -> list[Sent]:
    """Send every timed command that is due at `at` (see `restorative.due`), and nothing else.

    Each case is loaded afresh and asked what is due before anything is sent, and a
    writer that came first is retried from that reload, so two ticks running at once
    (two cron jobs, two servers) send each due command exactly once; a tick with nothing
    due sends nothing and is refused nothing. Each command is dated at the moment it fell
    due (or at the case's last event, if that is later), so a tick that runs late does not
    move when a cooling-off period ended or an item fell overdue. A case whose last event
    is later than `at` is left alone (time never goes back, R15).

    Args:
        store: the store to act on.
        at: the time of the tick, normally now.
        actor: who sends the commands; by default each case's first assigned member of
            staff (the one the referral assigned). Another actor must be assigned staff.

    Returns:
        What was sent, case by case, in the order sent.
    """
    if not isinstance(store, EventStore):
        raise InvalidInput(f"tick takes an event store, got {shown(store)}", field="store")
    _fold.check_moment(at, "at")
    if actor is not None and not isinstance(actor, Actor):
        raise InvalidInput(f"actor must be a restorative.Actor or None, got {shown(actor)}", field="actor")
    sent: list[Sent] = []
    for summary in store.due(before=at):
        for _ in range(4):  # ending cooling-off may leave an item overdue at once: a second command
            done = retry(functools.partial(_send_due, store, summary.case_id, at, actor), attempts=10)
            if done is None:
                break
            sent.append(done)
    return sent


def _send_due(store: EventStore, case_id: str, at: datetime, actor: Actor | None) -> Sent | None:
    case: Case = store.load(case_id)
    ready = [d for d in due(case) if d.at <= at]
    if not ready or at < case.updated_at:
        return None
    sender = actor if actor is not None else Actor(id=case.staff[0], kind=ActorKind.STAFF)
    command = ready[0].send(sender, max(ready[0].at, case.updated_at))  # when it fell due, not when cron ran
    # decided on the case just read and appended at its version: a tick that came first in between is a
    # ConcurrencyError, and the retry reads the case again and finds nothing left to send (a second
    # read here, as `handle` makes, could meet the case already moved on and be refused instead)
    events = decide(case, command)
    store.append(case_id, events, case.version)
    return Sent(case_id=case_id, command=command, events=events)
