"""The `Policy` value: every period, age and flag that is practice or choice."""

from __future__ import annotations

import enum
import functools
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from attrs import field, frozen

from ._checks import check_days, check_optional_days, check_positive, check_type, shown
from .errors import InvalidInput

MAX_ZONE_LENGTH = 100
"""The longest time zone key, in characters (the longest IANA key has about 30)."""


@functools.lru_cache(maxsize=64)
def zone(key: str) -> ZoneInfo:
    """The time zone with this IANA key (``"Europe/Oslo"``), looked up once."""
    return ZoneInfo(key)


def check_zone(_: Any, attribute: Any, value: Any) -> None:
    """An IANA time zone key that this machine's time zone database knows."""
    if type(value) is not str or not 0 < len(value) <= MAX_ZONE_LENGTH:
        raise InvalidInput(
            f"{attribute.name} must be an IANA time zone key such as 'Europe/Oslo', got {shown(value)}",
            field=attribute.name,
        )
    try:
        zone(value)
    except (ValueError, KeyError, OSError) as error:  # not a key, no such zone, or no readable zone file
        raise InvalidInput(
            f"{attribute.name} {shown(value)} is not a time zone this machine knows (an IANA key such as "
            "'Europe/Oslo'; where the system has no time zone database, install the tzdata package)",
            field=attribute.name,
        ) from error


class Continuation(enum.Enum):
    """What happens to the case when one party withdraws before the agreement binds (R13)."""

    DIALOGUE_REMAINS = "dialogue_remains"
    """Go on without the party while a dialogue remains: in a criminal case at least
    one harmed and one responsible party, in a civil case at least two parties."""
    ANY_WITHDRAWAL_ENDS = "any_withdrawal_ends"
    """Any withdrawal before the agreement binds ends the case as ``withdrawn``."""


@frozen(kw_only=True, weakref_slot=False)
class Policy:
    """The rules of practice a case runs under; a case records the policy it was opened with.

    Every field is a default of the Norwegian Mediation Service's practice or a product
    choice (see the Policy section of docs/concepts.md), never law: another jurisdiction
    or a later practice builds its own `Policy` instead of changing the library.

    Args:
        name: a label for reports and logs.
        criminal_cooling_off_days: days an agreement in a criminal case waits before it
            binds (0 means it binds when signed). The default, 14, is a practice default,
            not a verified rule: the design reads the service's practice as a two-week
            cooling-off period (angrefrist) in criminal cases, while some municipal pages on
            the service describe one week. It has not been checked against the current
            regulation, forskrift om konfliktrådsbehandling (FOR-2014-06-30-923); check it
            there, and set the period your service uses.
        civil_cooling_off_days: the period used when the parties to a civil case choose one
            (a practice default too, 14, like the criminal one).
        civil_cooling_off_by_default: whether a civil agreement has a cooling-off period
            when the parties say nothing.
        age_of_majority: below this age a party is a minor. With a birth date, age is
            counted on the day of each command (in `time_zone`), so a party who comes of
            age during the case needs no guardian from that day on (strpl § 71 a; the
            Guardianship Act, vergemålsloven); without one, `Party.minor` is taken as given.
        civil_dispensation_age: from this age, in a civil case, staff may dispense with
            the guardians' consent and signature (R3).
        preparatory_talks_required: whether each party needs a preparatory talk before
            a meeting is scheduled (R6).
        max_mediators: the most mediators per meeting (R5).
        longest_item_deadline_days: the latest an agreement item may fall due, counted
            from the agreement, or ``None`` for no limit (R9).
        continuation: what one party's withdrawal does to the case (R13).
        retention_days: how long the personal data of a closed case is kept, counted from
            its last change, or ``None`` to keep it until someone erases it (see
            `restorative.privacy.purge`).
        time_zone: the service's time zone, an IANA key: the calendar day a moment falls
            on, for ages (R3, R18), is the day there (`Policy.day_of`).
    """

    name: str = field(default="custom", validator=check_type(str))
    criminal_cooling_off_days: int = field(default=14, validator=check_days)
    civil_cooling_off_days: int = field(default=14, validator=check_days)
    civil_cooling_off_by_default: bool = field(default=False, validator=check_type(bool))
    age_of_majority: int = field(default=18, validator=check_positive)
    civil_dispensation_age: int = field(default=15, validator=check_positive)
    preparatory_talks_required: bool = field(default=True, validator=check_type(bool))
    max_mediators: int = field(default=2, validator=check_positive)
    longest_item_deadline_days: int | None = field(default=None, validator=check_optional_days)
    continuation: Continuation = field(default=Continuation.DIALOGUE_REMAINS, validator=check_type(Continuation))
    retention_days: int | None = field(default=None, validator=check_optional_days)
    time_zone: str = field(default="Europe/Oslo", validator=check_zone)

    def __attrs_post_init__(self) -> None:
        if self.civil_dispensation_age > self.age_of_majority:
            raise InvalidInput(
                f"civil_dispensation_age ({self.civil_dispensation_age}) cannot exceed "
                f"age_of_majority ({self.age_of_majority})",
                field="civil_dispensation_age",
            )
        cooling = max(self.criminal_cooling_off_days, self.civil_cooling_off_days)
        if self.longest_item_deadline_days is not None and self.longest_item_deadline_days <= cooling:
            raise InvalidInput(  # items fall due after the cooling-off period (R9): none could be agreed
                f"longest_item_deadline_days ({self.longest_item_deadline_days}) must exceed the cooling-off "
                f"periods ({cooling} days): an item falls due only after its agreement can bind (R9)",
                field="longest_item_deadline_days",
            )

    def day_of(self, at: datetime) -> date:
        """The calendar day `at` falls on in the service's time zone (`time_zone`)."""
        return at.astimezone(zone(self.time_zone)).date()

    @staticmethod
    def norway() -> Policy:
        """The Norwegian Mediation Service's practice, the default of every case."""
        return _norway()


@functools.cache
def _norway() -> Policy:
    return Policy(name="norway")
