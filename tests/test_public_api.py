"""The public surface: `__all__` names exactly the public names, and everything is typed."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
import types
from pathlib import Path

import pytest

import restorative
import restorative.errors


def _public(module: object) -> set[str]:
    # "@py_builtins" and friends: pytest rewrites the asserts of plugin packages, ours included.
    return {name for name in vars(module) if not name.startswith(("_", "@"))}


def _docstring(value: object) -> str:
    """The docstring of a public name, read from its source when a compiled module dropped it.

    The optional accelerator (tools/accelerate.py) compiles some modules with mypyc, which
    keeps no docstrings at run time; the documentation is the source's either way.
    """
    doc = (getattr(value, "__doc__", None) or "").strip()
    if doc:
        return doc
    owner = getattr(value, "__self__", None)  # a compiled function's module, or a bound method's object
    module: types.ModuleType | None
    if isinstance(owner, types.ModuleType):
        module = owner
    else:
        module_name = getattr(type(owner) if owner is not None else value, "__module__", None)
        module = sys.modules.get(module_name or "")
    path = Path(getattr(module, "__file__", None) or "")
    if path.suffix in (".py", ""):
        return ""
    source = path.with_name(path.name.split(".")[0] + ".py")
    node: ast.AST = ast.parse(source.read_text(encoding="utf-8"))
    for part in getattr(value, "__qualname__", "").split("."):
        found = [
            n
            for n in ast.iter_child_nodes(node)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == part
        ]
        if not found:
            return ""
        node = found[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    return (ast.get_docstring(node) or "").strip()


def test_all_lists_exactly_the_public_names() -> None:
    modules = {info.name for info in pkgutil.iter_modules(restorative.__path__)}
    public = _public(restorative) - modules - {"annotations"}
    assert sorted(public | {"__version__"}) == sorted(restorative.__all__)


def test_all_is_sorted_and_unique() -> None:
    assert sorted(set(restorative.__all__)) == list(restorative.__all__)


def test_errors_module_exports_its_tree() -> None:
    public = {
        name
        for name, value in vars(restorative.errors).items()
        if isinstance(value, type) and value.__module__ == "restorative.errors"
    }
    assert sorted(public) == sorted(restorative.errors.__all__)
    for name in restorative.errors.__all__:
        assert issubclass(getattr(restorative.errors, name), restorative.errors.RestorativeError)


def test_private_modules_start_with_underscore() -> None:
    public_modules = {
        "commands",
        "conformance",
        "errors",
        "events",
        "privacy",
        "process",
        "server",
        "simulation",
        "store",
        "testing",
        "verify",
    }
    for info in pkgutil.iter_modules(restorative.__path__):
        assert info.name.startswith("_") or info.name in public_modules, info.name
        if info.name != "__main__":
            importlib.import_module(f"restorative.{info.name}")


def test_package_is_typed() -> None:
    assert (Path(restorative.__file__).parent / "py.typed").exists()


def test_every_public_callable_and_class_is_documented() -> None:
    for name in restorative.__all__:
        value = getattr(restorative, name)
        if callable(value) and not isinstance(value, type(restorative.Command)):
            assert _docstring(value), f"{name} has no docstring"


def test_store_all_lists_exactly_its_public_names() -> None:
    import restorative.store as store

    public = _public(store) - {"annotations", "TYPE_CHECKING"}
    lazy = {"PostgresStore"}  # imported on first use: it needs the postgres extra
    assert sorted(public | lazy) == sorted(store.__all__)
    assert all(getattr(store, name) for name in store.__all__)


def test_simulation_all_lists_exactly_its_public_names_and_each_is_documented() -> None:
    import restorative.simulation as simulation

    public = _public(simulation) - {"annotations"}
    assert sorted(public) == sorted(simulation.__all__)
    for name in simulation.__all__:
        value = getattr(simulation, name)
        if callable(value):
            assert _docstring(value), f"simulation.{name} has no docstring"


@pytest.mark.parametrize("name", ["commands", "conformance", "events", "process", "verify"])
def test_namespace_all_lists_exactly_its_public_names_and_each_is_documented(name: str) -> None:
    module = importlib.import_module(f"restorative.{name}")
    modules = {info.name for info in pkgutil.iter_modules(getattr(module, "__path__", []))}
    public = _public(module) - {"annotations", "TYPE_CHECKING"} - modules
    defined = {
        n for n, v in vars(module).items() if isinstance(v, type) and v.__module__ == module.__name__ and n in public
    }
    if name in ("commands", "events"):  # they define the classes and import the values their fields use
        assert defined <= set(module.__all__) <= public
    else:
        assert sorted(public) == sorted(module.__all__)
    for member in module.__all__:
        value = getattr(module, member)
        if callable(value) and not isinstance(value, type(restorative.Command)):
            assert _docstring(value), f"{name}.{member} has no docstring"


def test_every_error_pickles_with_its_attributes() -> None:
    """Errors raised in worker processes (simulation, verification) reach the caller whole."""
    import pickle

    from restorative import errors

    samples = [
        errors.RuleViolation("R4", restorative.Stage.CONSENT, "hint"),
        errors.NotPermitted("someone", None, "hint"),
        errors.StageError("HoldMeeting", restorative.Stage.CONSENT, ["GiveConsent"]),
        errors.InvalidInput("message", field="at"),
        errors.DecodeError("message", path="$.at"),
        errors.ScenarioError("behaviour.consent", "message"),
        errors.ConcurrencyError("case-1", 1, 2),
        errors.IntegrityError("case-1", 3, "reason"),
        errors.CaseNotFound("case-1"),
        errors.SimulationError("sim-0000001", 1, errors.RuleViolation("R4", None, "hint")),
        errors.VaultError("kari", "has nothing stored in the vault"),
        errors.WrongKey("kari"),
        errors.DefinitionError("mediation", ["AcceptCase is decided twice"]),
        errors.MissingExtra("Parquet export", "pyarrow", "sim"),
        errors.LogError("events.csv", "has 3 cells where the header has 9", where="line 12"),
    ]
    for error in samples:
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error)
        assert str(again) == str(error)
        assert {k: str(v) for k, v in vars(again).items()} == {k: str(v) for k, v in vars(error).items()}
