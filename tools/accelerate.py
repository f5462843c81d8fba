"""Build or remove the optional compiled accelerator: the core and the simulator compiled with mypyc.

    python tools/accelerate.py build   # compile in place: a .so beside each module below
    python tools/accelerate.py clean   # remove them; the pure-Python modules are used again

The compiled modules behave as the pure ones (CI runs the whole suite on both); Python
imports the compiled module when one sits beside the source. Needs the `accelerate`
extra (mypy, which ships mypyc, and setuptools) and a C compiler.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "restorative"
GROUP = "restorative_speedups"
"""The name of mypyc's shared library: a fixed, readable top-level module."""
MODULES = (
    "_checks.py",
    "_rules.py",
    "_replace.py",
    "_lifecycle.py",
    "process/_dispatch.py",
    "process/_guards.py",
    "process/_registry.py",
    "process/_referral.py",
    "process/_mediators.py",
    "process/_consent.py",
    "process/_preparation.py",
    "process/_meeting.py",
    "process/_agreement.py",
    "process/_follow_up.py",
    "process/_withdrawal.py",
    "process/_reports.py",
    "simulation/_draws.py",
    "simulation/_agent.py",
    "simulation/_des.py",  # its agent subclasses the compiled one, which an interpreted class may not
    "_eventlog/log.py",
    "simulation/_kpis.py",
)
"""The modules compiled, relative to the package: the rules and dispatch, and the simulator's hot loop."""

_SETUP = """
import sys
from setuptools import setup
from mypyc.build import mypycify
setup(name="restorative-speedups", ext_modules=mypycify(sys.argv[3:], opt_level="3", group_name={group!r}),
      script_args=["build_ext", "--inplace"])
"""


def built() -> list[Path]:
    """Return the compiled files present now."""
    return [*PACKAGE.rglob("*.so"), *(ROOT / "src").glob(f"{GROUP}*.so")]


def build() -> None:
    """Compile `MODULES` in place under ``src/``."""
    paths = [str(Path("restorative") / name) for name in MODULES]
    env = {**os.environ, "MYPYPATH": str(ROOT / "src")}
    code = _SETUP.format(group=GROUP)
    subprocess.run(
        [sys.executable, "-c", code, "build_ext", "--inplace", *paths], cwd=ROOT / "src", env=env, check=True
    )


def clean() -> None:
    """Remove every compiled file, so the pure modules are imported again."""
    for path in built():
        path.unlink()
    shutil.rmtree(ROOT / "src" / "build", ignore_errors=True)


def main() -> None:
    """Build or clean, as the command line asks."""
    action = sys.argv[1] if len(sys.argv) > 1 else ""
    if action == "build":
        build()
        print(f"compiled {len(MODULES)} modules: {', '.join(p.name for p in built())}")
    elif action == "clean":
        clean()
    else:
        sys.exit("usage: python tools/accelerate.py build|clean")


if __name__ == "__main__":
    main()
