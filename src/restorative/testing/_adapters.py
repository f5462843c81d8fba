"""Adapters: how the testing kit sends commands to the system under test."""

from __future__ import annotations

from collections.abc import Sequence

from .. import _arguments as arguments
from .._values import Case
from ..commands import Command
from ..events import Event
from ..process._mediation import decide as _decide
from ..process._mediation import replay
from ..store import EventStore
from ..verify._oracle import Decide


class Adapter:
    """The system under test, as `CaseStateMachine` sees it: commands in, events out.

    Subclass it for your service layer or HTTP API. `send` returns the events the
    command recorded, or raises an error from `restorative.errors` when the command is
    refused (translate your API's refusals into `RuleViolation`, `NotPermitted`,
    `StageError` or `InvalidInput`, keeping the rule id). `load` is optional: return the
    stored case so the machine can check that refusals changed nothing (R16).
    """

    def send(self, case_id: str, command: Command) -> Sequence[Event]:
        """Send `command` for case `case_id`; return its events or raise a restorative error."""
        raise NotImplementedError

    def load(self, case_id: str) -> Case | None:
        """The case as the system now holds it, or ``None`` if the adapter cannot tell."""
        return None

    def close(self) -> None:
        """Release what the adapter holds (a database, a client); called after each example."""


class DeciderAdapter(Adapter):
    """Cases held in memory and run through a decider (`restorative.decide` by default).

    The reference system: `CaseStateMachine` uses it unless `make_adapter` says otherwise,
    and it is how to put a variant decider (a function with the shape of
    `restorative.decide`) under the same checks.

    Args:
        decide: the decider that judges each command.
    """

    def __init__(self, decide: Decide = _decide) -> None:
        if not callable(decide):
            arguments.refuse("DeciderAdapter", "decide", "a decider, such as restorative.decide", decide)
        self.decide = decide
        self.cases: dict[str, Case] = {}

    def send(self, case_id: str, command: Command) -> Sequence[Event]:
        """Decide `command` on the case held under `case_id` (none yet for a referral) and keep the result.

        Returns:
            The events the decider made.

        Raises:
            RestorativeError: the decider's refusal; the held case is left as it was.
        """
        case = self.cases.get(case_id)
        events = self.decide(case, command)
        if events:
            self.cases[case_id] = replay(events, start=case)
        return events

    def load(self, case_id: str) -> Case | None:
        """The case held under `case_id`, or ``None`` before its referral."""
        return self.cases.get(case_id)


class StoreAdapter(Adapter):
    """Cases kept in an `EventStore` through its `handle`: the store's persistence under test.

    Every command goes through ``store.handle`` and every check reads ``store.load``, so a
    store that loses, reorders or half-writes events fails the rule checks.

    Args:
        store: the store to send commands to; `close` closes it.
    """

    def __init__(self, store: EventStore) -> None:
        if not callable(getattr(store, "handle", None)) or not callable(getattr(store, "load", None)):
            arguments.refuse("StoreAdapter", "store", "an event store (with handle and load)", store)
        self.store = store

    def send(self, case_id: str, command: Command) -> Sequence[Event]:
        """Send `command` through ``store.handle(case_id, command)``.

        Returns:
            The events the store appended.

        Raises:
            RestorativeError: the refusal, or the store's own error (such as `ConcurrencyError`).
        """
        return self.store.handle(case_id, command)[1]

    def load(self, case_id: str) -> Case | None:
        """The case as the store loads it (raises `CaseNotFound` when it holds none)."""
        return self.store.load(case_id)

    def close(self) -> None:
        """Close the store."""
        self.store.close()
