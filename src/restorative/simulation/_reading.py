"""Reading a scenario from TOML or plain data: every key known, every value checked.

A bad value raises `ScenarioError` naming the dotted key; `Scenario` calls `check` on
every scenario built in code too, so both ways in meet the same limits.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from .._checks import EARLIEST_YEAR
from .._policy import Continuation, Policy
from .._values import ReferralSource
from ..errors import InvalidInput, ScenarioError
from ._scenario import _MAX_DAYS, STAGES_WITH_WITHDRAWAL, Behaviour, Distribution, Durations, Mix, Scenario

_MAX_SIGMA = 3.0
"""The widest lognormal: beyond this its draws overflow a calendar."""
_MAX_YEARS = 1000.0
"""The longest span of referrals (cases / referrals_per_year) a scenario may ask for."""
_EARLIEST_START = EARLIEST_YEAR + 20
"""The earliest start: the oldest simulated minor is born no earlier than the engine accepts."""
_LATEST_START = 7000
"""The latest start: a thousand years of referrals and centuries of capped steps still end before 9000."""

_SHAPES: dict[str, tuple[str, ...]] = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "exponential": ("mean",),
    "lognormal": ("median", "sigma"),
}


def loads(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError("(file)", f"{where} is not valid TOML: {error}") from None


def read(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    resolved = path.resolve()
    if resolved in seen:
        raise ScenarioError("base", f"{path} is its own base (a cycle)")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError("(file)", f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise ScenarioError("(file)", f"{path} is not UTF-8 text: {error.reason} at byte {error.start}") from None
    data = loads(text, str(path))
    return based(data, path.parent, (*seen, resolved)) if "base" in data else data


def based(data: dict[str, Any], folder: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    base = data.pop("base")
    if not isinstance(base, str):
        raise ScenarioError("base", f"must be a file name, not {base!r}")
    return _merge(read(folder / base, seen), data)


_WHOLE = frozenset({"criminal_sources", "civil_sources", "parties", "items", "channels"})
"""Tables of shares that sum to 1: a variant replaces them whole instead of merging."""


def _merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        old = merged.get(key)
        whole = key in _WHOLE or (isinstance(value, Mapping) and "dist" in value)
        if isinstance(old, dict) and isinstance(value, Mapping) and not whole:
            merged[key] = _merge(old, value)
        else:
            merged[key] = value
    return merged


def _table(data: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ScenarioError(key, f"must be a table, not {type(data).__name__}")
    return data


def _unknown(data: Mapping[str, Any], known: tuple[str, ...], prefix: str) -> None:
    for key in data:
        if key not in known:
            raise ScenarioError(f"{prefix}{key}", f"unknown key; known keys are {', '.join(known)}")


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(key, f"must be a number, not {value!r}")
    if not math.isfinite(value):
        raise ScenarioError(key, f"must be finite, not {value!r}")
    return float(value)


def _integer(value: Any, key: str, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(key, f"must be a whole number, not {value!r}")
    if value < low:
        raise ScenarioError(key, f"must be at least {low}, not {value}")
    return value


def _probability(value: Any, key: str) -> float:
    p = _number(value, key)
    if not 0.0 <= p <= 1.0:
        raise ScenarioError(key, f"is a probability and must lie between 0 and 1, not {value}")
    return p


def _shares(value: Any, key: str, allowed: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    table = _table(value, key)
    _unknown(table, allowed, f"{key}.")
    shares = tuple((k, _probability(v, f"{key}.{k}")) for k, v in table.items())
    total = sum(v for _, v in shares)
    if shares and not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ScenarioError(key, f"shares must sum to 1, not {total:g}")
    if not shares:
        raise ScenarioError(key, "needs at least one share")
    return shares


def _counted(value: Any, key: str, low: int, high: int) -> tuple[tuple[int, float], ...]:
    allowed = tuple(str(n) for n in range(low, high + 1))
    return tuple((int(k), v) for k, v in _shares(value, key, allowed))


def distribution(key: str, value: Any) -> Distribution:
    table = _table(value, key)
    shape = table.get("dist")
    if shape not in _SHAPES:
        raise ScenarioError(f"{key}.dist", f"must be one of {', '.join(_SHAPES)}, not {shape!r}")
    names = _SHAPES[shape]
    _unknown(table, ("dist", *names), f"{key}.")
    params: list[tuple[str, float]] = []
    for name in names:
        if name not in table:
            raise ScenarioError(f"{key}.{name}", f"a {shape} distribution needs {', '.join(names)}")
        number = _number(table[name], f"{key}.{name}")
        if number < 0:
            raise ScenarioError(f"{key}.{name}", f"durations are days and cannot be negative, not {number:g}")
        limit = _MAX_SIGMA if name == "sigma" else _MAX_DAYS
        if number > limit:
            raise ScenarioError(f"{key}.{name}", f"must be at most {limit:g}, not {number:g}")
        params.append((name, number))
    p = dict(params)
    if shape == "uniform" and p["low"] > p["high"]:
        raise ScenarioError(f"{key}.low", "must not exceed high")
    if shape == "triangular" and not p["low"] <= p["mode"] <= p["high"]:
        raise ScenarioError(f"{key}.mode", "must lie between low and high")
    return Distribution(dist=shape, params=tuple(params))


def _policy(value: Any) -> Policy:
    table = dict(_table(value, "policy"))
    known = tuple(f.name for f in attrs.fields(Policy))
    _unknown(table, known, "policy.")
    if "continuation" in table:
        try:
            table["continuation"] = Continuation(table["continuation"])
        except ValueError:
            options = ", ".join(c.value for c in Continuation)
            raise ScenarioError("policy.continuation", f"must be one of {options}") from None
    try:
        return Policy(**table)
    except (InvalidInput, TypeError) as error:
        key = getattr(error, "field", None) or "policy"
        raise ScenarioError(f"policy.{key}" if key != "policy" else key, str(error)) from None


_MIX_KEYS = tuple(f.name for f in attrs.fields(Mix))
_BEHAVIOUR_KEYS = tuple(f.name for f in attrs.fields(Behaviour))
_DURATION_KEYS = tuple(f.name for f in attrs.fields(Durations))
_TOP_KEYS = tuple(f.name for f in attrs.fields(Scenario))


def _mix(value: Any) -> Mix:
    table = _table(value, "mix")
    _unknown(table, _MIX_KEYS, "mix.")
    changes: dict[str, Any] = {}
    for key, raw in table.items():
        dotted = f"mix.{key}"
        if key == "criminal_sources":
            changes[key] = _shares(raw, dotted, ("prosecution", "court"))
        elif key == "civil_sources":
            changes[key] = _shares(raw, dotted, ("parties", "public_agency", "police"))
        elif key == "parties":
            changes[key] = _counted(raw, dotted, 2, 4)
        elif key in ("criminal_minor_ages", "civil_minor_ages"):
            if not isinstance(raw, list) or len(raw) != 2:
                raise ScenarioError(dotted, "must be [youngest, oldest]")
            low, high = (_integer(v, dotted, 1) for v in raw)
            if low > high:
                raise ScenarioError(dotted, "youngest must not exceed oldest")
            changes[key] = (low, high)
        else:
            changes[key] = _probability(raw, dotted)
    return Mix(**changes)


def _behaviour(value: Any) -> Behaviour:
    table = _table(value, "behaviour")
    _unknown(table, _BEHAVIOUR_KEYS, "behaviour.")
    changes: dict[str, Any] = {}
    for key, raw in table.items():
        dotted = f"behaviour.{key}"
        if key == "items":
            changes[key] = _counted(raw, dotted, 1, 5)
        elif key == "channels":
            changes[key] = _shares(raw, dotted, ("in_person", "phone", "video"))
        elif key == "max_adjournments":
            changes[key] = _integer(raw, dotted)
        elif key == "withdrawal":
            given = _table(raw, dotted)
            _unknown(given, STAGES_WITH_WITHDRAWAL, f"{dotted}.")
            merged = dict(Behaviour().withdrawal)
            merged.update({k: _probability(v, f"{dotted}.{k}") for k, v in given.items()})
            changes[key] = tuple((s, merged[s]) for s in STAGES_WITH_WITHDRAWAL)
        else:
            changes[key] = _probability(raw, dotted)
    return Behaviour(**changes)


def _durations(value: Any) -> Durations:
    table = _table(value, "durations")
    _unknown(table, _DURATION_KEYS, "durations.")
    return Durations(**{key: distribution(f"durations.{key}", raw) for key, raw in table.items()})


def _start(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ScenarioError("start", f"must be a date and time, not {value!r}") from None
    if not isinstance(value, datetime):
        raise ScenarioError("start", f"must be a date and time with a time zone, not {value!r}")
    if value.tzinfo is None:
        raise ScenarioError("start", "needs a time zone, e.g. 2026-01-05T08:00:00Z")
    if not _EARLIEST_START <= value.year <= _LATEST_START:
        raise ScenarioError(
            "start",
            f"must lie in the years {_EARLIEST_START} to {_LATEST_START}, so that every simulated birth date and"
            f" timestamp stays within what the engine accepts, not {value.year}",
        )
    return value.astimezone(UTC)


def parse(data: Mapping[str, Any]) -> dict[str, Any]:
    table = _table(data, "(top level)")
    _unknown(table, _TOP_KEYS, "")
    changes: dict[str, Any] = {}
    for key, raw in table.items():
        if key in ("name", "description"):
            if not isinstance(raw, str):
                raise ScenarioError(key, f"must be text, not {raw!r}")
            allowed = "\n\t" if key == "description" else ""
            if any(ord(ch) < 32 and ch not in allowed for ch in raw):
                raise ScenarioError(key, "must not hold control characters (the XES log is XML)")
            changes[key] = raw
        elif key == "cases":
            changes[key] = _integer(raw, key, 1)
        elif key == "seed":
            changes[key] = _integer(raw, key)
        elif key in ("mediators", "staff"):
            changes[key] = _integer(raw, key, 2)
        elif key == "referrals_per_year":
            rate = _number(raw, key)
            if rate < 1:
                raise ScenarioError(key, f"must be at least 1, not {rate:g}")
            changes[key] = rate
        elif key == "start":
            changes[key] = _start(raw)
        elif key == "policy":
            changes[key] = _policy(raw)
        elif key == "mix":
            changes[key] = _mix(raw)
        elif key == "behaviour":
            changes[key] = _behaviour(raw)
        elif key == "resources":
            from ._resources import read as resources  # noqa: PLC0415 - it imports this module

            changes[key] = resources(raw)
        else:
            changes[key] = _durations(raw)
    _consistent(changes)
    return changes


def _consistent(changes: Mapping[str, Any]) -> None:
    """Checks across keys: the span of referrals, and minors who are minors under the policy."""
    cases = changes.get("cases", 10_000)
    rate = changes.get("referrals_per_year", 5_600.0)
    if cases / rate > _MAX_YEARS:
        raise ScenarioError("referrals_per_year", f"{cases} cases would take more than {_MAX_YEARS:g} years to refer")
    majority = changes.get("policy", Policy.norway()).age_of_majority
    mix = changes.get("mix", Mix())
    for key in ("criminal_minor_ages", "civil_minor_ages"):
        oldest = getattr(mix, key)[1]
        if oldest >= majority:
            raise ScenarioError(f"mix.{key}", f"a minor is younger than the policy's age of majority ({majority})")


def check(scenario: Scenario) -> None:
    """Check a scenario built in code against the same limits as the TOML reader."""
    parse(scenario.to_data())


SOURCES = {source.value: source for source in ReferralSource}
"""Referral sources by their TOML names."""


def policy_file(path: Path) -> Policy:
    """Read a `Policy` from a TOML file, with the keys and checks of a scenario's ``[policy]`` table.

    The file holds a ``[policy]`` table (so a scenario file gives its own policy, the rest of
    it unread) or the policy's keys at its top level; ``base = "other.toml"`` works as in a
    scenario. A key the policy does not have, or a value it refuses, raises `InvalidInput`
    naming the file and the key.
    """
    try:
        data = read(path, ())
        return _policy(data.get("policy", data))
    except ScenarioError as error:
        detail = str(error).removeprefix("scenario key ")
        raise InvalidInput(f"policy file {path}: {detail}", field=error.key) from None
