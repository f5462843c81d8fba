"""Registrations: each stage module registers its commands and events once, on its own `Part`.

A `Part` is what one stage module contributes to a process definition: for every
command, its decision, the capacities (R14) that may send it and the candidates
`allowed` tries; for every event, its fold and its timeline sentence. A process
definition (`restorative.process.Process`) is built from parts and checks at import
that together they decide every command and fold and describe every event.

Nothing here is global: a second definition (a youth sanction, say) builds its own
parts, and may reuse some of these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs
from attrs import frozen

from .._values import Actor, ActorKind, Case
from ..commands import Command
from ..errors import DefinitionError
from ..events import Event

C = TypeVar("C", bound=Command)
E = TypeVar("E", bound=Event)

Events = tuple[Event, ...]
"""What a decision returns: the events that record it, in order."""
Changes = dict[str, Any]
"""What a fold returns: the fields of the case the event changes, by name (stage, version
and time are the dispatcher's)."""
Candidates = Callable[[Case, Actor, datetime], Sequence[Command] | None]
"""The concrete commands an actor's identity implies now, or ``None`` when more input is needed."""


def is_bare(kind: type[Any]) -> bool:
    """Whether a command needs nothing beyond its actor and time (every other field has a default)."""
    return all(f.name in ("actor", "at") or f.default is not attrs.NOTHING for f in attrs.fields(kind))


@frozen(kw_only=True)
class CommandRule(Generic[C]):
    """One command as its stage module registered it.

    Args:
        kind: the command class.
        decide: the decision: checks the guards and rules in order, returns the events.
        by: the capacities that may send it (R14); `allowed` asks no one else.
        candidates: what `allowed` tries for an actor, or ``None``: a bare command is
            tried as it is, any other is offered on capacity alone (its arguments are
            still checked when it is sent).
    """

    kind: type[C]
    decide: Callable[[Case, C], Events]
    by: frozenset[ActorKind]
    candidates: Candidates | None


@frozen(kw_only=True)
class EventRule(Generic[E]):
    """One event as its stage module registered it: its fold and its timeline sentence.

    A fold reads the case and returns the fields the event changes; it never copies or
    changes the case itself. `Process.replay` hands it a private draft of the case (the
    same fields, properties and methods, but not an instance of `Case`), so a fold reads
    fields and calls methods, and leaves `attrs.evolve`, `isinstance` and ``==`` alone.
    """

    kind: type[E]
    fold: Callable[[Case, E], Changes]
    say: Callable[[E], str]


@frozen(kw_only=True)
class Opening:
    """How a case of a definition opens: the command, its decision, its event and the event's fold.

    `start` must return a new case on every call, held by nothing else: `Process.replay`
    folds the rest of the log into the very case it returns.
    """

    command: type[Command]
    decide: Callable[[Any], Events]
    by: frozenset[ActorKind]
    event: type[Event]
    start: Callable[[Any], Case]
    say: Callable[[Any], str]


class Part:
    """The registrations of one stage module.

    Args:
        name: the stage module's name, for messages (``"consent"``).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.commands: list[CommandRule[Any]] = []
        self.events: list[EventRule[Any]] = []
        self.openings: list[Opening] = []

    def command(
        self, kind: type[C], *, by: Iterable[ActorKind], candidates: Candidates | None = None
    ) -> Callable[[Callable[[Case, C], Events]], Callable[[Case, C], Events]]:
        """Register the decorated function as the decision of `kind`."""

        def register(decide: Callable[[Case, C], Events]) -> Callable[[Case, C], Events]:
            tries = candidates
            if tries is None and is_bare(kind):
                tries = _bare(kind)
            self.commands.append(CommandRule(kind=kind, decide=decide, by=frozenset(by), candidates=tries))
            return decide

        return register

    def event(self, kind: type[E], *, say: Callable[[E], str]) -> Callable[[Callable[[Case, E], Changes]], Any]:
        """Register the decorated function as the fold of `kind`, with its timeline sentence."""

        def register(fold: Callable[[Case, E], Changes]) -> Callable[[Case, E], Changes]:
            self.events.append(EventRule(kind=kind, fold=fold, say=say))
            return fold

        return register

    def opening(self, opening: Opening) -> None:
        """Register how a case opens (one per definition)."""
        self.openings.append(opening)


def _bare(kind: type[Any]) -> Candidates:
    def candidates(case: Case, actor: Actor, at: datetime) -> Sequence[Command]:
        return (kind(actor=actor, at=at),)

    return candidates


def index_of(values: Sequence[Any], key: str) -> int:
    """Where the value with this ``id`` stands in `values`, or -1: for folds that change one of many."""
    n = 0  # counted by hand: enumerate's tuples cost more than the rest of the loop
    for value in values:
        if value.id == key:
            return n
        n += 1  # noqa: SIM113 - see above
    return -1


def no_change(case: Case, event: Event) -> Changes:
    """The fold of an event that changes nothing but the stage (if it moves) and the version."""
    return {}


def check(
    name: str,
    parts: Sequence[Part],
    commands: Sequence[type[Command]],
    events: Sequence[type[Event]],
    triggers: frozenset[str],
) -> None:
    """Check that the parts decide every command and fold and describe every event, once each.

    Raises:
        DefinitionError: naming every disagreement at once.
    """
    problems: list[str] = []
    opening = [o for part in parts for o in part.openings]
    if len(opening) != 1:
        problems.append(f"a definition opens one way, but {len(opening)} openings are registered")
    decided: dict[type[Any], str] = {o.command: "opening" for o in opening}
    folded: dict[type[Any], str] = {o.event: "opening" for o in opening}
    for part in parts:
        for rule in part.commands:
            if rule.kind in decided:
                problems.append(f"{rule.kind.__name__} is decided twice ({decided[rule.kind]} and {part.name})")
            decided[rule.kind] = part.name
            if rule.kind.trigger not in triggers:
                problems.append(f"{rule.kind.__name__}'s trigger {rule.kind.trigger!r} is not in the lifecycle")
            if not rule.by:
                problems.append(f"{rule.kind.__name__} names no capacity that may send it")
        for event_rule in part.events:
            if event_rule.kind in folded:
                problems.append(f"{event_rule.kind.__name__} is folded twice ({folded[event_rule.kind]}, {part.name})")
            folded[event_rule.kind] = part.name
    problems += [f"{kind.__name__} is not decided by any part" for kind in commands if kind not in decided]
    problems += [f"{kind.__name__} is decided but not a command of {name}" for kind in decided if kind not in commands]
    problems += [f"{kind.__name__} is not folded by any part" for kind in events if kind not in folded]
    problems += [f"{kind.__name__} is folded but not an event of {name}" for kind in folded if kind not in events]
    for kind in events:
        trigger = kind.trigger
        if trigger is not None and trigger not in triggers:
            problems.append(f"{kind.__name__}'s trigger {trigger!r} is not in the lifecycle")
    if problems:
        raise DefinitionError(name, problems)
