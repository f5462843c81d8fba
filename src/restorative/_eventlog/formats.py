"""Export formats of the event log: each one encodes chunks in a worker and writes them in order.

A format is a class with a static `encode(logs)` that turns a chunk of cases into
something picklable (run in the worker processes, so the heavy work is parallel), or,
if it is `direct`, a static `encode_case(events, case)` for each case and a `join` of a
chunk's pieces, so that the runner need not build the case's `CaseLog` for it; and
an instance, opened on the output file (and the log's name) by the main process, whose `write` appends one
encoded chunk and whose `close` finishes the file. Chunks arrive in case order, so the
bytes do not depend on the number of workers.

A text format asked for with ``.gz`` after its name (``xes.gz``) writes its file gzipped,
with ``.gz`` after the file's name (``events.xes.gz``): the file's name decides.

Every output says what wrote it (`metadata`): the library's version and, for a simulation,
the SHA-256 of its ``scenario.json``. XES holds them as log attributes and Parquet as
key-value metadata of the file; CSV and OCEL 2.0 have no place for them, so the
``metadata.json`` beside every run or export holds them for all its files.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any, ClassVar

from .._checks import shown
from .._values import Case
from ..errors import MissingExtra
from ..events import Event
from .log import COLUMNS, CaseLog, case_csv, csv_text, objects_cell


class Format:
    """Base of the export formats: see the module's docstring."""

    name: ClassVar[str]
    filename: ClassVar[str]
    needs_objects: ClassVar[bool] = True
    """Whether `encode` reads the logs' objects; if not, they need not be built."""
    direct: ClassVar[bool] = False
    """Whether the runner encodes each case with `encode_case` and a chunk with `join` (no `CaseLog`)."""
    compressible: ClassVar[bool] = True
    """Whether it is text that may be gzipped (Parquet compresses its own columns)."""

    def __init__(self, path: Path, name: str, meta: Mapping[str, str] | None = None) -> None:
        self.path = path
        self.name_of_log = name
        self.meta: Mapping[str, str] = {} if meta is None else meta
        """What the file records of what wrote it (`metadata`)."""

    @staticmethod
    def require() -> None:
        """Check that what the format needs is installed, before anything is written.

        Raises:
            MissingExtra: a package it needs is not installed.
        """

    @staticmethod
    def encode(logs: Sequence[CaseLog]) -> Any:
        """Encode one chunk of cases (runs in a worker)."""
        raise NotImplementedError

    @staticmethod
    def encode_case(events: Sequence[Event], case: Case) -> Any:
        """Encode one case from its events and final value (a `direct` format; runs in a worker)."""
        raise NotImplementedError

    @staticmethod
    def join(pieces: Sequence[Any]) -> Any:
        """One encoded chunk from its cases' `encode_case` pieces, in case order: what `encode` gives."""
        raise NotImplementedError

    def write(self, encoded: Any) -> None:
        """Append one encoded chunk."""
        raise NotImplementedError

    def close(self) -> None:
        """Finish the file."""
        raise NotImplementedError


class CsvFormat(Format):
    """``events.csv``: one row per event, the columns of `COLUMNS`, UTF-8, ``\\n`` line ends."""

    name = "csv"
    filename = "events.csv"
    needs_objects = False
    direct = True

    def __init__(self, path: Path, name: str, meta: Mapping[str, str] | None = None) -> None:
        super().__init__(path, name, meta)
        self.file = open_text(path)
        self.file.write(",".join(COLUMNS) + "\n")

    @staticmethod
    def encode(logs: Sequence[CaseLog]) -> Any:
        return csv_text(logs)

    @staticmethod
    def encode_case(events: Sequence[Event], case: Case) -> Any:
        return case_csv(events, case)

    @staticmethod
    def join(pieces: Sequence[Any]) -> Any:
        return "".join(pieces)

    def write(self, encoded: Any) -> None:
        self.file.write(encoded)

    def close(self) -> None:
        self.file.close()


