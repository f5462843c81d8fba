"""Errors as ``application/problem+json`` (RFC 9457): one status per error class, nothing private in them.

Every response that is not a success is a problem document: ``type`` (a URN naming the
kind of problem), ``title``, ``status``, ``detail`` and ``instance`` (the request path), and
the library's facts as extension members: ``error`` (the error class), ``rule``, ``stage``
and ``hint``, the case's current ``version`` when the problem is a conflict, and
``possible`` (the commands the stage takes) for a stage error. An outsider's refusal and a
missing case are the same 404 document, and a fault of the server is a bare 500 whose
detail says nothing of the case: no message of a store error, no stack trace, ever.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from .. import errors

MEDIA_TYPE = "application/problem+json"
LOG = logging.getLogger("restorative.server")

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not permitted",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    500: "Internal server error",
    503: "Service unavailable",
}


class Problem(msgspec.Struct, omit_defaults=True):
    """A problem document (RFC 9457) with the library's facts as extension members.

    Attributes:
        type: a URN naming the kind of problem, e.g. ``urn:restorative:problem:rule-violation``.
        title: the status in words.
        status: the HTTP status.
        detail: what went wrong, for this request.
        instance: the path of the request.
        error: the class of the library's error (``RuleViolation``), when one was raised.
        rule: the id of the rule that refused the command (``R4``).
        stage: the stage the case was in.
        hint: what must happen first, in words a caseworker can act on.
        version: the case's current version (a conflict or a stale ``If-Match``).
        possible: the commands the stage takes (a stage error).
        field: the field or data path at fault (invalid input).
    """

    type: str
    title: str
    status: int
    detail: str
    instance: str = ""
    error: str | None = None
    rule: str | None = None
    stage: str | None = None
    hint: str | None = None
    version: int | None = None
    possible: list[str] | None = None
    field: str | None = None


class Failure(Exception):
    """A request that fails with `problem`, raised by the handlers and answered by `respond`."""

    def __init__(self, problem: Problem, headers: dict[str, str] | None = None) -> None:
        super().__init__(problem.detail)
        self.problem = problem
        self.headers = headers or {}


def problem(status: int, kind: str, detail: str, **facts: Any) -> Problem:
    """A problem document of `status` and `kind` (the last part of its type URN)."""
    return Problem(
        type=f"urn:restorative:problem:{kind}", title=TITLES.get(status, "Error"), status=status, detail=detail, **facts
    )


def fail(status: int, kind: str, detail: str, *, headers: dict[str, str] | None = None, **facts: Any) -> Failure:
    """A `Failure` to raise: see `problem`."""
    return Failure(problem(status, kind, detail, **facts), headers)


def not_found(case_id: str) -> Failure:
    """The one answer to a case that is missing or that the caller may not see: they cannot tell which."""
    return fail(404, "not-found", f"there is no case {case_id!r} that you may see")


def etag(version: int) -> dict[str, str]:
    """The ``ETag`` header of a case at `version`."""
    return {"ETag": f'"{version}"'}


def refusal(error: errors.Refused, version: int | None) -> Failure:
    """A refused command: 403 for R14, 409 for a stage or a rule, with the rule, stage and hint."""
    stage = None if error.stage is None else error.stage.value
    facts: dict[str, Any] = {"error": type(error).__name__, "rule": error.rule, "stage": stage, "hint": error.hint}
    headers = {} if version is None else etag(version)
    if isinstance(error, errors.NotPermitted):
        return fail(403, "not-permitted", str(error), headers=headers, version=version, **facts)
    if isinstance(error, errors.StageError):
        return fail(409, "stage", str(error), headers=headers, version=version, possible=list(error.possible), **facts)
    return fail(409, "rule-violation", str(error), headers=headers, version=version, **facts)


def invalid(error: errors.InvalidInput) -> Failure:
    """Malformed input: 422 with the field at fault."""
    return fail(422, "invalid-input", str(error), error=type(error).__name__, field=error.field)


def respond(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The problem+json response to any exception a request raised (Litestar's exception handler)."""
    if isinstance(exc, Failure):
        found, headers = exc.problem, exc.headers
    elif isinstance(exc, HTTPException):  # the framework's own: routing, body size, query parameters
        status = exc.status_code
        if status >= HTTP_500_INTERNAL_SERVER_ERROR:
            return _fault(request, exc)
        kinds = {404: "not-found", 405: "method-not-allowed", 413: "too-large", 401: "not-authenticated"}
        detail = "no such resource" if isinstance(exc, NotFoundException) else str(exc.detail)
        if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
            detail += ": " + "; ".join(
                f"{item.get('key', '')} {item.get('message', '')}".strip()
                for item in exc.extra
                if isinstance(item, dict)
            )
        found, headers = problem(status, kinds.get(status, "bad-request"), detail[:500]), dict(exc.headers or {})
    elif isinstance(exc, errors.Refused):
        failure = refusal(exc, None)
        found, headers = failure.problem, failure.headers
    elif isinstance(exc, errors.InvalidInput):
        found, headers = invalid(exc).problem, {}
    else:
        return _fault(request, exc)
    found.instance = request.url.path
    return Response(
        content=found, status_code=found.status, media_type=MEDIA_TYPE, headers={**headers, "Cache-Control": "no-store"}
    )


def _fault(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A fault of the server: logged as one line naming the error class, answered with nothing of the case."""
    if isinstance(exc, errors.StoreError) and not isinstance(exc, (errors.IntegrityError, errors.VaultError)):
        status, kind, detail = 503, "store-unavailable", "the store cannot be reached now; try again later"
    else:
        status, kind, detail = 500, "internal", "the server failed; the error is logged for its operators"
    LOG.error("%s %s failed with %d: %s", request.method, request.url.path, status, type(exc).__name__)
    found = problem(status, kind, detail, instance=request.url.path)
    return Response(content=found, status_code=status, media_type=MEDIA_TYPE, headers={"Cache-Control": "no-store"})
