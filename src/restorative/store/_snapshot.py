"""Snapshots: the case as of its head, kept in its listing row so a load need not replay the log.

A snapshot is the case in its codec form, bound by the store's chain hash to the case
id, the head event it reflects and its format. The format names the JSON schema, the
library version and a fingerprint of the process definition, and whether birth dates
in it are sealed: a snapshot of any other format is stale, and the case is rebuilt
from its events (and its snapshot written anew). Birth dates are sealed with the
person's own key as they are in the events, so erasing a person leaves no birth date
readable in a snapshot either.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from .. import __version__
from .._codec import SCHEMA_VERSION, dumps_compact, from_data, to_data
from .._values import Case
from ..process._mediation import MEDIATION
from ._chain import Chain, Sealer, open_birth_dates, seal_birth_dates


def _fingerprint() -> str:
    """A short hash of what shapes a folded case: the lifecycle, the events it folds and the case's fields."""
    lifecycle = sorted(
        f"{t}:{source.value}>{dest and dest.value}" for t, source, dest in MEDIATION.lifecycle.transitions
    )
    folded = sorted(rule.kind.__name__ for part in MEDIATION.parts for rule in part.events)
    fields = sorted(a.name for a in Case.__attrs_attrs__)
    text = "|".join([MEDIATION.name, *lifecycle, *folded, *fields])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


FORMAT = f"{SCHEMA_VERSION}/{__version__}/{_fingerprint()}"
"""Today's snapshot format; a snapshot written under any other is rebuilt from the events."""


def _format(sealer: Sealer | None) -> str:
    return FORMAT if sealer is None else FORMAT + "/sealed"


def _binding(chain: Chain, case_id: str, head: str, form: str, text: str) -> str:
    return chain.digest(f"snapshot\x1f{case_id}\x1f{head}\x1f{form}\x1f{text}")


def write(case: Case, head: str, chain: Chain, sealer: Sealer | None) -> tuple[str, str]:
    """The snapshot text of `case` at `head`, and its seal (``format:hash``)."""
    data: dict[str, Any] = to_data(case)
    if sealer is not None:
        seal_birth_dates(case.id, data["parties"], sealer)
    text = dumps_compact(data)
    form = _format(sealer)
    return text, f"{form}:{_binding(chain, case.id, head, form, text)}"


def read(
    case_id: str, head: str, version: int, text: Any, seal: Any, *, chain: Chain, sealer: Sealer | None
) -> tuple[Case | None, str | None]:
    """The case a snapshot holds, and what is wrong with it; ``(None, None)`` when there is none or it is stale.

    A snapshot of another format (an older library, another process definition, written
    with or without a vault) is stale: the case is rebuilt from its events. One of
    today's format that is not bound to `head` by the chain's hash, or does not decode to
    this case at this version, was changed after it was written: its problem is named
    and it is never trusted.
    """
    if text is None and seal is None:
        return None, None
    if type(text) is not str or type(seal) is not str:
        return None, "the case's snapshot cannot be read"
    form, _, bound = seal.rpartition(":")
    if form != _format(sealer):
        return None, None
    if not hmac.compare_digest(bound, _binding(chain, case_id, head, form, text)):
        return None, "the case's snapshot is not bound to its head: it was changed after it was written"
    try:
        data = json.loads(text)
        if sealer is not None:
            open_birth_dates(case_id, data["parties"], sealer)
        case = from_data(data, Case)
    except (ValueError, KeyError, TypeError, RecursionError):  # a VaultError (a key lost) is raised as it is
        return None, "the case's snapshot cannot be read"
    if case.id != case_id or case.version != version:
        return None, f"the case's snapshot is of case {case.id} at version {case.version}, not {case_id} at {version}"
    return case, None
