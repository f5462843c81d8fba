"""The mediation process definition: its lifecycle and the parts of its stage modules, checked at import."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from .._lifecycle import MEDIATION as LIFECYCLE
from .._lifecycle import Stage, Step
from .._lifecycle import walk as _walk
from ..commands import COMMAND_TYPES
from ..events import EVENT_TYPES, Event, ReportSent
from . import (
    _agreement,
    _consent,
    _follow_up,
    _mediators,
    _meeting,
    _preparation,
    _referral,
    _reports,
    _withdrawal,
)
from ._dispatch import Process

MEDIATION = Process(
    "mediation",
    LIFECYCLE,
    parts=(
        _referral.part,
        _mediators.part,
        _consent.part,
        _preparation.part,
        _meeting.part,
        _agreement.part,
        _follow_up.part,
        _withdrawal.part,
        _reports.part,
    ),
    commands=COMMAND_TYPES,
    events=EVENT_TYPES,
    after_final=(ReportSent,),
)
"""The restorative process of the Mediation Service: referral to follow-up, with withdrawal at any time."""

decide = MEDIATION.decide
evolve = MEDIATION.evolve
handle = MEDIATION.handle
replay = MEDIATION.replay
allowed = MEDIATION.allowed


def walk(events: Iterable[Event], start: Stage | None = None, *, since: datetime | None = None) -> Iterator[Step]:
    """The mediation stage walk: each event with the stage before and after it (see `Lifecycle.walk`).

    Raises:
        InvalidInput: a move the lifecycle lacks (R2 in a final stage), an event before
            the one before it or before `since` (R15), or arguments of the wrong kind.
    """
    return _walk(events, start, since=since)
