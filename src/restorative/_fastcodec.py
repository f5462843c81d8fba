"""Generated encoders and decoders for our own attrs classes: the codec's fast path.

cattrs is general and careful, which costs about 15 µs to decode one small event
here. The hot paths (stores loading and appending, simulations writing logs) handle
only our own classes, whose field types are few: strings, ints, bools, aware
datetimes, dates, enums, `Progress`, tuples, optionals and nested classes. For each
class we generate, once, a function that converts exactly those types and checks
each value strictly. A decoder raises (`Mismatch`, or the conversions' `TypeError` or
`ValueError`) on anything it does not expect; the codec then runs cattrs on the same
data, which either explains the problem with a path or, if the data was fine after
all, decodes it. The conversions of timestamps, dates and progress are written once,
here, and registered with cattrs too. The generated source is kept in `linecache`
under names like ``<restorative generated decode Item>``, so a traceback shows it.
"""

from __future__ import annotations

import enum
import itertools
import linecache
import types
import typing
from datetime import date, datetime
from typing import Any

import attrs

from ._checks import shown
from ._values import Actor, ActorKind, Progress


class Mismatch(Exception):
    """The data is not what the fast path expects; let cattrs judge it."""


_counter = itertools.count()


def _fail(*_: object) -> Any:
    raise Mismatch


def aware(value: Any, _: object = None) -> datetime:
    """An ISO 8601 timestamp with its offset: the one conversion both codec paths use."""
    if type(value) is not str:
        raise TypeError(f"expected an ISO 8601 string, got {shown(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not an ISO 8601 timestamp: {shown(value)}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp {shown(value)} has no UTC offset")
    return parsed


def day(value: Any, _: object = None) -> date:
    """An ISO 8601 date."""
    if type(value) is not str:
        raise TypeError(f"expected an ISO 8601 date, got {shown(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date: {shown(value)}") from None


_PROGRESS_BY_NAME = {flag.name.lower(): flag for flag in Progress if flag.name}


def progress(value: Any, _: object = None) -> Progress:
    """A party's progress from its list of flag names."""
    if type(value) is not list:
        raise TypeError(f"expected a list of progress flags, got {shown(value)}")
    result = Progress(0)
    for name in value:
        flag = _PROGRESS_BY_NAME.get(name) if type(name) is str else None
        if flag is None:
            raise ValueError(f"unknown progress flag {shown(name)}; known: {', '.join(_PROGRESS_BY_NAME)}")
        result |= flag
    return result


def progress_out(value: Progress) -> list[str]:
    """A party's progress as its list of flag names."""
    return [name for name, flag in _PROGRESS_BY_NAME.items() if flag in value]


_ACTORS: dict[tuple[str, str], Actor] = {}
_ACTOR_KINDS = {kind.value: kind for kind in ActorKind}


def _actor(value: Any) -> Actor:
    """Actors repeat on every event of a case; decode each one once."""
    if type(value) is not dict or len(value) != 2:
        raise Mismatch
    key = (value["id"], value["kind"])
    actor = _ACTORS.get(key)
    if actor is None:
        if type(key[0]) is not str or type(key[1]) is not str or key[1] not in _ACTOR_KINDS:
            raise Mismatch
        actor = Actor(id=key[0], kind=_ACTOR_KINDS[key[1]])
        if len(_ACTORS) < 100_000:
            _ACTORS[key] = actor
    return actor


