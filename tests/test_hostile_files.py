"""No command prints a traceback for any file: every store-reading command over damaged databases and KPI files.

Each command must exit with 1 or 2 and say what is wrong on one bounded line of stderr,
or (for a damage it never reads) succeed with nothing on stderr.
"""

from __future__ import annotations

import functools
import json
import math
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from restorative._cli import main

CASE = "demo-2026-0231"
DAMAGE = "demo-2026-0231"
"""The case whose rows are damaged; demo-2026-0117 is left whole."""

READS = (
    ["cases"],
    ["cases", "--json"],
    ["inspect", CASE],
    ["inspect", CASE, "--json"],
    ["check"],
    ["check", "--json"],
    ["purge", "--dry-run"],
)
"""Every command that reads a database, in order; `purge` (which writes) runs after them."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("good") / "demo.db"
    assert 0 == main(["demo", "--db", str(path)])
    return path


Make = Callable[[Path, Path], None]
"""Writes a damaged file at its first argument, from the good database at its second."""


def _bytes(content: Callable[[bytes], bytes]) -> Make:
    def make(path: Path, good: Path) -> None:
        path.write_bytes(content(good.read_bytes()))

    return make


def _overwritten(seed: int) -> Make:
    def damage(good: bytes) -> bytes:
        rng = random.Random(seed)
        data = bytearray(good)
        for _ in range(8):  # a few runs of random bytes, anywhere but the header
            start = rng.randrange(100, len(data) - 64)
            data[start : start + rng.randrange(1, 64)] = rng.randbytes(64)[: len(data[start : start + 64])]
        return bytes(data[: len(good)])

    return _bytes(damage)


def _sql(*statements: str, loose: bool = True) -> Make:
    """The good database with `statements` run on it; `loose` first drops its NOT NULL constraints."""

    def make(path: Path, good: Path) -> None:
        shutil.copy(good, path)
        connection = sqlite3.connect(path)
        if loose:
            connection.execute("PRAGMA writable_schema=ON")
            connection.execute(
                "UPDATE sqlite_master SET sql = replace(sql, 'NOT NULL', '') WHERE name LIKE 'restorative_%'"
            )
            connection.commit()
            connection.close()
            connection = sqlite3.connect(path)
        for statement in statements:
            connection.execute(statement)
        connection.commit()
        connection.close()

    return make


def _folder(path: Path, good: Path) -> None:
    path.mkdir()


def _nothing(path: Path, good: Path) -> None:
    pass


def _other_application(path: Path, good: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    connection.execute("INSERT INTO invoices VALUES (1, 9.5)")
    connection.commit()
    connection.close()


VALUES = {
    "null": "NULL",
    "int": "-7",
    "float": "1.5",
    "huge-int": str(2**62),
    "blob": "X'FF00FE'",
    "not-utf8": "CAST(X'FF41C328' AS TEXT)",
    "text": "'x'",
    "long-text": "printf('%.*c', 200000, 'a')",
    "control": "'a' || char(10) || char(27) || '[31m'",
}
"""Wrong values for a column, as SQL."""

COLUMNS = {
    "restorative_events": ("sequence", "data", "hash"),
    "restorative_cases": ("kind", "stage", "version", "updated_at", "head"),
}
"""The columns the store reads back (type, at and actor are copies it never reads)."""

FILES: dict[str, Make] = {
    "missing": _nothing,
    "folder": _folder,
    "empty": _bytes(lambda good: b""),
    "random": _bytes(lambda good: random.Random(1).randbytes(8192)),
    "text": _bytes(lambda good: b"case,stage\ndemo,fulfilled\n" * 50),
    "header-only": _bytes(lambda good: good[:100]),
    "truncated-half": _bytes(lambda good: good[: len(good) // 2]),
    "truncated-page": _bytes(lambda good: good[:4096]),
    **{f"overwritten-{seed}": _overwritten(seed) for seed in range(6)},
    "other-application": _other_application,
    "no-events-table": _sql("DROP TABLE restorative_events", loose=False),
    "no-cases-table": _sql("DROP TABLE restorative_cases", loose=False),
    "no-schema-rows": _sql("DELETE FROM restorative_schema", loose=False),
    "newer-schema": _sql("INSERT INTO restorative_schema VALUES (99)", loose=False),
    "schema-not-a-number": _sql("UPDATE restorative_schema SET version = 'one'"),
    "events-table-of-another-shape": _sql(
        "DROP TABLE restorative_events", "CREATE TABLE restorative_events (case_id TEXT, note TEXT)", loose=False
    ),
    "mangled-schema-entry": _sql(
        "PRAGMA writable_schema=ON",
        "INSERT INTO sqlite_master VALUES ('table', 'x', 'x', 0, CAST(X'FF4142' AS TEXT))",
        loose=False,
    ),
    "case-id-not-utf8": _sql(
        f"UPDATE restorative_events SET case_id = CAST(X'FF41' AS TEXT) WHERE case_id = '{DAMAGE}'",
        f"UPDATE restorative_cases SET case_id = CAST(X'FF41' AS TEXT) WHERE case_id = '{DAMAGE}'",
    ),
    "case-id-blob": _sql(
        f"UPDATE restorative_events SET case_id = X'FF41' WHERE case_id = '{DAMAGE}'",
        f"UPDATE restorative_cases SET case_id = X'FF41' WHERE case_id = '{DAMAGE}'",
    ),
    "listing-row-gone": _sql(f"DELETE FROM restorative_cases WHERE case_id = '{DAMAGE}'", loose=False),
    "events-gone": _sql(f"DELETE FROM restorative_events WHERE case_id = '{DAMAGE}'", loose=False),
    **{
        f"{table.removeprefix('restorative_')}.{column}={name}": _sql(
            f"UPDATE {table} SET {column} = {value} WHERE case_id = '{DAMAGE}'"
            + (" AND sequence = 5" if table == "restorative_events" else "")
        )
        for table, columns in COLUMNS.items()
        for column in columns
        for name, value in VALUES.items()
        if (column, name) != ("sequence", "null")  # a key column of a table WITHOUT ROWID: never NULL
    },
}


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as stopped:  # a usage error: argparse's own
        code = stopped.code if isinstance(stopped.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_line(code: int, out: str, err: str, what: str) -> None:
    assert "Traceback" not in out + err, what
    assert code in (0, 1, 2), what
    if code == 0:
        assert "" == err, what
        return
    assert err.endswith("\n") and err.count("\n") == 1, f"{what}: {err!r}"
    assert len(err) <= 320, f"{what}: {len(err)} characters"
    assert err[:-1].isprintable(), what


@pytest.mark.parametrize("name", list(FILES))
def test_no_command_prints_a_traceback_for_a_damaged_database(
    name: str, demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cases.db"
    FILES[name](path, demo)
    codes = {}
    for command in [*READS, ["purge"], ["demo"]]:  # then the commands that write
        code, out, err = _run([*command, "--db", str(path)], capsys)
        _one_line(code, out if command != ["demo"] else "", err, f"{name}: {' '.join(command)}")
        codes[" ".join(command)] = code
        if code and "--json" in command:  # a failed command prints no half document; a failed check its report
            assert json.loads(out)["ok"] is False if (code, command[0]) == (2, "check") else "" == out
    assert codes["check"] in (1, 2), f"{name}: check found nothing wrong"
    assert codes["check"] == codes["check --json"]


def test_a_database_that_also_holds_other_tables_is_fine(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cases.db"
    _sql("CREATE TABLE invoices (id INTEGER)", "INSERT INTO invoices VALUES (1)", loose=False)(path, demo)
    for command in READS:
        assert (0, "") == _run([*command, "--db", str(path)], capsys)[::2]


KPIS: dict[str, Any] = {}
"""A run's real KPIs, filled in once by the fixture below."""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from restorative.simulation import Scenario, simulate

    folder = tmp_path_factory.mktemp("run")
    simulate(Scenario(), folder, cases=40, workers=1, seed=3)
    KPIS.update(json.loads((folder / "kpis.json").read_text(encoding="utf-8")))
    return folder


