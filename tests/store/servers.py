"""Where the PostgreSQL tests find their server, and why they skip when there is none."""

from __future__ import annotations

import os

import pytest


def postgres_dsn() -> str:
    """The DSN in RESTORATIVE_PG_DSN; skip (locally) or fail (in CI) when it is missing or unreachable.

    Start a throwaway server with ``export RESTORATIVE_PG_DSN=$(bash .ci/postgres | tail -n 1)``.
    """
    dsn = os.environ.get("RESTORATIVE_PG_DSN", "")
    problem = ""
    if not dsn:
        problem = "RESTORATIVE_PG_DSN is not set; start a server with: bash .ci/postgres"
    else:
        try:
            import psycopg

            psycopg.connect(dsn, connect_timeout=3).close()
        except Exception as error:  # any failure means: no server to test against
            problem = f"no PostgreSQL server at RESTORATIVE_PG_DSN ({error})"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test PostgreSQL: {problem}")
        pytest.skip(problem)
    return dsn
