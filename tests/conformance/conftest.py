"""A simulated run in every format the checker reads, shared by the conformance tests."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from restorative.simulation import Scenario, simulate

SCENARIOS = Path(__file__).parent.parent.parent / "examples" / "scenarios"
CASES = 300


@pytest.fixture(scope="session")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with 300 simulated Norwegian cases as events.csv, .xes and .ocel.json, and each gzipped."""
    folder = tmp_path_factory.mktemp("simulated")
    scenario = Scenario.from_toml(SCENARIOS / "norway.toml")
    simulate(scenario, folder, cases=CASES, seed=16, workers=1, formats=("csv", "xes", "ocel"))
    for name in ("events.csv", "events.xes", "events.ocel.json"):
        with (folder / name).open("rb") as plain, gzip.open(folder / f"{name}.gz", "wb") as packed:
            shutil.copyfileobj(plain, packed)
    return folder
