"""Nothing written that cannot be read back, and no false alarms: on every backend.

Each poison event below made a case unloadable for good before appends were folded
onto the stored case in their own transaction (issue 14, defect 1).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest

import restorative as r
from restorative import _demo
from restorative.errors import CaseNotFound, ConcurrencyError, IntegrityError, InvalidInput
from restorative.events import CaseAccepted, StaffAssigned
from restorative.store import EventStore, retry
from tests.flows import STAFF, Flow
from tests.store.backends import Backend


def _opened(store: EventStore) -> Flow:
    flow = Flow()
    store.append("case-1", flow.events, 0)
    return flow


def _before_last(flow: Flow) -> r.Event:
    return CaseAccepted(actor=STAFF, at=flow.now - timedelta(days=1))


def _naive(flow: Flow) -> r.Event:
    return CaseAccepted(actor=STAFF, at=datetime(2026, 5, 5))


def _wrong_type(flow: Flow) -> r.Event:
    return StaffAssigned(actor=STAFF, at=flow.now, staff_id=None)  # type: ignore[arg-type]


def _actor_as_text(flow: Flow) -> r.Event:
    return CaseAccepted(actor="staff-1", at=flow.now)  # type: ignore[arg-type]


def _not_an_event(flow: Flow) -> Any:
    return {"type": "CaseAccepted"}


def _second_referral(flow: Flow) -> r.Event:
    return flow.events[0]


POISON: dict[str, Callable[[Flow], Any]] = {
    "time-goes-back": _before_last,
    "naive-time": _naive,
    "wrong-type": _wrong_type,
    "actor-as-text": _actor_as_text,
    "not-an-event": _not_an_event,
    "second-referral": _second_referral,
}


def _unchanged(backend: Backend, before: list[Any], version: int) -> None:
    store = backend.store
    assert store.history("case-1") == before
    assert store.load("case-1").version == version
    assert [s.version for s in store.cases()] == [version]
    assert store.verify_all() == []


@pytest.mark.parametrize("poison", POISON.values(), ids=POISON.keys())
def test_an_event_that_would_make_the_case_unloadable_is_refused_and_nothing_is_written(
    backend: Backend, poison: Callable[[Flow], Any]
) -> None:
    store = backend.store
    flow = _opened(store)
    before = store.history("case-1")
    version = len(flow.events)
    event = poison(flow)
    with pytest.raises(InvalidInput) as refused:
        store.append("case-1", [event], version)
    assert len(str(refused.value)) < 600
    with pytest.raises(InvalidInput):
        store.append_many([("case-2", Flow(case_id="case-2").events, 0), ("case-1", [event], version)])
    with pytest.raises(CaseNotFound):
        store.load("case-2")  # all or nothing: the good batch was not written either
    _unchanged(backend, before, version)


def test_nothing_follows_a_final_stage(backend: Backend) -> None:
    store = backend.store
    _, events = _demo.fulfilled_case("case-1")
    store.append("case-1", events, 0)
    before = store.history("case-1")
    later = StaffAssigned(actor=STAFF, at=events[-1].at + timedelta(days=1), staff_id="staff-2")  # a step, no move
    with pytest.raises(InvalidInput, match=r"R2: .*fulfilled"):
        store.append("case-1", [later], len(events))
    _unchanged(backend, before, len(events))


def test_a_refused_append_names_the_event_and_its_place(backend: Backend) -> None:
    store = backend.store
    flow = _opened(store)
    with pytest.raises(
        InvalidInput, match=r"^CaseAccepted \(event 2 of case case-1\) cannot follow the stored case: R15"
    ):
        store.append("case-1", [_before_last(flow)], 1)


def test_readers_never_see_a_case_half_opened(backend: Backend) -> None:
    """Reads of cases that another writer is opening see them whole or not at all (defect 2)."""
    writer, reader = backend.second, backend.store
    ids = [f"race-{n:03d}" for n in range(40)]
    problems: list[Exception] = []
    done = threading.Event()

    def write() -> None:
        try:
            for case_id in ids:
                writer.append(case_id, Flow(case_id=case_id).events, 0)
        finally:
            done.set()

    thread = threading.Thread(target=write)
    thread.start()
    reads = 0
    while not done.is_set() or reads == 0:
        for case_id in ids:
            for read in (reader.load, reader.history, reader.verify):
                try:
                    read(case_id)
                except CaseNotFound:
                    pass
                except IntegrityError as error:
                    problems.append(error)
                reads += 1
    thread.join()
    assert problems == []
    assert reader.verify_all() == []


def test_writers_that_name_the_same_cases_in_other_orders_never_deadlock(backend: Backend) -> None:
    """append_many locks cases by id, whatever the order given (defect 3); retry lands every batch."""
    store, second = backend.store, backend.second
    ids = ["lock-a", "lock-b", "lock-c"]
    flows = {case_id: Flow(case_id=case_id).to_consent() for case_id in ids}
    store.append_many([(case_id, flow.events, 0) for case_id, flow in flows.items()])
    errors: list[Exception] = []
    rounds = 15

    def write(writer: EventStore, order: list[str], step: int) -> None:
        for n in range(rounds):

            def batch(n: int = n) -> list[int]:
                batches = []
                for case_id in order:
                    case = writer.load(case_id)
                    at = case.updated_at + timedelta(minutes=step + 2 * n)
                    batches.append(
                        (case_id, [StaffAssigned(actor=STAFF, at=at, staff_id=f"s-{step}-{n}")], case.version)
                    )
                return writer.append_many(batches)

            try:
                retry(batch, attempts=50)
            except Exception as error:
                errors.append(error)

    threads = [
        threading.Thread(target=write, args=(store, ids, 0)),
        threading.Thread(target=write, args=(second, list(reversed(ids)), 1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for case_id, flow in flows.items():
        assert store.load(case_id).version == len(flow.events) + 2 * rounds
    assert store.verify_all() == []


def test_verify_all_reports_a_case_whose_listing_cannot_be_read_and_goes_on(backend: Backend) -> None:
    """verify_all never raises (defect 5): a bad value in one case is a problem, and the rest are checked."""
    store = backend.store
    store.append("case-1", Flow().events, 0)
    store.append("case-2", Flow(case_id="case-2").events, 0)
    if hasattr(store, "_cases"):  # the memory store: a listing made of something else
        store._cases["case-1"] = attrs.evolve(store._cases["case-1"], version="many")
    else:
        backend.tamper("listing", "case-1", ("stage", "no such stage"))
        backend.tamper("listing", "case-1", ("version", -3))
    problems = store.verify_all()
    assert [getattr(p, "case_id", None) for p in problems] == ["case-1"]
    assert all(isinstance(p, IntegrityError) for p in problems)
    store.verify("case-2")


def test_retry_retries_a_concurrency_error_only() -> None:
    calls: list[int] = []

    def flaky() -> int:
        calls.append(1)
        if len(calls) < 3:
            raise ConcurrencyError("case-1", 1, 2)
        return 7

    assert retry(flaky, backoff=0) == 7
    assert len(calls) == 3


def test_verify_all_goes_on_past_a_row_the_driver_cannot_read(tmp_path: Any) -> None:
    """A row of bytes that are not UTF-8 makes sqlite3 itself raise; verify_all reports it and checks the rest."""
    import sqlite3

    from restorative.store import SQLiteStore

    path = tmp_path / "events.db"
    store = SQLiteStore(path)
    store.append("case-1", Flow().events, 0)
    store.append("case-2", Flow(case_id="case-2").events, 0)
    with sqlite3.connect(path) as outside:
        outside.execute("UPDATE restorative_events SET data = CAST(x'ff00fe' AS TEXT) WHERE case_id = 'case-1'")
    outside.close()
    problems = store.verify_all()
    assert [getattr(p, "case_id", None) for p in problems] == ["case-1"]
    store.verify("case-2")
    with sqlite3.connect(path) as outside:
        outside.execute("DROP TABLE restorative_cases")
    outside.close()
    [problem] = store.verify_all()
    assert "cannot be read" in str(problem)
    store.close()


@pytest.mark.parametrize(
    "damage",
    [
        {"party_id": ""},
        {"party_id": "ida\nemil"},
        {"party_id": " ida"},
    ],
    ids=["empty-id", "line-break", "padded"],
)
def test_an_id_that_a_value_would_refuse_is_refused_in_an_event_too(backend: Backend, damage: dict[str, str]) -> None:
    """Such an id folds, but the case's snapshot could never be read back: nothing like it is stored."""
    store = backend.store
    flow = _opened(store)
    accepted = CaseAccepted(actor=STAFF, at=flow.now)
    store.append("case-1", [accepted], 1)
    informed = r.PartyInformed(actor=STAFF, at=flow.now, party_id=damage["party_id"])
    with pytest.raises(InvalidInput, match="party_id"):
        store.append("case-1", [informed], 2)
    assert store.load("case-1").version == 2
    assert store.verify_all() == []


def test_every_text_field_of_every_event_is_checked_as_an_id_or_is_free_text() -> None:
    """A new event field that holds an id must join the store's list of id fields (store/_chain.py)."""
    import typing

    from restorative.store._chain import ID_FIELDS, ID_TUPLE_FIELDS

    free_text = {"reason"}
    for kind in r.EVENT_TYPES:
        hints = typing.get_type_hints(kind)
        for field in attrs.fields(kind):
            hint = hints[field.name]
            texty = hint in (str, str | None) or hint == tuple[str, ...]
            if texty and field.name not in ("actor", "at"):
                assert field.name in ID_FIELDS | ID_TUPLE_FIELDS | free_text, f"{kind.__name__}.{field.name}"
