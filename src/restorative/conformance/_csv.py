"""Reading a CSV log: the library's own columns, or another system's through a `LogMapping`."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from os import PathLike
from typing import Any

from .._checks import shown
from .._values import CaseKind, ReferralSource, ReportKind
from ..errors import LogError
from ..events import Event, ReportSent
from ._files import opened, text
from ._log import (
    ACTIVITIES,
    EventLog,
    Known,
    LogEvent,
    Trace,
    aware,
    checked_id,
    local,
    role_of,
    timestamp,
    unknown_activity,
)
from ._mapping import SUBJECTS, LogMapping

OWN_COLUMNS = {
    "case": "case_id",
    "activity": "activity",
    "timestamp": "timestamp",
    "actor": "actor",
    "role": "role",
    "case_kind": "case_kind",
    "report_kind": "report_kind",
    "objects": "objects",
}
"""Our CSV's columns (`restorative.simulation.COLUMNS`); ``seq`` and ``stage`` are not read: the rules decide."""


class _Rows:
    """Rows of one case as they are read, and what its cells said about the case."""

    __slots__ = ("events", "kind", "source")

    def __init__(self) -> None:
        self.events: list[LogEvent] = []
        self.kind: CaseKind | None = None
        self.source: ReferralSource | None = None


def read_csv(path: str | PathLike[str], *, mapping: LogMapping | str | PathLike[str] | None = None) -> EventLog:
    """Read a CSV log: the library's columns, or another system's with a mapping.

    Args:
        path: the file (``.gz`` is read through gzip).
        mapping: a `LogMapping`, or its TOML file, for another system's columns and names.

    Raises:
        LogError: the file cannot be read, lacks a column, or a cell is not what its column holds.
    """
    if mapping is not None and not isinstance(mapping, LogMapping):
        mapping = LogMapping.from_toml(mapping)
    source = str(path)
    encoding = "utf-8" if mapping is None else mapping.encoding
    delimiter = "," if mapping is None else mapping.delimiter
    cases: dict[str, _Rows] = {}
    with opened(path) as raw:
        stream = text(raw, encoding)
        reader = csv.reader(stream, delimiter=delimiter, strict=True)
        try:
            for line, row in _numbered(reader, source, encoding):
                if line == 1:
                    cells = _Cells(row, mapping, source)
                    continue
                if not row or row == [""]:
                    continue
                cells.add(row, line, cases)
        except UnicodeDecodeError as error:
            raise LogError(  # no line: the text is decoded ahead of the lines read
                source, f"is not {encoding} text ({error.reason}); a mapping's encoding key reads another encoding"
            ) from None
    if not cases:
        if reader.line_num == 0:
            raise LogError(source, "is empty: a CSV log starts with its header line")
        raise LogError(source, "holds no events, only its header")
    return EventLog(traces=tuple(_trace(case_id, rows) for case_id, rows in cases.items()), format="csv", source=source)


def _numbered(reader: Any, source: str, encoding: str) -> Iterator[tuple[int, list[str]]]:
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            message = str(error)
            if "field larger than field limit" in message:
                message = f"a cell is longer than {csv.field_size_limit():,} characters"
            raise LogError(source, f"is not a readable CSV file: {message}", where=f"line {reader.line_num}") from None
        number += 1
        yield number, row


def _trace(case_id: str, rows: _Rows) -> Trace:
    return Trace(case_id=case_id, events=tuple(rows.events), known=Known(kind=rows.kind, source=rows.source))


