"""The JSON API through Litestar's test client: each endpoint, each refusal and its status."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

import restorative as r
from restorative import _demo
from restorative.errors import ConcurrencyError
from restorative.server import create_app
from restorative.store import MemoryStore, SQLiteStore

from .helpers import PEOPLE, auth, client, clock, opened, referral

PROBLEM = "application/problem+json"


def _problem(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:restorative:problem:{kind}"
    assert body["status"] == status
    return body


def test_a_referral_opens_a_case_with_its_version(tmp_path: Path) -> None:
    with client(folder=tmp_path) as api:
        response = api.post("/api/cases", json=referral(), headers=auth("staff"))
        assert response.status_code == 201
        assert response.headers["location"] == "/api/cases/case-1"
        assert response.headers["etag"] == '"1"'
        body = response.json()
        assert body["version"] == 1
        assert body["case"]["stage"] == "referred"
        assert body["case"]["staff"] == ["staff-1"]  # the caller is the actor, and is assigned
        assert [event["type"] for event in body["events"]] == ["CaseReferred"]
        assert r.from_data(body["case"], r.Case) == SQLiteStore(tmp_path / "cases.db").load("case-1")


def test_a_referral_without_an_id_gets_one_and_a_taken_id_is_a_conflict(tmp_path: Path) -> None:
    with client(folder=tmp_path) as api:
        made = api.post("/api/cases", json=referral(None), headers=auth("staff")).json()["case"]["id"]
        assert made.startswith("case-")
        assert api.post("/api/cases", json=referral(None), headers=auth("staff")).json()["case"]["id"] != made
        taken = _problem(api.post("/api/cases", json=referral(made), headers=auth("outsider")), 409, "case-exists")
        assert "stage" not in taken and "version" not in taken  # nothing about the case itself


def test_only_staff_open_cases(tmp_path: Path) -> None:
    with client(folder=tmp_path) as api:
        refused = _problem(api.post("/api/cases", json=referral(), headers=auth("nora")), 403, "not-permitted")
        assert refused["rule"] == "R14"
        assert refused["error"] == "NotPermitted"
        wrong = _problem(
            api.post("/api/cases", json={"type": "AcceptCase"}, headers=auth("staff")), 422, "invalid-input"
        )
        assert wrong["field"] == "$.type"


def test_commands_act_for_the_caller_at_the_service_clock(tmp_path: Path) -> None:
    with client(folder=tmp_path) as api:
        version = opened(api)
        response = api.post("/api/cases/case-1/commands", json={"type": "GiveConsent"}, headers=auth("nora"))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["version"] == version + 1 and response.headers["etag"] == f'"{version + 1}"'
        [event] = body["events"]
        assert event["type"] == "ConsentGiven"
        assert event["actor"] == {"id": "nora", "kind": "party"}
        assert r.from_data(event["at"], type(clock())) == clock()
        parties = {party["id"]: party for party in body["case"]["parties"]}
        assert parties["nora"]["birth_date"] == "1988-02-11"
        assert parties["aksel"]["birth_date"] is None  # another party's personal data is not hers to see (R14)


def test_a_body_that_names_another_actor_is_refused(tmp_path: Path) -> None:
    with client(folder=tmp_path) as api:
        opened(api)
        body = {"type": "GiveConsent", "actor": {"id": "aksel", "kind": "party"}}
        refused = _problem(
            api.post("/api/cases/case-1/commands", json=body, headers=auth("nora")), 403, "not-permitted"
        )
        assert refused["rule"] == "R14"
        same = {"type": "GiveConsent", "actor": {"kind": "party", "id": "nora"}}
        assert api.post("/api/cases/case-1/commands", json=same, headers=auth("nora")).status_code == 200


def test_a_case_reads_as_the_reader_lets_each_caller_see_it(tmp_path: Path) -> None:
    with client(folder=tmp_path) as api:
        version = opened(api)
        staff = api.get("/api/cases/case-1", headers=auth("staff"))
        assert staff.status_code == 200
        assert staff.headers["etag"] == f'"{version}"'
        assert staff.headers["cache-control"] == "no-store"
        assert {p["id"]: p["birth_date"] for p in staff.json()["case"]["parties"]} == {
            "nora": "1988-02-11",
            "aksel": "2001-06-03",
        }
        nora = api.get("/api/cases/case-1", headers=auth("nora")).json()
        assert {p["id"]: p["birth_date"] for p in nora["case"]["parties"]} == {"nora": "1988-02-11", "aksel": None}
        assert nora["version"] == version and nora["due"] == []
        unchanged = api.get("/api/cases/case-1", headers={**auth("nora"), "If-None-Match": f'"{version}"'})
        assert unchanged.status_code == 304
        timeline = api.get("/api/cases/case-1/timeline", headers=auth("aksel")).json()
        assert [entry["sequence"] for entry in timeline["events"]] == list(range(1, version + 1))
        assert timeline["events"][0]["text"].startswith("case case-1 referred by prosecution")
        referred = timeline["events"][0]["event"]
        assert {p["id"]: p["birth_date"] for p in referred["parties"]} == {"nora": None, "aksel": "2001-06-03"}


def test_allowed_lists_what_the_caller_could_send_now(tmp_path: Path) -> None:
    with client(folder=tmp_path) as api:
        opened(api)
        allowed = api.get("/api/cases/case-1/allowed", headers=auth("nora"))
        assert "GiveConsent" in allowed.json()["commands"]
        assert (
            "StartPreparation" not in api.get("/api/cases/case-1/allowed", headers=auth("mediator")).json()["commands"]
        )
        api.post("/api/cases/case-1/commands", json={"type": "GiveConsent"}, headers=auth("nora"))
        assert "GiveConsent" not in api.get("/api/cases/case-1/allowed", headers=auth("nora")).json()["commands"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/cases/case-1", None),
        ("GET", "/api/cases/case-1/timeline", None),
        ("GET", "/api/cases/case-1/allowed", None),
        ("POST", "/api/cases/case-1/commands", {"type": "AcceptCase"}),
        ("POST", "/api/cases/case-1/commands", {"type": "GiveConsent"}),
    ],
)
def test_an_outsider_cannot_tell_a_missing_case_from_a_forbidden_one(
    tmp_path: Path, method: str, path: str, body: dict[str, Any] | None
) -> None:
    answers = []
    for folder, exists in ((tmp_path / "a", True), (tmp_path / "b", False)):
        folder.mkdir()
        with client(folder=folder) as api:
            if exists:
                opened(api)
            response = api.request(method, path, json=body, headers=auth("outsider"))
            answers.append((response.status_code, dict(response.headers), response.content))
    forbidden, missing = answers
    assert forbidden == missing
    assert forbidden[0] == 404


def test_refusals_carry_the_rule_the_stage_the_hint_and_the_version(tmp_path: Path) -> None:
    with client(folder=tmp_path) as api:
        version = opened(api)
        rule = _problem(
            api.post("/api/cases/case-1/commands", json={"type": "StartPreparation"}, headers=auth("mediator")),
            409,
            "rule-violation",
        )
        assert (rule["error"], rule["rule"], rule["stage"], rule["version"]) == (
            "RuleViolation",
            "R4",
            "consent",
            version,
        )
        assert "nora" in rule["hint"]
        stage = _problem(
            api.post(
                "/api/cases/case-1/commands", json={"type": "HoldMeeting", "present": []}, headers=auth("mediator")
            ),
            409,
            "stage",
        )
        assert stage["error"] == "StageError" and "GiveConsent" in stage["possible"]
        insider = _problem(
            api.post(
                "/api/cases/case-1/commands", json={"type": "InformParty", "party_id": "aksel"}, headers=auth("nora")
            ),
            403,
            "not-permitted",
        )
        assert (insider["rule"], insider["stage"]) == ("R14", "consent")
        assert api.get("/api/cases/case-1", headers=auth("staff")).json()["version"] == version  # R16


def test_if_match_appends_only_at_that_version(tmp_path: Path) -> None:
    with client(folder=tmp_path) as api:
        version = opened(api)
        consent = {"type": "GiveConsent"}
        stale = api.post("/api/cases/case-1/commands", json=consent, headers={**auth("nora"), "If-Match": '"2"'})
        body = _problem(stale, 412, "stale")
        assert body["version"] == version and stale.headers["etag"] == f'"{version}"'
        fresh = api.post(
            "/api/cases/case-1/commands", json=consent, headers={**auth("nora"), "If-Match": f'"{version}"'}
        )
        assert fresh.status_code == 200 and fresh.json()["version"] == version + 1
        weak_or_any = {**auth("aksel"), "If-Match": f'W/"{version + 1}", "0"'}
        assert api.post("/api/cases/case-1/commands", json=consent, headers=weak_or_any).status_code == 200


class Crowded(MemoryStore):
    """A memory store on which other writers come first, `losses` times."""

    def __init__(self, losses: int) -> None:
        super().__init__()
        self.losses = losses

    def append(self, case_id: str, events: Sequence[r.Event], expected_version: int) -> int:
        if expected_version and self.losses:
            self.losses -= 1
            raise ConcurrencyError(case_id, expected_version, expected_version + 1)
        return super().append(case_id, events, expected_version)


def test_a_command_without_if_match_is_retried_and_then_a_conflict_with_the_version() -> None:
    store = Crowded(losses=3)
    with client(store) as api:
        opened(api)
        assert store.losses == 0
        store.losses = 100
        lost = _problem(
            api.post("/api/cases/case-1/commands", json={"type": "GiveConsent"}, headers=auth("nora")), 409, "conflict"
        )
        assert lost["error"] == "ConcurrencyError" and lost["version"] == 6  # as the store said
        store.losses = 1
        stale = api.post(
            "/api/cases/case-1/commands", json={"type": "GiveConsent"}, headers={**auth("nora"), "If-Match": '"5"'}
        )
        assert _problem(stale, 412, "stale")["version"] == 6


@pytest.mark.parametrize(
    ("content", "status", "kind"),
    [
        (b"{not json", 400, "bad-request"),
        (b"", 400, "bad-request"),
        (b"[1, 2]", 422, "invalid-input"),
        (b'{"type": "Shout"}', 422, "invalid-input"),
        (b'{"type": "InformParty", "party_id": 12}', 422, "invalid-input"),
        (b'{"type": "InformParty", "party_id": "nora", "at": "yesterday"}', 422, "invalid-input"),
        (b'{"type": "InformParty", "party_id": "nora", "at": "2026-09-10T10:00:00"}', 422, "invalid-input"),
        (b'{"type": "InformParty", "party_id": "nora", "schema": 99}', 422, "invalid-input"),
        (b"[" * 100_000 + b"]" * 100_000, 413, "too-large"),
        (b'{"a": ' * 5000 + b"1" + b"}" * 5000, 400, "bad-request"),
    ],
)
def test_bad_bodies_are_problems_never_faults(tmp_path: Path, content: bytes, status: int, kind: str) -> None:
    with client(folder=tmp_path, max_body=64 * 1024) as api:
        opened(api)
        response = api.post(
            "/api/cases/case-1/commands",
            content=content,
            headers={**auth("mediator"), "Content-Type": "application/json"},
        )
        _problem(response, status, kind)


def test_who_presents_no_valid_token_is_told_to_authenticate(tmp_path: Path) -> None:
    with client(folder=tmp_path) as api:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic token-staff"}):
            response = api.get("/api/cases", headers=headers)
            _problem(response, 401, "not-authenticated")
            assert response.headers["www-authenticate"].startswith("Bearer")
        assert api.get("/api/me", headers=auth("nora")).json() == {"actor": {"id": "nora", "kind": "party"}}
        api.cookies.set("restorative_token", "token-nora")  # what the UI's login keeps
        assert api.get("/api/me").json() == {"actor": {"id": "nora", "kind": "party"}}


def test_cases_are_listed_by_stage_for_those_who_may_read_them(tmp_path: Path) -> None:
    with client(folder=tmp_path) as api:
        opened(api, "case-1")
        api.post("/api/cases", json=referral("case-2"), headers=auth("staff"))
        listed = api.get("/api/cases", headers=auth("staff")).json()["cases"]
        assert [c["case_id"] for c in listed] == ["case-1", "case-2"] or {c["case_id"] for c in listed} == {
            "case-1",
            "case-2",
        }
        consent = api.get("/api/cases", params={"stage": "consent"}, headers=auth("staff")).json()["cases"]
        assert [(c["case_id"], c["stage"]) for c in consent] == [("case-1", "consent")]
        assert [c["case_id"] for c in api.get("/api/cases", headers=auth("nora")).json()["cases"]] == [
            "case-1",
            "case-2",
        ]
        assert api.get("/api/cases", headers=auth("outsider")).json() == {"cases": []}
        assert api.get("/api/cases", params={"limit": 1}, headers=auth("staff")).json()["cases"][0]["case_id"]
        _problem(api.get("/api/cases", params={"stage": "limbo"}, headers=auth("staff")), 400, "bad-request")


def test_due_lists_the_timed_commands_of_readable_cases() -> None:
    commands, _ = _demo.fulfilled_case("demo-1")
    store = MemoryStore()
    for command in commands:
        case, _ = store.handle("demo-1", command)
        if case.stage is r.Stage.COOLING_OFF:
            break
    staff = r.Actor(id=case.staff[0], kind=r.ActorKind.STAFF)
    tokens = {"staff": staff, "other": PEOPLE["outsider"]}
    with TestClient(create_app(store, tokens.get)) as api:  # any function from a token to an actor will do
        later = (case.updated_at + timedelta(days=30)).isoformat()
        [waiting] = api.get("/api/due", params={"before": later}, headers=auth_raw("staff")).json()["due"]
        assert (waiting["case_id"], waiting["command"], waiting["rule"]) == ("demo-1", "EndCoolingOff", "R10")
        assert api.get("/api/due", params={"before": later}, headers=auth_raw("other")).json() == {"due": []}
        assert api.get(
            "/api/due", params={"before": case.updated_at.isoformat()}, headers=auth_raw("staff")
        ).json() == {"due": []}
        [shown] = api.get("/api/cases/demo-1", headers=auth_raw("staff")).json()["due"]
        assert shown["command"] == "EndCoolingOff"
        _problem(
            api.get("/api/due", params={"before": "2026-01-01T00:00:00"}, headers=auth_raw("staff")),
            422,
            "invalid-input",
        )


def auth_raw(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_tampered_case_is_a_bare_500_and_one_log_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with client(folder=tmp_path, debug=True) as api:
        opened(api)
        with sqlite3.connect(tmp_path / "cases.db") as db:
            db.execute("UPDATE restorative_events SET data = replace(data, 'nora', 'nina') WHERE sequence = 1")
            db.execute("UPDATE restorative_cases SET snapshot = NULL")
        with caplog.at_level(logging.DEBUG):
            response = api.get("/api/cases/case-1", headers=auth("staff"))
        body = _problem(response, 500, "internal")
        assert "nora" not in response.text and "nina" not in response.text and "Traceback" not in response.text
        assert body["detail"] == "the server failed; the error is logged for its operators"
        [line] = [record for record in caplog.records if record.name == "restorative.server"]
        assert line.getMessage() == "GET /api/cases/case-1 failed with 500: IntegrityError"
        assert line.exc_info is None
        assert "Traceback" not in caplog.text


def test_an_unexpected_fault_says_nothing_of_itself_even_in_debug_mode(caplog: pytest.LogCaptureFixture) -> None:
    def broken(token: str) -> r.Actor | None:
        raise RuntimeError(f"secret {token} and a date of birth 1988-02-11")

    with TestClient(create_app(MemoryStore(), broken, debug=True)) as api, caplog.at_level(logging.DEBUG):
        response = api.get("/api/cases", headers=auth("staff"))
    _problem(response, 500, "internal")
    assert "secret" not in response.text and "1988" not in response.text
    assert "secret" not in caplog.text and "Traceback" not in caplog.text


def test_unknown_routes_and_methods_are_problems(tmp_path: Path) -> None:
    with client(folder=tmp_path) as api:
        _problem(api.get("/api/nothing", headers=auth("staff")), 404, "not-found")
        _problem(api.delete("/api/cases/case-1", headers=auth("staff")), 405, "method-not-allowed")
