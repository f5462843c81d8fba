"""Timed work: `due`, `store.due` and `tick`, including two ticks at once on one database."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import restorative as r
from restorative.errors import InvalidInput, RuleViolation
from restorative.store import Sent, SQLiteStore, tick
from tests.flows import STAFF, Flow
from tests.store.backends import Backend


def _cooling_off(case_id: str = "case-1") -> Flow:
    flow = Flow(case_id=case_id).to_agreement()
    flow.sign_all()
    assert flow.case.stage is r.Stage.COOLING_OFF
    return flow


def test_a_case_in_cooling_off_waits_for_its_end() -> None:
    flow = _cooling_off()
    agreement = flow.case.agreement
    assert agreement is not None and agreement.cooling_off_ends is not None
    [waiting] = r.due(flow.case)
    assert (waiting.command, waiting.at, waiting.rule) == (r.EndCoolingOff, agreement.cooling_off_ends, "R10")
    assert waiting.by == flow.case.staff
    with pytest.raises(RuleViolation) as early:
        r.decide(flow.case, waiting.send(STAFF, waiting.at - timedelta(seconds=1)))
    assert early.value.rule == "R10"
    case, _ = r.handle(flow.case, waiting.send(STAFF, waiting.at))
    assert case.stage is r.Stage.FOLLOW_UP


def test_a_case_in_follow_up_waits_for_the_next_deadline_to_pass() -> None:
    flow = Flow()
    [soon] = flow.items(days=30)
    late = r.Item(
        id="item-late",
        kind=r.ItemKind.COMPENSATION,
        description="later",
        responsible=soon.responsible,
        deadline=flow.now + timedelta(days=60),
    )
    items = (soon, late)
    flow.to_follow_up(items)
    [waiting] = r.due(flow.case)
    first = min(item.deadline for item in items)
    assert waiting.command is r.CheckDeadlines and waiting.rule == "R11"
    assert first < waiting.at <= first + timedelta(milliseconds=1)
    with pytest.raises(RuleViolation, match="R11"):
        r.decide(flow.case, waiting.send(STAFF, first))  # at the deadline itself, nothing is overdue yet
    case, _ = r.handle(flow.case, waiting.send(STAFF, waiting.at))
    assert case.stage is r.Stage.BREACHED
    assert r.due(case) == ()


@pytest.mark.parametrize("stage", ["referred", "consent", "meeting", "agreement"])
def test_other_stages_wait_for_nothing_timed(stage: str) -> None:
    flow = Flow()
    if stage != "referred":
        {"consent": flow.to_consent, "meeting": flow.to_meeting, "agreement": flow.to_agreement}[stage]()
    assert r.due(flow.case) == ()


def test_due_refuses_what_is_not_a_case() -> None:
    with pytest.raises(InvalidInput, match="due takes a Case"):
        r.due("case-1")  # type: ignore[arg-type]


def test_the_store_lists_what_is_due_and_tick_sends_it_once(backend: Backend) -> None:
    store = backend.store
    cooling = _cooling_off("case-1")
    quiet = Flow(case_id="case-2").to_consent()
    store.append("case-1", cooling.events, 0)
    store.append("case-2", quiet.events, 0)
    [waiting] = r.due(cooling.case)
    assert store.due(before=waiting.at - timedelta(seconds=1)) == []
    [listed] = store.due(before=waiting.at)
    assert (listed.case_id, listed.due_at) == ("case-1", waiting.at)
    assert tick(store, at=waiting.at - timedelta(seconds=1)) == []  # nothing due: nothing sent, nothing refused
    [sent] = tick(store, at=waiting.at + timedelta(hours=5))  # cron ran late
    assert isinstance(sent.command, r.EndCoolingOff) and sent.case_id == "case-1"
    assert sent.command.at == waiting.at  # dated when the period ended
    assert tick(store, at=waiting.at) == []  # idempotent
    case = store.load("case-1")
    assert case.stage is r.Stage.FOLLOW_UP
    [next_due] = r.due(case)
    assert [s.due_at for s in store.due(before=next_due.at)] == [next_due.at]
    with pytest.raises(InvalidInput, match="before"):
        store.due(before="tomorrow")  # type: ignore[arg-type]


def test_a_late_tick_ends_cooling_off_and_breaches_what_is_overdue_in_one_go(backend: Backend) -> None:
    store = backend.store
    flow = _cooling_off()
    store.append("case-1", flow.events, 0)
    agreement = flow.case.agreement
    assert agreement is not None
    late = max(item.deadline for item in agreement.items) + timedelta(days=1)
    sent = tick(store, at=late)
    assert [type(s.command) for s in sent] == [r.EndCoolingOff, r.CheckDeadlines]
    assert store.load("case-1").stage is r.Stage.BREACHED
    assert store.due(before=late) == []


def test_two_ticks_at_once_send_each_due_command_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    first = SQLiteStore(path)
    ends = []
    for n in range(12):
        flow = _cooling_off(f"case-{n:02d}")
        first.append(flow.case.id, flow.events, 0)
        ends.append(r.due(flow.case)[0].at)
    second = SQLiteStore(path)
    at = max(ends)
    barrier = threading.Barrier(2)
    results: list[list[Sent]] = []
    failures: list[BaseException] = []

    def run(store: SQLiteStore) -> None:
        barrier.wait()
        try:
            results.append(list(tick(store, at=at)))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(store,)) for store in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sum(len(sent) for sent in results) == 12
    ended = [
        stored.event
        for n in range(12)
        for stored in first.history(f"case-{n:02d}")
        if isinstance(stored.event, r.AgreementBound)
    ]
    assert len(ended) == 12
    assert first.due(before=at) == []
    first.close()
    second.close()


def test_a_tick_that_another_finishes_first_sends_nothing_and_is_refused_nothing() -> None:
    """The race behind two ticks at once, made certain: another tick sends the command between this
    tick's read of the case and its write."""
    from restorative.store import MemoryStore

    class Interleaved(MemoryStore):
        at: datetime | None = None

        def load(self, case_id: str) -> r.Case:
            case = super().load(case_id)
            if self.at is not None:
                at, self.at = self.at, None
                assert [type(s.command) for s in tick(self, at=at)] == [r.EndCoolingOff]  # the other tick
            return case

    store = Interleaved()
    flow = _cooling_off()
    store.append("case-1", flow.events, 0)
    [waiting] = r.due(flow.case)
    store.at = waiting.at
    assert tick(store, at=waiting.at) == []  # it lost the race, read again, and found nothing due
    assert [type(stored.event) for stored in store.history("case-1")].count(r.AgreementBound) == 1