class _Generator:
    """Builds source for decoders and encoders, sharing helpers through one namespace."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {
            "Mismatch": Mismatch,
            "_aware": aware,
            "_day": day,
            "_progress": progress,
            "_progress_out": progress_out,
            "_actor": _actor,
        }
        self.decoders: dict[type[Any], Any] = {Actor: _actor}
        self.encoders: dict[type[Any], Any] = {}

    def _name(self, prefix: str, value: Any) -> str:
        name = f"_{prefix}{next(_counter)}"
        self.namespace[name] = value
        return name

    # --- decoding ------------------------------------------------------------------

    def decode_expr(self, kind: Any, var: str) -> str:
        """An expression converting the JSON value in `var` to `kind`, raising on mismatch."""
        origin = typing.get_origin(kind)
        args = typing.get_args(kind)
        if origin in (typing.Union, types.UnionType):
            rest = [a for a in args if a is not type(None)]
            if len(rest) != 1 or len(rest) == len(args):
                raise TypeError(f"unsupported union {kind!r}")
            return f"(None if {var} is None else {self.decode_expr(rest[0], var)})"
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                item = self.decode_expr(args[0], "x")
                check = self._name("checklist", _check_list)
                return f"tuple([{item} for x in {check}({var})])"
            parts = ", ".join(self.decode_expr(a, f"{var}[{i}]") for i, a in enumerate(args))
            check = self._name("checklen", _check_len(len(args)))
            return f"({check}({var}) and ({parts},))"
        if kind is str:
            return f"({var} if type({var}) is str else _fail())"
        if kind is bool:
            return f"({var} if type({var}) is bool else _fail())"
        if kind is int:
            return f"({var} if type({var}) is int else _fail())"
        if kind is datetime:
            return f"_aware({var})"
        if kind is date:
            return f"_day({var})"
        if kind is Progress:
            return f"_progress({var})"
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            table = self._name("members", {member.value: member for member in kind})
            return f"{table}[{var}]"
        if isinstance(kind, type) and attrs.has(kind):
            return f"{self._name('decode', self.decoder(kind))}({var})"
        raise TypeError(f"unsupported field type {kind!r}")

    def decoder(self, cls: type[Any], *, extra: frozenset[str] = frozenset()) -> Any:
        """A function from a JSON object to an instance of `cls`; `extra` keys are allowed and ignored."""
        known = self.decoders.get(cls)
        if known is not None and not extra:
            return known
        hints = typing.get_type_hints(cls)
        fields = attrs.fields(cls)
        allowed = frozenset(f.name for f in fields) | extra
        lines = [
            "def decode(d):",
            "    if type(d) is not dict:",
            "        raise Mismatch",
            f"    if not d.keys() <= {self._name('allowed', allowed)}:",
            "        raise Mismatch",
        ]
        kwargs = []
        for f in fields:
            var = f"v_{f.name}"
            if f.default is attrs.NOTHING:
                lines.append(f"    {var} = d[{f.name!r}]")
                lines.append(f"    {var} = {self.decode_expr(hints[f.name], var)}")
                kwargs.append(f"{f.name}={var}")
            else:
                lines.append(f"    if {f.name!r} in d:")
                lines.append(f"        {var} = d[{f.name!r}]")
                lines.append(f"        kw[{f.name!r}] = {self.decode_expr(hints[f.name], var)}")
        lines.insert(5, "    kw = {}")
        lines.append(f"    return cls({', '.join(kwargs)}{', ' if kwargs else ''}**kw)")
        namespace = dict(self.namespace, cls=cls, _fail=_fail)
        _run("\n".join(lines), namespace, f"decode {cls.__name__}")
        self.namespace.update({k: v for k, v in namespace.items() if k.startswith("_")})
        decode = namespace["decode"]
        if not extra:
            self.decoders[cls] = decode
        return decode

    # --- encoding ------------------------------------------------------------------

    def encode_expr(self, kind: Any, var: str) -> str:
        """An expression turning the value in `var`, of type `kind`, into JSON-ready data."""
        origin = typing.get_origin(kind)
        args = typing.get_args(kind)
        if origin in (typing.Union, types.UnionType):
            rest = [a for a in args if a is not type(None)]
            return f"(None if {var} is None else {self.encode_expr(rest[0], var)})"
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                item = self.encode_expr(args[0], "x")
                return f"[{item} for x in {var}]" if item != "x" else f"list({var})"
            return "[" + ", ".join(self.encode_expr(a, f"{var}[{i}]") for i, a in enumerate(args)) + "]"
        if kind in (str, bool, int):
            return var
        if kind in (datetime, date):
            return f"{var}.isoformat()"
        if kind is Progress:
            return f"_progress_out({var})"
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            return f"{var}._value_"  # the member's value without the enum property's Python-level lookup
        if isinstance(kind, type) and attrs.has(kind):
            return f"{self._name('encode', self.encoder(kind))}({var})"
        raise TypeError(f"unsupported field type {kind!r}")

    def encoder(self, cls: type[Any], *, tag: bool = False, schema: int | None = None) -> Any:
        """A function from an instance of `cls` to a JSON-ready dict (with ``"type"`` and ``"schema"`` when `tag`)."""
        known = self.encoders.get(cls)
        if known is not None and not tag:
            return known
        hints = typing.get_type_hints(cls)
        items = [f"{f.name!r}: {self.encode_expr(hints[f.name], 'o.' + f.name)}" for f in attrs.fields(cls)]
        if tag:
            items.append(f"'type': {cls.__name__!r}")
            if schema is not None:
                items.append(f"'schema': {schema!r}")
        source = "def encode(o):\n    return {" + ", ".join(items) + "}"
        namespace = dict(self.namespace)
        _run(source, namespace, f"encode {cls.__name__}{' tagged' if tag else ''}")
        encode = namespace["encode"]
        if not tag:
            self.encoders[cls] = encode
        return encode


def _run(source: str, namespace: dict[str, Any], name: str) -> None:
    """Run generated source under a readable file name kept in `linecache`, so tracebacks show it (as attrs does)."""
    filename = f"<restorative generated {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    exec(compile(source, filename, "exec"), namespace)


def _check_list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise Mismatch
    return value


def _check_len(length: int) -> Any:
    def check(value: Any) -> bool:
        if type(value) is not list or len(value) != length:
            raise Mismatch
        return True

    return check


GENERATOR = _Generator()
