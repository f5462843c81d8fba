"""The `restorative` command line: demo, diagram, rules, inspect, cases, verify, paths."""

from __future__ import annotations

import io
import json
import re
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import restorative as r
from restorative._cli import main


def test_demo_runs_both_cases_to_their_ends(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert 0 == main(["demo", "--db", str(tmp_path / "demo.db")])
    out = capsys.readouterr().out
    assert "-> final stage: fulfilled" in out
    assert "-> final stage: withdrawn" in out
    # the first case: guardian consent, support person, confidentiality, cooling-off, reports
    for line in [
        "guardian jonas-mother consented for jonas",
        "kari-friend disclosed to the other side",
        "kari-friend agreed to keep confidentiality",
        "cooling-off period runs until",
        "report to prosecution: agreement",
        "report to prosecution: fulfilment (fulfilled)",
        "report to prosecution: return (withdrawn)",
    ]:
        assert line in out


def test_demo_cases_obey_the_rules_on_replay() -> None:
    from restorative import _demo

    for story in (_demo.fulfilled_case, _demo.withdrawn_case):
        _, events = story()
        case = r.replay(events)
        assert case.version == len(events)
        assert case.stage.is_final
        signers = {e.signer_id for e in events if isinstance(e, r.AgreementSigned)}
        if case.stage is r.Stage.FULFILLED:
            assert {"kari", "jonas", "jonas-mother", "mediator-ane"} == signers


def test_diagram_prints_the_machine(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["diagram"])
    assert r.mermaid() == capsys.readouterr().out


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["rules"])
    out = capsys.readouterr().out
    for rule_id in r.RULES:
        assert f"\n{rule_id} " in "\n" + out


def test_console_script_and_module_entry_point() -> None:
    done = subprocess.run([sys.executable, "-m", "restorative", "diagram"], capture_output=True, text=True, check=True)
    assert r.mermaid() == done.stdout
    bad = subprocess.run([sys.executable, "-m", "restorative", "nonsense"], capture_output=True, text=True, check=False)
    assert 2 == bad.returncode
    assert "invalid choice" in bad.stderr


def test_demo_stores_its_cases_and_a_second_run_adds_two_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "demo.db")
    assert 0 == main(["demo", "--db", db])
    assert 0 == main(["demo", "--db", db])
    capsys.readouterr()
    assert 0 == main(["cases", "--db", db])
    out = capsys.readouterr().out
    assert "fulfilled: 2  withdrawn: 2" in out
    assert "demo-2026-0117-2" in out
    assert 0 == main(["cases", "--db", db, "--stage", "withdrawn"])
    listed = capsys.readouterr().out
    assert "demo-2026-0231" in listed
    assert "demo-2026-0117" not in listed


def test_inspect_prints_the_timeline_and_verifies_the_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "demo.db")
    main(["demo", "--db", db])
    capsys.readouterr()
    assert 0 == main(["inspect", "demo-2026-0231", "--db", db])
    out = capsys.readouterr().out
    assert "per withdrew" in out
    assert "hash chain verified: 12 events" in out
    assert 1 == main(["inspect", "no-such-case", "--db", db])
    missing = str(tmp_path / "typo.db")
    assert 1 == main(["cases", "--db", missing])
    assert not Path(missing).exists()
    connection = sqlite3.connect(db)
    connection.execute("UPDATE restorative_events SET data = replace(data, 'ola', 'olga') WHERE sequence = 6")
    connection.commit()
    connection.close()
    assert 2 == main(["inspect", "demo-2026-0231", "--db", db])
    assert "event 6" in capsys.readouterr().err
    connection = sqlite3.connect(db)  # a row beyond the case's recorded end: the chain itself still checks out
    connection.execute(
        "INSERT INTO restorative_events SELECT case_id, sequence + 1, type, at, actor, data, hash"
        " FROM restorative_events WHERE case_id = 'demo-2026-0117' ORDER BY sequence DESC LIMIT 1"
    )
    connection.commit()
    connection.close()
    assert 2 == main(["inspect", "demo-2026-0117", "--db", db])
    assert "beyond the case's recorded end" in capsys.readouterr().err


