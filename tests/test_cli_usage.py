"""What the command line tells its user: --version, a paragraph of help per command, rules an installed
package can explain, a policy for paths and verify, and a demo that says what a second run does."""

from __future__ import annotations

import importlib.metadata
import json
import re
from pathlib import Path

import pytest

import restorative as r
from restorative._cli import main
from restorative._cli._main import _parser


def test_version_prints_the_library_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert 0 == stopped.value.code
    assert f"restorative {r.__version__}\n" == capsys.readouterr().out
    assert importlib.metadata.version("restorative") == r.__version__


def _words(text: str) -> str:
    return " ".join(text.split())


def test_every_command_has_a_paragraph_of_help(capsys: pytest.CaptureFixture[str]) -> None:
    _, commands = _parser()
    assert len(commands) >= 12
    for name, parser in commands.items():
        description = parser.description or ""
        assert description.count(". ") >= 1, f"{name} has no paragraph of help, only {description!r}"
        with pytest.raises(SystemExit):
            main([name, "--help"])
        shown = _words(capsys.readouterr().out)
        assert _words(description) in shown, name


def test_rules_print_their_sources_and_citations_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["rules"])
    out = capsys.readouterr().out
    assert "docs/" not in out, "an installed package has no docs folder to point to"
    for rule in r.RULES.values():
        assert f"\n{rule.id} " in "\n" + out
    assert "sources: law, practice; cites: strpl § 71 a; vergemålsloven; UN Basic Principles 2002/12\n" in out
    assert "  law       the Mediation Service Act (konfliktrådsloven)" in out
    assert "strpl: straffeprosessloven, the Criminal Procedure Act" in out
    assert 0 == main(["rules", "r8", "R14"])
    two = capsys.readouterr().out
    assert re.findall(r"^R\d+", two, flags=re.M) == ["R8", "R14"]
    assert 1 == main(["rules", "R99"])
    assert capsys.readouterr().err.startswith("error: no rule R99; the rules are R1, R2")


def test_rules_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["rules", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert list(r.RULES) == [rule["id"] for rule in data["rules"]]
    r9 = data["rules"][8]
    assert {"id": "R9", "sources": ["law", "practice", "choice"], "cites": ["konfliktrådsloven § 1"]} == {
        k: r9[k] for k in ("id", "sources", "cites")
    }
    assert {"seed", "law", "practice", "choice"} == set(data["sources"])
    assert "docs/" not in json.dumps(data)


def test_paths_and_verify_take_a_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("week.toml").write_text('[policy]\nname = "one-week"\ncriminal_cooling_off_days = 7\n', encoding="utf-8")
    Path("bare.toml").write_text('name = "bare"\npreparatory_talks_required = false\n', encoding="utf-8")
    assert 0 == main(["paths", "--policy", "week.toml", "--target", "stage cooling_off"])
    out = capsys.readouterr().out
    assert re.match(r"stage cooling_off  \(\d+ commands; 2 parties, criminal, one-week\)", out)
    assert "policy=one-week" in out
    assert 0 == main(["paths", "--policy", "bare.toml", "--target", "stage meeting"])
    assert ", bare)" in capsys.readouterr().out
    assert 0 == main(["paths", "--policy", "norway", "--target", "stage declined"])
    assert "2 parties, civil, norway)" in capsys.readouterr().out
    scenario = Path(__file__).parent.parent / "examples" / "scenarios" / "norway.toml"
    assert 0 == main(["paths", "--policy", str(scenario), "--target", "stage declined"])
    capsys.readouterr()
    assert 0 == main(["verify", "--policy", "week.toml", "--workers", "1", "--json"])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert 8 == summary["configurations"] and [] == summary["violations"]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("[policy]\ncriminal_cooling_off_days = -1\n", "policy.criminal_cooling_off_days: "),
        ("[policy]\ncooling = 3\n", "policy.cooling: unknown key"),
        ("not toml [", "is not valid TOML"),
    ],
)
def test_a_bad_policy_file_is_one_line_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, said: str
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(content, encoding="utf-8")
    assert 1 == main(["paths", "--policy", str(path)])
    err = capsys.readouterr().err
    assert err.startswith(f"error: policy file {path}: ") and said in err and 1 == err.count("\n")
    assert 1 == main(["paths", "--policy", str(tmp_path / "missing.toml")])
    assert "is neither a policy name (norway) nor a file" in capsys.readouterr().err


def test_a_second_demo_says_which_ids_it_uses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "demo.db")
    assert 0 == main(["demo", "--db", db])
    first = capsys.readouterr().out
    assert first.startswith("== 1. ")
    assert 0 == main(["demo", "--db", db])
    second = capsys.readouterr().out
    assert second.startswith(
        f"demo-2026-0117 and demo-2026-0231 are already stored in {db}, "
        "so this run stores its cases as demo-2026-0117-2 and demo-2026-0231-2.\n\n== 1. "
    )
    assert "case demo-2026-0117-2\n" in second and "case demo-2026-0231-2\n" in second
