"""Benchmark of the core: handle vs a bare transitions trigger, opening cases, case size, replay.

Run: ``python benchmarks/core.py`` (about a minute) or ``--quick`` (under 30 s).
Every ratio is the median of ratios between samples taken moments apart, round by round.
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import statistics
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from _timing import CLOCK, accelerated, batch_us, interleaved
from _trigger import trigger_sample

import restorative as r
from restorative import _demo


def handle_sample() -> Callable[[], float]:
    """One sample: the median `handle` time per command over the 31 commands of the demo's fulfilled case."""
    commands, _ = _demo.fulfilled_case()
    steps: list[Callable[[], object]] = []
    case: r.Case | None = None
    for command in commands:
        steps.append(functools.partial(r.handle, case, command))
        case, _ = r.handle(case, command)

    def sample() -> float:
        return statistics.median(batch_us(step, 20) for step in steps)

    return sample


def _refer(i: int) -> r.ReferCase:
    commands, _ = _demo.fulfilled_case()
    first = commands[0]
    assert isinstance(first, r.ReferCase)
    return r.ReferCase(
        actor=first.actor, at=first.at, case_id=r.CaseId(f"case-{i}"), referral=first.referral, parties=first.parties
    )


def open_samples(held: int) -> tuple[Callable[[], float], Callable[[], float]]:
    """Samples of opening a case (decide, evolve, keep it in a dict) with no case and with `held` cases held."""
    template = _refer(0)

    def refer(case_id: str) -> r.ReferCase:
        return r.ReferCase(
            actor=template.actor,
            at=template.at,
            case_id=case_id,
            referral=template.referral,
            parties=template.parties,
        )

    big: dict[str, r.Case] = {}
    for i in range(held):
        case, _ = r.handle(None, refer(f"c{i}"))
        big[case.id] = case
    gc.collect()
    counter = iter(range(10**9))

    def open_into(cases: dict[str, r.Case]) -> float:
        commands = [refer(f"new-{next(counter)}") for _ in range(100)]
        start = CLOCK()
        for command in commands:
            case, _ = r.handle(None, command)
            cases[case.id] = case
        return (CLOCK() - start) / len(commands) / 1000

    return (lambda: open_into({})), (lambda: open_into(big))


def deep_size(value: Any, shared: set[int]) -> int:
    """Bytes of `value` and everything it references, skipping objects shared by every case."""
    seen: set[int] = set()
    stack = [value]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or id(obj) in shared:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, int) and -5 <= obj <= 256:  # CPython's cached small ints belong to no one
            total -= sys.getsizeof(obj)
            continue
        if isinstance(obj, (str, int, float, bool, bytes)) or obj is None:
            continue
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (tuple, list, set, frozenset)):
            stack.extend(obj)
        elif hasattr(type(obj), "__slots__"):
            stack.extend(getattr(obj, name) for name in type(obj).__slots__ if hasattr(obj, name))
        if hasattr(obj, "__dict__") and not isinstance(obj, type):
            stack.append(vars(obj))
    return total


def _shared_objects() -> set[int]:
    """Objects every case shares rather than owns: enum members, the policy singleton, the UTC zone."""
    shared: set[int] = {id(None), id(True), id(False), id(r.Policy.norway())}
    for enum in (
        r.Stage,
        r.Role,
        r.CaseKind,
        r.ReferralSource,
        r.ItemKind,
        r.ItemStatus,
        r.ActorKind,
        r.MeetingKind,
        r.ParticipantRole,
        r.Exemption,
        r.Continuation,
    ):
        for member in enum:
            shared.add(id(member))
    shared.update(id(r.Progress(i)) for i in range(32))  # flag combinations are cached by enum
    shared.add(id(UTC))
    return shared


