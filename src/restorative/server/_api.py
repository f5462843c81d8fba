"""The JSON API: open a case, send any command, read a case and its timeline, what is allowed and due.

Commands and events cross the wire in the library's own codec (`restorative.to_data`, tagged
by ``type``), so what a client sends is what the store keeps. The server sets a command's
actor to the authenticated caller and its time, when the body gives none, from the
service clock. Every read goes through the privacy `Reader` (R14): a caller sees a case
only as the reader lets them, and a caller who may not see it gets the same 404 as for a
case that does not exist. Case reads and writes carry ``ETag: "<version>"``; a command
sent with ``If-Match`` is appended only at that version (else 412, with the current one),
and one sent without it is retried on a lost race, as `restorative.store.retry` does.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, ParamSpec, TypeVar

import attrs
import msgspec
from litestar import Request, Response, get, post
from litestar.concurrency import sync_to_thread
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, QueryParameter, RawBody

from .. import errors
from .._codec import SCHEMA_VERSION, command_from_data, to_data
from .._due import due
from .._lifecycle import Stage
from .._timeline import describe
from .._values import Actor, Case, CaseKind
from ..commands import Command, ReferCase
from ..events import CaseReferred, Event
from ..privacy._access import _others_hidden
from ..process._mediation import allowed, handle
from ..store import retry
from ._problems import MEDIA_TYPE, Failure, Problem, etag, fail, invalid, not_found, refusal
from ._state import Service, actor_of, service

T = TypeVar("T")
P = ParamSpec("P")

ATTEMPTS = 8
"""How many times a command sent without ``If-Match`` is tried when other writers keep coming first."""

_NO_STORE = {"Cache-Control": "no-store", "Vary": "Authorization, Cookie"}


def _spec(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=Problem, description=description, media_type=MEDIA_TYPE, generate_examples=False)


_AUTH = {401: _spec("No valid bearer token (or UI cookie) was presented.")}
_READ = {
    **_AUTH,
    403: _spec("The caller takes part in the case but may not do this (R14), e.g. a mediator with a conflict (R5)."),
    404: _spec("No case with this id that the caller may see: a missing case and a forbidden one look the same."),
}
_WRITE = {
    **_READ,
    400: _spec("The body is not JSON."),
    409: _spec("The stage or a rule refuses the command, or other writers kept coming first; with the version."),
    412: _spec("If-Match names another version than the case's current one, which the problem carries."),
    413: _spec("The body is larger than the service accepts."),
    422: _spec("The body is not a valid command, or the command's values are invalid."),
}


# --- who is asking, and what they may see ------------------------------------------


def _caller(request: Request[Any, Any, Any]) -> Actor:
    actor = actor_of(request)
    if actor is None:
        raise fail(
            401,
            "not-authenticated",
            "send a valid token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer realm="restorative"'},
        )
    return actor


def _case(found: Service, case_id: str) -> Case:
    """The stored case, or the outsider's 404 (an id that cannot exist is as missing as one that does not)."""
    try:
        return found.store.load(case_id)
    except (errors.CaseNotFound, errors.InvalidInput):
        raise not_found(case_id) from None


def _access(found: Service, case: Case, actor: Actor) -> frozenset[str] | None:
    """Check R14 for reads as the `Reader` does; the people whose personal data `actor` may see (``None``: all).

    Raises the outsider's 404 for someone with no access, and 403 for someone in the case
    whom a rule keeps from reading it (a mediator with a declared conflict, R5).
    """
    try:
        return found.reader._own(case, actor)
    except errors.NotPermitted as refused:
        if refused.stage is None:
            raise not_found(case.id) from None
        raise refusal(refused, None) from None


def _seen(case: Case, own: frozenset[str] | None) -> Case:
    """The case as someone who may see the personal data of `own` sees it (``None``: everyone's)."""
    return case if own is None else attrs.evolve(case, parties=_others_hidden(case.parties, own))


