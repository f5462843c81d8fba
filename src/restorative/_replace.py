"""A fast `attrs.evolve` for the frozen values the decider folds on every event.

`attrs.evolve` rebuilds the keyword arguments and runs ``__init__`` (validators
included); folding events only ever copies values the decider already checked, so we
copy the slots directly with code generated once per (class, changed fields).
"""

from __future__ import annotations

from typing import Any, TypeVar

import attrs

T = TypeVar("T")

_REPLACERS: dict[tuple[type[Any], tuple[str, ...]], Any] = {}


def _make(cls: type[Any], keys: tuple[str, ...]) -> Any:
    names = [a.name for a in attrs.fields(cls)]
    unknown = set(keys) - set(names)
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {', '.join(sorted(unknown))}")
    args = ", ".join(f"v_{k}" for k in keys)
    lines = [f"def replace(o, {args}):", "    n = new(cls)"]
    for name in names:
        value = f"v_{name}" if name in keys else f"o.{name}"
        lines.append(f"    put(n, {name!r}, {value})")
    lines.append("    return n")
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls, "put": object.__setattr__}
    exec("\n".join(lines), namespace)
    return namespace["replace"]


def replace(obj: T, **changes: Any) -> T:
    """A copy of the frozen attrs value `obj` with `changes`, without re-running validators."""
    key = (type(obj), tuple(changes))
    fn = _REPLACERS.get(key)
    if fn is None:
        fn = _REPLACERS[key] = _make(type(obj), key[1])
    result: T = fn(obj, *changes.values())
    return result
