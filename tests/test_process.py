"""The process definition: registries checked when built, derived tables, the stage walk."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import pytest

import restorative as r
from restorative import commands as c
from restorative import events as e
from restorative.errors import DefinitionError, InvalidInput
from restorative.process import MEDIATION, Lifecycle, Part, Process
from restorative.process._registry import is_bare
from restorative.verify import _oracle

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STAFF = r.Actor(id="staff-1", kind=r.ActorKind.STAFF)


def _parts() -> dict[str, Part]:
    return {part.name: part for part in MEDIATION.parts}


def test_mediation_registers_every_command_and_event_once() -> None:
    decided = [rule.kind for part in MEDIATION.parts for rule in part.commands]
    assert len(decided) == len(set(decided)) == len(r.COMMAND_TYPES) - 1  # the opening is registered apart
    assert MEDIATION.opening.command is r.ReferCase
    folded = [rule.kind for part in MEDIATION.parts for rule in part.events]
    assert sorted(k.__name__ for k in [*folded, MEDIATION.opening.event]) == sorted(k.__name__ for k in r.EVENT_TYPES)


def test_every_event_is_described() -> None:
    from restorative import _demo

    _, events = _demo.fulfilled_case()
    assert all(r.describe(event) for event in events)
    assert {type(event) for event in events} <= set(r.EVENT_TYPES)


def test_capacities_agree_with_the_oracle_which_states_them_apart() -> None:
    """The registry and the verifier's oracle state R14 independently; they must say the same."""
    stated = _oracle._CAPACITIES
    for kind, kinds in MEDIATION.capacities.items():
        if kind is r.AgreeConfidentiality:
            assert kinds == frozenset(r.ActorKind)  # anyone, for themself
        elif kind is r.ReferCase:
            assert kinds == {r.ActorKind.STAFF}
        else:
            assert stated[kind] == kinds, kind.__name__


def test_bare_commands_are_derived_from_their_fields() -> None:
    bare = {kind.__name__ for kind in r.COMMAND_TYPES if is_bare(kind)}
    assert bare == {
        "AcceptCase",
        "DeclineCase",
        "RecordAdmission",
        "StartPreparation",
        "AdjournMeeting",
        "RecordNoAgreement",
        "EndCoolingOff",
        "CheckDeadlines",
        # their own id defaults to the actor's: still tried by allowed through their candidates
        "GiveConsent",
        "AgreeConfidentiality",
        "SignAgreement",
        "Withdraw",
    }


def test_a_definition_whose_parts_disagree_is_refused_naming_every_problem() -> None:
    parts = _parts()
    lifecycle = Lifecycle("broken", [("accept", [r.Stage.REFERRED], r.Stage.CONSENT)])
    with pytest.raises(DefinitionError) as caught:
        Process(
            "broken",
            lifecycle,
            parts=(parts["referral"], parts["referral"]),
            commands=(r.ReferCase, r.AcceptCase, r.Withdraw),
            events=(r.CaseReferred, r.CaseAccepted, r.CaseWithdrawn),
        )
    problems = caught.value.problems
    assert "a definition opens one way, but 2 openings are registered" in problems
    assert any(p.startswith("AcceptCase is decided twice") for p in problems)
    assert "Withdraw is not decided by any part" in problems
    assert "CaseWithdrawn is not folded by any part" in problems
    assert any("DeclineCase's trigger 'decline' is not in the lifecycle" in p for p in problems)
    assert "StaffAssigned is folded but not an event of broken" in problems
    assert caught.value.definition == "broken"


def test_a_part_registering_a_command_without_capacities_is_refused() -> None:
    part = Part("empty-handed")

    @part.command(c.AcceptCase, by=())
    def accept(case: r.Case, command: c.AcceptCase) -> tuple[r.Event, ...]:
        return (e.CaseAccepted(actor=command.actor, at=command.at),)

    parts = _parts()
    with pytest.raises(DefinitionError, match="AcceptCase names no capacity"):
        Process(
            "empty-handed",
            Lifecycle("empty-handed", [("accept", [r.Stage.REFERRED], r.Stage.CONSENT)]),
            parts=(part,),
            commands=(r.AcceptCase,),
            events=(r.CaseAccepted,),
        )
    assert accept in [rule.decide for rule in part.commands]
    assert parts  # the mediation parts were not touched


def test_the_definition_and_its_methods_pickle_by_name() -> None:
    assert pickle.loads(pickle.dumps(MEDIATION)) is MEDIATION
    assert pickle.loads(pickle.dumps(r.decide)) == r.decide


def _log() -> list[r.Event]:
    referral = r.Referral(
        source=r.ReferralSource.PROSECUTION, kind=r.CaseKind.CRIMINAL, received_at=T, admission_of_facts=True
    )
    parties = (r.Party(id="a", role=r.Role.HARMED), r.Party(id="b", role=r.Role.RESPONSIBLE))
    case, opened = r.handle(None, r.ReferCase(actor=STAFF, at=T, case_id="c", referral=referral, parties=parties))
    case, accepted = r.handle(case, r.AcceptCase(actor=STAFF, at=T + timedelta(hours=1)))
    case, assigned = r.handle(case, r.AssignMediator(actor=STAFF, at=T + timedelta(hours=2), mediator_id="m"))
    return [*opened, *accepted, *assigned]


