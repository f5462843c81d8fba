"""The resource part of a scenario: pools, calendars and arrivals, as frozen values read from TOML.

A scenario with a ``[resources]`` table runs through the event loop of `_des`: its cases
wait for mediators, staff and meeting rooms. Every key is checked like the rest of a
scenario, and a bad value raises `ScenarioError` naming the dotted key.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
from attrs import field, frozen

from ..errors import ScenarioError
from ._calendar import ALWAYS, DAYS, Week, Window
from ._scenario import Distribution

CALENDARS = ("hours", "meetings", "always")
"""What a pool or the arrivals may follow: working hours, meeting evenings, or every moment."""

_MAX_POOL = 1_000_000
_MAX_COUNCILS = 1000


def _days(**given: tuple[Window, ...]) -> tuple[tuple[Window, ...], ...]:
    return tuple(given.get(name, ()) for name in DAYS)


_OFFICE = Week(days=_days(**dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), ((480, 960),))))
_EVENINGS = Week(days=_days(**dict.fromkeys(("mon", "tue", "wed", "thu"), ((1020, 1200),))))


def _lognormal(median: float, sigma: float) -> Distribution:
    return Distribution(dist="lognormal", params=(("median", median), ("sigma", sigma)))


_NO_WORK = Distribution(dist="fixed", params=(("value", 0.0),))


@frozen(kw_only=True, weakref_slot=False)
class Pool:
    """A pool of people or rooms in each council.

    Args:
        size: how many there are in each council.
        calendar: when they are available: ``hours`` (working hours), ``meetings`` (the
            meeting evenings) or ``always``.
        max_cases: for mediators, the most cases one mediator has at once.
        work: for staff, the time (days, counted in open time) one staff step takes.
    """

    size: int
    calendar: str = "always"
    max_cases: int = 1
    work: Distribution = _NO_WORK


@frozen(kw_only=True, weakref_slot=False)
class Calendar:
    """The weekly calendars and the holidays, in one time zone.

    Args:
        zone: the IANA time zone of every window and holiday, e.g. ``Europe/Oslo``.
        hours: working hours (staff), by weekday.
        meetings: when meetings are held (mediators and rooms), by weekday.
        holidays: dates on which neither is open.
    """

    zone: str = "Europe/Oslo"
    hours: Week = _OFFICE
    meetings: Week = _EVENINGS
    holidays: tuple[date, ...] = ()

    def week(self, name: str) -> Week:
        """The `Week` a pool's ``calendar`` names."""
        return ALWAYS if name == "always" else self.hours if name == "hours" else self.meetings


@frozen(kw_only=True, weakref_slot=False)
class Arrivals:
    """When referrals arrive: a Poisson process whose rate may change, within a calendar.

    Args:
        per_year: referrals a year in the whole service (``None``: the scenario's
            ``referrals_per_year``), spread over the open time of `calendar`.
        calendar: ``always``, ``hours`` or ``meetings``: when referrals are received.
        changes: ``(from, per_year)`` pieces in time order: from each moment on, the rate
            is that many a year (a campaign doubles it, its end restores it).
    """

    per_year: float | None = None
    calendar: str = "always"
    changes: tuple[tuple[datetime, float], ...] = ()


@frozen(kw_only=True, weakref_slot=False)
class Resources:
    """Capacity: who does the work and when, in each council (each its own partition).

    Args:
        councils: how many councils the cases are spread over; each has the pools below
            and runs as its own event loop (mediators are not shared between councils).
        meeting_hours: how long a meeting holds its mediator and room.
        mediators: the mediators of each council (`Pool.max_cases` applies).
        rooms: the meeting rooms of each council.
        staff: the staff of each council (`Pool.work` applies).
        calendar: the weekly calendars and holidays.
        arrivals: how referrals arrive.
    """

    councils: int = 19
    meeting_hours: float = 3.0
    mediators: Pool = field(factory=lambda: Pool(size=29, calendar="meetings", max_cases=2))
    rooms: Pool = field(factory=lambda: Pool(size=2, calendar="meetings"))
    staff: Pool = field(factory=lambda: Pool(size=1, calendar="hours", work=_lognormal(0.02, 0.5)))
    calendar: Calendar = field(factory=Calendar)
    arrivals: Arrivals = field(factory=Arrivals)

    def to_data(self) -> dict[str, Any]:
        """The plain-data form that `read` takes back (what ``[resources]`` holds)."""

        def pool(p: Pool, keys: tuple[str, ...]) -> dict[str, Any]:
            data: dict[str, Any] = {"size": p.size, "calendar": p.calendar}
            if "max_cases" in keys:
                data["max_cases"] = p.max_cases
            if "work" in keys:
                data["work"] = p.work.to_data()
            return data

        arrivals: dict[str, Any] = {"calendar": self.arrivals.calendar}
        if self.arrivals.per_year is not None:
            arrivals["per_year"] = self.arrivals.per_year
        arrivals["changes"] = [{"from": at.isoformat(), "per_year": rate} for at, rate in self.arrivals.changes]
        return {
            "councils": self.councils,
            "meeting_hours": self.meeting_hours,
            "mediators": pool(self.mediators, _POOL_KEYS["mediators"]),
            "rooms": pool(self.rooms, _POOL_KEYS["rooms"]),
            "staff": pool(self.staff, _POOL_KEYS["staff"]),
            "calendar": {
                "zone": self.calendar.zone,
                "hours": self.calendar.hours.to_data(),
                "meetings": self.calendar.meetings.to_data(),
                "holidays": [d.isoformat() for d in self.calendar.holidays],
            },
            "arrivals": arrivals,
        }


