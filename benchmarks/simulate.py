"""Benchmark of the simulation: cases per second with the full CSV event log, and peak memory.

Run: ``python benchmarks/simulate.py`` (1,000,000 cases on all cores, then smaller runs;
about 20 minutes on 2 cores) or ``--quick`` (20,000 cases; under a minute). Each run is a
fresh child process, so its peak memory is its own: the figure is the peak resident size
of the main process plus that of the largest worker times the number of workers.

The last line is one JSON object: ``cases_per_s`` (all cores, CSV written; the design's
target is 20,000), ``cases_per_s_one_worker``, ``events_per_case``, ``peak_rss_mb_1m`` (for
1,000,000 cases; ``peak_rss_mb_small`` is the same for the small run, and the two should
be about equal: memory must not grow with the number of cases). ``decider_only_us_per_case``
is what a case costs just to pass its commands through `handle`, next to
``budget_us_per_case_per_core`` (what the target leaves a case on one core):
``decider_only_over_budget`` above 1 means the target cannot be met by any agent or
export, however fast, without a faster decider. ``trigger_us`` is one bare `transitions`
trigger with a condition (the yardstick of `benchmarks/core.py`), and ``case_over_trigger``
the whole one-core cost of a case with its CSV log in such triggers, round by round: the
figure that holds on a noisy machine.

``resources_over_plain`` is the cost of a case with the resource model (the capacity
scenario: 19 councils' event loops, pools and calendars) over a plain case of the same
baseline, both with the CSV log on one core, measured side by side in alternating rounds;
``peak_rss_mb_resources_large`` and ``_small`` are the peak memory of resource runs at two
case counts (``rss_resources_large_over_small`` about 1: flat).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _timing import accelerated, interleaved
from _trigger import trigger_sample

SCENARIO = Path(__file__).resolve().parent.parent / "examples" / "scenarios" / "norway.toml"
CAPACITY = SCENARIO.with_name("capacity.toml")
TARGET_CASES_PER_S = 20_000


def child(cases: int, workers: int, capacity: int = 0) -> None:
    """Run one simulation and print its figures as JSON (in a fresh process); `capacity`: of capacity.toml."""
    from restorative.simulation import Scenario, simulate

    scenario = Scenario.from_toml(CAPACITY if capacity else SCENARIO)
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        result = simulate(scenario, folder, cases=cases, workers=workers, formats=("csv",))
        seconds = time.perf_counter() - began
        csv_bytes = (Path(folder) / "events.csv").stat().st_size
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak = own + (worker * workers if workers > 1 else 0)
    print(
        json.dumps(
            {
                "cases": cases,
                "workers": workers,
                "seconds": round(seconds, 2),
                "cases_per_s": round(cases / seconds),
                "events_per_case": result.kpis["events_per_case"],
                "csv_mb": round(csv_bytes / 2**20, 1),
                "peak_rss_mb": round(peak, 1),
            }
        )
    )


def floor(cases: int, rounds: int) -> dict[str, float]:
    """Per case, on one core: the whole simulation (agent, decider, CSV) against the decider alone and a trigger.

    The commands each case's agent sent are recorded, then sent again straight to
    `handle`, with no agent, no `allowed` and no export: what a case costs just to pass
    through the real rules. Both sides run in this process, alternating round by round,
    so their ratio holds on a noisy machine. The whole case is set against a bare trigger
    the same way. Medians of the rounds, in µs per case (the trigger in µs).
    """
    from restorative import handle
    from restorative.simulation import Scenario
    from restorative.simulation._agent import simulate_case
    from restorative.simulation._runner import run_chunk

    scenario = Scenario.from_toml(SCENARIO)
    scripts: list[list[Any]] = []
    for index in range(cases):
        scripts.append([])
        simulate_case(scenario, index, observe=lambda before, command, after, new: scripts[-1].append(command))

    def whole() -> float:
        began = time.perf_counter()
        run_chunk(scenario, 0, cases, ("csv",))
        return (time.perf_counter() - began) / cases * 1e6

    def decider_only() -> float:
        began = time.perf_counter()
        for commands in scripts:
            case = None
            for command in commands:
                case, _ = handle(case, command)
        return (time.perf_counter() - began) / cases * 1e6

    one_trigger = trigger_sample()

    def trigger() -> float:
        return statistics.median(one_trigger() for _ in range(5))

    whole(), decider_only(), trigger()  # warm up
    alone, _, share = interleaved(decider_only, whole, rounds)
    full, trigger_us, over = interleaved(whole, trigger, rounds)
    return {
        "us_per_case_one_core": round(full, 1),
        "trigger_us": round(trigger_us, 3),
        "case_over_trigger": round(over, 1),
        "decider_only_us_per_case": round(alone, 1),
        "decider_share": round(share, 3),
        "commands_per_case": round(sum(len(c) for c in scripts) / cases, 1),
    }


def resources_cost(cases: int, rounds: int) -> dict[str, float]:
    """Per case on one core, with the CSV log: the capacity scenario against the plain baseline, round by round."""
    from restorative.simulation import Scenario, simulate

    plain = Scenario.from_toml(SCENARIO).replace(cases=cases)
    capacity = Scenario.from_toml(CAPACITY).replace(cases=cases)

    def timed(scenario: Any) -> float:
        with tempfile.TemporaryDirectory() as folder:
            began = time.perf_counter()
            simulate(scenario, folder, workers=1, formats=("csv",))
            return (time.perf_counter() - began) / cases * 1e6

    with_resources, without, ratio = interleaved(lambda: timed(capacity), lambda: timed(plain), rounds)
    return {
        "resources_us_per_case": round(with_resources, 1),
        "plain_us_per_case": round(without, 1),
        "resources_over_plain": round(ratio, 3),
    }


def run(cases: int, workers: int, capacity: int = 0) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(cases), str(workers), str(capacity)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    print(json.dumps(figures), flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20,000 cases instead of 1,000,000")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    big, small, single = (20_000, 2_000, 5_000) if args.quick else (1_000_000, 20_000, 50_000)
    large = run(big, args.workers)
    little = run(small, args.workers)
    one = run(single, 1)
    parts = floor(500 if args.quick else 2_000, 15 if args.quick else 25)
    costs = resources_cost(1_000 if args.quick else 5_000, 5 if args.quick else 7)
    print(json.dumps(costs), flush=True)
    resources_large = run(big if args.quick else 200_000, args.workers, 1)
    resources_small = run(small, args.workers, 1)
    budget = args.workers * 1e6 / TARGET_CASES_PER_S
    print(json.dumps(parts), flush=True)
    print(
        json.dumps(
            {
                "cases_per_s": large["cases_per_s"],
                "cases_per_s_one_worker": one["cases_per_s"],
                "events_per_case": large["events_per_case"],
                "peak_rss_mb_1m": large["peak_rss_mb"] if big == 1_000_000 else None,
                "peak_rss_mb_large": large["peak_rss_mb"],
                "peak_rss_mb_small": little["peak_rss_mb"],
                "large_cases": big,
                "small_cases": small,
                "rss_large_over_small": round(large["peak_rss_mb"] / little["peak_rss_mb"], 3),
                "workers": args.workers,
                "target_cases_per_s": TARGET_CASES_PER_S,
                "target_met": large["cases_per_s"] >= TARGET_CASES_PER_S,
                "budget_us_per_case_per_core": round(budget, 1),
                **parts,
                "decider_only_over_budget": round(parts["decider_only_us_per_case"] / budget, 2),
                **costs,
                "peak_rss_mb_resources_large": resources_large["peak_rss_mb"],
                "peak_rss_mb_resources_small": resources_small["peak_rss_mb"],
                "resources_large_cases": resources_large["cases"],
                "rss_resources_large_over_small": round(
                    resources_large["peak_rss_mb"] / resources_small["peak_rss_mb"], 3
                ),
                "accelerated": accelerated(),
            }
        )
    )


if __name__ == "__main__":
    main()
