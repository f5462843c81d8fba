"""The parser of the `restorative` command line, and the boundary that turns every error into one line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from .. import __version__
from .._lifecycle import Stage, mermaid
from .._values import Actor, ActorKind
from ..errors import InvalidInput, RestorativeError
from ..store._open import scrub
from . import _calibrate, _conform, _research, _serve, _stores
from ._catalogue import run_rules
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


def _count(text: str) -> int:
    """A seed from the command line: a whole number of 0 or more."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of 0 or more, not {text!r}")
    return value


def _diagram(_: argparse.Namespace) -> int:
    sys.stdout.write(mermaid())
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


DESCRIPTIONS = {
    "demo": "Run two realistic cases from referral to their final stages through the real rules: a criminal "
    "case referred by the prosecution that ends fulfilled, and one in which a party withdraws during "
    "preparation. Their events are stored in --db and their timelines printed. Run it again on the same "
    "database and it stores two more cases, under new ids that it names before it starts (the first "
    "ids with -2, -3, ... added).",
    "inspect": "Print one stored case's history, each event with its sequence number, time (in UTC) and actor, "
    "after verifying the case's hash chain. With --as, print only what that actor may read (R14). Exits with 1 "
    "when the case is not stored or the arguments are wrong, and with 2 when the chain does not check out.",
    "cases": "List the stored cases: how many are in each stage, then each case's kind, stage, number of events "
    "and last change (in UTC), the most recently changed first. --stage keeps the cases of one stage.",
    "check": "Verify a whole database: every case's hash chain, any rows beyond a case's recorded end, and every "
    "listing row against its events. Exits with 0 when everything checks out, with 2 when anything does not "
    "(each problem on a line of its own), and with 1 when it cannot check at all. Schedule it, and alert on 2.",
    "diagram": "Print the lifecycle of a case as a Mermaid state diagram: each stage is a state, and each arrow "
    "is labelled with the trigger of the command that moves a case along it. Paste it into a mermaid code "
    "block of a Markdown page (GitHub, GitLab and MkDocs draw those) to see it drawn.",
    "rules": "Print the rules of the process (R1 to R18) in the library's own words, each with the kinds of "
    "source it rests on, spelled out, and the sections of law it cites. Name rules to print only those; "
    "--json prints them as one JSON document.",
    "verify": "Explore every reachable state of bounded cases (criminal and civil, with and without a minor, "
    "under Norway's policy and a custom one, and a few extra features) and check every rule in each. Prints a "
    "summary, and exits with 1 when a rule is broken, with a shortest history that breaks it. With --policy, "
    "the same cases run under that policy alone (and a stage the policy never reaches is not reported).",
    "paths": "Print the shortest sequence of commands from a referral to every stage and through every "
    "transition of the lifecycle, found by the same exhaustive search as verify. With --policy, the cases run "
    "under that policy alone: the name norway, or a TOML file with a [policy] table as in a scenario (a "
    "scenario file works) or with the policy's keys at its top level.",
    "simulate": "Simulate a population of cases described by a TOML scenario (case mix, behaviour, durations "
    "and policy) through the real rules. Writes the event logs (csv, parquet, xes, ocel), the KPIs "
    "(kpis.json) and plots to --out; the same scenario and seed give the same bytes.",
    "sweep": "Run a scenario once per value of one dotted key (--vary KEY=V1,V2,...) and per replication, with "
    "common random numbers: replication r has the same seed for every value, so the differences between values "
    "are the key's doing. Prints each outcome's share and the median days per value with 95 % intervals over "
    "the replications; --out also writes sweep.json, sweep.csv and a plot.",
    "conform": "Check a log of real cases against the rules: each case is rebuilt event by event through the "
    "decider, and the first event that breaks a rule is reported with its rule, stage and hint, with a summary "
    "per rule and the share of events replayed without a violation (fitness). Reads the library's CSV, XES and "
    "OCEL 2.0 logs (gzipped too) or another system's CSV through --mapping. Exits with 0 when every case follows "
    "the rules, 2 when one does not, and 1 when the log cannot be read.",
    "calibrate": "Fit a scenario to a log of cases (the library's CSV, XES or OCEL 2.0, or another system's CSV "
    "through --mapping): the case mix and each behaviour probability as shares of the cases that had the chance, "
    "and each step's duration by maximum likelihood for every distribution a scenario takes, keeping the one with "
    "the lowest AIC. Writes the scenario to --out as TOML that simulate reads, each value with its interval in a "
    "comment, then simulates it and prints the fit: observed and simulated outcome shares with their 95 % "
    "intervals, times to meeting and to outcome, and the earth mover's distance between them. What the log does "
    "not show (the policy, ages, deadlines) is kept from the default scenario and listed.",
    "compare": "Compare the KPIs of two simulation runs, B against A: each outcome's share in both, the "
    "difference and its z score, and the median times. --out also writes comparison.json and a plot.",
    "tick": "Send the timed commands that are due: EndCoolingOff once a case's cooling-off period has run out, "
    "and CheckDeadlines once an item's deadline has passed. It is idempotent and safe to run from cron, even "
    "twice at once; when nothing is due it sends nothing and nothing is refused.",
    "serve": "Serve a database of cases over HTTP: the JSON API (under /api, described by /openapi.json) and the "
    "browser UI, on --host and --port (127.0.0.1:8000 by default), until interrupted. Callers authenticate with "
    "a bearer token from the --users file, a TOML table of [[user]] entries each with a name, a token and an "
    "actor = { id, kind }; it refuses to start without one. Every read is as that actor may see it (R14).",
    "purge": "Erase the personal data of closed cases whose policy's retention period is over, through the "
    "privacy vault; people who still take part in a kept case are spared. --dry-run reports what would be "
    "erased and changes nothing.",
}
"""What each command does, as `restorative COMMAND --help` explains it."""

