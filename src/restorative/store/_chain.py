"""What every backend shares: the hash chain, the listing fold, decoding rows, `handle`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from .. import events as e
from .._checks import check_data, id_problem, shown
from .._codec import EVENT_DECODERS, SCHEMA_VERSION, dumps_compact, event_from_data, to_data
from .._lifecycle import Stage, walk
from .._values import Case, CaseKind
from ..commands import Command, ReferCase
from ..errors import CaseNotFound, ConcurrencyError, DecodeError, IntegrityError, InvalidInput
from ..events import Event
from ..process._mediation import decide, replay
from ._protocol import StoredEvent

_EVENT_TYPES = frozenset(e.EVENT_TYPES)

GENESIS = ""
"""The hash before a case's first event."""

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class Upcasters:
    """Functions that lift stored event data written by an older schema to today's.

    Register one per event type and old schema version; loading applies them in turn
    until the data reaches `restorative.SCHEMA_VERSION`. The stored row is never
    rewritten, so its hash still checks out.
    """

    def __init__(self) -> None:
        self._steps: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorate a function that turns `event_type` data of `from_version` into `from_version + 1`."""

        def add(step: Upcaster) -> Upcaster:
            self._steps[(event_type, from_version)] = step
            return step

        return add

    def upcast(self, data: dict[str, Any]) -> dict[str, Any]:
        """Lift `data` to today's schema.

        Raises:
            DecodeError: the data is not an object, is too deep or too big to decode (see
                `restorative._codec`), has a schema version this library does not read, or
                a step is missing; in bounded time, with a short message, whatever the data.
        """
        if not isinstance(data, dict):
            raise DecodeError(f"expected an event's object, got {type(data).__name__}")
        check_data(data)
        version = data.get("schema")
        while version != SCHEMA_VERSION:
            if not isinstance(version, int) or version > SCHEMA_VERSION:
                raise DecodeError(f"schema version {shown(version)} is not one this library reads", path="$.schema")
            kind = data.get("type")
            step = self._steps.get((kind, version)) if isinstance(kind, str) else None
            if step is None:
                named = kind[:80] if isinstance(kind, str) else shown(kind)
                raise DecodeError(f"no upcaster for {named} from schema {version}", path="$.schema")
            data = step(dict(data))
            if not isinstance(data, dict):
                raise DecodeError(f"the upcaster for {kind} from schema {version} returned {type(data).__name__}")
            data["schema"] = version = version + 1
        return data


def link(previous: str, case_id: str, sequence: int, data: str) -> str:
    """The hash of one stored event, chained to the one before it."""
    return _sha256(f"{previous}\x1f{case_id}\x1f{sequence}\x1f{data}".encode()).hexdigest()


_sha256 = hashlib.sha256


class Sealer(Protocol):
    """Seals the personal fields of events (birth dates) with the person's own key, and opens them.

    The personal-data vault (`restorative.privacy.Vault`) is one; a store with a sealer
    writes a sealed token where the field was, so the hash chain covers the token and
    erasing the person's key leaves the log intact but the field unreadable.
    """

    def seal(self, case_id: str, person_id: str, field: str, plain: str) -> str:
        """The sealed token of one field of one person in one case."""
        ...

    def unseal(self, case_id: str, person_id: str, field: str, token: str) -> str | None:
        """The field back, or ``None`` when the person was erased."""
        ...


def _data(event: Event, sealer: Sealer | None) -> dict[str, Any]:
    """The JSON data of an event as stored: birth dates sealed when there is a sealer."""
    data: dict[str, Any] = to_data(event)
    if sealer is None or type(event) is not e.CaseReferred:
        return data
    for party in data["parties"]:
        born = party.get("birth_date")
        if born is not None:
            party["birth_date"] = {"sealed": sealer.seal(event.case_id, party["id"], "birth_date", born)}
    return data


def _opened(parsed: dict[str, Any], sealer: Sealer | None) -> None:
    """Put sealed birth dates back in a parsed CaseReferred (``None`` without a sealer, or once erased)."""
    case_id = str(parsed.get("case_id"))
    for party in parsed.get("parties") or ():
        born = party.get("birth_date") if isinstance(party, dict) else None
        if isinstance(born, dict):
            token = born.get("sealed")
            person = str(party.get("id"))
            opened = sealer.unseal(case_id, person, "birth_date", token) if sealer and isinstance(token, str) else None
            party["birth_date"] = opened


def plaintext_birth_dates(event: Event) -> bool:
    """Whether an event would store a birth date as it is (a `CaseReferred` naming one)."""
    return type(event) is e.CaseReferred and any(p.birth_date for p in event.parties)


def encode(
    case_id: str, events: Sequence[Event], version: int, head: str, sealer: Sealer | None = None
) -> tuple[list[tuple[Any, ...]], str]:
    """Rows ``(case_id, sequence, type, at, actor, data, hash)`` for `events` after `version`, and the new head."""
    rows = []
    for offset, event in enumerate(events, start=1):
        sequence = version + offset
        try:
            data = _data(event, sealer)
            text = dumps_compact(data)
            head = link(head, case_id, sequence, text)
        except (TypeError, ValueError) as error:  # UnicodeEncodeError too: a lone surrogate cannot be stored
            raise InvalidInput(f"cannot store {type(event).__name__} of case {case_id}: {error}") from error
        moment = event.at
        at = data["at"] if moment.tzinfo is UTC else moment.astimezone(UTC).isoformat()
        rows.append((case_id, sequence, type(event).__name__, at, event.actor.id, text, head))
    return rows, head


def summarize(
    case_id: str, events: Sequence[Event], version: int, kind: CaseKind | None, stage: Stage | None
) -> tuple[CaseKind, Stage, datetime]:
    """The listing projection after `events`: kind, stage and last change, without replaying the case."""
    if isinstance(events, (str, bytes)) or not events:
        raise InvalidInput("append needs a sequence of at least one event", field="events")
    for event in events:
        if type(event) not in _EVENT_TYPES:
            raise InvalidInput(f"append takes restorative events, not {shown(event)}", field="events")
    if version == 0:
        first = events[0]
        if type(first) is not e.CaseReferred:
            raise InvalidInput(f"case {case_id} must start with CaseReferred, not {type(first).__name__}")
        if first.case_id != case_id:
            raise InvalidInput(f"CaseReferred is for case {first.case_id!r}, not {case_id!r}")
        kind, stage = first.referral.kind, Stage.REFERRED
        rest: Iterable[Event] = events[1:]
    else:
        if kind is None or stage is None:
            raise InvalidInput(f"case {case_id} has no listing row")
        rest = events
    for event, _, after in walk(rest, stage):  # an impossible move, or time going back (R15), raises
        if type(event) is e.CaseReferred:
            raise InvalidInput(f"case {case_id} is already open")
        stage = after
    return kind, stage, events[-1].at


Listing = tuple[Any, Any, Any, Any]
"""A case's listing row as stored: kind, stage, last change and version (unchecked values)."""


