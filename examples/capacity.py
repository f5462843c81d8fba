"""A what-if about capacity: the same year with 20 % fewer mediators.

Runs examples/scenarios/capacity.toml (19 councils, each with 29 mediators who take one
case at a time, two meeting rooms on weekday evenings, one member of staff in working
hours) once, and writes its KPIs and capacity plot; then sweeps
``resources.mediators.size`` over 29 and 23 (20 % fewer), five replications each with
common random numbers, and writes the table and its plot. `docs/simulation.md` shows the
output of ``python examples/capacity.py --cases 7000 --out docs/img/capacity``.

Run: ``python examples/capacity.py`` (300 cases a run into a temporary folder, seconds).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from restorative.simulation import Scenario, plot_capacity, plot_sweep, simulate, sweep

SCENARIOS = Path(__file__).parent / "scenarios"


def study(cases: int, replications: int, out: Path) -> None:
    baseline = Scenario.from_toml(SCENARIOS / "capacity.toml")
    kpis = simulate(baseline, cases=cases, workers=2).kpis
    resources = kpis["resources"]
    print(f"receipt to meeting: median {resources['receipt_to_meeting']['median_days']} days (published 25 to 35)")
    print("utilisation:", resources["utilisation"])
    print("mean wait (days):", {step: w["mean"] for step, w in resources["wait_days"].items()})
    done = sweep(baseline, "resources.mediators.size", [29, 23], replications=replications, cases=cases, workers=2)
    print(done.text())
    for value, row in zip(done.values, done.table, strict=True):
        shown = {name: (est.mean, est.low, est.high) for name, est in row.items() if "wait" in name or "util" in name}
        print(value, shown)
    out.mkdir(parents=True, exist_ok=True)
    kpis["scenario"]["name"] = baseline.name
    (out / "kpis.json").write_text(json.dumps(kpis, indent=2) + "\n", encoding="utf-8")
    (out / "sweep.csv").write_text(done.csv(), encoding="utf-8")
    try:
        plot_capacity(kpis, out)
        plot_sweep(done, out)
    except ImportError as missing:  # matplotlib is the optional extra restorative[plot]
        print(f"plots skipped: {missing}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument(
        "--out", type=Path, help="where to write the KPIs, table and plots (default: a temporary folder)"
    )
    args = parser.parse_args()
    if args.out is not None:
        study(args.cases, args.replications, args.out)
        return
    with tempfile.TemporaryDirectory() as folder:
        study(args.cases, 2, Path(folder))


if __name__ == "__main__":
    main()
