"""Opening the store a user names: a PostgreSQL address or an SQLite file, as the command line takes them."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING
from urllib.parse import unquote

from .._checks import shown
from ..errors import InvalidInput, StoreError
from ._sqlite import SQLiteStore

if TYPE_CHECKING:
    from ._postgres import PostgresStore

SCHEMES = ("postgresql://", "postgres://")
"""How a PostgreSQL connection URI starts; any other name is an SQLite file."""


def is_address(db: str | os.PathLike[str]) -> bool:
    """Whether `db` is a PostgreSQL connection URI rather than the path of an SQLite file."""
    return isinstance(db, str) and db[:13].lower().startswith(SCHEMES)


_USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://)([^/@]*)@", re.IGNORECASE)
"""The user and password of a connection URI: everything before the ``@`` of its authority."""
_PASSWORD_PARAMETER = re.compile(r"([?&]password=)([^&#]*)", re.IGNORECASE)


def _passwords(dsn: str) -> list[str]:
    """The passwords written in a connection URI, as written and percent-decoded."""
    found = []
    userinfo = _USERINFO.match(dsn)
    if userinfo is not None and ":" in userinfo[2]:
        found.append(userinfo[2].split(":", 1)[1])
    found += [match[2] for match in _PASSWORD_PARAMETER.finditer(dsn)]
    return sorted({form for secret in found if secret for form in (secret, unquote(secret))}, key=len, reverse=True)


def scrub(message: str, db: str | os.PathLike[str] | None) -> str:
    """`message` with every password of the address `db` replaced by ``***``: a driver may quote the address."""
    if db is None or not is_address(db):
        return message
    for secret in _passwords(os.fspath(db)):
        message = message.replace(secret, "***")
    return message


def display(db: str | os.PathLike[str], limit: int = 200) -> str:
    """`db` fit for a message: a PostgreSQL address without its password, and no longer than about `limit`."""
    text = scrub(os.fspath(db), db)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def open_store(db: str | os.PathLike[str], *, read_only: bool = False) -> SQLiteStore | PostgresStore:
    """Open the store that `db` names: a `PostgresStore` for a PostgreSQL address, else a `SQLiteStore`.

    This is how the command line opens ``--db``; an application that knows its backend
    can call the store's own constructor instead.

    Args:
        db: a PostgreSQL connection URI (``postgresql://...`` or ``postgres://...``, in the
            tables of schema ``public``), or the path of an SQLite file.
        read_only: open an existing store for reading only: nothing is created or written,
            and an append raises `StoreError`. An SQLite file opens as with
            ``SQLiteStore(path, read_only=True)``; a PostgreSQL database must already hold
            the tables at this library's schema, and its session is made read-only.

    Returns:
        The open store; close it with ``close()``.

    Raises:
        InvalidInput: `db` is neither a string nor a path.
        StoreError: the store cannot be opened: no such file or server, not a restorative
            database (when read-only), or psycopg is missing for an address (install
            ``restorative[postgres]``).
    """
    if not isinstance(db, (str, os.PathLike)):
        raise InvalidInput(f"db must be a PostgreSQL address or a file path, got {shown(db)}", field="db")
    if not is_address(db):
        return SQLiteStore(os.fspath(db), read_only=read_only)
    dsn = os.fspath(db)
    try:
        import psycopg  # noqa: PLC0415 - the extra is needed only for an address

        from ._postgres import PostgresStore  # noqa: PLC0415
    except ImportError as error:
        raise StoreError(
            f"{display(dsn)} is a PostgreSQL address, and opening one needs psycopg 3:"
            " pip install 'restorative[postgres]'"
        ) from error
    if read_only:  # look first, with a connection of our own: PostgresStore would create or migrate the tables
        _check_postgres(dsn, PostgresStore.MIGRATIONS[-1][0])
    try:
        store = PostgresStore(dsn)
    except StoreError as error:  # its message may quote the address, password and all
        raise StoreError(scrub(str(error), dsn)) from error
    if read_only:
        try:
            store.connection.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        except psycopg.Error as error:
            store.close()
            raise StoreError(
                scrub(f"cannot open the PostgreSQL store at {display(dsn)} read-only: {error}", dsn)
            ) from error
        store.read_only = True  # loads keep no snapshot, and due() records nothing
    return store


def _check_postgres(dsn: str, version: int) -> None:
    """A PostgreSQL database holds this library's tables, at its schema `version`."""
    import psycopg  # noqa: PLC0415 - present: the caller imported it

    try:
        with psycopg.connect(dsn, autocommit=True) as probe:
            found = probe.execute("SELECT to_regclass('public.restorative_schema') IS NOT NULL").fetchone()
            current: int | None = None
            if found and found[0]:
                row = probe.execute("SELECT MAX(version) FROM public.restorative_schema").fetchone()
                current = int((row[0] if row else None) or 0)
    except psycopg.Error as error:
        raise StoreError(scrub(f"cannot open the PostgreSQL store at {display(dsn)}: {error}", dsn)) from error
    if current is None:
        raise StoreError(
            f"{display(dsn)} has no restorative tables (no restorative_schema table in schema public);"
            " a read-only open creates nothing: open it once for writing, e.g. with `restorative demo --db ...`"
        )
    if current != version:
        raise StoreError(
            f"the database has schema {current}, not this library's {version}; open it once for writing to migrate it"
        )