def plain_case() -> r.Case:
    """A 2-party criminal case through its whole lifecycle: adults, one mediator, two items, fulfilled."""
    t = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    staff = r.Actor(id="staff-1", kind=r.ActorKind.STAFF)
    med = r.Actor(id="med-1", kind=r.ActorKind.MEDIATOR)
    a, b = r.Actor(id="p1", kind=r.ActorKind.PARTY), r.Actor(id="p2", kind=r.ActorKind.PARTY)
    referral = r.Referral(
        source=r.ReferralSource.PROSECUTION, kind=r.CaseKind.CRIMINAL, received_at=t, admission_of_facts=True
    )
    parties = (r.Party(id="p1", role=r.Role.HARMED), r.Party(id="p2", role=r.Role.RESPONSIBLE))
    items = (
        r.Item(
            id="i1",
            kind=r.ItemKind.APOLOGY,
            description="Apology letter.",
            responsible="p2",
            deadline=t + timedelta(days=40),
        ),
        r.Item(
            id="i2",
            kind=r.ItemKind.COMPENSATION,
            description="Pays 2000 NOK.",
            responsible="p2",
            deadline=t + timedelta(days=50),
        ),
    )
    steps: list[Any] = [
        r.ReferCase(actor=staff, at=t, case_id="c-000001", referral=referral, parties=parties),
        r.AcceptCase(actor=staff, at=t),
        r.AssignMediator(actor=staff, at=t, mediator_id="med-1"),
        r.InformParty(actor=med, at=t, party_id="p1"),
        r.InformParty(actor=med, at=t, party_id="p2"),
        r.GiveConsent(actor=a, at=t, party_id="p1"),
        r.GiveConsent(actor=b, at=t, party_id="p2"),
        r.StartPreparation(actor=med, at=t),
        r.HoldPreparatoryTalk(actor=med, at=t, party_id="p1"),
        r.HoldPreparatoryTalk(actor=med, at=t, party_id="p2"),
        r.ScheduleMeeting(actor=med, at=t, starts_at=t, attendees=("p1", "p2", "med-1")),
        r.AgreeConfidentiality(actor=a, at=t, person_id="p1"),
        r.AgreeConfidentiality(actor=b, at=t, person_id="p2"),
        r.AgreeConfidentiality(actor=med, at=t, person_id="med-1"),
        r.HoldMeeting(actor=med, at=t, present=("p1", "p2", "med-1")),
        r.RecordAgreement(actor=med, at=t, items=items),
        r.SignAgreement(actor=a, at=t, signer_id="p1"),
        r.SignAgreement(actor=b, at=t, signer_id="p2"),
        r.SignAgreement(actor=med, at=t, signer_id="med-1"),
        r.EndCoolingOff(actor=staff, at=t + timedelta(days=14)),
        r.ReportItem(actor=a, at=t + timedelta(days=20), item_id="i1", fulfilled=True),
        r.ReportItem(actor=a, at=t + timedelta(days=30), item_id="i2", fulfilled=True),
    ]
    case = None
    for command in steps:
        case, _ = r.handle(case, command)
    assert case is not None
    assert case.stage is r.Stage.FULFILLED
    return case


def case_bytes() -> tuple[int, int]:
    """Deep size of the plain 2-party case, and of the demo's richer case (guardian, support person)."""
    _, events = _demo.fulfilled_case()
    return deep_size(plain_case(), _shared_objects()), deep_size(r.replay(events), _shared_objects())


def replay_sample() -> tuple[Callable[[], float], int]:
    _, events = _demo.fulfilled_case()
    thirty = events[:30]
    return (lambda: batch_us(lambda: r.replay(thirty), 20)), len(thirty)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smaller run, under 60 s")
    args = parser.parse_args()
    rounds = 15 if args.quick else 60
    held = 100_000 if args.quick else 1_000_000
    trigger = trigger_sample()
    handle, trigger_us, handle_ratio = interleaved(handle_sample(), trigger, rounds)
    replay_fn, n = replay_sample()
    replay, _, replay_ratio = interleaved(replay_fn, trigger, rounds)
    first_fn, millionth_fn = open_samples(held)
    first, millionth, open_ratio = interleaved(first_fn, millionth_fn, rounds)
    plain_bytes, demo_bytes = case_bytes()
    figures = {
        "handle_us": round(handle, 3),
        "transitions_trigger_us": round(trigger_us, 3),
        "handle_over_trigger": round(handle_ratio, 3),
        "open_first_us": round(first, 3),
        "open_millionth_us": round(millionth, 3),
        "open_first_over_millionth": round(open_ratio, 3),
        "open_held_cases": held,
        "case_bytes_2_parties": plain_bytes,
        "case_bytes_demo_case": demo_bytes,
        "replay_30_us": round(replay, 3),
        "replay_events": n,
        # the machine's speed drifts; replay in units of one bare trigger measured moments apart
        "replay_30_over_trigger": round(replay_ratio, 2),
        "quick": args.quick,
        "accelerated": accelerated(),
    }
    for key, value in figures.items():
        print(f"{key:>24}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
