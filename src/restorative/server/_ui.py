"""The browser UI: server-rendered pages under ``/ui`` in which each person sees only their own buttons.

Staff, mediators, parties and guardians log in with their token (kept in the `COOKIE`
cookie: HttpOnly, SameSite=Strict). The case list shows the cases the privacy `Reader`
lets them read; the case page shows the case as the Reader shows it, its timeline, and
one form per command `allowed` gives them now. A refused command comes back on the
same page with its rule and hint beside the action. Every POST form carries a token
derived from the login (and a cross-site Origin is refused), every value is escaped by
Jinja2's autoescape, and no error page shows a stack trace.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.resources
import logging
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from attrs import frozen
from litestar import MediaType, Request, Response, Router, get, post
from litestar.exceptions import HTTPException
from litestar.response import Redirect

from .._due import due
from .._queries import missing_signatures
from .._timeline import describe, moment
from .._values import Actor, ActorKind, CaseKind, ItemKind, ReferralSource, Role
from ..errors import InvalidInput, NotPermitted, Refused, StoreError
from ..events import Event
from ..store import retry
from . import _app  # the module, not its names: _app imports this module while it loads
from ._auth import COOKIE, Users
from ._ui_forms import Action, actions, command_from_form, local_input, referral_from_form, refill, words

PREFIX = "/ui"
_log = logging.getLogger("restorative.server.ui")
_FILES = importlib.resources.files("restorative.server")
_STATIC = {name: (_FILES / "static" / name).read_bytes() for name in ("ui.css", "ui.js")}
_TYPES = {"css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8"}
_PAGES = jinja2.Environment(
    loader=jinja2.PackageLoader("restorative.server", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make Chromium send `Origin: null` on our own forms
    "Cache-Control": "no-store",
}
_CSRF = b"restorative-ui-csrf"


@frozen
class Refusal:
    """A command the case refused, as the page shows it beside the action."""

    key: str
    command: str
    rule: str | None
    stage: str | None
    hint: str


def csrf_token(token: str) -> str:
    """The form token of a login: an HMAC of a fixed label under the login's secret token."""
    return hmac.new(token.encode(), _CSRF, hashlib.sha256).hexdigest()


def _token(request: Request[Any, Any, Any]) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    return request.cookies.get(COOKIE, "").strip()


def _same_origin(request: Request[Any, Any, Any]) -> bool:
    """Whether a POST comes from our own pages, as far as the browser says (Origin, Sec-Fetch-Site)."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host", "")


def _name(request: Request[Any, Any, Any], actor: Actor) -> str:
    users = _app.service(request).users
    user = users.user(_token(request)) if isinstance(users, Users) else None
    return user.name if user is not None else actor.id


def _page(
    request: Request[Any, Any, Any], template: str, *, status: int = 200, actor: Actor | None = None, **values: Any
) -> Response[str]:
    who = None if actor is None else {"name": _name(request, actor), "id": actor.id, "kind": actor.kind.value}
    csrf = csrf_token(_token(request)) if actor is not None else ""
    html = _PAGES.get_template(template).render(prefix=PREFIX, who=who, csrf=csrf, quote=quote, **values)
    return Response(content=html, status_code=status, media_type=MediaType.HTML, headers=_HEADERS)


def _to_login() -> Redirect:
    return Redirect(path=f"{PREFIX}/login", status_code=303)


def _not_found(request: Request[Any, Any, Any], actor: Actor, case_id: str) -> Response[str]:
    """The one answer for a case that is missing and for one the actor may not read (R14)."""
    return _page(request, "not_found.html", status=404, actor=actor, case_id=case_id)


def _forbidden_form(request: Request[Any, Any, Any], actor: Actor | None) -> Response[str]:
    return _page(request, "stale.html", status=403, actor=actor)


async def _checked_form(request: Request[Any, Any, Any], actor: Actor) -> Any | None:
    form = await request.form()
    sent = str(form.get("_csrf", ""))
    if not _same_origin(request) or not hmac.compare_digest(sent, csrf_token(_token(request))):
        return None
    return form


# ---------------------------------------------------------------- login and logout


@get("/", include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Redirect:
    """The UI's front door: the case list, or the login page."""
    return Redirect(path=f"{PREFIX}/cases" if _app.actor_of(request) else f"{PREFIX}/login", status_code=303)


@get("/login", include_in_schema=False)
async def login_page(request: Request[Any, Any, Any]) -> Response[str]:
    """The login form: paste the token you were given."""
    return _page(request, "login.html", error="")


