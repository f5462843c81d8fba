"""Hostile logs: every file the checker cannot read is one line from restorative.errors, never a traceback."""

from __future__ import annotations

import gzip
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from restorative._cli import main
from restorative.conformance import read_log
from restorative.errors import LogError

Good = dict[str, bytes]
"""The simulated logs, by file name."""


@pytest.fixture(scope="module")
def good(simulated: Path) -> Good:
    return {name: (simulated / name).read_bytes() for name in ("events.csv", "events.xes", "events.ocel.json")}


def _csv(good: Good) -> bytes:
    return good["events.csv"]


def _cut(data: bytes, share: float) -> bytes:
    return data[: int(len(data) * share)]


def _replace_first(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


HEADER = b"case_id,seq,activity,timestamp,role,actor,stage,case_kind,objects\n"
ROW = b"c-1,1,CaseReferred,2026-01-05T09:00:00+00:00,staff,staff-1,referred,civil,party=c-1/a;party=c-1/b\n"

HOSTILE: dict[str, tuple[str, Callable[[Good], bytes], str]] = {
    "empty": ("empty.csv", lambda g: b"", "is empty"),
    "header only": ("header.csv", lambda g: HEADER, "holds no events"),
    "truncated csv": ("cut.csv", lambda g: _cut(_csv(g), 0.5).rsplit(b",", 3)[0], "where the header has"),
    "wrong columns": ("other.csv", lambda g: b"when,what,who\n1,2,3\n", "the header lacks the column(s)"),
    "not utf-8": ("latin1.csv", lambda g: HEADER + ROW.replace(b"staff-1", "ståb".encode("latin-1")), "is not utf-8"),
    "huge cell": ("huge.csv", lambda g: HEADER + ROW.replace(b"staff-1", b"x" * 200_000), "longer than"),
    "huge id": ("long.csv", lambda g: HEADER + ROW.replace(b"c-1,", b"c" * 5_000 + b","), "at most 200 characters"),
    "huge header": ("wide.csv", lambda g: b",".join(b"c%d" % n for n in range(100_000)) + b"\n" + ROW, "lacks"),
    "nul byte": ("nul.csv", lambda g: HEADER + ROW.replace(b"staff-1", b"st\x00ff"), "line"),
    "bad time": ("time.csv", lambda g: HEADER + ROW.replace(b"2026-01-05T09:00:00+00:00", b"yesterday"), "ISO 8601"),
    "naive time": ("naive.csv", lambda g: HEADER + ROW.replace(b"+00:00", b""), "has no offset"),
    "bad role": ("role.csv", lambda g: HEADER + ROW.replace(b",staff,", b",king,"), "role 'king' is not one of"),
    "unknown activity": ("act.csv", lambda g: HEADER + ROW.replace(b"CaseReferred", b"Lunch"), "unknown activity"),
    "bad objects": ("obj.csv", lambda g: HEADER + ROW.replace(b"party=c-1/a;", b"party;"), "qualifier=id pairs"),
    "not gzip": ("plain.csv.gz", _csv, "not a valid gzip file"),
    "truncated gzip": ("cut.csv.gz", lambda g: _cut(gzip.compress(_csv(g)), 0.5), "ends too early"),
    "truncated xes": ("cut.xes", lambda g: _cut(g["events.xes"], 0.5), "not well-formed XML"),
    "xes entities": (
        "lol.xes",
        lambda g: b'<?xml version="1.0"?>\n<!DOCTYPE log [<!ENTITY a "aaaaaaaaaa">]>\n<log>&a;</log>\n',
        "declares a document type",
    ),
    "not xes": ("page.xes", lambda g: b"<html><body/></html>", "root element is <html>"),
    "xes without time": (
        "notime.xes",
        lambda g: (
            b'<log><trace><string key="concept:name" value="c-1"/><event>'
            b'<string key="concept:name" value="CaseReferred"/></event></trace></log>'
        ),
        "has no time:timestamp",
    ),
    "truncated ocel": ("cut.ocel.json", lambda g: _cut(g["events.ocel.json"], 0.5), "is not JSON"),
    "not ocel": ("list.json", lambda g: b"[1, 2, 3]", "is not an OCEL 2.0 JSON log"),
    "deep json": ("deep.json", lambda g: b"[" * 200_000 + b"]" * 200_000, "JSON"),
    "ocel without cases": (
        "nocase.json",
        lambda g: (
            b'{"events":[{"id":"e1","type":"CaseReferred","time":"2026-01-05T09:00:00+00:00",'
            b'"attributes":[],"relationships":[]}],"objects":[]}'
        ),
        "relates to no case",
    ),
    "ocel wrong types": (
        "types.json",
        lambda g: _replace_first(g["events.ocel.json"], b'"relationships":[{', b'"relationships":{"x":[{') + b"}",
        "JSON",
    ),
    "random bytes csv": ("junk.csv", lambda g: random.Random(1).randbytes(5_000), "is not utf-8 text"),
    "random bytes xes": ("junk.xes", lambda g: random.Random(2).randbytes(5_000), "XML"),
    "random bytes json": ("junk.json", lambda g: random.Random(3).randbytes(5_000), "UTF-8"),
    "unknown suffix": ("events.txt", _csv, "cannot tell the log's format from its name"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE), ids=str)
def test_a_hostile_log_is_one_line_from_restorative_errors(
    case: str, good: Good, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, make, message = HOSTILE[case]
    path = tmp_path / name
    path.write_bytes(make(good))
    with pytest.raises(LogError) as raised:
        read_log(path)
    assert message.lower() in str(raised.value).lower()
    assert str(raised.value).startswith(str(path))
    capsys.readouterr()
    assert 1 == main(["conform", str(path)])
    captured = capsys.readouterr()
    assert "" == captured.out
    [line] = captured.err.splitlines()
    assert line.startswith(f"error: {path}") and len(line) <= 300, line


def test_a_folder_or_a_missing_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "logs.csv").mkdir()
    for path in (tmp_path / "logs.csv", tmp_path / "missing.csv"):
        assert 1 == main(["conform", str(path)])
        [line] = capsys.readouterr().err.splitlines()
        assert line.startswith(f"error: {path}: ")


def test_a_mapping_for_a_log_that_is_not_csv_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.toml").write_text("[columns]\ncase='c'\nactivity='a'\ntimestamp='t'\n", encoding="utf-8")
    assert 1 == main(["conform", str(tmp_path / "x.xes"), "--format", "xes", "--mapping", str(tmp_path / "m.toml")])
    assert "a mapping reads a CSV log" in capsys.readouterr().err
    (tmp_path / "bad.toml").write_bytes(b"\xff\xfe[columns")
    assert 1 == main(["conform", str(tmp_path / "x.csv"), "--mapping", str(tmp_path / "bad.toml")])
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: {tmp_path / 'bad.toml'}: the mapping is not UTF-8 text")


def test_the_console_script_prints_one_line_for_a_hostile_log(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_bytes(HEADER + ROW[:40])
    done = subprocess.run(
        [sys.executable, "-m", "restorative", "conform", str(path)], capture_output=True, text=True, check=False
    )
    assert (1, "") == (done.returncode, done.stdout)
    assert "Traceback" not in done.stderr and 1 == len(done.stderr.splitlines())


def test_a_log_that_makes_no_sense_is_judged_never_raised(simulated: Path) -> None:
    """Rows dropped, swapped, repeated, renamed or given another's actor: violations, and no exception."""
    from restorative.conformance import ACTIVITIES, Trace, conform_trace

    rng = random.Random(16)
    names = sorted(ACTIVITIES.items(), key=lambda item: item[0])
    judged = broken = 0
    for trace in read_log(simulated / "events.csv").traces[:120]:
        for _ in range(3):
            events = list(trace.events)
            for _ in range(rng.randint(1, 4)):
                k = rng.randrange(len(events))
                move = rng.randrange(5)
                if move == 0 and len(events) > 1:
                    del events[k]
                elif move == 1:
                    other = rng.randrange(len(events))
                    events[k], events[other] = events[other], events[k]
                elif move == 2:
                    name, (kind, report) = rng.choice(names)
                    events[k] = events[k]._replace(activity=name, event=kind, report=report)
                elif move == 3:
                    events.insert(rng.randrange(len(events) + 1), events[k])
                else:
                    donor = rng.choice(events)
                    events[k] = events[k]._replace(actor=donor.actor, role=donor.role, objects=donor.objects)
            numbered = tuple(e._replace(position=n) for n, e in enumerate(events, start=1))
            result = conform_trace(Trace(case_id=trace.case_id, events=numbered, known=trace.known))
            judged += 1
            broken += not result.conforms
            assert 0 <= result.fitting <= result.events == len(numbered)
    assert judged == 360 and broken > 300
