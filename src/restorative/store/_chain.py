"""Events to rows and back: the hash chain (plain or keyed), sealing, encoding and checked decoding."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC
from typing import Any, Protocol

import attrs

from .. import events as e
from .._checks import check_data, id_problem, shown
from .._codec import EVENT_DECODERS, SCHEMA_VERSION, dumps_compact, event_from_data, to_data
from .._values import Actor
from ..errors import DecodeError, IntegrityError, InvalidInput, StoreError
from ..events import Event
from ._protocol import StoredEvent

_EVENT_TYPES = frozenset(e.EVENT_TYPES)


def cut(text: str, limit: int = 300) -> str:
    """`text`, cut to `limit` characters: a message never repeats unbounded input."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    """The plain hash of one stored event, chained to the one before it."""
    return _sha256(f"{previous}\x1f{case_id}\x1f{sequence}\x1f{data}".encode()).hexdigest()


_sha256 = hashlib.sha256
_KEY_CHECK = b"restorative chain key check"


class Chain:
    """How a store hashes its rows: plain SHA-256, or HMAC-SHA-256 under a key kept outside the database.

    Anyone who can write a database file can recompute a plain chain after editing it; a
    keyed chain cannot be recomputed without the key. The same hash binds a case's
    snapshot to the head it reflects.
    """

    def __init__(self, key: bytes | None = None) -> None:
        if key is not None and (not isinstance(key, bytes) or len(key) < 16):
            raise InvalidInput(f"chain_key must be bytes of 16 or more, got {shown(key, 20)}", field="chain_key")
        self.key = key

    @property
    def keyed(self) -> bool:
        """Whether the chain is an HMAC under a key."""
        return self.key is not None

    def marker(self) -> str:
        """What the database records about its chain: the algorithm and, when keyed, a check of the key."""
        if self.key is None:
            return "sha256"
        return "hmac-sha256:" + hmac.digest(self.key, _KEY_CHECK, "sha256").hex()[:16]

    def check_marker(self, recorded: str | None, has_events: bool) -> str | None:
        """The marker to record (``None``: recorded already); `StoreError` if this chain cannot read the database's."""
        mine = self.marker()
        if recorded == mine:
            return None
        if recorded is None and not (self.keyed and has_events):
            return mine  # a new database, or one written before the marker: plain
        if recorded is None or recorded == "sha256":
            raise StoreError(
                "this database's chain is plain SHA-256; a chain_key cannot be given to chains already stored"
                " (open it without one, or start a new database with the key)"
            )
        if not self.keyed:
            raise StoreError("this database's chain is keyed: open the store with its chain_key")
        raise StoreError("this chain_key is not the key this database's chain was written with")

    def digest(self, message: str) -> str:
        """The hex hash of `message`: SHA-256, or HMAC-SHA-256 under the key."""
        if self.key is None:
            return _sha256(message.encode()).hexdigest()
        return hmac.digest(self.key, message.encode(), "sha256").hex()

    def link(self, previous: str, case_id: str, sequence: int, data: str) -> str:
        """The hash of one stored event, chained to the one before it."""
        return self.digest(f"{previous}\x1f{case_id}\x1f{sequence}\x1f{data}")


PLAIN = Chain()


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


def seal_birth_dates(case_id: str, parties: Any, sealer: Sealer) -> None:
    """Seal, in place, the birth date of each party in `parties` (JSON dicts) with its person's key."""
    for party in parties:
        born = party.get("birth_date")
        if born is not None:
            party["birth_date"] = {"sealed": sealer.seal(case_id, party["id"], "birth_date", born)}


def open_birth_dates(case_id: str, parties: Any, sealer: Sealer | None) -> None:
    """Put sealed birth dates back in `parties` (``None`` without a sealer, or once the person is erased)."""
    for party in parties:
        born = party.get("birth_date") if isinstance(party, dict) else None
        if isinstance(born, dict):
            token = born.get("sealed")
            person = str(party.get("id"))
            opened = sealer.unseal(case_id, person, "birth_date", token) if sealer and isinstance(token, str) else None
            party["birth_date"] = opened


def _sealed(event: Event, data: dict[str, Any], sealer: Sealer | None) -> dict[str, Any]:
    """The JSON data of an event as stored: birth dates sealed when there is a sealer."""
    if sealer is not None and type(event) is e.CaseReferred:
        seal_birth_dates(event.case_id, data["parties"], sealer)
    return data


def _opened(parsed: dict[str, Any], sealer: Sealer | None) -> None:
    """Put sealed birth dates back in a parsed CaseReferred."""
    open_birth_dates(str(parsed.get("case_id")), parsed.get("parties") or (), sealer)


def plaintext_birth_dates(event: Event) -> bool:
    """Whether an event would store a birth date as it is (a `CaseReferred` naming one)."""
    return type(event) is e.CaseReferred and any(p.birth_date for p in event.parties)


