"""Benchmark of conformance checking: cases per second, reading and replaying, for each log format.

Run: ``python benchmarks/conform.py`` (10,000 simulated cases; about two minutes on 2 cores)
or ``--quick`` (2,000 cases; under a minute). The cases come from the shipped
``examples/scenarios/norway.toml``, written as CSV, XES and OCEL 2.0 JSON; each log is then
read and checked on one core, in this process.

The last line is one JSON object: per format, ``cases_per_s`` (reading and replaying),
``read_cases_per_s`` and ``replay_cases_per_s``, and the ``violations`` found (a simulated
log must have none: the issue's check on 10,000 cases). ``replay_us_per_case`` is the
replay of one case through `decide` on its own, next to ``trigger_us``, one bare
`transitions` trigger (the yardstick of ``benchmarks/core.py``), and
``replay_case_over_trigger``, their ratio measured round by round: the figure that holds
on a noisy machine. ``events_per_case`` says how long the cases are.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _timing import accelerated, interleaved
from _trigger import trigger_sample

SCENARIO = Path(__file__).resolve().parent.parent / "examples" / "scenarios" / "norway.toml"
FILES = {"csv": "events.csv", "xes": "events.xes", "ocel": "events.ocel.json"}


def measure(path: Path) -> dict[str, Any]:
    """Read and check one log, timing each part."""
    from restorative.conformance import conform, read_log

    began = time.perf_counter()
    log = read_log(path)
    read = time.perf_counter() - began
    began = time.perf_counter()
    result = conform(log)
    replay = time.perf_counter() - began
    cases = len(result.cases)
    return {
        "cases": cases,
        "events": result.events,
        "violations": len(result.violations),
        "fitness": result.fitness,
        "read_s": round(read, 2),
        "replay_s": round(replay, 2),
        "cases_per_s": round(cases / (read + replay)),
        "read_cases_per_s": round(cases / read),
        "replay_cases_per_s": round(cases / replay),
        "mb": round(path.stat().st_size / 2**20, 1),
    }


def per_case(path: Path, rounds: int) -> dict[str, float]:
    """The replay of one case in µs, and in bare triggers measured moments apart (medians of the rounds)."""
    from restorative.conformance import conform_trace, read_log

    traces = read_log(path).traces[:500]

    def replay() -> float:
        began = time.perf_counter()
        for trace in traces:
            conform_trace(trace)
        return (time.perf_counter() - began) / len(traces) * 1e6

    one_trigger = trigger_sample()

    def trigger() -> float:
        return statistics.median(one_trigger() for _ in range(5))

    replay(), trigger()  # warm up
    us, trigger_us, ratio = interleaved(replay, trigger, rounds)
    return {
        "replay_us_per_case": round(us, 1),
        "trigger_us": round(trigger_us, 3),
        "replay_case_over_trigger": round(ratio, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 cases instead of 10,000")
    args = parser.parse_args()
    cases = 2_000 if args.quick else 10_000
    from restorative.simulation import Scenario, simulate

    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        simulate(Scenario.from_toml(SCENARIO), folder, cases=cases, formats=tuple(FILES))
        print(json.dumps({"simulated": cases, "seconds": round(time.perf_counter() - began, 1)}), flush=True)
        figures = {}
        for name, file in FILES.items():
            figures[name] = measure(Path(folder) / file)
            print(json.dumps({name: figures[name]}), flush=True)
        parts = per_case(Path(folder) / FILES["csv"], 7 if args.quick else 15)
        print(json.dumps(parts), flush=True)
    print(
        json.dumps(
            {
                "cases": cases,
                "events_per_case": round(figures["csv"]["events"] / cases, 1),
                "violations": {name: f["violations"] for name, f in figures.items()},
                "cases_per_s": {name: f["cases_per_s"] for name, f in figures.items()},
                "read_cases_per_s": {name: f["read_cases_per_s"] for name, f in figures.items()},
                "replay_cases_per_s": {name: f["replay_cases_per_s"] for name, f in figures.items()},
                "log_mb": {name: f["mb"] for name, f in figures.items()},
                **parts,
                "accelerated": accelerated(),
            }
        )
    )


if __name__ == "__main__":
    main()
