"""The personal-data vault: names, birth dates, contact details and free text, encrypted per person.

Events refer to people by opaque ids; what identifies a person lives here, beside the
events in the same database, each person's record encrypted with a key of their own
(AES-256-GCM). Each person's key is itself encrypted with the application's master key,
which never enters the database. Erasing a person deletes their key and record, and
SQLite's secure delete overwrites the freed bytes, so what is left of them is nothing
anyone can decrypt, while the event log still loads, replays and verifies.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from attrs import field, frozen

from .._checks import check_aware, check_id, check_optional_day, check_text, check_texts
from ..errors import ErasurePending, InvalidInput, StoreError, VaultError, WrongKey
from ..store._sql import SQLStore
from ._wal import Log

_KEY_BYTES = 32
_NONCE_BYTES = 12


def _aead(key: bytes) -> Any:
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415
    except ImportError:  # pragma: no cover - depends on the extra
        raise ImportError("the personal-data vault needs: pip install 'restorative[privacy]'") from None
    return AESGCM(key)


class MasterKey:
    """The application's key to the vault: 32 random bytes kept outside the database.

    Keep it where the application keeps its other secrets (an environment variable, a
    secrets manager); without it nobody, the database's owner included, can read the
    vault. It never appears in a message or a representation.
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != _KEY_BYTES:
            raise InvalidInput(f"a master key is {_KEY_BYTES} bytes", field="key")
        self._key = key

    @staticmethod
    def generate() -> MasterKey:
        """A new random key; store its `hex()` somewhere safe before using it."""
        return MasterKey(os.urandom(_KEY_BYTES))

    @staticmethod
    def from_hex(text: str) -> MasterKey:
        """The key from its hexadecimal form (64 characters)."""
        try:
            return MasterKey(bytes.fromhex(text))
        except ValueError:
            raise InvalidInput(f"a master key is {2 * _KEY_BYTES} hexadecimal characters", field="key") from None

    def hex(self) -> str:
        """The key as text, to store in a secrets manager."""
        return self._key.hex()

    def __repr__(self) -> str:
        return "MasterKey(<hidden>)"


def _listed(value: Any) -> Any:
    """A list of contact details becomes a tuple; anything else is left for the check (a text is not split)."""
    return tuple(value) if type(value) is list else value


@frozen(kw_only=True, weakref_slot=False)
class PersonalData:
    """What identifies a person; never part of an event, a report or an export.

    Args:
        name: the person's name.
        birth_date: their date of birth, if known.
        contact: contact details (addresses, phone numbers, e-mail), as given.
        notes: free text about the person (not what was said in a meeting).
    """

    name: str = field(default="", validator=check_text)
    birth_date: date | None = field(default=None, validator=check_optional_day)
    contact: tuple[str, ...] = field(default=(), converter=_listed, validator=check_texts)
    notes: str = field(default="", validator=check_text)

    def _to_bytes(self) -> bytes:
        data = {
            "name": self.name,
            "birth_date": None if self.birth_date is None else self.birth_date.isoformat(),
            "contact": list(self.contact),
            "notes": self.notes,
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()

    @staticmethod
    def _from_bytes(raw: bytes) -> PersonalData:
        data = json.loads(raw)
        born = data["birth_date"]
        return PersonalData(
            name=data["name"],
            birth_date=None if born is None else date.fromisoformat(born),
            contact=tuple(data["contact"]),
            notes=data["notes"],
        )


def _check_owner(_: Any, attribute: Any, owner: Any) -> None:
    """A vault id: a person's id, or a case's notes id (`NOTES` and the case id)."""
    check_id(_, attribute, owner[len(NOTES) :] if isinstance(owner, str) and owner.startswith(NOTES) else owner)


@frozen(kw_only=True, weakref_slot=False)
class Erasure:
    """The record that a person's data was erased: who, when, by whom and why.

    It holds the person's opaque id and no personal data; keep the reason free of it too
    (say "request under GDPR art. 17", not who asked).
    """

    person_id: str = field(validator=_check_owner)
    at: datetime = field(validator=check_aware)
    actor: str = field(validator=check_id)
    reason: str = field(validator=check_text)

    def __str__(self) -> str:
        return "erased"


class MeetingNotes:
    """What was said in a meeting, if a case system records it: confidential by construction.

    Everyone present agreed to keep confidentiality (R8) and nothing said in the meeting
    may leave it (R12). So this is not a string: it prints, formats and represents as a
    placeholder, it refuses to be pickled or encoded as JSON, and no value of the library
    (an event, a report, an item, an export row) has a field that accepts it. The text
    comes out only through `reveal`, for the screen of the meeting's own participants.
    Keep notes in the `Vault` (`Vault.put_notes`), never in the event log.
    """

    __slots__ = ("_text", "case_id")

    def __init__(self, case_id: str, text: str) -> None:
        check_id(None, _CASE_ID, case_id)
        if not isinstance(text, str):
            raise InvalidInput("meeting notes are text", field="text")
        self.case_id = case_id
        self._text = text

    def reveal(self) -> str:
        """The text itself: show it only to the people who were in the meeting."""
        return self._text

    def __repr__(self) -> str:
        return f"MeetingNotes(case_id={self.case_id!r}, <confidential>)"

    def __str__(self) -> str:
        return f"[confidential meeting notes of case {self.case_id}]"

    def __format__(self, spec: str) -> str:
        return str(self)

    def __reduce__(self) -> Any:
        raise TypeError("meeting notes are confidential and are not pickled; keep them in the Vault")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MeetingNotes) and (self.case_id, self._text) == (other.case_id, other._text)

    def __hash__(self) -> int:
        return hash((MeetingNotes, self.case_id, self._text))


