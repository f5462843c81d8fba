"""The pools of one council at run time: staff, mediators' case slots, and meeting bookings.

Times are POSIX seconds (UTC floats): the event loop asks in plain numbers and turns the
answers back into the commands' datetimes. Requests reach a pool in the order of the
loop's clock (a case that needs a resource later than the clock waits on the heap until
then), so "first come, first served" is the order of the requests.

Each pool builds its members only as they are first needed, so a pool of a million (an
"unlimited" one) costs what its busiest moment needs, not a million entries.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import deque
from collections.abc import Iterable

from ._calendar import Opening, interval_free

_PRUNE_EVERY = 512
"""Bookings made between sweeps that drop the mediators and rooms whose bookings are all past."""


class Staff:
    """Staff who share one calendar: a step goes to the idle member with the lowest number, else
    to the first to become free; its work pauses while the calendar is closed."""

    def __init__(self, prefix: str, size: int, opening: Opening) -> None:
        self.prefix = prefix
        self.size = size
        self.opening = opening
        self.made = 0
        self.idle: list[tuple[int, float]] = []  # (member, free since)
        self.busy: list[tuple[float, int]] = []  # (free at, member)
        self.worked = 0.0  # open seconds of work booked

    def member(self, n: int) -> str:
        """The id of member `n` (from 0): ``c01-staff-01``."""
        return f"{self.prefix}-staff-{n + 1:02d}"

    def book(self, ready: float, seconds: float) -> tuple[float, float, int]:
        """Book `seconds` of open time from `ready` on: (start, end, member)."""
        idle, busy = self.idle, self.busy
        while busy and busy[0][0] <= ready:
            free, n = heapq.heappop(busy)
            heapq.heappush(idle, (n, free))
        if idle:
            n, free = heapq.heappop(idle)
            begin = max(ready, free)
        elif self.made < self.size:
            n, begin = self.made, ready
            self.made += 1
        else:
            free, n = heapq.heappop(busy)
            begin = max(ready, free)
        start, end = self.opening.work(begin, seconds)
        heapq.heappush(busy, (end, n))
        self.worked += seconds
        return start, end, n


class Mediators:
    """Case slots: each mediator holds at most `max_cases` cases at once.

    A new case takes the slot that has been free the longest (at the start every mediator's
    first slot comes before anyone's second, so cases spread over the pool); a case that
    finds none waits in a first-come queue for the next slot to be released.
    """

    def __init__(self, prefix: str, size: int, max_cases: int) -> None:
        self.prefix = prefix
        self.size = size
        self.fresh = 0  # slots never used yet: slot k is mediator k % size's
        self.slots = size * max_cases
        self.free: deque[int] = deque()  # released slots, by mediator, the longest free first
        self.queue: deque[object] = deque()  # who waits, first come first
        self.held = 0
        self.area = 0.0  # slot-seconds held, integrated up to `last`
        self.last = -math.inf

    def mediator(self, n: int) -> str:
        """The id of mediator `n` (from 0): ``c01-mediator-007``."""
        return f"{self.prefix}-mediator-{n + 1:03d}"

    def _mark(self, t: float) -> None:
        if self.last > -math.inf:
            self.area += self.held * (t - self.last)
        self.last = t

    def take(self, t: float, exclude: Iterable[int] = ()) -> int | None:
        """A free slot's mediator at `t` (none of `exclude`), or ``None`` if there is none."""
        banned = set(exclude)
        got: int | None = None
        while got is None and self.fresh < self.slots:  # free since the start: the longest free
            n = self.fresh % self.size
            self.fresh += 1
            if n in banned:
                self.free.append(n)
            else:
                got = n
        skipped: list[int] = []
        while got is None and self.free:
            n = self.free.popleft()
            if n in banned:
                skipped.append(n)
            else:
                got = n
        self.free.extendleft(reversed(skipped))
        if got is not None:
            self._mark(t)
            self.held += 1
        return got

    def give_back(self, n: int, t: float) -> None:
        """Mediator `n` releases a slot at `t` (the loop's clock)."""
        self._mark(t)
        self.held -= 1
        self.free.append(n)


class Meetings:
    """Meeting bookings: a meeting takes a window of its length in which its mediators and a room are free.

    A mediator holds one meeting at a time; a room the same. The first room free (by number)
    is taken; meetings fall in the calendars of the mediators and of the rooms.
    """

    def __init__(self, prefix: str, rooms: int, mediators: Opening, opening: Opening) -> None:
        self.prefix = prefix
        self.rooms = rooms
        self.mediators_open = mediators
        self.rooms_open = opening
        self.by_mediator: dict[str, list[tuple[float, float]]] = {}
        self.by_room: list[list[tuple[float, float]]] = []
        self.booked = 0.0  # room-seconds booked
        self.count = 0

    def room(self, n: int) -> str:
        """The id of room `n` (from 0): ``c01-room-1``."""
        return f"{self.prefix}-room-{n + 1}"

    def book(self, mediators: Iterable[str], earliest: float, seconds: float, clock: float) -> tuple[float, int]:
        """Book the first window from `earliest` on: (its start, the room)."""
        self.count += 1
        if self.count % _PRUNE_EVERY == 0:
            self._prune(clock)
        own = [self.by_mediator.setdefault(m, []) for m in mediators]
        start = earliest
        while True:
            start = self.mediators_open.fit(start, seconds)
            fitted = self.rooms_open.fit(start, seconds)
            if fitted != start:
                start = fitted
                continue
            end = start + seconds
            clash = max((c for c in (interval_free(b, start, end) for b in own) if c is not None), default=None)
            if clash is not None:
                start = clash
                continue
            room, later = self._room(start, end)
            if room is None:
                start = later
                continue
            for bookings in (*own, self.by_room[room]):
                bisect.insort(bookings, (start, end))
            self.booked += seconds
            return start, room

    def _room(self, start: float, end: float) -> tuple[int | None, float]:
        later = math.inf
        for n, bookings in enumerate(self.by_room):
            clash = interval_free(bookings, start, end)
            if clash is None:
                return n, later
            later = min(later, clash)
        if len(self.by_room) < self.rooms:
            self.by_room.append([])
            return len(self.by_room) - 1, later
        return None, later

    def _prune(self, clock: float) -> None:
        """Forget bookings that ended before `clock`: nothing is booked before the clock any more."""

        def past(bookings: list[tuple[float, float]]) -> None:
            keep = next((i for i, (_, end) in enumerate(bookings) if end > clock), len(bookings))
            del bookings[:keep]

        for bookings in self.by_room:
            past(bookings)
        for m in list(self.by_mediator):
            past(self.by_mediator[m])
            if not self.by_mediator[m]:
                del self.by_mediator[m]
