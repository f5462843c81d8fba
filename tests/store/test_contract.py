"""The contract every event store keeps, run against each backend through a factory."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

import restorative as r
from restorative import _demo
from restorative.errors import CaseNotFound, ConcurrencyError, IntegrityError, InvalidInput, RuleViolation
from restorative.store import EventStore, MemoryStore, retry
from tests.flows import MEDIATOR, STAFF, Flow, party_actor
from tests.store.backends import Backend


def _stored_demo(store: EventStore) -> tuple[str, list[r.Event]]:
    commands, events = _demo.fulfilled_case()
    first = commands[0]
    assert isinstance(first, r.ReferCase)
    for command in commands:
        store.handle(first.case_id, command)
    return first.case_id, events


def test_handle_then_load_equals_the_replayed_log(backend: Backend) -> None:
    case_id, events = _stored_demo(backend.store)
    assert r.replay(events) == backend.store.load(case_id)
    history = backend.store.history(case_id)
    assert list(range(1, len(events) + 1)) == [s.sequence for s in history]
    assert events == [s.event for s in history]
    assert all(s.case_id == case_id for s in history)
    assert len({s.hash for s in history}) == len(history)


def test_the_listing_follows_every_append(backend: Backend) -> None:
    case_id, events = _stored_demo(backend.store)
    flow = Flow()
    backend.store.append("case-1", flow.events, 0)
    listed = {s.case_id: s for s in backend.store.cases()}
    assert r.Stage.FULFILLED is listed[case_id].stage
    assert len(events) == listed[case_id].version
    assert r.Stage.REFERRED is listed["case-1"].stage
    assert ["case-1"] == [s.case_id for s in backend.store.cases(stage=r.Stage.REFERRED)]
    assert [case_id] == [s.case_id for s in backend.store.cases(stage=r.Stage.FULFILLED, kind=r.CaseKind.CRIMINAL)]
    assert [] == backend.store.cases(kind=r.CaseKind.CIVIL)
    newest_first = [s.updated_at for s in backend.store.cases()]
    assert sorted(newest_first, reverse=True) == newest_first


def test_a_stale_writer_gets_a_concurrency_error_and_writes_nothing(backend: Backend) -> None:
    flow = Flow().to_consent()
    store = backend.store
    store.append("case-1", flow.events, 0)
    version = len(flow.events)
    extra = r.decide(flow.case, r.InformParty(actor=MEDIATOR, at=flow.now, party_id="harmed"))
    store.append("case-1", extra, version)
    with pytest.raises(ConcurrencyError) as caught:
        store.append("case-1", extra, version)
    assert ("case-1", version, version + 1) == (caught.value.case_id, caught.value.expected, caught.value.actual)
    assert str(version) in str(caught.value)
    assert version + 1 == len(store.history("case-1"))


def test_an_append_is_all_or_nothing(backend: Backend) -> None:
    flow = Flow()
    store = backend.store
    store.append("case-1", flow.events, 0)
    good = r.CaseAccepted(actor=STAFF, at=flow.now)
    impossible = r.CoolingOffStarted(actor=STAFF, at=flow.now, ends_at=flow.now)
    with pytest.raises(InvalidInput):
        store.append("case-1", [good, impossible], 1)
    assert 1 == len(store.history("case-1"))
    assert r.Stage.REFERRED is store.cases()[0].stage


@pytest.mark.parametrize("staff_id", [Decimal(1), "staff-\ud800"], ids=["not-json", "lone-surrogate"])
def test_an_event_that_cannot_be_stored_is_refused_and_nothing_is_written(backend: Backend, staff_id: Any) -> None:
    flow = Flow()
    store = backend.store
    store.append("case-1", flow.events, 0)
    good = r.CaseAccepted(actor=STAFF, at=flow.now)
    bad = r.StaffAssigned(actor=STAFF, at=flow.now, staff_id=staff_id)
    with pytest.raises(InvalidInput, match="StaffAssigned"):
        store.append("case-1", [good, bad], 1)
    assert 1 == len(store.history("case-1"))
    assert r.Stage.REFERRED is store.cases()[0].stage


def test_arguments_of_the_wrong_kind_are_invalid_input_and_write_nothing(backend: Backend) -> None:
    store = backend.store
    flow = Flow()
    store.append("case-1", flow.events, 0)
    for call in (
        lambda: store.cases(stage="consent"),  # type: ignore[arg-type]
        lambda: store.cases(kind="civil"),  # type: ignore[arg-type]
        lambda: store.append("case-2", "abc", 0),  # type: ignore[arg-type]
        lambda: store.append("case-2", [flow.case], 0),  # type: ignore[list-item]
        lambda: store.append("case-1", [r.CaseAccepted(actor=STAFF, at=flow.now)], "1"),  # type: ignore[arg-type]
        lambda: store.append("case 1\n", flow.events, 0),
        lambda: store.load("\udcff"),
        lambda: store.history(["case-1"]),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidInput):
            call()
    assert [s.case_id for s in store.cases()] == ["case-1"]
    assert 1 == len(store.history("case-1"))


def test_a_log_starts_with_its_own_referral(backend: Backend) -> None:
    flow = Flow()
    with pytest.raises(InvalidInput):
        backend.store.append("other-case", flow.events, 0)
    with pytest.raises(InvalidInput):
        backend.store.append("case-1", [r.CaseAccepted(actor=STAFF, at=flow.now)], 0)
    with pytest.raises(InvalidInput):
        backend.store.append("case-1", [], 0)
    assert [] == backend.store.cases()


def test_a_refused_command_writes_nothing(backend: Backend) -> None:
    case_id, events = _stored_demo(backend.store)
    before = backend.store.history(case_id)
    with pytest.raises(r.errors.StageError):
        backend.store.handle(case_id, r.AcceptCase(actor=STAFF, at=events[-1].at))
    flow = Flow()
    backend.store.append("case-1", flow.events, 0)
    backend.store.handle("case-1", r.AcceptCase(actor=STAFF, at=flow.now))
    with pytest.raises(RuleViolation):
        backend.store.handle("case-1", r.GiveConsent(actor=party_actor("harmed"), at=flow.now, party_id="harmed"))
    assert before == backend.store.history(case_id)
    assert 2 == len(backend.store.history("case-1"))


def test_unknown_cases_are_not_found(backend: Backend) -> None:
    with pytest.raises(CaseNotFound):
        backend.store.load("nope")
    with pytest.raises(CaseNotFound):
        backend.store.handle("nope", r.AcceptCase(actor=STAFF, at=Flow().now))


@pytest.mark.parametrize(
    ("damage", "args", "sequence"),
    [
        ("edit", (5, '{"type":"PartyInformed"}'), 5),
        ("delete", (7,), 7),
        ("swap", (3, 4), 3),
        ("delete", (37,), 36),
    ],
    ids=["edited", "deleted", "reordered", "truncated"],
)
def test_tampering_is_detected_and_named(backend: Backend, damage: str, args: tuple[Any, ...], sequence: int) -> None:
    case_id, _ = _stored_demo(backend.store)
    backend.store.append("case-1", Flow().events, 0)
    backend.tamper(damage, case_id, args)
    with pytest.raises(IntegrityError) as caught:
        backend.store.verify(case_id)
    assert (case_id, sequence) == (caught.value.case_id, caught.value.sequence)
    problems = backend.store.verify_all()
    assert [case_id] == [getattr(p, "case_id", None) for p in problems]
    backend.store.verify("case-1")
    without_snapshots(backend.store)  # a load that replays checks the whole chain too
    with pytest.raises(IntegrityError) as caught:
        backend.store.load(case_id)
    assert (case_id, sequence) == (caught.value.case_id, caught.value.sequence)


def without_snapshots(store: EventStore) -> None:
    """Make an SQL store load by replaying the whole chain (the memory store always does)."""
    if hasattr(store, "snapshots"):
        store.snapshots = False


@pytest.mark.parametrize(
    ("column", "value", "named"),
    [
        ("stage", r.Stage.CONSENT, "stage"),
        ("kind", r.CaseKind.CIVIL, "kind"),
        ("updated_at", datetime(2020, 1, 1, tzinfo=UTC), "last change"),
    ],
    ids=["stage", "kind", "last-change"],
)
def test_an_edited_listing_row_is_found_by_verify(backend: Backend, column: str, value: Any, named: str) -> None:
    case_id, events = _stored_demo(backend.store)
    backend.store.append("case-1", Flow().events, 0)
    backend.tamper("listing", case_id, (column, value))
    with pytest.raises(IntegrityError, match=f"listing row says {named}") as caught:
        backend.store.verify(case_id)
    assert (case_id, len(events)) == (caught.value.case_id, caught.value.sequence)
    assert [case_id] == [getattr(p, "case_id", None) for p in backend.store.verify_all()]
    assert r.replay(events) == backend.store.load(case_id)  # the chain-checked case is still the true one


def test_verify_while_another_writer_appends_reports_nothing(backend: Backend) -> None:
    _, events = _demo.fulfilled_case("case-live")
    backend.store.append("case-live", events[:1], 0)
    problems: list[Exception] = []
    done = threading.Event()

    def write() -> None:
        try:
            for n, event in enumerate(events[1:], start=1):
                backend.second.append("case-live", [event], n)
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    checks = 0
    while not done.is_set() or checks == 0:
        try:
            backend.store.verify("case-live")
        except IntegrityError as error:  # a newer listing row than the events read is not tampering
            problems.append(error)
        checks += 1
    writer.join()
    assert problems == []
    backend.store.verify("case-live")


@pytest.mark.parametrize(("damage", "sequence"), [("append", 38), ("wipe", 1)], ids=["row-added", "all-deleted"])
def test_rows_added_or_all_deleted_are_found_by_verify(backend: Backend, damage: str, sequence: int) -> None:
    case_id, _ = _stored_demo(backend.store)
    backend.tamper(damage, case_id, ())
    with pytest.raises(IntegrityError) as caught:
        backend.store.verify(case_id)
    assert sequence == caught.value.sequence
    assert [case_id] == [getattr(p, "case_id", None) for p in backend.store.verify_all()]


def test_garbage_in_a_row_names_case_and_sequence(backend: Backend) -> None:
    case_id, _ = _stored_demo(backend.store)
    # garbage whose hash is right: the chain holds, the content cannot be read
    history = backend.store.history(case_id)
    from restorative.store._chain import link

    garbage = "{not json"
    backend.tamper("edit", case_id, (1, garbage))
    if isinstance(backend.store, MemoryStore):
        rows = backend.store._rows[case_id]
        rows[0] = (1, garbage, link("", case_id, 1, garbage))
    without_snapshots(backend.store)
    with pytest.raises(IntegrityError) as caught:
        backend.store.load(case_id)
    assert 1 == caught.value.sequence
    assert case_id in str(caught.value)
    assert history[1:] != []


def test_two_writers_at_the_same_version_exactly_one_wins(backend: Backend) -> None:
    """Two writers (on two connections where the backend has them) append at one version."""
    flow = Flow().to_consent()
    store = backend.store
    store.append("case-1", flow.events, 0)
    version = len(flow.events)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(writer: EventStore, party: str) -> None:
        events = r.decide(flow.case, r.InformParty(actor=MEDIATOR, at=flow.now, party_id=party))
        barrier.wait()
        try:
            writer.append("case-1", events, version)
            outcomes.append("won")
        except ConcurrencyError:
            outcomes.append("lost")

    writers = ((backend.store, "harmed"), (backend.second, "resp"))
    threads = [threading.Thread(target=write, args=pair) for pair in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ["lost", "won"] == sorted(outcomes)
    assert version + 1 == len(store.history("case-1"))


def test_retry_reloads_and_lands_every_command(backend: Backend) -> None:
    flow = Flow().to_consent()
    store = backend.store
    store.append("case-1", flow.events, 0)
    start = flow.now

    def inform(party: str) -> None:
        retry(lambda: store.handle("case-1", r.InformParty(actor=MEDIATOR, at=start, party_id=party)), attempts=50)

    threads = [threading.Thread(target=inform, args=(p,)) for p in ("harmed", "resp")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    case = store.load("case-1")
    assert all(p.informed for p in case.parties)
    assert len(flow.events) + 2 == case.version


def test_many_threads_on_many_cases_lose_and_duplicate_nothing(backend: Backend) -> None:
    store = backend.store
    flows = {f"case-{n}": Flow(case_id=f"case-{n}") for n in range(6)}
    for case_id, flow in flows.items():
        store.append(case_id, flow.events, 0)
    start = Flow().now

    def work(case_id: str, party: str) -> None:
        retry(lambda: store.handle(case_id, r.InformParty(actor=STAFF, at=start, party_id=party)), attempts=100)

    threads = []
    for case_id in flows:
        store.handle(case_id, r.AcceptCase(actor=STAFF, at=start))
        threads += [threading.Thread(target=work, args=(case_id, p)) for p in ("harmed", "resp")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for case_id in flows:
        history = store.history(case_id)
        informed = [s.event.party_id for s in history if isinstance(s.event, r.PartyInformed)]
        assert ["harmed", "resp"] == sorted(informed)
        assert list(range(1, len(history) + 1)) == [s.sequence for s in history]
    assert [] == store.verify_all()


def test_append_many_writes_several_cases_in_one_go_or_none(backend: Backend) -> None:
    store = backend.store
    flows = {f"case-{n}": Flow(case_id=f"case-{n}") for n in range(3)}
    batches: list[tuple[str, list[r.Event], int]] = []
    for case_id, flow in flows.items():
        opened = flow.events[0]
        batches.append((case_id, [opened, r.CaseAccepted(actor=STAFF, at=opened.at)], 0))
    assert [2, 2, 2] == store.append_many(batches)
    assert {r.Stage.CONSENT} == {s.stage for s in store.cases()}
    late = r.StaffAssigned(actor=STAFF, at=flows["case-0"].now, staff_id="staff-9")
    with pytest.raises(ConcurrencyError):
        store.append_many([("case-0", [late], 2), ("case-1", [late], 1)])
    assert [2, 2, 2] == [s.version for s in sorted(store.cases(), key=lambda s: s.case_id)]
    # one batch may continue the same case twice, each at the version the one before leaves
    assert [3, 4, 3] == store.append_many([("case-0", [late], 2), ("case-0", [late], 3), ("case-1", [late], 2)])
    assert 4 == len(store.history("case-0"))


def test_two_values_in_one_row_are_not_read_as_two_events() -> None:
    """Rows are parsed together for speed; a row that holds two JSON objects must not shift the rest."""
    from restorative.store._chain import GENESIS, link

    store = MemoryStore()
    case_id, _ = _stored_demo(store)
    rows = store._rows[case_id]
    doubled = rows[1][1] + "," + rows[1][1]
    relinked = []
    previous = GENESIS
    for sequence, text, _hash in rows:
        data = doubled if sequence == 2 else text
        previous = link(previous, case_id, sequence, data)
        relinked.append((sequence, data, previous))
    store._rows[case_id] = relinked
    store._heads[case_id] = previous
    with pytest.raises(IntegrityError) as caught:
        store.load(case_id)
    assert caught.value.sequence == 2
    assert "cannot be read" in str(caught.value)
