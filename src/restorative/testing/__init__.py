"""The testing kit: assert the process rules from your own test suite.

* `strategies` (needs Hypothesis): policies, referrals, cases and histories reached by
  real commands, valid next commands, invalid commands with the rule they break.
* `CaseStateMachine` (needs Hypothesis): a stateful test base class; plug in your
  system through an `Adapter` and inherit every rule check.
* Assertions whose failures name the rule and show the history: `assert_refused`,
  `assert_accepted`, `assert_withdrawal_accepted`.
* `History`, `Clock` and `CaseFactory`, which the pytest plugin (loaded automatically
  when restorative is installed) offers as the fixtures ``restorative_clock``,
  ``restorative_store`` and ``restorative_cases``.

Hypothesis is imported only when `strategies` or `CaseStateMachine` is first used, so
the pytest plugin costs nothing in suites that do not use them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .._alphabet import Cast
from ._adapters import Adapter, DeciderAdapter, StoreAdapter
from ._asserts import assert_accepted, assert_refused, assert_withdrawal_accepted
from ._drive import History
from ._factory import CaseFactory, Clock

if TYPE_CHECKING:
    from . import strategies
    from ._machine import CaseStateMachine

__all__ = [
    "Adapter",
    "CaseFactory",
    "CaseStateMachine",
    "Cast",
    "Clock",
    "DeciderAdapter",
    "History",
    "StoreAdapter",
    "assert_accepted",
    "assert_refused",
    "assert_withdrawal_accepted",
    "strategies",
]


def __getattr__(name: str) -> Any:
    if name == "strategies":
        return importlib.import_module(".strategies", __name__)
    if name == "CaseStateMachine":
        return importlib.import_module("._machine", __name__).CaseStateMachine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
