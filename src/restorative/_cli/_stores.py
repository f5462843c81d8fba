"""The commands that read and write a database of cases: demo, inspect, cases and purge."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import attrs

from .._demo import fulfilled_case, withdrawn_case
from .._lifecycle import Stage
from .._timeline import describe, timeline
from ..errors import CaseNotFound, IntegrityError, NotPermitted, StoreError
from ..store import SQLiteStore, open_store
from ..store._open import display, is_address

if TYPE_CHECKING:
    from ..store import PostgresStore

DEFAULT_DB = "restorative.db"


def run_demo(args: argparse.Namespace) -> int:
    """`restorative demo`: two realistic cases end to end, stored, with their timelines."""
    store = open_store(args.db)
    try:
        _stories(store)
    finally:
        store.close()
    print(f"\nStored in {display(args.db)}; try: restorative cases --db {_quoted(args.db)}")
    return 0


def _stories(store: SQLiteStore | PostgresStore) -> None:
    stories = (
        ("A criminal case referred by the prosecution, ending fulfilled", fulfilled_case, "demo-2026-0117"),
        ("A case in which a party withdraws during preparation", withdrawn_case, "demo-2026-0231"),
    )
    taken = {s.case_id for s in store.cases()}
    for number, (title, story, base_id) in enumerate(stories, start=1):
        case_id, run = base_id, 1
        while case_id in taken:  # each run of the demo stores its cases under fresh ids
            run += 1
            case_id = f"{base_id}-{run}"
        commands, _ = story(case_id)
        for command in commands:
            store.handle(case_id, command)
        case = store.load(case_id)
        if number > 1:
            print()
        print(f"== {number}. {title}: case {case.id}")
        print(timeline(s.event for s in store.history(case_id)))
        print(f"-> final stage: {case.stage.value} after {case.version} events")


def _existing(db: str, *, read_only: bool = True) -> SQLiteStore | PostgresStore:
    """Open a store that must already exist and be ours: a mistyped --db creates nothing, and
    another application's SQLite file (or any other file) is left exactly as it is."""
    if not is_address(db) and not os.path.isfile(db):
        raise StoreError(f"no database at {display(db)}; run `restorative demo --db {_quoted(db)}` to create one")
    store = open_store(db, read_only=True)  # refuses what is not ours without writing to it
    if read_only:
        return store
    store.close()
    return open_store(db)


def _quoted(db: str) -> str:
    """`db` as a shell word in a hint, without a PostgreSQL password."""
    return shlex.quote(display(db))


def run_inspect(args: argparse.Namespace) -> int:
    """`restorative inspect`: one stored case's timeline, with its hash chain verified."""
    store = _existing(args.db)
    try:
        store.verify(args.case_id)  # the chain, rows beyond its end, and the listing row
        history = store.history(args.case_id)
        case = store.load(args.case_id)
        if args.actor is not None:  # R14 for reads: only what this actor may see
            from ..privacy import Reader  # noqa: PLC0415

            reader = Reader(store)
            case = reader.load(args.case_id, args.actor)
            events = reader.history(args.case_id, args.actor)
            history = [attrs.evolve(stored, event=event) for stored, event in zip(history, events, strict=True)]
    except NotPermitted as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except CaseNotFound as error:
        print(f"error: {error} in {display(args.db)}", file=sys.stderr)
        return 1
    except IntegrityError as error:
        print(f"INTEGRITY FAILURE in {display(args.db)}: {error}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"case {case.id}: {case.kind.value}, stage {case.stage.value}, {case.version} events")
    for stored in history:
        event = stored.event
        print(f"{stored.sequence:>4}  {event.at:%Y-%m-%d %H:%M}  {event.actor.id:<14} {describe(event)}")
    print(f"hash chain verified: {len(history)} events, head {history[-1].hash[:16]}…")
    return 0


def run_cases(args: argparse.Namespace) -> int:
    """`restorative cases`: the stored cases by stage."""
    stage = Stage(args.stage) if args.stage else None
    store = _existing(args.db)
    try:
        summaries = store.cases(stage=stage)
    finally:
        store.close()
    if not summaries:
        print("no cases stored" + (f" in stage {stage.value}" if stage else ""))
        return 0
    by_stage: dict[Stage, int] = {}
    for summary in summaries:
        by_stage[summary.stage] = by_stage.get(summary.stage, 0) + 1
    print("  ".join(f"{s.value}: {n}" for s, n in sorted(by_stage.items(), key=lambda kv: kv[0].value)))
    for summary in summaries:
        print(
            f"{summary.case_id:<24} {summary.kind.value:<9} {summary.stage.value:<13}"
            f" {summary.version:>4} events  last change {summary.updated_at:%Y-%m-%d %H:%M}"
        )
    return 0


def date(text: str) -> datetime:
    """A date (midnight UTC) or a zoned date and time, from the command line."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-06-01, not {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def run_purge(args: argparse.Namespace) -> int:
    """`restorative purge`: erase the personal data of closed cases whose retention is over."""
    from ..privacy import Vault, purge  # noqa: PLC0415 - the privacy extra is needed only here

    store = _existing(args.db, read_only=args.dry_run)
    try:
        now = datetime.now(UTC)
        before = args.before or now
        vault = Vault(store, None) if Vault.exists(store) else None  # a dry run creates no tables
        done = purge(store, vault, before=before, now=now, dry_run=args.dry_run)
    finally:
        store.close()
    print(done.summary())
    return 0
