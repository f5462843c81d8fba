"""End to end in headless Chromium: a criminal case from referral to fulfilled, clicked through the UI.

A real uvicorn server runs on a free loopback port in a thread, over a fresh SQLite store,
with a clock the test moves by hand (so cooling-off passes in a moment). Debian's
``chromium`` is driven by Playwright through ``executable_path``; no browser is ever
downloaded. Without chromium the tests skip and say why; in CI (``CI`` set) they fail.

Screenshots go to the test's temporary folder; with ``RESTORATIVE_SCREENSHOTS=1`` they go
to ``docs/img/server/``, where the docs use them.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("litestar")
pytest.importorskip("uvicorn")
pytest.importorskip("playwright")

import uvicorn
from playwright.sync_api import Browser, Locator, Page, sync_playwright

import restorative as r
from restorative.server import User, Users, create_app
from restorative.store import SQLiteStore

T0 = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)
STAFF = r.Actor(id="staff-tromso-2", kind=r.ActorKind.STAFF)
MEDIATOR = r.Actor(id="mediator-sigrid", kind=r.ActorKind.MEDIATOR)
NORA = r.Actor(id="nora", kind=r.ActorKind.PARTY)
AKSEL = r.Actor(id="aksel", kind=r.ActorKind.PARTY)
EMIL = r.Actor(id="emil", kind=r.ActorKind.PARTY)
HANNE = r.Actor(id="guardian-hanne", kind=r.ActorKind.GUARDIAN)
TOKENS = {
    STAFF: "token-staff",
    MEDIATOR: "token-mediator",
    NORA: "token-nora",
    AKSEL: "token-aksel",
    EMIL: "token-emil",
    HANNE: "token-hanne",
}
NAMES = {
    STAFF: "Tove Nilsen (staff)",
    MEDIATOR: "Sigrid Berg (mediator)",
    NORA: "Nora Hansen",
    AKSEL: "Aksel Lie",
    EMIL: "Emil Dahl",
    HANNE: "Hanne Dahl (guardian)",
}
USERS = Users([User(NAMES[actor], token, actor) for actor, token in TOKENS.items()])
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "img" / "server"


def chromium() -> str:
    """Debian's chromium, or skip (fail in CI) saying how to get it."""
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        reason = "no chromium on PATH; install Debian's package: apt-get install -y chromium"
        print(reason)
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


class Clock:
    """The service's clock, moved by the test (the server reads it from its own thread)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Service:
    """A real server on a free loopback port."""

    def __init__(self, folder: Path) -> None:
        self.store = SQLiteStore(folder / "cases.db")
        self.clock = Clock(T0)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        app = create_app(self.store, USERS, clock=self.clock)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = chromium()
    with sync_playwright() as playwright:
        opened = playwright.chromium.launch(executable_path=path, headless=True, args=FLAGS)
        yield opened
        opened.close()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    running = Service(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    if os.environ.get("RESTORATIVE_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


class Person:
    """One person's own browser context, logged in with their token through the login page."""

    def __init__(self, browser: Browser, service: Service, actor: r.Actor) -> None:
        self.actor = actor
        self.service = service
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(10_000)
        self.page: Page = self.context.new_page()
        self.page.goto(f"{service.base}/ui/login")
        self.page.fill("#token", TOKENS[actor])
        with self.page.expect_navigation():
            self.page.click("button[type=submit]")
        assert self.page.url.endswith("/ui/cases"), self.page.url
        assert NAMES[actor] in self.page.inner_text("header")

    def open(self, case_id: str) -> Page:
        self.page.goto(f"{self.service.base}/ui/cases/{case_id}")
        return self.page

    def buttons(self, case_id: str) -> set[str]:
        """The commands whose forms this person's case page shows."""
        page = self.open(case_id)
        found: set[str] = set()
        for form in page.locator("form.command").all():
            command = form.get_attribute("data-command")
            assert command is not None
            found.add(command)
        return found

    def send(
        self,
        case_id: str,
        key: str,
        fill: Callable[[Locator], Any] | None = None,
        *,
        button: str | None = None,
        refused: bool = False,
    ) -> Page:
        """Press the action `key` on the case page (after `fill` fills in its form)."""
        self.service.clock.advance(minutes=30)  # each step a little later, as people work
        page = self.open(case_id)
        form = page.locator(f'form.command[data-key="{key}"]')
        assert form.count() == 1, f"{self.actor.id} has no action {key} in {self.buttons(case_id)}"
        if fill is not None:
            fill(form)
        submit = form.get_by_role("button", name=button, exact=True) if button else form.locator("button").last
        with page.expect_navigation():
            submit.click()
        refusals = page.locator(".refusal")
        if refused:
            assert refusals.count() == 1, page.content()
        else:
            assert refusals.count() == 0, refusals.all_inner_texts()
        return page


