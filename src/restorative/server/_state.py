"""What every request handler reaches: the service (store, reader, identity hook, clock) and the caller."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs
from litestar import Request

from .._values import Actor
from ..privacy import Reader
from ..store import EventStore
from ._auth import COOKIE, Authenticate


@attrs.frozen
class Service:
    """What every request handler reaches through ``request.app.state.service``.

    Args:
        store: the cases.
        reader: reads on behalf of an actor (R14), over `store`.
        authenticate: the identity hook: a presented token to its actor.
        clock: the time of a command whose body gives none.
        users: the token table when it is the built-in `Users` (the UI's login page lists
            its users), else ``None``.
    """

    store: EventStore
    reader: Reader
    authenticate: Authenticate
    clock: Callable[[], datetime]
    users: Any = None


def service(request: Request[Any, Any, Any]) -> Service:
    """The service behind `request`."""
    found: Service = request.app.state.service
    return found


def actor_of(request: Request[Any, Any, Any]) -> Actor | None:
    """Who sends `request`: the bearer token of its ``Authorization`` header, else the UI's cookie.

    Returns ``None`` when neither is presented or the identity hook knows the token not.
    """
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        token = request.cookies.get(COOKIE, "")
    token = token.strip()
    if not token or len(token) > 4096:
        return None
    return service(request).authenticate(token)
