"""The testing kit itself: strategies, assertions, the case factory and the pytest plugin."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import restorative as r
from restorative._replace import replace
from restorative.errors import RuleViolation
from restorative.store import MemoryStore, SQLiteStore
from restorative.testing import (
    Adapter,
    CaseFactory,
    CaseStateMachine,
    Clock,
    DeciderAdapter,
    History,
    StoreAdapter,
    assert_accepted,
    assert_refused,
    assert_withdrawal_accepted,
)
from restorative.testing import strategies as rst

FEW = settings(max_examples=25)


@given(rst.histories())
def test_histories_are_real_and_replay(history: History) -> None:
    assert isinstance(history.commands[0], r.ReferCase)
    assert r.replay(history.events) == history.case
    case = None
    for command in history.commands:
        case, _ = r.handle(case, command)
    assert case == history.case


@pytest.mark.parametrize("stage", list(r.Stage), ids=lambda s: s.value)
def test_cases_reach_the_stage_asked_for(stage: r.Stage) -> None:
    @FEW
    @given(rst.cases(stage=stage))
    def check(case: r.Case) -> None:
        assert case.stage is stage

    check()


@FEW
@given(st.data())
def test_next_commands_are_accepted(data: st.DataObject) -> None:
    case = data.draw(rst.cases(stage=data.draw(st.sampled_from([s for s in r.Stage if not s.is_final]))))
    command = data.draw(rst.commands(case))
    r.decide(case, command)


@FEW
@given(st.data())
def test_invalid_commands_are_refused_by_the_rule_they_name(data: st.DataObject) -> None:
    case = data.draw(rst.cases())
    command, rule = data.draw(rst.invalid_commands(case))
    with pytest.raises(r.errors.Refused) as refused:
        r.decide(case, command)
    assert refused.value.rule == rule
    assert rule in r.RULES


@FEW
@given(rst.referrals())
def test_referrals_are_accepted(command: r.ReferCase) -> None:
    case, _ = r.handle(None, command)
    assert case.stage is r.Stage.REFERRED


def test_the_factory_reaches_every_stage_and_stores_the_case(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "cases.db"))
    clock = Clock()
    make = CaseFactory(clock, store)
    for stage in r.Stage:
        kind = r.CaseKind.CIVIL if stage is r.Stage.DECLINED else r.CaseKind.CRIMINAL
        history = make(stage, kind=kind)
        assert history.case.stage is stage
        assert store.load(history.case.id) == history.case
        assert clock.now >= history.case.updated_at
    assert len(store.cases()) == len(r.Stage)
    store.close()


def test_the_factory_says_when_a_stage_cannot_be_reached() -> None:
    with pytest.raises(AssertionError, match="no walk reached declined"):
        CaseFactory()(r.Stage.DECLINED, kind=r.CaseKind.CRIMINAL)  # R17: criminal cases are not declined


def test_the_clock_moves_only_when_told() -> None:
    clock = Clock()
    start = clock()
    assert clock() == start
    assert clock.advance(days=1, hours=2) == start + timedelta(days=1, hours=2)


# --- assertions ------------------------------------------------------------------------


def _meeting() -> History:
    return CaseFactory()(r.Stage.MEETING)


def _hold(history: History) -> r.HoldMeeting:
    case = history.case
    assert case.meeting is not None
    mediator = r.Actor(id=case.mediators[0], kind=r.ActorKind.MEDIATOR)
    return r.HoldMeeting(actor=mediator, at=case.updated_at, present=case.meeting.attendees)


def test_assert_refused_returns_the_error() -> None:
    history = _meeting()
    error = assert_refused(history, _hold(history), "R8")
    assert error.rule == "R8"


def test_assert_refused_fails_with_the_rule_and_the_history_when_accepted() -> None:
    history = _meeting()
    for person in history.case.meeting.attendees if history.case.meeting else ():
        kind = r.ActorKind.PARTY if history.case.party(person) else r.ActorKind.MEDIATOR
        history = assert_accepted(
            history,
            r.AgreeConfidentiality(actor=r.Actor(id=person, kind=kind), at=history.case.updated_at, person_id=person),
        )
    with pytest.raises(AssertionError) as failure:
        assert_refused(history, _hold(history), "R8")
    message = str(failure.value)
    assert "to be refused by R8 (A meeting is held only if everyone present" in message
    assert "it was accepted and recorded: meeting held with" in message
    assert "case case-1 in stage meeting" in message
    assert "referred by prosecution" in message  # the history is shown


def test_assert_refused_names_both_rules_when_another_refuses() -> None:
    history = _meeting()
    with pytest.raises(AssertionError, match=r"refused by R9 \(.*\);\nit was refused by R8 instead"):
        assert_refused(history, _hold(history), "R9")


def test_assert_accepted_names_the_rule_and_the_hint() -> None:
    history = _meeting()
    with pytest.raises(AssertionError) as failure:
        assert_accepted(history, _hold(history))
    message = str(failure.value)
    assert "to be accepted;\nit was refused by R8" in message
    assert "has not agreed to keep confidentiality" in message


def test_assert_withdrawal_accepted_in_every_active_stage() -> None:
    make = CaseFactory()
    for stage in r.Stage:
        if stage.is_final:
            continue
        history = make(stage, minor=True)
        after = assert_withdrawal_accepted(history, "p0")
        assert after.case.party("p0").withdrawn  # type: ignore[union-attr]
        assert_withdrawal_accepted(history, "p0", guardian="g0")


def test_assert_withdrawal_accepted_fails_for_a_closed_case() -> None:
    history = CaseFactory()(r.Stage.WITHDRAWN)
    with pytest.raises(AssertionError, match="to be accepted;\nit was refused by R2"):
        assert_withdrawal_accepted(history, "p1")


# --- the pytest plugin -----------------------------------------------------------------


def test_the_plugin_is_registered_through_its_entry_point(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.has_plugin("restorative")


def test_the_plugin_fixtures(
    restorative_cases: CaseFactory, restorative_store: SQLiteStore, restorative_clock: Clock
) -> None:
    history = restorative_cases(r.Stage.AGREEMENT, kind=r.CaseKind.CIVIL, parties=3)
    assert restorative_store.load(history.case.id).stage is r.Stage.AGREEMENT
    assert restorative_clock() == history.case.updated_at
    second = restorative_cases(r.Stage.CONSENT)
    assert second.case.id != history.case.id


def test_the_failure_shown_in_the_docs_is_the_real_one() -> None:
    history = CaseFactory()(r.Stage.MEETING)
    case = history.case
    assert case.meeting is not None
    mediator = r.Actor(id="med-1", kind=r.ActorKind.MEDIATOR)
    hold = r.HoldMeeting(actor=mediator, at=case.updated_at, present=case.meeting.attendees)
    with pytest.raises(AssertionError) as failure:
        assert_refused(history, hold, "R9")
    page = (Path(__file__).resolve().parent.parent / "docs" / "testing.md").read_text(encoding="utf-8")
    assert f"```text\n{failure.value}\n```" in page


def test_the_downstream_example_project_passes() -> None:
    project = Path(__file__).resolve().parent.parent / "examples" / "casesystem"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout


@FEW
@given(rst.histories(referral=rst.referrals(kind=r.CaseKind.CRIMINAL)))
def test_histories_from_a_given_referral_draw_only_stages_it_can_reach(history: History) -> None:
    assert history.case.stage is not r.Stage.DECLINED  # R17
    assert history.case.kind is r.CaseKind.CRIMINAL


def _held_by(adapter: Adapter, history: History) -> Adapter:
    for command in history.commands:
        adapter.send(history.case.id, command)
    return adapter


def test_assertions_ask_the_system_under_test_through_an_adapter() -> None:
    history = _meeting()
    store = _held_by(StoreAdapter(MemoryStore()), history)
    assert assert_refused(history, _hold(history), "R8", adapter=store).rule == "R8"
    after = assert_withdrawal_accepted(history, "p1", adapter=store)
    assert store.load(history.case.id) == after.case


def test_assertions_catch_a_system_that_breaks_the_rule() -> None:
    def lenient(case: r.Case | None, command: r.Command) -> tuple[r.Event, ...]:
        if case is not None and isinstance(command, r.HoldMeeting):
            case = replace(case, confidential=(*case.confidential, *command.present))
        return r.decide(case, command)

    history = _meeting()
    broken = _held_by(DeciderAdapter(decide=lenient), history)
    with pytest.raises(AssertionError, match=r"to be refused by R8 .*\nit was accepted and recorded: meeting held"):
        assert_refused(history, _hold(history), "R8", adapter=broken)


def test_a_failure_of_the_state_machine_carries_no_error_of_the_system_as_its_context() -> None:
    """Hypothesis tells failures apart by where they come from, chained errors included: a failure
    raised while the system's refusal is being handled would split one defect into many."""

    def mislabelled(case: r.Case | None, command: r.Command) -> tuple[r.Event, ...]:
        try:
            return r.decide(case, command)
        except RuleViolation as error:
            raise RuleViolation("R13", error.stage, error.hint) from None

    history = _meeting()

    machine = CaseStateMachine()
    machine.adapter = _held_by(DeciderAdapter(decide=mislabelled), history)
    machine._history = history
    with pytest.raises(AssertionError, match="refused by R13, expected R8") as failure:
        machine.send(_hold(history))
    assert failure.value.__context__ is None


