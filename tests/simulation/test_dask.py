"""A Dask cluster run gives the same bytes as the local process pool."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from restorative.simulation import Scenario, simulate

distributed = pytest.importorskip("distributed", reason="Dask runs need restorative[dask] (distributed)")


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_a_local_cluster_run_equals_the_process_pool_run(tmp_path: Path) -> None:
    scenario = Scenario(name="on dask", seed=13)
    formats = ("csv", "parquet")
    pool = simulate(scenario, tmp_path / "pool", cases=900, workers=2, formats=formats, chunk=200)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = simulate(scenario, tmp_path / "dask", cases=900, dask=client, formats=formats, chunk=200)
        by_address = simulate(scenario, tmp_path / "address", cases=900, dask=cluster.scheduler_address, chunk=200)
    assert on_dask.workers == 0
    assert _digest(tmp_path / "pool") == _digest(tmp_path / "dask")
    assert by_address.kpis == pool.kpis