def select(name: str, value: str) -> Callable[[Locator], Any]:
    return lambda form: form.locator(f'select[name="{name}"]').select_option(value)


def register(staff: Person, case_id: str, parties: list[tuple[str, str, str, str]], reference: str) -> None:
    """The staff member fills in the referral form: (id, role, birth date, guardians) per party."""
    page = staff.page
    page.goto(f"{staff.service.base}/ui/cases")
    with page.expect_navigation():
        page.click("text=Register a referral")
    page.fill('input[name="case_id"]', case_id)
    page.select_option('select[name="kind"]', "criminal")
    page.select_option('select[name="source"]', "prosecution")
    page.fill('input[name="reference"]', reference)
    for n, (party_id, role, born, guardians) in enumerate(parties):
        page.locator('input[name="party.id"]').nth(n).fill(party_id)
        page.locator('select[name="party.role"]').nth(n).select_option(role)
        if born:
            page.locator('input[name="party.birth_date"]').nth(n).fill(born)
        page.locator('input[name="party.guardians"]').nth(n).fill(guardians)
    with page.expect_navigation():
        page.click("button:has-text('Register')")
    assert page.url.endswith(f"/ui/cases/{case_id}"), page.url


def test_a_criminal_case_from_referral_to_fulfilled_by_four_people(
    browser: Browser, service: Service, shots: Path
) -> None:
    case_id = "case-2026-0907"
    staff = Person(browser, service, STAFF)
    mediator = Person(browser, service, MEDIATOR)
    nora = Person(browser, service, NORA)
    aksel = Person(browser, service, AKSEL)
    parties = (nora, aksel)

    def only_allowed() -> None:
        """Each party's page shows exactly the buttons `allowed` gives that party now, no more."""
        case = service.store.load(case_id)
        for party in parties:
            expected = {kind.__name__ for kind in r.allowed(case, party.actor, service.clock())}
            assert party.buttons(case_id) == expected, (party.actor.id, case.stage)

    login = browser.new_page(viewport={"width": 1280, "height": 720})
    login.goto(f"{service.base}/ui/login")
    login.screenshot(path=str(shots / "login.png"))
    login.close()

    register(
        staff,
        case_id,
        [("nora", "harmed", "1988-02-11", ""), ("aksel", "responsible", "2001-06-03", "")],
        "police-2026-4471",
    )
    assert service.store.load(case_id).stage is r.Stage.REFERRED
    only_allowed()
    staff.send(case_id, "AcceptCase")
    staff.send(case_id, "AssignMediator", lambda form: form.locator('input[name="mediator_id"]').fill(MEDIATOR.id))
    only_allowed()

    mediator.send(case_id, "InformParty", select("party_id", "nora"))
    mediator.send(case_id, "InformParty", select("party_id", "aksel"))
    only_allowed()
    nora.send(case_id, "GiveConsent")
    only_allowed()
    aksel.send(case_id, "GiveConsent")
    only_allowed()

    mediator.send(case_id, "StartPreparation")
    mediator.send(case_id, "HoldPreparatoryTalk", select("party_id", "nora"))
    mediator.send(
        case_id,
        "HoldPreparatoryTalk",
        lambda form: (select("party_id", "aksel")(form), select("channel", "video")(form)),
    )
    assert service.store.load(case_id).stage is r.Stage.PREPARATION
    only_allowed()

    def support(form: Locator) -> None:
        form.locator('input[name="participant_id"]').fill("kari")
        form.locator('select[name="role"]').select_option("support")

    nora.send(case_id, "ProposeParticipant", support)
    only_allowed()
    # Aksel agrees to Nora's support person before the mediator told him about her: refused, with the hint.
    page = aksel.send(case_id, "ApproveParticipant", select("participant_id", "kari"), refused=True)
    box = page.locator('form.command[data-key="ApproveParticipant"] .refusal')
    assert box.get_attribute("data-rule") == "R7"
    assert "must be disclosed to aksel" in box.inner_text()
    page.screenshot(path=str(shots / "case-party-refusal.png"), full_page=True)
    only_allowed()
    mediator.send(case_id, "DiscloseParticipant", select("participant_id", "kari"))
    aksel.send(case_id, "ApproveParticipant", select("participant_id", "kari"))
    only_allowed()

    mediator.send(case_id, "ScheduleMeeting")  # the agreed attendees are ticked already
    case = service.store.load(case_id)
    assert case.stage is r.Stage.MEETING
    assert case.meeting is not None and set(case.meeting.attendees) == {"nora", "aksel", "kari", MEDIATOR.id}
    only_allowed()
    nora.send(case_id, "AgreeConfidentiality")
    aksel.send(case_id, "AgreeConfidentiality")
    only_allowed()
    mediator.send(case_id, "AgreeConfidentiality", select("person_id", MEDIATOR.id))
    mediator.send(case_id, "AgreeConfidentiality", select("person_id", "kari"))  # Kari has no login: recorded
    staff.open(case_id).screenshot(path=str(shots / "case-staff.png"), full_page=True)
    service.clock.advance(hours=2)
    mediator.send(case_id, "HoldMeeting")
    only_allowed()

    def agreement(form: Locator) -> None:
        form.locator('input[name="item.description"]').first.fill("Aksel writes Nora a letter of apology.")
        form.locator('select[name="item.responsible"]').first.select_option("aksel")

    mediator.send(case_id, "RecordAgreement", agreement)
    assert service.store.load(case_id).stage is r.Stage.AGREEMENT
    only_allowed()
    nora.send(case_id, "SignAgreement")
    aksel.send(case_id, "SignAgreement")
    mediator.send(case_id, "SignAgreement")
    assert service.store.load(case_id).stage is r.Stage.COOLING_OFF
    only_allowed()

    assert "EndCoolingOff" not in staff.buttons(case_id)  # two weeks have not passed
    assert "End cooling off from" in staff.page.inner_text(".actions")  # what the case waits for
    service.clock.advance(days=15)
    staff.send(case_id, "EndCoolingOff")
    assert service.store.load(case_id).stage is r.Stage.FOLLOW_UP
    only_allowed()

    page = nora.send(case_id, "ReportItem-item-1", button="Fulfilled")
    case = service.store.load(case_id)
    assert case.stage is r.Stage.FULFILLED
    assert page.locator("#stage").get_attribute("data-stage") == "fulfilled"
    assert "Nothing for you to do" in page.inner_text(".actions")
    only_allowed()
    lines = page.locator("#timeline li").all_inner_texts()
    assert len(lines) == case.version
    assert any("fulfilment" in line for line in lines), lines
    assert "2001-06-03" not in page.content()  # Aksel's birth date is not Nora's to see
    page.locator("section.timeline").screenshot(path=str(shots / "timeline.png"))

    staff.page.goto(f"{service.base}/ui/cases")
    assert case_id in staff.page.inner_text("table.cases")
    staff.page.screenshot(path=str(shots / "cases.png"))
    for person in (staff, mediator, nora, aksel):
        person.context.close()


