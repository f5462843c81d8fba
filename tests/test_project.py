"""Promises of the repository itself: the Quick start, CI, and the changelog."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _quick_start() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the Quick start holds one bash block"
    return [line for line in blocks[0].splitlines() if line.strip()]


def test_quick_start_has_exactly_two_commands() -> None:
    lines = _quick_start()
    assert 2 == len(lines)
    assert lines[0].endswith("restorative demo")
    for tool in ("pytest", "mypy --strict", "ruff check", "ruff format --check", "mkdocs build --strict"):
        assert tool in lines[1]


def test_ci_runs_the_quick_start_test_line() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "## Quick start" in script
    assert 'bash -euo pipefail -c "$line"' in script


def test_changelog_has_an_unreleased_section() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in text
    assert "### Added" in text.split("## [Unreleased]", 1)[1]


def _printed_by(code: str) -> str:
    """What `code` prints in a fresh interpreter: imports counted there are this test's alone."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_core_imports_only_the_card_dependencies() -> None:
    code = (
        "import sys, restorative; "
        "third = {m.split('.')[0] for m in sys.modules} - set(sys.stdlib_module_names) - {'restorative'}; "
        "print(sorted(third))"
    )
    out = _printed_by(code)
    allowed = {"attr", "attrs", "cattrs", "transitions", "typing_extensions", "exceptiongroup", "six"}
    allowed.add("tzdata")  # zoneinfo's fallback where the system has no time zone database (Windows)
    allowed.add("restorative_speedups__mypyc")  # the optional accelerator's shared library (tools/accelerate.py)
    imported = {name for name in eval(out) if not name.startswith("_")}
    assert imported <= allowed, out


def test_the_pytest_plugin_loads_nothing_beyond_the_core() -> None:
    """Every pytest run in an environment with restorative loads the plugin; it must stay cheap."""
    code = (
        "import sys, restorative; before = set(sys.modules);"
        "import restorative.testing.plugin;"
        "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in {'hypothesis', 'restorative'}))"
    )
    assert _printed_by(code) == "['restorative.testing', 'restorative.testing.plugin']"


def test_core_imports_only_the_card_and_optional_parts_stay_lazy() -> None:
    """The core needs transitions, attrs and cattrs alone; pm4py never appears under src/."""
    code = (
        "import sys, restorative, restorative.privacy, restorative.simulation, restorative.store, restorative.verify;"
        "heavy = {'pyarrow', 'matplotlib', 'rich', 'dask', 'distributed', 'pm4py', 'psycopg', 'hypothesis',"
        " 'cryptography'};"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    assert _printed_by(code) == "[]"
    for path in (ROOT / "src").rglob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+pm4py", path.read_text(encoding="utf-8"), re.M), path