POLICY_HELP = "run the cases under this policy: norway, or a TOML file with a [policy] table (default: as above)"


def _parser() -> tuple[_Parser, dict[str, _Parser]]:
    """The parser, and the parser of each command by name."""
    parser = _Parser(prog="restorative", description="The restorative process as a verified state machine.")
    parser.add_argument("--version", action="version", version=f"restorative {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help: str, **kwargs: Any) -> _Parser:
        parser: _Parser = commands.add_parser(name, help=help, description=DESCRIPTIONS[name], **kwargs)
        return parser

    demo = command("demo", "run two realistic cases end to end, store them, print their timelines")
    demo.add_argument(
        "--db",
        default=DEFAULT_DB,
        help=f"the SQLite file or postgresql:// address to store them in (default {DEFAULT_DB})",
    )
    demo.set_defaults(run=_stores.run_demo)
    inspect = command("inspect", "print a stored case's timeline and verify its hash chain", usage_status=1)
    inspect.add_argument("case_id")
    inspect.add_argument("--db", default=DEFAULT_DB, help=DB_HELP)
    inspect.add_argument(
        "--as", dest="actor", type=_actor, metavar="KIND:ID", help="read as this actor (R14), e.g. mediator:med-1"
    )
    inspect.add_argument("--json", action="store_true", help="print the case and its events as one JSON document")
    inspect.set_defaults(run=_stores.run_inspect)
    cases = command("cases", "list stored cases by stage")
    cases.add_argument("--db", default=DEFAULT_DB, help=DB_HELP)
    cases.add_argument("--stage", choices=[s.value for s in Stage], help="only cases in this stage")
    cases.add_argument("--json", action="store_true", help="print the listing as one JSON document")
    cases.set_defaults(run=_stores.run_cases)
    audit = command("check", "verify every hash chain and listing row in a database (exit 2: tampered)", usage_status=1)
    audit.add_argument("--db", default=DEFAULT_DB, help=DB_HELP)
    audit.add_argument("--json", action="store_true", help="print the counts and every problem as one JSON document")
    audit.set_defaults(run=_stores.run_check)
    command("diagram", "print the lifecycle as a Mermaid state diagram").set_defaults(run=_diagram)
    rules = command("rules", "print every rule with its sources and citations")
    rules.add_argument("rule", nargs="*", metavar="RULE", help="only these rules, e.g. R3 R8 (default: every rule)")
    rules.add_argument("--json", action="store_true", help="print the rules as one JSON document")
    rules.set_defaults(run=run_rules)
    check = command("verify", "explore every reachable state of bounded cases and check every rule")
    check.add_argument("--parties", type=int, default=2, choices=(2, 3, 4), help="parties per case (default 2)")
    check.add_argument(
        "--workers", type=_at_least_one, default=os.cpu_count() or 1, help="processes (default: all cores)"
    )
    check.add_argument("--policy", metavar="POLICY", help=POLICY_HELP)
    check.add_argument("--json", action="store_true", help="end with the summary as one JSON object")
    check.set_defaults(run=_research.run_verify)
    shortest = command("paths", "print the shortest command sequence to every stage and transition")
    shortest.add_argument("--parties", type=int, default=2, choices=(2, 3, 4), help="parties per case (default 2)")
    shortest.add_argument("--target", default="", help="only targets containing this text, e.g. 'stage fulfilled'")
    shortest.add_argument("--policy", metavar="POLICY", help=POLICY_HELP)
    shortest.set_defaults(run=_research.run_paths)
    sim = command("simulate", "simulate a scenario's cases; write event logs, KPIs and plots")
    sim.add_argument("scenario", help="the scenario TOML file, e.g. examples/scenarios/norway.toml")
    sim.add_argument("--cases", type=int, help="how many cases (default: the scenario's)")
    sim.add_argument("--seed", type=int, help="the seed (default: the scenario's)")
    sim.add_argument("--out", required=True, help="the output folder")
    sim.add_argument("--workers", type=_at_least_one, help="processes (default: all cores; 1 runs in this process)")
    sim.add_argument(
        "--formats",
        type=_research.formats,
        default="csv",
        help="any of csv,parquet,xes,ocel, with .gz to gzip a text one, e.g. csv,xes.gz (default csv)",
    )
    sim.add_argument(
        "--force", action="store_true", help="write into a folder that is not empty, replacing this run's files only"
    )
    sim.add_argument("--dask", metavar="ADDRESS", help="run on this Dask scheduler instead of local processes")
    sim.add_argument("--no-plots", action="store_true", help="skip the PNG and SVG plots")
    sim.add_argument("--progress", action="store_true", help="show the progress bar even when not on a terminal")
    sim.set_defaults(run=_research.run_simulate)
    study = command("sweep", "run a scenario over values of one key, replicated with common random numbers")
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
    checking = command(
        "conform", "check a log of real cases against the rules (exit 2: a case breaks one)", usage_status=1
    )
    checking.add_argument("log", help="the log: the library's CSV, XES or OCEL 2.0 JSON, or another CSV (.gz too)")
    checking.add_argument(
        "--format", choices=("csv", "xes", "ocel"), help="the log's format (default: from its file name)"
    )
    checking.add_argument("--mapping", metavar="FILE", help="a TOML mapping of another system's CSV columns and names")
    checking.add_argument("--json", action="store_true", help="print the result as one JSON document")
    checking.set_defaults(run=_conform.run_conform)
    fitting = command("calibrate", "fit a scenario to a log of cases, write it as TOML and report the fit")
    fitting.add_argument("log", help="the log: the library's CSV, XES or OCEL 2.0 JSON, or another CSV (.gz too)")
    fitting.add_argument("--out", required=True, help="the scenario TOML file to write")
    fitting.add_argument(
        "--format", choices=("csv", "xes", "ocel"), help="the log's format (default: from its file name)"
    )
    fitting.add_argument("--mapping", metavar="FILE", help="a TOML mapping of another system's CSV columns and names")
    fitting.add_argument(
        "--check",
        type=_at_least_one,
        metavar="N",
        help="cases to simulate for the fit report (default: the log's, at least 10,000)",
    )
    fitting.add_argument("--seed", type=_count, help="the seed of the simulation for the fit report (default 0)")
    fitting.add_argument("--json", action="store_true", help="print the estimates and the fit as one JSON document")
    fitting.add_argument("--force", action="store_true", help="replace --out if it exists")
    fitting.set_defaults(run=_calibrate.run_calibrate)
    cmp = command("compare", "compare the KPIs of two simulation runs (B against A)")
    cmp.add_argument("a", help="the first run's output folder")
    cmp.add_argument("b", help="the second run's output folder")
    cmp.add_argument("--out", help="write comparison.json and the comparison plot here")
    cmp.add_argument("--no-plots", action="store_true", help="skip the comparison plot")
    cmp.set_defaults(run=_research.run_compare)
    timed = command(
        "tick", "send the timed commands that are due (end of cooling-off, passed deadlines); safe from cron"
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
    erase = command("purge", "erase the personal data of closed cases whose retention is over")
    erase.add_argument("--db", default=DEFAULT_DB, help=DB_HELP)
    erase.add_argument(
        "--before",
        type=_stores.date,
        help="only cases last changed before this date (YYYY-MM-DD is midnight UTC; default: now)",
    )
    erase.add_argument("--dry-run", action="store_true", help="report what would be erased, change nothing")
    erase.set_defaults(run=_stores.run_purge)
    serving = command("serve", "serve the JSON API and UI over a database (needs restorative[server])")
    serving.add_argument("--db", default=DEFAULT_DB, help=DB_HELP)
    serving.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    serving.add_argument("--port", type=int, default=8000, help="the port to listen on (default 8000)")
    serving.add_argument("--users", metavar="FILE", help="the TOML token table of who may call it (required)")
    serving.add_argument(
        "--log-level",
        default="info",
        choices=("critical", "error", "warning", "info", "debug"),
        help="uvicorn's log level (default info: one access line per request)",
    )
    serving.set_defaults(run=_serve.run_serve)
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
