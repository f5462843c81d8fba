"""Building the ASGI application: one store, one identity hook, the JSON API and the UI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig

from .. import __version__
from ..privacy import Reader
from ..store import EventStore
from . import _api, _openapi, _ui
from ._auth import Authenticate, Users
from ._problems import respond
from ._state import Service, actor_of, service

MAX_BODY = 256 * 1024
"""The largest request body accepted, in bytes: a command is a few kilobytes at most."""


def create_app(
    store: EventStore,
    authenticate: Authenticate,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    debug: bool = False,
    max_body: int = MAX_BODY,
) -> Litestar:
    """The ASGI application serving `store` to the callers `authenticate` knows.

    Args:
        store: the cases (any `EventStore`; `restorative.store.open_store` opens one by name).
        authenticate: the identity hook, from a presented token to its `Actor` (or ``None``):
            the built-in `Users` table, or your identity provider's check.
        clock: the time of a command whose body gives none, and of reads (a guardian's
            standing ends when the ward comes of age).
        debug: Litestar's debug mode. Errors are answered as problem documents either way,
            never with a stack trace.
        max_body: the largest request body accepted, in bytes (larger: 413).

    Returns:
        The Litestar application; serve it with any ASGI server (``restorative serve`` runs uvicorn).
    """
    reader = Reader(store, clock=clock)  # type: ignore[arg-type]  # reads only load and history
    users = authenticate if isinstance(authenticate, Users) else None
    state = State({"service": Service(store, reader, authenticate, clock, users)})
    return Litestar(
        route_handlers=[*_api.HANDLERS, _openapi.openapi, *_ui.HANDLERS],
        state=state,
        debug=debug,
        exception_handlers={Exception: respond},
        openapi_config=OpenAPIConfig(
            title="restorative",
            version=__version__,
            description="The restorative process of the Norwegian Mediation Service over HTTP: see docs/server.md.",
            path="/schema",
            render_plugins=[_openapi.Rendered()],
        ),
        logging_config=None,
        request_max_body_size=max_body,
    )


__all__ = ["Service", "actor_of", "create_app", "service"]
