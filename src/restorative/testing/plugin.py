"""The pytest plugin of the testing kit, registered through the ``pytest11`` entry point.

Fixtures:

* ``restorative_clock``: a `Clock` that stands still until the test moves it.
* ``restorative_store``: a fresh `SQLiteStore` in the test's temporary directory.
* ``restorative_cases``: a `CaseFactory` on that clock and store:
  ``restorative_cases(Stage.MEETING)`` returns the `History` of a case in that stage.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # imported in the fixtures: a suite that uses none of them imports only restorative's core
    from ..store import SQLiteStore
    from ._factory import CaseFactory, Clock


@pytest.fixture
def restorative_clock() -> Clock:
    """Give the test a clock that starts at a fixed time."""
    from ._factory import Clock

    return Clock()


@pytest.fixture
def restorative_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    """Give the test a fresh SQLite event store in its temporary directory, closed afterwards."""
    from ..store import SQLiteStore

    store = SQLiteStore(str(tmp_path / "restorative.db"))
    yield store
    store.close()


@pytest.fixture
def restorative_cases(restorative_clock: Clock, restorative_store: SQLiteStore) -> CaseFactory:
    """Make cases in any stage by real commands; each is appended to ``restorative_store``."""
    from ._factory import CaseFactory

    return CaseFactory(restorative_clock, restorative_store)
