"""The commands that read and write a database of cases: demo, inspect, cases, check and purge."""

from __future__ import annotations

import argparse
import os
import shlex
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import attrs

from .._demo import fulfilled_case, withdrawn_case
from .._lifecycle import Stage
from .._timeline import describe, iso_utc, moment, timeline
from ..errors import CaseNotFound, IntegrityError, NotPermitted, StoreError
from ..store import SQLiteStore, open_store
from ..store._open import display, is_address
from ._output import document, fail, one_line

if TYPE_CHECKING:
    from ..store import PostgresStore

DEFAULT_DB = "restorative.db"


def run_demo(args: argparse.Namespace) -> int:
    """`restorative demo`: two realistic cases end to end, stored, with their timelines.

    Run again on the same database, it stores two more cases under fresh ids, and says so first.
    """
    store = open_store(args.db)
    try:
        _stories(store, display(args.db))
    finally:
        store.close()
    print(f"\nStored in {display(args.db)}; try: restorative cases --db {_quoted(args.db)}")
    return 0


_STORIES = (
    ("A criminal case referred by the prosecution, ending fulfilled", fulfilled_case, "demo-2026-0117"),
    ("A case in which a party withdraws during preparation", withdrawn_case, "demo-2026-0231"),
)


def _fresh(base_id: str, taken: set[str]) -> str:
    """`base_id`, or the first of ``base_id-2``, ``base_id-3``, ... that no stored case has."""
    case_id, run = base_id, 1
    while case_id in taken:
        run += 1
        case_id = f"{base_id}-{run}"
    return case_id


def _stories(store: SQLiteStore | PostgresStore, where: str) -> None:
    taken = set(store.case_ids())  # listed or not: a half-written case keeps its id too
    ids = [_fresh(base_id, taken) for _, _, base_id in _STORIES]
    renamed = [(base_id, case_id) for (_, _, base_id), case_id in zip(_STORIES, ids, strict=True) if case_id != base_id]
    if renamed:
        print(
            f"{' and '.join(base for base, _ in renamed)} {'is' if len(renamed) == 1 else 'are'} already stored in "
            f"{where}, so this run stores its cases as {' and '.join(ids)}.\n"
        )
    for number, ((title, story, _), case_id) in enumerate(zip(_STORIES, ids, strict=True), start=1):
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
        if args.actor is not None:  # R14 for reads first: an outsider learns nothing, not even whether it exists
            from ..privacy import Reader  # noqa: PLC0415

            reader = Reader(store)
            case = reader.load(args.case_id, args.actor)
            events = reader.history(args.case_id, args.actor)
        store.verify(args.case_id)  # the chain, rows beyond its end, and the listing row
        history = store.history(args.case_id)
        if args.actor is None:
            case = store.load(args.case_id)
        else:
            history = [attrs.evolve(stored, event=event) for stored, event in zip(history, events, strict=True)]
    except NotPermitted as error:
        fail(f"error: {error}")
        return 1
    except CaseNotFound as error:
        fail(f"error: {error} in {display(args.db)}")
        return 1
    except IntegrityError as error:
        fail(f"INTEGRITY FAILURE in {display(args.db)}: {error}")
        return 2
    finally:
        store.close()
    head = history[-1].hash if history else ""
    if args.json:  # what the timeline shows, as data: ids, times and descriptions, never anything said
        document(
            {
                "case_id": case.id,
                "kind": case.kind.value,
                "stage": case.stage.value,
                "version": case.version,
                "head": head,
                "verified": True,
                "read_as": None if args.actor is None else {"id": args.actor.id, "kind": args.actor.kind.value},
                "events": [
                    {
                        "sequence": stored.sequence,
                        "type": type(stored.event).__name__,
                        "at": iso_utc(stored.event.at),
                        "actor": {"id": stored.event.actor.id, "kind": stored.event.actor.kind.value},
                        "description": describe(stored.event),
                        "hash": stored.hash,
                    }
                    for stored in history
                ],
            }
        )
        return 0
    print(f"case {case.id}: {case.kind.value}, stage {case.stage.value}, {case.version} events")
    for stored in history:
        event = stored.event
        print(f"{stored.sequence:>4}  {moment(event.at)}  {event.actor.id:<14} {describe(event)}")
    print(f"hash chain verified: {len(history)} events, head {head[:16]}…")
    return 0


