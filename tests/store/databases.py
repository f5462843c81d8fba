"""A fresh, empty PostgreSQL database per test, for what opens schema ``public`` by address."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from tests.store.servers import postgres_dsn


@contextmanager
def empty_database() -> Iterator[str]:
    """The address of a new database on the test server (skipped without one), dropped afterwards."""
    dsn = postgres_dsn()
    import psycopg
    from psycopg import sql

    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    head, _, tail = dsn.partition("?")
    address = head.rsplit("/", 1)[0] + "/" + name + (f"?{tail}" if tail else "")
    try:
        yield address
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
