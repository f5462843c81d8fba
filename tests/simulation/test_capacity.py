"""The resource model: its scenario keys, its log, its calendars and pools, and the same bytes for any workers."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import attrs
import pytest

from restorative import events as e
from restorative.conformance import conform
from restorative.errors import ScenarioError
from restorative.simulation import COLUMNS, Pool, Resources, Scenario, simulate
from restorative.simulation._des import Council

ROOT = Path(__file__).resolve().parents[2]
CAPACITY = ROOT / "examples" / "scenarios" / "capacity.toml"
OSLO = ZoneInfo("Europe/Oslo")


def _small(cases: int = 600, councils: int = 3) -> Scenario:
    base = Scenario.from_toml(CAPACITY)
    assert base.resources is not None
    return base.replace(cases=cases, resources=_evolve(base.resources, councils=councils))


T = TypeVar("T", Resources, Pool)


def _evolve(value: T, **changes: Any) -> T:
    return attrs.evolve(value, **changes)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_same_bytes_whatever_the_workers(tmp_path: Path) -> None:
    scenario = _small()
    formats = ("csv", "parquet", "xes", "ocel")
    simulate(scenario, tmp_path / "one", workers=1, formats=formats, chunk=100)
    simulate(scenario, tmp_path / "two", workers=2, formats=formats, chunk=100)
    assert _digest(tmp_path / "one") == _digest(tmp_path / "two")
    simulate(scenario.replace(seed=1), tmp_path / "other", workers=1, formats=formats, chunk=100)
    assert _digest(tmp_path / "one")["events.csv"] != _digest(tmp_path / "other")["events.csv"]


def test_the_log_shows_when_work_began_and_who_did_it(tmp_path: Path) -> None:
    result = simulate(_small(300, 1), tmp_path, workers=1, formats=("csv", "xes", "ocel"))
    lines = (tmp_path / "events.csv").read_text().splitlines()
    assert lines[0] == ",".join((*COLUMNS, "start_timestamp", "resource"))
    started = [line.split(",") for line in lines[1:] if not line.endswith(",,")]
    assert started
    for cells in started:
        assert cells[-1].startswith(("c01-staff-", "c01-room-"))
        assert datetime.fromisoformat(cells[-2]) < datetime.fromisoformat(cells[3])  # start before complete
    xes = (tmp_path / "events.xes").read_text()
    assert xes.count('value="start"/>') == len(started)
    assert xes.count('<string key="org:resource" value="c01-room-') == sum(
        c[-1].startswith("c01-room") for c in started
    )
    for name in ("events.csv", "events.xes", "events.ocel.json"):
        checked = conform(tmp_path / name)
        assert checked.violations == () and checked.fitness == 1.0, name  # start events are not commands
    assert result.kpis["cases"] == 300


def test_a_plain_scenario_keeps_its_log_and_kpis(tmp_path: Path) -> None:
    result = simulate(Scenario(cases=50), tmp_path, workers=1, formats=("csv",))
    assert (tmp_path / "events.csv").read_text().splitlines()[0] == ",".join(COLUMNS)
    assert "resources" not in result.kpis and "resources" not in result.kpis["scenario"]


def _open_at(moment: datetime, windows: dict[int, tuple[int, int]], holidays: set[date]) -> bool:
    local = moment.astimezone(OSLO)
    if local.date() in holidays or local.weekday() not in windows:
        return False
    minutes = local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 6e7
    low, high = windows[local.weekday()]
    return low <= minutes <= high


def test_nothing_is_scheduled_outside_its_calendar_or_on_a_holiday() -> None:
    scenario = _small(700, 1)
    assert scenario.resources is not None
    holidays = set(scenario.resources.calendar.holidays)
    hours = dict.fromkeys(range(5), (480, 930))
    evenings = dict.fromkeys(range(4), (1020, 1200))
    checked = {"staff": 0, "meeting": 0}
    for events, _, starts in Council(scenario, 0).run():
        for index, begun, resource, _ in starts:
            if resource.startswith("c01-staff"):
                checked["staff"] += 1
                assert _open_at(begun, hours, holidays), begun.astimezone(OSLO)
                assert _open_at(events[index].at, hours, holidays), events[index].at.astimezone(OSLO)
        for event in events:
            if type(event).__name__ == "MeetingHeld":
                checked["meeting"] += 1
                assert _open_at(event.at, evenings, holidays), event.at.astimezone(OSLO)
                assert event.at.astimezone(OSLO).hour == 17  # a meeting takes a whole evening
    assert checked["staff"] > 500 and checked["meeting"] > 100


def test_no_mediator_holds_more_cases_than_max_cases() -> None:
    scenario = _small(800, 1)
    assert scenario.resources is not None
    mediators = _evolve(scenario.resources.mediators, size=6, max_cases=2)
    scenario = scenario.replace(resources=_evolve(scenario.resources, mediators=mediators))
    changes: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for events, _, _ in Council(scenario, 0).run():
        held = None
        for event in events:
            kind = type(event).__name__
            if isinstance(event, e.MediatorAssigned):
                held = event.mediator_id
                changes[held].append((event.at, 1))
            elif held is not None and (kind == "MediatorReleased" or _leaves(event)):
                changes[held].append((event.at, -1))
                held = None
    most = 0
    for moves in changes.values():
        count = 0
        for _, move in sorted(moves, key=lambda m: (m[0], m[1])):  # a release before an assignment at the same time
            count += move
            most = max(most, count)
    assert most == 2  # the limit is reached, and never passed


def _leaves(event: object) -> bool:
    name = type(event).__name__
    return name in ("AgreementBound", "CaseWithdrawn", "NoAgreementRecorded", "CaseDeclined") or (
        name.startswith("Case") and name.endswith(("Fulfilled", "Breached", "Withdrawn"))
    )


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[resources]\ncouncils = 0", "resources.councils"),
        ("[resources]\ncouncils = true", "resources.councils"),
        ("[resources]\nrooms = 3", "resources.rooms"),
        ("[resources]\nmeeting_hours = -1", "resources.meeting_hours"),
        ("[resources]\nmeeting_hours = 5", "resources.meeting_hours"),
        ("[resources]\nspeed = 2", "resources.speed"),
        ("[resources.mediators]\nsize = 0", "resources.mediators.size"),
        ("[resources.mediators]\nsize = 1.5", "resources.mediators.size"),
        ("[resources.mediators]\nmax_cases = 0", "resources.mediators.max_cases"),
        ("[resources.mediators]\nwork = 1", "resources.mediators.work"),
        ("[resources.rooms]\ncalendar = 'weekends'", "resources.rooms.calendar"),
        ("[resources.staff]\nwork = { dist = 'exponential', mean = -1 }", "resources.staff.work.mean"),
        ("[resources.calendar]\nzone = 'Nowhere/Else'", "resources.calendar.zone"),
        ("[resources.calendar.hours]\nmon = '8-16'", "resources.calendar.hours.mon"),
        ("[resources.calendar.hours]\nmon = '08:00-25:00'", "resources.calendar.hours.mon"),
        ("[resources.calendar.hours]\nmon = ['08:00-12:00', '11:00-16:00']", "resources.calendar.hours.mon"),
        ("[resources.calendar.hours]\nfunday = '08:00-12:00'", "resources.calendar.hours.funday"),
        ("[resources.calendar]\nhours = {}", "resources.staff.calendar"),
        ("[resources.calendar]\nholidays = ['next tuesday']", "resources.calendar.holidays"),
        ("[resources.calendar]\nholidays = [2026-01-01T00:00:00Z]", "resources.calendar.holidays"),
        ("[resources.arrivals]\nper_year = 0", "resources.arrivals.per_year"),
        ("[resources.arrivals]\nper_year = nan", "resources.arrivals.per_year"),
        ("[resources.arrivals]\nchanges = [{ from = 2026-03-01, per_year = 9 }]", "resources.arrivals.changes[0].from"),
        (
            "[resources.arrivals]\nchanges = [{ from = 2026-03-01T00:00:00Z, per_year = 9 },"
            " { from = 2026-02-01T00:00:00Z, per_year = 9 }]",
            "resources.arrivals.changes[1].from",
        ),
        ("[resources.arrivals]\nchanges = [{ from = 2026-03-01T00:00:00Z }]", "resources.arrivals.changes[0]"),
    ],
)
def test_hostile_values_are_refused_with_their_key(toml: str, key: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        Scenario.from_toml(toml)
    assert refused.value.key == key


def test_a_campaign_doubles_the_referrals_while_it_lasts() -> None:
    start = datetime(2026, 1, 5, 8, tzinfo=UTC)
    scenario = Scenario.from_toml(
        "cases = 3000\nreferrals_per_year = 2000\n[resources]\ncouncils = 1\n"
        "[resources.arrivals]\nchanges = [{ from = 2026-07-06T08:00:00Z, per_year = 4000 },"
        " { from = 2027-01-04T08:00:00Z, per_year = 2000 }]\n"
    )
    from restorative.simulation._des import arrival_times

    times = [datetime.fromtimestamp(t, UTC) for t in arrival_times(scenario, 0, 3000)]
    assert times == sorted(times) and times[0] >= start
    before = sum(t < datetime(2026, 7, 6, 8, tzinfo=UTC) for t in times)
    during = sum(datetime(2026, 7, 6, 8, tzinfo=UTC) <= t < datetime(2027, 1, 4, 8, tzinfo=UTC) for t in times)
    assert 900 < before < 1100 and 1800 < during < 2200  # half a year at 2,000 a year, then at 4,000


def test_a_resources_scenario_reads_back_from_its_data() -> None:
    scenario = Scenario.from_toml(CAPACITY)
    assert Scenario.from_data(scenario.to_data()) == scenario
    assert scenario.resources is not None and scenario.resources.councils == 19


def test_the_capacity_what_if_in_the_docs_reproduces() -> None:
    """docs/simulation.md quotes a run of examples/capacity.py; the same seed must still give it."""
    committed = json.loads((ROOT / "docs" / "img" / "capacity" / "kpis.json").read_text(encoding="utf-8"))
    again = simulate(Scenario.from_toml(CAPACITY), None, cases=committed["cases"], workers=2).kpis
    again["restorative_version"] = committed["restorative_version"]
    assert again == committed, "rerun: python examples/capacity.py --cases 7000 --out docs/img/capacity"
    page = (ROOT / "docs" / "simulation.md").read_text(encoding="utf-8")
    resources = committed["resources"]
    assert f"median of {resources['receipt_to_meeting']['median_days']:.1f} days" in page
    assert f"{100 * resources['utilisation']['mediators']:.0f} % of their case slots" in page


def test_a_case_of_a_scenario_with_resources_is_not_simulated_alone() -> None:
    """Its cases wait for each other: simulate_case and run_chunk would silently ignore the pools."""
    from restorative.errors import InvalidInput
    from restorative.simulation import run_chunk, simulate_case

    scenario = _small(10, 1)
    for call in (lambda: simulate_case(scenario, 0), lambda: run_chunk(scenario, 0, 2, ("csv",))):
        with pytest.raises(InvalidInput, match="simulate\\(\\)") as refused:
            call()
        assert "scenario" == refused.value.field
    simulate_case(scenario.replace(resources=None), 0)
