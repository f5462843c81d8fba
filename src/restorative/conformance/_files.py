"""Opening a log: its format from the file name (gzip too), and the errors of reading it as one `LogError`."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import IO, TYPE_CHECKING

from .._checks import shown
from ..errors import LogError
from ._log import EventLog

if TYPE_CHECKING:
    from ._mapping import LogMapping

FORMATS = ("csv", "xes", "ocel")
"""The formats a log can be read in."""

_SUFFIXES = {".csv": "csv", ".xes": "xes", ".json": "ocel", ".jsonocel": "ocel"}

READ_ERRORS = (OSError, EOFError, zlib.error, gzip.BadGzipFile)
"""What reading a (possibly gzipped) file can raise besides decoding errors."""


def format_of(path: str | PathLike[str]) -> str:
    """The format a file name says: ``events.csv``, ``events.xes.gz``, ``events.ocel.json`` (``.jsonocel``)."""
    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    suffix = Path(name).suffix
    found = _SUFFIXES.get(suffix)
    if found is None:
        raise LogError(
            str(path),
            "cannot tell the log's format from its name; name it .csv, .xes or .json (OCEL 2.0), "
            "optionally with .gz, or give the format (--format csv|xes|ocel)",
        )
    return found


def check_format(name: str) -> str:
    """`name` if it is a format the checker reads, else `LogError`."""
    if name not in FORMATS:
        raise LogError("--format", f"unknown log format {shown(name)}; choose from {', '.join(FORMATS)}")
    return name


@contextmanager
def opened(path: str | PathLike[str]) -> Iterator[IO[bytes]]:
    """The file's bytes, decompressed when its name ends in ``.gz``; failures become `LogError`."""
    where = str(path)
    try:
        raw: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed below
    except IsADirectoryError:
        raise LogError(where, "is a folder, not a log file") from None
    except OSError as error:
        raise LogError(where, f"cannot read the log: {error.strerror or error}") from None
    try:
        if where.lower().endswith(".gz"):
            with gzip.GzipFile(fileobj=raw) as unzipped:
                yield unzipped  # type: ignore[misc] # a GzipFile reads bytes like any binary file
        else:
            yield raw
    except READ_ERRORS as error:
        raise LogError(where, f"cannot read the log: {describe(error)}") from None
    finally:
        raw.close()


def describe(error: BaseException) -> str:
    """A reading error in words, with what to do about a damaged gzip file."""
    if isinstance(error, EOFError):
        return "the compressed file ends too early (truncated?)"
    if isinstance(error, gzip.BadGzipFile | zlib.error):
        return f"not a valid gzip file ({error}); a name ending in .gz means gzip"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def text(raw: IO[bytes], encoding: str) -> io.TextIOWrapper:
    """The bytes as text, strict about the encoding (a byte order mark is skipped)."""
    name = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    return io.TextIOWrapper(raw, encoding=name, errors="strict", newline="")


def read_log(
    path: str | PathLike[str],
    *,
    format: str | None = None,
    mapping: LogMapping | str | PathLike[str] | None = None,
) -> EventLog:
    """Read a log of cases: the library's CSV, XES or OCEL 2.0 JSON, or another system's CSV with a mapping.

    Args:
        path: the file; a name ending in ``.gz`` is read through gzip.
        format: ``csv``, ``xes`` or ``ocel``; by default, from the file name
            (``.csv``, ``.xes``, ``.json`` or ``.jsonocel``, each optionally ``.gz``).
        mapping: how to read another system's CSV: a `LogMapping` or its TOML file.

    Returns:
        The log's traces, one per case.

    Raises:
        LogError: the file cannot be read, or is not a log of cases in that format; the
            message names the file, the place and what to do.
    """
    from ._csv import read_csv  # noqa: PLC0415 - the readers import this module
    from ._ocel import read_ocel  # noqa: PLC0415
    from ._xes import read_xes  # noqa: PLC0415

    if mapping is not None:
        if format not in (None, "csv"):
            raise LogError("--mapping", "a mapping reads a CSV log; leave out --format or give --format csv")
        return read_csv(path, mapping=mapping)
    chosen = format_of(path) if format is None else check_format(format)
    if chosen == "csv":
        return read_csv(path)
    if chosen == "xes":
        return read_xes(path)
    return read_ocel(path)
