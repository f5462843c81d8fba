"""The research commands: verify and paths (the model checker), simulate and compare."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from .. import simulation, verify
from .._eventlog.formats import output, unknown
from .._lifecycle import Stage
from .._policy import Policy
from .._timeline import describe_command
from ..errors import InvalidInput, ScenarioError
from ..simulation._kpis import check_kpis
from ..simulation._plots import PLOT_FILES
from ..simulation._reading import policy_file
from ..simulation._runner import check_out
from ._output import Bar

POLICY_NAMES = {"norway": Policy.norway}
"""The policies `--policy` takes by name; any other value is a TOML file."""


def chosen_policy(text: str) -> Policy:
    """The policy that `--policy` names: ``norway``, or a TOML file read as a scenario's ``[policy]`` table."""
    named = POLICY_NAMES.get(text)
    if named is not None:
        return named()
    path = Path(text)
    if not path.is_file():
        names = ", ".join(POLICY_NAMES)
        raise InvalidInput(
            f"--policy {text!r} is neither a policy name ({names}) nor a file; give a TOML file with a [policy] "
            "table, as in a scenario, e.g. examples/scenarios/norway.toml",
            field="policy",
        )
    return policy_file(path)


def _configurations(parties: int, policy: str | None) -> tuple[verify.Configuration, ...] | None:
    """The default configurations under the one policy `--policy` names, or ``None`` (the defaults) without it."""
    if policy is None:
        return None
    chosen = chosen_policy(policy)
    return tuple(dict.fromkeys(attrs.evolve(c, policy=chosen) for c in verify.Configuration.defaults(parties)))


def run_verify(args: argparse.Namespace) -> int:
    """`restorative verify`: explore every reachable state of bounded cases and check every rule."""
    bar = Bar()
    result = verify.explore(
        args.parties,
        configurations=_configurations(args.parties, args.policy),
        progress=lambda done, total, configuration: bar.line(done, total, configuration.label),
        workers=args.workers,
    )
    if args.json:
        print(json.dumps(result.summary()))
        return 1 if result.violations else 0
    print(
        f"explored {result.configurations} configurations of {args.parties}-party cases: "
        f"{result.states:,} states, {result.transitions:,} transitions, {result.refusals:,} refusals "
        f"in {result.seconds:.1f} s"
    )
    print(
        f"stages reached: {len(result.stages)}/{len(Stage)}; "
        f"machine transitions exercised: {len(result.exercised & verify.transitions())}/{len(verify.transitions())}"
    )
    if not result.violations:
        print("violations: none; every rule held in every state")
        return 0
    print(f"violations: {len(result.violations)}")
    for finding in result.violations:
        print(finding)
    return 1


def run_paths(args: argparse.Namespace) -> int:
    """`restorative paths`: the shortest command sequence to every stage and transition."""
    shown = 0
    for path in verify.paths(args.parties, configurations=_configurations(args.parties, args.policy)):
        if args.target and args.target not in path.target:
            continue
        shown += 1
        print(f"{path.target}  ({len(path.commands)} commands; {path.configuration.label})")
        for number, command in enumerate(path.commands, 1):
            print(f"  {number:>3}. {describe_command(command)}")
    if not shown:
        print(f"error: no target contains {args.target!r}; try 'stage fulfilled' or 'withdraw'", file=sys.stderr)
        return 1
    return 0