def verify_case(case_id: str, read: Callable[[], tuple[list[Event], bool, Listing | None]]) -> None:
    """The body of every backend's `verify`: the chain, rows beyond its end, and the listing row.

    `read` gives the chain-checked events, whether rows lie beyond the recorded end, and
    the listing row, read just after. A writer may append between those reads; then the
    listing is newer than the events and is read again, rather than reported as tampered.
    """
    for _ in range(5):
        events, beyond, listing = read()
        if listing is None or listing[3] != len(events):
            continue  # a writer appended between the reads: read again
        if beyond:
            raise IntegrityError(case_id, len(events) + 1, "rows were added beyond the case's recorded end")
        check_listing(case_id, events, listing[0], listing[1], listing[2])
        return
    # the case kept growing under five reads: its chain checked out each time, and its listing
    # row is checked by the next verify once the writers rest


def check_listing(case_id: str, events: Sequence[Event], kind: Any, stage: Any, updated_at: Any) -> None:
    """The listing row must say what the chain-checked events say, or `IntegrityError`.

    The listing row is a projection kept beside the chain, not covered by it: an edit of
    its stage, kind or last change would mislead `cases` and retention without this check.
    """
    true_kind, true_stage, true_updated_at = summarize(case_id, events, 0, None, None)
    for name, listed, true in (
        ("kind", kind, true_kind.value),
        ("stage", stage, true_stage.value),
        ("last change", updated_at, true_updated_at),
    ):
        if listed != true:
            raise IntegrityError(
                case_id, len(events), f"the case's listing row says {name} {listed!r}, but its events say {true!r}"
            )


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


def check_version(case_id: str, expected: int, actual: int) -> None:
    """Optimistic concurrency: the writer's expected version must be the stored one."""
    if isinstance(expected, bool) or not isinstance(expected, int) or expected < 0:
        raise InvalidInput(
            f"expected_version must be an int of 0 or more, got {shown(expected)}", field="expected_version"
        )
    if expected != actual:
        raise ConcurrencyError(case_id, expected, actual)


