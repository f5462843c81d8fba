"""The committed diagram in docs/ is the machine's own output."""

from __future__ import annotations

import re
from pathlib import Path

import restorative as r
from restorative.process import MEDIATION

MOVES = [(source.value, dest.value, trigger) for trigger, source, dest in MEDIATION.lifecycle.transitions if dest]

PAGE = Path(__file__).parent.parent / "docs" / "diagram.md"


def test_docs_diagram_matches_the_machine() -> None:
    blocks = re.findall(r"```mermaid\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1, "docs/diagram.md holds exactly one mermaid block"
    assert r.mermaid() == blocks[0], "docs/diagram.md is stale: paste the output of `restorative diagram` into it"


def test_diagram_draws_every_move_and_final_stage() -> None:
    text = r.mermaid()
    lines = set(text.splitlines())
    for source, dest, trigger in MOVES:
        assert f"    {source} --> {dest}: {trigger}" in lines
    for stage in r.Stage:
        assert stage.value in text
        assert (f"    {stage.value} --> [*]" in lines) == stage.is_final


def test_every_stage_is_reachable_and_every_active_stage_can_end() -> None:
    moves = [(source, dest) for source, dest, _ in MOVES]
    reachable = {r.Stage.REFERRED.value}
    while True:
        more = {dest for source, dest in moves if source in reachable} - reachable
        if not more:
            break
        reachable |= more
    assert {s.value for s in r.Stage} == reachable
    for stage in r.ACTIVE_STAGES:  # no dead end: one move from every active stage ends the case
        assert any(source == stage.value and r.Stage(dest).is_final for source, dest in moves)
    assert not [m for m in moves if r.Stage(m[0]).is_final], "R2: no move leaves a final stage"
