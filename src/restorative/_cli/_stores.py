"""The commands that read and write a database of cases: demo, inspect, cases and purge."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import attrs

from .._demo import fulfilled_case, withdrawn_case
from .._lifecycle import Stage
from .._timeline import describe, timeline
from ..errors import CaseNotFound, IntegrityError, NotPermitted, StoreError
from ..store import SQLiteStore

DEFAULT_DB = "restorative.db"


def run_demo(args: argparse.Namespace) -> int:
    """`restorative demo`: two realistic cases end to end, stored, with their timelines."""
    store = SQLiteStore(args.db)
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
    print(f"\nStored in {args.db}; try: restorative cases --db {args.db}")
    store.close()
    return 0


def _existing(path: str, *, read_only: bool = True) -> SQLiteStore:
    """Open a store that must already exist and be ours: a mistyped --db creates nothing, and
    another application's SQLite file (or any other file) is left exactly as it is."""
    if not os.path.isfile(path):
        raise StoreError(f"no database at {path}; run `restorative demo --db {path}` to create one")
    try:
        probe = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            ours = probe.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'restorative_schema'"
            ).fetchone()
        finally:
            probe.close()
    except sqlite3.Error as error:
        raise StoreError(f"{path} is not a restorative database: {error}") from error
    if ours is None:
        raise StoreError(f"{path} is not a restorative database (it has no restorative_schema table)")
    return SQLiteStore(path, read_only=read_only)


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
        print(f"error: {error} in {args.db}", file=sys.stderr)
        return 1
    except IntegrityError as error:
        print(f"INTEGRITY FAILURE in {args.db}: {error}", file=sys.stderr)
        return 2
    print(f"case {case.id}: {case.kind.value}, stage {case.stage.value}, {case.version} events")
    for stored in history:
        event = stored.event
        print(f"{stored.sequence:>4}  {event.at:%Y-%m-%d %H:%M}  {event.actor.id:<14} {describe(event)}")
    print(f"hash chain verified: {len(history)} events, head {history[-1].hash[:16]}…")
    return 0


def run_cases(args: argparse.Namespace) -> int:
    """`restorative cases`: the stored cases by stage."""
    store = _existing(args.db)
    stage = Stage(args.stage) if args.stage else None
    summaries = store.cases(stage=stage)
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
