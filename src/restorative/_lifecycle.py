"""The lifecycle of a mediation case: its stages and the triggers that move them.

This module is the one place that says which trigger moves a case from which stage
to which: one `transitions.Machine`, built once per process definition, never one
per case (a machine or ``add_model`` per case costs kilobytes and slows down as cases
accumulate). The decider derives its lookup tables from this machine at import.

Two kinds of trigger live in the machine:

* **moves** change the stage; an event that carries the trigger moves the case
  (``CaseAccepted`` carries ``accept``);
* **steps** are the commands a stage takes without changing it (internal
  transitions, ``dest=None``), such as ``give_consent`` during ``consent``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from transitions import Machine


class Stage(enum.Enum):
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

    # Members are singletons compared by identity, so identity hashing is exact, and it keeps
    # enum's Python-level __hash__ off the hot path of every table lookup keyed by stage.
    __hash__ = object.__hash__

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

# (trigger, sources, destination); destination None is a step that keeps the stage.
_TABLE: tuple[tuple[str, list[Stage], Stage | None], ...] = (
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
    ("agree_confidentiality", [_S.PREPARATION, _S.MEETING], None),
    ("hold_meeting", [_S.MEETING], None),
    ("sign_agreement", [_S.AGREEMENT], None),
    ("end_cooling_off", [_S.COOLING_OFF], None),
    ("report_item", [_S.FOLLOW_UP], None),
    ("check_deadlines", [_S.FOLLOW_UP], None),
)


def _build() -> Machine:
    machine = Machine(
        model=None,
        states=[stage.value for stage in Stage],
        initial=Stage.REFERRED.value,
        auto_transitions=False,
        ignore_invalid_triggers=False,
    )
    for trigger, sources, dest in _TABLE:
        machine.add_transition(
            trigger,
            [stage.value for stage in sources],
            dest.value if dest is not None else None,
        )
    return machine


MACHINE: Machine = _build()
"""The lifecycle machine of the mediation process definition, built once per process."""


def _moves(machine: Machine) -> dict[tuple[str, Stage], Stage]:
    moves: dict[tuple[str, Stage], Stage] = {}
    for name, event in machine.events.items():
        for source, transitions in event.transitions.items():
            for transition in transitions:
                if transition.dest is not None:
                    moves[(name, Stage(source))] = Stage(transition.dest)
    return moves


def _takes(machine: Machine) -> dict[Stage, frozenset[str]]:
    takes: dict[Stage, set[str]] = {stage: set() for stage in Stage}
    for name, event in machine.events.items():
        for source in event.transitions:
            takes[Stage(source)].add(name)
    return {stage: frozenset(names) for stage, names in takes.items()}


MOVES: Mapping[tuple[str, Stage], Stage] = _moves(MACHINE)
"""``(trigger, stage) -> stage`` for every stage-changing transition of `MACHINE`."""

TAKES: Mapping[Stage, frozenset[str]] = _takes(MACHINE)
"""``stage -> triggers`` the stage takes (moves and steps), derived from `MACHINE`."""


def mermaid() -> str:
    """The lifecycle as a Mermaid ``stateDiagram-v2``, moves only, in machine order."""
    lines = ["stateDiagram-v2", f"    [*] --> {Stage.REFERRED.value}"]
    for name, event in MACHINE.events.items():
        for source, transitions in event.transitions.items():
            for transition in transitions:
                if transition.dest is not None:
                    lines.append(f"    {source} --> {transition.dest}: {name}")
    for stage in Stage:
        if stage.is_final:
            lines.append(f"    {stage.value} --> [*]")
    return "\n".join(lines) + "\n"
