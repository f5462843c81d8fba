"""A clock and a case factory for tests: cases in any stage, reached by real commands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from .. import _arguments as arguments
from .._lifecycle import Stage
from .._policy import Policy
from .._values import CaseKind
from ..store import EventStore
from ..verify import Configuration
from ..verify._alphabet import Cast
from ._drive import History, walk

START = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
"""When a fresh `Clock` starts."""


class Clock:
    """A clock for tests: it stands still until you move it.

    Args:
        start: the first time it shows (timezone-aware).
    """

    def __init__(self, start: datetime = START) -> None:
        arguments.instance("Clock", "start", start, datetime, "a timezone-aware datetime")
        if start.utcoffset() is None:
            arguments.refuse("Clock", "start", "a timezone-aware datetime (e.g. tzinfo=UTC)", start)
        self.now = start

    def __call__(self) -> datetime:
        """The current time (the same as `now`)."""
        return self.now

    def advance(self, *, days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
        """Move the clock forward by the sum of the periods given; return the new time.

        A `CaseFactory` moves its clock to each case's last event, so a test that advances
        the clock after making a case dates its next command after everything in it.

        Args:
            days: days to move on by.
            hours: hours to move on by.
            minutes: minutes to move on by.

        Returns:
            The new `now`.

        Raises:
            InvalidInput: a period that is not a number.
        """
        for name, value in (("days", days), ("hours", hours), ("minutes", minutes)):
            arguments.number("Clock.advance", name, value)
        self.now += timedelta(days=days, hours=hours, minutes=minutes)
        return self.now


class CaseFactory:
    """Makes cases in a given stage by driving real commands from a referral.

    Each case is opened at the clock's time with the first party a victim (``p0``,
    harmed) and the second an offender (``p1``, responsible) in a criminal case, or
    parties ``p0``… in a civil one; staff ``staff-1`` and mediator ``med-1`` act. The
    shortest greedy route takes it to `stage`; with a store, its events are appended.

    Args:
        clock: dates the referral, and is moved to the case's last event.
        store: where to append each case's events, if anywhere.
    """

    def __init__(self, clock: Clock | None = None, store: EventStore | None = None) -> None:
        arguments.optional("CaseFactory", "clock", clock, Clock, "a Clock")
        if store is not None and not all(callable(getattr(store, name, None)) for name in ("append", "load")):
            arguments.refuse("CaseFactory", "store", "an event store or None", store)
        self.clock = Clock() if clock is None else clock
        self.store = store
        self._numbers = count(1)

    def __call__(
        self,
        stage: Stage = Stage.REFERRED,
        *,
        parties: int = 2,
        kind: CaseKind = CaseKind.CRIMINAL,
        minor: bool = False,
        policy: Policy | None = None,
        case_id: str | None = None,
    ) -> History:
        """Make one case in `stage`; return its history (the case is ``.case``).

        Raises:
            InvalidInput: an argument of the wrong type.
        """
        arguments.instance("CaseFactory", "stage", stage, Stage, "a Stage")
        configuration = Configuration(
            parties=parties,
            kind=kind,
            minor=minor,
            policy=Policy.norway() if policy is None else policy,
            cast=Cast(adjournments=0),
        )
        chosen = f"case-{next(self._numbers)}" if case_id is None else case_id
        opening = History.open(configuration.referral(case_id=chosen, at=self.clock.now))
        history = walk(opening, stage, configuration.cast)
        if self.store is not None:
            self.store.append(chosen, history.events, 0)
        self.clock.now = max(self.clock.now, history.case.updated_at)
        return history