def encode(
    case_id: str,
    events: Sequence[Event],
    version: int,
    head: str,
    sealer: Sealer | None = None,
    *,
    chain: Chain = PLAIN,
    trusted: bool = False,
) -> tuple[list[tuple[Any, ...]], str]:
    """Rows ``(case_id, sequence, type, at, actor, data, hash)`` for `events` after `version`, and the new head.

    Unless `trusted` (events `decide` just made from checked commands), every event must
    load back as itself: its data is decoded again and compared, so a wrong-typed field,
    a naive time or an actor given as a string is refused here with `InvalidInput`
    instead of making the case unloadable later.
    """
    if isinstance(events, (str, bytes)) or not isinstance(events, Sequence) or not events:
        raise InvalidInput("append needs a sequence of at least one event", field="events")
    rows = []
    for offset, event in enumerate(events, start=1):
        sequence = version + offset
        if type(event) not in _EVENT_TYPES:
            raise InvalidInput(f"append takes restorative events, not {shown(event)}", field="events")
        name = type(event).__name__
        where = f"{name} (event {sequence} of case {case_id})"
        if not trusted and type(event.actor) is not Actor:
            raise InvalidInput(f"{where}: actor must be a restorative.Actor, got {shown(event.actor)}", field="actor")
        try:
            data = to_data(event)
        except (AttributeError, TypeError, ValueError, KeyError) as error:
            raise InvalidInput(f"{where} cannot be stored: {cut(str(error))}", field="events") from None
        if not trusted:
            _loads_back(where, event, data)
        try:
            text = dumps_compact(_sealed(event, data, sealer))
            head = chain.link(head, case_id, sequence, text)
        except (TypeError, ValueError) as error:  # UnicodeEncodeError too: a lone surrogate cannot be stored
            raise InvalidInput(f"{where} cannot be stored: {cut(str(error))}", field="events") from None
        moment = event.at
        at = data["at"] if moment.tzinfo is UTC else moment.astimezone(UTC).isoformat()
        rows.append((case_id, sequence, name, at, event.actor.id, text, head))
    return rows, head


def _loads_back(where: str, event: Event, data: dict[str, Any]) -> None:
    """`InvalidInput` unless `data` decodes to an event equal to `event`: never store what cannot be read back."""
    try:
        back = EVENT_DECODERS[data["type"]](data)
    except Exception:
        try:
            back = event_from_data(data)
        except DecodeError as error:
            raise InvalidInput(f"{where} would not load back: {cut(str(error))}", field="events") from None
    if back != event:
        raise InvalidInput(f"{where} would load back as a different event: {shown(back, 200)}", field="events")
    for name, many in _IDS[type(event)]:
        value = getattr(event, name)
        for one in value if many else () if value is None else (value,):
            problem = id_problem(one)
            if problem is not None:
                raise InvalidInput(f"{where}: {name} {problem}, got {shown(one)}", field=name)
        if many and len(set(value)) != len(value):
            raise InvalidInput(f"{where}: {name} lists an id twice", field=name)


ID_FIELDS = frozenset(
    {"case_id", "staff_id", "mediator_id", "party_id", "guardian_id", "participant_id", "person_id", "signer_id"}
    | {"item_id", "towards", "accompanies"}
)
"""The fields of events that hold one id (``accompanies`` may be ``None``), checked as any id is."""
ID_TUPLE_FIELDS = frozenset({"attendees", "remote", "present"})
"""The fields of events that hold a tuple of distinct ids."""
_IDS: dict[type, tuple[tuple[str, bool], ...]] = {
    kind: tuple(
        (f.name, f.name in ID_TUPLE_FIELDS)
        for f in attrs.fields(kind)
        if f.name in ID_FIELDS or f.name in ID_TUPLE_FIELDS
    )
    for kind in e.EVENT_TYPES
}
"""Events are built by `decide` from checked commands and carry no validators of their own (they are
made on every step of a simulation); an appended event is checked here instead, so that no id a
value would refuse (empty, a line break) is stored and makes a case's snapshot unreadable."""


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
    chain: Chain = PLAIN,
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
    key = chain.key
    for sequence, data, stored_hash in rows:  # the whole chain first: nothing is decoded from a broken one
        if sequence > version:  # appended after the listing row was read: not part of this read
            break
        if sequence != len(hashes) + 1:
            raise IntegrityError(case_id, len(hashes) + 1, f"missing or out of order (found {sequence} next)")
        message = f"{previous}{middle}{sequence}\x1f{data}".encode()
        digest = _sha256(message).hexdigest() if key is None else hmac.digest(key, message, "sha256").hex()
        if digest != stored_hash:
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
    chain: Chain = PLAIN,
) -> list[StoredEvent]:
    """Like `checked`, as `StoredEvent`s for `history`."""
    events, hashes = checked(case_id, rows, upcasters, head, version, cache=cache, sealer=sealer, chain=chain)
    return [
        StoredEvent(case_id=case_id, sequence=n, event=event, hash=digest)
        for n, (event, digest) in enumerate(zip(events, hashes, strict=True), start=1)
    ]
