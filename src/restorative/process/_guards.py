"""The guards every stage's decisions share: who may act (R14), on whom, and what the case must hold.

Each guard returns what it found or raises: `NotPermitted` for an actor acting outside
their capacity (R14), `RuleViolation` for a rule, `InvalidInput` for an id the case does
not know. A decision calls its guards in a fixed order, and that order decides which
rule a refusal names, so keep it when moving checks around.
"""

from __future__ import annotations

from .._rules import conflicted
from .._values import Actor, ActorKind, Agreement, Case, Meeting, Party
from ..errors import InvalidInput, NotPermitted, RuleViolation


def refuse(case: Case, rule: str, hint: str) -> RuleViolation:
    """The refusal of `rule` in the case's stage, with a hint that says what to do."""
    return RuleViolation(rule, case.stage, hint)


def staff(case: Case, actor: Actor) -> None:
    """R14: only staff assigned to the case."""
    if actor.kind is not ActorKind.STAFF or actor.id not in case.staff:
        raise NotPermitted(actor.id, case.stage, "only staff assigned to the case may do this")


def mediator(case: Case, actor: Actor) -> None:
    """R14, R5: only an assigned mediator, and only one without a declared conflict of interest."""
    if actor.kind is not ActorKind.MEDIATOR or actor.id not in case.mediators:
        raise NotPermitted(actor.id, case.stage, "only a mediator assigned to the case may do this")
    impartial(case, actor.id)


def impartial(case: Case, mediator_id: str) -> None:
    """R5: a mediator with a declared conflict of interest may not act on the case."""
    towards = conflicted(case, mediator_id)
    if towards is not None:
        raise refuse(
            case,
            "R5",
            f"{mediator_id} declared a conflict of interest towards {towards}; release them and assign another",
        )


def mediator_or_staff(case: Case, actor: Actor) -> None:
    """R14: the case's (impartial) mediators or its assigned staff."""
    if actor.kind is ActorKind.STAFF and actor.id in case.staff:
        return
    if actor.kind is ActorKind.MEDIATOR and actor.id in case.mediators:
        impartial(case, actor.id)
        return
    raise NotPermitted(actor.id, case.stage, "only the case's mediators or assigned staff may do this")


def meeting_mediator(case: Case, actor: Actor) -> None:
    """R10: the agreement is recorded and signed by a mediator who was on the meeting's attendee list."""
    mediator(case, actor)
    if actor.id not in meeting(case).attendees:
        raise refuse(case, "R10", f"{actor.id} did not take part in the meeting; a mediator who did must do this")


def party(case: Case, party_id: str, field: str = "party_id") -> Party:
    """The party with this id, or `InvalidInput` naming the case's parties."""
    found = case.party(party_id)
    if found is None:
        known = ", ".join(p.id for p in case.parties)
        raise InvalidInput(f"unknown party {party_id!r} in case {case.id}; its parties are {known}", field=field)
    return found


def active_party(case: Case, party_id: str) -> Party:
    """A party still in the case (R1: a withdrawn party takes no further part)."""
    found = party(case, party_id)
    if found.withdrawn:
        raise refuse(case, "R1", f"{party_id} has withdrawn from the case and takes no further part")
    return found


def as_party(case: Case, actor: Actor, party_id: str) -> Party:
    """R14, R1: the actor is this party, acting for themself, and still in the case."""
    found = party(case, party_id)
    if actor.kind is not ActorKind.PARTY or actor.id != party_id:
        raise NotPermitted(actor.id, case.stage, f"only {party_id} may do this for themself")
    if found.withdrawn:
        raise refuse(case, "R1", f"{party_id} has withdrawn from the case and takes no further part")
    return found


def agreement(case: Case) -> Agreement:
    """The case's agreement; its absence in a stage that needs one means a corrupt case."""
    if case.agreement is None:
        raise InvalidInput(f"case {case.id} is inconsistent: stage {case.stage.value} but no agreement recorded")
    return case.agreement


def meeting(case: Case) -> Meeting:
    """The case's meeting; its absence in a stage that needs one means a corrupt case."""
    if case.meeting is None:
        raise InvalidInput(f"case {case.id} is inconsistent: stage {case.stage.value} but no meeting scheduled")
    return case.meeting
