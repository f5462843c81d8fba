"""The runner: cases in fixed chunks, on a process pool, in one process, or on Dask; results in order.

Chunks are cut by case index alone, every case draws from its own random stream, and the
main process writes the chunks in index order, so the output bytes do not depend on the
number of workers or where they run. At most a few chunks per worker are in flight, so
memory stays flat however many cases there are.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from attrs import frozen

from .. import _arguments as arguments
from .._checks import shown
from .._eventlog.formats import GZIP, METADATA, Format, metadata, metadata_json, output, unknown
from .._eventlog.formats import formats as format_table
from .._eventlog.log import case_log
from ..errors import InvalidInput, MissingExtra
from ._agent import alone, simulate_case
from ._kpis import Tally, kpis
from ._partition import council_results, formats_with_resources
from ._scenario import Scenario

CHUNK = 500
"""Cases per chunk: the unit of work, of writing, and of a Parquet row group."""

_RUN_FILES = ("kpis.json", "scenario.json", METADATA)
"""What every run writes into its folder besides the logs, once they are all written."""

Progress = Callable[[int, int], None]
"""Called with (cases done, cases in all) after every chunk."""


@frozen(kw_only=True)
class Result:
    """What a simulation run produced.

    Attributes:
        kpis: the KPIs, as written to ``kpis.json``, with the library's version and the
            scenario's hash.
        files: the files written, by format name (and ``"kpis"``, ``"scenario"`` and
            ``"metadata"``).
        seconds: wall-clock time of the run.
        workers: how many workers ran it (0 for a Dask cluster).
    """

    kpis: dict[str, Any]
    files: dict[str, Path]
    seconds: float
    workers: int


def run_chunk(scenario: Scenario, start: int, stop: int, names: Sequence[str]) -> tuple[dict[str, Any], Tally]:
    """Simulate cases ``start`` to ``stop - 1``: each format's encoded chunk and their tally.

    Raises:
        InvalidInput: an argument of the wrong type, a format name that is not known, or a
            scenario with resources (its cases are run council by council, by `simulate`).
    """
    arguments.instance("run_chunk", "scenario", scenario, Scenario, "a Scenario")
    arguments.count("run_chunk", "start", start)
    arguments.count("run_chunk", "stop", stop)
    alone(scenario, "run_chunk")
    table = format_table()
    _formats("run_chunk", "names", names, table)
    tally = Tally()
    direct = [table[name] for name in names if table[name].direct]  # CSV: written from the events
    logged = [name for name in names if not table[name].direct]
    objects = any(table[name].needs_objects for name in logged)  # Parquet and XES need rows only
    pieces: list[list[Any]] = [[] for _ in direct]
    logs = []
    for index in range(start, stop):
        events, case = simulate_case(scenario, index)
        tally.add(events, case)
        for fmt, own in zip(direct, pieces, strict=True):
            own.append(fmt.encode_case(events, case))
        if logged:
            logs.append(case_log(events, case, objects=objects))
    encoded = {fmt.name: fmt.join(own) for fmt, own in zip(direct, pieces, strict=True)}
    encoded.update({name: table[name].encode(logs) for name in logged})
    return {name: encoded[name] for name in names}, tally


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(total, start + size)


def simulate(
    scenario: Scenario,
    out: str | Path | None = None,
    *,
    cases: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    formats: Sequence[str] = ("csv",),
    dask: Any = None,
    progress: Progress | None = None,
    chunk: int = CHUNK,
    force: bool = False,
) -> Result:
    """Simulate a scenario's cases through the real decider and write the event log and KPIs.

    Args:
        scenario: the study.
        out: the output folder (created if needed); ``None`` computes the KPIs only. A folder
            that holds anything is refused, unless `force` is given.
        cases: overrides the scenario's number of cases.
        seed: overrides the scenario's seed.
        workers: processes to use; ``None`` means one per core, ``1`` runs in this process.
        formats: any of ``csv``, ``parquet``, ``xes``, ``ocel``; ``csv.gz``, ``xes.gz`` and
            ``ocel.gz`` write the same log gzipped (``events.xes.gz``).
        dask: a ``distributed.Client`` or a scheduler address: run the chunks on that
            cluster instead of local processes (needs ``restorative[dask]``).
        progress: called with (cases done, total) after each chunk.
        chunk: cases per chunk; part of what fixes the bytes of a Parquet file.
        force: write into a folder that holds something: first remove the files this run
            writes (`run_files`), if they are there, and leave everything else as it is.

    Returns:
        The KPIs and the paths written.

    Raises:
        InvalidInput: an unknown format name, fewer than one worker, or an output folder
            that is not empty (without `force`) or holds a folder where a file goes.
        MissingExtra: a format or Dask needs a package that is not installed.
        SimulationError: the rules refused a simulated command (a bug to report).

    Everything that can be refused is checked before anything is written or removed.
    """
    arguments.instance("simulate", "scenario", scenario, Scenario, "a Scenario")
    if out is not None:
        arguments.folder("simulate", "out", out)
    arguments.call("simulate", "progress", progress)
    arguments.count("simulate", "chunk", chunk, 1)
    if dask is None:
        _workers(workers)  # a bad count is refused before anything is written
    changes: dict[str, Any] = {}
    if cases is not None:
        changes["cases"] = cases
    if seed is not None:
        changes["seed"] = seed
    if changes:
        scenario = scenario.replace(**changes)
    outputs = _outputs(formats) if out is not None else {}
    if scenario.resources is not None:
        outputs = formats_with_resources(outputs)
    for fmt, _ in outputs.values():
        fmt.require()
    if dask is not None:
        _distributed()
    names = list(dict.fromkeys(fmt.name for fmt, _ in outputs.values()))  # what the workers encode: xes once
    began = time.perf_counter()
    data = scenario.to_data()
    scenario_json = json.dumps(data, indent=2) + "\n"
    meta = metadata(scenario_json)
    folder = Path(out) if out is not None else None
    writers: dict[str, Format] = {}
    if folder is not None:
        _clear(folder, [filename for _, filename in outputs.values()] + list(_RUN_FILES), force)
        folder.mkdir(parents=True, exist_ok=True)
        writers = {asked: fmt(folder / filename, scenario.name, meta) for asked, (fmt, filename) in outputs.items()}
    total = Tally()
    done = 0
    used = 0
    try:
        for encoded, tally in _results(scenario, names, workers, dask, chunk):
            for writer in writers.values():
                writer.write(encoded[writer.name])
            total.merge(tally)
            done += tally.cases
            if progress is not None:
                progress(done, scenario.cases)
        used = _workers(workers) if dask is None else 0
    finally:
        for writer in writers.values():
            writer.close()
    figures = {**meta, **kpis(total, data)}
    files = {asked: w.path for asked, w in writers.items()}
    if folder is not None:
        files["kpis"], files["scenario"], files["metadata"] = (folder / name for name in _RUN_FILES)
        files["scenario"].write_text(scenario_json, encoding="utf-8")
        files["kpis"].write_text(json.dumps(figures, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        listed = {what: path.name for what, path in files.items() if what != "metadata"}
        files["metadata"].write_text(metadata_json(meta, listed), encoding="utf-8")
    return Result(kpis=figures, files=files, seconds=time.perf_counter() - began, workers=used)


def _formats(function: str, name: str, given: Any, table: Mapping[str, type[Format]]) -> None:
    """Refuse format names that are not a sequence of known names, as `InvalidInput` for `name`."""
    if isinstance(given, str | bytes) or not isinstance(given, Sequence):
        arguments.refuse(function, name, f"a list of format names ({', '.join(table)})", given)
    for entry in given:
        if not isinstance(entry, str) or entry not in table:
            raise InvalidInput(f"{function}: unknown format {shown(entry)}; choose from {', '.join(table)}", field=name)


def run_files(formats: Sequence[str]) -> list[str]:
    """The names of the files a run with these formats writes into its folder, and so what `force` removes."""
    return [filename for _, filename in _outputs(formats).values()] + list(_RUN_FILES)


def check_out(folder: Path, *, force: bool, flags: bool = False) -> None:
    """Refuse an output folder that holds anything, unless `force`: a run there would mix its files with it.

    Args:
        folder: the output folder; one that does not exist yet is fine.
        force: whether the files the run writes may replace what is there.
        flags: say it as the command line does (``--out``, ``--force``).
    """
    if force or not folder.is_dir():
        return  # a file in the way is for mkdir to report
    with os.scandir(folder) as entries:
        first = next(entries, None)
    if first is None:
        return
    where, how = (f"--out {folder}", "add --force") if flags else (f"the output folder {folder}", "pass force=True")
    raise InvalidInput(
        f"{where} is not empty (it holds {first.name!r:.60}), and a run would mix its files with what is there: "
        f"choose a new or empty folder, or {how} to replace the files this run writes and keep everything else",
        field="out",
    )


def _clear(folder: Path, files: Sequence[str], force: bool) -> None:
    """Refuse a full folder unless forced; forced, remove the run's own files and nothing else."""
    check_out(folder, force=force)
    if not folder.is_dir():
        return
    paths = [folder / name for name in files]
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            raise InvalidInput(f"{path} is a folder where this run writes a file: move it away", field="out")
    for path in paths:  # a link is removed, not what it points at
        if path.is_symlink() or path.is_file():
            path.unlink()


