"""MkDocs hooks: every name that ``restorative`` exports has a place on the API reference.

The pages under ``docs/reference/`` place each name by hand, in sections a reader can
follow, with mkdocstrings' ``::: identifier`` directives. A public module's directive
(``::: restorative.store``) renders every name in its ``__all__``, so a name added there
appears by itself. The top-level names have no such module to hang on: when
``restorative.__all__`` gains a name that no page places, this hook adds it to the end of
"Running a case" (``reference/core.md``) under "More names", so it is documented from the
first build; move it to its section when you can. ``tests/test_docs.py`` checks that the
built site holds every exported name.

mkdocs.yml loads it with ``hooks: [tools/docs_hooks.py]``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

REFERENCE = "reference/"
"""Where the reference pages are, under ``docs/``."""
CATCH_ALL = "reference/core.md"
"""The page that takes top-level names no page places."""

_DIRECTIVE = re.compile(r"^::: *(?P<identifier>[\w.]+) *$", flags=re.MULTILINE)


def directives(text: str) -> list[str]:
    """The identifiers of the mkdocstrings directives (``::: restorative.Case``) in a page."""
    return _DIRECTIVE.findall(text)


def _module(identifier: str) -> ModuleType | None:
    try:
        return importlib.import_module(identifier)
    except ImportError:
        return None


def unplaced(identifiers: Iterable[str], package: str = "restorative") -> list[str]:
    """The names in ``package.__all__`` that none of these directives documents, in ``__all__`` order.

    A directive names the object itself (``restorative.handle``) or a public module whose
    ``__all__`` holds the same object (``restorative.commands`` holds ``AcceptCase``).
    """
    root = importlib.import_module(package)
    named = set(identifiers)
    placed = {identifier.removeprefix(f"{package}.") for identifier in named}
    for identifier in named:
        module = _module(identifier)
        if module is None or module is root:
            continue
        for name in getattr(module, "__all__", ()):
            if name in root.__all__ and getattr(module, name) is getattr(root, name):
                placed.add(name)
    return [name for name in root.__all__ if name not in placed]


def on_page_markdown(markdown: str, *, page: Any, files: Any, **kwargs: Any) -> str:
    """Append the top-level names no reference page places to the catch-all page."""
    if page.file.src_uri != CATCH_ALL:
        return markdown
    identifiers = [
        identifier
        for file in files
        if file.src_uri.startswith(REFERENCE) and file.src_uri.endswith(".md")
        for identifier in directives(Path(file.abs_src_path).read_text(encoding="utf-8"))
    ]
    missing = unplaced(identifiers)
    if not missing:
        return markdown
    listed = "\n\n".join(f"::: restorative.{name}" for name in missing)
    return (
        f"{markdown.rstrip()}\n\n## More names\n\n"
        "Exported from `restorative` and not yet placed in a section of this reference.\n\n"
        f"{listed}\n"
    )
