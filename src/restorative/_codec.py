"""JSON for every value, command and event, with cattrs.

Commands and events are tagged by their class name under ``"type"`` and carry the
schema version under ``"schema"``. Timestamps are ISO 8601 strings with their offset;
enums are their string values; tuples are lists. Decoding is strict: unknown types,
unknown or missing fields, wrong types and naive timestamps raise
`restorative.errors.DecodeError` with the path to the problem.

Decoding is also bounded (the limits are in `restorative._checks`): data nested more
than 64 deep, a text over 100,000 characters, a list or object of more than 10,000
entries, or more than a million values in all is refused before it is read; a wrong
type where a list belongs is refused before it is iterated, and a list stops being read
after a few bad entries. So every refusal takes bounded time, and its message is at
most `MAX_MESSAGE` characters.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar, overload

import attrs
import cattrs
from cattrs.errors import IterableValidationError, IterableValidationNote
from cattrs.strategies import configure_tagged_union

from ._arguments import instance, refuse
from ._checks import check_data, cut, shown
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


MAX_MESSAGE = 2_000
"""The longest message of a `DecodeError`, in characters, whatever the data."""

_SHOWN_PROBLEMS = 5
"""A refusal names this many problems, then counts the rest."""


def _strict(kind: type) -> Any:
    def structure(value: Any, _: type) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}, got {shown(value)}")
        return value

    return structure


def _list(value: Any) -> None:
    """A list (or, from Python, a tuple) is what a tuple field takes: anything else is refused before it is read."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"expected a list, got {type(value).__name__} {shown(value)}")


def _noted(error: Exception, kind: Any, index: int, item: Any) -> Exception:
    """`error` with the note cattrs adds for an entry of a list, so `transform_error` names its path."""
    error.__notes__ = [
        *getattr(error, "__notes__", []),
        IterableValidationNote(f"Structuring {kind} @ index {index}", index, item),
    ]
    return error


def _tuples(kind: Any, converter: cattrs.BaseConverter) -> Any:
    """Tuple fields, as cattrs structures them, but a list only, and reading stops after a few bad entries.

    cattrs would iterate any iterable (a text, character by character) and collect an
    error for every entry; a refusal then took seconds and megabytes.
    """
    items = typing.get_args(kind)
    if len(items) == 2 and items[1] is Ellipsis:
        item = items[0]
        convert = converter.get_structure_hook(item)

        def homogeneous(value: Any, _: Any) -> tuple[Any, ...]:
            _list(value)
            result, errors = [], []
            for index, entry in enumerate(value):
                try:
                    result.append(convert(entry, item))
                except Exception as error:  # cattrs collects anything a hook raises
                    errors.append(_noted(error, kind, index, item))
                    if len(errors) == _SHOWN_PROBLEMS:
                        break  # the first few say what is wrong; reading on only costs time
            if errors:
                raise IterableValidationError(f"While structuring {kind!r}", errors, kind)
            return tuple(result)

        return homogeneous
    converts = [converter.get_structure_hook(item) for item in items]

    def fixed(value: Any, _: Any) -> tuple[Any, ...]:
        _list(value)
        if len(value) != len(items):
            raise ValueError(f"expected a list of {len(items)} entries, got {len(value)}")
        result, errors = [], []
        for index, (convert, item, entry) in enumerate(zip(converts, items, value, strict=True)):
            try:
                result.append(convert(entry, item))
            except Exception as error:  # cattrs collects anything a hook raises
                errors.append(_noted(error, kind, index, item))
        if errors:
            raise IterableValidationError(f"While structuring {kind!r}", errors, kind)
        return tuple(result)

    return fixed


def _objects(cls: Any, converter: cattrs.Converter) -> Any:
    """Our attrs classes, as cattrs structures them, from a dict only (not whatever has ``.keys()``)."""
    inner = converter.gen_structure_attrs_fromdict(cls)

    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, dict):
            raise TypeError(f"expected an object, got {type(value).__name__} {shown(value)}")
        return inner(value, cls)

    return structure


_converter.register_unstructure_hook(datetime, datetime.isoformat)
_converter.register_structure_hook(datetime, aware)
_converter.register_unstructure_hook(date, date.isoformat)
_converter.register_structure_hook(date, day)
_converter.register_unstructure_hook(Progress, progress_out)
_converter.register_structure_hook(Progress, progress)
for _kind in (str, int, bool):
    _converter.register_structure_hook(_kind, _strict(_kind))