class _Cells:
    """Where each column is, and how to read its cells, from the header line."""

    def __init__(self, header: Sequence[str], mapping: LogMapping | None, source: str) -> None:
        self.source = source
        self.mapping = mapping
        names = OWN_COLUMNS if mapping is None else mapping.columns
        at = {name.strip(): n for n, name in enumerate(header)}
        self.width = len(header)
        self.index: dict[str, int] = {}
        missing = []
        for ours, theirs in names.items():
            if theirs in at:
                self.index[ours] = at[theirs]
            elif ours in ("case", "activity", "timestamp") or mapping is not None:
                missing.append(theirs)
        if missing:
            hint = (
                "the library's CSV has the columns of restorative.simulation.COLUMNS; "
                "give a mapping (--mapping FILE) for another system's log"
                if mapping is None
                else "check the [columns] table of the mapping against the header"
            )
            raise LogError(
                source, f"the header lacks the column(s) {', '.join(shown(m) for m in missing)}; {hint}", where="line 1"
            )
        self.zone = None if mapping is None else mapping.zone()
        self.format = None if mapping is None else mapping.timestamp_format
        self.subjects = [(q, self.index[q]) for q in SUBJECTS if q in self.index]
        self.lookup: Callable[[str], tuple[type[Event], ReportKind | None] | None] = (
            ACTIVITIES.get if mapping is None else mapping.activity
        )
        self.times: dict[str, datetime] = {}

    def cell(self, row: Sequence[str], name: str) -> str:
        index = self.index.get(name)
        return "" if index is None else row[index].strip()

    def add(self, row: list[str], line: int, cases: dict[str, _Rows]) -> None:
        source = self.source
        where = f"line {line}"
        if len(row) != self.width:
            raise LogError(
                source,
                f"has {len(row)} cell{'s' if len(row) != 1 else ''} where the header has {self.width}; "
                "is the file cut short, or a cell unquoted?",
                where=where,
            )
        mapping = self.mapping
        name = self.cell(row, "activity")
        if mapping is not None and name in mapping.ignore:
            return
        found = self.lookup(name)
        if found is None:
            raise unknown_activity(name, source, where, mapped=mapping is not None)
        event, report = found
        case_id = checked_id(self.cell(row, "case"), "case id", source, where)
        rows = cases.get(case_id)
        if rows is None:
            rows = cases[case_id] = _Rows()
        role_text = self.cell(row, "role")
        if mapping is not None and role_text:
            role_text = mapping.role(role_text)
        role = role_of(role_text, source, where)
        actor = self.cell(row, "actor")
        if actor:
            actor = local(checked_id(actor, "actor", source, where), case_id)
        objects = _objects(self.cell(row, "objects"), case_id, source, where)
        for qualifier, index in self.subjects:
            value = row[index].strip()
            if value:
                objects = (*objects, (qualifier, local(checked_id(value, qualifier, source, where), case_id)))
        if event is ReportSent and report is None:
            report = _report_kind(self.cell(row, "report_kind"), source, where)
        self._case_facts(row, rows, where)
        at = self.time(self.cell(row, "timestamp"), where)
        rows.events.append(LogEvent(len(rows.events) + 1, name, event, at, actor, role, objects, report, where))

    def _case_facts(self, row: Sequence[str], rows: _Rows, where: str) -> None:
        if rows.kind is None:
            kind = self.cell(row, "case_kind")
            if kind:
                if self.mapping is not None:
                    kind = self.mapping.kind(kind)
                try:
                    rows.kind = CaseKind(kind)
                except ValueError:
                    raise LogError(
                        self.source, f"the case kind {shown(kind)} is neither criminal nor civil", where=where
                    ) from None
            elif self.mapping is not None:
                rows.kind = self.mapping.case_kind
        if rows.source is None:
            referrer = self.cell(row, "referral_source")
            if referrer:
                try:
                    rows.source = ReferralSource(referrer)
                except ValueError:
                    known = ", ".join(s.value for s in ReferralSource)
                    raise LogError(
                        self.source, f"the referral source {shown(referrer)} is not one of {known}", where=where
                    ) from None
            elif self.mapping is not None:
                rows.source = self.mapping.referral_source

    def time(self, cell: str, where: str) -> datetime:
        known = self.times.get(cell)
        if known is not None:
            return known
        if self.format is None and self.zone is None:
            at = timestamp(cell, self.source, where)
        else:
            try:
                at = datetime.strptime(cell, self.format) if self.format else datetime.fromisoformat(cell)
            except ValueError:
                expected = self.format or "ISO 8601"
                raise LogError(self.source, f"the time {shown(cell)} does not match {expected}", where=where) from None
            if at.tzinfo is None and self.zone is not None:
                at = at.replace(tzinfo=self.zone)
            at = aware(at, cell, self.source, where)
        if len(self.times) < 100_000:
            self.times[cell] = at
        return at


def _objects(cell: str, case_id: str, source: str, where: str) -> tuple[tuple[str, str], ...]:
    """The ``objects`` cell: ``qualifier=id`` pairs separated by ``;``."""
    if not cell:
        return ()
    pairs = []
    for part in cell.split(";"):
        qualifier, sep, oid = part.partition("=")
        if not sep or not qualifier:
            raise LogError(
                source, f"the objects cell {shown(cell)} is not qualifier=id pairs separated by ';'", where=where
            )
        pairs.append((qualifier, local(checked_id(oid, qualifier, source, where), case_id)))
    return tuple(pairs)


def _report_kind(cell: str, source: str, where: str) -> ReportKind | None:
    if not cell:
        return None
    try:
        return ReportKind(cell)
    except ValueError:
        known = ", ".join(k.value for k in ReportKind)
        raise LogError(source, f"the report kind {shown(cell)} is not one of {known}", where=where) from None
