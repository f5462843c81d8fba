"""Birth dates in events are sealed with the person's key: erasing the person erases them, the log stays whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import restorative as r
from restorative._demo import fulfilled_case
from restorative.errors import ConcurrencyError, IntegrityError, StoreError, VaultError, WrongKey
from restorative.store import SQLiteStore

pytest.importorskip("cryptography", reason="the vault needs restorative[privacy] (cryptography)")

from restorative.privacy import MasterKey, Vault

KEY = MasterKey.generate()
CASE = "demo-sealed"
BIRTH_DATES = ("1979-05-14", "2009-08-30")  # kari's and jonas's in the demo case


def _raw(path: Path, store: SQLiteStore) -> bytes:
    store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Path, SQLiteStore, Vault, r.Case]:
    path = tmp_path / "cases.db"
    store = SQLiteStore(path)
    vault = Vault(store, KEY)
    _commands, events = fulfilled_case(CASE)
    store.append(CASE, events, 0)
    return path, store, vault, r.replay(events)


def test_birth_dates_are_sealed_on_disk_and_open_on_load(stored: tuple[Path, SQLiteStore, Vault, r.Case]) -> None:
    path, store, _vault, case = stored
    assert store.load(CASE) == case
    assert [p.birth_date for p in store.load(CASE).parties] == [p.birth_date for p in case.parties]
    raw = _raw(path, store)
    for born in BIRTH_DATES:
        assert born.encode() not in raw
    referred = json.loads(
        store.connection.execute("SELECT data FROM restorative_events WHERE sequence = 1").fetchone()[0]
    )
    assert all(isinstance(p["birth_date"], dict) for p in referred["parties"])
    assert store.verify_all() == []


def test_erasing_a_person_erases_their_birth_date_and_the_log_still_verifies(
    stored: tuple[Path, SQLiteStore, Vault, r.Case],
) -> None:
    path, store, vault, case = stored
    (token,) = [
        p["birth_date"]["sealed"]
        for p in json.loads(
            store.connection.execute("SELECT data FROM restorative_events WHERE sequence = 1").fetchone()[0]
        )["parties"]
        if p["id"] == "jonas"
    ]
    key_row = bytes(
        store.connection.execute("SELECT sealed FROM restorative_vault_keys WHERE person_id = 'jonas'").fetchone()[0]
    )
    vault.erase("jonas", reason="request under GDPR art. 17", actor="staff-oslo-1")
    after = store.load(CASE)
    assert after.party("jonas").birth_date is None  # type: ignore[union-attr]
    assert after.party("kari").birth_date == case.party("kari").birth_date  # type: ignore[union-attr]
    assert after.party("jonas").minor  # type: ignore[union-attr]  # what the rules need stays in the event
    assert after.stage is case.stage and after.version == case.version
    assert store.verify_all() == []
    assert r.replay(s.event for s in store.history(CASE)) == after
    raw = _raw(path, store)
    assert key_row not in raw  # the only key to the token is gone
    assert token.encode() in raw  # the log itself was not rewritten
    assert vault.unseal(CASE, "jonas", "birth_date", token) is None


def test_a_changed_sealed_birth_date_breaks_the_chain(stored: tuple[Path, SQLiteStore, Vault, r.Case]) -> None:
    _path, store, _vault, _case = stored
    (data,) = store.connection.execute("SELECT data FROM restorative_events WHERE sequence = 1").fetchone()
    parsed = json.loads(data)
    kari, jonas = parsed["parties"]
    kari["birth_date"], jonas["birth_date"] = jonas["birth_date"], kari["birth_date"]  # swap the tokens
    store.connection.execute("UPDATE restorative_events SET data = ? WHERE sequence = 1", (json.dumps(parsed),))
    store._decoded.events.clear()
    with pytest.raises(IntegrityError) as broken:
        store.history(CASE)  # a load from the snapshot does not re-hash the chain; history and verify do
    assert broken.value.sequence == 1
    assert [type(p) for p in store.verify_all()] == [IntegrityError]


def test_without_the_vault_birth_dates_load_as_unknown_and_with_a_wrong_key_not_at_all(
    stored: tuple[Path, SQLiteStore, Vault, r.Case],
) -> None:
    path, _store, _vault, case = stored
    plain = SQLiteStore(path)
    assert [p.birth_date for p in plain.load(CASE).parties] == [None, None]
    assert plain.load(CASE).version == case.version
    plain.close()
    wrong = SQLiteStore(path)
    keys_before = wrong.connection.execute("SELECT COUNT(*) FROM restorative_vault_keys").fetchone()
    with pytest.raises(WrongKey):  # refused before anything is sealed under the wrong key
        Vault(wrong, MasterKey.generate())
    assert wrong.connection.execute("SELECT COUNT(*) FROM restorative_vault_keys").fetchone() == keys_before
    assert wrong.sealer is None
    # a store without the vault may not write a birth date in plain text into this database
    _commands, events = fulfilled_case("demo-plain")
    with pytest.raises(StoreError, match="seals birth dates"):
        wrong.append("demo-plain", events, 0)
    assert wrong.cases(stage=None) and "demo-plain" not in {s.case_id for s in wrong.cases()}
    wrong.close()


def test_a_deleted_key_without_an_erasure_is_an_error_not_an_unknown(
    stored: tuple[Path, SQLiteStore, Vault, r.Case],
) -> None:
    _path, store, _vault, _case = stored
    store.connection.execute("DELETE FROM restorative_vault_keys WHERE person_id = 'jonas'")
    store._decoded.events.clear()
    with pytest.raises(VaultError, match="neither a key nor an erasure"):
        store.load(CASE)


def test_a_sealed_birth_date_is_bound_to_its_case(stored: tuple[Path, SQLiteStore, Vault, r.Case]) -> None:
    _path, _store, vault, _case = stored
    token = vault.seal(CASE, "kari", "birth_date", "1979-05-14")
    assert vault.unseal(CASE, "kari", "birth_date", token) == "1979-05-14"
    with pytest.raises(VaultError, match="does not open"):
        vault.unseal("another-case", "kari", "birth_date", token)
    with pytest.raises(VaultError, match="does not open"):
        vault.unseal(CASE, "jonas", "birth_date", token)


def test_keys_for_sealing_are_made_in_the_appends_own_transaction(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "cases.db")
    Vault(store, KEY)
    _commands, events = fulfilled_case("demo-x")
    _commands, other = fulfilled_case("demo-y")
    with pytest.raises(ConcurrencyError):
        # the first case is sealed (its keys made), then the second fails: all or nothing
        store.append_many([("demo-x", events, 0), ("demo-y", other, 5)])
    assert store.connection.execute("SELECT COUNT(*) FROM restorative_vault_keys").fetchone() == (0,)
    assert store.cases() == []
    store.append("demo-x", events, 0)
    keys = {row[0] for row in store.connection.execute("SELECT person_id FROM restorative_vault_keys")}
    assert keys == {"kari", "jonas"}


def test_sealing_on_postgresql() -> None:
    import uuid

    import psycopg
    from psycopg import sql

    from restorative.store import PostgresStore
    from tests.store.servers import postgres_dsn

    dsn = postgres_dsn()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    store = PostgresStore(dsn, schema=schema)
    try:
        vault = Vault(store, KEY)
        _commands, events = fulfilled_case(CASE)
        store.append(CASE, events, 0)
        case = r.replay(events)
        store._decoded.events.clear()
        assert store.load(CASE) == case
        row = store.connection.execute("SELECT data FROM restorative_events WHERE sequence = 1").fetchone()
        assert row is not None and not any(born in row[0] for born in BIRTH_DATES)
        vault.erase("kari", reason="request under GDPR art. 17", actor="staff-oslo-1")
        assert store.load(CASE).party("kari").birth_date is None  # type: ignore[union-attr]
        assert store.verify_all() == []
    finally:
        store.close()
        with psycopg.connect(dsn, autocommit=True) as db:
            db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
