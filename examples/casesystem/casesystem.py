"""A tiny case system that embeds restorative: the kind of service layer the testing kit tests.

It keeps its cases in restorative's SQLite store and speaks in its own terms: it
answers a refused command with a `Rejection` carrying an HTTP-like status and the rule
id, the way a web API would, and it records an audit line for every accepted command.
"""

from __future__ import annotations

from collections.abc import Sequence

import restorative as r
from restorative.store import SQLiteStore


class Rejection(Exception):
    """The service's own refusal: a status code, the rule id (if any) and a message."""

    def __init__(self, status: int, rule: str | None, message: str, possible: tuple[str, ...] = ()) -> None:
        super().__init__(f"{status} {rule or ''}: {message}")
        self.status = status
        self.rule = rule
        self.message = message
        self.possible = possible


class CaseService:
    """Case handling for caseworkers: refer cases, send commands, read cases back."""

    def __init__(self, path: str = ":memory:") -> None:
        self.store = SQLiteStore(path)
        self.audit: list[str] = []

    def submit(self, case_id: str, command: r.Command) -> Sequence[r.Event]:
        """Decide and store one command; refusals become a `Rejection` (409 for a rule, 422 for bad input)."""
        try:
            _, events = self.store.handle(case_id, command)
        except r.errors.StageError as wrong_stage:
            raise Rejection(409, wrong_stage.rule, wrong_stage.hint, wrong_stage.possible) from wrong_stage
        except r.errors.Refused as refused:
            raise Rejection(409, refused.rule, refused.hint) from refused
        except r.errors.InvalidInput as invalid:
            raise Rejection(422, None, str(invalid)) from invalid
        self.audit.append(f"{case_id}: {type(command).__name__} by {command.actor.id}")
        return events

    def case(self, case_id: str) -> r.Case:
        """The stored case, replayed and chain-checked."""
        return self.store.load(case_id)

    def close(self) -> None:
        """Close the database."""
        self.store.close()
