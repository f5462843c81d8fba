"""Checks of the arguments of public functions: a wrong type is `InvalidInput` naming the argument.

The values check their own fields when they are built (`restorative._checks`); these are
for the functions that take them, so that a wrong argument is refused before any work
starts, with a message that says what was expected, instead of an `AttributeError` from
deep inside.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from ._checks import shown
from .errors import InvalidInput

T = TypeVar("T")


def refuse(function: str, name: str, wanted: str, value: Any) -> NoReturn:
    """Raise `InvalidInput` for argument `name` of `function`: what it must be, and what it was."""
    raise InvalidInput(f"{function}: {name} must be {wanted}, got {type(value).__name__} {shown(value)}", field=name)


def instance(function: str, name: str, value: Any, kind: type[T] | tuple[type, ...], wanted: str) -> T:
    """`value` if it is an instance of `kind`; else `InvalidInput` naming the argument."""
    if not isinstance(value, kind):
        refuse(function, name, wanted, value)
    return value  # type: ignore[return-value]


def optional(function: str, name: str, value: Any, kind: type[T] | tuple[type, ...], wanted: str) -> T | None:
    """`value` if it is ``None`` or an instance of `kind`."""
    return None if value is None else instance(function, name, value, kind, f"{wanted} or None")


def count(function: str, name: str, value: Any, low: int = 0) -> int:
    """`value` if it is a whole number (not a bool) of at least `low`."""
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        refuse(function, name, f"a whole number of at least {low}", value)
    return value


def number(function: str, name: str, value: Any) -> float:
    """`value` if it is a finite int or float (not a bool)."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        refuse(function, name, "a finite number", value)
    return value


def flag(function: str, name: str, value: Any) -> bool:
    """`value` if it is ``True`` or ``False``."""
    return instance(function, name, value, bool, "True or False")


def call(function: str, name: str, value: Any, wanted: str = "a function") -> Callable[..., Any] | None:
    """`value` if it is ``None`` or callable."""
    if value is not None and not callable(value):
        refuse(function, name, f"{wanted} or None", value)
    checked: Callable[..., Any] | None = value
    return checked


def mapping(function: str, name: str, value: Any, wanted: str) -> Mapping[str, Any]:
    """`value` if it is a mapping (a dict, say)."""
    return instance(function, name, value, Mapping, wanted)


def folder(function: str, name: str, value: Any) -> Path:
    """`value` as a `Path`, if it is a path or a text."""
    if not isinstance(value, str | os.PathLike):
        refuse(function, name, "a folder (a Path or a text)", value)
    return Path(value)


def entries(function: str, name: str, value: Any, kind: type[T] | tuple[type, ...], wanted: str) -> list[T]:
    """The entries of `value`, if it is an iterable (not a text) of instances of `kind`."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        refuse(function, name, f"an iterable of {wanted}", value)
    found = list(value)
    for entry in found:
        if not isinstance(entry, kind):
            raise InvalidInput(
                f"{function}: {name} must hold only {wanted}, got {type(entry).__name__} {shown(entry)}", field=name
            )
    return found
