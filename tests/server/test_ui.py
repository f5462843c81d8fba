"""The browser UI through Litestar's test client: login, CSRF, escaping, refusals, and what outsiders see."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytest.importorskip("litestar")
pytest.importorskip("jinja2")

from litestar import Litestar
from litestar.testing import TestClient

import restorative as r
from restorative.server import COOKIE, User, Users, create_app
from restorative.store import SQLiteStore

T0 = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)
STAFF = r.Actor(id="staff-tromso-2", kind=r.ActorKind.STAFF)
MEDIATOR = r.Actor(id="mediator-sigrid", kind=r.ActorKind.MEDIATOR)
NORA = r.Actor(id="nora", kind=r.ActorKind.PARTY)
AKSEL = r.Actor(id="aksel", kind=r.ActorKind.PARTY)
OUTSIDER = r.Actor(id="curious", kind=r.ActorKind.PARTY)
USERS = Users(
    [
        User("Tove (staff)", "token-staff", STAFF),
        User("Sigrid (mediator)", "token-mediator", MEDIATOR),
        User("Nora", "token-nora", NORA),
        User("Aksel", "token-aksel", AKSEL),
        User("Someone else", "token-outsider", OUTSIDER),
    ]
)
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "cases.db")
    referral = r.Referral(
        source=r.ReferralSource.PROSECUTION,
        kind=r.CaseKind.CRIMINAL,
        received_at=T0,
        admission_of_facts=True,
        reference=HOSTILE,
    )
    parties = [r.Party(id="nora", role=r.Role.HARMED), r.Party(id="aksel", role=r.Role.RESPONSIBLE)]
    opened.handle("case-1", r.ReferCase(actor=STAFF, at=T0, case_id="case-1", referral=referral, parties=parties))
    commands: list[r.Command] = [
        r.AcceptCase(actor=STAFF, at=T0 + timedelta(hours=1)),
        r.AssignMediator(actor=STAFF, at=T0 + timedelta(hours=2), mediator_id=MEDIATOR.id),
    ]
    for command in commands:
        opened.handle("case-1", command)
    yield opened
    opened.close()


@pytest.fixture
def client(store: SQLiteStore) -> Iterator[TestClient[Litestar]]:
    app = create_app(store, USERS, clock=Clock(T0 + timedelta(days=1)))
    with TestClient(app, base_url="http://testserver.local") as opened:
        yield opened


def login(client: TestClient[Litestar], token: str) -> str:
    """Log in and return the page's form token."""
    response = client.post("/ui/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303
    page = client.get("/ui/cases")
    found = re.search(r'name="_csrf" value="([0-9a-f]+)"', page.text)
    assert found is not None
    return found.group(1)


def commands_on(html: str) -> set[str]:
    return set(re.findall(r'<form [^>]*class="action command" data-command="(\w+)"', html))


def test_login_sets_a_strict_httponly_cookie_and_logout_removes_it(client: TestClient[Litestar]) -> None:
    assert client.get("/ui/cases", follow_redirects=False).headers["location"] == "/ui/login"
    response = client.post("/ui/login", data={"token": "token-nora"}, follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=token-nora;")
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    csrf = re.search(r'name="_csrf" value="([0-9a-f]+)"', client.get("/ui/cases").text)
    assert csrf is not None
    response = client.post("/ui/logout", data={"_csrf": csrf.group(1)}, follow_redirects=False)
    assert response.status_code == 303
    assert f'{COOKIE}=""' in response.headers["set-cookie"] or "Max-Age=0" in response.headers["set-cookie"]


def test_an_unknown_token_is_refused(client: TestClient[Litestar]) -> None:
    response = client.post("/ui/login", data={"token": "guess"}, follow_redirects=False)
    assert response.status_code == 401
    assert "not known" in response.text
    assert "set-cookie" not in response.headers


def test_a_form_without_the_token_changes_nothing(client: TestClient[Litestar], store: SQLiteStore) -> None:
    login(client, "token-mediator")
    before = store.load("case-1")
    response = client.post("/ui/cases/case-1/commands/InformParty", data={"party_id": "nora"})
    assert response.status_code == 403
    assert "refused" in response.text
    response = client.post("/ui/cases/case-1/commands/InformParty", data={"party_id": "nora", "_csrf": "0" * 64})
    assert response.status_code == 403
    assert store.load("case-1") == before


def test_a_form_from_another_site_is_refused_even_with_the_token(
    client: TestClient[Litestar], store: SQLiteStore
) -> None:
    csrf = login(client, "token-mediator")
    before = store.load("case-1")
    response = client.post(
        "/ui/cases/case-1/commands/InformParty",
        data={"party_id": "nora", "_csrf": csrf},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert store.load("case-1") == before
    response = client.post(
        "/ui/cases/case-1/commands/InformParty",
        data={"party_id": "nora", "_csrf": csrf},
        headers={"origin": "http://testserver.local"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert store.load("case-1").party("nora").informed  # type: ignore[union-attr]


def test_a_hostile_reference_is_shown_as_text(client: TestClient[Litestar]) -> None:
    login(client, "token-staff")
    for path in ("/ui/cases", "/ui/cases/case-1"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "script-src 'self'" in client.get("/ui/cases").headers["content-security-policy"]


def test_an_outsider_sees_the_same_page_for_a_missing_and_a_forbidden_case(client: TestClient[Litestar]) -> None:
    login(client, "token-outsider")
    assert "case-1" not in client.get("/ui/cases").text
    forbidden = client.get("/ui/cases/case-1")
    missing = client.get("/ui/cases/case-2")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.text.replace("case-1", "ID") == missing.text.replace("case-2", "ID")
    csrf = login(client, "token-outsider")
    sent = client.post("/ui/cases/case-1/commands/Withdraw", data={"_csrf": csrf})
    absent = client.post("/ui/cases/case-2/commands/Withdraw", data={"_csrf": csrf})
    assert sent.status_code == absent.status_code == 404
    assert sent.text.replace("case-1", "ID") == absent.text.replace("case-2", "ID")


def test_a_party_sees_exactly_the_buttons_allowed_gives(client: TestClient[Litestar], store: SQLiteStore) -> None:
    now = T0 + timedelta(days=1)
    store.handle("case-1", r.InformParty(actor=MEDIATOR, at=now, party_id="nora"))
    login(client, "token-nora")
    html = client.get("/ui/cases/case-1").text
    expected = {kind.__name__ for kind in r.allowed(store.load("case-1"), NORA, now)}
    assert expected == commands_on(html)
    assert {"GiveConsent", "Withdraw"} <= expected


def test_a_refusal_shows_its_rule_and_hint_beside_the_action(client: TestClient[Litestar], store: SQLiteStore) -> None:
    csrf = login(client, "token-mediator")
    before = store.load("case-1")
    response = client.post(
        "/ui/cases/case-1/commands/StartPreparation", data={"_csrf": csrf, "_key": "StartPreparation"}
    )
    assert response.status_code == 409
    form = re.search(r'data-command="StartPreparation".*?</form>', response.text, re.S)
    assert form is not None
    assert 'data-rule="R4"' in form.group(0)
    assert "consent" in form.group(0)
    assert store.load("case-1") == before


def test_a_malformed_field_is_shown_beside_the_action(client: TestClient[Litestar]) -> None:
    csrf = login(client, "token-mediator")
    response = client.post(
        "/ui/cases/case-1/commands/InformParty", data={"_csrf": csrf, "_key": "InformParty", "party_id": "nobody"}
    )
    assert response.status_code in (409, 422)
    assert "nobody" in response.text
    assert "Traceback" not in response.text


def test_only_staff_register_referrals(client: TestClient[Litestar], store: SQLiteStore) -> None:
    csrf = login(client, "token-nora")
    assert client.get("/ui/new-case").status_code == 403
    response = client.post(
        "/ui/cases",
        data={"_csrf": csrf, "case_id": "case-9", "party.id": ["a", "b"], "party.role": ["harmed", "responsible"]},
    )
    assert response.status_code == 403
    assert [s.case_id for s in store.cases()] == ["case-1"]


def test_staff_register_a_referral(client: TestClient[Litestar], store: SQLiteStore) -> None:
    csrf = login(client, "token-staff")
    response = client.post(
        "/ui/cases",
        data={
            "_csrf": csrf,
            "case_id": "case-2",
            "kind": "civil",
            "source": "parties",
            "received_at": "2026-09-08T08:00",
            "reference": "neighbours",
            "party.id": ["lise", "ola", ""],
            "party.role": ["party", "party", "harmed"],
            "party.birth_date": ["1990-01-02", "", ""],
            "party.minor": ["false", "false", "false"],
            "party.guardians": ["", "", ""],
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/cases/case-2"
    case = store.load("case-2")
    assert case.referral.kind is r.CaseKind.CIVIL
    assert [p.id for p in case.parties] == ["lise", "ola"]
    assert case.staff == (STAFF.id,)
    again = client.post(
        "/ui/cases", data={"_csrf": csrf, "case_id": "case-2", "party.id": ["x"], "party.role": ["party"]}
    )
    assert again.status_code == 422


def test_an_unexpected_failure_shows_no_stack_trace(store: SQLiteStore) -> None:
    def broken(token: str) -> r.Actor | None:
        raise RuntimeError("secret internals")

    app = create_app(store, broken, clock=lambda: T0)
    with TestClient(app) as client:
        client.cookies.set(COOKIE, "anything")
        response = client.get("/ui/cases")
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text


def test_a_refused_form_comes_back_as_it_was_filled_in(client: TestClient[Litestar], store: SQLiteStore) -> None:
    now = T0 + timedelta(days=1)
    for party in ("nora", "aksel"):
        store.handle("case-1", r.InformParty(actor=MEDIATOR, at=now, party_id=party))
        store.handle("case-1", r.GiveConsent(actor=r.Actor(id=party, kind=r.ActorKind.PARTY), at=now))
    store.handle("case-1", r.StartPreparation(actor=MEDIATOR, at=now))
    csrf = login(client, "token-aksel")
    before = store.load("case-1")
    response = client.post(
        "/ui/cases/case-1/commands/ProposeParticipant",
        data={"_csrf": csrf, "_key": "ProposeParticipant", "participant_id": "advokat-berg", "role": "lawyer"},
    )
    assert response.status_code == 409
    form = re.search(r'data-command="ProposeParticipant".*?</form>', response.text, re.S)
    assert form is not None
    assert 'data-rule="R7"' in form.group(0)
    assert 'value="advokat-berg"' in form.group(0)
    assert '<option value="lawyer" selected>' in form.group(0)
    assert store.load("case-1") == before
