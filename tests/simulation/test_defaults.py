"""The scenario defaults are norway.toml's, and docs/simulation.md lists each of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from restorative.simulation import Distribution, Scenario

ROOT = Path(__file__).parent.parent.parent
RUN_SETTINGS = {"name", "description", "cases", "seed"}
"""What a run sets for itself; the rest is the model, and Scenario() has norway.toml's."""


def _shown(value: Any) -> str:
    if isinstance(value, Distribution):
        return f"{value.dist}({', '.join(f'{k}={v:g}' for k, v in value.params)})" if value.params else value.dist
    if isinstance(value, tuple) and value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return ", ".join(f"{k}: {v:g}" for k, v in value)
    if isinstance(value, tuple):
        return " to ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _flat(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
    found = []
    for f in attrs.fields(type(obj)):
        value = getattr(obj, f.name)
        key = prefix + f.name
        if key in RUN_SETTINGS or key == "policy":
            continue
        if attrs.has(type(value)) and not isinstance(value, Distribution):
            found += _flat(value, key + ".")
        elif key == "behaviour.withdrawal":
            found += [(f"{key}.{stage}", chance) for stage, chance in value]
        else:
            found.append((key, value))
    return found


def rows() -> list[str]:
    """The table's rows: `key` and its default, as docs/simulation.md shows them."""
    return [f"| `{key}` | {_shown(value)} |" for key, value in _flat(Scenario())]


def test_the_defaults_are_norway_toml_but_for_the_run_settings() -> None:
    norway = Scenario.from_toml(ROOT / "examples" / "scenarios" / "norway.toml")
    assert _flat(Scenario()) == _flat(norway)
    assert Scenario().policy == norway.policy


def test_the_docs_list_every_default() -> None:
    page = (ROOT / "docs" / "simulation.md").read_text(encoding="utf-8")
    missing = [row for row in rows() if not any(line.startswith(row[:-1]) for line in page.splitlines())]
    assert not missing, "docs/simulation.md lacks these defaults (key | default | source):\n" + "\n".join(missing)
