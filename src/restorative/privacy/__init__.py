"""Privacy: personal data kept apart from the event log, encrypted per person, and erasable.

Events name people by opaque ids. Names, birth dates, contact details and free text about
a person live in the `Vault`, in the same database and transaction as the events, each
person's record under a key of their own that the application's `MasterKey` seals.
`Vault.erase` deletes the person's key and record (crypto-shredding) and records the
`Erasure`; the event log still loads, replays and verifies its hash chain. `purge`
erases the people of closed cases whose retention period (`Policy.retention_days`) is over.
`Reader` answers reads on behalf of an actor (R14 for reads) and can log each one.
`export` writes stored cases for research with keyed pseudonyms and ages in bands.

Needs the extra ``restorative[privacy]`` (the `cryptography` package, for AES-GCM).
"""

from __future__ import annotations

from ._access import Access, AccessLog, Reader
from ._export import AGE_BANDS, Pseudonyms, age_band, export, pseudonymized
from ._retention import Purge, people, purge
from ._vault import Erasure, MasterKey, MeetingNotes, PersonalData, Vault

__all__ = [
    "AGE_BANDS",
    "Access",
    "AccessLog",
    "Erasure",
    "MasterKey",
    "MeetingNotes",
    "PersonalData",
    "Pseudonyms",
    "Purge",
    "Reader",
    "Vault",
    "age_band",
    "export",
    "people",
    "pseudonymized",
    "purge",
]