def test_a_guardian_sees_only_what_allowed_gives_them(browser: Browser, service: Service) -> None:
    case_id = "case-2026-1101"
    staff = Person(browser, service, STAFF)
    mediator = Person(browser, service, MEDIATOR)
    hanne = Person(browser, service, HANNE)
    emil = Person(browser, service, EMIL)
    register(
        staff, case_id, [("nora", "harmed", "1988-02-11", ""), ("emil", "responsible", "2011-03-04", HANNE.id)], ""
    )
    staff.send(case_id, "AcceptCase")
    staff.send(case_id, "AssignMediator", lambda form: form.locator('input[name="mediator_id"]').fill(MEDIATOR.id))

    def only_allowed() -> None:
        case = service.store.load(case_id)
        for person in (hanne, emil):
            expected = {kind.__name__ for kind in r.allowed(case, person.actor, service.clock())}
            assert person.buttons(case_id) == expected, (person.actor.id, case.stage)

    only_allowed()
    mediator.send(case_id, "InformParty", select("party_id", "emil"))
    only_allowed()
    emil.send(case_id, "GiveConsent")
    only_allowed()
    page = hanne.send(case_id, "GiveGuardianConsent-emil")
    assert "1988-02-11" not in page.content()  # Nora's birth date is not the guardian's to see
    assert "2011-03-04" in page.content()  # the ward's is
    only_allowed()
    assert r.counts_as_consenting(service.store.load(case_id), "emil")
    assert "GiveGuardianConsent" not in hanne.buttons(case_id)
    assert "Withdraw" in hanne.buttons(case_id)  # a guardian may withdraw their ward (R1)
    for person in (staff, mediator, hanne, emil):
        person.context.close()