def test_assertions_name_a_lost_case_as_what_it_is() -> None:
    history = _meeting()
    empty = StoreAdapter(MemoryStore())  # the system under test never stored the case
    with pytest.raises(AssertionError, match="failed with CaseNotFound instead"):
        assert_accepted(history, _hold(history), adapter=empty)
    with pytest.raises(AssertionError, match="failed with CaseNotFound instead"):
        assert_refused(history, _hold(history), "R8", adapter=empty)


def test_the_state_machine_sends_commands_to_closed_cases() -> None:
    """A system that takes commands on a closed case is caught: the alphabet offers nothing there,
    so commands of other walks from the same referral are what reach it (R2)."""
    from hypothesis import Phase
    from hypothesis import settings as configured

    from restorative import events as e

    def staff_on_closed(case: r.Case | None, command: r.Command) -> tuple[r.Event, ...]:
        if case is not None and case.stage.is_final and isinstance(command, r.AssignStaff):
            return (e.StaffAssigned(actor=command.actor, at=command.at, staff_id=command.staff_id),)
        return r.decide(case, command)

    class Broken(CaseStateMachine):
        def make_adapter(self) -> Adapter:
            return DeciderAdapter(decide=staff_on_closed)

    Broken.TestCase.settings = configured(
        max_examples=300,
        stateful_step_count=30,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        derandomize=True,
    )
    with pytest.raises(AssertionError, match="R2"):
        Broken.TestCase().runTest()


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_invalid_commands_of_a_closed_case_are_refused_by_r2(data: st.DataObject) -> None:
    history = data.draw(rst.histories(r.Stage.WITHDRAWN, max_steps=5))
    command, rule = data.draw(rst.invalid_commands(history))
    assert rule == "R2"
    assert_refused(history, command, "R2")


_WITHOUT_HYPOTHESIS = """
import sys
sys.modules["hypothesis"] = None  # as if Hypothesis were not installed
import restorative.testing
for name in {names!r}:
    try:
        {statement}
    except ImportError as error:
        print(type(error).__name__, error.name, error, sep="|")
"""


@pytest.mark.parametrize(
    ("statement", "what"),
    [
        ("import restorative.testing.strategies", "restorative.testing.strategies"),
        ("getattr(restorative.testing, name)", "restorative.testing.strategies"),
        ("from restorative.testing import CaseStateMachine", "restorative.testing.CaseStateMachine"),
    ],
)
def test_without_hypothesis_the_import_says_what_to_install(statement: str, what: str) -> None:
    script = _WITHOUT_HYPOTHESIS.format(names=["strategies"], statement=statement)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    kind, name, message = done.stdout.strip().split("|")
    assert ("ImportError", "hypothesis") == (kind, name)
    assert (
        message
        == f"{what} needs Hypothesis, which is not installed; install it with: pip install 'restorative[testing]'"
    )
