"""PostgreSQL specifics: embedding in the application's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.flows import Flow
from tests.store.servers import postgres_dsn


@pytest.fixture
def schema() -> Iterator[tuple[str, str]]:
    dsn = postgres_dsn()
    import psycopg
    from psycopg import sql

    name = f"test_{uuid.uuid4().hex[:12]}"
    yield dsn, name
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def test_embedded_in_the_applications_own_transaction(schema: tuple[str, str]) -> None:
    import psycopg

    from restorative.store import PostgresStore

    dsn, name = schema
    app = psycopg.connect(dsn, autocommit=True)
    store = PostgresStore(connection=app, own_transactions=False, schema=name)
    app.execute("CREATE TABLE inbox (note TEXT)")
    flow = Flow()
    with app.transaction():
        app.execute("INSERT INTO inbox VALUES ('new case')")
        store.append("case-1", flow.events, 0)
        raise psycopg.Rollback  # the application changes its mind: both its row and the events go
    assert [] == store.cases()
    with app.transaction():
        app.execute("INSERT INTO inbox VALUES ('new case')")
        store.append("case-1", flow.events, 0)
    assert ["case-1"] == [s.case_id for s in store.cases()]
    row = app.execute("SELECT COUNT(*) FROM inbox").fetchone()
    assert row is not None
    assert 1 == row[0]
    app.close()