def _seen_events(events: tuple[Event, ...] | list[Event], own: frozenset[str] | None) -> list[Any]:
    if own is None:
        return [to_data(event) for event in events]
    return [
        to_data(attrs.evolve(e, parties=_others_hidden(e.parties, own)) if isinstance(e, CaseReferred) else e)
        for e in events
    ]


def _readable(found: Service, case_id: str, actor: Actor) -> tuple[Case, frozenset[str] | None]:
    case = _case(found, case_id)
    return case, _access(found, case, actor)


def _visible(found: Service, case_ids: list[str], actor: Actor, limit: int) -> list[tuple[Case, frozenset[str] | None]]:
    """The cases of `case_ids` that `actor` may read, in order, at most `limit`."""
    seen: list[tuple[Case, frozenset[str] | None]] = []
    for case_id in case_ids:
        try:
            seen.append(_readable(found, case_id, actor))
        except Failure:
            continue
        if len(seen) >= limit:
            break
    return seen


# --- the body -----------------------------------------------------------------------


def _data(body: RawBody) -> dict[str, Any]:
    if not body.strip():
        raise fail(400, "bad-request", "the body is empty; send a command as a JSON object")
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError as error:
        raise fail(400, "bad-request", f"the body is not JSON: {str(error)[:200]}") from None
    except RecursionError:
        raise fail(400, "bad-request", "the body is JSON nested too deeply to read") from None
    if not isinstance(data, dict):
        raise fail(422, "invalid-input", f"a command is a JSON object, not {type(data).__name__}", field="$")
    return data


def _command(data: dict[str, Any], actor: Actor, clock: Callable[[], datetime]) -> Command:
    """The command of a body, acting as `actor`, dated by `clock` unless the body gives its time."""
    given = data.get("actor")
    if given is not None and given != to_data(actor):
        raise fail(
            403,
            "not-permitted",
            "a command acts for the authenticated caller: leave out actor, or name yourself",
            error="NotPermitted",
            rule="R14",
            hint="leave out actor: the server sets it to you",
        )
    filled = {"schema": SCHEMA_VERSION, **data, "actor": to_data(actor)}
    if filled.get("at") is None:
        filled["at"] = clock().isoformat()
    try:
        return command_from_data(filled)
    except errors.InvalidInput as error:
        raise invalid(error) from None


def _expected(header: str | None) -> frozenset[int] | None:
    """The versions an ``If-Match`` header accepts (``None``: any, when absent or ``*``)."""
    if header is None or header.strip() == "*":
        return None
    versions = set()
    for tag in header.split(","):
        text = tag.strip().removeprefix("W/").strip('"')
        if text.isdigit() and len(text) < 19:
            versions.add(int(text))
    return frozenset(versions)


def _json(content: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        content=content, status_code=status, media_type="application/json", headers={**_NO_STORE, **(headers or {})}
    )


def _result(case: Case, events: tuple[Event, ...], own: frozenset[str] | None, **kwargs: Any) -> Response[Any]:
    body = {"case": to_data(_seen(case, own)), "version": case.version, "events": _seen_events(events, own)}
    return _json(body, headers={**etag(case.version), **kwargs.pop("headers", {})}, **kwargs)


# --- the handlers -------------------------------------------------------------------


