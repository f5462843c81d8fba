"""The people, tokens and requests the server tests share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

import restorative as r
from restorative.server import User, Users, create_app
from restorative.store import EventStore, SQLiteStore

RECEIVED = datetime(2026, 9, 7, 8, 30, tzinfo=UTC)

PEOPLE = {
    "staff": r.Actor(id="staff-1", kind=r.ActorKind.STAFF),
    "mediator": r.Actor(id="mediator-1", kind=r.ActorKind.MEDIATOR),
    "nora": r.Actor(id="nora", kind=r.ActorKind.PARTY),
    "aksel": r.Actor(id="aksel", kind=r.ActorKind.PARTY),
    "outsider": r.Actor(id="staff-9", kind=r.ActorKind.STAFF),
}
USERS = Users(User(name=name, token=f"token-{name}", actor=actor) for name, actor in PEOPLE.items())


def auth(name: str) -> dict[str, str]:
    """The header that authenticates `name`."""
    return {"Authorization": f"Bearer token-{name}"}


def on(day: int, hour: int = 9) -> str:
    """A working moment `day` days after the referral, as the codec writes it."""
    return (RECEIVED + timedelta(days=day, hours=hour - 8.5)).isoformat()


def referral(case_id: str | None = "case-1") -> dict[str, Any]:
    """A ReferCase body for a criminal case of nora (harmed) and aksel (responsible)."""
    body: dict[str, Any] = {
        "type": "ReferCase",
        "at": on(0),
        "referral": {
            "source": "prosecution",
            "kind": "criminal",
            "received_at": RECEIVED.isoformat(),
            "admission_of_facts": True,
        },
        "parties": [
            {"id": "nora", "role": "harmed", "birth_date": "1988-02-11"},
            {"id": "aksel", "role": "responsible", "birth_date": "2001-06-03"},
        ],
    }
    if case_id is not None:
        body["case_id"] = case_id
    return body


SETUP = [
    ("staff", {"type": "AcceptCase", "at": on(0, 10)}),
    ("staff", {"type": "AssignMediator", "at": on(1), "mediator_id": "mediator-1"}),
    ("mediator", {"type": "InformParty", "at": on(2), "party_id": "nora"}),
    ("mediator", {"type": "InformParty", "at": on(2, 11), "party_id": "aksel"}),
]
"""The commands that take case-1 to consent with both parties informed, by whom."""


def clock() -> datetime:
    """The service clock of the tests: a fixed moment after the setup."""
    return RECEIVED + timedelta(days=5)


@contextmanager
def client(store: EventStore | None = None, folder: Path | None = None, **options: Any) -> Iterator[TestClient[Any]]:
    """A test client of a service over `store` (a new SQLite file in `folder` by default)."""
    if store is None:
        assert folder is not None
        store = SQLiteStore(folder / "cases.db")
    with TestClient(create_app(store, USERS, clock=clock, **options)) as test_client:
        yield test_client


def opened(test_client: TestClient[Any], case_id: str = "case-1") -> int:
    """Open `case_id` and send the setup; its version."""
    response = test_client.post("/api/cases", json=referral(case_id), headers=auth("staff"))
    assert response.status_code == 201, response.text
    version = 0
    for who, body in SETUP:
        response = test_client.post(f"/api/cases/{case_id}/commands", json=body, headers=auth(who))
        assert response.status_code == 200, response.text
        version = response.json()["version"]
    return version
