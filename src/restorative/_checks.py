"""attrs validators that turn malformed input into `restorative.errors.InvalidInput`."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

from .errors import InvalidInput

MAX_ID_LENGTH = 200
"""The longest id, in characters: ids name things, and they end up in every log line and error."""

EARLIEST_YEAR = 1900
LATEST_YEAR = 8999
"""Timestamps lie in these years: a century of deadlines after the last one still fits a `datetime`."""


def shown(value: Any, limit: int = 60) -> str:
    """`repr(value)`, cut to about `limit` characters: errors never repeat unbounded input."""
    text = repr(value)
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


def check_ids(_: Any, attribute: Any, value: Any) -> None:
    """A tuple of distinct ids."""
    if not isinstance(value, tuple):
        raise InvalidInput(f"{attribute.name} must be a tuple of ids, got {value!r}", field=attribute.name)
    for item in value:
        check_id(_, attribute, item)
    if len(set(value)) != len(value):
        raise InvalidInput(f"{attribute.name} lists an id twice: {value!r}", field=attribute.name)


def check_aware(_: Any, attribute: Any, value: Any) -> None:
    """A timestamp must be a timezone-aware datetime (the engine never guesses a zone) in a year it can compute with."""
    if not isinstance(value, datetime):
        raise InvalidInput(f"{attribute.name} must be a datetime, got {shown(value)}", field=attribute.name)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            f"{attribute.name} must be timezone-aware (e.g. datetime(..., tzinfo=UTC)), got {value!r}",
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
        raise InvalidInput(f"{attribute.name} must be an integer >= 0, got {value!r}", field=attribute.name)


def check_positive(_: Any, attribute: Any, value: Any) -> None:
    """An int of one or more."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInput(f"{attribute.name} must be an integer >= 1, got {value!r}", field=attribute.name)


MAX_DAYS = 36_525
"""The longest period a policy may set, about a century: longer ones cannot be a practice."""


def check_days(_: Any, attribute: Any, value: Any) -> None:
    """A number of days from 0 to `MAX_DAYS`."""
    check_non_negative(_, attribute, value)
    if value > MAX_DAYS:
        raise InvalidInput(f"{attribute.name} must be at most {MAX_DAYS} days, got {value!r}", field=attribute.name)


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
            raise InvalidInput(f"{attribute.name} must be {names}, got {value!r}", field=attribute.name)

    return check


def check_text(_: Any, attribute: Any, value: Any) -> None:
    """A string (may be empty)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{attribute.name} must be a string, got {value!r}", field=attribute.name)
