"""The event loop of one council: cases that wait for mediators, staff and meeting rooms.

One heap of timed entries and one clock per council. The cases are the plain simulator's
agents (`_Agent`), each still sending every command through `handle`; what changes is
who acts and when. The agent's hooks (`staffed`, `assign`, `slot`, ...) ask the council's
pools, and a case that needs a resource at a moment later than the council's clock goes
back on the heap until then (`_Wait`): the step is taken again when the clock gets there,
with the same random draws (its stream records them, `Tape`), so every request reaches a
pool in the order of the clock, and "first come, first served" means what it says.

A case that finds no free mediator waits in the pool's queue and is put back on the heap
when a slot is released; releases are entries of the heap too, at the time they happen.
A council depends only on the scenario and its number, so a run's bytes do not depend on
how many workers run the councils.
"""

from __future__ import annotations

import bisect
import heapq
import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime

from .. import commands as c
from .._lifecycle import FINAL_STAGES, Stage
from .._values import Actor, ActorKind, Case
from ..commands import Command
from ..errors import InvalidInput, SimulationError
from ..events import Event
from ._agent import _actor, _Agent, case_id
from ._calendar import Opening
from ._capacity import CapacityTally
from ._draws import case_seed
from ._pools import Mediators, Meetings, Staff
from ._resources import Resources
from ._scenario import Scenario
from ._tape import Tape

Start = tuple[int, datetime, str, str]
"""Where a logged step waited: (the index of its first event, when work began, the resource, its pool)."""
Done = tuple[list[Event], Case, tuple[Start, ...]]
"""A finished case: its events, its final value, and the starts of its steps that took time."""

_DAY = 86400.0
_YEAR = 365.25 * _DAY
_RELEASE, _ARRIVAL, _AGENT = range(3)


class _Wait(Exception):
    """The case waits: it is on the heap, or in a queue, until its resource is free."""


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class _Queued(_Agent):
    """An agent whose staff steps, mediator and meeting wait for the council's pools."""

    def __init__(self, scenario: Scenario, index: int, council: Council, arrival: datetime) -> None:
        super().__init__(scenario, index)
        self.council = council
        self.now = arrival
        self.staff = council.staff_actor(0)  # the referral is received by the council's first staff member
        self.work = council.resources.staff.work
        self.held: int | None = None  # the mediator whose slot the case holds
        self.granted: int | None = None  # a slot given while the case waited in the queue
        self.granted_at = 0.0
        self.conflicted: list[int] = []
        self.mark: tuple[datetime, str, str] | None = None  # the start of the command about to be sent
        self.starts: list[Start] = []
        self.meeting_at: tuple[datetime, str] | None = None
        self.resuming = False
        self.saved: tuple[datetime, dict[str, bool]] = (arrival, {})
        self.began = arrival
        self.from_stage = Stage.REFERRED
        tape = self.rng  # made by `stream`, below
        assert isinstance(tape, Tape)
        self.tape = tape

    def stream(self, scenario: Scenario, index: int) -> random.Random:
        return Tape(case_seed(scenario, index))

    def send(self, command: Command) -> None:
        first = len(self.events)
        super().send(command)
        mark = self.mark
        if mark is not None and type(command) is not c.AssignStaff:
            self.mark = None
            if mark[0] < command.at and len(self.events) > first:
                self.starts.append((first, *mark))

    def hold(self, at: datetime) -> float:
        """`at` in seconds, if the council's clock has reached it; else back on the heap until then."""
        t = at.timestamp()
        if t > self.council.clock:
            self.council.push(t, _AGENT, self)
            raise _Wait
        return t

    def staffed(self, at: datetime, step: str) -> datetime:
        ready = self.hold(at)
        council = self.council
        start, end, n = council.staff.book(ready, self.work.sample(self.rng) * _DAY)
        council.tally.wait(step, ready, start, council.origin)
        actor = council.staff_actor(n)
        begins = max(_moment(start), at)
        assert self.case is not None
        if actor.id not in self.case.staff:  # the rules want staff on the case: the one who does the step joins it
            self.send(c.AssignStaff(actor=self.staff, at=begins, staff_id=actor.id))
        self.staff = actor
        self.mark = (begins, actor.id, "staff")
        self.now = max(_moment(end), begins)
        return self.now

    def assign(self, case: Case) -> None:
        ready_at = self.later(self.d.assign)
        ready = self.hold(ready_at)
        council = self.council
        if self.granted is None:
            n = council.mediators.take(council.clock, self.conflicted)
            if n is None:
                council.mediators.queue.append(self)
                raise _Wait
            self.granted, self.granted_at = n, council.clock
        n = self.granted
        council.tally.wait("mediator", ready, self.granted_at, council.origin)
        at = self.staffed(max(_moment(self.granted_at), ready_at), "assign")
        self.granted, self.held = None, n
        self.send(c.AssignMediator(actor=self.staff, at=at, mediator_id=council.mediators.mediator(n)))

    def reassign(self, released: Actor) -> None:
        # the next step finds the case without a mediator and asks the pool for another (not this one)
        if self.held is not None:
            self.conflicted.append(self.held)
            self.council.release(self.held, self.now.timestamp())
            self.held = None

    def slot(self, at: datetime, earliest: datetime) -> datetime:
        self.hold(at)
        council = self.council
        assert self.case is not None
        ready = earliest.timestamp()
        start, room = council.meetings.book(self.case.mediators, ready, council.meeting, council.clock)
        council.tally.wait("meeting", ready, start, council.origin)
        begins = max(_moment(start), earliest)
        self.meeting_at = (begins, council.meetings.room(room))
        return begins

    def concluded(self, at: datetime) -> datetime:
        if self.meeting_at is not None:
            begins, room = self.meeting_at
            self.meeting_at = None
            self.mark = (begins, room, "room")
        return at


