"""`restorative conform`: check a log of real cases against the rules."""

from __future__ import annotations

import argparse
import sys

from ..conformance import conform
from ._output import document, one_line


def run_conform(args: argparse.Namespace) -> int:
    """`restorative conform LOG`: per case the first event that breaks a rule, per rule the cases, fitness.

    Exits 0 when every case follows the rules and 2 when one does not (1 is an error).
    """
    result = conform(args.log, format=args.format, mapping=args.mapping)
    if args.json:
        document(result.to_data())
    else:
        for line in result.report().splitlines():
            sys.stdout.write(one_line(line, 2_000) + "\n")
    return 0 if result.conforming == len(result.cases) else 2
