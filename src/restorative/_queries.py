"""What a case system's screens ask of a case: who counts as consenting, who still has to sign,
and who would attend a meeting scheduled now.

Each answer follows the rule the decider applies (R3, R10, R5 and R7), from the same
predicates, so a screen never shows a party as consenting whom `StartPreparation` would
still wait for.
"""

from __future__ import annotations

from datetime import datetime

from ._checks import shown
from ._rules import Signature, attendee_problem, conflicted, consenting, signatures_due
from ._values import Agreement, Case
from .errors import InvalidInput


def _check_case(case: object, where: str) -> None:
    if type(case) is not Case:
        raise InvalidInput(f"{where} takes a Case, got {shown(case)}", field="case")


def _moment(case: Case, at: object) -> datetime:
    if at is None:
        return case.updated_at
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise InvalidInput(f"at must be an aware datetime, got {shown(at)}", field="at")
    return at


def counts_as_consenting(case: Case, party_id: str, *, at: datetime | None = None) -> bool:
    """Whether the party counts as consenting under R3 at `at`: what `StartPreparation` waits for (R4).

    `Party.consented` says only that the party gave their own consent and has not withdrawn.
    R3 also asks that they were informed first and, while they are a minor, that every
    registered guardian consented or staff dispensed with it; minority is judged at `at`
    (from their 18th birthday a party needs no guardian, strpl § 71 a).

    Args:
        case: the case.
        party_id: one of its parties.
        at: the moment to judge at; by default the case's last event.

    Raises:
        InvalidInput: `case` is not a `Case`, `party_id` is not one of its parties, or `at`
            is not an aware datetime.
    """
    _check_case(case, "counts_as_consenting")
    party = case.party(party_id) if isinstance(party_id, str) else None
    if party is None:
        known = ", ".join(p.id for p in case.parties)
        raise InvalidInput(
            f"{shown(party_id)} is not a party of case {case.id}; its parties are {known}", field="party_id"
        )
    return consenting(case, party, _moment(case, at))


def missing_signatures(
    case: Case, agreement: Agreement | None = None, *, at: datetime | None = None
) -> tuple[Signature, ...]:
    """Who still has to sign the agreement (R10): parties first, then guardians, then a mediator.

    Each `Signature` says what is missing in words (``"anna"``, ``"a guardian of emil"``,
    ``"a mediator"``) and whose signature would give it (any one of `Signature.signers`);
    the agreement binds once none is missing and any cooling-off period has ended. A party
    who was a minor when the agreement was recorded signs with a guardian.

    Args:
        case: the case.
        agreement: the agreement to ask about; by default the case's own. With neither,
            the signatures an agreement recorded at `at` would need.
        at: only used without an agreement; by default the case's last event.

    Raises:
        InvalidInput: `case` is not a `Case`, `agreement` is not an `Agreement`, or `at` is
            not an aware datetime.
    """
    _check_case(case, "missing_signatures")
    if agreement is not None and type(agreement) is not Agreement:
        raise InvalidInput(f"agreement must be an Agreement or None, got {shown(agreement)}", field="agreement")
    return tuple(signatures_due(case, agreement, _moment(case, at)))


def default_attendees(case: Case) -> tuple[str, ...]:
    """Who may attend a meeting scheduled now, as `ScheduleMeeting(attendees=...)` takes them.

    The parties still in the case (R7: each attends), the assigned mediators without a
    declared conflict of interest, up to the policy's most mediators (R5), and the
    participants who may attend: agreed by every party, disclosed if a support person,
    with any exemption they need, and coming with a party still in the case (R7).

    Raises:
        InvalidInput: `case` is not a `Case`.
    """
    _check_case(case, "default_attendees")
    parties = [p.id for p in case.active_parties]
    mediators = [m for m in case.mediators if conflicted(case, m) is None][: case.policy.max_mediators]
    guests = [q.id for q in case.participants if attendee_problem(case, q.id) is None]
    return (*parties, *mediators, *guests)
