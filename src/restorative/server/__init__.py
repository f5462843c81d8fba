"""An HTTP JSON service and a small browser UI over a store: the library as a case system runs it.

Needs the extra ``restorative[server]``. `create_app` builds the ASGI application;
``restorative serve --db DB`` runs it. Callers authenticate with a bearer token that an
`Authenticate` hook maps to an `Actor` (the reference `Users` token table, or your own).
"""

from __future__ import annotations

from ._app import Service, actor_of, create_app, service
from ._auth import COOKIE, Authenticate, User, Users

__all__ = ["COOKIE", "Authenticate", "Service", "User", "Users", "actor_of", "create_app", "service"]