def _outputs(formats: Sequence[str]) -> dict[str, tuple[type[Format], str]]:
    """Each format asked for, once, with the format that writes it and the name of its file."""
    if isinstance(formats, str):  # "csv,xes" would be taken letter by letter
        raise InvalidInput(
            f"formats is a list of names, such as ('csv', 'xes{GZIP}'), not {formats!r:.60}", field="formats"
        )
    if isinstance(formats, bytes) or not isinstance(formats, Sequence):
        arguments.refuse("simulate", "formats", "a list of format names", formats)
    outputs = {}
    for asked in formats:
        found = output(asked) if isinstance(asked, str) else None
        if found is None:
            raise InvalidInput(unknown(asked), field="formats")
        outputs[asked] = found
    return outputs


def _workers(workers: int | None) -> int:
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InvalidInput(
            f"workers must be a whole number of at least 1 (None: one per core), not {workers!r}", field="workers"
        )
    return max(1, os.cpu_count() or 1) if workers is None else workers


def _results(
    scenario: Scenario, names: Sequence[str], workers: int | None, dask: Any, size: int
) -> Iterator[tuple[dict[str, Any], Tally]]:
    if scenario.resources is not None:  # one event loop per council: see _partition
        yield from _councils(scenario, names, workers, dask, size)
        return
    spans = _chunks(scenario.cases, size)
    if dask is not None:
        yield from _on_dask(scenario, names, dask, spans)
        return
    count = _workers(workers)
    if count == 1:
        for start, stop in spans:
            yield run_chunk(scenario, start, stop, names)
        return
    with ProcessPoolExecutor(max_workers=count) as pool:
        yield from _windowed(lambda s: pool.submit(run_chunk, scenario, s[0], s[1], names), spans, 2 * count)


