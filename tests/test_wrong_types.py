"""Every public function refuses an argument of the wrong type with `InvalidInput` naming it (issue 15, item 5).

The test goes over the public functions of `restorative`, `restorative.store` (not the store
classes' methods), `restorative.simulation`, `restorative.verify` and `restorative.testing`,
and the constructors and methods of the testing kit, the verifier's configurations and the
simulation's scenario values. For each argument it sends values of other types (None, a
text, an int, a float, a list, a dict, a bare object) in place of a valid one, judged
against the argument's annotation, and expects either an answer (a text is a fine path)
or `InvalidInput` whose ``field`` names the argument. Nothing else may escape: no
`AttributeError`, `TypeError` or `KeyError`.
"""

from __future__ import annotations

import collections.abc
import inspect
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import hypothesis
import pytest
from hypothesis import HealthCheck
from hypothesis.strategies import SearchStrategy

import restorative as r
from restorative import simulation, store, testing, verify
from restorative.errors import InvalidInput
from restorative.testing import strategies as rst
from tests.flows import STAFF, Flow

BAD: dict[str, object] = {
    "None": None,
    "text": "text",
    "int": 7,
    "float": 2.5,
    "list": [],
    "dict": {},
    "object": object(),
}
"""Values of the wrong type for most arguments; each is sent only where the annotation does not take it."""

NAMES: dict[str, Any] = {
    name: getattr(module, name)
    for module in (r, store, simulation, verify, testing)
    for name in module.__all__
    if name != "strategies"
}
"""What the annotations may name (some only under TYPE_CHECKING in their module)."""


FACTORY = testing.CaseFactory()
CLOCK = testing.Clock()

FUNCTIONS: dict[str, Callable[..., Any]] = {
    # restorative
    "allowed": r.allowed,
    "command_from_json": r.command_from_json,
    "counts_as_consenting": r.counts_as_consenting,
    "default_attendees": r.default_attendees,
    "missing_signatures": r.missing_signatures,
    "event_from_json": r.event_from_json,
    "decide": r.decide,
    "describe": r.describe,
    "due": r.due,
    "evolve": r.evolve,
    "from_data": r.from_data,
    "from_json": r.from_json,
    "handle": r.handle,
    "replay": r.replay,
    "timeline": r.timeline,
    # restorative.store
    "open_store": store.open_store,
    "retry": store.retry,
    "tick": store.tick,
    # restorative.simulation
    "calibrate": simulation.calibrate,
    "compare": simulation.compare,
    "compare_table": simulation.compare_table,
    "plot_comparison": simulation.plot_comparison,
    "plot_run": simulation.plot_run,
    "plot_capacity": simulation.plot_capacity,
    "plot_sweep": simulation.plot_sweep,
    "estimate": simulation.estimate,
    "sweep": simulation.sweep,
    "run_chunk": simulation.run_chunk,
    "simulate": simulation.simulate,
    "table": simulation.table,
    "wilson": simulation.wilson,
    "case_id": simulation.case_id,
    "case_log": simulation.case_log,
    "simulate_case": simulation.simulate_case,
    "Scenario": simulation.Scenario,
    "Behaviour": simulation.Behaviour,
    "Mix": simulation.Mix,
    "Durations": simulation.Durations,
    "Distribution": simulation.Distribution,
    # restorative.verify
    "explore": verify.explore,
    "paths": verify.paths,
    "Configuration": verify.Configuration,
    "Cast": verify.Cast,
    # restorative.testing
    "assert_accepted": testing.assert_accepted,
    "assert_refused": testing.assert_refused,
    "assert_withdrawal_accepted": testing.assert_withdrawal_accepted,
    "Clock": testing.Clock,
    "Clock.advance": CLOCK.advance,
    "CaseFactory": testing.CaseFactory,
    "CaseFactory()": FACTORY,
    "DeciderAdapter": testing.DeciderAdapter,
    "StoreAdapter": testing.StoreAdapter,
    "History": testing.History,
    "History.open": testing.History.open,
    # restorative.testing.strategies: a wrong argument is refused when the strategy is made, not when drawn
    "cases": rst.cases,
    "commands": rst.commands,
    "invalid_commands": rst.invalid_commands,
    "histories": rst.histories,
    "parties": rst.parties,
    "referrals": rst.referrals,
}
"""Every function under test, by the label the test ids show."""

BUILT_CHECKED = {
    "Clock",
    "Clock.advance",
    "CaseFactory",
    "CaseFactory()",
    "DeciderAdapter",
    "StoreAdapter",
    "History",
    "Configuration",
    "Cast",
}
"""Values and tools that must refuse a wrong type when they are built or called, not take it and fail later.

The simulation's `Behaviour`, `Mix`, `Durations` and `Distribution` are checked when a `Scenario`
holds them, with `ScenarioError` naming the dotted key, so they may take a wrong value on their own."""

