"""The documentation runs: code blocks in docs/ and README.md, the examples, and the MkDocs build."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
import shutil
import subprocess
import sys
import traceback
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest

import restorative

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
MKDOCS_YML = ROOT / "mkdocs.yml"

PAGES = [*sorted(DOCS.rglob("*.md")), ROOT / "README.md"]
"""Every Markdown file whose python blocks must run."""
PAGES_WITH_CODE = ("api.md", "embedding.md", "index.md")
"""Pages under docs/ that must hold at least one python block."""
NAV_PAGES = (
    "index.md",
    "concepts.md",
    "api.md",
    "embedding.md",
    "persistence.md",
    "testing.md",
    "simulation.md",
    "calibration.md",
    "conformance.md",
    "privacy.md",
    "server.md",
    "architecture.md",
    "diagram.md",
    "performance.md",
    "reference/index.md",
    "reference/core.md",
    "reference/values.md",
    "reference/lifecycle.md",
    "reference/commands.md",
    "reference/events.md",
    "reference/errors.md",
    "reference/store.md",
    "reference/privacy.md",
    "reference/server.md",
    "reference/testing.md",
    "reference/verify.md",
    "reference/simulation.md",
    "reference/conformance.md",
    "reference/process.md",
)
"""Pages that mkdocs.yml lists; the build needs each of them."""

_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


def python_blocks(text: str) -> list[tuple[int, str]]:
    """The fenced blocks whose info string is exactly ``python``, as (line of the fence, source)."""
    blocks: list[tuple[int, str]] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        fence, info, start = match["fence"], match["info"].strip(), index + 1
        body: list[str] = []
        index += 1
        while index < len(lines):
            line = lines[index]
            if line.startswith(fence[0] * len(fence)) and line.strip(fence[0]).strip() == "":
                break
            body.append(line)
            index += 1
        else:
            raise AssertionError(f"the fence opened on line {start} is never closed")
        if info == "python":
            blocks.append((start, "\n".join(body) + "\n"))
        index += 1
    return blocks


def _label(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_fence_parser_skips_other_languages() -> None:
    text = "```bash\npip install x\n```\n\n```python\nx = 1\n```\n\n````text\n```python\n````\n```python3\ny\n```\n"
    assert python_blocks(text) == [(5, "x = 1\n")]


@pytest.mark.parametrize("page", PAGES, ids=_label)
def test_python_blocks_run(page: Path) -> None:
    blocks = python_blocks(page.read_text(encoding="utf-8"))
    if page.parent == DOCS and page.name in PAGES_WITH_CODE:
        assert blocks, f"{_label(page)} should show at least one python block"
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for number, (line, source) in enumerate(blocks, start=1):
        # Pad with blank lines so that tracebacks point at the real line of the Markdown file.
        code = compile("\n" * line + source, str(page), "exec")
        error = None
        try:
            exec(code, namespace)
        except Exception:
            error = traceback.format_exc()
        if error is not None:
            pytest.fail(f"{_label(page)}: python block {number} (fence on line {line}) raised:\n{error}", pytrace=False)


@pytest.mark.parametrize("script", sorted(EXAMPLES.glob("*.py")), ids=_label)
def test_examples_run(script: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"{_label(script)} exited with {result.returncode}:\n{result.stderr}"


def test_there_are_examples() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} >= {"quickstart.py", "custom_policy.py"}


def _build(destination: Path) -> Path:
    """Build the site with ``mkdocs build --strict`` into `destination` and return the site folder."""
    config = MKDOCS_YML
    missing = [name for name in NAV_PAGES if not (DOCS / name).exists()]
    if missing:
        # Pages written elsewhere may not exist yet: build a copy with placeholders, never touching docs/.
        copy = destination / "project"
        shutil.copytree(DOCS, copy / "docs")
        shutil.copy(MKDOCS_YML, copy / "mkdocs.yml")
        for folder in ("src", "tools"):  # mkdocs.yml names them relative to itself
            (copy / folder).symlink_to(ROOT / folder, target_is_directory=True)
        for name in missing:
            (copy / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
            (copy / "docs" / name).write_text(f"# {name}\n\nPlaceholder for the docs build test.\n", encoding="utf-8")
        config = copy / "mkdocs.yml"
    site = destination / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config), "--site-dir", str(site)],
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site as ``mkdocs build --strict`` builds it, once for this module's tests."""
    return _build(tmp_path_factory.mktemp("docs"))


def test_mkdocs_builds_strict(site: Path) -> None:
    assert (site / "index.html").exists()
    assert (site / "concepts" / "index.html").exists()
    assert (site / "api" / "index.html").exists()
    for name in NAV_PAGES:
        page = site / name.removesuffix(".md").removesuffix("index").strip("/") / "index.html"
        assert page.exists(), f"{name} was not built"


