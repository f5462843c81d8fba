"""Weekly calendars for the resource model: when staff work, when meetings are held, and holidays.

A `Week` lists, for each weekday, the windows of local time in which something is open.
`Opening` turns a week, a list of holidays and a time zone into open windows of POSIX
seconds (UTC), so that the event loop can ask, in plain numbers, when the next open
moment comes, when some hours of work started at a moment end (work pauses while the
calendar is closed), and where a meeting of a given length first fits.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from attrs import frozen

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""The weekdays as a calendar's keys name them, Monday first."""

Window = tuple[int, int]
"""From and to, in minutes after local midnight (to at most 1440)."""

_SEARCH_DAYS = 3660
"""How far ahead an open window is looked for before the calendar counts as never open."""


@frozen(kw_only=True, weakref_slot=False)
class Week:
    """The open windows of each weekday, in local minutes after midnight.

    Args:
        days: seven tuples (Monday first) of ``(from, to)`` windows in minutes after local
            midnight, sorted and not overlapping; an empty tuple is a closed day.
    """

    days: tuple[tuple[Window, ...], ...]

    @staticmethod
    def of(**days: str | list[str]) -> Week:
        """A week from text windows, e.g. ``Week.of(mon="08:00-16:00", tue=["08:00-12:00", "13:00-16:00"])``.

        Raises:
            ScenarioError: a day or a window that is not one.
        """
        from ._resources import week  # noqa: PLC0415 - the reader checks the windows

        return week(dict(days), "week")

    def open_minutes(self) -> int:
        """Open minutes in a whole week."""
        return sum(to - frm for day in self.days for frm, to in day)

    def to_data(self) -> dict[str, list[str]]:
        """The TOML form: each open day's windows as ``"HH:MM-HH:MM"`` text."""
        days = zip(DAYS, self.days, strict=True)
        return {name: [f"{_hhmm(a)}-{_hhmm(b)}" for a, b in windows] for name, windows in days if windows}


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


ALWAYS = Week(days=(((0, 1440),),) * 7)
"""Open at every moment: a resource with this calendar never waits for the clock."""


class Opening:
    """A calendar at run time: open windows as POSIX seconds, found day by day and cached.

    Args:
        week: the weekly windows.
        holidays: local dates on which nothing is open.
        zone: the IANA time zone of the windows, e.g. ``Europe/Oslo``.
    """

    def __init__(self, week: Week, holidays: frozenset[date], zone: str) -> None:
        self.always = week == ALWAYS and not holidays
        self.week = week
        self.holidays = holidays
        self.zone = UTC if zone == "UTC" else ZoneInfo(zone)
        self._day = lru_cache(maxsize=1024)(self._windows_of)

    def _windows_of(self, day: date) -> tuple[tuple[float, float], ...]:
        if day in self.holidays:
            return ()
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.zone)
        windows = []
        for frm, to in self.week.days[day.weekday()]:
            start = (midnight + timedelta(minutes=frm)).timestamp()  # wall time, so a DST day keeps its hours
            end = (midnight + timedelta(minutes=to)).timestamp() if to < 1440 else self._next_midnight(day)
            if end > start:
                windows.append((start, end))
        return tuple(windows)

    def _next_midnight(self, day: date) -> float:
        after = day + timedelta(days=1)
        return datetime(after.year, after.month, after.day, tzinfo=self.zone).timestamp()

    def windows(self, t: float) -> Iterator[tuple[float, float]]:
        """The open windows that end after `t`, in order (the first may have begun before `t`).

        Raises:
            ValueError: nothing is open within ten years of `t` (the reader refuses such calendars).
        """
        if self.always:
            yield (-math.inf, math.inf)
            return
        day = datetime.fromtimestamp(t, self.zone).date() - timedelta(days=1)  # a window may end after midnight UTC
        for _ in range(_SEARCH_DAYS):
            for start, end in self._day(day):
                if end > t:
                    yield (start, end)
            day += timedelta(days=1)
        raise ValueError("the calendar is not open within ten years")

    def first_open(self, t: float) -> float:
        """The first open moment at or after `t`."""
        start, _ = next(self.windows(t))
        return max(start, t)

    def work(self, t: float, seconds: float) -> tuple[float, float]:
        """When `seconds` of work started at the first open moment from `t` begins and ends.

        Work pauses while the calendar is closed and goes on at its next opening.
        """
        began: float | None = None
        left = seconds
        for opens, end in self.windows(t):
            start = max(opens, t)
            if began is None:
                began = start
            if start + left <= end:
                return began, start + left
            left -= end - start
        raise AssertionError("unreachable: windows() raises first")  # pragma: no cover

    def fit(self, t: float, seconds: float) -> float:
        """The first moment from `t` at which `seconds` fit in one open window.

        Raises:
            ValueError: no window within ten years is long enough (the reader refuses this).
        """
        for opens, end in self.windows(t):
            start = max(opens, t)
            if start + seconds <= end:
                return start
        raise AssertionError("unreachable: windows() raises first")  # pragma: no cover

    def open_seconds(self, a: float, b: float) -> float:
        """Open seconds between `a` and `b`."""
        if b <= a:
            return 0.0
        if self.always:
            return b - a
        total = 0.0
        for start, end in self.windows(a):
            if start >= b:
                break
            total += min(end, b) - max(start, a)
        return total


def interval_free(bookings: list[tuple[float, float]], start: float, end: float) -> float | None:
    """``None`` if ``[start, end)`` overlaps none of the sorted, disjoint `bookings`; else the end of the first
    it overlaps."""
    at = bisect.bisect_right(bookings, (start, math.inf))
    if at and bookings[at - 1][1] > start:
        return bookings[at - 1][1]
    if at < len(bookings) and bookings[at][0] < end:
        return bookings[at][1]
    return None