@post("/login", include_in_schema=False)
async def login(request: Request[Any, Any, Any]) -> Response[Any]:
    """Log in: a known token becomes the session cookie."""
    if not _same_origin(request):
        return _forbidden_form(request, None)
    form = await request.form()
    token = str(form.get("token", "")).strip()
    actor = _app.service(request).authenticate(token) if token else None
    if actor is None:
        return _page(request, "login.html", status=401, error="That token is not known. Check it and try again.")
    response: Response[Any] = Redirect(path=f"{PREFIX}/cases", status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


@post("/logout", include_in_schema=False)
async def logout(request: Request[Any, Any, Any]) -> Response[Any]:
    """Log out: the cookie is removed."""
    actor = _app.actor_of(request)
    if actor is not None and await _checked_form(request, actor) is None:
        return _forbidden_form(request, actor)
    response: Response[Any] = _to_login()
    response.delete_cookie(COOKIE, path="/")
    return response


@get("/static/{name:str}", include_in_schema=False)
async def static(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The stylesheet and the little script."""
    name = str(request.path_params["name"])
    body = _STATIC.get(name)
    if body is None:
        raise HTTPException(status_code=404, detail="no such file")
    headers = {**_HEADERS, "Cache-Control": "max-age=3600"}
    return Response(content=body, media_type=_TYPES[name.rsplit(".", 1)[-1]], headers=headers)


# ---------------------------------------------------------------- the case list and a new case


@get("/cases", include_in_schema=False)
async def case_list(request: Request[Any, Any, Any]) -> Response[Any]:
    """The cases the logged-in person may read, most recently changed first."""
    actor = _app.actor_of(request)
    if actor is None:
        return _to_login()
    svc = _app.service(request)
    rows = []
    for summary in sorted(svc.store.cases(), key=lambda s: s.updated_at, reverse=True):
        try:
            case = svc.reader.load(summary.case_id, actor)
        except NotPermitted:
            continue
        rows.append(
            {
                "id": case.id,
                "kind": case.referral.kind.value,
                "stage": case.stage.value,
                "reference": case.referral.reference,
                "parties": ", ".join(p.id for p in case.parties),
                "updated": moment(case.updated_at),
            }
        )
    return _page(request, "cases.html", actor=actor, rows=rows, staff=actor.kind is ActorKind.STAFF)


def _new_case_values(now: datetime) -> dict[str, Any]:
    return {
        "case_id": f"case-{now:%Y%m%d-%H%M%S}",
        "received_at": local_input(now),
        "kinds": [k.value for k in CaseKind],
        "sources": [s.value for s in ReferralSource],
        "roles": [r.value for r in Role],
        "rows": [("harmed", ""), ("responsible", ""), ("harmed", ""), ("responsible", "")],
    }


@get("/new-case", include_in_schema=False)
async def new_case_page(request: Request[Any, Any, Any]) -> Response[Any]:
    """The referral form (staff only)."""
    actor = _app.actor_of(request)
    if actor is None:
        return _to_login()
    if actor.kind is not ActorKind.STAFF:
        return _page(request, "only_staff.html", status=403, actor=actor)
    values = _new_case_values(_app.service(request).clock())
    return _page(request, "new_case.html", actor=actor, error=None, **values)


@post("/cases", include_in_schema=False)
async def new_case(request: Request[Any, Any, Any]) -> Response[Any]:
    """Register a referral: the staff member who sends it is assigned to the case."""
    actor = _app.actor_of(request)
    if actor is None:
        return _to_login()
    form = await _checked_form(request, actor)
    if form is None:
        return _forbidden_form(request, actor)
    if actor.kind is not ActorKind.STAFF:
        return _page(request, "only_staff.html", status=403, actor=actor)
    svc = _app.service(request)
    now = svc.clock()
    try:
        command = referral_from_form(form, actor, now)
        svc.store.handle(command.case_id, command)
    except (Refused, InvalidInput, StoreError) as error:
        message = _message(error)
        if isinstance(error, StoreError):
            message = "A case with this id exists already, or the store refused it; choose another case id."
        values = _new_case_values(now)
        return _page(request, "new_case.html", status=422, actor=actor, error=message, **values)
    return Redirect(path=f"{PREFIX}/cases/{quote(command.case_id, safe='')}", status_code=303)


def _message(error: Exception) -> str:
    return error.hint if isinstance(error, Refused) else str(error)


# ---------------------------------------------------------------- a case


def _timeline(events: list[Event]) -> list[dict[str, str]]:
    return [{"at": moment(e.at), "actor": e.actor.id, "kind": e.actor.kind.value, "text": describe(e)} for e in events]


def _case_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    case_id: str,
    *,
    refusal: Refusal | None = None,
    posted: Any = None,
    status: int = 200,
) -> Response[str]:
    svc = _app.service(request)
    try:
        seen = svc.reader.load(case_id, actor)
        events = svc.reader.history(case_id, actor)
    except NotPermitted:
        return _not_found(request, actor, case_id)
    case = svc.store.load(case_id)  # the rules judge the whole case; the page shows only `seen`
    now = svc.clock()
    users = svc.users
    known = list(users) if isinstance(users, Users) else []
    offered: list[Action] = actions(
        case,
        actor,
        now,
        staff=[u.actor.id for u in known if u.actor.kind is ActorKind.STAFF],
        mediators=[u.actor.id for u in known if u.actor.kind is ActorKind.MEDIATOR],
    )
    if refusal is not None and posted is not None:
        offered = [refill(a, posted) if a.key == refusal.key else a for a in offered]
    stray = refusal is not None and all(a.key != refusal.key for a in offered)
    agreement = seen.agreement
    return _page(
        request,
        "case.html",
        status=status,
        actor=actor,
        case=seen,
        stage=seen.stage.value.replace("_", " "),
        actions=offered,
        refusal=refusal,
        stray=stray,
        timeline=_timeline(events),
        moment=moment,
        due=[{"what": words(d.command.__name__), "at": moment(d.at), "reason": d.reason} for d in due(case)],
        missing=[s.label for s in missing_signatures(case)] if agreement and not agreement.bound_at else [],
        now=moment(now),
        item_kinds=[k.value for k in ItemKind],
    )


@get("/cases/{case_id:str}", include_in_schema=False)
async def case_page(request: Request[Any, Any, Any]) -> Response[Any]:
    """One case as the logged-in person may see it, with their buttons and its timeline."""
    case_id = str(request.path_params["case_id"])
    actor = _app.actor_of(request)
    if actor is None:
        return _to_login()
    return _case_page(request, actor, case_id)


@post("/cases/{case_id:str}/commands/{name:str}", include_in_schema=False)
async def send(request: Request[Any, Any, Any]) -> Response[Any]:
    """Send one command from the case page; a refusal comes back beside its action."""
    case_id, name = str(request.path_params["case_id"]), str(request.path_params["name"])
    actor = _app.actor_of(request)
    if actor is None:
        return _to_login()
    form = await _checked_form(request, actor)
    if form is None:
        return _forbidden_form(request, actor)
    svc = _app.service(request)
    try:
        svc.reader.load(case_id, actor)
    except NotPermitted:
        return _not_found(request, actor, case_id)
    key = str(form.get("_key", name))
    try:
        command = command_from_form(name, form, actor, svc.clock())
        retry(lambda: svc.store.handle(case_id, command))
    except Refused as error:
        stage = None if error.stage is None else error.stage.value
        refusal = Refusal(key, name, error.rule, stage, error.hint)
        return _case_page(request, actor, case_id, refusal=refusal, posted=form, status=409)
    except InvalidInput as error:
        refusal = Refusal(key, name, None, None, str(error))
        return _case_page(request, actor, case_id, refusal=refusal, posted=form, status=422)
    return Redirect(path=f"{PREFIX}/cases/{quote(case_id, safe='')}", status_code=303)


# ---------------------------------------------------------------- errors


def _error_page(request: Request[Any, Any, Any], error: Exception) -> Response[str]:
    """Every other failure: a plain page with the status, never a stack trace."""
    status = error.status_code if isinstance(error, HTTPException) else 500
    if status >= 500:
        _log.exception("the UI failed on %s %s", request.method, request.url.path, exc_info=error)
    try:
        actor = _app.actor_of(request)
    except Exception:  # the identity hook itself failed
        actor = None
    return _page(request, "error.html", status=status, actor=actor, status_code=status)


ROUTER = Router(
    path=PREFIX,
    route_handlers=[home, login_page, login, logout, static, case_list, new_case_page, new_case, case_page, send],
    exception_handlers={Exception: _error_page},
)

HANDLERS: list[Any] = [ROUTER]
"""The UI's route handlers, mounted by `create_app`."""

__all__ = ["HANDLERS", "PREFIX", "ROUTER", "Refusal", "csrf_token"]
