"""Each violation planted in a log is found with its rule, on its event, and the replay goes on after it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import restorative as r
from restorative.conformance import CaseConformance, conform
from tests.flows import MEDIATOR, STAFF, Flow, party_actor

from .logs import Row, csv_of, fulfilled, index, planted, report_rows, rows_of


def _check(flow: Flow, plant: Callable[[list[Row]], object], tmp_path: Path) -> CaseConformance:
    result = conform(planted(flow, plant, tmp_path / "events.csv"))
    [case] = result.cases
    return case


def _swap(rows: list[Row], a: int, b: int) -> None:
    """Swap two rows, keeping the times where they were (so only the order changes)."""
    rows[a]["timestamp"], rows[b]["timestamp"] = rows[b]["timestamp"], rows[a]["timestamp"]
    rows[a], rows[b] = rows[b], rows[a]


def test_the_clean_case_has_no_violation(tmp_path: Path) -> None:
    case = _check(fulfilled(), lambda rows: None, tmp_path)
    assert (case.events, case.fitting, case.violations) == (len(rows_of(csv_of(fulfilled()))), case.events, ())
    assert case.case is not None and case.case.stage is r.Stage.FULFILLED


def test_consent_before_being_informed_breaks_r3(tmp_path: Path) -> None:
    def plant(rows: list[Row]) -> None:
        _swap(rows, index(rows, "PartyInformed"), index(rows, "ConsentGiven"))

    case = _check(fulfilled(), plant, tmp_path)
    [violation] = case.violations
    assert ("ConsentGiven", 4, "R3", r.Stage.CONSENT) == (
        violation.activity,
        violation.position,
        violation.rule,
        violation.stage,
    )
    assert "informed" in violation.hint and violation.where == "line 5"
    assert case.fitting == case.events - 1  # the inform that follows replays, and so does the rest
    assert case.case is not None and case.case.stage is r.Stage.FULFILLED


def test_consent_never_informed_breaks_r3(tmp_path: Path) -> None:
    case = _check(fulfilled(), lambda rows: rows.pop(index(rows, "PartyInformed")), tmp_path)
    # and preparation then starts with a party never informed (R4): a later violation may follow from the first
    assert ["R3", "R4"] == [v.rule for v in case.violations]


def test_a_meeting_before_the_preparatory_talks_breaks_r6(tmp_path: Path) -> None:
    def plant(rows: list[Row]) -> None:
        rows[:] = [row for row in rows if row["activity"] != "PreparatoryTalkHeld"]

    case = _check(fulfilled(), plant, tmp_path)
    first = case.first
    assert first is not None
    assert ("MeetingScheduled", "R6", r.Stage.PREPARATION) == (first.activity, first.rule, first.stage)
    assert "preparatory talk" in first.hint


def test_a_meeting_before_preparation_starts_is_a_stage_error(tmp_path: Path) -> None:
    def plant(rows: list[Row]) -> None:
        drop = {"PreparationStarted", "PreparatoryTalkHeld"}
        rows[:] = [row for row in rows if row["activity"] not in drop]

    case = _check(fulfilled(), plant, tmp_path)
    first = case.first
    assert first is not None
    assert ("MeetingScheduled", "stage:consent", r.Stage.CONSENT) == (first.activity, first.rule, first.stage)
    assert "ScheduleMeeting" not in first.hint.split("commands possible now:")[1]


def _withdrawn_before_the_agreement() -> Flow:
    """A civil case of three in which cara withdraws during preparation and the others agree."""
    parties = tuple(r.Party(id=name, role=r.Role.PARTY) for name in ("anna", "bjorn", "cara"))
    flow = Flow(kind=r.CaseKind.CIVIL, parties=parties).to_preparation()
    flow.do(r.Withdraw, party_actor("cara"), party_id="cara")
    flow.prepare_all().schedule().hold()
    flow.do(r.RecordAgreement, MEDIATOR, items=flow.items("bjorn"))
    flow.sign_all()
    assert flow.case.stage is r.Stage.FOLLOW_UP
    return flow


def test_a_withdrawn_party_signing_breaks_r1(tmp_path: Path) -> None:
    def plant(rows: list[Row]) -> None:
        n = index(rows, "AgreementSigned")
        signed = dict(rows[n])
        signed.update(actor="case-1/cara", role="party")  # the log names the case's people case/person
        signed["objects"] = signed["objects"].replace("signer=case-1/anna", "signer=case-1/cara")
        rows.insert(n, signed)

    flow = _withdrawn_before_the_agreement()
    assert () == conform(planted(flow, lambda rows: None, tmp_path / "clean.csv")).violations
    case = _check(flow, plant, tmp_path)
    [violation] = case.violations
    assert ("AgreementSigned", "R1", r.Stage.AGREEMENT) == (violation.activity, violation.rule, violation.stage)
    assert "cara has withdrawn" in violation.hint
    assert case.case is not None and case.case.stage is r.Stage.FOLLOW_UP


def test_time_going_backwards_breaks_r15(tmp_path: Path) -> None:
    def plant(rows: list[Row]) -> None:
        earlier = datetime.fromisoformat(rows[5]["timestamp"]) - timedelta(hours=1)
        rows[6]["timestamp"] = earlier.isoformat()

    case = _check(fulfilled(), plant, tmp_path)
    [violation] = case.violations
    assert (7, "R15") == (violation.position, violation.rule)
    assert "backwards" in violation.hint
    assert case.fitting == case.events - 1


def test_an_event_after_a_final_stage_breaks_r2(tmp_path: Path) -> None:
    def plant(rows: list[Row]) -> None:
        late = dict(rows[index(rows, "ConsentGiven")])
        late["timestamp"] = rows[-1]["timestamp"]
        rows.append(late)

    case = _check(fulfilled(), plant, tmp_path)
    [violation] = case.violations
    assert ("ConsentGiven", "R2", r.Stage.FULFILLED) == (violation.activity, violation.rule, violation.stage)


def test_preparation_before_everyone_consented_breaks_r4(tmp_path: Path) -> None:
    case = _check(fulfilled(), lambda rows: rows.pop(index(rows, "ConsentGiven", 1)), tmp_path)
    first = case.first
    assert first is not None and ("PreparationStarted", "R4") == (first.activity, first.rule)
    assert "resp has not consented" in first.hint


def test_a_party_acting_for_another_is_not_permitted_r14(tmp_path: Path) -> None:
    def plant(rows: list[Row]) -> None:
        rows[index(rows, "ConsentGiven")]["actor"] = "case-1/resp"

    case = _check(fulfilled(), plant, tmp_path)
    first = case.first
    assert first is not None and ("ConsentGiven", "R14") == (first.activity, first.rule)


def test_binding_before_the_cooling_off_period_ends_breaks_r10(tmp_path: Path) -> None:
    def plant(rows: list[Row]) -> None:
        started = datetime.fromisoformat(rows[index(rows, "CoolingOffStarted")]["timestamp"])
        bound = index(rows, "AgreementBound")
        for row in rows[bound : bound + 2]:  # the binding and its report
            row["timestamp"] = (started + timedelta(days=3)).isoformat()

    case = _check(fulfilled(), plant, tmp_path)
    first = case.first
    assert first is not None and ("AgreementBound", "R10", r.Stage.COOLING_OFF) == (
        first.activity,
        first.rule,
        first.stage,
    )
    assert [first] == list(case.violations)  # its report goes with it, judged no further


def test_a_missing_report_breaks_r12(tmp_path: Path) -> None:
    def plant(rows: list[Row]) -> None:
        rows.pop(report_rows(rows)[0])  # the copy of the agreement the prosecution is due

    case = _check(fulfilled(), plant, tmp_path)
    [violation] = case.violations
    assert ("AgreementBound", "R12") == (violation.activity, violation.rule)
    assert "Report agreement" in violation.hint and "does not show it" in violation.hint


def test_a_report_the_referrer_is_not_due_breaks_r12(tmp_path: Path) -> None:
    def plant(rows: list[Row]) -> None:
        n = index(rows, "PreparationStarted")
        rows.insert(n + 1, dict(rows[n], activity="ReportSent", objects=""))  # a report before anything to report

    case = _check(fulfilled(), plant, tmp_path)
    [violation] = case.violations
    assert ("ReportSent", "R12", r.Stage.PREPARATION) == (violation.activity, violation.rule, violation.stage)


def test_a_case_the_log_ends_while_a_dialogue_remains_breaks_r13(tmp_path: Path) -> None:
    flow = _withdrawn_before_the_agreement()

    def plant(rows: list[Row]) -> None:
        n = index(rows, "PartyWithdrew")
        rows.insert(n + 1, dict(rows[n], activity="CaseWithdrawn", objects="", stage="withdrawn"))

    case = _check(flow, plant, tmp_path)
    first = case.first
    assert first is not None and ("CaseWithdrawn", "R13") == (first.activity, first.rule)


def test_unknown_roles_of_a_criminal_case_are_read_the_way_the_log_fits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CSV does not say who is harmed: the case goes on after one harmed party withdraws, so another is."""
    parties = (
        r.Party(id="h1", role=r.Role.HARMED),
        r.Party(id="resp", role=r.Role.RESPONSIBLE),
        r.Party(id="h2", role=r.Role.HARMED),
    )
    flow = Flow(parties=parties).to_consent()
    flow.do(r.Withdraw, party_actor("h1"), party_id="h1")
    flow.consent_all()
    flow.do(r.StartPreparation, STAFF)
    assert flow.case.stage is r.Stage.PREPARATION
    path = planted(flow, lambda rows: None, tmp_path / "events.csv")
    assert () == conform(path).violations
    import restorative.conformance._setup as setup

    monkeypatch.setattr(setup, "MAX_READINGS", 1)  # the first reading alone takes h2 for responsible
    assert ["R13"] == [v.rule for v in conform(path).violations]


def test_a_binding_before_every_signature_breaks_r10(tmp_path: Path) -> None:
    def plant(rows: list[Row]) -> None:
        rows.pop(index(rows, "AgreementSigned", 1))  # resp never signs, yet the agreement binds

    case = _check(Flow(kind=r.CaseKind.CIVIL).to_follow_up(), plant, tmp_path)
    first = case.first
    assert first is not None and ("AgreementBound", "R10", r.Stage.AGREEMENT) == (
        first.activity,
        first.rule,
        first.stage,
    )
    assert "bjorn must sign first" in first.hint