def _sim_progress() -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A rich progress bar on stderr when rich is installed, else the plain one."""
    try:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn  # noqa: PLC0415
    except ImportError:
        plain = Bar()
        return (lambda done, total: plain.line(done, total, "cases")), (lambda: None)
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=False,
    )
    task = bar.add_task("simulating", total=None)
    bar.start()

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return update, bar.stop


def _plots(kpis: dict[str, Any], folder: Path, other: dict[str, Any] | None = None) -> None:
    try:
        files = simulation.plot_run(kpis, folder) if other is None else simulation.plot_comparison(other, kpis, folder)
    except ImportError as error:
        print(f"plots skipped: {error}", file=sys.stderr)
        return
    print(f"plots: {', '.join(p.name for p in files)}")


def formats(text: str) -> list[str]:
    """The value of ``--formats``: names separated by commas, each a format (argparse names the flag)."""
    names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    for name in names:
        if output(name) is None:
            raise argparse.ArgumentTypeError(unknown(name))
    return names


def _with_flag(scenario: simulation.Scenario, flag: str, key: str, value: int | None) -> simulation.Scenario:
    """The scenario with a flag's value for `key`; a value the scenario refuses is the flag's error."""
    if value is None:
        return scenario
    try:
        return scenario.replace(**{key: value})
    except ScenarioError as error:
        reason = str(error).removeprefix(f"scenario key {key}: ")
        raise InvalidInput(f"{flag} {value}: {reason}", field=flag) from None


def run_simulate(args: argparse.Namespace) -> int:
    """`restorative simulate`: a scenario's cases, their event logs, KPIs and plots."""
    scenario = simulation.Scenario.from_toml(Path(args.scenario))
    scenario = _with_flag(_with_flag(scenario, "--cases", "cases", args.cases), "--seed", "seed", args.seed)
    out = Path(args.out)
    check_out(out, force=args.force, flags=True)
    update, stop = _sim_progress() if sys.stderr.isatty() or args.progress else ((lambda d, t: None), lambda: None)
    try:
        result = simulation.simulate(
            scenario,
            out,
            workers=args.workers,
            formats=args.formats,
            dask=args.dask,
            progress=update,
            force=args.force,
        )
    finally:
        stop()
    print(simulation.table(result.kpis))
    rate = result.kpis["cases"] / result.seconds if result.seconds else 0.0
    print(f"wrote {', '.join(str(p) for p in result.files.values())} in {result.seconds:.1f} s ({rate:,.0f} cases/s)")
    if not args.no_plots:
        for name in PLOT_FILES if args.force else ():  # no earlier run's plot stays if these cannot be drawn
            if (out / name).is_file() or (out / name).is_symlink():
                (out / name).unlink()
        _plots(result.kpis, out)
    return 0


def _read_kpis(folder: str) -> dict[str, Any]:
    path = Path(folder) / "kpis.json"
    if not path.is_file():
        raise InvalidInput(f"no kpis.json in {folder}; run `restorative simulate ... --out {folder}` first")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as error:  # unreadable, not UTF-8, not JSON, nested too deep
        raise InvalidInput(f"{path} cannot be read as a run's KPIs: {error}") from error
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} is not the kpis.json of a simulation run (it holds no object)")
    check_kpis(data, str(path))  # every figure compared, of the right type: named when it is not
    return data


def run_compare(args: argparse.Namespace) -> int:
    """`restorative compare`: the KPIs of two simulation runs, B against A."""
    a, b = _read_kpis(args.a), _read_kpis(args.b)
    diff = simulation.compare(a, b)
    print(simulation.compare_table(diff))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "comparison.json").write_text(json.dumps(diff, indent=2) + "\n", encoding="utf-8")
        if not args.no_plots:
            _plots(b, out, other=a)
    return 0


def run_sweep(args: argparse.Namespace) -> int:
    """`restorative sweep`: one scenario key over values, each replicated with common random numbers."""
    from ..simulation._sweep import parse_values  # noqa: PLC0415 - the parser of --vary lives with the sweep

    key, equals, given = args.vary.partition("=")
    if not equals or not key.strip():
        raise InvalidInput(f"--vary takes KEY=V1,V2,..., e.g. behaviour.agreement=0.7,0.9; got {args.vary!r}"[:300])
    scenario = simulation.Scenario.from_toml(Path(args.scenario))
    values = parse_values(given)
    bar = Bar()
    done = simulation.sweep(
        scenario,
        key.strip(),
        values,
        replications=args.replications,
        cases=args.cases,
        workers=args.workers,
        dask=args.dask,
        progress=lambda runs, total: bar.line(runs, total, "runs") if sys.stderr.isatty() else None,
    )
    if args.out is not None:
        folder = Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "sweep.json").write_text(json.dumps(done.to_data(), indent=2) + "\n", encoding="utf-8")
        (folder / "sweep.csv").write_text(done.csv(), encoding="utf-8")
        written = ["sweep.json", "sweep.csv"]
        if not args.no_plots:
            try:
                written += [p.name for p in simulation.plot_sweep(done, folder)]
            except ImportError as error:
                print(f"plots skipped: {error}", file=sys.stderr)
    if args.json:
        print(json.dumps(done.to_data()))
        return 0
    print(done.text())
    if args.out is not None:
        print(f"wrote {', '.join(written)} in {args.out}")
    return 0
