"""Benchmark of exhaustive verification: 2-party cases (target 5 s) and 3-party cases (target 60 s).

Run: ``python benchmarks/verify.py`` (about a minute on 2 cores) or ``--quick`` (2 parties
only, a few seconds). It explores the default configurations with one worker per core,
as ``restorative verify`` does, and prints each run's summary. The last line is one JSON
object shaped like ``restorative verify --json`` (for the largest party count run), with
the other runs and the targets added.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from restorative import verify

TARGET_SECONDS = {2: 5.0, 3: 60.0}


def run(parties: int, workers: int) -> dict[str, Any]:
    summary = verify.explore(parties, workers=workers).summary()
    summary["workers"] = workers
    summary["target_seconds"] = TARGET_SECONDS.get(parties)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2-party cases only")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    counts = (2,) if args.quick else (2, 3)
    runs = []
    for parties in counts:
        summary = run(parties, args.workers)
        print(f"{parties} parties: {json.dumps(summary)}", flush=True)
        runs.append(summary)
    last = dict(runs[-1])
    last["runs"] = [{k: v for k, v in r.items() if k != "violations"} for r in runs]
    last["targets_met"] = all(r["target_seconds"] is None or r["seconds"] <= r["target_seconds"] for r in runs)
    print(json.dumps(last))


if __name__ == "__main__":
    main()
