"""A mapping of another system's CSV log onto the library's events: its columns, activity names and roles.

Read from TOML (`LogMapping.from_toml`) or built in code; every key is checked, and a bad
one raises `LogError` naming it. The library's own CSV needs no mapping.
"""

from __future__ import annotations

import tomllib
import zoneinfo
from collections.abc import Mapping
from datetime import tzinfo
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

from .._checks import shown
from .._values import ActorKind, CaseKind, ReferralSource, ReportKind
from ..errors import LogError
from ..events import Event
from ._log import ACTIVITIES

SUBJECTS = ("party", "item", "person", "signer", "mediator", "participant", "guardian", "towards", "staff")
"""Columns that may name what an event concerns, each under the qualifier of the same name."""
_OPTIONAL = ("actor", "role", "case_kind", "referral_source", "report_kind", "objects", *SUBJECTS)
_REQUIRED = ("case", "activity", "timestamp")
_KEYS = (
    "columns",
    "activities",
    "ignore",
    "roles",
    "case_kinds",
    "case_kind",
    "referral_source",
    "timezone",
    "timestamp_format",
    "delimiter",
    "encoding",
)


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@frozen(kw_only=True, weakref_slot=False)
class LogMapping:
    """How to read another system's CSV log as a log of the library's events.

    Args:
        columns: our column name (``case``, ``activity``, ``timestamp``, and optionally
            ``actor``, ``role``, ``case_kind``, ``referral_source``, ``report_kind``,
            ``objects`` and the subject columns ``party``, ``item``, ``person``,
            ``signer``, ``mediator``, ``participant``, ``guardian``, ``towards``,
            ``staff``) to the header of the column that holds it.
        activities: their activity name to ours: an event's name (``ConsentGiven``) or
            a report's activity (``Report agreement``).
        ignore: their activity names to skip (letters printed, phone calls logged, ...).
        roles: their role names to ours (``staff``, ``mediator``, ``party``,
            ``guardian``, ``participant``); a role not listed must be one of ours.
        case_kinds: their case kinds to ``criminal`` or ``civil``.
        case_kind: the kind of every case, when the log has no such column.
        referral_source: who referred every case, when the log has no such column.
        timezone: an IANA zone (``Europe/Oslo``) for times written without an offset.
        timestamp_format: a `datetime.strptime` format, when the times are not ISO 8601.
        delimiter: the CSV delimiter.
        encoding: the text encoding of the file.
        source: where the mapping was read from, for messages.
    """

    columns: Mapping[str, str] = field(converter=_frozen)
    activities: Mapping[str, str] = field(factory=dict, converter=_frozen)
    ignore: frozenset[str] = field(factory=frozenset, converter=frozenset)
    roles: Mapping[str, str] = field(factory=dict, converter=_frozen)
    case_kinds: Mapping[str, str] = field(factory=dict, converter=_frozen)
    case_kind: CaseKind | None = None
    referral_source: ReferralSource | None = None
    timezone: str | None = None
    timestamp_format: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    source: str = "mapping"

    def __attrs_post_init__(self) -> None:
        _check(self)

    @staticmethod
    def from_toml(path: str | PathLike[str]) -> LogMapping:
        """Read a mapping from a TOML file.

        Raises:
            LogError: the file cannot be read, is not TOML, or holds a bad key or value.
        """
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise LogError(where, f"cannot read the mapping: {error.strerror or error}") from None
        except UnicodeDecodeError as error:
            raise LogError(where, f"the mapping is not UTF-8 text ({error.reason} at byte {error.start})") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise LogError(where, f"the mapping is not valid TOML: {error}") from None
        return LogMapping.from_data(data, source=where)

    @staticmethod
    def from_data(data: Mapping[str, Any], *, source: str = "mapping") -> LogMapping:
        """Build a mapping from the data of a TOML document (see the class for the keys).

        Raises:
            LogError: an unknown key, or a value of the wrong kind.
        """
        if not isinstance(data, Mapping):
            raise LogError(source, f"a mapping is a table of keys, not {type(data).__name__}")
        for key in data:
            if key not in _KEYS:
                raise LogError(source, f"unknown key {shown(key)}; known keys are {', '.join(_KEYS)}")
        kwargs: dict[str, Any] = {"source": source}
        for key in ("columns", "activities", "roles", "case_kinds"):
            if key in data:
                kwargs[key] = _texts(data[key], key, source)
        if "columns" not in kwargs:
            raise LogError(source, "a mapping needs a [columns] table naming at least case, activity and timestamp")
        if "ignore" in data:
            ignore = data["ignore"]
            if not isinstance(ignore, list) or not all(isinstance(x, str) for x in ignore):
                raise LogError(source, "ignore must be a list of activity names")
            kwargs["ignore"] = frozenset(ignore)
        for key in ("timezone", "timestamp_format", "delimiter", "encoding"):
            if key in data:
                if not isinstance(data[key], str):
                    raise LogError(source, f"{key} must be text, not {shown(data[key])}")
                kwargs[key] = data[key]
        if "case_kind" in data:
            kwargs["case_kind"] = _enum(CaseKind, data["case_kind"], "case_kind", source)
        if "referral_source" in data:
            kwargs["referral_source"] = _enum(ReferralSource, data["referral_source"], "referral_source", source)
        return LogMapping(**kwargs)

    # --- used by the CSV reader ------------------------------------------------------

    def activity(self, name: str) -> tuple[type[Event], ReportKind | None] | None:
        """The event an activity of theirs records (``None`` when it is not mapped)."""
        ours = self.activities.get(name, name)
        return ACTIVITIES.get(ours)

    def role(self, name: str) -> str:
        """Our name for a role of theirs."""
        return self.roles.get(name, name)

    def kind(self, name: str) -> str:
        """Our name for a case kind of theirs."""
        return self.case_kinds.get(name, name)

    def zone(self) -> tzinfo | None:
        """The zone of times written without an offset, if the mapping names one."""
        if self.timezone is None:
            return None
        return zoneinfo.ZoneInfo(self.timezone)


