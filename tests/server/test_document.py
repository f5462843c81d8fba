"""The OpenAPI document describes what the API really sends: a whole case, every response checked.

Schemathesis rarely makes a command that the rules accept, so here the demo's two cases are
sent command by command, each as its own actor, and every success response (and every
problem) is validated against the document's schema for its operation and status.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from litestar.testing import TestClient

import restorative as r
from restorative import _demo
from restorative.server import create_app
from restorative.store import MemoryStore


def _hook(token: str) -> r.Actor | None:
    """A test identity provider: the token ``kind:id`` stands for that actor."""
    kind, _, name = token.partition(":")
    try:
        return r.Actor(id=name, kind=r.ActorKind(kind))
    except ValueError:
        return None


def _token(actor: r.Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {actor.kind.value}:{actor.id}"}


class Checker:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def __call__(self, path: str, method: str, response: Any) -> None:
        operation = self.document["paths"][path][method]
        answer = operation["responses"][str(response.status_code)]
        [(media, content)] = answer["content"].items()
        assert response.headers["content-type"].startswith(media)
        schema = {**content["schema"], "components": self.document["components"]}
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json())]
        assert not errors, f"{method.upper()} {path} {response.status_code}: {errors[:3]}"


@pytest.mark.parametrize("story", [_demo.fulfilled_case, _demo.withdrawn_case], ids=lambda s: s.__name__)
def test_every_response_of_a_whole_case_keeps_to_the_document(story: Any) -> None:
    with TestClient(create_app(MemoryStore(), _hook)) as api:
        check = Checker(api.get("/openapi.json").json())
        commands, _ = story("case-7")
        first, *rest = commands
        opened = api.post("/api/cases", json=r.to_data(first), headers=_token(first.actor))
        check("/api/cases", "post", opened)
        assert opened.status_code == 201
        for command in rest:
            sent = api.post("/api/cases/case-7/commands", json=r.to_data(command), headers=_token(command.actor))
            check("/api/cases/{case_id}/commands", "post", sent)
            assert sent.status_code == 200, sent.text
            for path in ("/api/cases/case-7", "/api/cases/case-7/timeline", "/api/cases/case-7/allowed"):
                read = api.get(path, headers=_token(command.actor))
                check(path.replace("case-7", "{case_id}"), "get", read)
        again = api.post("/api/cases/case-7/commands", json=r.to_data(rest[-1]), headers=_token(rest[-1].actor))
        check("/api/cases/{case_id}/commands", "post", again)
        assert again.status_code == 409
        staff = _token(first.actor)
        check("/api/cases", "get", api.get("/api/cases", headers=staff))
        check("/api/due", "get", api.get("/api/due", headers=staff))
        check("/api/me", "get", api.get("/api/me", headers=staff))
        stored = r.replay(
            r.event_from_data(e["event"]) for e in api.get("/api/cases/case-7/timeline", headers=staff).json()["events"]
        )
        assert stored.stage in r.FINAL_STAGES
