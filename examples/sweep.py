"""A sweep: how much does the assumed weekly chance of giving up while waiting matter?

Runs examples/scenarios/norway.toml with ``behaviour.weekly_withdrawal`` at 1 % and 5 %,
five replications each, with common random numbers (replication r has the same seed for
both values), and prints the table and saves its plot. `docs/simulation.md` shows the
output of ``python examples/sweep.py --cases 7000 --out docs/img/sweep``.

Run: ``python examples/sweep.py`` (300 cases a run into a temporary folder, seconds).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from restorative.simulation import Scenario, plot_sweep, sweep

SCENARIOS = Path(__file__).parent / "scenarios"


def study(cases: int, out: Path) -> None:
    baseline = Scenario.from_toml(SCENARIOS / "norway.toml")
    done = sweep(baseline, "behaviour.weekly_withdrawal", [0.01, 0.05], replications=5, cases=cases)
    print(done.text())
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.csv").write_text(done.csv(), encoding="utf-8")
    try:
        plot_sweep(done, out)
    except ImportError as missing:  # matplotlib is the optional extra restorative[plot]
        print(f"plot skipped: {missing}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--out", type=Path, help="where to write the table and plot (default: a temporary folder)")
    args = parser.parse_args()
    if args.out is not None:
        study(args.cases, args.out)
        return
    with tempfile.TemporaryDirectory() as folder:
        study(args.cases, Path(folder))


if __name__ == "__main__":
    main()
