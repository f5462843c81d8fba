"""`restorative calibrate`: fit a scenario to a log of cases, write it as TOML, report the fit."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from ..errors import InvalidInput
from ..simulation import Calibration, calibrate
from ._output import document, one_line


def _out(text: str, force: bool) -> Path:
    """The --out file, refused before anything is read when it is there and --force is not given."""
    path = Path(text)
    if path.is_dir():
        raise InvalidInput(f"--out {path} is a folder; give the scenario file to write, e.g. fitted.toml", field="out")
    if path.exists() and not force:
        raise InvalidInput(f"--out {path} exists; choose a new file, or add --force to replace it", field="out")
    if not path.parent.is_dir():
        raise InvalidInput(f"--out {path}: the folder {path.parent} does not exist", field="out")
    return path


def _data(calibration: Calibration) -> dict[str, Any]:
    return {
        "source": calibration.source,
        "sha256": calibration.sha256,
        "format": calibration.format,
        "cases": calibration.cases,
        "events": calibration.events,
        "parameters": [attrs.asdict(p) for p in calibration.parameters],
        "steps": [attrs.asdict(s) for s in calibration.steps],
        "kept": [{"key": key, "reason": reason} for key, reason in calibration.kept],
    }


def run_calibrate(args: argparse.Namespace) -> int:
    """`restorative calibrate LOG --out FILE`: the fitted scenario to FILE, the fit report to stdout."""
    out = _out(args.out, args.force)
    calibration = calibrate(args.log, format=args.format, mapping=args.mapping)
    text = calibration.to_toml(when=datetime.now(UTC))
    report = calibration.fit_report(cases=args.check, seed=args.seed)
    temporary = out.with_name(out.name + ".partial")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(out)  # whole or not at all
    if args.json:
        document({**_data(calibration), "out": str(out), "fit": report.to_data()})
        return 0
    lines = [
        f"calibrated from {calibration.source} ({calibration.cases:,} cases, {calibration.events:,} events) into {out}",
        f"{'step':<16}{'n':>8}  {'chosen':<12}parameters",
    ]
    fitted = calibration.scenario.durations
    for step in calibration.steps:
        shape = getattr(fitted, step.step)
        chosen = step.chosen or "kept"
        params = ", ".join(f"{k} {v:g}" for k, v in shape.params)
        lines.append(f"{step.step:<16}{step.n:>8,}  {chosen:<12}{params}")
    if calibration.kept:
        lines.append("kept from the base scenario: " + ", ".join(key for key, _ in calibration.kept))
    lines.extend(report.text().splitlines())
    for line in lines:
        sys.stdout.write(one_line(line, 2_000) + "\n")
    return 0