class ParquetFormat(Format):
    """``events.parquet``: the same columns as CSV, one row group per chunk (needs pyarrow)."""

    name = "parquet"
    filename = "events.parquet"
    needs_objects = False
    compressible = False

    def __init__(self, path: Path, name: str, meta: Mapping[str, str] | None = None) -> None:
        super().__init__(path, name, meta)
        pa, pq = _arrow()
        self.schema = self._schema(pa, self.meta)
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")

    @staticmethod
    def _schema(pa: Any, meta: Mapping[str, str]) -> Any:
        """The columns of `COLUMNS` with their Arrow types, and `meta` as the file's metadata."""
        return pa.schema(
            [
                ("case_id", pa.string()),
                ("seq", pa.int32()),
                ("activity", pa.string()),
                ("timestamp", pa.timestamp("us", tz="UTC")),
                ("role", pa.string()),
                ("actor", pa.string()),
                ("stage", pa.string()),
                ("case_kind", pa.string()),
                ("report_kind", pa.string()),
                ("objects", pa.string()),
            ],
            metadata={key.encode(): value.encode() for key, value in meta.items()},
        )

    @staticmethod
    def encode(logs: Sequence[CaseLog]) -> Any:
        columns: list[list[Any]] = [[] for _ in COLUMNS]
        for log in logs:
            for row in log.rows:
                for i in range(9):
                    columns[i].append(row[i])
                columns[9].append(objects_cell(row.objects))
        return columns

    @staticmethod
    def require() -> None:
        _arrow()

    def write(self, encoded: Any) -> None:
        pa, _ = _arrow()
        arrays = [
            pa.array(values, type=self.schema.field(i).type) if i != 3 else None for i, values in enumerate(encoded)
        ]
        stamps = pa.array(encoded[3], type=pa.string()).cast(pa.timestamp("us", tz="UTC"))
        arrays[3] = stamps
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))

    def close(self) -> None:
        self.writer.close()


def _arrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.parquet as pq  # noqa: PLC0415
    except ImportError:
        raise MissingExtra("Parquet export", "pyarrow", "sim") from None
    return pa, pq


def formats() -> dict[str, type[Format]]:
    """Every export format by name: csv, parquet, xes, ocel."""
    from .mining import OcelFormat, XesFormat  # noqa: PLC0415

    return {f.name: f for f in (CsvFormat, ParquetFormat, XesFormat, OcelFormat)}


GZIP = ".gz"


def output(name: str) -> tuple[type[Format], str] | None:
    """The format that `name` asks for and the name of the file it writes, or ``None`` if there is none.

    ``xes`` writes ``events.xes``; ``xes.gz`` the same log gzipped, as ``events.xes.gz``.
    """
    if not isinstance(name, str):
        return None
    base = name.removesuffix(GZIP)
    fmt = formats().get(base)
    if fmt is None or (base != name and not fmt.compressible):
        return None
    return fmt, fmt.filename + name[len(base) :]


def unknown(name: object) -> str:
    """Why `name` is no format, and which names are."""
    if name == ParquetFormat.name + GZIP:
        return "parquet.gz: a Parquet file compresses its own columns (zstd); ask for parquet"
    names = ", ".join(formats())
    return f"unknown format {shown(name)}; choose from {names}, or a text one with {GZIP} to gzip it (e.g. xes{GZIP})"


def open_text(path: Path) -> IO[str]:
    """`path` opened to write UTF-8 text as it is given; gzipped if its name ends in ``.gz``.

    The gzip header holds no time (``mtime=0``), so the same text gives the same bytes;
    level 6 is zlib's own default: measured on a simulated XES log, it writes a 24th of
    the text, and level 9 about an eighth less than that in twice the time.
    """
    if not path.name.endswith(GZIP):
        return path.open("w", encoding="utf-8", newline="")
    zipped = gzip.GzipFile(str(path), "wb", compresslevel=6, mtime=0)
    return io.TextIOWrapper(zipped, encoding="utf-8", newline="")


METADATA = "metadata.json"
"""The file beside a run's or an export's logs that says what wrote them, and which files they are."""


def metadata(scenario_json: str | None = None) -> dict[str, str]:
    """What every output records of what wrote it: the library's version and the scenario's hash.

    Args:
        scenario_json: the text of the run's ``scenario.json``, whose SHA-256 identifies the
            scenario (``sha256sum scenario.json`` prints the same); ``None`` for an export.
    """
    from .. import __version__  # noqa: PLC0415 - the package imports this module

    meta = {"restorative_version": __version__}
    if scenario_json is not None:
        meta["scenario_sha256"] = hashlib.sha256(scenario_json.encode("utf-8")).hexdigest()
    return meta


def metadata_json(meta: Mapping[str, str], files: Mapping[str, str]) -> str:
    """The text of ``metadata.json``: `meta`, and the name of each file written, by what it holds."""
    return json.dumps({**meta, "files": dict(files)}, indent=2) + "\n"
