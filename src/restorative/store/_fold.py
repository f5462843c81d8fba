"""What every store checks of a case: arguments, appends that fold onto it, rebuilding it, its listing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

import attrs

from .. import events as e
from .._checks import id_problem, shown
from .._lifecycle import Stage
from .._values import Case, CaseKind
from ..commands import Command, ReferCase
from ..errors import CaseNotFound, ConcurrencyError, IntegrityError, InvalidInput, StoreError
from ..events import Event
from ..process._mediation import MEDIATION, decide, replay
from ._chain import cut


def fold(case_id: str, case: Case | None, events: Sequence[Event], version: int) -> Case:
    """The case after `events` are folded onto the stored `case` (``None``: a new case at version 0).

    This is the check every append makes against the stored head, in its transaction: a
    first event that is not this case's `CaseReferred`, an event dated before the case's
    last one (R15), a step after a final stage (R2), or any event the case cannot fold,
    is refused with `InvalidInput` naming the event, so that nothing is written that
    would make the case unloadable.
    """
    if case is None:
        first = events[0]
        if type(first) is not e.CaseReferred:
            raise InvalidInput(f"case {case_id} must start with CaseReferred, not {type(first).__name__}")
        if first.case_id != case_id:
            raise InvalidInput(f"CaseReferred is for case {shown(first.case_id)}, not {case_id!r}")
    try:
        return replay(events) if case is None else replay(events, case)
    except Exception as error:
        raise _refusal(case_id, case, events, version, error) from None


def _refusal(case_id: str, case: Case | None, events: Sequence[Event], version: int, error: Exception) -> InvalidInput:
    """The refusal of an append, naming the first event that does not fold (found by folding one at a time)."""
    for n, event in enumerate(events):
        try:
            case = MEDIATION.evolve(case, event)
        except Exception as problem:
            error = problem
            where = f"{type(event).__name__} (event {version + n + 1} of case {case_id})"
            break
    else:
        where = f"the events for case {case_id}"
    reason = str(error) if isinstance(error, InvalidInput) else f"{type(error).__name__}: {error}"
    return InvalidInput(f"{where} cannot follow the stored case: {cut(reason)}", field="events")


def rebuild(case_id: str, events: list[Event]) -> Case:
    """Replay checked events into the case; a log that does not fold is an integrity problem."""
    try:
        return replay(events)
    except Exception as error:
        raise IntegrityError(case_id, len(events), f"the events do not make a case: {cut(str(error))}") from None


class Decided(Protocol):
    """A store that can append events `decide` just made, with the case they fold into."""

    def load(self, case_id: str) -> Case: ...

    def _append_decided(self, case_id: str, events: tuple[Event, ...], expected_version: int, case: Case) -> int: ...


def handle(store: Decided, case_id: str, command: Command) -> tuple[Case, tuple[Event, ...]]:
    """Load, decide, append at the loaded version: the shared body of every backend's `handle`."""
    case: Case | None
    if type(command) is ReferCase:
        if command.case_id != case_id:
            raise InvalidInput(f"ReferCase opens case {command.case_id!r}, not {case_id!r}", field="case_id")
        try:
            case = store.load(case_id)
        except CaseNotFound:
            case = None
    else:
        case = store.load(case_id)
    events = decide(case, command)
    new = replay(events, case) if case is not None else replay(events)
    store._append_decided(case_id, events, 0 if case is None else case.version, new)
    return new, events


@attrs.frozen
class Listing:
    """A case's listing row as stored (unchecked values), and the problem with its snapshot if any."""

    kind: Any
    stage: Any
    updated_at: Any
    version: Any
    snapshot: Callable[[Case], str | None] = lambda _: None


