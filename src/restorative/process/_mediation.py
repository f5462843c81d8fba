"""The mediation process definition: its lifecycle and the parts of its stage modules, checked at import."""

from __future__ import annotations

from .._lifecycle import MEDIATION as LIFECYCLE
from ..commands import COMMAND_TYPES
from ..events import EVENT_TYPES, ReportSent
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
