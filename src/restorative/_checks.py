"""attrs validators that turn malformed input into `restorative.errors.InvalidInput`."""

from __future__ import annotations

import reprlib
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from itertools import islice
from typing import Any

from .errors import DecodeError, InvalidInput

MAX_ID_LENGTH = 200
"""The longest id, in characters: ids name things, and they end up in every log line and error."""

EARLIEST_YEAR = 1900
LATEST_YEAR = 8999
"""Timestamps lie in these years: a century of deadlines after the last one still fits a `datetime`."""


MAX_TEXT_LENGTH = 100_000
"""The longest text, in characters, in a value or in data to decode (about fifty pages)."""

MAX_ITEMS = 10_000
"""The most entries of one collection (a tuple of a value, a list or object in data to decode)."""

MAX_DEPTH = 64
"""The deepest nesting of lists and objects in data to decode; the deepest real value nests about six."""

MAX_VALUES = 1_000_000
"""The most values (texts, numbers, lists, objects) in one piece of data to decode, shared references counted
each time they are reached: this bounds the time a refusal takes."""

_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = _REPR.maxother = 80


def shown(value: Any, limit: int = 60) -> str:
    """`repr(value)`, cut to about `limit` characters: errors never repeat unbounded input.

    Takes time bounded by `limit`, not by the value: a long text is cut before it is
    represented, collections are shown to a few levels and items, and a value that
    cannot be represented (an integer too long to print, a broken ``__repr__``, a
    nesting too deep to walk) shows as its type.
    """
    try:
        text = repr(value[: limit + 1]) if type(value) is str else _REPR.repr(value)
    except Exception:  # ValueError for huge ints, RecursionError inside a custom repr, anything a repr raises
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cut(text: str, limit: int) -> str:
    """`text`, cut to `limit` characters with an ellipsis: for messages built from parts of unknown length."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def id_problem(value: Any) -> str | None:
    """Why `value` is not an id, or ``None`` when it is one."""
    if not isinstance(value, str) or not value:
        return "must be a non-empty string"
    if len(value) > MAX_ID_LENGTH:
        return f"must be at most {MAX_ID_LENGTH} characters, not {len(value)}"
    if value != value.strip():
        return "must not start or end with spaces"
    if not value.isprintable() and any(_breaks_a_line(ch) for ch in value):
        return "must not contain control characters, line breaks, unpaired surrogates or text-direction overrides"
    return None


_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Embeddings, overrides and isolates: they can make a printed id read as something else."""


def _breaks_a_line(ch: str) -> bool:
    """Whether a character may not be in an id: it could break or disguise a line it is printed on.

    Letters, marks, spaces of any kind and joiners (as in many names) are fine.
    """
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in _BIDI_CONTROLS


def check_id(_: Any, attribute: Any, value: Any) -> None:
    """An id is a non-empty string of at most `MAX_ID_LENGTH` characters, without surrounding spaces,
    control characters, line breaks, unpaired surrogates or text-direction overrides."""
    if type(value) is str and 0 < len(value) <= MAX_ID_LENGTH and value.isprintable() and value == value.strip():
        return  # the common case, without building a message
    problem = id_problem(value)
    if problem is not None:
        raise InvalidInput(f"{attribute.name} {problem}, got {shown(value)}", field=attribute.name)


def check_optional_id(_: Any, attribute: Any, value: Any) -> None:
    """`None` or an id."""
    if value is not None:
        check_id(_, attribute, value)


def as_tuple(value: Any) -> Any:
    """A converter: any collection given where a tuple is kept becomes one (a list, a generator, a set).

    A set's members are sorted, when they can be, so that the same set always makes the
    same value. A text, bytes or a mapping is left as it is for the check to refuse (one
    text is not a collection of texts), and so is anything that is not iterable. At most
    `MAX_ITEMS` + 1 entries are read, so an endless iterator is refused, not exhausted.
    """
    if type(value) is tuple or isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Iterable):
        return value
    if isinstance(value, (set, frozenset)):
        try:
            return tuple(sorted(value))
        except TypeError:
            pass
    return tuple(islice(value, MAX_ITEMS + 1))


def check_ids(_: Any, attribute: Any, value: Any) -> None:
    """A tuple of distinct ids, at most `MAX_ITEMS` of them."""
    if value == () and type(value) is tuple:
        return  # the common default, without a walk
    check_tuple(_, attribute, value)
    for item in value:
        check_id(_, attribute, item)
    if len(set(value)) != len(value):
        seen: set[str] = set()
        for item in value:
            if item in seen:
                raise InvalidInput(f"{attribute.name} lists the id {shown(item)} twice", field=attribute.name)
            seen.add(item)


