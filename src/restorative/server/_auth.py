"""Who is calling: a bearer token (or the UI's cookie) mapped to an `Actor`.

The reference service keeps a token table (`Users`); a real deployment passes its own
`Authenticate` hook (a function from the presented token to an `Actor`, or ``None``),
for example one that checks a signed token from its identity provider.
"""

from __future__ import annotations

import hmac
import os
import tomllib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import attrs

from .._values import Actor, ActorKind
from ..errors import InvalidInput

Authenticate = Callable[[str], "Actor | None"]
"""The identity hook: the token a request presents, to the actor it stands for (``None``: nobody)."""

COOKIE = "restorative_token"
"""The cookie the UI keeps the logged-in user's token in."""


@attrs.frozen
class User:
    """One entry of the token table: a person's display name, their secret token and their actor."""

    name: str
    token: str = attrs.field(repr=False)
    actor: Actor


class Users:
    """The built-in token table: an `Authenticate` hook over a fixed list of users.

    Tokens are compared in constant time. Load one from a TOML file with `Users.load`::

        [[user]]
        name = "Sigrid (mediator)"
        token = "..."
        actor = { id = "mediator-sigrid", kind = "mediator" }
    """

    def __init__(self, users: Iterable[User]) -> None:
        self._users = tuple(users)
        tokens = [user.token for user in self._users]
        if len(set(tokens)) != len(tokens):
            raise InvalidInput("two users have the same token; give each user a token of their own")
        if any(not token for token in tokens):
            raise InvalidInput("a user has an empty token; give each user a non-empty token")

    def __call__(self, token: str) -> Actor | None:
        """The actor whose token `token` is, or ``None``."""
        found = None
        for user in self._users:
            if hmac.compare_digest(user.token.encode(), token.encode()):
                found = user.actor
        return found

    def __iter__(self) -> Iterator[User]:
        return iter(self._users)

    def user(self, token: str) -> User | None:
        """The user whose token `token` is, or ``None``."""
        found = None
        for user in self._users:
            if hmac.compare_digest(user.token.encode(), token.encode()):
                found = user
        return found

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Users:
        """Read a token table from a TOML file of ``[[user]]`` tables (see the class docstring).

        Raises:
            InvalidInput: the file is not such a table.
        """
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
            users = [
                User(
                    name=str(entry["name"]),
                    token=str(entry["token"]),
                    actor=Actor(id=entry["actor"]["id"], kind=ActorKind(entry["actor"]["kind"])),
                )
                for entry in data.get("user", [])
            ]
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
            raise InvalidInput(
                f"cannot read the users file {os.fspath(path)!r}: {error}; "
                "it must be TOML with [[user]] tables of name, token and actor = {{ id, kind }}"
            ) from None
        return cls(users)
