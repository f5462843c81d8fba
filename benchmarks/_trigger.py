"""The yardstick the benchmarks share: one bare `transitions` trigger on a machine shaped like ours.

Figures in µs drift with the machine; a figure in triggers measured moments apart holds.
"""

from __future__ import annotations

from collections.abc import Callable

from _timing import batch_us
from transitions import Machine

from restorative import Stage
from restorative._lifecycle import MEDIATION_TABLE


class _Model:
    state = "meeting"

    def ok(self) -> bool:
        return True


def trigger_sample() -> Callable[[], float]:
    """One sample: a bare transitions trigger with a condition, on a machine with our stages and transitions."""
    model = _Model()
    transitions = [
        {"trigger": t, "source": [s.value for s in sources], "dest": d.value if d else None, "conditions": "ok"}
        for t, sources, d in MEDIATION_TABLE
    ]
    Machine(
        model=model,
        states=[s.value for s in Stage],
        transitions=transitions,
        initial="meeting",
        auto_transitions=False,
    )
    trigger: Callable[[str], bool] = model.trigger  # type: ignore[attr-defined]

    def there_and_back() -> None:
        trigger("adjourn")
        trigger("schedule")

    return lambda: batch_us(there_and_back, 310) / 2
