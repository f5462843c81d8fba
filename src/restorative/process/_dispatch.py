"""Dispatch: `decide`, `evolve`, `handle`, `replay` and `allowed` for one process definition.

Pure functions of their arguments: no I/O, no clock, no randomness. `decide` checks the
stage (from the lifecycle), then hands the command to the decision its stage module
registered, which checks the actor (R14) and the rules and either raises or returns the
events; `evolve` folds one event into the case and never rejects an event `decide`
produced. A refused command changes nothing (R16): nothing is mutated anywhere.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from .._checks import shown
from .._lifecycle import FINAL_STAGES, Lifecycle, Stage
from .._replace import freeze, thaw, thawer, unfreeze
from .._values import Actor, ActorKind, Case
from ..commands import Command
from ..errors import InvalidInput, NotPermitted, RuleViolation, StageError
from ..events import Event
from ._registry import CommandRule, EventRule, Part, check

_REFUSALS = (InvalidInput, NotPermitted, RuleViolation, StageError)
_DEFINITIONS: dict[str, Process] = {}
_thaw_case = thawer(Case)


def definition(name: str) -> Process:
    """The process definition built under this name in this interpreter."""
    try:
        return _DEFINITIONS[name]
    except KeyError:
        raise InvalidInput(f"no process definition named {name!r}; known: {', '.join(sorted(_DEFINITIONS))}") from None


class Process:
    """A process definition: its lifecycle and what its stage modules registered, checked to agree.

    Args:
        name: the definition's name (``"mediation"``).
        lifecycle: its stages and triggers.
        parts: the registrations of its stage modules.
        commands: its command classes, in the order `allowed` lists them.
        events: its event classes.
        after_final: the events that may follow a final stage, which nothing else may (R2).

    Raises:
        DefinitionError: a command is not decided, an event not folded or described, a
            trigger not in the lifecycle, or something is registered twice.
    """

    def __init__(
        self,
        name: str,
        lifecycle: Lifecycle,
        *,
        parts: Sequence[Part],
        commands: Sequence[type[Command]],
        events: Sequence[type[Event]],
        after_final: Iterable[type[Event]] = (),
    ) -> None:
        check(name, parts, commands, events, lifecycle.triggers)
        self.name = name
        self.after_final: frozenset[type[Event]] = frozenset(after_final)
        """The events that may still follow a final stage (R2): the reports the rules require."""
        self.lifecycle = lifecycle
        self._moves = lifecycle.moves
        self.parts = tuple(parts)
        (self.opening,) = (o for part in parts for o in part.openings)
        rules = {rule.kind: rule for part in parts for rule in part.commands}
        self.commands: tuple[CommandRule[Any], ...] = tuple(rules[k] for k in commands if k in rules)
        """The registered commands in the definition's order (the opening command is apart)."""
        self._decisions = {kind: rule.decide for kind, rule in rules.items()}
        self._events: dict[type[Any], EventRule[Any]] = {r.kind: r for part in parts for r in part.events}
        self._folds = {kind: rule.fold for kind, rule in self._events.items()}
        self._order = {rule.kind: n for n, rule in enumerate(self.commands)}
        takes = lifecycle.takes
        self._possible: dict[Stage, tuple[str, ...]] = {
            stage: tuple(sorted(r.kind.__name__ for r in self.commands if r.kind.trigger in takes[stage]))
            for stage in Stage
        }
        self.capacities: dict[type[Command], frozenset[ActorKind]] = {
            self.opening.command: self.opening.by,
            **{rule.kind: rule.by for rule in self.commands},
        }
        """Who may send each command (R14), as the stage modules registered it."""
        _DEFINITIONS.setdefault(name, self)  # the first under a name is the one that pickles

    def __repr__(self) -> str:
        return f"<Process {self.name}>"

    def __reduce__(self) -> tuple[Any, ...]:
        # A definition pickles by name (its bound methods, too, for worker processes), so only the
        # first built under its name does: a worker finds it by importing the module that builds it.
        if _DEFINITIONS.get(self.name) is not self:
            raise pickle.PicklingError(f"process definition {self.name!r} is not the one registered under its name")
        return (definition, (self.name,))

    # --- decide -----------------------------------------------------------------

    def decide(self, case: Case | None, command: Command) -> tuple[Event, ...]:
        """Decide what `command` does to `case`, without changing anything.

        Args:
            case: the case as it stands, or ``None`` before it exists (only the opening
                command, `ReferCase`, opens one).
            command: what an actor asks.

        Returns:
            The events that record the decision, in order.

        Raises:
            InvalidInput: the command names someone or something the case does not know.
            StageError: the stage does not take the command.
            NotPermitted: the actor may not issue it (R14).
            RuleViolation: a rule refuses it now; the hint says what must happen first.
        """
        kind = type(command)
        decision = self._decisions.get(kind)
        if case is None:
            if kind is self.opening.command:
                return self.opening.decide(command)
            if decision is None:
                raise InvalidInput(f"not a restorative command: {shown(command)}", field="command")
            raise StageError(kind.__name__, None, (self.opening.command.__name__,))
        if decision is None and kind is not self.opening.command:
            raise InvalidInput(f"not a restorative command: {shown(command)}", field="command")
        _check_case(case, "decide")
        if decision is None:  # the opening command, sent to a case that is open already
            raise StageError(kind.__name__, case.stage, self._possible[case.stage])
        stage = case.stage
        if command.trigger not in self.lifecycle.takes[stage]:
            raise StageError(kind.__name__, stage, self._possible[stage])
        if command.at < case.updated_at:
            raise RuleViolation(
                "R15", stage, f"time never goes backwards: the case's last event was at {case.updated_at.isoformat()}"
            )
        return decision(case, command)

    # --- evolve -----------------------------------------------------------------

    def _check_fold(self, case: Any, event: Event) -> None:
        """R15 and R2 on the fold: a log whose time goes backwards, or that changes a closed case, is corrupt."""
        at = getattr(event, "at", None)
        if not isinstance(at, datetime) or at.tzinfo is None or at < case.updated_at:
            raise InvalidInput(
                f"R15: {type(event).__name__} at {at} comes before the last event of case {case.id} "
                f"({case.updated_at.isoformat()}); the log is corrupt or out of order"
            )
        if case.stage in FINAL_STAGES and type(event) not in self.after_final:
            raise InvalidInput(f"R2: case {case.id} is {case.stage.value}; {type(event).__name__} cannot follow")

    def evolve(self, case: Case | None, event: Event) -> Case:
        """Fold one event into the case (pure).

        Args:
            case: the case before the event, or ``None`` for the opening event.
            event: an event `decide` produced (or a store loaded).

        Returns:
            The case after the event.

        Raises:
            InvalidInput: the event cannot follow this case (a corrupt or foreign log).
        """
        if case is None:
            if type(event) is not self.opening.event:
                raise InvalidInput(
                    f"a case's log starts with {self.opening.event.__name__}, not {type(event).__name__}",
                    field="event",
                )
            at = event.at
            if not isinstance(at, datetime) or at.tzinfo is None:
                raise InvalidInput(f"{type(event).__name__} needs an aware time, not {shown(at)}")
            return self.opening.start(event)
        _check_case(case, "evolve")
        if type(event) not in self._folds and type(event) is not self.opening.event:
            raise InvalidInput(f"evolve takes an event of {self.name}, not {type(event).__name__}", field="event")
        return self._fold(case, event)

    def _fold(self, case: Case, event: Event) -> Case:
        """`evolve` of a case known to be a `Case`."""
        try:
            suspect = event.at < case.updated_at
        except (AttributeError, TypeError):  # no time, or one that does not compare: _check_fold says so
            suspect = True
        if suspect or (case.stage in FINAL_STAGES and type(event) not in self.after_final):
            self._check_fold(case, event)  # R15, R2 first, as they always were
        fold = self._folds.get(type(event))
        if fold is None:
            raise InvalidInput(f"{type(event).__name__} cannot follow the opening of case {case.id}")
        draft = _thaw_case(case)
        changes = fold(case, event)
        for name in changes:
            setattr(draft, name, changes[name])
        trigger = event.trigger
        if trigger is not None:
            after = self._moves.get((trigger, case.stage))
            draft.stage = self._move(case, event) if after is None else after  # _move raises, with the reason
        draft.version = case.version + 1
        draft.updated_at = event.at
        draft.__class__ = Case
        new: Case = draft
        return new

    def _move(self, case: Any, event: Event) -> Stage:
        try:
            return self.lifecycle.move(event, case.stage)
        except InvalidInput:
            raise InvalidInput(
                f"{type(event).__name__} cannot happen in stage {case.stage.value} (case {case.id})"
            ) from None

    def handle(self, case: Case | None, command: Command) -> tuple[Case, tuple[Event, ...]]:
        """Decide and fold in one step.

        Args:
            case: the case as it stands, or ``None`` for the opening command, `ReferCase`.
            command: what an actor asks.

        Returns:
            The case after the command and the events it produced.

        Raises:
            InvalidInput: as for `decide`.
            Refused: as for `decide` (a `StageError`, `NotPermitted` or `RuleViolation`);
                nothing is changed when it raises (R16).
        """
        events = self.decide(case, command)
        if case is None:
            new = self.replay(events)
        elif len(events) == 1:
            new = self._fold(case, events[0])  # decide has checked the case
        else:
            new = self.replay(events, start=case)
        return new, events

    def replay(self, events: Iterable[Event], start: Case | None = None) -> Case:
        """Rebuild a case from its events (R15): the same case `evolve` gives, event by event.

        The fold runs on a private mutable draft of the case and freezes it once at the
        end, so a long log costs one copy of the case rather than one per event.

        Raises:
            InvalidInput: there are no events, or they do not make a case.
        """
        try:
            it = iter(events)
        except TypeError:
            raise InvalidInput(
                f"replay takes an iterable of events, not {type(events).__name__}", field="events"
            ) from None
        if start is None:
            first = next(it, None)
            if first is None:
                raise InvalidInput(f"cannot replay an empty log: a case starts with {self.opening.event.__name__}")
            start = self.evolve(None, first)
            draft = unfreeze(start)  # a case made here, held by nothing else: no copy needed
        else:
            _check_case(start, "replay", field="start")
            draft = thaw(start)
        folds = self._folds
        after_final = self.after_final
        final = FINAL_STAGES
        count = 0
        event: Event | None = None
        try:
            for event, before, after in self.lifecycle.walk(it, start.stage, since=start.updated_at):
                kind = type(event)
                try:
                    fold = folds[kind]
                except KeyError:
                    raise InvalidInput(f"{kind.__name__} cannot follow the opening of case {start.id}") from None
                if before in final and kind not in after_final:
                    self._check_fold(draft, event)  # raises, with the reason (R2)
                changes = fold(draft, event)
                for name in changes:  # keys, then a lookup: cheaper than items() for one or two changes
                    setattr(draft, name, changes[name])
                if after is not before:
                    draft.stage = after
                count += 1
        except InvalidInput as error:
            if error.field is None and f"case {start.id}" not in str(error):
                raise InvalidInput(f"{error} (case {start.id})") from None
            raise
        if event is not None:  # the walk held the times to R15; the folds never read them
            draft.version = start.version + count
            draft.updated_at = event.at
        return freeze(draft, Case)

    # --- allowed ----------------------------------------------------------------

    def allowed(
        self, case: Case, actor: Actor, at: datetime | None = None, *, among: Iterable[type[Command]] | None = None
    ) -> tuple[type[Command], ...]:
        """The kinds of command `actor` could issue on `case` now: what a UI draws as buttons.

        A command whose arguments follow from the actor (consent for oneself, a guardian's
        consent for each ward, withdrawal, signing, accepting the case) is listed only if
        `decide` would accept it at `at`; commands that need more input (a meeting time,
        agreement items) are listed when the stage and the actor's capacity (R14) admit
        them, and `decide` still checks their arguments.

        Args:
            case: the case.
            actor: who asks.
            at: the time to judge by; defaults to the case's last event.
            among: only consider these kinds of command (cheaper when a caller weighs a few
                choices, as the simulator does); the result keeps the library's order.
        """
        _check_case(case, "allowed")
        if type(actor) is not Actor:
            raise InvalidInput(f"allowed asks for an Actor, not {type(actor).__name__}", field="actor")
        when = case.updated_at if at is None else at
        takes = self.lifecycle.takes[case.stage]
        kind = actor.kind
        rules = self.commands if among is None else self._among(among)
        result: list[type[Command]] = []
        for rule in rules:
            if rule.kind.trigger not in takes or kind not in rule.by:
                continue
            candidates = None if rule.candidates is None else rule.candidates(case, actor, when)
            if candidates is None:
                if _known(case, actor):
                    result.append(rule.kind)
                continue
            for candidate in candidates:
                try:
                    self.decide(case, candidate)
                except _REFUSALS:
                    continue
                result.append(rule.kind)
                break
        return tuple(result)

    def _among(self, among: Iterable[type[Command]]) -> list[CommandRule[Any]]:
        """The registered commands of `among`, once each, in the definition's order."""
        order = self._order
        try:
            return [self.commands[n] for n in sorted({order[k] for k in among if k in order})]
        except TypeError:
            raise InvalidInput("among takes command classes, such as (GiveConsent, Withdraw)", field="among") from None

    # --- describe ---------------------------------------------------------------

    def describe(self, event: Event) -> str:
        """One readable line for an event, naming people by id (never what was said in a meeting)."""
        if type(event) is self.opening.event:
            return self.opening.say(event)
        rule = self._events.get(type(event))
        if rule is None:
            raise InvalidInput(f"describe takes an event of {self.name}, not {type(event).__name__}", field="event")
        return str(rule.say(event))


def _check_case(case: object, where: str, *, field: str = "case") -> None:
    if type(case) is not Case:
        raise InvalidInput(f"{where} takes a Case, not {type(case).__name__}", field=field)


def _known(case: Case, actor: Actor) -> bool:
    """R14 by identity: staff and mediators of the case, or a party still in it; R5: no conflicted mediator."""
    if actor.kind is ActorKind.STAFF:
        return actor.id in case.staff
    if actor.kind is ActorKind.MEDIATOR:
        return actor.id in case.mediators and all(who != actor.id for who, _ in case.conflicts)
    party = case.party(actor.id) if actor.kind is ActorKind.PARTY else None
    return party is not None and not party.withdrawn