def check_tuple(_: Any, attribute: Any, value: Any) -> None:
    """A tuple of at most `MAX_ITEMS` entries; a list, a text or anything else is refused before it is read."""
    if type(value) is not tuple:
        hint = " (one text is not a collection of texts: write (text,))" if isinstance(value, str) else ""
        raise InvalidInput(
            f"{attribute.name} must be a tuple, got {type(value).__name__} {shown(value)}{hint}", field=attribute.name
        )
    if len(value) > MAX_ITEMS:
        raise InvalidInput(
            f"{attribute.name} may hold at most {MAX_ITEMS} entries, not {len(value)}", field=attribute.name
        )


def check_tuple_of(*types: type, ids: bool = False) -> Any:
    """A validator of a tuple (at most `MAX_ITEMS`) whose entries are instances of `types`.

    Args:
        types: the classes an entry may be.
        ids: whether the entries are values with an ``id`` that must be distinct (parties, items).
    """
    names = " or ".join(t.__name__ for t in types)

    def check(_: Any, attribute: Any, value: Any) -> None:
        check_tuple(_, attribute, value)
        for entry in value:
            if not isinstance(entry, types):
                raise InvalidInput(
                    f"{attribute.name} must hold only {names}, got {type(entry).__name__} {shown(entry)}",
                    field=attribute.name,
                )
        if ids:
            check_ids(_, attribute, tuple([entry.id for entry in value]))

    return check


def check_pairs(first: Any, second: Any) -> Any:
    """A validator of a tuple of distinct pairs ``(a, b)``, each checked by the validators `first` and `second`."""

    def check(_: Any, attribute: Any, value: Any) -> None:
        check_tuple(_, attribute, value)
        for pair in value:
            if type(pair) is not tuple or len(pair) != 2:
                raise InvalidInput(f"{attribute.name} must hold pairs, got {shown(pair)}", field=attribute.name)
            first(_, attribute, pair[0])
            second(_, attribute, pair[1])
        if len(set(value)) != len(value):
            raise InvalidInput(f"{attribute.name} lists a pair twice", field=attribute.name)

    return check


def check_aware(_: Any, attribute: Any, value: Any) -> None:
    """A timestamp must be a timezone-aware datetime (the engine never guesses a zone) in a year it can compute with."""
    if not isinstance(value, datetime):
        raise InvalidInput(f"{attribute.name} must be a datetime, got {shown(value)}", field=attribute.name)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            f"{attribute.name} must be timezone-aware (e.g. datetime(..., tzinfo=UTC)), got {shown(value)}",
            field=attribute.name,
        )
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise InvalidInput(
            f"{attribute.name} must fall in the years {EARLIEST_YEAR} to {LATEST_YEAR}, got {value.isoformat()}",
            field=attribute.name,
        )


def check_optional_day(_: Any, attribute: Any, value: Any) -> None:
    """`None` or a calendar date: a `datetime` is not a date here (it would not survive storage)."""
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        raise InvalidInput(
            f"{attribute.name} must be a date (datetime.date, not a datetime), got {shown(value)}",
            field=attribute.name,
        )


def check_optional_aware(_: Any, attribute: Any, value: Any) -> None:
    """`None` or a timezone-aware datetime."""
    if value is not None:
        check_aware(_, attribute, value)


def check_non_negative(_: Any, attribute: Any, value: Any) -> None:
    """An int of zero or more."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput(f"{attribute.name} must be an integer >= 0, got {shown(value)}", field=attribute.name)


def check_positive(_: Any, attribute: Any, value: Any) -> None:
    """An int of one or more."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInput(f"{attribute.name} must be an integer >= 1, got {shown(value)}", field=attribute.name)


MAX_DAYS = 36_525
"""The longest period a policy may set, about a century: longer ones cannot be a practice."""


def check_days(_: Any, attribute: Any, value: Any) -> None:
    """A number of days from 0 to `MAX_DAYS`."""
    check_non_negative(_, attribute, value)
    if value > MAX_DAYS:
        raise InvalidInput(
            f"{attribute.name} must be at most {MAX_DAYS} days, got {shown(value)}", field=attribute.name
        )