class DecodedCache:
    """Events already decoded, by the hash of their row: a row's hash commits to its text.

    The chain is still checked on every read; only parsing and decoding a row whose
    hash just checked out are skipped. Bounded: a read that would overfill it empties it
    first (with threads reading at once, it may hold one read more per thread until the
    next read empties it).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.events: dict[str, Event] = {}


def _unreadable(case_id: str, texts: list[str]) -> None:
    """Raise for the first of these rows that is not JSON, naming its sequence."""
    for n, text in enumerate(texts, start=1):
        try:
            json.loads(text)
        except (ValueError, RecursionError) as error:
            raise IntegrityError(case_id, n, f"cannot be read: {error}") from error


def _parse_all(texts: list[str]) -> Iterator[Any] | None:
    """All rows' JSON in one parse, or ``None`` to parse them one by one (and name a bad one).

    Joining is safe only for texts that are each one JSON object: every row must start with
    ``{`` and end with ``}``, and the parse must give one value per row.
    """
    if not all(text[:1] == "{" and text[-1:] == "}" for text in texts):
        return None
    try:
        values = json.loads("[" + ",".join(texts) + "]")
    except (ValueError, RecursionError):
        return None
    return iter(values) if len(values) == len(texts) else None


def checked(
    case_id: str,
    rows: Iterable[tuple[int, str, str]],
    upcasters: Upcasters,
    head: str,
    version: int,
    *,
    cache: DecodedCache | None = None,
    sealer: Sealer | None = None,
) -> tuple[list[Event], list[str]]:
    """Check the chain of `(sequence, data, hash)` rows and decode them, or raise `IntegrityError`.

    Returns:
        The events and their hashes, in order.
    """
    known = {} if cache is None else cache.events
    hashes: list[str] = []
    texts: list[str] = []
    previous = GENESIS
    middle = f"\x1f{case_id}\x1f"  # link(), inlined: this loop runs for every row of every read
    for sequence, data, stored_hash in rows:  # the whole chain first: nothing is decoded from a broken one
        if sequence > version:  # appended after the listing row was read: not part of this read
            break
        if sequence != len(hashes) + 1:
            raise IntegrityError(case_id, len(hashes) + 1, f"missing or out of order (found {sequence} next)")
        if _sha256(f"{previous}{middle}{sequence}\x1f{data}".encode()).hexdigest() != stored_hash:
            _unreadable(case_id, texts)  # an earlier row that cannot be read is the first problem
            raise IntegrityError(case_id, sequence, "its content or hash was changed after it was written")
        hashes.append(stored_hash)
        texts.append(data)
        previous = stored_hash
    cached = [known.get(digest) for digest in hashes] if known else [None] * len(hashes)
    unread = [n for n, event in enumerate(cached) if event is None]
    limit = 0 if cache is None else cache.size
    remember = 0 < len(unread) <= limit
    if remember and len(known) + len(unread) > limit:
        known.clear()  # bounded: when full, it starts over

    parsed_rows = _parse_all([texts[n] for n in unread])
    events: list[Event] = []
    decoders = EVENT_DECODERS
    for n, known_event in enumerate(cached):
        if known_event is not None:
            events.append(known_event)
            continue
        try:
            parsed = json.loads(texts[n]) if parsed_rows is None else next(parsed_rows)
            if type(parsed) is not dict or parsed.get("schema") != SCHEMA_VERSION:
                parsed = upcasters.upcast(parsed)
            kind = parsed.get("type")
            if kind == "CaseReferred":
                _opened(parsed, sealer)
            try:
                event = decoders[kind](parsed)
            except Exception:  # no fast decoder, or data it does not expect: the careful path explains
                event = event_from_data(parsed)
        except (ValueError, RecursionError, AttributeError) as error:  # DecodeError, JSONDecodeError
            raise IntegrityError(case_id, n + 1, f"cannot be read: {error}") from error
        if remember:
            known[hashes[n]] = event
        events.append(event)
    if not events:
        raise IntegrityError(case_id, 1, "the case is listed but its events are missing")
    if previous != head or len(events) != version:
        raise IntegrityError(
            case_id, len(events), f"the log ends at event {len(events)} but the case records {version}"
        )
    return events, hashes


def decode(
    case_id: str,
    rows: Iterable[tuple[int, str, str]],
    upcasters: Upcasters,
    head: str,
    version: int,
    *,
    cache: DecodedCache | None = None,
    sealer: Sealer | None = None,
) -> list[StoredEvent]:
    """Like `checked`, as `StoredEvent`s for `history`."""
    events, hashes = checked(case_id, rows, upcasters, head, version, cache=cache, sealer=sealer)
    return [
        StoredEvent(case_id=case_id, sequence=n, event=event, hash=digest)
        for n, (event, digest) in enumerate(zip(events, hashes, strict=True), start=1)
    ]


def rebuild(case_id: str, events: list[Event]) -> Case:
    """Replay checked events into the case; a log that does not fold is an integrity problem."""
    try:
        return replay(events)
    except InvalidInput as error:
        raise IntegrityError(case_id, len(events), f"the events do not make a case: {error}") from error


def handle(store: Any, case_id: str, command: Command) -> tuple[Case, tuple[Event, ...]]:
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
    store.append(case_id, events, 0 if case is None else case.version)
    new = replay(events, case) if case is not None else replay(events)
    return new, events