def _threaded(function: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """`function` run in a worker thread, as an async handler: the stores block."""

    @functools.wraps(function)
    async def threaded(*args: P.args, **kwargs: P.kwargs) -> T:
        return await sync_to_thread(function, *args, **kwargs)

    return threaded


@get("/api/me", sync_to_thread=False, responses=_AUTH, opt={"response": "Me"}, tags=["people"])
def me(request: Request[Any, Any, Any]) -> Response[Any]:
    """Who the presented token stands for."""
    return _json({"actor": to_data(_caller(request))})


@post(
    "/api/cases",
    status_code=201,
    responses={**_WRITE, 201: ResponseSpec(None, description="The case was opened.")},
    opt={"request": "ReferCase", "response": "CommandResult"},
    tags=["cases"],
)
@_threaded
def open_case(request: Request[Any, Any, Any], body: RawBody) -> Response[Any]:
    """Open a case from a referral: a `ReferCase` command (its ``type`` may be left out).

    Leave out ``case_id`` and the service makes one; a case id that is taken is a 409.
    """
    actor = _caller(request)
    found = service(request)
    data = _data(body)
    if data.get("type", "ReferCase") != "ReferCase":
        raise fail(
            422, "invalid-input", "a case is opened with ReferCase; send other commands to its commands", field="$.type"
        )
    if data.get("case_id") is None:
        data["case_id"] = f"case-{secrets.token_hex(8)}"
    command = _command({**data, "type": "ReferCase"}, actor, found.clock)
    assert isinstance(command, ReferCase)
    try:
        case, events = handle(None, command)
    except errors.Refused as refused:
        raise refusal(refused, None) from None
    except errors.InvalidInput as error:
        raise invalid(error) from None
    try:
        found.store.append(command.case_id, events, 0)
    except errors.ConcurrencyError:
        raise fail(
            409, "case-exists", f"case id {command.case_id!r} is taken; leave out case_id to have one made"
        ) from None
    return _result(case, events, None, status=201, headers={"Location": f"/api/cases/{case.id}"})


@get("/api/cases", responses=_AUTH, opt={"response": "CaseList"}, tags=["cases"])
@_threaded
def list_cases(
    request: Request[Any, Any, Any],
    stage: FromQuery[Stage | None] = None,
    kind: FromQuery[CaseKind | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
) -> Response[Any]:
    """The cases the caller may read, most recently changed first: of one stage or kind, if asked."""
    actor = _caller(request)
    found = service(request)
    ids = [summary.case_id for summary in found.store.cases(stage=stage, kind=kind)]
    listed = [
        {
            "case_id": case.id,
            "kind": case.kind.value,
            "stage": case.stage.value,
            "version": case.version,
            "updated_at": case.updated_at.isoformat(),
        }
        for case, _ in _visible(found, ids, actor, limit)
    ]
    return _json({"cases": listed})


@get("/api/due", responses={**_AUTH, 422: _spec("before has no offset.")}, opt={"response": "DueList"}, tags=["cases"])
@_threaded
def list_due(
    request: Request[Any, Any, Any],
    before: FromQuery[datetime | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
) -> Response[Any]:
    """The timed commands due by `before` (default: now) on the cases the caller may read, earliest first."""
    actor = _caller(request)
    found = service(request)
    moment = before or found.clock()
    try:
        ids = [summary.case_id for summary in found.store.due(before=moment)]
    except errors.InvalidInput as error:
        raise invalid(error) from None
    listed = [
        {
            "case_id": case.id,
            "version": case.version,
            "command": waiting.command.__name__,
            "at": waiting.at.isoformat(),
            "rule": waiting.rule,
            "reason": waiting.reason,
        }
        for case, _ in _visible(found, ids, actor, limit)
        for waiting in due(case)
        if waiting.at <= moment
    ]
    return _json({"due": listed})


@get(
    "/api/cases/{case_id:str}",
    responses={**_READ, 304: ResponseSpec(None, description="If-None-Match names the current version.")},
    opt={"response": "CaseView"},
    tags=["cases"],
)
@_threaded
def read_case(request: Request[Any, Any, Any], case_id: FromPath[str]) -> Response[Any]:
    """The case as the caller may see it, with its version (also its ``ETag``) and what is due."""
    actor = _caller(request)
    case, own = _readable(service(request), case_id, actor)
    tag = etag(case.version)
    if request.headers.get("if-none-match") in (tag["ETag"], f"W/{tag['ETag']}"):
        return Response(content=b"", status_code=304, headers={**_NO_STORE, **tag})
    waiting = [
        {"command": d.command.__name__, "at": d.at.isoformat(), "rule": d.rule, "reason": d.reason} for d in due(case)
    ]
    return _json({"case": to_data(_seen(case, own)), "version": case.version, "due": waiting}, headers=tag)


@get("/api/cases/{case_id:str}/timeline", responses=_READ, opt={"response": "Timeline"}, tags=["cases"])
@_threaded
def read_timeline(request: Request[Any, Any, Any], case_id: FromPath[str]) -> Response[Any]:
    """The case's events as the caller may see them, each with its sequence number and a sentence."""
    actor = _caller(request)
    found = service(request)
    try:
        events = found.reader.history(case_id, actor)
    except errors.NotPermitted as refused:
        if refused.stage is None:
            raise not_found(case_id) from None
        raise refusal(refused, None) from None
    except errors.InvalidInput:
        raise not_found(case_id) from None
    entries = [
        {"sequence": n, "at": event.at.isoformat(), "text": describe(event), "event": to_data(event)}
        for n, event in enumerate(events, start=1)
    ]
    return _json({"case_id": case_id, "version": len(events), "events": entries}, headers=etag(len(events)))


@get("/api/cases/{case_id:str}/allowed", responses=_READ, opt={"response": "Allowed"}, tags=["cases"])
@_threaded
def read_allowed(request: Request[Any, Any, Any], case_id: FromPath[str]) -> Response[Any]:
    """The kinds of command the caller could send now (`restorative.allowed`): draw these as buttons."""
    actor = _caller(request)
    case, _ = _readable(service(request), case_id, actor)
    commands = [command.__name__ for command in allowed(case, actor)]
    return _json({"case_id": case.id, "version": case.version, "commands": commands}, headers=etag(case.version))


@post(
    "/api/cases/{case_id:str}/commands",
    status_code=200,
    responses=_WRITE,
    opt={"request": "Command", "response": "CommandResult"},
    tags=["cases"],
)
@_threaded
def send_command(request: Request[Any, Any, Any], case_id: FromPath[str], body: RawBody) -> Response[Any]:
    """Send any command to the case: the case after it as the caller may see it, its version and the new events.

    With ``If-Match: "<version>"`` the command is decided and appended only at that version
    (412 otherwise, with the current version); without it, a writer that came first makes
    the server decide again on the case as it now is.
    """
    actor = _caller(request)
    found = service(request)
    data = _data(body)
    if data.get("type") == "ReferCase":
        raise fail(
            422, "invalid-input", "a case is opened with POST /api/cases, not with a command to it", field="$.type"
        )
    command = _command(data, actor, found.clock)
    expected = _expected(request.headers.get("if-match"))

    dated = data.get("at") is not None

    def attempt() -> tuple[Case, tuple[Event, ...], frozenset[str] | None]:
        case, own = _readable(found, case_id, actor)
        if expected is not None and case.version not in expected:
            raise _stale(case.version)
        # dated by the clock after the case is read, so that a writer who came first (and was
        # dated before its append) is never later than this command (R15)
        now = command if dated else attrs.evolve(command, at=found.clock())
        try:
            new, events = handle(case, now)
        except errors.Refused as refused:
            raise refusal(refused, case.version) from None
        except errors.InvalidInput as error:
            raise invalid(error) from None
        found.store.append(case_id, events, case.version)
        return new, events, own

    try:
        new, events, own = attempt() if expected is not None else retry(attempt, attempts=ATTEMPTS, backoff=0.002)
    except errors.ConcurrencyError as lost:
        if expected is not None:
            raise _stale(lost.actual) from None
        raise fail(
            409,
            "conflict",
            f"other writers kept coming first ({ATTEMPTS} tries); the case is at version {lost.actual}: try again",
            headers=etag(lost.actual),
            error="ConcurrencyError",
            version=lost.actual,
        ) from None
    return _result(new, events, own)


def _stale(version: int) -> Failure:
    return fail(
        412,
        "stale",
        f"the case is at version {version}, not the one If-Match names: read it again and decide anew",
        headers=etag(version),
        error="ConcurrencyError",
        version=version,
    )


HANDLERS: list[Any] = [me, open_case, list_cases, list_due, read_case, read_timeline, read_allowed, send_command]
"""The API's route handlers, mounted by `create_app`."""