def test_verify_prints_a_summary_and_a_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["verify", "--parties", "2", "--workers", "1"])
    captured = capsys.readouterr()
    assert "explored 12 configurations of 2-party cases" in captured.out
    assert "stages reached: 12/12" in captured.out
    assert "violations: none" in captured.out
    assert "[##############################] 12/12" in captured.err


def test_verify_json_ends_with_one_object() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "restorative", "verify", "--json"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["parties"] == 2
    assert summary["violations"] == []
    assert summary["states"] > 0 and summary["transitions"] > summary["states"]
    assert summary["seconds"] > 0


def test_paths_prints_shortest_sequences(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["paths", "--target", "stage declined"])
    out = capsys.readouterr().out
    assert out.startswith("stage declined  (2 commands; 2 parties, civil")
    assert "1. ReferCase(" in out
    assert "2. DeclineCase(reason=unsuitable) by staff-1 (staff)" in out


@pytest.mark.parametrize("content", [b"", b"just some text\n", None], ids=["empty", "text", "other-app"])
def test_read_commands_refuse_files_that_are_not_restorative_databases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None
) -> None:
    path = tmp_path / "other.db"
    if content is None:  # another application's SQLite database
        other = sqlite3.connect(path)
        other.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        other.commit()
        other.close()
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    for command in (["cases"], ["inspect", "case-1"], ["purge", "--dry-run"]):
        assert 1 == main([*command, "--db", str(path)])
        assert "not a restorative database" in capsys.readouterr().err
    assert path.read_bytes() == before  # no tables added, no journal mode changed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_odd_case_ids_on_the_command_line_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "demo.db")
    main(["demo", "--db", db])
    capsys.readouterr()
    for case_id in ("\udcff", "a\nb", "x" * 500):  # a byte that is not UTF-8, a newline, a huge id
        assert 1 == main(["inspect", case_id, "--db", db])
        err = capsys.readouterr().err
        assert err.startswith("error: case_id") and len(err) < 300


def test_a_reader_that_goes_away_is_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class ClosedPipe(io.StringIO):  # what `restorative paths | head -n 1` meets once head has gone
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["rules"]) == 0


def test_a_postgresql_address_is_never_taken_for_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    address = "postgresql://kari:s3cret@127.0.0.1:1/cases"  # nothing listens on port 1
    for command in (["demo"], ["cases"], ["inspect", "case-1"], ["purge", "--dry-run"], ["purge"]):
        assert 1 == main([*command, "--db", address])
        err = capsys.readouterr().err
        assert err.startswith("error: cannot open the PostgreSQL store") and 1 == err.count("\n")
        assert "s3cret" not in err and "restorative demo" not in err
    assert [] == list(tmp_path.iterdir())  # no SQLite file (or folder) named after the address


def test_every_database_command_takes_a_postgresql_address(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.store.databases import empty_database

    with empty_database() as address:
        assert 1 == main(["cases", "--db", address])
        assert "has no restorative tables" in capsys.readouterr().err
        assert 0 == main(["demo", "--db", address])
        assert f"try: restorative cases --db {address}" in capsys.readouterr().out
        assert 0 == main(["cases", "--db", address])
        assert "fulfilled: 1  withdrawn: 1" in capsys.readouterr().out
        assert 0 == main(["inspect", "demo-2026-0231", "--db", address])
        assert "hash chain verified: 12 events" in capsys.readouterr().out
        assert 0 == main(["check", "--db", address, "--json"])
        assert {"cases": 2, "events": 49, "ok": True, "problems": []} == json.loads(capsys.readouterr().out)
        assert 0 == main(["purge", "--db", address, "--dry-run"])
        assert 0 == main(["purge", "--db", address])
        assert "kept  demo-2026-0231" in capsys.readouterr().out
        import psycopg

        with psycopg.connect(address, autocommit=True) as outside:
            outside.execute("UPDATE restorative_events SET data = replace(data, 'ola', 'olga') WHERE sequence = 6")
        assert 2 == main(["check", "--db", address])
        captured = capsys.readouterr()
        assert "case demo-2026-0231, event 6: its content or hash was changed" in captured.out
        assert captured.err.startswith("INTEGRITY FAILURE in postgresql://")


def test_read_only_commands_leave_the_database_as_it_was(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "demo.db")
    assert 0 == main(["demo", "--db", db])

    def files() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(tmp_path.iterdir())}

    before = files()
    assert ["demo.db"] == list(before)
    for command in (
        ["cases"],
        ["cases", "--json"],
        ["inspect", "demo-2026-0231"],
        ["inspect", "demo-2026-0231", "--json"],
        ["check"],
        ["check", "--json"],
        ["purge", "--dry-run"],
    ):
        assert 0 == main([*command, "--db", db])
        assert before == files(), command  # the same bytes, and no -wal or -shm left behind
    capsys.readouterr()


