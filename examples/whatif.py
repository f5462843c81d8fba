"""A what-if study: today's practice against longer preparation and against no cooling-off.

Runs the three scenarios in examples/scenarios/ through the real rules, prints each run's
KPI table and the comparisons, and saves the plots. `docs/simulation.md` shows the output
of ``python examples/whatif.py --cases 7000 --out docs/img/simulation`` (one simulated year).

Run: ``python examples/whatif.py`` (1,000 cases each into a temporary folder, seconds).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from restorative.simulation import Scenario, compare, compare_table, plot_comparison, plot_run, simulate, table

SCENARIOS = Path(__file__).parent / "scenarios"


def study(cases: int, out: Path) -> None:
    # formats=(): only kpis.json, scenario.json and metadata.json per run; add "csv" etc. for the event logs.
    # force=True: a study run again replaces the files of its own runs (and leaves anything else in the folders).
    baseline = simulate(
        Scenario.from_toml(SCENARIOS / "norway.toml"), out / "norway", cases=cases, formats=(), force=True
    )
    print(table(baseline.kpis), end="\n\n")
    for variant in ("longer-preparation", "no-cooling-off"):
        run = simulate(
            Scenario.from_toml(SCENARIOS / f"{variant}.toml"), out / variant, cases=cases, formats=(), force=True
        )
        print(compare_table(compare(baseline.kpis, run.kpis)), end="\n\n")
        if variant == "longer-preparation":
            try:
                plot_run(baseline.kpis, out)
                plot_comparison(baseline.kpis, run.kpis, out)
            except ImportError as missing:  # matplotlib is the optional extra restorative[plot]
                print(f"plots skipped: {missing}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--out", type=Path, help="where to write the logs and plots (default: a temporary folder)")
    args = parser.parse_args()
    if args.out is not None:
        study(args.cases, args.out)
        return
    with tempfile.TemporaryDirectory() as folder:
        study(args.cases, Path(folder))


if __name__ == "__main__":
    main()