ANNOTATIONS: dict[tuple[str, str], Any] = {
    ("from_data", "cls"): type | types.UnionType,  # annotated Any for its overloads: a class, or Event or Command
    ("from_json", "cls"): type | types.UnionType,
}
"""Annotations to judge by instead of a function's own."""


def _hints(function: Callable[..., Any]) -> dict[str, Any]:
    """The annotation of each argument, resolved (an attrs class: its init arguments, by alias)."""
    if inspect.isclass(function) and attrs.has(function):
        own = typing.get_type_hints(function, localns=NAMES)
        return {field.alias: own[field.name] for field in attrs.fields(function) if field.init}
    target: Any = function.__init__ if inspect.isclass(function) else function
    if not inspect.isfunction(target) and not inspect.ismethod(target):
        target = type(target).__call__
    return typing.get_type_hints(target, localns=NAMES)


def _arguments(label: str) -> list[str]:
    function = FUNCTIONS[label]
    parameters = inspect.signature(function).parameters.values()
    return [p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _fits(value: object, hint: Any) -> bool:
    """Whether a static type checker would take `value` where `hint` is the annotation."""
    if hint is Any or isinstance(hint, typing.TypeVar):
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return any(_fits(value, arg) for arg in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if origin is collections.abc.Callable:
        return callable(value)
    if origin is type:
        return isinstance(value, type)
    if origin is not None:
        return isinstance(value, origin)
    if hint is float:
        return isinstance(value, int | float)
    if getattr(hint, "_is_protocol", False):
        members = [name for name in vars(hint) if not name.startswith("_")]
        return all(hasattr(value, name) for name in members)
    return isinstance(value, hint)


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[tuple[Any, ...], dict[str, Any]]]:
    """Arguments that work, for each function under test."""
    folder = tmp_path_factory.mktemp("wrong-types")
    flow = Flow(case_id="typed-1").to_agreement().sign_all()
    case, events = flow.case, list(flow.events)
    referral = verify.Configuration().referral(case_id="typed-2")
    later = case.updated_at
    accept = r.AcceptCase(actor=STAFF, at=later)
    scenario = simulation.Scenario(cases=2)
    kpis = simulation.simulate(scenario, None, workers=1).kpis
    swept = simulation.sweep(scenario, "behaviour.agreement", [0.5, 0.9], replications=2, cases=2, workers=1)
    simulation.simulate(simulation.Scenario(cases=30), folder / "log", workers=1)
    with_resources = scenario.replace(resources=simulation.Resources(councils=1))
    capacity = simulation.simulate(with_resources, None, workers=1).kpis
    history = testing.History(case=case, commands=(), events=tuple(events))
    opened = testing.History.open(referral)
    one = [verify.Configuration()]
    return {
        "allowed": ((case, STAFF, later), {"among": (r.Withdraw,)}),
        "command_from_json": ((r.to_json(accept),), {}),
        "counts_as_consenting": ((case, case.parties[0].id), {"at": later}),
        "default_attendees": ((case,), {}),
        "missing_signatures": ((case, None), {"at": later}),
        "event_from_json": ((r.to_json(events[0]),), {}),
        "decide": ((None, referral), {}),
        "describe": ((events[0],), {}),
        "due": ((case,), {}),
        "evolve": ((None, events[0]), {}),
        "from_data": ((r.to_data(case), r.Case), {}),
        "from_json": ((r.to_json(case), r.Case), {}),
        "handle": ((None, referral), {}),
        "replay": ((events[:1], None), {}),
        "timeline": ((events,), {}),
        "open_store": ((str(folder / "open.db"),), {"read_only": False}),
        "retry": ((lambda: 1,), {"attempts": 2, "backoff": 0.0}),
        "tick": ((store.MemoryStore(),), {"at": later, "actor": None}),
        "calibrate": (
            (folder / "log" / "events.csv",),
            {"base": None, "distributions": ("lognormal",), "format": None, "mapping": None},
        ),
        "compare": ((kpis, kpis), {}),
        "compare_table": ((simulation.compare(kpis, kpis),), {}),
        "plot_comparison": ((kpis, kpis, folder / "compared"), {}),
        "plot_run": ((kpis, folder / "run"), {}),
        "plot_capacity": ((capacity, folder / "capacity"), {}),
        "plot_sweep": ((swept, folder / "sweep"), {}),
        "estimate": (([0.1, 0.2],), {}),
        "sweep": (
            (scenario, "behaviour.agreement", [0.5, 0.9]),
            {"replications": 2, "cases": 2, "workers": 1, "dask": None, "progress": None},
        ),
        "run_chunk": ((scenario, 0, 1, ("csv",)), {}),
        "simulate": (
            (scenario, None),
            {"cases": 1, "seed": 1, "workers": 1, "formats": ("csv",), "dask": None, "progress": None, "chunk": 10},
        ),
        "table": ((kpis,), {}),
        "wilson": ((3, 10), {}),
        "case_id": ((3,), {}),
        "case_log": ((events, case), {"objects": True}),
        "simulate_case": ((scenario, 0, None), {}),
        "Scenario": ((), {"cases": 2}),
        "Behaviour": ((), {}),
        "Mix": ((), {}),
        "Durations": ((), {}),
        "Distribution": ((), {"dist": "fixed", "params": (("value", 1.0),)}),
        "explore": ((2,), {"configurations": one, "decide": r.decide, "progress": None, "workers": 1}),
        "paths": ((2,), {"configurations": one}),
        "Configuration": ((), {}),
        "Cast": ((), {}),
        "assert_accepted": ((opened, accept.__class__(actor=STAFF, at=referral.at)), {"adapter": None}),
        "assert_refused": ((history, accept, None), {"adapter": None}),
        "assert_withdrawal_accepted": ((case, "harmed"), {"at": later, "guardian": None, "adapter": None}),
        "Clock": ((later,), {}),
        "Clock.advance": ((), {"days": 1, "hours": 1, "minutes": 1}),
        "CaseFactory": ((testing.Clock(), None), {}),
        "CaseFactory()": ((r.Stage.CONSENT,), {"parties": 2, "kind": r.CaseKind.CRIMINAL, "case_id": None}),
        "DeciderAdapter": ((r.decide,), {}),
        "StoreAdapter": ((store.MemoryStore(),), {}),
        "History": ((case, (), tuple(events)), {}),
        "History.open": ((referral,), {}),
        "cases": ((r.Stage.CONSENT,), {}),
        "commands": ((case,), {}),
        "invalid_commands": ((history,), {}),
        "histories": ((r.Stage.CONSENT,), {"referral": None, "cast": None, "max_steps": 5}),
        "parties": ((r.CaseKind.CIVIL, None), {}),
        "referrals": ((None, None), {}),
    }


OWNED_ELSEWHERE: dict[tuple[str, str], str] = {}
"""Arguments whose check belongs to code that others are changing: expected to fail until they fix it."""


def _cases() -> Iterator[Any]:
    for label in FUNCTIONS:
        for argument in _arguments(label):
            reason = OWNED_ELSEWHERE.get((label, argument))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(label, argument, marks=marks, id=f"{label}-{argument}")


def test_every_function_is_called_with_valid_arguments(
    valid: dict[str, tuple[tuple[Any, ...], dict[str, Any]]],
) -> None:
    assert set(FUNCTIONS) == set(valid)
    for label, (args, kwargs) in valid.items():
        FUNCTIONS[label](*args, **kwargs)  # each works, so a refusal below is the one wrong argument's
        assert set(_arguments(label)) >= set(kwargs), label


def _draw_one(strategy: SearchStrategy[Any]) -> None:
    @hypothesis.settings(max_examples=1, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @hypothesis.given(strategy)
    def draw(_: object) -> None:
        pass

    draw()


TAKING_NOTHING_TO_CHECK = {"mermaid", "transitions", "policies", "casts", "to_data", "to_json"}
"""Public functions left out: they take no arguments, or any value at all (the encoders refuse what they
cannot encode, with `InvalidInput`)."""
DATA_TO_DECODE = {"command_from_data", "event_from_data"}
"""Decoders of any data: what is not a command or event is a `DecodeError` naming where in the data."""


def test_every_public_function_is_under_test() -> None:
    under_test = {id(f) for f in FUNCTIONS.values()}
    left_out = []
    for module in (r, store, simulation, verify, testing, rst):
        for name in module.__all__:
            value = getattr(module, name)
            checked = id(value) in under_test or name in TAKING_NOTHING_TO_CHECK | DATA_TO_DECODE
            if (inspect.isfunction(value) or inspect.ismethod(value)) and not checked:
                left_out.append(f"{module.__name__}.{name}")
    assert not left_out


@pytest.mark.parametrize(("label", "argument"), list(_cases()))
def test_a_wrong_type_is_refused_naming_the_argument(
    valid: dict[str, tuple[tuple[Any, ...], dict[str, Any]]],
    label: str,
    argument: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # a text taken as a path (a fine folder) writes here
    function = FUNCTIONS[label]
    hint = ANNOTATIONS.get((label, argument), _hints(function).get(argument, Any))
    args, kwargs = valid[label]
    position = _arguments(label).index(argument)
    problems = []
    for name, bad in BAD.items():
        if _fits(bad, hint):
            continue
        if position < len(args):
            call_args, call_kwargs = (*args[:position], bad, *args[position + 1 :]), kwargs
        else:
            call_args, call_kwargs = args, {**kwargs, argument: bad}
        try:
            answer = function(*call_args, **call_kwargs)
            if isinstance(answer, SearchStrategy):  # a strategy that takes the value must also draw with it
                _draw_one(answer)
            if label in BUILT_CHECKED:
                problems.append(f"{name}: taken")
        except InvalidInput as error:
            if error.field != argument:
                problems.append(f"{name}: InvalidInput with field={error.field!r}: {error}")
        except Exception as error:
            problems.append(f"{name}: {type(error).__name__}: {error}")
    assert not problems, f"{label}({argument}=...) with the wrong type:\n" + "\n".join(problems)