def check_optional_days(_: Any, attribute: Any, value: Any) -> None:
    """`None` or a number of days from 1 to `MAX_DAYS`."""
    if value is not None:
        check_positive(_, attribute, value)
        check_days(_, attribute, value)


def check_type(*types: type) -> Any:
    """A validator that the value is an instance of one of `types`."""
    names = " or ".join(t.__name__ for t in types)

    def check(_: Any, attribute: Any, value: Any) -> None:
        if not isinstance(value, types):
            raise InvalidInput(
                f"{attribute.name} must be {names}, got {type(value).__name__} {shown(value)}", field=attribute.name
            )

    return check


def check_text(_: Any, attribute: Any, value: Any) -> None:
    """A string (may be empty) of at most `MAX_TEXT_LENGTH` characters."""
    if not isinstance(value, str):
        raise InvalidInput(
            f"{attribute.name} must be a string, got {type(value).__name__} {shown(value)}", field=attribute.name
        )
    if len(value) > MAX_TEXT_LENGTH:
        raise InvalidInput(
            f"{attribute.name} may be at most {MAX_TEXT_LENGTH} characters, not {len(value)}", field=attribute.name
        )


def check_texts(_: Any, attribute: Any, value: Any) -> None:
    """A tuple (at most `MAX_ITEMS`) of strings, each at most `MAX_TEXT_LENGTH` characters."""
    check_tuple(_, attribute, value)
    for text in value:
        check_text(_, attribute, text)


# --- data to decode ------------------------------------------------------------------


class _Oversized(Exception):
    """Data beyond a limit; `where` collects the path on the way out, innermost first."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.where: list[str] = []


_LEAVES = frozenset({int, float, bool, type(None)})


def check_data(data: Any) -> None:
    """Refuse data too big or too deep to decode, before anything reads it: `DecodeError` with its path.

    Lists and tuples may nest `MAX_DEPTH` deep and hold `MAX_ITEMS` entries, objects
    (dicts) likewise; a text may be `MAX_TEXT_LENGTH` characters; and all of it together
    `MAX_VALUES` values. The walk stops at the first limit crossed, so it takes time
    bounded by `MAX_VALUES` whatever the data is, and never recurses deeper than
    `MAX_DEPTH`. Other values (numbers, None, anything not JSON) are the decoder's to judge.
    """
    try:
        _walk(data, 0, [MAX_VALUES])
    except _Oversized as over:
        path = "$" + "".join(reversed(over.where))
        raise DecodeError(over.reason, path=cut(path, 200)) from None


def _walk(value: Any, depth: int, budget: list[int]) -> None:
    """Walk a list, tuple or dict (texts and numbers inline: most of data is those)."""
    if isinstance(value, dict):
        entries: Any = value.values()
    elif isinstance(value, (list, tuple)):
        entries = value
    else:
        if isinstance(value, str) and len(value) > MAX_TEXT_LENGTH:
            raise _Oversized(_long(value))
        return
    if depth >= MAX_DEPTH:
        raise _Oversized(f"the data nests more than {MAX_DEPTH} levels deep")
    if len(value) > MAX_ITEMS:
        raise _Oversized(f"a collection of {len(value)} entries is larger than the limit of {MAX_ITEMS}")
    budget[0] -= len(value) + 1
    if budget[0] < 0:
        raise _Oversized(f"the data holds more than {MAX_VALUES} values")
    depth += 1
    leaves = _LEAVES
    for item in entries:
        kind = type(item)
        try:
            if kind is str:
                if len(item) > MAX_TEXT_LENGTH:
                    raise _Oversized(_long(item))
            elif kind not in leaves:
                _walk(item, depth, budget)
        except _Oversized as over:  # only now work out where: the entry's key or index
            over.where.append(_step(_key_of(value, item)))
            raise


def _long(text: str) -> str:
    return f"a text of {len(text)} characters is longer than the limit of {MAX_TEXT_LENGTH}"


def _key_of(container: Any, item: Any) -> Any:
    """The key or index of `item` in `container` (found by identity: the walk does not carry keys)."""
    pairs = container.items() if isinstance(container, dict) else enumerate(container)
    return next((key for key, entry in pairs if entry is item), "?")


def _step(key: Any) -> str:
    """One step of a path: ``[3]`` for an index, ``.name`` for a short plain key, ``['odd key']`` otherwise."""
    if type(key) is int:
        return f"[{key}]"
    if type(key) is str and len(key) <= 40 and key.isidentifier():
        return f".{key}"
    return f"[{shown(key, 40)}]"
