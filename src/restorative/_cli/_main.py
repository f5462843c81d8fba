"""The parser of the `restorative` command line, and the boundary that turns every error into one line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from .._lifecycle import Stage, mermaid
from .._rules import RULES
from .._values import Actor, ActorKind
from ..errors import InvalidInput, RestorativeError
from ..store._open import scrub
from . import _conform, _research, _stores
from ._output import fail
from ._stores import DEFAULT_DB

DB_HELP = f"the SQLite file or postgresql:// address (default {DEFAULT_DB})"


def _actor(text: str) -> Actor:
    kind, _, name = text.partition(":")
    try:
        return Actor(id=name, kind=ActorKind(kind))
    except (ValueError, InvalidInput):
        kinds = ", ".join(k.value for k in ActorKind)
        raise argparse.ArgumentTypeError(f"expected KIND:ID with KIND one of {kinds}, e.g. staff:staff-1") from None


def _at_least_one(text: str) -> int:
    """A count of workers from the command line."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def _diagram(_: argparse.Namespace) -> int:
    sys.stdout.write(mermaid())
    return 0


def _rules(_: argparse.Namespace) -> int:
    for rule in RULES.values():
        sources = ", ".join(s.value for s in rule.sources)
        print(f"{rule.id:<4} {rule.text}\n     sources: {sources} (see {rule.reference})")
    return 0


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit with `usage_status`: 2 as argparse's do, or 1 for
    a command whose 2 means that a hash chain does not check out."""

    def __init__(self, *args: Any, usage_status: int = 2, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.usage_status = usage_status

    def error(self, message: str) -> NoReturn:
        """Print the usage and the problem, and exit with `usage_status`."""
        self.print_usage(sys.stderr)
        self.exit(self.usage_status, f"{self.prog}: error: {message}\n")


def _parser() -> tuple[_Parser, dict[str, _Parser]]:
    """The parser, and the parser of each command by name."""
    parser = _Parser(prog="restorative", description="The restorative process as a verified state machine.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    demo = commands.add_parser("demo", help="run two realistic cases end to end, store them, print their timelines")
    demo.add_argument(
        "--db",
        default=DEFAULT_DB,
        help=f"the SQLite file or postgresql:// address to store them in (default {DEFAULT_DB})",
    )
    demo.set_defaults(run=_stores.run_demo)
    inspect = commands.add_parser(
        "inspect", help="print a stored case's timeline and verify its hash chain", usage_status=1
    )
    inspect.add_argument("case_id")
    inspect.add_argument("--db", default=DEFAULT_DB, help=DB_HELP)
    inspect.add_argument(
        "--as", dest="actor", type=_actor, metavar="KIND:ID", help="read as this actor (R14), e.g. mediator:med-1"
    )
    inspect.add_argument("--json", action="store_true", help="print the case and its events as one JSON document")
    inspect.set_defaults(run=_stores.run_inspect)
    cases = commands.add_parser("cases", help="list stored cases by stage")
    cases.add_argument("--db", default=DEFAULT_DB, help=DB_HELP)
    cases.add_argument("--stage", choices=[s.value for s in Stage], help="only cases in this stage")
    cases.add_argument("--json", action="store_true", help="print the listing as one JSON document")
    cases.set_defaults(run=_stores.run_cases)
    audit = commands.add_parser(
        "check", help="verify every hash chain and listing row in a database (exit 2: tampered)", usage_status=1
    )
    audit.add_argument("--db", default=DEFAULT_DB, help=DB_HELP)
    audit.add_argument("--json", action="store_true", help="print the counts and every problem as one JSON document")
    audit.set_defaults(run=_stores.run_check)
    commands.add_parser("diagram", help="print the lifecycle as a Mermaid state diagram").set_defaults(run=_diagram)
    commands.add_parser("rules", help="print every rule with its id and source").set_defaults(run=_rules)
    check = commands.add_parser("verify", help="explore every reachable state of bounded cases and check every rule")
    check.add_argument("--parties", type=int, default=2, choices=(2, 3, 4), help="parties per case (default 2)")
    check.add_argument(
        "--workers", type=_at_least_one, default=os.cpu_count() or 1, help="processes (default: all cores)"
    )
    check.add_argument("--json", action="store_true", help="end with the summary as one JSON object")
    check.set_defaults(run=_research.run_verify)
    shortest = commands.add_parser("paths", help="print the shortest command sequence to every stage and transition")
    shortest.add_argument("--parties", type=int, default=2, choices=(2, 3, 4), help="parties per case (default 2)")
    shortest.add_argument("--target", default="", help="only targets containing this text, e.g. 'stage fulfilled'")
    shortest.set_defaults(run=_research.run_paths)
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
    sim.set_defaults(run=_research.run_simulate)
    study = commands.add_parser(
        "sweep", help="run a scenario over values of one key, replicated with common random numbers"
    )
    study.add_argument("scenario", help="the scenario TOML file, e.g. examples/scenarios/norway.toml")
    study.add_argument(
        "--vary",
        required=True,
        metavar="KEY=V1,V2,...",
        help="the dotted key and its values, e.g. behaviour.agreement=0.7,0.9",
    )
    study.add_argument("--replications", type=_at_least_one, default=5, help="runs per value (default 5; at least 2)")
    study.add_argument("--cases", type=_at_least_one, help="cases per run (default: the scenario's)")
    study.add_argument("--out", help="write sweep.json, sweep.csv and the sweep plot here")
    study.add_argument("--workers", type=_at_least_one, help="processes per run (default: all cores)")
    study.add_argument("--dask", metavar="ADDRESS", help="run on this Dask scheduler instead of local processes")
    study.add_argument("--no-plots", action="store_true", help="skip the sweep plot")
    study.add_argument("--json", action="store_true", help="print the sweep's table as one JSON document")
    study.set_defaults(run=_research.run_sweep)
    checking = commands.add_parser(
        "conform",
        help="check a log of real cases against the rules (exit 2: a case breaks one)",
        usage_status=1,
    )
    checking.add_argument("log", help="the log: the library's CSV, XES or OCEL 2.0 JSON, or another CSV (.gz too)")
    checking.add_argument(
        "--format", choices=("csv", "xes", "ocel"), help="the log's format (default: from its file name)"
    )
    checking.add_argument("--mapping", metavar="FILE", help="a TOML mapping of another system's CSV columns and names")
    checking.add_argument("--json", action="store_true", help="print the result as one JSON document")
    checking.set_defaults(run=_conform.run_conform)
    cmp = commands.add_parser("compare", help="compare the KPIs of two simulation runs (B against A)")
    cmp.add_argument("a", help="the first run's output folder")
    cmp.add_argument("b", help="the second run's output folder")
    cmp.add_argument("--out", help="write comparison.json and the comparison plot here")
    cmp.add_argument("--no-plots", action="store_true", help="skip the comparison plot")
    cmp.set_defaults(run=_research.run_compare)
    timed = commands.add_parser(
        "tick", help="send the timed commands that are due (end of cooling-off, passed deadlines); safe from cron"
    )
    timed.add_argument("--db", default=DEFAULT_DB, help=DB_HELP)
    timed.add_argument(
        "--at",
        type=_stores.date,
        help="the time of the tick, with its offset (a bare date is midnight UTC; default: now)",
    )
    timed.add_argument(
        "--as",
        dest="actor",
        type=_actor,
        metavar="KIND:ID",
        help="send as this assigned member of staff (default: each case's first assigned staff)",
    )
    timed.add_argument("--json", action="store_true", help="print what was sent as one JSON document")
    timed.set_defaults(run=_stores.run_tick)
    erase = commands.add_parser("purge", help="erase the personal data of closed cases whose retention is over")
    erase.add_argument("--db", default=DEFAULT_DB, help=DB_HELP)
    erase.add_argument(
        "--before",
        type=_stores.date,
        help="only cases last changed before this date (YYYY-MM-DD is midnight UTC; default: now)",
    )
    erase.add_argument("--dry-run", action="store_true", help="report what would be erased, change nothing")
    erase.set_defaults(run=_stores.run_purge)
    return parser, commands.choices


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser, commands = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # told by the command's own parser, so that it exits with the command's usage status
        commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        code: int = args.run(args)
    except BrokenPipeError:  # the reader (e.g. `head`) went away: not an error (and an OSError: first)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except (RestorativeError, OSError) as error:  # ours say what to do; OSError: a file or a network address
        fail(scrub(f"error: {error}", getattr(args, "db", None)))
        return 1
    except KeyboardInterrupt:
        fail("interrupted")
        return 130
    except Exception as error:
        what = f"{type(error).__module__}.{type(error).__qualname__}".removeprefix("builtins.")
        fail(
            scrub(
                f"error: {what}: {error} (restorative should have said what is wrong; please report it)",
                getattr(args, "db", None),
            )
        )
        return 1
    return code