def run_cases(args: argparse.Namespace) -> int:
    """`restorative cases`: the stored cases by stage."""
    stage = Stage(args.stage) if args.stage else None
    store = _existing(args.db)
    try:
        summaries = store.cases(stage=stage)
    finally:
        store.close()
    by_stage: dict[str, int] = {}
    for summary in sorted(summaries, key=lambda s: s.stage.value):
        by_stage[summary.stage.value] = by_stage.get(summary.stage.value, 0) + 1
    if args.json:
        document(
            {
                "count": len(summaries),
                "by_stage": by_stage,
                "cases": [
                    {
                        "case_id": summary.case_id,
                        "kind": summary.kind.value,
                        "stage": summary.stage.value,
                        "version": summary.version,
                        "updated_at": iso_utc(summary.updated_at),
                        "due_at": None if summary.due_at is None else iso_utc(summary.due_at),
                    }
                    for summary in summaries
                ],
            }
        )
        return 0
    if not summaries:
        print("no cases stored" + (f" in stage {stage.value}" if stage else ""))
        return 0
    print("  ".join(f"{name}: {n}" for name, n in by_stage.items()))
    for summary in summaries:
        print(
            f"{one_line(summary.case_id, 200):<24} {summary.kind.value:<9} {summary.stage.value:<13}"
            f" {summary.version:>4} events  last change {moment(summary.updated_at)}"
        )
    return 0


def run_check(args: argparse.Namespace) -> int:
    """`restorative check`: every hash chain and listing row in a database; 2 when any does not check out."""
    store = _existing(args.db)  # what cannot be opened as a restorative database exits with 1
    cases: int | None = None
    events: int | None = None
    problems: list[Exception] = []
    try:
        cases, events = _counts(store)
        problems = store.verify_all()
    except Exception as error:
        problems.append(_Stopped(error))
    finally:
        store.close()
    where = display(args.db)
    counted = f"{cases} cases and {events} events" if events is not None else "the cases"
    if args.json:
        document({"cases": cases, "events": events, "ok": not problems, "problems": [_problem(p) for p in problems]})
    elif not problems:
        print(f"checked {counted} in {where}: every hash chain and listing row checks out")
    else:
        if isinstance(problems[-1], _Stopped):
            print(f"could not check every case in {where}:")
        else:
            print(f"checked {counted} in {where}; {len(problems)} do not check out:")
        for problem in problems:
            print(f"  {one_line(_said(problem))}")
    if not problems:
        return 0
    if isinstance(problems[-1], _Stopped):
        fail(f"INTEGRITY FAILURE in {where}: {_said(problems[-1])}")
    else:
        fail(f"INTEGRITY FAILURE in {where}: {len(problems)} of {cases} cases do not check out")
    return 2


class _Stopped(Exception):
    """What stopped a check before it reached every case: the database cannot be read to its end."""

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error

    def __str__(self) -> str:
        return f"the check stopped, so the rest is unchecked: {_said(self.error)}"


def _counts(store: SQLiteStore | PostgresStore) -> tuple[int, int]:
    """How many cases (listed or not) and event rows the database holds, read without decoding a row."""
    with store._lock:
        ids = store.connection.execute(
            "SELECT COUNT(*) FROM (SELECT case_id FROM restorative_cases"
            " UNION SELECT case_id FROM restorative_events) AS ids"
        ).fetchone()
        rows = store.connection.execute("SELECT COUNT(*) FROM restorative_events").fetchone()
    return int(ids[0]), int(rows[0])


def _said(problem: Exception) -> str:
    if isinstance(problem, StoreError | _Stopped):
        return str(problem)
    return f"{type(problem).__module__}.{type(problem).__qualname__}: {problem}".removeprefix("builtins.")


def _problem(problem: Exception) -> dict[str, object]:
    """One problem as `check --json` prints it."""
    case_id = getattr(problem, "case_id", None)
    sequence = getattr(problem, "sequence", None)
    kind = problem.error if isinstance(problem, _Stopped) else problem
    return {
        "case_id": case_id if isinstance(case_id, str) else None,
        "sequence": sequence if isinstance(sequence, int) else None,
        "error": type(kind).__name__,
        "message": one_line(_said(problem)),
    }


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


def run_tick(args: argparse.Namespace) -> int:
    """`restorative tick`: send the timed commands that are due (idempotent; safe to run twice at once)."""
    from ..store import tick  # noqa: PLC0415 - beside the other store names, imported where used

    at = args.at if args.at is not None else datetime.now(UTC)
    store = _existing(args.db, read_only=False)
    try:
        sent = tick(store, at=at, actor=args.actor)
    finally:
        store.close()
    if args.json:
        document(
            {
                "at": iso_utc(at),
                "sent": [
                    {
                        "case_id": done.case_id,
                        "command": type(done.command).__name__,
                        "events": [type(event).__name__ for event in done.events],
                    }
                    for done in sent
                ],
            }
        )
        return 0
    if not sent:
        print(f"nothing is due at {moment(at)}")
    for done in sent:
        what = "; ".join(describe(event) for event in done.events)
        print(f"{done.case_id}: {type(done.command).__name__} at {moment(at)}: {what}")
    return 0
