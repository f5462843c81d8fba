"""`restorative rules`: the rules of the process, with their sources spelled out, as text or JSON."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Iterable

from .._rules import RULES, Rule, Source
from ..errors import InvalidInput
from ._output import document

SOURCES: dict[Source, str] = {
    Source.SEED: "the Mediation Service's own description of the restorative process",
    Source.LAW: "the Mediation Service Act (konfliktrådsloven) or the Criminal Procedure Act (straffeprosessloven)",
    Source.PRACTICE: "what the service says it does; its periods, ages and flags are fields of restorative.Policy",
    Source.CHOICE: "a decision of this library where no source rules; where it may vary, a field of restorative.Policy",
}
"""What each kind of source means, in the words the command line prints."""

CITED: dict[str, str] = {
    "strpl": "straffeprosessloven, the Criminal Procedure Act",
    "konfliktrådsloven": "the Mediation Service Act",
    "UN Basic Principles 2002/12": "the Basic Principles on the Use of Restorative Justice Programmes in Criminal "
    "Matters, resolution 2002/12 of the UN Economic and Social Council",
}
"""The texts that the rules' citations name, in full."""

_DOCS = "docs/"
"""References to the project's own pages: a source checkout has them, an installed package does not."""

_WIDTH = 100


def citations(rule: Rule) -> list[str]:
    """The sections of law and other texts a rule cites, without references to the project's own pages."""
    parts = (part.strip() for part in rule.reference.split(";"))
    return [part for part in parts if part and not part.startswith(_DOCS)]


def _chosen(ids: Iterable[str]) -> list[Rule]:
    wanted = [rule_id.upper() for rule_id in ids]
    unknown = [rule_id for rule_id in wanted if rule_id not in RULES]
    if unknown:
        raise InvalidInput(
            f"no rule {', '.join(unknown)}; the rules are {', '.join(RULES)} (e.g. restorative rules R8)",
            field="rule",
        )
    return [RULES[rule_id] for rule_id in wanted] if wanted else list(RULES.values())


def run_rules(args: argparse.Namespace) -> int:
    """`restorative rules [RULE ...] [--json]`: each rule's text, sources and citations."""
    rules = _chosen(args.rule)
    if args.json:
        document(
            {
                "rules": [
                    {
                        "id": rule.id,
                        "text": rule.text,
                        "sources": [source.value for source in rule.sources],
                        "cites": citations(rule),
                    }
                    for rule in rules
                ],
                "sources": {source.value: meaning for source, meaning in SOURCES.items()},
                "cited": CITED,
            }
        )
        return 0
    indent = " " * 5
    shown: set[Source] = set()
    cited: list[str] = []
    for rule in rules:
        print(textwrap.fill(rule.text, _WIDTH, initial_indent=f"{rule.id:<5}", subsequent_indent=indent))
        sources = ", ".join(source.value for source in rule.sources)
        cites = citations(rule)
        print(f"{indent}sources: {sources}" + (f"; cites: {'; '.join(cites)}" if cites else ""))
        shown.update(rule.sources)
        cited += cites
    print("\nsources:")
    for source, meaning in SOURCES.items():
        if source in shown:
            print(textwrap.fill(meaning, _WIDTH, initial_indent=f"  {source.value:<10}", subsequent_indent=" " * 12))
    named = [(short, full) for short, full in CITED.items() if any(short in text for text in cited)]
    if named:
        print("cited:")
        for short, full in named:
            print(textwrap.fill(f"{short}: {full}", _WIDTH, initial_indent="  ", subsequent_indent="    "))
    return 0