def _tamper(db: str, *statements: str) -> None:
    connection = sqlite3.connect(db)
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()


def test_check_verifies_every_chain_and_listing_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "demo.db")
    main(["demo", "--db", db])
    main(["demo", "--db", db])
    capsys.readouterr()
    assert 0 == main(["check", "--db", db])
    out = capsys.readouterr().out
    assert f"checked 4 cases and 98 events in {db}: every hash chain and listing row checks out\n" == out
    assert 0 == main(["check", "--db", db, "--json"])
    assert {"cases": 4, "events": 98, "ok": True, "problems": []} == json.loads(capsys.readouterr().out)
    _tamper(
        db,
        "UPDATE restorative_events SET data = replace(data, 'ola', 'olga') WHERE case_id = 'demo-2026-0231'"
        " AND sequence = 6",
        "INSERT INTO restorative_events SELECT case_id, sequence + 1, type, at, actor, data, hash"
        " FROM restorative_events WHERE case_id = 'demo-2026-0117' ORDER BY sequence DESC LIMIT 1",
        "DELETE FROM restorative_cases WHERE case_id = 'demo-2026-0231-2'",
    )
    assert 2 == main(["check", "--db", db])
    captured = capsys.readouterr()
    assert captured.out.startswith(f"checked 4 cases and 99 events in {db}; 3 do not check out:\n")
    assert "  case demo-2026-0231, event 6: its content or hash was changed after it was written\n" in captured.out
    assert "beyond the case's recorded end" in captured.out
    assert "listing row is missing" in captured.out
    assert f"INTEGRITY FAILURE in {db}: 3 of 4 cases do not check out\n" == captured.err
    assert 2 == main(["check", "--db", db, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert (4, 99, False) == (report["cases"], report["events"], report["ok"])
    assert [("demo-2026-0117", "IntegrityError"), ("demo-2026-0231", "IntegrityError")] == [
        (p["case_id"], p["error"]) for p in report["problems"][:2]
    ]
    assert {"case_id", "sequence", "error", "message"} == set(report["problems"][0])
    assert 6 == report["problems"][1]["sequence"]


def test_check_exits_1_when_it_cannot_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "typo.db")
    assert 1 == main(["check", "--db", missing])
    assert "no database at" in capsys.readouterr().err
    assert not Path(missing).exists()
    for argv in (["check", "--db"], ["check", "--bogus"], ["inspect"], ["inspect", "x", "--bogus"]):
        with pytest.raises(SystemExit) as stopped:  # a usage error is not an integrity failure (2)
            main(argv)
        assert 1 == stopped.value.code
        capsys.readouterr()


def test_cases_and_inspect_print_one_json_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "demo.db")
    main(["demo", "--db", db])
    capsys.readouterr()
    assert 0 == main(["cases", "--db", db, "--json"])
    listing = json.loads(capsys.readouterr().out)
    assert {"count": 2, "by_stage": {"fulfilled": 1, "withdrawn": 1}} == {k: listing[k] for k in ("count", "by_stage")}
    assert {
        "case_id": "demo-2026-0231",
        "kind": "criminal",
        "stage": "withdrawn",
        "version": 12,
        "updated_at": "2026-04-23T15:00:00+00:00",
        "due_at": None,
    } == listing["cases"][1]
    assert 0 == main(["cases", "--db", db, "--json", "--stage", "declined"])
    assert {"count": 0, "by_stage": {}, "cases": []} == json.loads(capsys.readouterr().out)
    assert 0 == main(["inspect", "demo-2026-0231", "--db", db, "--json"])
    case = json.loads(capsys.readouterr().out)
    assert ["case_id", "kind", "stage", "version", "head", "verified", "read_as", "events"] == list(case)
    assert ("withdrawn", 12, True, None) == (case["stage"], case["version"], case["verified"], case["read_as"])
    assert 12 == len(case["events"]) and case["head"] == case["events"][-1]["hash"]
    assert {
        "sequence": 1,
        "type": "CaseReferred",
        "at": "2026-04-13T11:00:00+00:00",
        "actor": {"id": "staff-oslo-1", "kind": "staff"},
    } == {k: v for k, v in case["events"][0].items() if k not in ("description", "hash")}
    assert any("per withdrew" in event["description"] for event in case["events"])
    _tamper(db, "UPDATE restorative_events SET data = replace(data, 'ola', 'olga') WHERE sequence = 6")
    assert 2 == main(["inspect", "demo-2026-0231", "--db", db, "--json"])
    captured = capsys.readouterr()
    assert "" == captured.out and "event 6" in captured.err


