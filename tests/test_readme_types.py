"""The README's tour type-checks as a user's own file: `mypy --strict` on its python blocks, outside this project."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.test_docs import ROOT, python_blocks


def test_the_readme_tour_passes_mypy_strict_in_a_users_file(tmp_path: Path) -> None:
    blocks = python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 3
    tour = tmp_path / "my_case_system.py"  # one file, the blocks in order, as a user would paste them
    tour.write_text("\n".join(source for _, source in blocks), encoding="utf-8")
    empty = tmp_path / "mypy.ini"  # not this project's settings: a user's file sees only the installed package
    empty.write_text("[mypy]\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(empty),
            "--cache-dir",
            str(tmp_path / "cache"),
            str(tour),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert 0 == result.returncode, f"the README's python blocks fail mypy --strict:\n{result.stdout}{result.stderr}"