def test_the_stage_walk_gives_each_event_with_the_stage_before_and_after() -> None:
    log = _log()
    steps = list(r.process.walk(log))
    assert [(type(ev).__name__, before, after) for ev, before, after in steps] == [
        ("CaseReferred", r.Stage.REFERRED, r.Stage.REFERRED),
        ("CaseAccepted", r.Stage.REFERRED, r.Stage.CONSENT),
        ("MediatorAssigned", r.Stage.CONSENT, r.Stage.CONSENT),
    ]


def test_the_stage_walk_refuses_impossible_moves_time_going_back_and_non_events() -> None:
    log = _log()
    again = r.CaseAccepted(actor=STAFF, at=T + timedelta(days=1))
    with pytest.raises(InvalidInput, match="CaseAccepted cannot happen in stage consent"):
        list(r.process.walk([*log, again]))
    late = r.CaseAccepted(actor=STAFF, at=T - timedelta(days=1))
    with pytest.raises(InvalidInput, match="R15"):
        list(r.process.walk([log[0], late]))
    with pytest.raises(InvalidInput, match="R2"):
        list(MEDIATION.lifecycle.walk([late], r.Stage.WITHDRAWN))
    with pytest.raises(InvalidInput, match="takes events"):
        list(r.process.walk([log[0], "CaseAccepted"]))  # type: ignore[list-item]


def test_the_lifecycle_tables_are_read_only() -> None:
    with pytest.raises(TypeError):
        MEDIATION.lifecycle.moves[("accept", r.Stage.CONSENT)] = r.Stage.DECLINED  # type: ignore[index]
    assert not hasattr(r, "MACHINE")


def _opened() -> tuple[r.Case, r.ReferCase, r.Event]:
    log = _log()
    referral = r.Referral(
        source=r.ReferralSource.PROSECUTION, kind=r.CaseKind.CRIMINAL, received_at=T, admission_of_facts=True
    )
    parties = (r.Party(id="a", role=r.Role.HARMED), r.Party(id="b", role=r.Role.RESPONSIBLE))
    opening = r.ReferCase(actor=STAFF, at=T, case_id="c", referral=referral, parties=parties)
    return r.replay(log[:2]), opening, log[1]


@pytest.mark.parametrize(
    "call",
    [
        lambda case, opening, event: r.decide("case-1", opening),  # type: ignore[arg-type]
        lambda case, opening, event: r.decide({}, r.AcceptCase(actor=STAFF, at=T)),  # type: ignore[arg-type]
        lambda case, opening, event: r.evolve("case-1", event),  # type: ignore[arg-type]
        lambda case, opening, event: r.replay([event], start="case-1"),  # type: ignore[arg-type]
        lambda case, opening, event: r.allowed(None, STAFF),  # type: ignore[arg-type]
        lambda case, opening, event: r.allowed(case, "staff-1"),  # type: ignore[arg-type]
        lambda case, opening, event: r.allowed(case, STAFF, among=[[1]]),  # type: ignore[list-item]
        lambda case, opening, event: r.describe(r.AcceptCase(actor=STAFF, at=T)),  # type: ignore[arg-type]
        lambda case, opening, event: list(r.process.walk(None)),  # type: ignore[arg-type]
        lambda case, opening, event: list(r.process.walk([event], "referred")),  # type: ignore[arg-type]
        lambda case, opening, event: list(r.process.walk([event], since=5)),  # type: ignore[arg-type]
    ],
)
def test_entry_points_refuse_wrong_types_with_invalid_input(call: object) -> None:
    case, opening, event = _opened()
    with pytest.raises(InvalidInput):
        call(case, opening, event)  # type: ignore[operator]


def test_an_event_without_a_time_is_refused_by_evolve_and_replay_alike() -> None:
    import copy

    log = _log()
    timeless = copy.copy(log[1])
    object.__setattr__(timeless, "at", None)
    case = r.replay(log[:1])
    with pytest.raises(InvalidInput, match="R15"):
        r.evolve(case, timeless)
    with pytest.raises(InvalidInput):
        r.replay([log[0], timeless])
    opening = copy.copy(log[0])
    object.__setattr__(opening, "at", None)
    with pytest.raises(InvalidInput, match="aware time"):
        r.replay([opening, log[1]])


def test_only_the_definition_registered_under_its_name_pickles() -> None:
    parts = _parts()
    twin = Process(
        "mediation",
        MEDIATION.lifecycle,
        parts=tuple(parts.values()),
        commands=r.COMMAND_TYPES,
        events=r.EVENT_TYPES,
        after_final=MEDIATION.after_final,
    )
    assert pickle.loads(pickle.dumps(r.handle)).__self__ is MEDIATION
    with pytest.raises(pickle.PicklingError):
        pickle.dumps(twin)
