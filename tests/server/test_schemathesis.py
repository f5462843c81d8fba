"""Schemathesis against the generated OpenAPI document, in process: no 5xx, no response outside the schema.

Every operation is driven with examples generated from the document itself, as each of
the staff member, a party, an outsider and nobody, on a store holding a case in consent;
half of the generated case ids are that case's, so the commands and reads reach a real
case rather than only the 404 of a missing one. Bounded by `EXAMPLES` per operation.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from litestar.testing import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from restorative.server import create_app
from restorative.store import SQLiteStore

from .helpers import USERS, auth, clock, opened

EXAMPLES = 60
"""Generated requests per operation (and per way of calling it)."""

CALLERS = ("staff", "nora", "outsider", None)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _app() -> Any:
    store = SQLiteStore(Path(tempfile.mkdtemp()) / "cases.db")
    app = create_app(store, USERS, clock=clock)
    with TestClient(app) as client:
        opened(client)
    return app


APP = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_the_api_keeps_to_its_document(case: schemathesis.Case[Any]) -> None:
    key = hash(repr((case.path_parameters, case.body, case.query)))
    if case.path_parameters and "case_id" in case.path_parameters and key % 2:
        case.path_parameters["case_id"] = "case-1"
    if isinstance(case.body, dict) and key % 3:
        case.body.pop("actor", None)  # a body naming someone else is refused before the rules are asked
    caller = CALLERS[key % len(CALLERS)]
    headers = {} if caller is None else auth(caller)
    case.call_and_validate(headers=headers, checks=CHECKS)
