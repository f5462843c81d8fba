"""Benchmark of the core: handle vs a bare transitions trigger, opening cases, case size, replay.

Run: ``python benchmarks/core.py`` (about two minutes) or ``--quick`` (under 60 s).
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from transitions import Machine

import restorative as r
from restorative import _demo
from restorative._lifecycle import _TABLE

_CLOCK = time.perf_counter_ns


def median_us(fn: Callable[[], object], *, batch: int, rounds: int) -> float:
    """Median over `rounds` of the mean time of `fn` in a batch of `batch` calls, in µs."""
    samples = []
    for _ in range(rounds):
        start = _CLOCK()
        for _ in range(batch):
            fn()
        samples.append((_CLOCK() - start) / batch / 1000)
    return statistics.median(samples)


def handle_us(rounds: int) -> float:
    """Median over the commands of a realistic case of each command's median `handle` time."""
    commands, _ = _demo.fulfilled_case()
    per_command = []
    case: r.Case | None = None
    for command in commands:
        before = case
        per_command.append(median_us(lambda b=before, c=command: r.handle(b, c), batch=200, rounds=rounds))
        case, _ = r.handle(case, command)
    return statistics.median(per_command)


class _Model:
    state = "meeting"

    def ok(self) -> bool:
        return True


def trigger_us(rounds: int) -> float:
    """One bare transitions trigger with a condition, on a machine with our states and transitions."""
    model = _Model()
    transitions = [
        {"trigger": t, "source": [s.value for s in sources], "dest": d.value if d else None, "conditions": "ok"}
        for t, sources, d in _TABLE
    ]
    Machine(
        model=model,
        states=[s.value for s in r.Stage],
        transitions=transitions,
        initial="meeting",
        auto_transitions=False,
    )
    trigger: Callable[[str], bool] = model.trigger  # type: ignore[attr-defined]

    def there_and_back() -> None:
        trigger("adjourn")
        trigger("schedule")

    return median_us(there_and_back, batch=500, rounds=rounds) / 2


def _refer(i: int) -> r.ReferCase:
    commands, _ = _demo.fulfilled_case()
    first = commands[0]
    assert isinstance(first, r.ReferCase)
    return r.ReferCase(
        actor=first.actor, at=first.at, case_id=r.CaseId(f"case-{i}"), referral=first.referral, parties=first.parties
    )


def open_us(held: int, rounds: int) -> float:
    """Opening one case (decide, evolve, keep it) while `held` cases are already kept in memory."""
    cases: dict[str, r.Case] = {}
    template = _refer(0)
    for i in range(held):
        case, _ = r.handle(None, r.ReferCase(actor=template.actor, at=template.at, case_id=r.CaseId(f"c{i}"),
                                             referral=template.referral, parties=template.parties))
        cases[case.id] = case
    probes = [_refer(held + i) for i in range(rounds * 100)]
    gc.collect()
    it = iter(probes)

    def open_one() -> None:
        command = next(it)
        case, _ = r.handle(None, command)
        cases[case.id] = case

    return median_us(open_one, batch=100, rounds=rounds)


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
    for enum in (r.Stage, r.Role, r.CaseKind, r.ReferralSource, r.ItemKind, r.ItemStatus, r.ActorKind,
                 r.MeetingKind, r.ParticipantRole, r.Exemption, r.Continuation):
        for member in enum:
            shared.add(id(member))
    from datetime import UTC

    shared.add(id(UTC))
    return shared


def case_bytes() -> int:
    _, events = _demo.fulfilled_case()
    return deep_size(r.replay(events), _shared_objects())


def replay_us(rounds: int) -> tuple[float, int]:
    _, events = _demo.fulfilled_case()
    thirty = events[:30]
    return median_us(lambda: r.replay(thirty), batch=200, rounds=rounds), len(thirty)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smaller run, under 60 s")
    args = parser.parse_args()
    rounds = 7 if args.quick else 25
    held = 100_000 if args.quick else 1_000_000
    handle = handle_us(rounds)
    trigger = trigger_us(rounds)
    first = open_us(0, rounds)
    millionth = open_us(held, rounds)
    replay, n = replay_us(rounds)
    figures = {
        "handle_us": round(handle, 3),
        "transitions_trigger_us": round(trigger, 3),
        "handle_over_trigger": round(handle / trigger, 3),
        "open_first_us": round(first, 3),
        "open_millionth_us": round(millionth, 3),
        "open_held_cases": held,
        "case_bytes_2_parties": case_bytes(),
        "replay_30_us": round(replay, 3),
        "replay_events": n,
        "quick": args.quick,
    }
    for key, value in figures.items():
        print(f"{key:>24}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