class Council:
    """One council's pools, heap and clock; `run` yields its finished cases in index order.

    Args:
        scenario: the study (with `Scenario.resources`).
        council: its number, from 0.
    """

    def __init__(self, scenario: Scenario, council: int) -> None:
        resources = scenario.resources
        if resources is None:
            raise InvalidInput("a council runs a scenario with resources", field="scenario")
        self.scenario = scenario
        self.resources: Resources = resources
        self.number = council
        self.first, self.count = council_cases(scenario.cases, resources.councils, council)
        prefix = f"c{council + 1:02d}"
        calendar = resources.calendar
        holidays = frozenset(calendar.holidays)

        def opening(name: str) -> Opening:
            return Opening(calendar.week(name), holidays, calendar.zone)

        self.staff = Staff(prefix, resources.staff.size, opening(resources.staff.calendar))
        self.mediators = Mediators(prefix, resources.mediators.size, resources.mediators.max_cases)
        self.meetings = Meetings(
            prefix, resources.rooms.size, opening(resources.mediators.calendar), opening(resources.rooms.calendar)
        )
        self.meeting = resources.meeting_hours * 3600.0
        self.origin = scenario.start.timestamp()
        self.clock = self.origin
        self.heap: list[tuple[float, int, int, object]] = []
        self.order = 0
        self.tally = CapacityTally()
        self.tally.councils = 1
        self.done: dict[int, Done] = {}
        self._staff: dict[int, Actor] = {}

    def staff_actor(self, n: int) -> Actor:
        actor = self._staff.get(n)
        if actor is None:
            actor = self._staff[n] = _actor(self.staff.member(n), ActorKind.STAFF)
        return actor

    def push(self, t: float, kind: int, what: object) -> None:
        self.order += 1
        heapq.heappush(self.heap, (t, self.order, kind, what))

    def release(self, n: int, t: float) -> None:
        """Mediator `n`'s slot is free from `t` on."""
        if t > self.clock:
            self.push(t, _RELEASE, n)
        else:
            self.mediators.give_back(n, self.clock)
            self._grant()

    def _grant(self) -> None:
        queue = self.mediators.queue
        for waiting in list(queue):
            if not isinstance(waiting, _Queued):  # pragma: no cover - only agents queue
                continue
            n = self.mediators.take(self.clock, waiting.conflicted)
            if n is None:
                if not waiting.conflicted:
                    break  # nothing free for anyone
                continue
            queue.remove(waiting)
            waiting.granted, waiting.granted_at = n, self.clock
            self.push(self.clock, _AGENT, waiting)

    def run(self) -> Iterator[Done]:
        """Simulate the council's cases; yield each finished case in index order."""
        if not self.count:
            return
        arrivals = arrival_times(self.scenario, self.number, self.count)
        self.push(next(arrivals), _ARRIVAL, 0)
        following = self.first
        while self.heap:
            t, _, kind, what = heapq.heappop(self.heap)
            self.clock = t
            if kind == _RELEASE:
                assert isinstance(what, int)
                self.mediators.give_back(what, t)
                self._grant()
            elif kind == _ARRIVAL:
                assert isinstance(what, int)
                agent = _Queued(self.scenario, self.first + what, self, _moment(t))
                agent.refer()
                if what + 1 < self.count:
                    self.push(next(arrivals), _ARRIVAL, what + 1)
                else:
                    self._horizon(t)
                self._advance(agent)
            else:
                assert isinstance(what, _Queued)
                self._advance(what)
            while following in self.done:
                yield self.done.pop(following)
                following += 1
        if following != self.first + self.count:
            problem = InvalidInput(f"council {self.number + 1} ended with cases still waiting")
            raise SimulationError(case_id(following), following, problem)

    def _advance(self, agent: _Queued) -> None:
        """Take the agent's steps until it waits or its case ends."""
        while True:
            case = agent.case
            assert case is not None
            if not agent.resuming:
                if case.stage in FINAL_STAGES:
                    self._finish(agent)
                    return
                if agent.withdrawing():
                    self._after(agent)
                    continue
                agent.began, agent.from_stage = agent.now, case.stage
                agent.saved = (agent.now, dict(agent.decided))
                agent.tape.begin()
            else:
                agent.now, decided = agent.saved
                agent.decided = dict(decided)
                agent.tape.rewind()
            sent = len(agent.events)
            try:
                agent.step(case)
            except _Wait:
                assert len(agent.events) == sent, "a step waits only before it sends anything"
                agent.resuming = True
                return
            agent.resuming = False
            agent.waited(agent.from_stage, agent.began)
            self._after(agent)

    def _after(self, agent: _Queued) -> None:
        """A case in follow-up or closed no longer needs its mediator."""
        case = agent.case
        assert case is not None
        if agent.held is not None and (case.stage is Stage.FOLLOW_UP or case.stage in FINAL_STAGES):
            self.release(agent.held, agent.now.timestamp())
            agent.held = None

    def _finish(self, agent: _Queued) -> None:
        assert agent.case is not None
        self.done[agent.index] = (agent.events, agent.case, tuple(agent.starts))

    def _horizon(self, t: float) -> None:
        """At the last arrival: the pools' use so far against what they could give (utilisation)."""
        tally, resources = self.tally, self.resources
        span = t - self.origin
        tally.days = max(1, math.ceil(span / _DAY))
        tally.busy["staff"] = self.staff.worked
        tally.capacity["staff"] = resources.staff.size * self.staff.opening.open_seconds(self.origin, t)
        self.mediators._mark(t)
        tally.busy["mediators"] = self.mediators.area
        tally.capacity["mediators"] = self.mediators.slots * span
        tally.busy["rooms"] = self.meetings.booked
        tally.capacity["rooms"] = resources.rooms.size * self.meetings.rooms_open.open_seconds(self.origin, t)


