"""A minor who comes of age during the case, in a log: dated by OCEL, supposed where the log cannot say.

R10 asks a guardian's signature of a party who was a minor when the agreement was
recorded. A party who turned 18 before then signs alone (strpl § 71 a; vergemålsloven).
Logs carry no birth dates: OCEL dates the birthday by a change of the party's ``minor``
attribute, and the checker reads a CSV or XES log, which cannot say, as allowing it.
"""

# Assertions read `expected == actual`, so constants come first.

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import restorative as r
from restorative._eventlog.formats import formats
from restorative.conformance import conform
from restorative.simulation import case_log
from tests.flows import MEDIATOR, Flow, party_actor

BIRTHDAY = datetime(2026, 2, 1, 9, tzinfo=UTC)
"""When `resp` has turned 18 (the flows start on 2026-01-05, when resp is 17)."""
COMES_OF_AGE = "2026-02-01T10:00:00+00:00"
"""The first event from the 18th birthday on (midnight in Oslo, 23:00 UTC the day before): `minor` turns false."""


def _after_the_birthday() -> Flow:
    """Guardians consent on 5 January; the agreement is recorded and signed after the birthday, without them."""
    resp = r.Party(id="resp", role=r.Role.RESPONSIBLE, birth_date=date(2008, 2, 1), guardians=("mum", "dad"))
    flow = Flow(parties=(r.Party(id="harmed", role=r.Role.HARMED), resp))
    flow.to_preparation()
    flow.now = BIRTHDAY
    flow.prepare_all().schedule().hold()
    flow.do(r.RecordAgreement, MEDIATOR, items=flow.items())
    for actor in (party_actor("harmed"), party_actor("resp"), MEDIATOR):
        flow.do(r.SignAgreement, actor, signer_id=actor.id)
    assert r.Stage.COOLING_OFF == flow.case.stage  # no guardian's signature was needed
    return flow


def _write(flow: Flow, name: str, path: Path) -> Path:
    kind = formats()[name]
    out = kind(path, "coming of age")
    out.write(kind.encode([case_log(flow.events, flow.case)]))
    out.close()
    return path


FILES = {"csv": "events.csv", "xes": "events.xes", "ocel": "events.ocel.json"}


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_minor_who_came_of_age_signs_alone_in_every_format(name: str, tmp_path: Path) -> None:
    [case] = conform(_write(_after_the_birthday(), name, tmp_path / FILES[name])).cases
    assert () == case.violations
    assert case.events == case.fitting


def _party(log: dict[str, Any], party: str) -> dict[str, Any]:
    found: dict[str, Any] = next(o for o in log["objects"] if o["id"].endswith(f"/{party}"))
    return found


def test_ocel_dates_the_birthday_and_the_checker_judges_by_it(tmp_path: Path) -> None:
    path = _write(_after_the_birthday(), "ocel", tmp_path / "events.ocel.json")
    log = json.loads(path.read_text(encoding="utf-8"))
    minor = [(a["value"], a["time"]) for a in _party(log, "resp")["attributes"] if a["name"] == "minor"]
    assert [(True, minor[0][1]), (False, COMES_OF_AGE)] == minor
    assert [(False, minor[0][1])] == [
        (a["value"], a["time"]) for a in _party(log, "harmed")["attributes"] if a["name"] == "minor"
    ]

    # The same log with no change of `minor`: the log says resp was a minor throughout,
    # and a minor's agreement binds only with a guardian's signature.
    for party in log["objects"]:
        party["attributes"] = [
            a
            for a in party["attributes"]
            if a["name"] != "minor" or a["value"] is True or not party["id"].endswith("/resp")
        ]
    path.write_text(json.dumps(log), encoding="utf-8")
    [case] = conform(path).cases
    assert ["R10"] == [v.rule for v in case.violations]
    assert "CoolingOffStarted" == case.violations[0].activity  # it binds, with its cooling-off, once all sign


def test_a_minor_who_never_comes_of_age_has_no_change(tmp_path: Path) -> None:
    flow = Flow(
        parties=(
            r.Party(id="harmed", role=r.Role.HARMED),
            r.Party(id="resp", role=r.Role.RESPONSIBLE, birth_date=date(2012, 6, 1), guardians=("mum",)),
        )
    ).to_agreement()
    log = json.loads(_write(flow, "ocel", tmp_path / "events.ocel.json").read_text(encoding="utf-8"))
    assert [True] == [a["value"] for a in _party(log, "resp")["attributes"] if a["name"] == "minor"]
