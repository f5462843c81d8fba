"""Drive real commands through the decider: the `History` value and walks towards a stage."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

import attrs
from attrs import frozen

from .. import _arguments as arguments
from .._checks import check_tuple, check_type
from .._lifecycle import FINAL_STAGES, MEDIATION, Stage
from .._timeline import timeline
from .._values import Case
from ..commands import AdjournMeeting, AssignStaff, Command, DeclareConflict, ReferCase, ReleaseMediator
from ..errors import RestorativeError
from ..events import Event
from ..process._mediation import decide, replay
from ..verify import _alphabet
from ..verify._alphabet import Cast, state_key

RANK: dict[Stage, int] = {
    Stage.REFERRED: 0,
    Stage.CONSENT: 1,
    Stage.DECLINED: 1,
    Stage.PREPARATION: 2,
    Stage.MEETING: 3,
    Stage.AGREEMENT: 4,
    Stage.NO_AGREEMENT: 4,
    Stage.COOLING_OFF: 5,
    Stage.FOLLOW_UP: 6,
    Stage.FULFILLED: 7,
    Stage.BREACHED: 7,
    Stage.WITHDRAWN: 0,
}
"""How far along the process each stage is; a withdrawal can end any stage."""


@frozen
class History:
    """A case together with the commands and events that made it.

    Build one with `History.open` and `then`; the testing kit's strategies, fixtures and
    assertions all take one, so a failing check can show how the case got where it is.

    Args:
        case: the case as it stands.
        commands: every accepted command, the referral first.
        events: every event, in order.
    """

    case: Case = attrs.field(validator=check_type(Case))
    commands: tuple[Command, ...] = attrs.field(validator=check_tuple)
    events: tuple[Event, ...] = attrs.field(validator=check_tuple)

    @classmethod
    def open(cls, referral: ReferCase) -> History:
        """Open a case from its referral (raises the decider's error if it is refused)."""
        arguments.instance("History.open", "referral", referral, ReferCase, "a ReferCase")
        events = decide(None, referral)
        return cls(case=replay(events), commands=(referral,), events=events)

    def then(self, command: Command) -> History:
        """The history after `command`; raises the decider's error, and changes nothing, if it is refused."""
        return self.after(command, decide(self.case, command))

    def after(self, command: Command, events: Sequence[Event]) -> History:
        """The history after `command` recorded `events` (as the system under test answered)."""
        case = replay(events, start=self.case)
        return History(case=case, commands=(*self.commands, command), events=(*self.events, *events))

    def timeline(self) -> str:
        """The events as readable lines: when, who, what."""
        return timeline(self.events)


def successors(history: History, cast: Cast) -> list[tuple[Command, Case]]:
    """The accepted commands of the alphabet and the case each leads to."""
    out = []
    for command in _alphabet.commands(history.case, cast):
        try:
            events = decide(history.case, command)
        except RestorativeError:
            continue
        out.append((command, replay(events, start=history.case)))
    return out


def _reaches() -> dict[Stage, frozenset[Stage]]:
    """For each stage, the stages the machine's moves can take a case to (itself included)."""
    out: dict[Stage, frozenset[Stage]] = {}
    for start in Stage:
        seen, todo = {start}, [start]
        while todo:
            here = todo.pop()
            for (_, source), dest in MEDIATION.moves.items():
                if source is here and dest not in seen:
                    seen.add(dest)
                    todo.append(dest)
        out[start] = frozenset(seen)
    return out


REACHES = _reaches()


def towards(target: Stage, before: Case, after: Case) -> bool:
    """Whether a step from `before` to `after` changes the case and keeps `target` reachable without passing it."""
    if target not in REACHES[after.stage] or state_key(after) == state_key(before):
        return False
    return after.stage in FINAL_STAGES or target in FINAL_STAGES or RANK[after.stage] <= RANK[target]


Choose = Callable[[History, Sequence[tuple[Command, Case]]], int | None]
"""Picks one of the options by index, or ``None`` to stop choosing: the walk then stops if it
is at its target and otherwise finishes greedily."""


_DETOURS = (AdjournMeeting, AssignStaff, DeclareConflict, ReleaseMediator)
"""Commands the greedy part of a walk takes only when nothing else is new: they do not move a case on."""


def walk(history: History, target: Stage, cast: Cast, choose: Choose | None = None, limit: int = 400) -> History:
    """Walk from `history` to a case in `target`: `choose` picks steps while it wants, then greedily.

    The greedy part takes the first command of the alphabet that ends in `target`, else
    the first that leads to a state it has not visited and keeps `target` reachable,
    preferring those that move the case on (no adjournment, release or conflict), so it
    arrives for any target the configuration can reach.
    """
    visited = {state_key(history.case)}
    for _ in range(limit):
        case = history.case
        options = [(cmd, nxt) for cmd, nxt in successors(history, cast) if towards(target, case, nxt)]
        picked = None if choose is None or not options else choose(history, options)
        if picked is None:
            if choose is not None:  # the greedy part avoids only the states it visited itself
                choose, visited = None, {state_key(case)}
            if case.stage is target:
                return history
            fresh = [o for o in options if state_key(o[1]) not in visited]
            finishing = [o for o in fresh if o[1].stage is target]
            progress = [o for o in fresh if not isinstance(o[0], _DETOURS)]
            if not (finishing or progress or fresh):
                break
            picked = options.index((finishing or progress or fresh)[0])
        history = history.then(options[picked][0])
        visited.add(state_key(history.case))
    raise AssertionError(f"no walk reached {target.value} from {history.case.stage.value}:\n{history.timeline()}")


def later(command: Command, delta: timedelta) -> Command:
    """The same command sent `delta` later (a meeting keeps its distance from the scheduling)."""
    changes: dict[str, object] = {"at": command.at + delta}
    starts_at = getattr(command, "starts_at", None)
    if starts_at is not None:
        changes["starts_at"] = starts_at + delta
    return attrs.evolve(command, **changes)  # type: ignore[arg-type]
