"""Research exports of stored cases: the event log with keyed pseudonyms and ages in bands.

The rows are those of the simulation's logs (the same columns and formats), so the same
process-mining tools read both; every id (cases, people, mediators, staff, items) is
replaced by a keyed pseudonym, stable across exports made with the same key and
unlinkable to the real id without it. Ages are given in bands, never birth dates.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from .._eventlog.formats import METADATA, Format, metadata, metadata_json, output, unknown
from .._eventlog.log import CaseLog, LogObject, LogRow, case_log
from .._values import Case, Party
from ..errors import InvalidInput
from ..store import EventStore

AGE_BANDS = ((0, 14), (15, 17), (18, 29), (30, 49), (50, 69), (70, 200))
"""The bands ages are reported in (both ends included); a child under 15 is never narrower than 0-14."""

_MIN_KEY = 16


class Pseudonyms:
    """Keyed pseudonyms: HMAC-SHA-256 of the id under a secret key, 20 hex characters.

    The same key gives the same pseudonym for the same id in every export, so studies can
    follow a person across exports; without the key, the pseudonyms cannot be reversed
    or linked to the ids a case system shows.
    """

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < _MIN_KEY:
            raise InvalidInput(f"a pseudonym key is at least {_MIN_KEY} secret bytes", field="key")
        self._key = key
        self._known: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        """The pseudonym of one id."""
        known = self._known.get(value)
        if known is None:
            known = hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:20]
            if len(self._known) < 1_000_000:
                self._known[value] = known
        return known

    def __repr__(self) -> str:
        return "Pseudonyms(<key hidden>)"


def age_band(party: Party, on: date) -> str:
    """A party's age on a day, as a band like ``15-17``, or ``unknown``."""
    age = party.age_on(on)
    if age is None:
        return "unknown"
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}+" if high >= 200 else f"{low}-{high}"
    return "unknown"


def pseudonymized(log: CaseLog, case: Case, pseudonym: Pseudonyms) -> CaseLog:
    """A case's log with every id replaced by its pseudonym and party ages in bands."""
    p = pseudonym
    rows = tuple(
        LogRow(
            p(row.case_id),
            row.seq,
            row.activity,
            row.timestamp,
            row.role,
            p(row.actor),
            row.stage,
            row.case_kind,
            row.report_kind,
            tuple((qualifier, kind, p(oid)) for qualifier, kind, oid in row.objects),
        )
        for row in log.rows
    )
    received = case.policy.day_of(case.referral.received_at)
    bands = {f"{case.id}/{party.id}": age_band(party, received) for party in case.parties}
    objects = []
    for obj in log.objects:
        attributes = obj.attributes
        if obj.id in bands:  # known when the party is: at the referral, with their other first values
            attributes = (*attributes, ("age_band", bands[obj.id], attributes[0][2]))
        objects.append(LogObject(p(obj.id), obj.type, attributes, tuple((p(target), q) for target, q in obj.relations)))
    return CaseLog(rows, tuple(objects), log.facts)


def export(
    store: EventStore,
    out: str | Path,
    *,
    key: bytes,
    formats: Sequence[str] = ("csv",),
    name: str = "export",
    chunk: int = 500,
) -> dict[str, Path]:
    """Write every stored case as a pseudonymised event log for research.

    Args:
        store: the cases.
        out: the output folder (created if needed).
        key: the secret pseudonym key (at least 16 bytes; keep it apart from the exports).
        formats: any of ``csv``, ``parquet``, ``xes``, ``ocel``; ``csv.gz``, ``xes.gz`` and
            ``ocel.gz`` write the same log gzipped.
        name: the log's name (in XES).
        chunk: cases per write.

    Raises:
        InvalidInput: a key shorter than 16 bytes, or an unknown format.
        MissingExtra: a format needs a package that is not installed (pyarrow for Parquet).

    Returns:
        The files written, by format, and ``"metadata"``: ``metadata.json``, which records
        the library's version (as the XES and Parquet files do themselves).
    """
    pseudonym = Pseudonyms(key)
    outputs = {}
    for asked in formats:
        found = output(asked)
        if found is None:
            raise InvalidInput(unknown(asked), field="formats")
        outputs[asked] = found
    for fmt, _ in outputs.values():
        fmt.require()  # a missing pyarrow is said before anything is written
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    meta = metadata()
    writers = {asked: fmt(folder / filename, name, meta) for asked, (fmt, filename) in outputs.items()}
    try:
        batch: list[CaseLog] = []
        for summary in sorted(store.cases(), key=lambda s: pseudonym(s.case_id)):
            events = [stored.event for stored in store.history(summary.case_id)]
            case = store.load(summary.case_id)
            batch.append(pseudonymized(case_log(events, case), case, pseudonym))
            if len(batch) >= chunk:
                _write(writers, batch)
                batch = []
        _write(writers, batch)
    finally:
        for writer in writers.values():
            writer.close()
    files = {asked: writer.path for asked, writer in writers.items()}
    files["metadata"] = folder / METADATA
    files["metadata"].write_text(
        metadata_json(meta, {k: p.name for k, p in files.items() if k != "metadata"}), encoding="utf-8"
    )
    return files


def _write(writers: dict[str, Format], batch: list[CaseLog]) -> None:
    if not batch:
        return
    encoded: dict[str, object] = {}  # xes and xes.gz encode once
    for writer in writers.values():
        if writer.name not in encoded:
            encoded[writer.name] = writer.encode(batch)
        writer.write(encoded[writer.name])
