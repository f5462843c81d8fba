"""The `restorative` command line: demo, diagram, rules, inspect, cases, verify, paths, simulate, compare, purge."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from . import simulation, verify
from ._demo import fulfilled_case, withdrawn_case
from ._lifecycle import Stage, mermaid
from ._rules import RULES
from ._timeline import describe, describe_command, timeline
from ._values import Actor, ActorKind
from .errors import CaseNotFound, IntegrityError, InvalidInput, NotPermitted, RestorativeError, StoreError
from .store import SQLiteStore

DEFAULT_DB = "restorative.db"


def _demo(args: argparse.Namespace) -> int:
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


def _actor(text: str) -> Actor:
    kind, _, name = text.partition(":")
    try:
        return Actor(id=name, kind=ActorKind(kind))
    except (ValueError, InvalidInput):
        kinds = ", ".join(k.value for k in ActorKind)
        raise argparse.ArgumentTypeError(f"expected KIND:ID with KIND one of {kinds}, e.g. staff:staff-1") from None


def _inspect(args: argparse.Namespace) -> int:
    store = _existing(args.db)
    try:
        store.verify(args.case_id)  # the chain, rows beyond its end, and the listing row
        history = store.history(args.case_id)
        case = store.load(args.case_id)
        if args.actor is not None:  # R14 for reads: only what this actor may see
            from .privacy import Reader  # noqa: PLC0415

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


def _cases(args: argparse.Namespace) -> int:
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


def _diagram(_: argparse.Namespace) -> int:
    sys.stdout.write(mermaid())
    return 0


def _rules(_: argparse.Namespace) -> int:
    for rule in RULES.values():
        sources = ", ".join(s.value for s in rule.sources)
        print(f"{rule.id:<4} {rule.text}\n     sources: {sources} (see {rule.reference})")
    return 0


class _Bar:
    """A progress bar on stderr: redrawn in place on a terminal, one line per step otherwise."""

    def __init__(self, width: int = 30) -> None:
        self.width = width
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int, configuration: verify.Configuration) -> None:
        self.line(done, total, configuration.label)

    def line(self, done: int, total: int, label: str) -> None:
        filled = self.width * done // total
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {label}"
        if self.tty:
            end = "\n" if done == total else ""
            sys.stderr.write(f"\r{line:<100}{end}")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


def _verify(args: argparse.Namespace) -> int:
    result = verify.explore(args.parties, progress=_Bar(), workers=args.workers)
    if args.json:
        print(json.dumps(result.summary()))
        return 1 if result.violations else 0
    print(
        f"explored {result.configurations} configurations of {args.parties}-party cases: "
        f"{result.states:,} states, {result.transitions:,} transitions, {result.refusals:,} refusals "
        f"in {result.seconds:.1f} s"
    )
    print(
        f"stages reached: {len(result.stages)}/{len(Stage)}; "
        f"machine transitions exercised: {len(result.exercised & verify.transitions())}/{len(verify.transitions())}"
    )
    if not result.violations:
        print("violations: none; every rule held in every state")
        return 0
    print(f"violations: {len(result.violations)}")
    for finding in result.violations:
        print(finding)
    return 1


def _paths(args: argparse.Namespace) -> int:
    shown = 0
    for path in verify.paths(args.parties):
        if args.target and args.target not in path.target:
            continue
        shown += 1
        print(f"{path.target}  ({len(path.commands)} commands; {path.configuration.label})")
        for number, command in enumerate(path.commands, 1):
            print(f"  {number:>3}. {describe_command(command)}")
    if not shown:
        print(f"error: no target contains {args.target!r}; try 'stage fulfilled' or 'withdraw'", file=sys.stderr)
        return 1
    return 0


def _at_least_one(text: str) -> int:
    """A count of workers from the command line."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def _sim_progress() -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A rich progress bar on stderr when rich is installed, else the plain one."""
    try:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn  # noqa: PLC0415
    except ImportError:
        plain = _Bar()
        return (lambda done, total: plain.line(done, total, "cases")), (lambda: None)
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=False,
    )
    task = bar.add_task("simulating", total=None)
    bar.start()

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return update, bar.stop


def _plots(kpis: dict[str, Any], folder: Path, other: dict[str, Any] | None = None) -> None:
    try:
        files = simulation.plot_run(kpis, folder) if other is None else simulation.plot_comparison(other, kpis, folder)
    except ImportError as error:
        print(f"plots skipped: {error}", file=sys.stderr)
        return
    print(f"plots: {', '.join(p.name for p in files)}")


def _simulate(args: argparse.Namespace) -> int:
    scenario = simulation.Scenario.from_toml(Path(args.scenario))
    names = [n.strip() for n in args.formats.split(",") if n.strip()]
    update, stop = _sim_progress() if sys.stderr.isatty() or args.progress else ((lambda d, t: None), lambda: None)
    try:
        result = simulation.simulate(
            scenario,
            args.out,
            cases=args.cases,
            seed=args.seed,
            workers=args.workers,
            formats=names,
            dask=args.dask,
            progress=update,
        )
    finally:
        stop()
    print(simulation.table(result.kpis))
    rate = result.kpis["cases"] / result.seconds if result.seconds else 0.0
    print(f"wrote {', '.join(str(p) for p in result.files.values())} in {result.seconds:.1f} s ({rate:,.0f} cases/s)")
    if not args.no_plots:
        _plots(result.kpis, Path(args.out))
    return 0


_KPI_KEYS = ("cases", "outcomes", "scenario", "time_to_meeting_days", "time_to_outcome_days")