_POOL_KEYS = {
    "mediators": ("size", "calendar", "max_cases"),
    "rooms": ("size", "calendar"),
    "staff": ("size", "calendar", "work"),
}
_KEYS = tuple(f.name for f in attrs.fields(Resources))


# --- reading ----------------------------------------------------------------------------


def _table(value: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ScenarioError(key, f"must be a table, not {type(value).__name__}")
    return value


def _known(table: Mapping[str, Any], known: tuple[str, ...], key: str) -> None:
    for name in table:
        if name not in known:
            raise ScenarioError(f"{key}.{name}", f"unknown key; known keys are {', '.join(known)}")


def _whole(value: Any, key: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(key, f"must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise ScenarioError(key, f"must lie between {low:,} and {high:,}, not {value:,}")
    return value


def _number(value: Any, key: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(key, f"must be a finite number, not {value!r}")
    if not low <= value <= high:
        raise ScenarioError(key, f"must lie between {low:g} and {high:g}, not {value:g}")
    return float(value)


def _minutes(text: str, key: str) -> int:
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) in (1, 2)):
        raise ScenarioError(key, f"a time is HH:MM, not {text!r}")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > 1440:
        raise ScenarioError(key, f"{text!r} is no time of day (00:00 to 24:00)")
    return value


def week(value: Any, key: str) -> Week:
    """A `Week` from ``{day: "HH:MM-HH:MM" or a list of them}``; a day left out is closed."""
    table = _table(value, key)
    _known(table, DAYS, key)
    days: list[tuple[Window, ...]] = []
    for name in DAYS:
        given = table.get(name, [])
        dotted = f"{key}.{name}"
        texts = [given] if isinstance(given, str) else given
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise ScenarioError(dotted, f'must be a window "HH:MM-HH:MM" or a list of them, not {given!r}')
        windows = []
        for text in texts:
            frm, dash, to = text.partition("-")
            if not dash:
                raise ScenarioError(dotted, f'a window is "HH:MM-HH:MM", not {text!r}')
            a, b = _minutes(frm.strip(), dotted), _minutes(to.strip(), dotted)
            if a >= b:
                raise ScenarioError(dotted, f"{text!r} must end after it begins (a window stays within its day)")
            windows.append((a, b))
        windows.sort()
        for (_, end), (start, _) in itertools.pairwise(windows):
            if start < end:
                raise ScenarioError(dotted, "windows must not overlap")
        days.append(tuple(windows))
    return Week(days=tuple(days))


def _date(value: Any, key: str) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ScenarioError(key, f"must be a date such as 2026-05-17, not {value!r}") from None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ScenarioError(key, f"must be a date such as 2026-05-17, not {value!r}")
    return value


def _moment(value: Any, key: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ScenarioError(key, f"must be a date and time with a zone, not {value!r}") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ScenarioError(key, f"must be a date and time with a zone, e.g. 2026-09-01T00:00:00Z, not {value!r}")
    return value.astimezone(UTC)


def _calendar(value: Any) -> Calendar:
    key = "resources.calendar"
    table = _table(value, key)
    _known(table, tuple(f.name for f in attrs.fields(Calendar)), key)
    changes: dict[str, Any] = {}
    if "zone" in table:
        zone = table["zone"]
        if not isinstance(zone, str) or not zone:
            raise ScenarioError(f"{key}.zone", f"must be a time zone name such as Europe/Oslo, not {zone!r}")
        if zone != "UTC":
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ScenarioError(
                    f"{key}.zone", f"{zone!r} is not a time zone known here (pip install tzdata adds them)"
                ) from None
        changes["zone"] = zone
    for name in ("hours", "meetings"):
        if name in table:
            changes[name] = week(table[name], f"{key}.{name}")
    if "holidays" in table:
        given = table["holidays"]
        if not isinstance(given, list):
            raise ScenarioError(f"{key}.holidays", f"must be a list of dates, not {given!r}")
        changes["holidays"] = tuple(sorted({_date(d, f"{key}.holidays") for d in given}))
    return Calendar(**changes)


def _pool(value: Any, name: str, base: Pool) -> Pool:
    key = f"resources.{name}"
    table = _table(value, key)
    _known(table, _POOL_KEYS[name], key)
    changes: dict[str, Any] = {}
    for k, raw in table.items():
        dotted = f"{key}.{k}"
        if k == "size":
            changes[k] = _whole(raw, dotted, 1, _MAX_POOL)
        elif k == "max_cases":
            changes[k] = _whole(raw, dotted, 1, 1000)
        elif k == "calendar":
            if raw not in CALENDARS:
                raise ScenarioError(dotted, f"must be one of {', '.join(CALENDARS)}, not {raw!r}")
            changes[k] = raw
        else:
            from ._reading import distribution  # noqa: PLC0415 - the reader imports this module

            changes[k] = distribution(dotted, raw)
    return attrs.evolve(base, **changes)


def _arrivals(value: Any) -> Arrivals:
    key = "resources.arrivals"
    table = _table(value, key)
    _known(table, tuple(f.name for f in attrs.fields(Arrivals)), key)
    changes: dict[str, Any] = {}
    if "per_year" in table:
        changes["per_year"] = _number(table["per_year"], f"{key}.per_year", 1.0, 1e9)
    if "calendar" in table:
        if table["calendar"] not in CALENDARS:
            raise ScenarioError(f"{key}.calendar", f"must be one of {', '.join(CALENDARS)}, not {table['calendar']!r}")
        changes["calendar"] = table["calendar"]
    if "changes" in table:
        given = table["changes"]
        dotted = f"{key}.changes"
        if not isinstance(given, list):
            raise ScenarioError(dotted, f"must be a list of {{from, per_year}} tables, not {given!r}")
        pieces: list[tuple[datetime, float]] = []
        for n, piece in enumerate(given):
            where = f"{dotted}[{n}]"
            entry = _table(piece, where)
            _known(entry, ("from", "per_year"), where)
            if "from" not in entry or "per_year" not in entry:
                raise ScenarioError(where, "needs from and per_year")
            at = _moment(entry["from"], f"{where}.from")
            if pieces and at <= pieces[-1][0]:
                raise ScenarioError(f"{where}.from", "changes must be in time order, each after the one before")
            pieces.append((at, _number(entry["per_year"], f"{where}.per_year", 0.0, 1e9)))
        if pieces and pieces[-1][1] < 1:
            raise ScenarioError(f"{dotted}[{len(pieces) - 1}].per_year", "the last rate must be at least 1 a year")
        changes["changes"] = tuple(pieces)
    return Arrivals(**changes)


def read(value: Any) -> Resources:
    """`Resources` from the ``[resources]`` table, every key checked; keys left out keep their defaults.

    Raises:
        ScenarioError: an unknown key or a value out of range, naming the dotted key.
    """
    key = "resources"
    table = _table(value, key)
    _known(table, _KEYS, key)
    base = Resources()
    changes: dict[str, Any] = {}
    for k, raw in table.items():
        dotted = f"{key}.{k}"
        if k == "councils":
            changes[k] = _whole(raw, dotted, 1, _MAX_COUNCILS)
        elif k == "meeting_hours":
            changes[k] = _number(raw, dotted, 0.01, 24.0)
        elif k in _POOL_KEYS:
            changes[k] = _pool(raw, k, getattr(base, k))
        elif k == "calendar":
            changes[k] = _calendar(raw)
        else:
            changes[k] = _arrivals(raw)
    resources = Resources(**changes)
    _open(resources)
    return resources


def _open(resources: Resources) -> None:
    """Every calendar in use is open some time each week, and a meeting fits in a meeting window."""
    calendar = resources.calendar
    uses = [(f"resources.{name}.calendar", getattr(resources, name).calendar) for name in _POOL_KEYS]
    uses.append(("resources.arrivals.calendar", resources.arrivals.calendar))
    for key, name in uses:
        if not calendar.week(name).open_minutes():
            raise ScenarioError(key, f"follows the {name} calendar, which is never open")
    length = resources.meeting_hours * 60
    for name in ("mediators", "rooms"):
        chosen = getattr(resources, name).calendar
        longest = max((to - frm for day in calendar.week(chosen).days for frm, to in day), default=0)
        if length > longest:
            raise ScenarioError(
                "resources.meeting_hours",
                f"a meeting of {resources.meeting_hours:g} hours fits in no window of the {chosen} calendar"
                f" that {name} follow (the longest is {longest / 60:g} hours)",
            )