def _documented_commands() -> list[tuple[str, str]]:
    """The bash and text blocks of the command line's section of docs/persistence.md, in order."""
    page = (Path(__file__).parent.parent / "docs" / "persistence.md").read_text(encoding="utf-8")
    section = page.split("\n## The command line\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(bash|text)\n(.*?)```", section, flags=re.S)


def _run_documented(lines: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    printed = ""
    for line in lines:
        argv = shlex.split(line)
        assert "restorative" == argv[0], line
        assert 0 == main(argv[1:]), f"{line}: {capsys.readouterr().err}"
        printed += capsys.readouterr().out
    return printed


def test_the_command_line_examples_in_the_docs_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    printed = ""
    blocks = _documented_commands()
    assert len(blocks) >= 6
    for language, body in blocks:
        lines = body.strip().splitlines()
        if language == "text":
            for line in lines:
                assert line in printed.splitlines()
        elif not any("postgresql://" in line for line in lines):  # those run in the test below
            printed += _run_documented(lines, capsys)
    assert "checked 2 cases and 49 events in cases.db" in printed


def test_the_postgresql_examples_in_the_docs_run(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.store.databases import empty_database

    lines = [line for _, body in _documented_commands() for line in body.splitlines() if "postgresql://" in line]
    assert len(lines) >= 2
    with empty_database() as address:
        printed = _run_documented(
            [line.replace("postgresql://caseworker@db.example/cases", address) for line in lines], capsys
        )
    assert "fulfilled: 1  withdrawn: 1" in printed


def test_a_check_that_cannot_read_every_case_is_a_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "demo.db")
    main(["demo", "--db", db])
    _tamper(db, "DROP TABLE restorative_events")
    capsys.readouterr()
    assert 2 == main(["check", "--db", db, "--json"])
    captured = capsys.readouterr()
    [problem] = json.loads(captured.out)["problems"]
    assert (None, None, "OperationalError") == (problem["case_id"], problem["sequence"], problem["error"])
    assert captured.err.startswith(f"INTEGRITY FAILURE in {db}: the check stopped, so the rest is unchecked:")


def test_two_ticks_from_cron_at_once_send_each_due_command_once(tmp_path: Path) -> None:
    from restorative.store import SQLiteStore
    from tests.flows import Flow

    db = tmp_path / "cases.db"
    store = SQLiteStore(db)
    ends = []
    for n in range(8):
        flow = Flow(case_id=f"case-{n}").to_agreement().sign_all()
        store.append(flow.case.id, flow.events, 0)
        ends.append(r.due(flow.case)[0].at)
    store.close()
    at = max(ends).isoformat()
    argv = [sys.executable, "-m", "restorative", "tick", "--db", str(db), "--at", at, "--json"]
    runs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    sent = [item for out, _ in outputs for item in json.loads(out)["sent"]]
    assert sorted(item["case_id"] for item in sent) == [f"case-{n}" for n in range(8)]
    assert {item["command"] for item in sent} == {"EndCoolingOff"}
    assert 0 == main(["tick", "--db", str(db), "--at", at])  # again: nothing due, nothing refused
    store = SQLiteStore(db, read_only=True)
    assert {s.stage for s in store.cases()} == {r.Stage.FOLLOW_UP}
    store.close()


def test_tick_says_when_nothing_is_due(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "demo.db")
    main(["demo", "--db", db])
    capsys.readouterr()
    assert 0 == main(["tick", "--db", db, "--at", "2030-01-01"])
    assert capsys.readouterr().out.startswith("nothing is due at 2030-01-01 00:00 UTC")
