"""A fast `attrs.evolve` for the frozen values the decider folds on every event.

`attrs.evolve` rebuilds the keyword arguments and runs ``__init__`` (validators
included), and a frozen class can only be filled through ``object.__setattr__``, which
costs a builtin call per slot. Folding events only ever copies values the decider
already checked, so each frozen class gets a *twin*: a plain class with the same slots
and no ``__setattr__`` guard. A copy is filled with ordinary slot stores on a twin and
then given the frozen class with one ``__class__`` assignment, which CPython allows
because the two layouts are the same (checked once per class, when its twin is made).

The copying code is generated once per (class, changed fields) and registered in
`linecache` under a readable name, so a traceback through it shows its source.
"""

from __future__ import annotations

import linecache
from collections.abc import Callable
from types import FunctionType
from typing import Any, TypeVar

import attrs

T = TypeVar("T")

_REPLACERS: dict[tuple[type[Any], tuple[str, ...]], Any] = {}
_TWINS: dict[type[Any], type[Any]] = {}


def _twin(cls: type[Any]) -> type[Any]:
    """The mutable twin of the frozen slotted class `cls`, checked to share its layout.

    CPython allows ``__class__`` assignment between classes that add the same slots to
    the same base, so the twin subclasses the frozen class's own bases, adds its slots,
    and lifts the frozen ``__setattr__`` a frozen base may pass down.
    """
    twin = _TWINS.get(cls)
    if twin is not None:
        return twin
    namespace: dict[str, Any] = {
        name: value
        for name, value in cls.__dict__.items()
        if not name.startswith("__") and isinstance(value, property | FunctionType)
    }  # methods and properties, so code that reads a value reads its draft too
    namespace |= {"__slots__": tuple(cls.__dict__.get("__slots__", ())), "__setattr__": object.__setattr__}
    twin = type(f"_{cls.__name__}Twin", cls.__bases__, namespace)
    probe = object.__new__(twin)
    probe.__class__ = cls  # raises TypeError here, once, if the layouts ever differ
    _TWINS[cls] = twin
    return twin


def _make(cls: type[Any], keys: tuple[str, ...], *, frozen: bool = True) -> Any:
    names = [a.name for a in attrs.fields(cls)]
    unknown = set(keys) - set(names)
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {', '.join(sorted(unknown))}")
    args = "".join(f", v_{k}" for k in keys)
    lines = [f"def replace_{cls.__name__}(o{args}):", "    n = new(twin)"]
    lines += [f"    n.{name} = {f'v_{name}' if name in keys else f'o.{name}'}" for name in names]
    lines += ["    n.__class__ = cls" if frozen else "", "    return n"]
    source = "\n".join(lines) + "\n"
    filename = f"<restorative {'replace' if frozen else 'thaw'} {cls.__name__}({', '.join(keys)})>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {"new": object.__new__, "twin": _twin(cls), "cls": cls}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[f"replace_{cls.__name__}"]


def replacer(cls: type[T], *fields: str) -> Callable[..., T]:
    """The generated copier of `cls` that takes the new values of `fields` positionally.

    ``replacer(Party, "progress")(party, flags)`` is `replace` without building keyword
    arguments and a key on every call, for the folds that run on every event.
    """
    key = (cls, fields)
    fn = _REPLACERS.get(key)
    if fn is None:
        fn = _REPLACERS[key] = _make(cls, fields)
    copier: Callable[..., T] = fn
    return copier


def replace(obj: T, **changes: Any) -> T:
    """A copy of the frozen attrs value `obj` with `changes`, without re-running validators."""
    key = (type(obj), tuple(changes))
    fn = _REPLACERS.get(key)
    if fn is None:
        fn = _REPLACERS[key] = _make(type(obj), key[1])
    result: T = fn(obj, *changes.values())
    return result


def thawer(cls: type[Any]) -> Callable[[Any], Any]:
    """The generated function that makes a mutable copy (a twin) of a frozen value of `cls`."""
    key = (cls, ("<thaw>",))
    fn = _REPLACERS.get(key)
    if fn is None:
        fn = _REPLACERS[key] = _make(cls, (), frozen=False)
    copier: Callable[[Any], Any] = fn
    return copier


def thaw(obj: Any) -> Any:
    """A mutable copy of the frozen attrs value `obj`: its twin, with the same fields and methods.

    Fill it with ordinary attribute stores, then `freeze` it; nothing else may hold it.
    """
    return thawer(type(obj))(obj)


def unfreeze(obj: Any) -> Any:
    """Turn a frozen value that nothing else holds into its draft, in place (no copy)."""
    object.__setattr__(obj, "__class__", _twin(type(obj)))
    return obj


def freeze(draft: Any, cls: type[T]) -> T:
    """Turn a draft made by `thaw` into the frozen value of `cls` it stands for, in place."""
    if type(draft) is not _TWINS.get(cls):
        raise TypeError(f"not a draft of {cls.__name__}: {type(draft).__name__}")
    draft.__class__ = cls
    result: T = draft
    return result
