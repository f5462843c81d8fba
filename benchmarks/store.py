"""Benchmark of the event stores: durable appends vs bare SQLite, single commands, loads among many events.

Run: ``python benchmarks/store.py`` (one to two minutes; loads among 1,000,000 stored events)
or ``--quick`` (under a minute; 100,000 events). Databases live in a temporary
directory that is removed afterwards. Every ratio is the median of ratios between
samples taken moments apart, round by round.

The comparison with the `eventsourcing` package needs it installed in the same
environment (``pip install eventsourcing``); it is never a dependency of restorative,
and its figures are null without it. PostgreSQL figures are taken when
`restorative.store` offers a `PostgresStore` and ``RESTORATIVE_PG_DSN`` names a
reachable server; the cases it writes there have ids unique to the run.

``sqlite_load_30_us`` loads from the case's snapshot (the default); ``sqlite_load_30_replay_us``
is the same load by a store opened with ``snapshots=False``, which reads every row, checks
the whole chain and replays, with its cache of decoded events emptied before each load
(``sqlite_load_30_warm_us`` keeps that cache). ``replay_30_us`` is `replay` alone of the same
30 events, already decoded. ``check_events_per_s`` is `verify_all` over the whole database:
every chain re-hashed, every case replayed and compared with its listing and snapshot.

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
from _timing import CLOCK, interleaved

import restorative.store
from restorative import _demo, replay
from restorative.events import CaseReferred, Event
from restorative.store import SQLiteStore, _snapshot
from restorative.store._chain import GENESIS, PLAIN, encode

_EVENTS_SQL = (
    "INSERT INTO restorative_events (case_id, sequence, type, at, actor, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_CASES_SQL = (
    "INSERT INTO restorative_cases (case_id, kind, stage, version, updated_at, head, snapshot, snapshot_seal)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_RAW_TABLE = """CREATE TABLE raw_events (
    case_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    type TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    data TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (case_id, sequence)
) WITHOUT ROWID"""
_RAW_SQL = "INSERT INTO raw_events (case_id, sequence, type, at, actor, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
LOAD_EVENTS = 30
"""The size of the case whose load is measured: the first 30 events of the demo case, a valid prefix."""


def timed_ms(fn: Callable[[], object]) -> float:
    """The time of one call of `fn`, in ms."""
    start = CLOCK()
    fn()
    return (CLOCK() - start) / 1e6


def _template() -> list[Event]:
    _, events = _demo.fulfilled_case()
    return events


def demo_events(case_id: str, template: Sequence[Event]) -> list[Event]:
    """The demo's fulfilled case under another id: only its first event names the case."""
    first = template[0]
    assert isinstance(first, CaseReferred)
    return [attrs.evolve(first, case_id=case_id), *template[1:]]


