"""Reports to the referrer (R12): what each referrer is due, holding outcomes and agreement text only."""

from __future__ import annotations

from .. import events as e
from .._rules import reports_agreement, reports_returns
from .._values import Agreement, Case, Outcome, Report, ReportKind
from ..commands import Command
from ._registry import Part, no_change

part = Part("reports")


def report(
    case: Case,
    command: Command,
    events: list[e.Event],
    kind: ReportKind,
    outcome: Outcome | None,
    *,
    agreement: Agreement | None = None,
    returns_only: bool = False,
) -> None:
    """R12: add to `events` the report the referrer is due, if any, sent by the command's actor at its time.

    A criminal referrer gets returns for new assessment; the police get the agreement and
    the fulfilment status (a return becomes a fulfilment report for them, unless it is one
    only returns carry); nobody else gets reports.
    """
    if reports_returns(case):
        report_kind = kind
    elif reports_agreement(case) and not returns_only:
        report_kind = ReportKind.FULFILMENT if kind is ReportKind.RETURN else kind
    else:
        return
    sent = Report(recipient=case.referral.source, kind=report_kind, outcome=outcome, agreement=agreement)
    events.append(e.ReportSent(actor=command.actor, at=command.at, report=sent))


def describe_report(sent: Report) -> str:
    """One line for a report to the referrer: recipient, kind, outcome, items."""
    text = f"{sent.recipient.value}: {sent.kind.value}"
    if sent.outcome is not None:
        text += f" ({sent.outcome.value.replace('_', ' ')})"
    if sent.agreement is not None:
        text += " with items " + ", ".join(f"{i.id}={i.status.value}" for i in sent.agreement.items)
    return text


part.event(e.ReportSent, say=lambda ev: "report to " + describe_report(ev.report))(no_change)