WRONG: dict[tuple[str, ...], tuple[Any, ...]] = {
    ("scenario",): (None, "x", [], 3),
    ("scenario", "name"): (None, 3, [], {}),
    ("cases",): (None, "x", -1, 2.5, True, []),
    ("outcomes",): (None, "x", [], {}),
    ("outcomes", "fulfilled"): (None, "x", [], {}),
    ("outcomes", "withdrawn", "count"): (None, "x", -1, 2.5, True),
    ("outcomes", "declined", "share"): (None, "x", -0.1, 1.5, True, math.nan, []),
    ("outcomes", "breached", "ci95"): (None, "x", [], [0.1], [0.1, "x"], {}, [math.nan, 0.2]),
    ("time_to_meeting_days",): (None, "x", [], {}),
    ("time_to_outcome_days", "median"): ("x", True, [], {}, math.nan),
    ("time_to_meeting_days", "n"): (None, "x", -1, 2.5),
    ("histograms_days",): (None, "x", []),
    ("histograms_days", "time_to_outcome"): (None, "x", [], {"x": 1}, {"3": "x"}, {"-1": 2}),
}
"""Every figure that `compare`, its table and its plot read, with values of the wrong type or range."""


def _with(kpis: dict[str, Any], key: tuple[str, ...], value: Any) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(kpis))
    inner = copy
    for part in key[:-1]:
        inner = inner[part]
    inner[key[-1]] = value
    return copy