def verify_case(case_id: str, read: Callable[[], tuple[list[Event], bool, Listing | None]]) -> None:
    """The body of every backend's `verify`: the chain, the fold, rows beyond its end, the listing and snapshot.

    `read` gives the chain-checked events, whether rows lie beyond the recorded end, and
    the listing row, read just after. A writer may append between those reads; then the
    listing is newer than the events and is read again, rather than reported as tampered.
    """
    for _ in range(5):
        events, beyond, listing = read()
        if listing is not None and (type(listing.version) is not int or listing.version < len(events)):
            says = f"the case's listing row says version {shown(listing.version)}, but it has {len(events)} events"
            raise IntegrityError(case_id, len(events), says)  # writers only ever raise the version
        if listing is None or listing.version != len(events):
            continue  # a writer appended between the reads: read again
        if beyond:
            raise IntegrityError(case_id, len(events) + 1, "rows were added beyond the case's recorded end")
        case = rebuild(case_id, events)
        check_listing(case_id, case, listing)
        return
    # the case kept growing under five reads: its chain checked out each time, and its listing
    # row is checked by the next verify once the writers rest


def check_listing(case_id: str, case: Case, listing: Listing) -> None:
    """The listing row and snapshot must say what the chain-checked events say, or `IntegrityError`.

    The listing row is a projection kept beside the chain, not covered by it: an edit of
    its stage, kind or last change would mislead `cases` and retention without this check.
    """
    for name, listed, true in (
        ("kind", listing.kind, case.kind.value),
        ("stage", listing.stage, case.stage.value),
        ("last change", listing.updated_at, case.updated_at),
    ):
        if listed != true:
            says = f"the case's listing row says {name} {shown(listed)}, but its events say {true!r}"
            raise IntegrityError(case_id, case.version, says)
    problem = listing.snapshot(case)
    if problem is not None:
        raise IntegrityError(case_id, case.version, problem)


def check_case_id(case_id: Any) -> None:
    """A store's case id is an id like any other: `InvalidInput` otherwise, before any query."""
    problem = id_problem(case_id)
    if problem is not None:
        raise InvalidInput(f"case_id {problem}, got {shown(case_id)}", field="case_id")


def check_filter(stage: Any, kind: Any) -> None:
    """The filters of `cases`: a `Stage` and a `CaseKind`, or ``None``."""
    if stage is not None and not isinstance(stage, Stage):
        raise InvalidInput(f"stage must be a restorative.Stage or None, got {shown(stage)}", field="stage")
    if kind is not None and not isinstance(kind, CaseKind):
        raise InvalidInput(f"kind must be a restorative.CaseKind or None, got {shown(kind)}", field="kind")


def check_moment(value: Any, name: str) -> None:
    """A moment a store is asked about: an aware datetime, or `InvalidInput` naming the argument."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{name} must be a timezone-aware datetime, got {shown(value)}", field=name)


def check_version(case_id: str, expected: Any, actual: int) -> None:
    """Optimistic concurrency: the writer's expected version must be the stored one."""
    if isinstance(expected, bool) or not isinstance(expected, int) or expected < 0:
        raise InvalidInput(
            f"expected_version must be an int of 0 or more, got {shown(expected)}", field="expected_version"
        )
    if expected != actual:
        raise ConcurrencyError(case_id, expected, actual)


def problems_of(case_ids: Callable[[], list[str]], verify: Callable[[str], None]) -> list[Exception]:
    """The body of every backend's `verify_all`: one problem per case that does not check out, never raising.

    Whatever a bad row, value or table raises while one case is checked is reported for
    that case as an `IntegrityError`, and the remaining cases are still checked.
    """
    try:
        ids = case_ids()
    except Exception as error:
        return [StoreError(f"the list of cases cannot be read: {cut(str(error))}")]
    problems: list[Exception] = []
    for case_id in ids:
        try:
            verify(case_id)
        except (IntegrityError, CaseNotFound) as error:
            problems.append(error)
        except Exception as error:
            problems.append(IntegrityError(case_id, 0, f"cannot be checked: {type(error).__name__}: {cut(str(error))}"))
    return problems
