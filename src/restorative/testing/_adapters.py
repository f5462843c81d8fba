"""Adapters: how the testing kit sends commands to the system under test."""

from __future__ import annotations

from collections.abc import Sequence

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
    """Cases held in memory and run through a decider (`restorative.decide` by default)."""

    def __init__(self, decide: Decide = _decide) -> None:
        self.decide = decide
        self.cases: dict[str, Case] = {}

    def send(self, case_id: str, command: Command) -> Sequence[Event]:
        case = self.cases.get(case_id)
        events = self.decide(case, command)
        if events:
            self.cases[case_id] = replay(events, start=case)
        return events

    def load(self, case_id: str) -> Case | None:
        return self.cases.get(case_id)


class StoreAdapter(Adapter):
    """Cases kept in an `EventStore` through its `handle`: the store's persistence under test."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def send(self, case_id: str, command: Command) -> Sequence[Event]:
        return self.store.handle(case_id, command)[1]

    def load(self, case_id: str) -> Case | None:
        return self.store.load(case_id)

    def close(self) -> None:
        """Close the store."""
        self.store.close()