def _kpi_files() -> Iterator[tuple[str, bytes | None]]:
    """(name, content) of damaged kpis.json files; content None: fill in from the run's real KPIs."""
    yield "empty", b""
    yield "random", random.Random(2).randbytes(2000)
    yield "not-utf8", b'{"cases": "\xff"}'
    yield "truncated", b'{"cases": 40, "outcomes": {"fulfilled": {"count"'
    yield "deeply-nested", b"[" * 100_000 + b"]" * 100_000
    yield "huge-number", b'{"cases": ' + b"9" * 5000 + b"}"
    yield "a-list", b"[1, 2]"
    yield "a-string", b'"kpis"'
    yield "control-characters-in-keys", json.dumps({"\u202e\n" * 20: 1}).encode()
    yield "real", None


@pytest.mark.parametrize(("name", "content"), list(_kpi_files()), ids=[n for n, _ in _kpi_files()])
def test_compare_refuses_a_damaged_kpis_file_in_one_line(
    name: str, content: bytes | None, run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    contents = [content] if content is not None else []
    if content is None:  # every figure that is compared, made wrong in every way
        contents = [json.dumps(_with(KPIS, key, value)).encode() for key, values in WRONG.items() for value in values]
    for data in contents:
        (bad / "kpis.json").write_bytes(data)
        for argv in (["compare", str(run), str(bad)], ["compare", str(bad), str(run), "--no-plots"]):
            code, out, err = _run(argv, capsys)
            what = f"{name}: {data[:80]!r}"
            _one_line(code, out, err, what)
            assert 1 == code and "kpis.json" in err, what


def test_compare_names_the_wrong_figure(run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from restorative.errors import InvalidInput
    from restorative.simulation import compare

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "kpis.json").write_text(json.dumps(_with(KPIS, ("outcomes", "declined", "share"), "x")), encoding="utf-8")
    assert 1 == main(["compare", str(run), str(bad)])
    err = capsys.readouterr().err
    assert f"error: {bad / 'kpis.json'}: outcomes.declined.share must be a number from 0 to 1, got 'x'\n" == err
    with pytest.raises(InvalidInput, match=r"KPIs B: time_to_outcome_days\.median must be a number or null") as raised:
        compare(KPIS, _with(KPIS, ("time_to_outcome_days", "median"), [1]))
    assert "time_to_outcome_days.median" == raised.value.field
    with pytest.raises(InvalidInput, match=r"KPIs A: outcomes\.fulfilled is missing"):
        compare(_with(KPIS, ("outcomes",), {}), KPIS)


@pytest.mark.parametrize(
    ("name", "argv"),
    [
        ("random", ["check", "--db"]),
        ("mangled-schema-entry", ["cases", "--db"]),
        ("no-events-table", ["check", "--json", "--db"]),
        ("events.data=not-utf8", ["inspect", CASE, "--db"]),
    ],
)
def test_the_console_script_prints_one_line_for_a_damaged_database(
    name: str, argv: list[str], demo: Path, tmp_path: Path
) -> None:
    path = tmp_path / "cases.db"
    FILES[name](path, demo)
    done = subprocess.run(
        [sys.executable, "-m", "restorative", *argv, str(path)], capture_output=True, text=True, check=False
    )
    _one_line(done.returncode, done.stdout, done.stderr, name)
    assert done.returncode in (1, 2)


@pytest.mark.parametrize("name", list(FILES))
def test_the_store_itself_answers_a_damaged_database_with_its_own_errors(name: str, demo: Path, tmp_path: Path) -> None:
    """Below the command line's boundary: every read of the store raises only `restorative.errors`,
    and `verify_all` never raises at all."""
    from datetime import UTC, datetime

    from restorative.errors import RestorativeError
    from restorative.store import SQLiteStore

    path = tmp_path / "cases.db"
    FILES[name](path, demo)
    for read_only in (True, False):
        try:
            store = SQLiteStore(path, read_only=read_only)
        except RestorativeError:
            continue
        try:
            assert isinstance(store.verify_all(), list)
            for read in (
                store.cases,
                store.case_ids,
                functools.partial(store.load, CASE),
                functools.partial(store.history, CASE),
                functools.partial(store.due, before=datetime(2030, 1, 1, tzinfo=UTC)),
            ):
                try:
                    read()
                except RestorativeError as error:
                    assert len(str(error)) <= 1000, f"{name}: {len(str(error))} characters"
        finally:
            store.close()
