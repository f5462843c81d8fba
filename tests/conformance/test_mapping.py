"""Another system's CSV log, read through a mapping of its columns, names, roles and local times."""

from __future__ import annotations

import csv
import io
import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from restorative.conformance import LogMapping, conform, read_csv
from restorative.errors import LogError

from .logs import Row, csv_of, fulfilled, rows_of

MAPPING = """\
delimiter = ";"
timezone = "Europe/Oslo"
timestamp_format = "%d.%m.%Y %H:%M:%S"
ignore = ["Brev sendt"]

[columns]
case = "Saksnr"
activity = "Hendelse"
timestamp = "Tidspunkt"
actor = "Utført av"
role = "Rolle"
case_kind = "Sakstype"
party = "Part"
item = "Punkt"
signer = "Signatur"
person = "Person"
mediator = "Megler"

[activities]
"Sak mottatt" = "CaseReferred"
"Sak akseptert" = "CaseAccepted"
"Megler oppnevnt" = "MediatorAssigned"
"Informert" = "PartyInformed"
"Samtykke" = "ConsentGiven"
"Forberedelse startet" = "PreparationStarted"
"Forsamtale" = "PreparatoryTalkHeld"
"Møte berammet" = "MeetingScheduled"
"Taushetsløfte" = "ConfidentialityAgreed"
"Møte holdt" = "MeetingHeld"
"Avtale inngått" = "AgreementRecorded"
"Avtale signert" = "AgreementSigned"
"Angrefrist startet" = "CoolingOffStarted"
"Avtale bindende" = "AgreementBound"
"Rapport" = "ReportSent"
"Punkt oppfylt" = "ItemFulfilled"
"Sak oppfylt" = "CaseFulfilled"

[roles]
saksbehandler = "staff"
megler = "mediator"
part = "party"

[case_kinds]
straffesak = "criminal"
tvistesak = "civil"
"""

THEIRS = {ours: theirs for theirs, ours in tomllib.loads(MAPPING)["activities"].items()}
"""Our activity names to theirs."""
HEADER = [
    "Saksnr",
    "Hendelse",
    "Tidspunkt",
    "Utført av",
    "Rolle",
    "Sakstype",
    "Part",
    "Punkt",
    "Signatur",
    "Person",
    "Megler",
]
QUALIFIERS = {"party": "Part", "item": "Punkt", "signer": "Signatur", "person": "Person", "mediator": "Megler"}
ROLES = {"staff": "saksbehandler", "mediator": "megler", "party": "part"}
OSLO = ZoneInfo("Europe/Oslo")


def _theirs(row: Row) -> dict[str, str]:
    """One of our rows as the other system writes it."""
    activity = "ReportSent" if row["activity"].startswith("Report") else row["activity"]
    at = datetime.fromisoformat(row["timestamp"]).astimezone(OSLO)
    out = {
        "Saksnr": "2026/117",
        "Hendelse": THEIRS[activity],
        "Tidspunkt": at.strftime("%d.%m.%Y %H:%M:%S"),
        "Utført av": row["actor"].removeprefix("case-1/"),
        "Rolle": ROLES[row["role"]],
        "Sakstype": "straffesak",
    }
    if row["activity"] != "CaseReferred":
        for pair in filter(None, row["objects"].split(";")):
            qualifier, _, oid = pair.partition("=")
            if qualifier in QUALIFIERS:
                out[QUALIFIERS[qualifier]] = oid.removeprefix("case-1/")
    return out


def _write(rows: list[dict[str, str]], path: Path) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def foreign(tmp_path: Path) -> tuple[list[dict[str, str]], Path]:
    rows = [_theirs(row) for row in rows_of(csv_of(fulfilled()))]
    rows.insert(3, dict(rows[2], Hendelse="Brev sendt"))  # their own activity, ignored
    (tmp_path / "mapping.toml").write_text(MAPPING, encoding="utf-8")
    return rows, tmp_path


def test_a_foreign_log_read_through_a_mapping_conforms(foreign: tuple[list[dict[str, str]], Path]) -> None:
    rows, folder = foreign
    path = _write(rows, folder / "saker.csv")
    result = conform(path, mapping=folder / "mapping.toml")
    [case] = result.cases
    assert ("2026/117", (), len(rows) - 1) == (case.case_id, case.violations, case.events)
    assert case.case is not None and case.case.stage.value == "fulfilled"
    log = read_csv(path, mapping=LogMapping.from_toml(folder / "mapping.toml"))
    first = log.traces[0].events[0]
    assert (first.activity, first.at.tzinfo, first.actor) == ("Sak mottatt", OSLO, "staff-1")


def test_a_violation_in_a_foreign_log_is_found(foreign: tuple[list[dict[str, str]], Path]) -> None:
    rows, folder = foreign
    informed = next(n for n, row in enumerate(rows) if row["Hendelse"] == "Informert")
    del rows[informed]
    result = conform(_write(rows, folder / "saker.csv"), mapping=folder / "mapping.toml")
    first = result.violations[0]
    assert ("Samtykke", "R3") == (first.activity, first.rule)


def test_an_activity_the_mapping_does_not_name_is_refused(foreign: tuple[list[dict[str, str]], Path]) -> None:
    rows, folder = foreign
    rows.insert(2, dict(rows[1], Hendelse="Telefon"))
    with pytest.raises(LogError, match="unknown activity 'Telefon': add it to the mapping's"):
        conform(_write(rows, folder / "saker.csv"), mapping=folder / "mapping.toml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("colour = 'red'\n", "unknown key 'colour'"),
        ('[activities]\n"X" = "Nonsense"\n', "which is no event of the library"),
        ('timezone = "Mars/Olympus"\n', "is not a known zone"),
        ('delimiter = ";;"\n', "must be one character"),
        ("[roles]\nx = 'judge'\n", "choose from"),
    ],
)
def test_a_bad_mapping_names_its_key(tmp_path: Path, change: str, message: str) -> None:
    text = "[columns]\ncase = 'c'\nactivity = 'a'\ntimestamp = 't'\n"
    path = tmp_path / "mapping.toml"
    path.write_text(change + text if not change.startswith("[") else text + change, encoding="utf-8")
    with pytest.raises(LogError, match=message) as raised:
        LogMapping.from_toml(path)
    assert str(raised.value).startswith(str(path))


def test_a_mapping_needs_the_three_columns(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="must name the column of: timestamp"):
        LogMapping.from_data({"columns": {"case": "c", "activity": "a"}})
    path = tmp_path / "their.csv"
    path.write_text("c,a,t\n1,X,2026-01-01T00:00:00+00:00\n", encoding="utf-8")
    mapping = LogMapping.from_data({"columns": {"case": "c", "activity": "a", "timestamp": "when"}})
    with pytest.raises(LogError, match="the header lacks the column"):
        read_csv(path, mapping=mapping)