def _texts(value: Any, key: str, source: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise LogError(source, f"[{key}] must be a table, not {shown(value)}")
    for k, v in value.items():
        if not isinstance(v, str) or not v:
            raise LogError(source, f"{key}.{k} must be a non-empty text, not {shown(v)}")
    return dict(value)


def _enum(kind: Any, value: Any, key: str, source: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise LogError(source, f"{key} must be one of {choices}, not {shown(value)}") from None


def _check(mapping: LogMapping) -> None:
    source = mapping.source
    for key in mapping.columns:
        if key not in _REQUIRED and key not in _OPTIONAL:
            known = ", ".join((*_REQUIRED, *_OPTIONAL))
            raise LogError(source, f"columns.{key} is not a column the checker reads; it reads {known}")
    missing = [key for key in _REQUIRED if key not in mapping.columns]
    if missing:
        raise LogError(source, f"[columns] must name the column of: {', '.join(missing)}")
    for theirs, ours in mapping.activities.items():
        if ours not in ACTIVITIES:
            raise LogError(
                source,
                f"activities.{shown(theirs)} maps to {shown(ours)}, which is no event of the library; "
                "use an event's name such as ConsentGiven, or a report's such as 'Report agreement'",
            )
    kinds = {k.value for k in ActorKind}
    for theirs, ours in mapping.roles.items():
        if ours not in kinds:
            raise LogError(
                source, f"roles.{shown(theirs)} maps to {shown(ours)}; choose from {', '.join(sorted(kinds))}"
            )
    for theirs, ours in mapping.case_kinds.items():
        if ours not in ("criminal", "civil"):
            raise LogError(source, f"case_kinds.{shown(theirs)} maps to {shown(ours)}; choose criminal or civil")
    if len(mapping.delimiter) != 1:
        raise LogError(source, f"delimiter must be one character, not {shown(mapping.delimiter)}")
    if mapping.timezone is not None:
        try:
            zoneinfo.ZoneInfo(mapping.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise LogError(
                source, f"timezone {shown(mapping.timezone)} is not a known zone such as Europe/Oslo"
            ) from None
    try:
        "x".encode(mapping.encoding)
    except LookupError:
        raise LogError(source, f"encoding {shown(mapping.encoding)} is not a known text encoding") from None
