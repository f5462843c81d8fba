"""JSON for every value, command and event, with cattrs.

Commands and events are tagged by their class name under ``"type"`` and carry the
schema version under ``"schema"``. Timestamps are ISO 8601 strings with their offset;
enums are their string values; tuples are lists. Decoding is strict: unknown types,
unknown or missing fields, wrong types and naive timestamps raise
`restorative.errors.DecodeError` with the path to the problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar, overload

import cattrs
from cattrs.strategies import configure_tagged_union

from ._fastcodec import GENERATOR, aware, day, progress, progress_out
from ._policy import Policy
from ._values import Actor, Agreement, Case, Item, Meeting, Participant, Party, Progress, Referral, Report
from .commands import COMMAND_TYPES, Command
from .errors import DecodeError, InvalidInput, RestorativeError
from .events import EVENT_TYPES, Event

SCHEMA_VERSION = 1
"""The version of the JSON layout written today; older layouts are upcast on load."""

T = TypeVar("T")

_converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)


def _strict(kind: type) -> Any:
    def structure(value: Any, _: type) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}, got {value!r}")
        return value

    return structure


_converter.register_unstructure_hook(datetime, datetime.isoformat)
_converter.register_structure_hook(datetime, aware)
_converter.register_unstructure_hook(date, date.isoformat)
_converter.register_structure_hook(date, day)
_converter.register_unstructure_hook(Progress, progress_out)
_converter.register_structure_hook(Progress, progress)
for _kind in (str, int, bool):
    _converter.register_structure_hook(_kind, _strict(_kind))

configure_tagged_union(Command, _converter, tag_generator=lambda cls: cls.__name__, tag_name="type")
configure_tagged_union(Event, _converter, tag_generator=lambda cls: cls.__name__, tag_name="type")

_TAGGED: dict[type[Any], Any] = dict.fromkeys(COMMAND_TYPES, Command) | dict.fromkeys(EVENT_TYPES, Event)

# The fast path (restorative._fastcodec): generated once for every class we own.
_OWN_VALUES = (Case, Party, Participant, Referral, Item, Agreement, Meeting, Report, Policy, Actor)
_ENCODERS: dict[type[Any], Any] = {cls: GENERATOR.encoder(cls) for cls in _OWN_VALUES} | {
    cls: GENERATOR.encoder(cls, tag=True, schema=SCHEMA_VERSION) for cls in _TAGGED
}
_DECODERS: dict[type[Any], Any] = {cls: GENERATOR.decoder(cls) for cls in _OWN_VALUES}
_TAGGED_DECODERS: dict[str, Any] = {
    cls.__name__: GENERATOR.decoder(cls, extra=frozenset({"type", "schema"})) for cls in _TAGGED
}
EVENT_DECODERS: dict[str, Any] = {cls.__name__: _TAGGED_DECODERS[cls.__name__] for cls in EVENT_TYPES}
"""Fast decoders of events by type name, for stores; they raise on anything unexpected."""
_EVENT_NAMES = frozenset(cls.__name__ for cls in EVENT_TYPES)
_COMMAND_NAMES = frozenset(cls.__name__ for cls in COMMAND_TYPES)


def to_data(value: Any) -> Any:
    """Turn a value, command or event into JSON-compatible data (dicts, lists, strings, numbers).

    Commands and events gain ``"type"`` and ``"schema"`` keys.
    """
    encode = _ENCODERS.get(type(value))
    if encode is None:
        return _converter.unstructure(value)
    return encode(value)


def _compact_json() -> Callable[[Any], str]:
    """Compact JSON text of data made of dicts, lists, strings, numbers, booleans and None.

    `json.dumps` with options builds an encoder on every call, and `JSONEncoder.encode`
    makes a new C encoder each time; here the C encoder (where the interpreter has one) is
    made once, with the same options, so the text is the same as ``json.dumps(data,
    separators=(",", ":"), ensure_ascii=False)``. Data is never circular, so no markers.
    """
    fallback = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    basestring = getattr(json.encoder, "c_encode_basestring", None)
    if make is None or basestring is None:
        return fallback.encode
    encoder = make(None, fallback.default, basestring, None, ":", ",", False, False, True)

    def dumps(data: Any) -> str:
        return "".join(encoder(data, 0))

    return dumps


dumps_compact = _compact_json()


def to_json(value: Any) -> str:
    """Encode a value, command or event as compact JSON text."""
    try:
        return dumps_compact(to_data(value))
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"cannot encode {type(value).__name__} as JSON: {error}") from error


def _decode(data: Any, cls: Any, names: frozenset[str] | None) -> Any:
    if names is not None:
        if not isinstance(data, dict):
            raise DecodeError(f"expected an object, got {type(data).__name__}")
        tag = data.get("type")
        if not isinstance(tag, str) or tag not in names:
            raise DecodeError(f"unknown type {tag!r}; expected one of {', '.join(sorted(names))}", path="$.type")
        schema = data.get("schema")
        if type(schema) is not int or schema != SCHEMA_VERSION:
            raise DecodeError(f"schema version {schema!r} is not {SCHEMA_VERSION}; upcast it first", path="$.schema")
        try:
            return _TAGGED_DECODERS[tag](data)
        except Exception:  # anything unexpected: cattrs judges the same data and explains
            data = dict(data)
            del data["schema"]
    else:
        fast = _DECODERS.get(cls)
        if fast is not None:
            try:
                return fast(data)
            except Exception:  # anything unexpected: cattrs judges the same data and explains
                pass
    try:
        return _converter.structure(data, cls)
    except RestorativeError as error:
        raise DecodeError(str(error)) from error
    except RecursionError as error:
        raise DecodeError("the data is nested too deeply") from error
    except (cattrs.BaseValidationError, KeyError, TypeError, ValueError, AttributeError) as error:
        messages = cattrs.transform_error(error, format_exception=_format)
        where = messages[0].rpartition(" @ ")[2] if messages and " @ " in messages[0] else "$"
        raise DecodeError("; ".join(messages), path=where) from error


def _format(exc: BaseException, kind: type | None) -> str:
    if isinstance(exc, InvalidInput):
        return str(exc)
    if isinstance(exc, (TypeError, ValueError)) and exc.args and not isinstance(exc, KeyError):
        return f"{cattrs.v.format_exception(exc, kind)}: {exc.args[0]}"
    return cattrs.v.format_exception(exc, kind)


@overload
def from_data(data: Any, cls: type[T]) -> T: ...
@overload
def from_data(data: Any, cls: object) -> Any: ...
def from_data(data: Any, cls: Any) -> Any:
    """Decode JSON-compatible data into a value of class `cls`.

    `cls` may also be one of the unions `Event` or `Command`: the data's ``"type"`` then
    says which event or command it is (as `event_from_data` and `command_from_data`).

    Raises:
        DecodeError: the data does not make a valid `cls`.
    """
    if cls is Event:
        return event_from_data(data)
    if cls is Command:
        return command_from_data(data)
    names = frozenset({cls.__name__}) if cls in _TAGGED else None
    if names is not None:
        event = _decode(data, _TAGGED[cls], names)
        if type(event) is not cls:
            raise DecodeError(f"expected {cls.__name__}", path="$.type")
        return event
    return _decode(data, cls, None)


@overload
def from_json(text: str | bytes, cls: type[T]) -> T: ...
@overload
def from_json(text: str | bytes, cls: object) -> Any: ...
def from_json(text: str | bytes, cls: Any) -> Any:
    """Decode JSON text into a value of class `cls` (or of the union `Event` or `Command`).

    Raises:
        DecodeError: the text is not JSON or not a valid `cls`.
    """
    return from_data(_parse(text), cls)


def event_from_data(data: Any) -> Event:
    """Decode JSON-compatible data into whichever event its ``"type"`` names."""
    result: Event = _decode(data, Event, _EVENT_NAMES)
    return result


def event_from_json(text: str | bytes) -> Event:
    """Decode JSON text into whichever event its ``"type"`` names."""
    return event_from_data(_parse(text))


def command_from_data(data: Any) -> Command:
    """Decode JSON-compatible data into whichever command its ``"type"`` names."""
    result: Command = _decode(data, Command, _COMMAND_NAMES)
    return result


def command_from_json(text: str | bytes) -> Command:
    """Decode JSON text into whichever command its ``"type"`` names."""
    return command_from_data(_parse(text))


def _parse(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except (ValueError, TypeError) as error:
        raise DecodeError(f"not JSON: {error}") from error
    except RecursionError as error:
        raise DecodeError("not JSON we accept: nested too deeply") from error
