"""Retrying an operation that lost an optimistic-concurrency race."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from .. import _arguments as arguments
from ..errors import ConcurrencyError

T = TypeVar("T")


def retry(operation: Callable[[], T], *, attempts: int = 5, backoff: float = 0.005) -> T:
    """Run `operation`; when another writer came first, run it again (it should reload).

    Another writer came first when `operation` raises `ConcurrencyError`: a stale
    expected version, two writers opening one case, or (on PostgreSQL) a deadlock or
    serialization failure, which the store reports as a `ConcurrencyError` too.

    `operation` must load the case afresh each time, as `EventStore.handle` does:
    ``retry(lambda: store.handle(case_id, command))``. A command that the new state
    refuses raises its rule error as usual.

    Args:
        operation: what to run.
        attempts: how many times to try in all.
        backoff: the first pause in seconds; it doubles, with jitter, after each loss.

    Raises:
        ConcurrencyError: still losing after `attempts` tries.
    """
    if not callable(operation):
        arguments.refuse("retry", "operation", "a function", operation)
    arguments.count("retry", "attempts", attempts, 1)
    if arguments.number("retry", "backoff", backoff) < 0:
        arguments.refuse("retry", "backoff", "a number of seconds of 0 or more", backoff)
    pause = backoff
    for attempt in range(1, attempts + 1):
        try:
            return operation()
        except ConcurrencyError:
            if attempt == attempts:
                raise
            time.sleep(pause * (0.5 + random.random()))  # jitter, not cryptography
            pause *= 2
    raise AssertionError("unreachable")  # pragma: no cover
