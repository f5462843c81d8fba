"""A case's random stream that can play the draws of a step again (the capacity model's).

Kept out of the compiled modules (tools/accelerate.py): a compiled subclass of
`random.Random` is not sound under mypyc.
"""

from __future__ import annotations

import random


class Tape(random.Random):
    """A case's stream that records the draws of the step under way, to play them again.

    A step that waits is taken again from its start later; the draws it had made are
    played back, so it makes the same choices and asks for the same moment.
    """

    def __init__(self, seed: int) -> None:
        self.tape: list[float] = []  # getrandbits's ints among them: the same calls come back in the same order
        self.at = 0
        super().__init__(seed)

    def random(self) -> float:
        at = self.at
        self.at = at + 1
        if at < len(self.tape):
            return self.tape[at]
        value = super().random()
        self.tape.append(value)
        return value

    def getrandbits(self, k: int) -> int:
        at = self.at
        self.at = at + 1
        if at < len(self.tape):
            return int(self.tape[at])
        value = super().getrandbits(k)
        self.tape.append(value)
        return value

    def begin(self) -> None:
        """A new step: forget the last one's draws."""
        self.tape.clear()
        self.at = 0

    def rewind(self) -> None:
        """The step is taken again: play its draws back from the first."""
        self.at = 0
