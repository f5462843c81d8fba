"""Times in timelines and on the command line are in UTC and say so: given offsets never make time run backwards."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import restorative as r
from restorative._cli import main
from restorative._timeline import describe_command
from restorative.store import SQLiteStore
from tests.flows import MEDIATOR, STAFF, Flow, handled

OSLO_SUMMER = timezone(timedelta(hours=2))
REFERRED = datetime(2026, 6, 1, 9, 0, tzinfo=OSLO_SUMMER)  # 07:00 UTC
ACCEPTED = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # an hour later, though its clock reads earlier


def _opened() -> tuple[list[r.Event], r.Case]:
    """A case referred at 09:00+02:00 and accepted at 08:00 UTC."""
    referral = r.Referral(
        source=r.ReferralSource.PROSECUTION, kind=r.CaseKind.CRIMINAL, received_at=REFERRED, admission_of_facts=True
    )
    parties = (r.Party(id="ida", role=r.Role.HARMED), r.Party(id="emil", role=r.Role.RESPONSIBLE))
    commands: list[r.Command] = [
        r.ReferCase(actor=STAFF, at=REFERRED, case_id="oslo-1", referral=referral, parties=parties),
        r.AcceptCase(actor=STAFF, at=ACCEPTED),
    ]
    return handled(commands)


def test_a_timeline_shows_every_time_in_utc_and_in_order() -> None:
    events, _ = _opened()
    lines = r.timeline(events).splitlines()
    assert lines[0].startswith("2026-06-01 07:00 UTC  staff-1 ")
    assert lines[1].startswith("2026-06-01 08:00 UTC  staff-1 ")


def test_descriptions_show_their_times_in_utc() -> None:
    flow = Flow().to_preparation().prepare_all()
    starts = datetime(2026, 2, 2, 14, 0, tzinfo=OSLO_SUMMER)
    attendees = flow.attendees()
    flow.do(r.ScheduleMeeting, MEDIATOR, starts_at=starts, attendees=attendees)
    scheduled = flow.events[-1]
    assert "scheduled for 2026-02-02 12:00 with" in r.describe(scheduled)
    command = r.ScheduleMeeting(actor=MEDIATOR, at=starts, starts_at=starts, attendees=attendees)
    assert describe_command(command).endswith("by med-1 (mediator) at 2026-02-02 12:00 UTC")
    assert "starts_at=2026-02-02 12:00 UTC" in describe_command(command)


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "cases.db"
    events, case = _opened()
    store = SQLiteStore(path)
    store.append(case.id, events, 0)
    store.close()
    return str(path)


def test_inspect_prints_utc_times(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["inspect", "oslo-1", "--db", db])
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("   1  2026-06-01 07:00 UTC  staff-1")
    assert lines[2].startswith("   2  2026-06-01 08:00 UTC  staff-1")
    assert 0 == main(["inspect", "oslo-1", "--db", db, "--json"])
    document = json.loads(capsys.readouterr().out)
    assert ["2026-06-01T07:00:00+00:00", "2026-06-01T08:00:00+00:00"] == [e["at"] for e in document["events"]]


def test_cases_prints_utc_times(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["cases", "--db", db])
    assert "last change 2026-06-01 08:00 UTC" in capsys.readouterr().out
    assert 0 == main(["cases", "--db", db, "--json"])
    assert "2026-06-01T08:00:00+00:00" == json.loads(capsys.readouterr().out)["cases"][0]["updated_at"]


def test_tick_prints_its_time_in_utc(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["tick", "--db", db, "--at", "2026-06-02T09:30:00+02:00"])
    assert "nothing is due at 2026-06-02 07:30 UTC\n" == capsys.readouterr().out
    assert 0 == main(["tick", "--db", db, "--at", "2026-06-02T09:30:00+02:00", "--json"])
    assert "2026-06-02T07:30:00+00:00" == json.loads(capsys.readouterr().out)["at"]