def council_cases(cases: int, councils: int, council: int) -> tuple[int, int]:
    """The first index and the number of the cases of `council`: contiguous blocks, the first ones a case larger."""
    base, extra = divmod(cases, councils)
    return council * base + min(council, extra), base + (council < extra)


def arrival_times(scenario: Scenario, council: int, count: int) -> Iterator[float]:
    """The council's referrals: a Poisson process over the arrival calendar's open time, at its share of the rate.

    The rate changes at each of `Arrivals.changes`; the stream is the council's own, so the
    times depend on the seed and the council alone.
    """
    resources = scenario.resources
    assert resources is not None
    arrivals = resources.arrivals
    calendar = resources.calendar
    week = calendar.week(arrivals.calendar)
    opening = Opening(week, frozenset(calendar.holidays), calendar.zone)
    open_per_year = week.open_minutes() * 60.0 * _YEAR / (7 * _DAY)
    share = resources.councils * open_per_year
    base = arrivals.per_year if arrivals.per_year is not None else scenario.referrals_per_year
    changes = [(at.timestamp(), rate) for at, rate in arrivals.changes]
    times = [-math.inf] + [at for at, _ in changes]
    rates = [base / share] + [rate / share for _, rate in changes]
    rng = random.Random(f"arrivals:{scenario.seed}:{council}")
    t = scenario.start.timestamp()
    need = rng.expovariate(1.0)
    made = 0
    while made < count:
        for start, end in opening.windows(t):
            a = max(start, t)
            arrived = False
            while a < end:
                piece = bisect.bisect_right(times, a) - 1
                rate = rates[piece]
                until = min(end, times[piece + 1] if piece + 1 < len(times) else math.inf)
                if rate > 0 and rate * (until - a) >= need:
                    t = a + need / rate
                    need = rng.expovariate(1.0)
                    made += 1
                    arrived = True
                    break
                if rate > 0:
                    need -= rate * (until - a)
                a = until
            if arrived:
                yield t
                break
