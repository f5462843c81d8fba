"""The lifecycle of a case: its stages, the triggers that move them, and the stage walk.

This module is the one place that says which trigger moves a case from which stage
to which. A `Lifecycle` wraps one `transitions.Machine`, built once per process
definition, never one per case (a machine or ``add_model`` per case costs kilobytes and
slows down as cases accumulate); the tables the engine reads (`Lifecycle.moves`,
`Lifecycle.takes`) are derived from that machine once, and the machine itself stays
private, so nothing can change it after the tables were read.

Two kinds of trigger live in the machine:

* **moves** change the stage; an event that carries the trigger moves the case
  (``CaseAccepted`` carries ``accept``);
* **steps** are the commands a stage takes without changing it (internal
  transitions, ``dest=None``), such as ``give_consent`` during ``consent``.

A trigger may be a move in one stage and a step in another: ``schedule`` moves a case
from ``preparation`` to ``meeting``, and in ``follow_up`` it schedules a follow-up
meeting that keeps the case there (R19), so an event carrying it keeps the stage.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING

from transitions import Machine

from .errors import InvalidInput

if TYPE_CHECKING:
    from .events import Event


class IdentityEnum(enum.Enum):
    """An enum whose members hash by identity.

    Members are singletons compared by identity, so identity hashing is exact, and it
    keeps enum's Python-level ``__hash__`` off the hot path of every set and table keyed
    by a member (stages, actor kinds, roles, referral sources).
    """

    __hash__ = object.__hash__


class Stage(IdentityEnum):
    """A stage of a mediation case (see the Stages section of docs/concepts.md)."""

    REFERRED = "referred"
    CONSENT = "consent"
    PREPARATION = "preparation"
    MEETING = "meeting"
    AGREEMENT = "agreement"
    COOLING_OFF = "cooling_off"
    FOLLOW_UP = "follow_up"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    NO_AGREEMENT = "no_agreement"
    FULFILLED = "fulfilled"
    BREACHED = "breached"

    @property
    def is_final(self) -> bool:
        """Whether the stage is final (absorbing, R2)."""
        return self in FINAL_STAGES


ACTIVE_STAGES: tuple[Stage, ...] = (
    Stage.REFERRED,
    Stage.CONSENT,
    Stage.PREPARATION,
    Stage.MEETING,
    Stage.AGREEMENT,
    Stage.COOLING_OFF,
    Stage.FOLLOW_UP,
)
"""Stages in which the case is still open, in process order."""

FINAL_STAGES: frozenset[Stage] = frozenset(
    {Stage.DECLINED, Stage.WITHDRAWN, Stage.NO_AGREEMENT, Stage.FULFILLED, Stage.BREACHED}
)
"""Stages that end a case; none of them ever changes (R2)."""

_S = Stage
_BEFORE_BINDING = [_S.REFERRED, _S.CONSENT, _S.PREPARATION, _S.MEETING, _S.AGREEMENT, _S.COOLING_OFF]
_UP_TO_MEETING = [_S.REFERRED, _S.CONSENT, _S.PREPARATION, _S.MEETING]

# The mediation process: (trigger, sources, destination); destination None is a step that keeps the stage.
MEDIATION_TABLE: tuple[tuple[str, Sequence[Stage], Stage | None], ...] = (
    # moves
    ("accept", [_S.REFERRED], _S.CONSENT),
    ("decline", [_S.REFERRED], _S.DECLINED),
    ("prepare", [_S.CONSENT], _S.PREPARATION),
    ("schedule", [_S.PREPARATION], _S.MEETING),
    ("adjourn", [_S.MEETING], _S.PREPARATION),
    ("agree", [_S.MEETING], _S.AGREEMENT),
    ("fail", [_S.MEETING, _S.AGREEMENT], _S.NO_AGREEMENT),
    ("cool_off", [_S.AGREEMENT], _S.COOLING_OFF),
    ("bind", [_S.AGREEMENT, _S.COOLING_OFF], _S.FOLLOW_UP),
    ("withdraw", _BEFORE_BINDING, _S.WITHDRAWN),
    ("fulfil", [_S.FOLLOW_UP], _S.FULFILLED),
    ("breach", [_S.FOLLOW_UP], _S.BREACHED),
    # steps
    ("withdraw", [_S.FOLLOW_UP], None),
    ("schedule", [_S.FOLLOW_UP], None),  # a follow-up meeting (oppfølgingsmøte) keeps the case in follow-up (R19)
    ("assign_staff", list(ACTIVE_STAGES), None),
    ("assign_mediator", _UP_TO_MEETING, None),
    ("release_mediator", _UP_TO_MEETING, None),
    ("declare_conflict", _UP_TO_MEETING, None),
    ("record_admission", [_S.REFERRED, _S.CONSENT], None),
    ("inform_party", [_S.REFERRED, _S.CONSENT], None),
    ("give_consent", [_S.CONSENT], None),
    ("give_guardian_consent", [_S.CONSENT], None),
    ("dispense_guardian_consent", [_S.CONSENT], None),
    ("hold_preparatory_talk", [_S.PREPARATION], None),
    ("grant_exemption", [_S.CONSENT, _S.PREPARATION], None),
    ("propose_participant", [_S.CONSENT, _S.PREPARATION], None),
    ("disclose_participant", [_S.CONSENT, _S.PREPARATION], None),
    ("approve_participant", [_S.CONSENT, _S.PREPARATION], None),
    ("agree_confidentiality", [_S.PREPARATION, _S.MEETING, _S.FOLLOW_UP], None),
    ("hold_meeting", [_S.MEETING, _S.FOLLOW_UP], None),
    ("sign_agreement", [_S.AGREEMENT], None),
    ("end_cooling_off", [_S.COOLING_OFF], None),
    ("report_item", [_S.FOLLOW_UP], None),
    ("check_deadlines", [_S.FOLLOW_UP], None),
)


_DAWN = datetime.min.replace(tzinfo=UTC)

Transition = tuple[str, Stage, Stage | None]
"""A transition of a lifecycle: (trigger, source, destination, or ``None`` for a step)."""


Step = tuple["Event", Stage, Stage]
"""One event of a log with the stage before it and the stage after it (the same for a step)."""


class Lifecycle:
    """The stages and triggers of one process definition, and the tables derived from its machine.

    Args:
        name: the process definition's name.
        table: ``(trigger, sources, destination)`` rows; a destination of ``None`` is a
            step, a command the stages take without changing stage.
        initial: the stage a new case starts in.
    """

    def __init__(
        self, name: str, table: Iterable[tuple[str, Sequence[Stage], Stage | None]], initial: Stage = Stage.REFERRED
    ) -> None:
        self.name = name
        self.initial = initial
        machine = Machine(
            model=None,
            states=[stage.value for stage in Stage],
            initial=initial.value,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )
        for trigger, sources, dest in table:
            machine.add_transition(trigger, [s.value for s in sources], dest.value if dest is not None else None)
        self._machine = machine  # private: the tables below are read from it once
        found: list[Transition] = [
            (name, Stage(source), None if move.dest is None else Stage(move.dest))
            for name, event in machine.events.items()
            for source, moves in event.transitions.items()
            for move in moves
        ]
        self.transitions: tuple[Transition, ...] = tuple(found)
        """Every transition of the machine, moves and steps, in machine order."""
        self.moves: Mapping[tuple[str, Stage], Stage] = MappingProxyType(
            {(t, source): dest for t, source, dest in found if dest is not None}
        )
        """``(trigger, stage) -> stage`` for every stage-changing transition."""
        takes: dict[Stage, set[str]] = {stage: set() for stage in Stage}
        for t, source, _ in found:
            takes[source].add(t)
        self.takes: Mapping[Stage, frozenset[str]] = MappingProxyType(
            {stage: frozenset(names) for stage, names in takes.items()}
        )
        """``stage -> triggers`` the stage takes (moves and steps)."""
        self.triggers: frozenset[str] = frozenset(t for t, _, _ in found)
        """Every trigger the machine knows."""

    def move(self, event: Event, stage: Stage) -> Stage:
        """The stage after `event` in `stage`: a move's destination, or `stage` itself.

        An event without a trigger keeps the stage, and so does one whose trigger is a step
        of `stage` (``schedule`` in ``follow_up``).

        Raises:
            InvalidInput: the event's trigger does not move a case out of `stage` and is no
                step of it (in a final stage: never, R2), or `event` is not an event.
        """
        try:
            trigger = event.trigger
        except AttributeError:
            raise InvalidInput(f"the stage walk takes events, not {type(event).__name__}") from None
        if trigger is None:
            return stage
        after = self.moves.get((trigger, stage))
        if after is not None:
            return after
        if trigger in self.takes[stage]:  # a step of this stage: the stage stays
            return stage
        if stage.is_final:
            raise InvalidInput(f"R2: {type(event).__name__} cannot happen in the final stage {stage.value}")
        raise InvalidInput(f"{type(event).__name__} cannot happen in stage {stage.value}")

    def walk(self, events: Iterable[Event], start: object = None, *, since: object = None) -> Iterator[Step]:
        """The stage walk: each event with the stage before and after it, from `start`.

        The one place that follows a log through the stages; the decider, the store's
        listing, the KPIs, the event log and the verifier all walk with it. It also holds
        the log to R15: no event comes before the one before it (or before `since`, the
        time of the last event already folded).

        Raises:
            InvalidInput: an event's trigger cannot move the case from the stage it is in
                (R2 in a final stage), an event goes back in time (R15), or an item of the
                log has no trigger and time. The walk reads only those two; whether an
                item is an event of the definition is for the fold (`Process.replay`) to say.
        """
        # `start` (a Stage or None) and `since` (an aware datetime or None) are typed loosely here and
        # checked below, so that a compiled build answers a wrong one with InvalidInput too.
        stage = self.initial if start is None else start
        if not isinstance(stage, Stage):
            raise InvalidInput(f"the stage walk starts from a Stage, not {start!r:.100}", field="start")
        last = _DAWN if since is None else since
        if not isinstance(last, datetime) or last.tzinfo is None:
            raise InvalidInput(f"the stage walk's since is an aware datetime, not {since!r:.100}", field="since")
        moves = self.moves
        try:
            log = iter(events)
        except TypeError:
            raise InvalidInput(f"the stage walk takes an iterable of events, not {type(events).__name__}") from None
        for event in log:
            try:
                trigger = event.trigger
                at = event.at
                backwards = at < last
            except (AttributeError, TypeError):
                raise InvalidInput(f"the stage walk takes events with aware times, not {event!r:.200}") from None
            if backwards:
                raise InvalidInput(
                    f"R15: {type(event).__name__} at {at.isoformat()} comes before the event before it "
                    f"({last.isoformat()}); the log is corrupt or out of order"
                )
            last = at
            if trigger is None:
                yield event, stage, stage
                continue
            after = moves.get((trigger, stage))
            if after is None:
                yield event, stage, self.move(event, stage)  # a step keeps the stage; anything else raises
            else:
                yield event, stage, after
                stage = after

    def mermaid(self) -> str:
        """The lifecycle as a Mermaid ``stateDiagram-v2``, moves only, in machine order."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial.value}"]
        lines += [f"    {src.value} --> {dest.value}: {t}" for t, src, dest in self.transitions if dest is not None]
        lines += [f"    {stage.value} --> [*]" for stage in Stage if stage.is_final]
        return "\n".join(lines) + "\n"


MEDIATION: Lifecycle = Lifecycle("mediation", MEDIATION_TABLE)
"""The lifecycle of the mediation process definition, built once."""


def walk(events: Iterable[Event], start: object = None, *, since: object = None) -> Iterator[Step]:
    """The mediation stage walk: each event with the stage before and after it (see `Lifecycle.walk`).

    The library's own callers use this one; `restorative.process.walk` is the same walk with
    its arguments' types spelled out.
    """
    return MEDIATION.walk(events, start, since=since)


def mermaid() -> str:
    """The mediation lifecycle as a Mermaid ``stateDiagram-v2``, moves only, in machine order."""
    return MEDIATION.mermaid()