def _windowed(submit: Callable[[tuple[int, int]], Any], spans: Iterator[tuple[int, int]], window: int) -> Iterator[Any]:
    """Keep up to `window` chunks in flight and yield their results in submission order."""
    pending: deque[Future[Any]] = deque()  # or Dask futures, which have the same result()
    for span in spans:
        pending.append(submit(span))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _distributed() -> Any:
    """Dask's `distributed.Client`, or `MissingExtra` if the extra is not installed."""
    try:
        from distributed import Client  # noqa: PLC0415
    except ImportError:
        raise MissingExtra("running on Dask", "dask.distributed", "dask") from None
    return Client


def _on_dask(
    scenario: Scenario, names: Sequence[str], dask: Any, spans: Iterator[tuple[int, int]]
) -> Iterator[tuple[dict[str, Any], Tally]]:
    Client = _distributed()  # noqa: N806 - a class
    connect: Any = Client
    client: Any = dask if isinstance(dask, Client) else connect(dask)
    try:
        width = max(2, 2 * sum(client.nthreads().values()))
        yield from _windowed(lambda s: client.submit(run_chunk, scenario, s[0], s[1], names, pure=False), spans, width)
    finally:
        if client is not dask:
            client.close()


def _councils(
    scenario: Scenario, names: Sequence[str], workers: int | None, dask: Any, size: int
) -> Iterator[tuple[dict[str, Any], Tally]]:
    if dask is None:
        yield from council_results(scenario, names, _workers(workers), None, size)
        return
    Client = _distributed()  # noqa: N806 - a class
    connect: Any = Client
    client: Any = dask if isinstance(dask, Client) else connect(dask)
    try:
        yield from council_results(scenario, names, 0, client, size)
    finally:
        if client is not dask:
            client.close()
