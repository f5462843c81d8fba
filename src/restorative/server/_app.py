"""Building the ASGI application: one store, one identity hook, the JSON API and the UI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs
from litestar import Litestar, Request
from litestar.datastructures import State

from .._values import Actor
from ..privacy import Reader
from ..store import EventStore
from . import _api, _ui
from ._auth import COOKIE, Authenticate, Users


@attrs.frozen
class Service:
    """What every request handler reaches through ``request.app.state.service``."""

    store: EventStore
    reader: Reader
    authenticate: Authenticate
    clock: Callable[[], datetime]
    users: Any = None
    """The token table when it is the built-in `Users` (the UI's login page lists its users), else ``None``."""


def service(request: Request[Any, Any, Any]) -> Service:
    """The service behind `request`."""
    found: Service = request.app.state.service
    return found


def actor_of(request: Request[Any, Any, Any]) -> Actor | None:
    """Who sends `request`: the bearer token of its ``Authorization`` header, else the UI's cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        token = request.cookies.get(COOKIE, "")
    return service(request).authenticate(token.strip()) if token else None


def create_app(
    store: EventStore,
    authenticate: Authenticate,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    debug: bool = False,
) -> Litestar:
    """The ASGI application serving `store` to the callers `authenticate` knows."""
    reader = Reader(store, clock=clock)  # type: ignore[arg-type]
    users = authenticate if isinstance(authenticate, Users) else None
    state = State({"service": Service(store, reader, authenticate, clock, users)})
    return Litestar(route_handlers=[*_api.HANDLERS, *_ui.HANDLERS], state=state, debug=debug)