NOTES = "notes\x1f"
"""The prefix of the vault ids that hold meeting notes; no person's id can contain it (ids are printable)."""


def notes_id(case_id: str) -> str:
    """The vault id under which a case's meeting notes are kept."""
    return NOTES + case_id


class Vault:
    """Personal data beside a store's events: same database, same transaction.

    Args:
        store: a `SQLiteStore` or `PostgresStore`; the vault uses its connection and its
            transactions, so a case's events and its people's records commit together
            (and, with ``own_transactions=False``, inside the application's transaction).
        key: the master key; ``None`` opens the vault for erasure only (as `purge` does):
            erasing needs no key, reading and writing do.
    """

    def __init__(self, store: SQLStore, key: MasterKey | None) -> None:
        if not isinstance(store, SQLStore):
            raise InvalidInput("the vault lives in a SQLiteStore's or PostgresStore's database", field="store")
        if key is not None and store.sealer is not None:
            raise VaultError("(store)", "already has a vault open; open one vault per store")
        self.store = store
        self._master = None if key is None else _aead(key._key)
        self._sqlite = isinstance(store.connection, sqlite3.Connection)
        self._log = Log(store) if self._sqlite else None
        blob = "BLOB" if self._sqlite else "BYTEA"
        if self._sqlite:
            # Freed pages are overwritten with zeros: an erased key leaves no bytes behind.
            store.connection.execute("PRAGMA secure_delete=ON")
        with self._transaction():
            for table in ("restorative_vault_keys", "restorative_vault", "restorative_vault_meta"):
                store.connection.execute(
                    f"CREATE TABLE IF NOT EXISTS {table} (person_id TEXT PRIMARY KEY, sealed {blob} NOT NULL)"
                )
            store.connection.execute(
                "CREATE TABLE IF NOT EXISTS restorative_erasures ("
                " person_id TEXT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL)"
            )
            if self._master is not None:
                self._check_master()
            if self._log is not None:
                self._log.pending = bool(self._log.markers())
        if self._log is not None and self._log.pending and store.own_transactions:
            self._log.finish(wait=False)  # an erasure left unfinished, here or by an earlier process
        if key is not None:
            # From now on the store seals birth dates in the events it writes, and opens them on load;
            # the database records that it must (SQLStore refuses plaintext birth dates from then on).
            store.sealer = self
            store._decoded.events.clear()

    def _check_master(self) -> None:
        """The first keyed vault seals a check value; every later one must open it, or nothing is written."""
        row = self._one("SELECT sealed FROM restorative_vault_meta WHERE person_id = 'master-key-check'")
        if row is None:
            check = _seal(self._master, b"restorative", b"master-key-check")
            self._run("INSERT INTO restorative_vault_meta (person_id, sealed) VALUES ('master-key-check', ?)", check)
        elif _open(self._master, bytes(row[0]), b"master-key-check") != b"restorative":
            raise WrongKey("(every)")

    def checkpoint(self) -> bool:
        """Flush SQLite's write-ahead log into the database and empty it; whether that completed.

        `erase` does this after committing (when the store runs its own transactions), so
        the erased person's sealed key does not linger in the ``-wal`` file; when another
        connection's read blocks it, `erase` raises `ErasurePending` and the erasure stays
        pending (recorded in the database) until a checkpoint completes. Call this after
        committing an erasure made inside your own transaction, or to finish a pending one:
        it waits for readers up to the store's timeout, and ``True`` means no erased byte
        is left in the log or the database file. On PostgreSQL it returns ``True`` and does
        nothing (see docs/privacy.md on ``VACUUM``).
        """
        if self._log is None:
            return True
        return self._log.finish(wait=True)

    @property
    def erasure_pending(self) -> bool:
        """Whether an erasure's bytes may still be on disk (SQLite): `checkpoint` has not yet emptied the log."""
        if self._log is None:
            return False
        with self.store._lock:
            return self._log.pending or bool(self._log.markers())

    def _retry(self) -> None:
        """After a committed write: finish a pending erasure if the readers are gone (without waiting for them)."""
        if self._log is not None and self._log.pending and self.store.own_transactions:
            self._log.finish(wait=False)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            with self.store._transaction():
                yield
        except self.store.DRIVER_ERROR as error:
            raise StoreError(f"the vault could not complete: {error}") from error

    def _one(self, query: str, *args: Any) -> Any:
        return self.store.connection.execute(self.store._sql(query), args).fetchone()

    def _run(self, query: str, *args: Any) -> None:
        self.store.connection.execute(self.store._sql(query), args)

    def put(self, person_id: str, data: PersonalData) -> None:
        """Store or replace a person's data, creating their key on first use.

        Raises:
            VaultError: the person was erased (a new record needs a new id).
        """
        _check_person(person_id)
        self._put(person_id, data._to_bytes())
        self._retry()

    def get(self, person_id: str) -> PersonalData | Erasure:
        """A person's data, or the `Erasure` that removed it.

        Raises:
            VaultError: nothing is stored for this id, or a row was changed.
            WrongKey: the master key does not open the person's key.
        """
        _check_person(person_id)
        found = self._get(person_id)
        if isinstance(found, Erasure):
            return found
        try:
            return PersonalData._from_bytes(found)
        except (ValueError, KeyError, TypeError):  # never let a decoder's message carry the text
            raise VaultError(person_id, "has a record that is not personal data") from None

    def put_notes(self, notes: MeetingNotes) -> None:
        """Keep a case's meeting notes, sealed under a key of the notes' own (erase with `erase_notes`)."""
        self._put(notes_id(notes.case_id), notes.reveal().encode())
        self._retry()

    def notes(self, case_id: str) -> MeetingNotes | Erasure:
        """A case's meeting notes, or the `Erasure` that removed them."""
        found = self._get(notes_id(case_id))
        if isinstance(found, Erasure):
            return found
        try:
            return MeetingNotes(case_id, found.decode())
        except UnicodeDecodeError:
            raise VaultError(case_id, "has meeting notes that are not text") from None

    def erase_notes(self, case_id: str, *, reason: str, actor: str, at: datetime | None = None) -> Erasure:
        """Erase a case's meeting notes, as `erase` does for a person."""
        return self.erase(notes_id(case_id), reason=reason, actor=actor, at=at)

    def _key(self, owner: str, *, create: bool) -> bytes | None:
        """The owner's own key, made on first use if `create`; ``None`` if they have none.

        Runs in the caller's transaction (a store's append, or `_put`'s).
        """
        row = self._one("SELECT sealed FROM restorative_vault_keys WHERE person_id = ?", owner)
        if row is not None:
            return self._unseal_key(owner, bytes(row[0]))
        if not create:
            return None
        if self._one("SELECT 1 FROM restorative_erasures WHERE person_id = ?", owner) is not None:
            raise VaultError(owner, "was erased; their data cannot be stored again under the same id")
        owner_key = os.urandom(_KEY_BYTES)
        sealed_key = _seal(self._sealer(owner), owner_key, b"key:" + owner.encode())
        self._run("INSERT INTO restorative_vault_keys (person_id, sealed) VALUES (?, ?)", owner, sealed_key)
        return owner_key

    def seal(self, case_id: str, person_id: str, field: str, plain: str) -> str:
        """Seal one personal field of an event under the person's key (the store calls this).

        The token is bound to the case, the person and the field: moved anywhere else, it
        does not open.
        """
        key = self._key(person_id, create=True)
        assert key is not None
        return base64.b64encode(_seal(_aead(key), plain.encode(), _field(case_id, person_id, field))).decode()

    def unseal(self, case_id: str, person_id: str, field: str, token: str) -> str | None:
        """Open a sealed field, or ``None`` once the person is erased (the store calls this).

        Raises:
            WrongKey: the master key does not open the person's key.
            VaultError: the token does not open with this person's key for this case and
                field, or the person's key is missing without an erasure.
        """
        with self.store._lock:
            key = self._key(person_id, create=False)
            erased = key is None and self._one("SELECT 1 FROM restorative_erasures WHERE person_id = ?", person_id)
        if key is None:
            if erased:
                return None
            raise VaultError(person_id, "has a sealed field but neither a key nor an erasure: the vault was changed")
        try:
            sealed = base64.b64decode(token, validate=True)
        except ValueError:
            sealed = b""
        plain = _open(_aead(key), sealed, _field(case_id, person_id, field))
        if plain is None:
            raise VaultError(person_id, "has a sealed field their key does not open: it was changed or moved")
        return plain.decode()

    def _put(self, owner: str, plain: bytes) -> None:
        with self._transaction():
            if self._one("SELECT 1 FROM restorative_erasures WHERE person_id = ?", owner) is not None:
                raise VaultError(owner, "was erased; their data cannot be stored again under the same id")
            owner_key = self._key(owner, create=True)
            assert owner_key is not None
            sealed = _seal(_aead(owner_key), plain, b"data:" + owner.encode())
            self._run(
                "INSERT INTO restorative_vault (person_id, sealed) VALUES (?, ?)"
                " ON CONFLICT (person_id) DO UPDATE SET sealed = excluded.sealed",
                owner,
                sealed,
            )

    def _get(self, owner: str) -> bytes | Erasure:
        with self.store._lock:  # one statement: one snapshot, even beside a concurrent erasure
            row = self._one(
                "SELECT e.person_id, e.at, e.actor, e.reason, k.sealed, v.sealed"
                " FROM (SELECT 1 AS one) AS probe"
                " LEFT JOIN restorative_erasures AS e ON e.person_id = ?"
                " LEFT JOIN restorative_vault_keys AS k ON k.person_id = ?"
                " LEFT JOIN restorative_vault AS v ON v.person_id = ?",
                owner,
                owner,
                owner,
            )
        erased = row[:4] if row[0] is not None else None
        key_row = (row[4],) if row[4] is not None else None
        data_row = (row[5],) if row[5] is not None else None
        if erased is not None:
            return Erasure(person_id=erased[0], at=datetime.fromisoformat(erased[1]), actor=erased[2], reason=erased[3])
        if data_row is None:  # a key alone seals fields in events; it is not a record
            raise VaultError(owner, "has nothing stored in the vault")
        if key_row is None:
            raise VaultError(owner, "has a record without a key: the vault was changed")
        owner_key = self._unseal_key(owner, bytes(key_row[0]))
        raw = _open(_aead(owner_key), bytes(data_row[0]), b"data:" + owner.encode())
        if raw is None:
            raise VaultError(owner, "has a record that does not match their key: it was changed or moved")
        return raw

    def display(self, person_id: str) -> str:
        """What a screen or report shows for a person: their name, or ``erased``."""
        found = self.get(person_id)
        return "erased" if isinstance(found, Erasure) else found.name or person_id

    def erase(self, person_id: str, *, reason: str, actor: str, at: datetime | None = None) -> Erasure:
        """Erase a person: delete their key and record, record the erasure, and empty the log.

        Their events stay as they are (they hold only the opaque id), so every case still
        loads, replays and verifies; the vault answers `Erasure` for them from now on.
        On SQLite the erasure is finished only once the write-ahead log no longer holds the
        deleted bytes: `erase` returns when it is. With ``own_transactions=False`` nothing
        is committed yet: commit, then call `checkpoint` until it returns ``True``.

        Raises:
            VaultError: nothing was stored for this id.
            ErasurePending: the erasure is recorded and committed, but another connection's
                read kept the deleted bytes in the ``-wal`` file (and the database file);
                the vault finishes on a later write or `checkpoint` (do not erase again).
        """
        erasure = Erasure(person_id=person_id, at=at or datetime.now(UTC), actor=actor, reason=reason)
        self._erase(erasure)
        if self._log is not None and self.store.own_transactions and not self._log.finish(wait=True):
            raise ErasurePending((erasure,))
        return erasure

    def _erase(self, erasure: Erasure) -> None:
        """Delete the owner's key and record and record the erasure, in one transaction, leaving it pending."""
        person_id = erasure.person_id
        with self._transaction():
            if self._one("SELECT 1 FROM restorative_erasures WHERE person_id = ?", person_id) is not None:
                raise VaultError(person_id, "is already erased")
            if self._one("SELECT 1 FROM restorative_vault_keys WHERE person_id = ?", person_id) is None:
                raise VaultError(person_id, "has nothing stored in the vault")
            self._run("DELETE FROM restorative_vault_keys WHERE person_id = ?", person_id)
            self._run("DELETE FROM restorative_vault WHERE person_id = ?", person_id)
            self.store._decoded.events.clear()  # no decoded event may keep a field of theirs
            self._run(
                "INSERT INTO restorative_erasures (person_id, at, actor, reason) VALUES (?, ?, ?, ?)",
                person_id,
                erasure.at.astimezone(UTC).isoformat(),
                erasure.actor,
                erasure.reason,
            )
            if self._log is not None:
                self._log.mark(person_id)  # committed with the erasure: finished only when a checkpoint empties the log

    def erasures(self) -> list[Erasure]:
        """Every erasure, oldest first."""
        with self.store._lock:
            rows = self.store.connection.execute(
                "SELECT person_id, at, actor, reason FROM restorative_erasures ORDER BY at, person_id"
            ).fetchall()
        return [Erasure(person_id=p, at=datetime.fromisoformat(a), actor=w, reason=r) for p, a, w, r in rows]

    @staticmethod
    def exists(store: SQLStore) -> bool:
        """Whether a vault was ever opened on this store's database (without creating one)."""
        with store._lock:
            found = store.connection.execute(store._sql(store.TABLE_EXISTS), ("restorative_vault_keys",)).fetchone()
        return found is not None

    def holds(self, person_id: str) -> bool:
        """Whether the vault holds data for this person (not erased)."""
        with self.store._lock:
            return self._one("SELECT 1 FROM restorative_vault_keys WHERE person_id = ?", person_id) is not None

    def _sealer(self, person_id: str) -> Any:
        if self._master is None:
            raise VaultError(person_id, "cannot be read or written: the vault was opened without its master key")
        return self._master

    def _unseal_key(self, person_id: str, sealed: bytes) -> bytes:
        key = _open(self._sealer(person_id), sealed, b"key:" + person_id.encode())
        if key is None:
            raise WrongKey(person_id)
        return key


class _Field:
    """Just enough of an attrs attribute for the shared id check."""

    def __init__(self, name: str) -> None:
        self.name = name


_PERSON_ID = _Field("person_id")
_CASE_ID = _Field("case_id")


def _field(case_id: str, person_id: str, field: str) -> bytes:
    return "\x1f".join(("field", case_id, person_id, field)).encode()


def _check_person(person_id: str) -> None:
    check_id(None, _PERSON_ID, person_id)  # ids are printable, so none holds the unit separator of `NOTES`


def _seal(aead: Any, plain: bytes, associated: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    sealed: bytes = aead.encrypt(nonce, plain, associated)
    return nonce + sealed


def _open(aead: Any, sealed: bytes, associated: bytes) -> bytes | None:
    from cryptography.exceptions import InvalidTag  # noqa: PLC0415

    try:
        plain: bytes = aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], associated)
    except (InvalidTag, ValueError):
        return None
    return plain
