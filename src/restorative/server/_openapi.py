"""The OpenAPI document, served at ``/openapi.json``: Litestar's paths with the wire format's schemas.

Litestar writes the document from the route handlers (paths, parameters, statuses, the
problem documents). A handler names the schemas of its JSON body and its success response
in its ``opt`` (``{"request": "Command", "response": "CommandResult"}``), and this module
puts them in: the commands, events and values come from `._schema` (generated from the
attrs classes), and the few envelopes around them (a case with its version, a command's
result) are written out below.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.serialization import encode_json

from ..commands import COMMAND_TYPES
from ._schema import components, ref

_MOMENT = {"type": "string", "format": "date-time"}
_VERSION = {"type": "integer", "minimum": 0, "description": "How many events the case has: its ETag."}
_DUE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "command": {"type": "string", "enum": ["EndCoolingOff", "CheckDeadlines"]},
        "at": _MOMENT,
        "rule": {"type": "string"},
        "reason": {"type": "string"},
    },
    "required": ["command", "at", "rule", "reason"],
}


def _object(properties: dict[str, Any], description: str) -> dict[str, Any]:
    return {"type": "object", "description": description, "properties": properties, "required": list(properties)}


ENVELOPES: dict[str, Any] = {
    "Me": _object({"actor": ref("Actor")}, "Who the presented token stands for."),
    "CaseView": _object(
        {"case": ref("Case"), "version": _VERSION, "due": {"type": "array", "items": _DUE}},
        "A case as the caller may see it, its version and the timed commands it waits for.",
    ),
    "CommandResult": _object(
        {"case": ref("Case"), "version": _VERSION, "events": {"type": "array", "items": ref("Event")}},
        "The case after a command, as the caller may see it, its version and the events the command produced.",
    ),
    "Timeline": _object(
        {
            "case_id": {"type": "string"},
            "version": _VERSION,
            "events": {
                "type": "array",
                "items": _object(
                    {
                        "sequence": {"type": "integer", "minimum": 1},
                        "at": _MOMENT,
                        "text": {"type": "string"},
                        "event": ref("Event"),
                    },
                    "One event with its place in the log and a sentence that tells it.",
                ),
            },
        },
        "A case's events as the caller may see them.",
    ),
    "Allowed": _object(
        {
            "case_id": {"type": "string"},
            "version": _VERSION,
            "commands": {"type": "array", "items": {"type": "string", "enum": [c.__name__ for c in COMMAND_TYPES]}},
        },
        "The kinds of command the caller could send now (restorative.allowed).",
    ),
    "CaseList": _object(
        {
            "cases": {
                "type": "array",
                "items": _object(
                    {
                        "case_id": {"type": "string"},
                        "kind": ref("CaseKind"),
                        "stage": ref("Stage"),
                        "version": _VERSION,
                        "updated_at": _MOMENT,
                    },
                    "One case of the listing.",
                ),
            }
        },
        "The cases the caller may read, most recently changed first.",
    ),
    "DueList": _object(
        {
            "due": {
                "type": "array",
                "items": {
                    **_DUE,
                    "properties": {"case_id": {"type": "string"}, "version": _VERSION, **_DUE["properties"]},
                    "required": ["case_id", "version", *_DUE["required"]],
                },
            }
        },
        "The timed commands due on the cases the caller may read, earliest first.",
    ),
}
"""The responses' envelopes around the generated schemas."""


def document(app: Litestar) -> dict[str, Any]:
    """The OpenAPI document of `app`: Litestar's, with the wire format's schemas put in."""
    doc = copy.deepcopy(app.openapi_schema.to_schema())
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(components())  # the wire format's, over Litestar's reading of the same enums
    schemas.update(ENVELOPES)
    doc["components"].setdefault("securitySchemes", {})["bearer"] = {"type": "http", "scheme": "bearer"}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler) or not handler.include_in_schema:
                continue
            for method in handler.http_methods:
                operation = doc["paths"].get(_path(route.path), {}).get(method.lower())
                if operation is not None:
                    _fill(operation, handler.opt, handler.status_code)
    return doc


def _path(path: str) -> str:
    """A route's path as the document writes it: ``{case_id:str}`` is ``{case_id}``."""
    parts = [part.split(":")[0] + "}" if part.startswith("{") else part for part in path.split("/")]
    return "/".join(parts)


def _fill(operation: dict[str, Any], opt: dict[str, Any], status: int) -> None:
    request, response = opt.get("request"), opt.get("response")
    responses = operation.setdefault("responses", {})
    responses.setdefault("400", {"description": "A query parameter or header is malformed."})
    for code, answer in responses.items():
        if int(code) >= 400:  # every error is a problem document, the framework's own too
            answer["content"] = {"application/problem+json": {"schema": ref("Problem")}}
    if request is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(request)}},
        }
    if response is not None:
        answer = operation.setdefault("responses", {}).setdefault(str(status), {"description": "Success."})
        answer["content"] = {"application/json": {"schema": ref(response)}}
        if response in ("CaseView", "CommandResult", "Timeline", "Allowed"):
            answer["headers"] = {
                "ETag": {"description": 'The case\'s version, quoted: "<version>".', "schema": {"type": "string"}}
            }
    if opt.get("public"):
        return
    operation["security"] = [{"bearer": []}]
    if_match = opt.get("request") == "Command"
    if if_match:
        operation.setdefault("parameters", []).append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "description": 'The version the command is for, as the ETag gave it: "<version>".',
                "schema": {"type": "string"},
            }
        )


class Rendered(JsonRenderPlugin):
    """Litestar's JSON rendering of the document (at ``/schema/openapi.json``), with the schemas put in."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """The document `document` makes of the request's application."""
        return encode_json(_cached(request.app))


@get("/openapi.json", include_in_schema=False, sync_to_thread=False)
def openapi(request: Request[Any, Any, Any]) -> Response[Any]:
    """The OpenAPI document, generated from the code."""
    return Response(content=_cached(request.app), media_type="application/vnd.oai.openapi+json")


@functools.cache
def _cached(app: Litestar) -> dict[str, Any]:
    return document(app)
