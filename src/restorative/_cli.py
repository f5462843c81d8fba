"""The `restorative` command line: demo, diagram, rules."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ._decider import replay
from ._demo import fulfilled_case, withdrawn_case
from ._lifecycle import mermaid
from ._rules import RULES
from ._timeline import timeline


def _demo(args: argparse.Namespace) -> int:
    stories = (
        ("A criminal case referred by the prosecution, ending fulfilled", fulfilled_case),
        ("A case in which a party withdraws during preparation", withdrawn_case),
    )
    for number, (title, story) in enumerate(stories, start=1):
        _, events = story()
        case = replay(events)
        if number > 1:
            print()
        print(f"== {number}. {title}: case {case.id}")
        print(timeline(events))
        print(f"-> final stage: {case.stage.value} after {case.version} events")
    return 0


def _diagram(_: argparse.Namespace) -> int:
    sys.stdout.write(mermaid())
    return 0


def _rules(_: argparse.Namespace) -> int:
    for rule in RULES.values():
        sources = ", ".join(s.value for s in rule.sources)
        print(f"{rule.id:<4} {rule.text}\n     sources: {sources} (see {rule.reference})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="restorative", description="The restorative process as a verified state machine."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("demo", help="run two realistic cases end to end and print their timelines").set_defaults(
        run=_demo
    )
    commands.add_parser("diagram", help="print the lifecycle as a Mermaid state diagram").set_defaults(run=_diagram)
    commands.add_parser("rules", help="print every rule with its id and source").set_defaults(run=_rules)
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except BrokenPipeError:  # the reader (e.g. `head`) went away: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
