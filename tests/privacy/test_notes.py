"""Meeting notes: confidential by construction; no report, export, log line or inspect output carries them."""

from __future__ import annotations

import logging
import pickle
import sqlite3
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import restorative as r
from restorative._cli import main
from restorative._demo import fulfilled_case
from restorative.errors import InvalidInput
from restorative.store import SQLiteStore
from restorative.testing import History
from restorative.testing import strategies as rst

pytest.importorskip("cryptography", reason="the vault needs restorative[privacy] (cryptography)")

from restorative._eventlog.log import csv_text
from restorative._eventlog.mining import OcelFormat, XesFormat
from restorative.privacy import Erasure, MasterKey, MeetingNotes, Vault, export, purge
from restorative.privacy._vault import notes_id
from restorative.simulation import case_log

KEY = MasterKey.generate()
MARKER = "Emil said he was sorry about the bike and cried"


def _notes(case_id: str = "case-1") -> MeetingNotes:
    return MeetingNotes(case_id, MARKER)


def test_notes_print_format_and_log_as_a_placeholder(caplog: pytest.LogCaptureFixture) -> None:
    notes = _notes()
    for shown in (str(notes), repr(notes), f"{notes}", f"{notes!r}", "%s" % notes, f"{notes}"):  # noqa: UP031
        assert MARKER not in shown
        assert "case-1" in shown
    with caplog.at_level(logging.INFO):
        logging.getLogger("casesystem").info("meeting done: %s", notes)
    assert MARKER not in caplog.text and "confidential" in caplog.text
    assert notes.reveal() == MARKER


@pytest.mark.parametrize(
    "case_id", ["", "case\n1", " case-1", None, "c" * 201], ids=["empty", "newline", "space", "none", "long"]
)
def test_notes_belong_to_a_case_id(case_id: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        MeetingNotes(case_id, MARKER)
    assert "case_id" == caught.value.field
    assert MARKER not in str(caught.value)


def test_notes_refuse_to_be_encoded_or_pickled() -> None:
    with pytest.raises(InvalidInput):
        r.to_json(_notes())
    with pytest.raises(TypeError, match="confidential"):
        pickle.dumps(_notes())
    with pytest.raises(InvalidInput):
        r.to_json({"notes": _notes()})


def _text_fields(value: Any) -> list[str]:
    return [f.name for f in attrs.fields(type(value)) if f.type in ("str", str) or "Id" in str(f.type)]


def test_no_command_or_value_of_the_library_takes_notes_in_a_text_field() -> None:
    """Every text field of every command (and the values in them) is typed and checked: notes do not fit."""
    commands, _events = fulfilled_case()
    checked = 0
    values: list[Any] = list(commands)
    for command in commands:
        values += [v for v in attrs.astuple(command, recurse=False) if attrs.has(type(v))]
        values += [v for field in ("items", "parties") for v in getattr(command, field, ())]
    for value in values:
        for name in _text_fields(value):
            with pytest.raises(InvalidInput):
                attrs.evolve(value, **{name: _notes()})
            checked += 1
    assert checked > 40


def _everything_shown(history: History, db: Path) -> str:
    """Every output the library makes of a case: timeline, reports, JSON, exports, `inspect`, the raw file."""
    events, case = history.events, history.case
    reports = [r.to_json(e.report) for e in events if isinstance(e, r.ReportSent)]
    log = case_log(events, case)
    ocel = OcelFormat.encode([log])
    shown = [
        r.timeline(events),
        *reports,
        *(r.to_json(e) for e in events),
        r.to_json(case),
        csv_text([log]),
        XesFormat.encode([log]),
        ocel.events,
        ocel.objects,
    ]
    return "\n".join(shown)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=rst.histories(max_steps=25), salt=st.integers(0, 10**9))
def test_no_output_of_a_case_ever_carries_its_meeting_notes(
    history: History, salt: int, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path_factory.mktemp("notes")
    db = folder / "cases.db"
    store = SQLiteStore(db)
    vault = Vault(store, KEY)
    case_id = history.case.id
    store.append(case_id, history.events, 0)
    marker = f"{MARKER} #{salt}"
    vault.put_notes(MeetingNotes(case_id, marker))
    assert main(["inspect", case_id, "--db", str(db)]) == 0
    assert main(["inspect", case_id, "--db", str(db), "--json"]) == 0
    printed = capsys.readouterr().out
    exported = export(store, folder / "research", key=b"research-key-0123456789", formats=("csv", "xes", "ocel"))
    printed += "".join(path.read_text(encoding="utf-8") for path in exported.values())
    store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = db.read_bytes()
    for output in (_everything_shown(history, db), printed):
        assert marker not in output
    assert marker.encode() not in raw
    assert vault.notes(case_id) == MeetingNotes(case_id, marker)
    store.close()


def test_notes_are_erased_with_their_case(tmp_path: Path) -> None:
    db = tmp_path / "cases.db"
    store = SQLiteStore(db)
    vault = Vault(store, KEY)
    _commands, events = fulfilled_case("case-9")
    store.append("case-9", events, 0)
    vault.put_notes(MeetingNotes("case-9", MARKER))
    sealed = bytes(
        store.connection.execute(
            "SELECT sealed FROM restorative_vault WHERE person_id = ?", (notes_id("case-9"),)
        ).fetchone()[0]
    )
    now = events[-1].at.replace(year=events[-1].at.year + 1)
    assert purge(store, vault, before=now, now=now).erased == ()  # Norway's policy keeps data until erased
    done = purge(store, vault, before=now, now=now.replace(year=now.year + 1), dry_run=True)
    assert done.erased == ()
    vault.erase_notes("case-9", reason="the case system asked", actor="staff-oslo-1")
    assert isinstance(vault.notes("case-9"), Erasure)
    store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert sealed not in db.read_bytes()
    assert store.verify_all() == []
    store.close()
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM restorative_vault").fetchone() == (0,)
