"""A calibrated scenario as TOML: what `Scenario.from_toml` reads back, with a comment on every estimate.

Written by hand (the standard library reads TOML but does not write it): the scenario's
plain data holds only tables, text, numbers, booleans and pairs of whole numbers, and
`repr` of a float is a TOML float that reads back as the same number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._fit import Parameter

if TYPE_CHECKING:
    from ._calibrate import Calibration


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def _bare(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else json.dumps(key)


def _comment(p: Parameter) -> str:
    if p.low is not None and p.high is not None:
        span = f"95 % interval {p.low:.4g} to {p.high:.4g}"
    elif p.se is not None:
        span = f"standard error {p.se:.3g}"
    else:
        span = "no interval"
    return f"# {span}; n = {p.n:,}; {p.method}"


def _table(lines: list[str], path: str, data: Mapping[str, Any], notes: Mapping[str, str]) -> None:
    """Write one table: its plain keys first, then each sub-table under its own header."""
    subtables = [(k, v) for k, v in data.items() if isinstance(v, Mapping)]
    if path:
        lines.append("")
        if path in notes:
            lines.append(notes[path])
        lines.append(f"[{path}]")
    for key, value in data.items():
        if isinstance(value, Mapping):
            continue
        dotted = f"{path}.{key}" if path else key
        if dotted in notes:
            lines.append(notes[dotted])
        lines.append(f"{_bare(key)} = {_value(value)}")
    for key, value in subtables:
        _table(lines, f"{path}.{_bare(key)}" if path else _bare(key), value, notes)


def scenario_toml(calibration: Calibration, when: datetime | None) -> str:
    """The calibrated scenario as commented TOML (see `Calibration.to_toml`)."""
    from .. import __version__  # noqa: PLC0415 - the package imports this module

    notes: dict[str, str] = {p.key: _comment(p) for p in calibration.parameters}
    for key, reason in calibration.kept:
        notes.setdefault(key, f"# kept from the base scenario: {reason}")
    for step in calibration.steps:
        key = f"durations.{step.step}"
        if step.chosen is None:
            continue
        ranked = sorted((c for c in step.candidates if c.aic is not None), key=lambda c: c.aic or 0.0)
        aics = ", ".join(f"{c.dist} {c.aic:.1f}" for c in ranked)
        line = f"# {step.chosen}, n = {step.n:,}" + (f"; AIC {aics}" if aics else "")
        if step.interrupted:
            line += f"; {step.interrupted:,} cut short by a withdrawal (left out)"
        if step.note:
            line += f"\n# {step.note}"
        notes[key] = line
    source = Path(calibration.source).name if calibration.source else "a log passed in"
    head = [
        f"# Calibrated by restorative {__version__} from {source} ({calibration.format})",
        f"# sha256 {calibration.sha256}" if calibration.sha256 else "# sha256 unknown (not read from a file)",
    ]
    if when is not None:
        head.append(f"# at {when.isoformat(timespec='seconds')}")
    head.append(f"# {calibration.cases:,} cases, {calibration.events:,} events")
    head.append("# Each estimate has its 95 % interval and sample size in the comment above it;")
    head.append("# a value kept from the base scenario says why the log does not show it.")
    lines = list(head)
    lines.append("")
    _table(lines, "", calibration.scenario.to_data(), notes)
    return "\n".join(lines) + "\n"
