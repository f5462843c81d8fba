"""Running a scenario with resources: one council per task, its chunks written in a fixed order.

A council's event loop runs whole in one worker (it has one clock); the councils run
side by side on the process pool or Dask. The main process writes council 0's chunks,
then council 1's, and so on; the cases of a council are consecutive indices, so the
log is in index order and its bytes do not depend on the number of workers.

A worker of the process pool spools its council's encoded chunks to a file, and the main
process reads them back one chunk at a time, so neither holds a council's whole log in
memory. A Dask worker may run on another machine, so it returns its council's chunks
whole: on a cluster, memory grows with the cases per council (use more councils).
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from .._eventlog.formats import CsvFormat, Format, ParquetFormat, _arrow
from .._eventlog.formats import formats as format_table
from .._eventlog.log import COLUMNS, CaseLog, case_csv, case_log, objects_cell
from ._des import Council, Done
from ._kpis import Tally
from ._scenario import Scenario

CAPACITY_COLUMNS = ("start_timestamp", "resource")
"""The columns a run with resources adds to the CSV and Parquet logs: when a step's work
began and the staff member or room that did it (empty where a step did not wait)."""

Chunk = tuple[dict[str, Any], Tally]


class CapacityCsv(CsvFormat):
    """``events.csv`` of a run with resources: `COLUMNS`, then `CAPACITY_COLUMNS`."""

    def __init__(self, path: Path, name: str, meta: Mapping[str, str] | None = None) -> None:
        Format.__init__(self, path, name, meta)
        from .._eventlog.formats import open_text  # noqa: PLC0415

        self.file = open_text(path)
        self.file.write(",".join(COLUMNS + CAPACITY_COLUMNS) + "\n")


class CapacityParquet(ParquetFormat):
    """``events.parquet`` of a run with resources: `COLUMNS`, then `CAPACITY_COLUMNS` (text)."""

    def __init__(self, path: Path, name: str, meta: Mapping[str, str] | None = None) -> None:
        Format.__init__(self, path, name, meta)
        pa, pq = _arrow()
        plain = ParquetFormat._schema(pa, self.meta)
        self.schema = plain.append(pa.field("start_timestamp", pa.string())).append(pa.field("resource", pa.string()))
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")


def formats_with_resources(outputs: dict[str, tuple[type[Format], str]]) -> dict[str, tuple[type[Format], str]]:
    """The runner's outputs with the CSV and Parquet writers that hold the resource columns."""
    swap: dict[type[Format], type[Format]] = {CsvFormat: CapacityCsv, ParquetFormat: CapacityParquet}
    return {asked: (swap.get(fmt, fmt), filename) for asked, (fmt, filename) in outputs.items()}


def _starts(done: Done) -> tuple[tuple[int, str, str, str], ...]:
    return tuple((index + 1, at.isoformat(), resource, pool) for index, at, resource, pool in done[2])


def _csv(done: Done) -> str:
    events, case, _ = done
    cells = {seq: f",{at},{resource}" for seq, at, resource, _ in _starts(done)}
    lines = case_csv(events, case).split("\n")[:-1]  # one line a row, in seq order
    return "".join(f"{line}{cells.get(seq, ',,')}\n" for seq, line in enumerate(lines, start=1))


def encode(batch: Sequence[Done], names: Sequence[str]) -> Chunk:
    """One chunk of finished cases: each format's encoded text (or columns) and their tally."""
    table = format_table()
    tally = Tally()
    for events, case, _ in batch:
        tally.add(events, case)
    encoded: dict[str, Any] = {}
    logs: list[CaseLog] | None = None
    for name in names:
        if name == "csv":
            encoded[name] = "".join(_csv(done) for done in batch)
            continue
        if logs is None:
            objects = any(table[n].needs_objects for n in names if n not in ("csv", "parquet"))
            logs = [case_log(done[0], done[1], objects=objects)._replace(starts=_starts(done)) for done in batch]
        if name == "parquet":
            encoded[name] = _parquet_columns(logs)
        else:
            encoded[name] = table[name].encode(logs)
    return encoded, tally


def _parquet_columns(logs: Sequence[CaseLog]) -> list[list[Any]]:
    columns: list[list[Any]] = [[] for _ in COLUMNS + CAPACITY_COLUMNS]
    for log in logs:
        starts = {seq: (at, resource) for seq, at, resource, _ in log.starts}
        for row in log.rows:
            for i in range(9):
                columns[i].append(row[i])
            columns[9].append(objects_cell(row.objects))
            at, resource = starts.get(row.seq, ("", ""))
            columns[10].append(at)
            columns[11].append(resource)
    return columns


def council_chunks(scenario: Scenario, council: int, names: Sequence[str], size: int) -> Iterator[Chunk]:
    """The council's cases as encoded chunks of `size`, in index order; the last carries the pools' tally."""
    loop = Council(scenario, council)
    batch: list[Done] = []
    for done in loop.run():
        batch.append(done)
        if len(batch) == size:
            yield encode(batch, names)
            batch = []
    encoded, tally = encode(batch, names)
    tally.capacity = loop.tally
    yield encoded, tally


def _spool(scenario: Scenario, council: int, names: Sequence[str], size: int, folder: str) -> str:
    """Run a council in a worker and pickle its chunks, one after another, into a file (its path)."""
    path = os.path.join(folder, f"council-{council:04d}.pickle")
    with open(path, "wb") as file:
        for chunk in council_chunks(scenario, council, names, size):
            pickle.dump(chunk, file, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _unspool(path: str) -> Iterator[Chunk]:
    with open(path, "rb") as file:
        while True:
            try:
                yield pickle.load(file)
            except EOFError:
                break
    os.unlink(path)


def _whole(scenario: Scenario, council: int, names: Sequence[str], size: int) -> list[Chunk]:
    return list(council_chunks(scenario, council, names, size))


def council_results(scenario: Scenario, names: Sequence[str], workers: int, client: Any, size: int) -> Iterator[Chunk]:
    """Every council's chunks, council by council, on this process, the pool or a Dask client."""
    assert scenario.resources is not None
    councils = range(scenario.resources.councils)
    if client is not None:
        futures = [client.submit(_whole, scenario, k, names, size, pure=False) for k in councils]
        for future in futures:
            yield from future.result()
        return
    if workers == 1:
        for k in councils:
            yield from council_chunks(scenario, k, names, size)
        return
    with (
        tempfile.TemporaryDirectory(prefix="restorative-councils-") as folder,
        ProcessPoolExecutor(max_workers=workers) as pool,
    ):
        futures = [pool.submit(_spool, scenario, k, names, size, folder) for k in councils]
        for future in futures:
            yield from _unspool(future.result())
