"""A load test on loopback: a real `restorative serve` process and threads of clients, bounded in time and count.

Clients race on one case (every party's consent sent by several clients at once, half
with ``If-Match``) and work on many cases side by side. Afterwards the stored logs must
hold every accepted event exactly once, and every request that lost a race must have
been answered 409 or 412 carrying the case's current version, in the body and the ETag.
The same test runs on PostgreSQL when ``RESTORATIVE_PG_DSN`` names a server.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from restorative.store import open_store

from .helpers import SETUP, referral
from .serving import served, users_file

PARTIES = 16
"""Parties of the contended case; each one's consent is sent by `SENDERS` clients at once."""
SENDERS = 3
CLIENTS = 8
"""Threads of clients."""
CASES = 24
"""Cases worked on side by side, each opened and taken through the setup by one client."""
DEADLINE = 60.0
"""Seconds the whole run may take."""


def _people() -> dict[str, tuple[str, str]]:
    people = {"staff": ("staff", "staff-1"), "mediator": ("mediator", "mediator-1")}
    people |= {f"p{n}": ("party", f"p{n}") for n in range(PARTIES)}
    return people | {"nora": ("party", "nora"), "aksel": ("party", "aksel")}


def _auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer token-{name}"}


def _crowded_case(client: httpx.Client) -> int:
    """Open the case of `PARTIES` parties and inform each; its version."""
    body = referral("crowded")
    body["parties"] = [{"id": f"p{n}", "role": "harmed" if n % 2 else "responsible"} for n in range(PARTIES)]
    assert client.post("/api/cases", json=body, headers=_auth("staff")).status_code == 201
    steps = [("staff", {"type": "AcceptCase"}), ("staff", {"type": "AssignMediator", "mediator_id": "mediator-1"})]
    steps += [("mediator", {"type": "InformParty", "party_id": f"p{n}"}) for n in range(PARTIES)]
    version = 0
    for who, command in steps:
        response = client.post("/api/cases/crowded/commands", json=command, headers=_auth(who))
        assert response.status_code == 200, response.text
        version = response.json()["version"]
    return version


def _run(base: str, db: str) -> dict[str, int]:
    began = time.monotonic()
    local = threading.local()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, timeout=20)
        return local.client  # type: ignore[no-any-return]

    with httpx.Client(base_url=base, timeout=20) as setup:
        start = _crowded_case(setup)

    def consent(job: tuple[int, int]) -> tuple[int, dict[str, Any], dict[str, str]]:
        party, attempt = job
        headers = _auth(f"p{party}")
        if attempt % 2:  # half read the version first and send If-Match with it
            read = client().get("/api/cases/crowded", headers=headers)
            headers = {**headers, "If-Match": read.headers["etag"]}
        response = client().post("/api/cases/crowded/commands", json={"type": "GiveConsent"}, headers=headers)
        return response.status_code, response.json(), dict(response.headers)

    def one_case(number: int) -> list[int]:
        case_id = f"many-{number}"
        statuses = [client().post("/api/cases", json=referral(case_id), headers=_auth("staff")).status_code]
        for who, command in SETUP:
            path = f"/api/cases/{case_id}/commands"
            statuses.append(client().post(path, json=command, headers=_auth(who)).status_code)
        return statuses

    jobs = [(party, attempt) for attempt in range(SENDERS) for party in range(PARTIES)]
    with ThreadPoolExecutor(CLIENTS) as pool:
        crowd = pool.map(consent, jobs)
        many = pool.map(one_case, range(CASES))
        crowd_answers, many_answers = list(crowd), list(many)
    assert time.monotonic() - began < DEADLINE, "the load test ran past its deadline"

    statuses = Counter(status for status, _, _ in crowd_answers)
    accepted = [body for status, body, _ in crowd_answers if status == 200]
    assert len(accepted) == PARTIES, f"each party's consent is accepted exactly once: {statuses}"
    assert sorted(body["version"] for body in accepted) == list(range(start + 1, start + PARTIES + 1))
    for status, body, headers in crowd_answers:
        assert status in (200, 409, 412), (status, body)
        if status != 200:
            assert isinstance(body["version"], int) and body["version"] > start, body
            assert headers["etag"] == f'"{body["version"]}"'
            assert headers["content-type"].startswith("application/problem+json")

    store = open_store(db)
    try:
        crowded = [stored.event for stored in store.history("crowded")]
        consents = Counter(type(e).__name__ == "ConsentGiven" and e.actor.id for e in crowded)
        assert len(crowded) == start + PARTIES, "no event lost, none duplicated"
        assert all(consents[f"p{n}"] == 1 for n in range(PARTIES))
        assert all(statuses == [201, 200, 200, 200, 200] for statuses in many_answers), many_answers
        for number in range(CASES):
            assert store.load(f"many-{number}").version == 1 + len(SETUP)
        assert store.verify_all() == []
    finally:
        store.close()
    return {"requests": len(jobs) + CASES * (1 + len(SETUP)), **{str(k): v for k, v in statuses.items()}}


def _check(db: str, folder: Path, report: Callable[[str], None]) -> None:
    users = users_file(folder, _people())
    with served(db, users) as base:
        counts = _run(base, db)
    report(f"load test: {counts}")


def test_concurrent_clients_on_sqlite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _check(str(tmp_path / "cases.db"), tmp_path, print)


def test_concurrent_clients_on_postgres(tmp_path: Path) -> None:
    from tests.store.databases import empty_database

    with empty_database() as dsn:
        _check(dsn, tmp_path, print)