class _Tags(HTMLParser):
    """The start tags of an HTML page, with their attributes, and the text inside each id'd element."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def _tags(page: Path) -> list[tuple[str, dict[str, str]]]:
    parser = _Tags()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.tags


def _public_modules() -> Iterator[ModuleType]:
    """`restorative` and every public module under it that declares ``__all__``."""
    yield restorative
    for info in pkgutil.walk_packages(restorative.__path__, prefix="restorative."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        if hasattr(module, "__all__"):
            yield module


def test_every_public_name_is_on_the_reference(site: Path) -> None:
    ids = {attrs["id"] for page in (site / "reference").rglob("*.html") for _, attrs in _tags(page) if "id" in attrs}
    modules = list(_public_modules())
    assert {"restorative.store", "restorative.testing.strategies", "restorative.verify"} <= {
        m.__name__ for m in modules
    }
    missing = []
    for module in modules:
        for name in module.__all__:
            value = getattr(module, name)
            # A re-exported name counts where it is documented once: restorative.AcceptCase is
            # restorative.commands.AcceptCase, and restorative.testing.Cast is restorative.verify.Cast.
            homes = [m.__name__ for m in modules if name in m.__all__ and getattr(m, name) is value]
            if not any(f"{home}.{name}" in ids for home in homes):
                missing.append(f"{module.__name__}.{name}")
    assert not missing, f"these public names are on no page of the API reference: {missing}"


def _absolute(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


def test_the_site_loads_nothing_from_elsewhere(site: Path) -> None:
    """Offline, the built site still has its scripts, styles, fonts and highlighting (no CDN)."""
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= len(NAV_PAGES)
    remote = []
    for page in pages:
        for tag, attrs in _tags(page):
            if tag == "script" and _absolute(attrs.get("src", "")):
                remote.append(f"{page.relative_to(site)}: <script src={attrs['src']}>")
            if tag == "link" and _absolute(attrs.get("href", "")):
                remote.append(f"{page.relative_to(site)}: <link href={attrs['href']}>")
    assert not remote, "the site loads from other hosts:\n" + "\n".join(remote)


def test_code_is_highlighted_when_the_site_is_built(site: Path) -> None:
    html = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert '<div class="highlight">' in html
    assert '<span class="kn">import</span>' in html, "Pygments marks up the tokens, so no script has to"


def test_the_diagram_page_draws_the_diagram_with_a_local_mermaid(site: Path) -> None:
    page = site / "diagram" / "index.html"
    html = page.read_text(encoding="utf-8")
    drawn = re.findall(r'<(?:pre|div) class="mermaid">(.*?)</(?:pre|div)>', html, flags=re.S)
    assert len(drawn) == 1, "the diagram page holds one Mermaid element, which the page's script draws"
    assert "stateDiagram-v2" in drawn[0]
    assert "referred --&gt; consent: accept" in drawn[0]
    scripts = [attrs["src"] for tag, attrs in _tags(page) if tag == "script" and "src" in attrs]
    local = [(page.parent / src).resolve() for src in scripts if src.endswith("mermaid.min.js")]
    assert local, f"the page loads no mermaid script of its own: {scripts}"
    bundled = local[0].read_text(encoding="utf-8")
    assert local[0].is_relative_to(site.resolve())
    assert re.search(r'version:"11\.\d+\.\d+"', bundled), "Material's mermaid integration is written for mermaid 11"


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "tools" / "docs_hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_hook_finds_top_level_names_no_page_places() -> None:
    hooks = _hooks()
    page = (
        "# Running a case\n\n::: restorative.handle\n\n::: restorative.commands\n    options:\n      heading_level: 2\n"
    )
    assert hooks.directives(page) == ["restorative.handle", "restorative.commands"]
    unplaced = hooks.unplaced(hooks.directives(page))
    assert "handle" not in unplaced
    assert "AcceptCase" not in unplaced, "restorative.commands documents restorative.AcceptCase"
    assert {"decide", "Case", "Stage"} <= set(unplaced)
    assert unplaced == [name for name in restorative.__all__ if name in set(unplaced)], "in __all__ order"


def test_a_newly_exported_name_lands_on_the_reference_by_itself(tmp_path: Path) -> None:
    hooks = _hooks()
    core = tmp_path / "core.md"
    core.write_text("# Running a case\n\n::: restorative.handle\n", encoding="utf-8")
    other = tmp_path / "commands.md"
    other.write_text("# Commands\n\n::: restorative.commands\n", encoding="utf-8")

    class File:
        def __init__(self, src_uri: str, path: Path) -> None:
            self.src_uri, self.abs_src_path = src_uri, str(path)

    class Page:
        def __init__(self, file: File) -> None:
            self.file = file

    files = [File(hooks.CATCH_ALL, core), File("reference/commands.md", other), File("index.md", tmp_path / "none.md")]
    text = core.read_text(encoding="utf-8")
    built = hooks.on_page_markdown(text, page=Page(files[0]), files=files)
    assert built.startswith(text.rstrip())
    assert "\n## More names\n" in built
    assert "\n::: restorative.decide\n" in built
    assert built.count("::: restorative.handle") == 1
    assert "::: restorative.AcceptCase" not in built
    assert hooks.on_page_markdown(text, page=Page(files[1]), files=files) == text, "only the catch-all page grows"


def test_install_instructions_suit_an_installed_package() -> None:
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        assert "<repository-url>" not in text, f"{_label(page)} sends readers to a clone with no address"
        assert "git clone" not in text, f"{_label(page)}: install the package, do not clone it"


def test_concepts_lists_exactly_the_rules() -> None:
    text = (DOCS / "concepts.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (R\d+) \|", text, flags=re.MULTILINE)
    assert len(rows) == len(set(rows)), f"a rule is listed twice: {rows}"
    assert rows == list(restorative.RULES), "the rule table must list every rule of RULES, in order"
    unknown = set(re.findall(r"\bR\d+\b", text)) - set(restorative.RULES)
    assert not unknown, f"the page cites unknown rules: {sorted(unknown)}"
