"""The personal-data vault: encrypted per person, erasable without touching the event log."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

import restorative as r
from restorative.errors import InvalidInput, VaultError, WrongKey
from restorative.store import SQLiteStore
from tests.flows import Flow
from tests.store.servers import postgres_dsn

pytest.importorskip("cryptography", reason="the vault needs restorative[privacy] (cryptography)")

from restorative.privacy import Access, Erasure, MasterKey, PersonalData, Vault

KARI = PersonalData(
    name="Kari Nordmann-Testesen",
    birth_date=date(1979, 5, 14),
    contact=("kari.testesen@example.invalid", "+47 9999 1234"),
    notes="Prefers letters to phone calls.",
)
SECRETS = [KARI.name, "1979-05-14", *KARI.contact, KARI.notes]
T = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _file_bytes(path: Path) -> bytes:
    """The database as it lies on disk: the main file and its write-ahead log."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _checkpoint(store: SQLiteStore) -> None:
    store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.fixture
def stored(tmp_path: Path) -> Iterator[tuple[SQLiteStore, Vault, Path, Flow]]:
    path = tmp_path / "cases.db"
    store = SQLiteStore(path)
    vault = Vault(store, KEY)
    flow = Flow().to_preparation()
    store.append(flow.case.id, flow.events, 0)
    yield store, vault, path, flow
    store.close()


KEY = MasterKey.generate()


def test_what_is_put_comes_back_and_never_lies_in_the_file_as_text(
    stored: tuple[SQLiteStore, Vault, Path, Flow],
) -> None:
    store, vault, path, flow = stored
    person = flow.case.parties[0].id
    vault.put(person, KARI)
    assert vault.get(person) == KARI
    assert vault.display(person) == KARI.name
    _checkpoint(store)
    raw = _file_bytes(path)
    for secret in SECRETS:
        assert secret.encode() not in raw, secret
    assert person.encode() in raw  # the opaque id is what the log and the vault share


def test_erasure_shreds_the_person_and_the_log_still_loads_replays_and_verifies(
    stored: tuple[SQLiteStore, Vault, Path, Flow],
) -> None:
    store, vault, path, flow = stored
    person = flow.case.parties[0].id
    vault.put(person, KARI)
    vault.put("someone-else", PersonalData(name="Ola Testmann"))
    sealed = [
        bytes(row[0])
        for table in ("restorative_vault_keys", "restorative_vault")
        for row in store.connection.execute(f"SELECT sealed FROM {table} WHERE person_id = ?", (person,))
    ]
    assert len(sealed) == 2

    erasure = vault.erase(person, reason="request under GDPR art. 17", actor="staff-1", at=T)

    assert vault.get(person) == erasure
    assert isinstance(erasure, Erasure) and str(erasure) == "erased"
    assert vault.display(person) == "erased"
    assert vault.erasures() == [erasure]
    assert vault.get("someone-else") == PersonalData(name="Ola Testmann")
    assert store.verify_all() == []
    assert store.load(flow.case.id) == flow.case
    assert r.replay(s.event for s in store.history(flow.case.id)) == flow.case
    raw = _file_bytes(path)  # erase has checkpointed the write-ahead log itself
    for blob in sealed:  # the person's sealed key and record are gone, not just unlinked
        assert blob not in raw
    for secret in SECRETS:
        assert secret.encode() not in raw


def test_a_wrong_master_key_is_refused_never_garbage(stored: tuple[SQLiteStore, Vault, Path, Flow]) -> None:
    store, vault, path, flow = stored
    person = flow.case.parties[0].id
    vault.put(person, KARI)
    with pytest.raises(VaultError, match="already has a vault"):
        Vault(store, MasterKey.generate())
    second = SQLiteStore(path)
    with pytest.raises(WrongKey) as refused:
        Vault(second, MasterKey.generate())
    assert "master key" in str(refused.value)
    keyless = Vault(second, None)
    with pytest.raises(VaultError, match="without its master key"):
        keyless.get(person)
    second.close()
    assert vault.get(person) == KARI


def test_changed_or_swapped_rows_are_detected(stored: tuple[SQLiteStore, Vault, Path, Flow]) -> None:
    store, vault, _path, _flow = stored
    vault.put("a", PersonalData(name="Anne"))
    vault.put("b", PersonalData(name="Berit"))
    connection = store.connection
    (sealed,) = connection.execute("SELECT sealed FROM restorative_vault WHERE person_id = 'a'").fetchone()
    flipped = bytes(sealed[:-1]) + bytes([sealed[-1] ^ 1])
    connection.execute("UPDATE restorative_vault SET sealed = ? WHERE person_id = 'a'", (flipped,))
    with pytest.raises(VaultError, match="does not match"):
        vault.get("a")
    # b's record moved under a's id: bound to b, it does not open as a's
    connection.execute(
        "UPDATE restorative_vault SET sealed = (SELECT sealed FROM restorative_vault WHERE person_id = 'b')"
        " WHERE person_id = 'a'"
    )
    with pytest.raises(VaultError, match="does not match"):
        vault.get("a")
    connection.execute("DELETE FROM restorative_vault_keys WHERE person_id = 'b'")
    with pytest.raises(VaultError, match="was changed"):
        vault.get("b")


