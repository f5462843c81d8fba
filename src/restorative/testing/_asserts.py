"""Assertions on commands whose failure messages name the rule and show the history.

By default they ask `restorative.decide`, so they state what the rules say about a case.
Given an `adapter`, they send the command to your system instead (which must already
hold the case) and check its answer, and that a refusal left its stored case alone (R16).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import _arguments as arguments
from .._rules import RULES
from .._timeline import describe, describe_command
from .._values import Actor, ActorKind, Case
from ..commands import COMMAND_TYPES, Command, Withdraw
from ..errors import Refused, RestorativeError
from ..events import Event
from ..process._mediation import decide
from ._adapters import Adapter
from ._drive import History


def _checked(
    function: str, of: Any, command: Any, adapter: Any, rule: Any = None
) -> tuple[History, Command, Adapter | None]:
    """The arguments every assertion takes, refused with `InvalidInput` naming the one of the wrong type."""
    arguments.instance(function, "of", of, (Case, History), "a Case or a History")
    arguments.instance(function, "command", command, COMMAND_TYPES, "a command, such as restorative.GiveConsent")
    arguments.optional(function, "rule", rule, str, 'a rule id such as "R8"')
    if adapter is not None and not callable(getattr(adapter, "send", None)):
        arguments.refuse(function, "adapter", "an Adapter (with send and load) or None", adapter)
    return _history(of), command, adapter


def _send(history: History, command: Command, adapter: Adapter | None) -> tuple[Event, ...]:
    if adapter is None:
        return decide(history.case, command)
    return tuple(adapter.send(history.case.id, command))


def _unchanged(history: History, adapter: Adapter | None, command: Command) -> None:
    stored = None if adapter is None else adapter.load(history.case.id)
    if stored is not None and stored != history.case:
        raise AssertionError(
            f"R16: {describe_command(command)} was refused, but the stored case changed\n{_context(history)}"
        )


def _history(of: Case | History) -> History:
    return of if isinstance(of, History) else History(case=of, commands=(), events=())


def _context(history: History) -> str:
    case = history.case
    head = f"case {case.id} in stage {case.stage.value}, version {case.version}"
    if not history.events:
        return head
    return head + ", after:\n" + "\n".join("  " + line for line in history.timeline().splitlines())


def _rule(rule: str | None) -> str:
    if rule is None:
        return "the stage"
    known = RULES.get(rule)
    return rule if known is None else f"{rule} ({known.text})"


def assert_refused(
    of: Case | History, command: Command, rule: str | None = None, *, adapter: Adapter | None = None
) -> Refused:
    """Assert the case refuses `command`, by `rule` if given (``"R8"``); return the error.

    With `adapter`, the command goes to your system, which must refuse it with the same
    rule and leave its stored case as it was.

    Raises:
        AssertionError: the command was accepted, malformed, or refused by another rule;
            the message names the rules and shows the history.
        InvalidInput: an argument of the wrong type (a test to fix, not a rule broken).
    """
    history, command, adapter = _checked("assert_refused", of, command, adapter, rule)
    expected = "" if rule is None else f" by {rule}"
    try:
        events = _send(history, command, adapter)
    except Refused as error:
        _unchanged(history, adapter, command)
        if rule is not None and error.rule != rule:
            raise AssertionError(
                f"expected {describe_command(command)} to be refused by {_rule(rule)};\n"
                f"it was refused by {error.rule or 'the stage'} instead: {error}\n{_context(history)}"
            ) from error
        return error
    except RestorativeError as error:
        raise AssertionError(
            f"expected {describe_command(command)} to be refused{expected};"
            f" it failed with {type(error).__name__} instead: {error}\n" + _context(history)
        ) from error
    recorded = "; ".join(describe(event) for event in events)
    raise AssertionError(
        f"expected {describe_command(command)} to be refused{'' if rule is None else ' by ' + _rule(rule)};\n"
        f"it was accepted and recorded: {recorded}\n{_context(history)}"
    )


def assert_accepted(of: Case | History, command: Command, *, adapter: Adapter | None = None) -> History:
    """Assert the case accepts `command`; return the history after it.

    Given a bare case, the returned history holds only this command and its events. With
    `adapter`, the command goes to your system and the history holds the events it returned.

    Raises:
        AssertionError: the command was refused; the message names the rule, its hint
            and the history.
        InvalidInput: an argument of the wrong type (a test to fix, not a rule broken).
    """
    history, command, adapter = _checked("assert_accepted", of, command, adapter)
    try:
        events = _send(history, command, adapter)
    except Refused as error:
        raise AssertionError(
            f"expected {describe_command(command)} to be accepted;\n"
            f"it was refused by {_rule(error.rule)}: {error}\n{_context(history)}"
        ) from error
    except RestorativeError as error:  # malformed input, or a system that lost the case
        raise AssertionError(
            f"expected {describe_command(command)} to be accepted;\n"
            f"it failed with {type(error).__name__} instead: {error}\n{_context(history)}"
        ) from error
    return history.after(command, events)


def assert_withdrawal_accepted(
    of: Case | History,
    party_id: str,
    *,
    at: datetime | None = None,
    guardian: str | None = None,
    adapter: Adapter | None = None,
) -> History:
    """Assert `party_id` (or their `guardian`) may withdraw now, as R1 promises; return the history after it.

    Raises:
        AssertionError: the withdrawal was refused.
        InvalidInput: an argument of the wrong type (a test to fix, not a rule broken).
    """
    function = "assert_withdrawal_accepted"
    arguments.instance(function, "of", of, (Case, History), "a Case or a History")
    arguments.instance(function, "party_id", party_id, str, "a party's id")
    arguments.optional(function, "guardian", guardian, str, "a guardian's id")
    history = _history(of)
    actor = (
        Actor(id=party_id, kind=ActorKind.PARTY) if guardian is None else Actor(id=guardian, kind=ActorKind.GUARDIAN)
    )
    when = history.case.updated_at if at is None else at
    return assert_accepted(history, Withdraw(actor=actor, at=when, party_id=party_id), adapter=adapter)