def _read_kpis(folder: str) -> dict[str, Any]:
    path = Path(folder) / "kpis.json"
    if not path.is_file():
        raise InvalidInput(f"no kpis.json in {folder}; run `restorative simulate ... --out {folder}` first")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:  # unreadable, not UTF-8, not JSON
        raise InvalidInput(f"{path} cannot be read as a run's KPIs: {error}") from error
    if not isinstance(data, dict) or any(key not in data for key in _KPI_KEYS):
        raise InvalidInput(f"{path} is not the kpis.json of a simulation run (it needs {', '.join(_KPI_KEYS)})")
    return data


def _compare(args: argparse.Namespace) -> int:
    a, b = _read_kpis(args.a), _read_kpis(args.b)
    diff = simulation.compare(a, b)
    print(simulation.compare_table(diff))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "comparison.json").write_text(json.dumps(diff, indent=2) + "\n", encoding="utf-8")
        if not args.no_plots:
            _plots(b, out, other=a)
    return 0


def _date(text: str) -> datetime:
    """A date (midnight UTC) or a zoned date and time, from the command line."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-06-01, not {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _purge(args: argparse.Namespace) -> int:
    from .privacy import Vault, purge  # noqa: PLC0415 - the privacy extra is needed only here

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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="restorative", description="The restorative process as a verified state machine."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="run two realistic cases end to end, store them, print their timelines")
    demo.add_argument("--db", default=DEFAULT_DB, help=f"the SQLite file to store them in (default {DEFAULT_DB})")
    demo.set_defaults(run=_demo)
    inspect = commands.add_parser("inspect", help="print a stored case's timeline and verify its hash chain")
    inspect.add_argument("case_id")
    inspect.add_argument("--db", default=DEFAULT_DB, help=f"the SQLite file (default {DEFAULT_DB})")
    inspect.add_argument(
        "--as", dest="actor", type=_actor, metavar="KIND:ID", help="read as this actor (R14), e.g. mediator:med-1"
    )
    inspect.set_defaults(run=_inspect)
    cases = commands.add_parser("cases", help="list stored cases by stage")
    cases.add_argument("--db", default=DEFAULT_DB, help=f"the SQLite file (default {DEFAULT_DB})")
    cases.add_argument("--stage", choices=[s.value for s in Stage], help="only cases in this stage")
    cases.set_defaults(run=_cases)
    commands.add_parser("diagram", help="print the lifecycle as a Mermaid state diagram").set_defaults(run=_diagram)
    commands.add_parser("rules", help="print every rule with its id and source").set_defaults(run=_rules)
    check = commands.add_parser("verify", help="explore every reachable state of bounded cases and check every rule")
    check.add_argument("--parties", type=int, default=2, choices=(2, 3, 4), help="parties per case (default 2)")
    check.add_argument(
        "--workers", type=_at_least_one, default=os.cpu_count() or 1, help="processes (default: all cores)"
    )
    check.add_argument("--json", action="store_true", help="end with the summary as one JSON object")
    check.set_defaults(run=_verify)
    shortest = commands.add_parser("paths", help="print the shortest command sequence to every stage and transition")
    shortest.add_argument("--parties", type=int, default=2, choices=(2, 3, 4), help="parties per case (default 2)")
    shortest.add_argument("--target", default="", help="only targets containing this text, e.g. 'stage fulfilled'")
    shortest.set_defaults(run=_paths)
    sim = commands.add_parser("simulate", help="simulate a scenario's cases; write event logs, KPIs and plots")
    sim.add_argument("scenario", help="the scenario TOML file, e.g. examples/scenarios/norway.toml")
    sim.add_argument("--cases", type=int, help="how many cases (default: the scenario's)")
    sim.add_argument("--seed", type=int, help="the seed (default: the scenario's)")
    sim.add_argument("--out", required=True, help="the output folder")
    sim.add_argument("--workers", type=_at_least_one, help="processes (default: all cores; 1 runs in this process)")
    sim.add_argument("--formats", default="csv", help="any of csv,parquet,xes,ocel (default csv)")
    sim.add_argument("--dask", metavar="ADDRESS", help="run on this Dask scheduler instead of local processes")
    sim.add_argument("--no-plots", action="store_true", help="skip the PNG and SVG plots")
    sim.add_argument("--progress", action="store_true", help="show the progress bar even when not on a terminal")
    sim.set_defaults(run=_simulate)
    cmp = commands.add_parser("compare", help="compare the KPIs of two simulation runs (B against A)")
    cmp.add_argument("a", help="the first run's output folder")
    cmp.add_argument("b", help="the second run's output folder")
    cmp.add_argument("--out", help="write comparison.json and the comparison plot here")
    cmp.add_argument("--no-plots", action="store_true", help="skip the comparison plot")
    cmp.set_defaults(run=_compare)
    erase = commands.add_parser("purge", help="erase the personal data of closed cases whose retention is over")
    erase.add_argument("--db", default=DEFAULT_DB, help=f"the SQLite file (default {DEFAULT_DB})")
    erase.add_argument(
        "--before",
        type=_date,
        help="only cases last changed before this date (YYYY-MM-DD is midnight UTC; default: now)",
    )
    erase.add_argument("--dry-run", action="store_true", help="report what would be erased, change nothing")
    erase.set_defaults(run=_purge)
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except BrokenPipeError:  # the reader (e.g. `head`) went away: not an error (and an OSError: first)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except (RestorativeError, OSError) as error:  # ours say what to do; OSError: a file or a network address
        print(f"error: {error}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