def _is_tuple(kind: Any) -> bool:
    return typing.get_origin(kind) is tuple


_converter.register_structure_hook_factory(_is_tuple, _tuples)
_converter.register_structure_hook_factory(attrs.has, _objects)

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
    check_data(data)  # too deep or too big: refused before anything below reads it
    if names is not None:
        if not isinstance(data, dict):
            raise DecodeError(f"expected an object, got {type(data).__name__}")
        tag = data.get("type")
        if not isinstance(tag, str) or tag not in names:
            kinds = cut(", ".join(sorted(names)), 1_200)
            raise DecodeError(f"unknown type {shown(tag)}; expected one of {kinds}", path="$.type")
        schema = data.get("schema")
        if type(schema) is not int or schema != SCHEMA_VERSION:
            raise DecodeError(
                f"schema version {shown(schema)} is not {SCHEMA_VERSION}; upcast it first", path="$.schema"
            )
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
        raise DecodeError(cut(str(error), MAX_MESSAGE // 2)) from error
    except RecursionError as error:
        raise DecodeError("the data is nested too deeply") from error
    except (cattrs.BaseValidationError, KeyError, TypeError, ValueError, AttributeError) as error:
        messages = cattrs.transform_error(error, format_exception=_format)
        where = messages[0].rpartition(" @ ")[2] if messages and " @ " in messages[0] else "$"
        raise DecodeError(_problems(messages), path=cut(where, 200)) from error


def _problems(messages: list[str]) -> str:
    """The first few problems, each cut short, and how many more: a bounded message however bad the data."""
    text = "; ".join(cut(message, 300) for message in messages[:_SHOWN_PROBLEMS])
    if len(messages) > _SHOWN_PROBLEMS:
        text += f"; and {len(messages) - _SHOWN_PROBLEMS} more problems"
    return text


def _format(exc: BaseException, kind: type | None) -> str:
    if isinstance(exc, InvalidInput):
        return cut(str(exc), 300)
    if isinstance(exc, (TypeError, ValueError)) and exc.args and not isinstance(exc, KeyError):
        return f"{cattrs.v.format_exception(exc, kind)}: {cut(str(exc.args[0]), 300)}"
    return cut(cattrs.v.format_exception(exc, kind), 300)


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
        InvalidInput: `cls` is not a class (or `Event` or `Command`).
    """
    if cls is Event:
        return event_from_data(data)
    if cls is Command:
        return command_from_data(data)
    _check_class("from_data", cls)
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
        InvalidInput: `text` is not text or bytes, or `cls` is not a class.
    """
    _check_class("from_json", cls)
    return from_data(_parse(text, "from_json"), cls)


def event_from_data(data: Any) -> Event:
    """Decode JSON-compatible data into whichever event its ``"type"`` names."""
    result: Event = _decode(data, Event, _EVENT_NAMES)
    return result


def event_from_json(text: str | bytes) -> Event:
    """Decode JSON text into whichever event its ``"type"`` names."""
    return event_from_data(_parse(text, "event_from_json"))


def command_from_data(data: Any) -> Command:
    """Decode JSON-compatible data into whichever command its ``"type"`` names."""
    result: Command = _decode(data, Command, _COMMAND_NAMES)
    return result


def command_from_json(text: str | bytes) -> Command:
    """Decode JSON text into whichever command its ``"type"`` names."""
    return command_from_data(_parse(text, "command_from_json"))


def _check_class(function: str, cls: Any) -> None:
    """Refuse a `cls` that names no type: a text, a number, an instance."""
    if not isinstance(cls, type) and typing.get_origin(cls) is None:
        refuse(function, "cls", "a class such as restorative.Case, or the union Event or Command", cls)


def _parse(text: str | bytes, function: str) -> Any:
    instance(function, "text", text, (str, bytes, bytearray), "JSON text (a str or bytes)")
    try:
        return json.loads(text)
    except (ValueError, TypeError) as error:
        raise DecodeError(f"not JSON: {error}") from error
    except RecursionError as error:
        raise DecodeError("not JSON we accept: nested too deeply") from error