def _sqlite_connect(path: Path) -> sqlite3.Connection:
    """A connection with the store's own settings: autocommit mode, WAL, full sync."""
    connection = sqlite3.connect(str(path), isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    return connection


# --- appends ------------------------------------------------------------------------


def append_samples(
    tmp: Path, cases_per_round: int, *, batched: bool = False
) -> tuple[Callable[[], float], Callable[[], float], Callable[[], None]]:
    """Samples of events per second: our appends vs bare `executemany` of the same rows.

    Each sample writes `cases_per_round` new cases of the demo's 37 events to each side;
    the event lists and the raw rows are built before the clock starts. With `batched`,
    each side commits the whole sample at once (`SQLiteStore.append_many`); otherwise
    every case is committed on its own (`SQLiteStore.append`).
    """
    store = SQLiteStore(tmp / "append.db")
    raw = _sqlite_connect(tmp / "raw.db")
    raw.execute(_RAW_TABLE)
    template = _template()
    counter = iter(range(10**9))

    def store_sample() -> float:
        batches = [
            (f"a-{i:07d}", demo_events(f"a-{i:07d}", template)) for i in (next(counter) for _ in range(cases_per_round))
        ]
        start = CLOCK()
        if batched:
            store.append_many([(case_id, events, 0) for case_id, events in batches])
        else:
            for case_id, events in batches:
                store.append(case_id, events, 0)
        elapsed = CLOCK() - start
        return sum(len(events) for _, events in batches) / (elapsed / 1e9)

    def raw_sample() -> float:
        batches = []
        for i in (next(counter) for _ in range(cases_per_round)):
            case_id = f"r-{i:07d}"
            rows, _ = encode(case_id, demo_events(case_id, template), 0, GENESIS)
            batches.append(rows)
        start = CLOCK()
        if batched:
            raw.execute("BEGIN IMMEDIATE")
            for rows in batches:
                raw.executemany(_RAW_SQL, rows)
            raw.execute("COMMIT")
        else:
            for rows in batches:
                raw.execute("BEGIN IMMEDIATE")
                raw.executemany(_RAW_SQL, rows)
                raw.execute("COMMIT")
        elapsed = CLOCK() - start
        return sum(len(rows) for rows in batches) / (elapsed / 1e9)

    def close() -> None:
        store.close()
        raw.close()

    return store_sample, raw_sample, close


def append_one(tmp: Path, cases: int) -> tuple[float, float]:
    """Median ms of one command through `store.handle`, and of one single-event `append`, each committed.

    `handle` loads the case, decides and appends, so it includes replaying the case so far:
    the commands are those of the demo's fulfilled case, from referral to closing.
    """
    store = SQLiteStore(tmp / "one.db")
    template = _template()
    handle_ms: list[float] = []
    single_ms: list[float] = []
    try:
        for n in range(cases):
            case_id = f"h-{n:05d}"
            commands, _ = _demo.fulfilled_case(case_id)
            for command in commands:
                handle_ms.append(timed_ms(functools.partial(store.handle, case_id, command)))
            case_id = f"s-{n:05d}"
            for version, event in enumerate(demo_events(case_id, template)):
                single_ms.append(timed_ms(functools.partial(store.append, case_id, [event], version)))
    finally:
        store.close()
    return statistics.median(handle_ms), statistics.median(single_ms)


# --- the personal-data vault ---------------------------------------------------------


def vault_samples(
    tmp: Path, cases_per_round: int, loads: int, per_sample: int, rng: random.Random
) -> tuple[Callable[[], float], Callable[[], float], Callable[[], float], Callable[[], float], Callable[[], None]]:
    """Appends (batched, events per second) and cold loads of 30-event cases (µs), with and without a vault.

    The same demo events on both sides; with the vault, every birth date in a `CaseReferred`
    is sealed with its party's own key on append (and the key made in the same
    transaction), and opened again on load. Returns the vault append, plain append, vault
    load and plain load samplers, and a closer.
    """
    from restorative.privacy import MasterKey, Vault  # its Vault needs restorative[privacy]: ImportError otherwise

    plain = SQLiteStore(tmp / "plain.db")
    vaulted = SQLiteStore(tmp / "vaulted.db")
    Vault(vaulted, MasterKey.generate())
    template = _template()
    counter = iter(range(10**9))
    for side in (plain, vaulted):
        side.append_many([(f"l-{i:05d}", demo_events(f"l-{i:05d}", template)[:LOAD_EVENTS], 0) for i in range(loads)])
    ids = [f"l-{i:05d}" for i in range(loads)]

    def appender(store: SQLiteStore) -> Callable[[], float]:
        def sample() -> float:
            batches = [
                (f"v-{i:07d}", demo_events(f"v-{i:07d}", template))
                for i in (next(counter) for _ in range(cases_per_round))
            ]
            start = CLOCK()
            store.append_many([(case_id, events, 0) for case_id, events in batches])
            return sum(len(events) for _, events in batches) / ((CLOCK() - start) / 1e9)

        return sample

    def close() -> None:
        plain.close()
        vaulted.close()

    return (
        appender(vaulted),
        appender(plain),
        load_sample(vaulted, ids, per_sample, rng),
        load_sample(plain, ids, per_sample, rng),
        close,
    )


# --- loads among many events -----------------------------------------------------------


def _case_rows(case_id: str, events: Sequence[Event]) -> tuple[list[tuple[Any, ...]], tuple[Any, ...]]:
    """The event rows and the listing row (with its snapshot) the store's `append` would write for a new case."""
    rows, head = encode(case_id, events, 0, GENESIS)
    case = replay(events)
    text, seal = _snapshot.write(case, head, PLAIN, None)
    return rows, (
        case_id,
        case.kind.value,
        case.stage.value,
        len(events),
        case.updated_at.isoformat(),
        head,
        text,
        seal,
    )


def fill(path: Path, total_events: int, targets: int) -> tuple[list[str], int]:
    """A store database of at least `total_events` valid events, written straight from encoded rows.

    `targets` cases hold the first 30 events of the demo case, spread evenly among filler
    cases of its 37 events, in key order. Filling skips the store and fsync (it is not
    measured); every chain is a real one, built by the store's own `encode`.

    Returns:
        The ids of the 30-event cases, and how many events are stored.
    """
    SQLiteStore(path).close()  # the schema, by the store's own migration
    template = _template()
    filler_cases = -(-(total_events - targets * LOAD_EVENTS) // len(template))
    every = max(1, (filler_cases + targets) // targets)
    target_ids: list[str] = []
    stored = 0

    def cases() -> Iterator[tuple[str, list[Event]]]:
        made_targets = made_fillers = 0
        n = 0
        while made_targets < targets or made_fillers < filler_cases:
            case_id = f"c-{n:08d}"
            n += 1
            if made_targets < targets and (n % every == 0 or made_fillers >= filler_cases):
                made_targets += 1
                target_ids.append(case_id)
                yield case_id, demo_events(case_id, template)[:LOAD_EVENTS]
            elif made_fillers < filler_cases:
                made_fillers += 1
                yield case_id, demo_events(case_id, template)

    connection = sqlite3.connect(str(path), isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-200000")
    try:
        chunk_rows: list[tuple[Any, ...]] = []
        chunk_cases: list[tuple[Any, ...]] = []
        for case_id, events in cases():
            rows, listing = _case_rows(case_id, events)
            chunk_rows.extend(rows)
            chunk_cases.append(listing)
            if len(chunk_rows) >= 50_000:
                stored += _write(connection, chunk_rows, chunk_cases)
                chunk_rows, chunk_cases = [], []
        stored += _write(connection, chunk_rows, chunk_cases)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return target_ids, stored


def _write(connection: sqlite3.Connection, rows: list[tuple[Any, ...]], listings: list[tuple[Any, ...]]) -> int:
    connection.execute("BEGIN")
    connection.executemany(_EVENTS_SQL, rows)
    connection.executemany(_CASES_SQL, listings)
    connection.execute("COMMIT")
    return len(rows)


def load_sample(
    store: Any, case_ids: Sequence[str], per_sample: int, rng: random.Random, *, cold: bool = True
) -> Callable[[], float]:
    """One sample: the median µs of `store.load` over `per_sample` random cases of `case_ids`.

    `cold` empties the store's cache of decoded events before each load, so every row is
    parsed and decoded again: the honest comparison with a recorder that keeps no cache.
    """

    def sample() -> float:
        times = []
        for case_id in rng.sample(list(case_ids), per_sample):
            if cold and hasattr(store, "_decoded"):
                store._decoded.events.clear()
            start = CLOCK()
            case = store.load(case_id)
            times.append((CLOCK() - start) / 1000)
            assert case.version == LOAD_EVENTS
        return statistics.median(times)

    return sample


# --- eventsourcing ---------------------------------------------------------------------


def _eventsourcing_classes() -> tuple[Any, Any] | None:
    """The `eventsourcing` Application class and an aggregate whose events carry our event data; None if absent."""
    try:
        application = importlib.import_module("eventsourcing.application")
        domain = importlib.import_module("eventsourcing.domain")
    except ImportError:
        return None
    event = domain.event

    def refer(self: Any, data: dict[str, Any]) -> None:
        self.log = [data]

    def record(self: Any, data: dict[str, Any]) -> None:
        self.log.append(data)

    refer.__name__ = "__init__"  # eventsourcing knows the creation event by the method's name
    aggregate = type(
        "MediationCase",
        (domain.Aggregate,),
        {"__init__": event("Referred")(refer), "record": event("Recorded")(record), "__module__": __name__},
    )
    return application.Application, aggregate


def _thirty_datas() -> list[dict[str, Any]]:
    """Our 30 events' JSON as dictionaries: the payload each eventsourcing event carries."""
    rows, _ = encode("es", _template()[:LOAD_EVENTS], 0, GENESIS)
    return [json.loads(row[5]) for row in rows]


class EventSourcingSide:
    """The same 30-event case in `eventsourcing`'s SQLite recorder: saves and rebuilds."""

    def __init__(self, path: Path, classes: tuple[Any, Any], rng: random.Random) -> None:
        app_class, self.aggregate = classes
        self.app = app_class(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
        self.datas = _thirty_datas()
        self.ids: list[Any] = []
        self.rng = rng

    def new(self) -> Any:
        case = self.aggregate(self.datas[0])
        for data in self.datas[1:]:
            case.record(data)
        return case

    def save_sample(self, per_sample: int) -> float:
        """The median µs of saving a new 30-event aggregate (its 30 pending events in one transaction)."""
        cases = [self.new() for _ in range(per_sample)]
        times = []
        for case in cases:
            start = CLOCK()
            self.app.save(case)
            times.append((CLOCK() - start) / 1000)
            self.ids.append(case.id)
        return statistics.median(times)

    def load_sample(self, per_sample: int) -> float:
        """The median µs of `repository.get` of random stored 30-event aggregates."""
        times = []
        for case_id in self.rng.sample(self.ids, per_sample):
            start = CLOCK()
            case = self.app.repository.get(case_id)
            times.append((CLOCK() - start) / 1000)
            assert case.version == LOAD_EVENTS
        return statistics.median(times)


def our_save_sample(store: SQLiteStore, per_sample: int) -> Callable[[], float]:
    """One sample: the median µs of `append` of a new 30-event case, the counterpart of an eventsourcing save."""
    template = _template()
    counter = iter(range(10**9))

    def sample() -> float:
        batches = [
            (f"e-{i:07d}", demo_events(f"e-{i:07d}", template)[:LOAD_EVENTS])
            for i in (next(counter) for _ in range(per_sample))
        ]
        times = []
        for case_id, events in batches:
            start = CLOCK()
            store.append(case_id, events, 0)
            times.append((CLOCK() - start) / 1000)
        return statistics.median(times)

    return sample


# --- PostgreSQL ------------------------------------------------------------------------


def postgres(cases: int, loads: int) -> tuple[float | None, float | None, str]:
    """Events per second appended and median µs of loading a 30-event case, or Nones and why."""
    dsn = os.environ.get("RESTORATIVE_PG_DSN")
    if not hasattr(restorative.store, "PostgresStore"):
        return None, None, "restorative.store has no PostgresStore"
    if not dsn:
        return None, None, "RESTORATIVE_PG_DSN is not set"
    try:
        store = restorative.store.PostgresStore(dsn)
    except Exception as error:  # an unreachable server leaves the figures null, it does not fail the run
        return None, None, f"cannot connect: {error}"
    try:
        run = uuid.uuid4().hex[:12]
        template = _template()
        batches = [(f"bench-{run}-a-{i:06d}", demo_events(f"bench-{run}-a-{i:06d}", template)) for i in range(cases)]
        start = CLOCK()
        for case_id, events in batches:
            store.append(case_id, events, 0)
        per_s = sum(len(events) for _, events in batches) / ((CLOCK() - start) / 1e9)
        thirty = [f"bench-{run}-l-{i:06d}" for i in range(max(loads, 100))]
        for case_id in thirty:
            store.append(case_id, demo_events(case_id, template)[:LOAD_EVENTS], 0)
        load_us = load_sample(store, thirty, loads, random.Random(7))()
    finally:
        close = getattr(store, "close", None)
        if close is not None:
            close()
    return per_s, load_us, "measured"


# --- the run ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smaller run, under 60 s")
    args = parser.parse_args()
    quick: bool = args.quick
    rounds = 20 if quick else 60
    cases_per_round = 25 if quick else 50
    one_cases = 4 if quick else 15
    total_events = 100_000 if quick else 1_000_000
    targets = 300 if quick else 1_000
    per_sample = 15 if quick else 25
    es_cases = rounds * per_sample
    rng = random.Random(2026)

    with tempfile.TemporaryDirectory(prefix="restorative-bench-") as name:
        tmp = Path(name)

        store_fn, raw_fn, close = append_samples(tmp, cases_per_round, batched=True)
        try:
            store_fn(), raw_fn()  # warm up: first pages, statement cache
            append_per_s, raw_per_s, append_ratio = interleaved(store_fn, raw_fn, rounds)
        finally:
            close()
        (tmp / "single").mkdir()
        store_fn, raw_fn, close = append_samples(tmp / "single", cases_per_round)
        try:
            store_fn(), raw_fn()
            single_per_s, single_raw_per_s, single_ratio = interleaved(store_fn, raw_fn, rounds)
        finally:
            close()

        one_ms, one_event_ms = append_one(tmp, one_cases)

        vault_append: float | None = None
        vault_over_plain_append: float | None = None
        vault_load: float | None = None
        vault_over_plain_load: float | None = None
        try:
            (tmp / "vault").mkdir()
            sides = vault_samples(tmp / "vault", cases_per_round, 200, per_sample, random.Random(11))
        except ImportError:
            sides = None  # restorative[privacy] is not installed
        if sides is not None:
            v_append, p_append, v_load, p_load, close = sides
            try:
                v_append(), p_append(), v_load(), p_load()
                vault_append, _, vault_over_plain_append = interleaved(v_append, p_append, rounds)
                vault_load, _, vault_over_plain_load = interleaved(v_load, p_load, rounds)
            finally:
                close()

        start = time.perf_counter()
        target_ids, stored = fill(tmp / "load.db", total_events, targets)
        fill_s = time.perf_counter() - start
        store = SQLiteStore(tmp / "load.db")
        save_store = SQLiteStore(tmp / "save.db")
        try:
            ours_load = load_sample(store, target_ids, per_sample, rng)
            ours_save = our_save_sample(save_store, per_sample)
            ours_load(), ours_save()  # warm up
            classes = _eventsourcing_classes()
            es_save: float | None = None
            es_load: float | None = None
            speedup: float | None = None
            if classes is None:
                our_save = statistics.median(ours_save() for _ in range(rounds))
                load_us = statistics.median(ours_load() for _ in range(rounds))
            else:
                es = EventSourcingSide(tmp / "eventsourcing.db", classes, rng)
                our_save, es_save, _ = interleaved(ours_save, lambda: es.save_sample(per_sample), rounds)
                while len(es.ids) < es_cases:
                    es.save_sample(per_sample)
                es.load_sample(per_sample)  # warm up
                es_load, load_us, speedup = interleaved(lambda: es.load_sample(per_sample), ours_load, rounds)
            thirty = [stored_event.event for stored_event in store.history(target_ids[0])]

            def replay_sample() -> float:
                times = []
                for _ in range(per_sample):
                    start = CLOCK()
                    replay(thirty)
                    times.append((CLOCK() - start) / 1000)
                return statistics.median(times)

            replay_us, _, replay_share = interleaved(replay_sample, ours_load, rounds)
            replaying = SQLiteStore(tmp / "load.db", snapshots=False)
            replay_load = load_sample(replaying, target_ids, per_sample, rng)
            replay_load_us, _, replay_over_snapshot = interleaved(replay_load, ours_load, rounds)
            for case_id in target_ids:  # every target once: the cache of decoded events holds them all
                replaying.load(case_id)
            warm_us = statistics.median(
                load_sample(replaying, target_ids, per_sample, rng, cold=False)() for _ in range(rounds)
            )
            replaying.close()
            start = time.perf_counter()
            problems = store.verify_all()
            check_s = time.perf_counter() - start
            assert problems == [], problems
        finally:
            store.close()
            save_store.close()

    pg_per_s, pg_load, pg_note = postgres(cases=rounds * cases_per_round // 4, loads=per_sample * 4)

    def rounded(value: float | None, digits: int | None) -> float | None:
        return None if value is None else round(value, digits)

    figures = {
        "sqlite_append_events_per_s": round(append_per_s),
        "raw_sqlite_events_per_s": round(raw_per_s),
        "append_over_raw": round(append_ratio, 3),
        "append_events_per_commit": len(_template()) * cases_per_round,
        "sqlite_append_one_case_per_commit_events_per_s": round(single_per_s),
        "raw_one_case_per_commit_events_per_s": round(single_raw_per_s),
        "append_over_raw_one_case_per_commit": round(single_ratio, 3),
        "sqlite_append_one_ms": round(one_ms, 3),
        "sqlite_append_one_event_ms": round(one_event_ms, 3),
        "sqlite_load_30_us": round(load_us, 1),
        "sqlite_load_30_replay_us": round(replay_load_us, 1),
        "replay_load_over_snapshot_load": round(replay_over_snapshot, 2),
        "sqlite_load_30_warm_us": round(warm_us, 1),
        "check_events_per_s": round(stored / check_s),
        "replay_30_us": round(replay_us, 1),
        "replay_share_of_load": round(replay_share, 3),
        "load_stored_events": stored,
        "load_fill_s": round(fill_s, 1),
        "sqlite_append_30_us": round(our_save, 1),
        "eventsourcing_save_30_us": rounded(es_save, 1),
        "eventsourcing_load_30_us": rounded(es_load, 1),
        "load_speedup_vs_eventsourcing": rounded(speedup, 2),
        "eventsourcing_stored_events": None if classes is None else es_cases * LOAD_EVENTS,
        "vault_append_events_per_s": rounded(vault_append, None),
        "vault_append_over_plain": rounded(vault_over_plain_append, 3),
        "vault_load_30_us": rounded(vault_load, 1),
        "vault_load_over_plain": rounded(vault_over_plain_load, 3),
        "pg_append_events_per_s": rounded(pg_per_s, None),
        "pg_load_30_us": rounded(pg_load, 1),
        "pg": pg_note,
        "quick": quick,
    }
    for key, value in figures.items():
        print(f"{key:>30}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
