"""Timed work: the commands a case waits for, and from when each is accepted.

Two commands are sent by the clock rather than by a person's choice: `EndCoolingOff`
once the cooling-off period has run out (R10), and `CheckDeadlines` once an open item's
deadline has passed (R11). A case system asks `due(case)` what to schedule; the stores
keep each case's next due moment in its listing row, so `store.due(before=t)` finds the
cases to act on, and `restorative.store.tick` (the ``restorative tick`` command) sends
what is due.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from attrs import frozen

from ._checks import shown
from ._lifecycle import Stage
from ._values import Actor, Case, ItemStatus
from .commands import CheckDeadlines, EndCoolingOff
from .errors import InvalidInput

_JUST_AFTER = timedelta(microseconds=1)


@frozen(kw_only=True, weakref_slot=False)
class Due:
    """One timed command a case waits for.

    Args:
        command: the command to send, `EndCoolingOff` or `CheckDeadlines`.
        at: the first moment at which the command is accepted: the end of the cooling-off
            period, or just after the earliest deadline of an open item (an item is
            overdue once its deadline has passed, R11).
        rule: the rule that times it (``"R10"`` or ``"R11"``).
        reason: what the case waits for, in words.
        by: the ids of the case's assigned staff, who may send it (the case's mediators
            may also end the cooling-off period).
    """

    command: type[EndCoolingOff] | type[CheckDeadlines]
    at: datetime
    rule: str
    reason: str
    by: tuple[str, ...]

    def send(self, actor: Actor, at: datetime) -> EndCoolingOff | CheckDeadlines:
        """The command itself, from `actor` at `at` (which should not be before `self.at`)."""
        return self.command(actor=actor, at=at)


def due(case: Case) -> tuple[Due, ...]:
    """The timed commands `case` waits for, earliest first (empty when it waits for none).

    A case in cooling-off waits for `EndCoolingOff` at the end of its period; a case in
    follow-up waits for `CheckDeadlines` just after the next deadline of an open item.
    Sending the command at or after `Due.at` is accepted (by assigned staff); before it,
    it is refused, and nothing else about the case changes that.

    Raises:
        InvalidInput: `case` is not a `Case`.
    """
    if not isinstance(case, Case):
        raise InvalidInput(f"due takes a Case, got {shown(case)}", field="case")
    agreement = case.agreement
    if agreement is None:
        return ()
    if case.stage is Stage.COOLING_OFF and agreement.cooling_off_ends is not None:
        ends = agreement.cooling_off_ends
        return (
            Due(
                command=EndCoolingOff,
                at=ends,
                rule="R10",
                reason=f"the cooling-off period ends at {ends.isoformat()}",
                by=case.staff,
            ),
        )
    if case.stage is Stage.FOLLOW_UP:
        open_items = [item for item in agreement.items if item.status is ItemStatus.OPEN]
        if open_items:
            first = min(open_items, key=lambda item: item.deadline)
            return (
                Due(
                    command=CheckDeadlines,
                    at=first.deadline + _JUST_AFTER,
                    rule="R11",
                    reason=f"item {first.id} is due by {first.deadline.isoformat()}",
                    by=case.staff,
                ),
            )
    return ()


def next_due(case: Case) -> datetime | None:
    """When the case's earliest timed command is first accepted, or ``None``: what a store's listing keeps."""
    found = due(case)
    return found[0].at if found else None
