"""The `restorative` command line: demo, diagram, rules."""

from __future__ import annotations

import subprocess
import sys

import pytest

import restorative as r
from restorative._cli import main


def test_demo_runs_both_cases_to_their_ends(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["demo"])
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
