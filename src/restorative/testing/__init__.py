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

Every name is imported when first used, so loading the pytest plugin costs a suite that
uses none of it no more than importing restorative's core; Hypothesis in particular is
imported only with `strategies` or `CaseStateMachine`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..verify import Cast
    from . import strategies
    from ._adapters import Adapter, DeciderAdapter, StoreAdapter
    from ._asserts import assert_accepted, assert_refused, assert_withdrawal_accepted
    from ._drive import History
    from ._factory import CaseFactory, Clock
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

_HOMES = {
    "Adapter": "._adapters",
    "DeciderAdapter": "._adapters",
    "StoreAdapter": "._adapters",
    "assert_accepted": "._asserts",
    "assert_refused": "._asserts",
    "assert_withdrawal_accepted": "._asserts",
    "History": "._drive",
    "CaseFactory": "._factory",
    "Clock": "._factory",
    "CaseStateMachine": "._machine",
    "Cast": "..verify",
}
"""Where each public name lives, for the lazy import below."""


def __getattr__(name: str) -> Any:
    if name == "strategies":
        return importlib.import_module(".strategies", __name__)
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