def test_erasure_is_final_and_names_what_is_wrong(stored: tuple[SQLiteStore, Vault, Path, Flow]) -> None:
    _store, vault, _path, _flow = stored
    with pytest.raises(VaultError, match="nothing stored"):
        vault.get("nobody")
    with pytest.raises(VaultError, match="nothing stored"):
        vault.erase("nobody", reason="r", actor="staff-1")
    vault.put("p", PersonalData(name="Per"))
    vault.erase("p", reason="retention period over", actor="staff-1", at=T)
    with pytest.raises(VaultError, match="already erased"):
        vault.erase("p", reason="again", actor="staff-1")
    with pytest.raises(VaultError, match="cannot be stored again"):
        vault.put("p", PersonalData(name="Per"))
    with pytest.raises(InvalidInput):
        vault.put(" p", PersonalData(name="Per"))
    with pytest.raises(InvalidInput, match="control"):  # ids of notes are not people's ids: ids are printable
        vault.put("notes\x1fcase-1", PersonalData(name="Per"))


def test_vault_and_events_commit_or_roll_back_together(tmp_path: Path) -> None:
    app = sqlite3.connect(tmp_path / "app.db", isolation_level=None)
    store = SQLiteStore(connection=app, own_transactions=False)
    vault = Vault(store, KEY)
    flow = Flow()
    app.execute("BEGIN")
    store.append(flow.case.id, flow.events, 0)
    vault.put("kari", KARI)
    app.execute("ROLLBACK")  # the application changes its mind: neither the case nor the person stays
    assert store.cases() == []
    with pytest.raises(VaultError):
        vault.get("kari")
    app.execute("BEGIN")
    store.append(flow.case.id, flow.events, 0)
    vault.put("kari", KARI)
    app.execute("COMMIT")
    assert [s.case_id for s in store.cases()] == [flow.case.id]
    assert vault.get("kari") == KARI
    app.close()


def test_the_master_key_stays_out_of_messages() -> None:
    key = MasterKey.generate()
    assert key.hex() not in repr(key)
    assert MasterKey.from_hex(key.hex()).hex() == key.hex()
    with pytest.raises(InvalidInput):
        MasterKey(b"short")
    with pytest.raises(InvalidInput):
        MasterKey.from_hex("not hex")


@pytest.fixture
def postgres_store() -> Iterator[Callable[[], object]]:
    dsn = postgres_dsn()
    import psycopg
    from psycopg import sql

    from restorative.store import PostgresStore

    name = f"test_{uuid.uuid4().hex[:12]}"
    opened: list[PostgresStore] = []

    def make() -> PostgresStore:
        opened.append(PostgresStore(dsn, schema=name))
        return opened[-1]

    yield make
    for store in opened:
        store.close()
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def test_the_vault_on_postgresql(postgres_store: Callable[[], object]) -> None:
    from restorative.store import PostgresStore

    store = postgres_store()
    assert isinstance(store, PostgresStore)
    vault = Vault(store, KEY)
    flow = Flow()
    store.append(flow.case.id, flow.events, 0)
    vault.put("kari", KARI)
    assert vault.get("kari") == KARI
    other = postgres_store()  # another connection to the same schema
    assert isinstance(other, PostgresStore)
    with pytest.raises(WrongKey):
        Vault(other, MasterKey.generate())
    vault.erase("kari", reason="request under GDPR art. 17", actor="staff-1", at=T)
    assert vault.display("kari") == "erased"
    rows = store.connection.execute("SELECT COUNT(*) FROM restorative_vault_keys").fetchone()
    assert rows is not None and rows[0] == 0
    assert store.verify_all() == []
    assert store.load(flow.case.id) == flow.case


# --- the vault's values refuse wrong types when built (issue 14, item 8) ---

_PRIVACY_SAMPLES: list[Any] = [
    KARI,
    Erasure(person_id="p-1", at=T, actor="staff-1", reason="request under GDPR art. 17"),
    Access(at=T, actor="staff-1", capacity="staff", case_id="case-1", what="case", person_id="p-1"),
]
_PRIVACY_FIELDS = [(value, f.name) for value in _PRIVACY_SAMPLES for f in attrs.fields(type(value))]


@pytest.mark.parametrize(
    ("value", "name"),
    _PRIVACY_FIELDS,
    ids=[f"{type(value).__name__}.{name}" for value, name in _PRIVACY_FIELDS],
)
def test_every_field_of_the_privacy_values_refuses_a_wrong_type(value: Any, name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        attrs.evolve(value, **{name: object()})
    assert name == caught.value.field


def test_one_text_is_not_split_into_contact_details() -> None:
    with pytest.raises(InvalidInput, match=r"contact must be a tuple.*write \(text,\)") as caught:
        PersonalData(name="Kari", contact="+47 900")
    assert "contact" == caught.value.field
    with pytest.raises(InvalidInput, match="contact") as caught:
        PersonalData(contact=("+47 900", 47))
    assert len(str(caught.value)) < 300
    assert ("+47 900",) == PersonalData(contact=["+47 900"]).contact  # a list is fine


def test_a_birth_date_in_the_vault_is_a_date() -> None:
    with pytest.raises(InvalidInput, match="birth_date"):
        PersonalData(birth_date=datetime(1979, 5, 14, tzinfo=UTC))
