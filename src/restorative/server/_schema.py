"""The JSON Schemas of the wire format, generated from the attrs classes, for the OpenAPI document.

The wire format is the library's codec (`restorative.to_data`): the stored format. msgspec
writes the schema of every value class (`Case`, `Party`, `Referral`, ...) from its attrs
fields and type hints. The commands and events are tagged unions that msgspec cannot
describe whole (the ``type`` tag and ``schema`` key are the codec's, and some defaults take
the command itself), so each one's object schema is assembled here from its attrs fields,
with each field's schema again from msgspec. Two corrections make msgspec's schemas say
what the codec writes: `Progress` flags are a list of names, and timestamps are date-times
(msgspec writes a plain string, since it would accept a naive one).
"""

from __future__ import annotations

import functools
import typing
from datetime import datetime
from typing import Any

import attrs
import msgspec

import restorative

from .._codec import SCHEMA_VERSION
from .._values import Actor, Case, Progress
from ..commands import COMMAND_TYPES, ReferCase
from ..events import EVENT_TYPES

REF = "#/components/schemas/{name}"
"""Where the OpenAPI document keeps its schemas."""

FILLED_IN = frozenset({"actor", "at"})
"""Command fields a request may leave out: the server fills them in (the caller, the service clock)."""

_MOMENT = {"type": "string", "format": "date-time"}


def ref(name: str) -> dict[str, Any]:
    """A reference to the schema `name` of `components`."""
    return {"$ref": REF.format(name=name)}


def _fields(cls: type) -> list[tuple[attrs.Attribute[Any], Any]]:
    hints = typing.get_type_hints(cls)
    return [(field, hints[field.name]) for field in attrs.fields(cls)]


def _is_moment(hint: Any) -> bool:
    return hint is datetime or (typing.get_origin(hint) is not None and datetime in typing.get_args(hint))


def _clean(schema: Any) -> Any:
    """msgspec's schema without defaults: the codec writes every field, so a default is no example."""
    if isinstance(schema, dict):
        return {key: _clean(value) for key, value in schema.items() if key != "default"}
    if isinstance(schema, list):
        return [_clean(item) for item in schema]
    return schema


def _dated(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of a timestamp field (or an optional one) with its date-time format."""
    if schema.get("type") == "string":
        return {**schema, **_MOMENT}
    if "anyOf" in schema:
        return {**schema, "anyOf": [_dated(option) for option in schema["anyOf"]]}
    return schema


def _tagged(cls: type, properties: dict[str, Any], *, request: bool) -> dict[str, Any]:
    """The object schema of one command (as a request) or event: its fields, ``type`` and ``schema``."""
    tagged: dict[str, Any] = {"type": {"const": cls.__name__}, "schema": {"const": SCHEMA_VERSION}}
    required = ["type"] if request else ["type", "schema"]
    for field, _ in _fields(cls):
        tagged[field.name] = properties[field.name]
        optional = request and (
            field.default is not attrs.NOTHING
            or field.name in FILLED_IN
            or (cls is ReferCase and field.name == "case_id")  # the server makes an id when none is given
        )
        if not optional:
            required.append(field.name)
    return {
        "title": cls.__name__,
        "description": (cls.__doc__ or "").strip().split("\n\n")[0],
        "type": "object",
        "properties": tagged,
        "required": required,
    }


def _union(description: str, names: list[str]) -> dict[str, Any]:
    return {
        "description": description,
        "oneOf": [ref(name) for name in names],
        "discriminator": {"propertyName": "type", "mapping": {name: REF.format(name=name) for name in names}},
    }


@functools.cache
def components() -> dict[str, Any]:
    """Every schema of the wire format by name: the values, each command (as a request) and each event.

    ``Command`` and ``Event`` are the unions, discriminated by ``type``.
    """
    tagged: list[type] = [*COMMAND_TYPES, *EVENT_TYPES]
    wanted: list[Any] = [Case, Actor] + [hint for cls in tagged for _, hint in _fields(cls)]
    schemas, found = msgspec.json.schema_components(wanted, ref_template=REF)
    result: dict[str, Any] = {name: _clean(schema) for name, schema in found.items()}
    for name, schema in result.items():
        value = getattr(restorative, name, None)
        if isinstance(value, type) and attrs.has(value):  # a value class: its timestamps are date-times
            for field, hint in _fields(value):
                if _is_moment(hint):
                    schema["properties"][field.name] = _dated(schema["properties"][field.name])
        elif "enum" in schema:
            schema["type"] = "string"
    result["Progress"] = {
        "title": "Progress",
        "description": "How far a party has come: the names of its flags that are set.",
        "type": "array",
        "items": {"enum": [flag.name.lower() for flag in Progress if flag.name], "type": "string"},
        "uniqueItems": True,
    }
    field_schemas = iter(schemas[2:])
    for cls in tagged:
        properties = {}
        for field, hint in _fields(cls):
            schema = _clean(next(field_schemas))
            properties[field.name] = _dated(schema) if _is_moment(hint) else schema
        result[cls.__name__] = _tagged(cls, properties, request=cls in COMMAND_TYPES)
    result["Command"] = _union(
        "Any command in the codec's form, tagged by its type; the server fills in actor and at.",
        [cls.__name__ for cls in COMMAND_TYPES],
    )
    result["Event"] = _union(
        "Any event in the codec's (stored) form, tagged by its type.", [cls.__name__ for cls in EVENT_TYPES]
    )
    return result
