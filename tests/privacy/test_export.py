"""Research exports: keyed pseudonyms, ages in bands, nothing that names a person."""

from __future__ import annotations

import csv
import gzip
import json
import re
from datetime import date
from pathlib import Path

import pytest

import restorative as r
from restorative._demo import fulfilled_case, withdrawn_case
from restorative.errors import InvalidInput
from restorative.privacy import AGE_BANDS, Pseudonyms, age_band, export
from restorative.store import SQLiteStore

KEY = b"0123456789abcdef-research-key"


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    store = SQLiteStore(tmp_path / "cases.db")
    for story, case_id in ((fulfilled_case, "demo-1"), (withdrawn_case, "demo-2")):
        _commands, events = story(case_id)
        store.append(case_id, events, 0)
    return store


def _real_ids(store: SQLiteStore) -> set[str]:
    ids: set[str] = set()
    for summary in store.cases():
        case = store.load(summary.case_id)
        ids |= {case.id, *case.mediators, *case.staff}
        ids |= {p.id for p in case.parties} | {g for p in case.parties for g in p.guardians}
        ids |= {q.id for q in case.participants}
    return ids


def test_the_export_names_nobody_and_keeps_every_event(store: SQLiteStore, tmp_path: Path) -> None:
    files = export(store, tmp_path / "out", key=KEY, formats=("csv", "xes", "ocel"))
    rows = list(csv.DictReader(files["csv"].open(encoding="utf-8")))
    assert len(rows) == sum(len(store.history(s.case_id)) for s in store.cases())
    text = "\n".join(path.read_text(encoding="utf-8") for path in files.values())
    words = set(re.findall(r"[\w.-]+", text))
    assert "CaseReferred" in words
    for real in _real_ids(store):  # no id, alone or in a composite id like case/person
        assert real not in words and not any(w.startswith(f"{real}/") or w.endswith(f"/{real}") for w in words), real
    for born in ("1979-05-14", "2009-08-30"):  # the demo's birth dates
        assert born not in text
    assert {row["activity"] for row in rows} >= {"CaseReferred", "Report return", "PartyWithdrew"}
    ocel = json.loads(files["ocel"].read_text(encoding="utf-8"))
    bands = {
        a["value"] for o in ocel["objects"] if o["type"] == "party" for a in o["attributes"] if a["name"] == "age_band"
    }
    assert bands == {"30-49", "15-17", "unknown"}  # kari, jonas (16), and the second case's adults without dates


def test_pseudonyms_are_stable_with_a_key_and_differ_without_it(store: SQLiteStore, tmp_path: Path) -> None:
    one = export(store, tmp_path / "one", key=KEY)["csv"].read_bytes()
    two = export(store, tmp_path / "two", key=KEY)["csv"].read_bytes()
    other = export(store, tmp_path / "other", key=b"another-secret-key-of-16")["csv"].read_bytes()
    assert one == two
    assert one != other
    pseudonym = Pseudonyms(KEY)
    assert pseudonym("demo-1").encode() in one
    assert pseudonym("demo-1").encode() not in other
    assert "key" not in repr(pseudonym).replace("key hidden", "")


def test_a_gzipped_export_holds_the_same_log(store: SQLiteStore, tmp_path: Path) -> None:
    formats = ("csv", "csv.gz", "xes", "xes.gz", "ocel", "ocel.gz")
    files = export(store, tmp_path / "out", key=KEY, formats=formats)
    assert [files[f].name for f in formats] == [
        "events.csv",
        "events.csv.gz",
        "events.xes",
        "events.xes.gz",
        "events.ocel.json",
        "events.ocel.json.gz",
    ]
    for plain in ("csv", "xes", "ocel"):
        assert gzip.decompress(files[f"{plain}.gz"].read_bytes()) == files[plain].read_bytes()
    with pytest.raises(InvalidInput, match=r"parquet\.gz: a Parquet file compresses its own columns"):
        export(store, tmp_path / "no", key=KEY, formats=("parquet.gz",))


def test_bad_keys_and_formats_are_refused(store: SQLiteStore, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="16 secret bytes"):
        export(store, tmp_path, key=b"short")
    with pytest.raises(InvalidInput, match="unknown format 'pdf'"):
        export(store, tmp_path, key=KEY, formats=("pdf",))


def test_an_unknown_format_is_named_in_a_short_message(store: SQLiteStore, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="unknown format") as caught:
        export(store, tmp_path, key=KEY, formats=("x" * 10**6,))
    assert len(str(caught.value)) < 300


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (3, "0-14"),
        (14, "0-14"),
        (15, "15-17"),
        (17, "15-17"),
        (18, "18-29"),
        (49, "30-49"),
        (69, "50-69"),
        (70, "70+"),
        (104, "70+"),
    ],
)
def test_age_bands(age: int, band: str) -> None:
    on = date(2026, 6, 1)
    party = r.Party(id="p", role=r.Role.PARTY, birth_date=date(on.year - age, 1, 1))
    assert party.age_on(on) == age
    assert age_band(party, on) == band
    assert age_band(r.Party(id="q", role=r.Role.PARTY), on) == "unknown"
    assert AGE_BANDS[0][0] == 0
