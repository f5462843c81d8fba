"""Readable one-line descriptions of events and commands, for timelines in a terminal or a log.

A description names people by id and never holds anything said in a meeting.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import attrs

from . import _events as e
from ._commands import Command
from ._events import Event
from ._values import Report

_SAY: dict[type[Any], Callable[[Any], str]] = {
    e.CaseReferred: lambda ev: (
        f"case {ev.case_id} referred by {ev.referral.source.value} ({ev.referral.kind.value}), parties "
        + ", ".join(f"{p.id} ({p.role.value}{', minor' if p.minor else ''})" for p in ev.parties)
    ),
    e.CaseAccepted: lambda ev: "referral accepted; gathering consent",
    e.CaseDeclined: lambda ev: "case declined as unsuitable" + (f": {ev.reason}" if ev.reason else ""),
    e.StaffAssigned: lambda ev: f"staff {ev.staff_id} assigned",
    e.MediatorAssigned: lambda ev: f"mediator {ev.mediator_id} assigned",
    e.MediatorReleased: lambda ev: f"mediator {ev.mediator_id} released",
    e.ConflictDeclared: lambda ev: f"mediator {ev.mediator_id} declared a conflict of interest towards {ev.towards}",
    e.AdmissionRecorded: lambda ev: "admission of the facts recorded",
    e.PartyInformed: lambda ev: f"{ev.party_id} informed about the process",
    e.ConsentGiven: lambda ev: f"{ev.party_id} consented",
    e.GuardianConsentGiven: lambda ev: f"guardian {ev.guardian_id} consented for {ev.party_id}",
    e.GuardianConsentDispensed: lambda ev: f"guardian consent for {ev.party_id} dispensed with by staff",
    e.PreparationStarted: lambda ev: "everyone consented; preparation started",
    e.PreparatoryTalkHeld: lambda ev: f"preparatory talk with {ev.party_id} ({ev.channel.value.replace('_', ' ')})",
    e.ExemptionGranted: lambda ev: f"exemption for {ev.party_id}: {ev.exemption.value.replace('_', ' ')}",
    e.ParticipantProposed: lambda ev: (
        f"{ev.participant_id} proposed as {ev.role.value}" + (f" for {ev.accompanies}" if ev.accompanies else "")
    ),
    e.ParticipantDisclosed: lambda ev: f"{ev.participant_id} disclosed to the other side",
    e.ParticipantApproved: lambda ev: f"{ev.party_id} agreed that {ev.participant_id} attends",
    e.MeetingScheduled: lambda ev: (
        f"{ev.kind.value.replace('_', ' ')} meeting scheduled for {ev.starts_at:%Y-%m-%d %H:%M} with "
        + ", ".join(ev.attendees)
    ),
    e.ConfidentialityAgreed: lambda ev: f"{ev.person_id} agreed to keep confidentiality",
    e.MeetingHeld: lambda ev: f"meeting held with {', '.join(ev.present)} present",
    e.MeetingAdjourned: lambda ev: "meeting adjourned; back to preparation",
    e.AgreementRecorded: lambda ev: (
        f"agreement recorded with {len(ev.items)} item(s), cooling-off {ev.cooling_off_days} day(s): "
        + "; ".join(f"{i.kind.value} by {i.responsible} before {i.deadline:%Y-%m-%d}" for i in ev.items)
    ),
    e.NoAgreementRecorded: lambda ev: "no agreement reached",
    e.AgreementSigned: lambda ev: f"agreement signed by {ev.signer_id}",
    e.CoolingOffStarted: lambda ev: f"cooling-off period runs until {ev.ends_at:%Y-%m-%d}",
    e.AgreementBound: lambda ev: "agreement binds; follow-up started",
    e.ItemFulfilled: lambda ev: f"item {ev.item_id} fulfilled",
    e.ItemBreached: lambda ev: f"item {ev.item_id} breached",
    e.PartyWithdrew: lambda ev: f"{ev.party_id} withdrew",
    e.CaseWithdrawn: lambda ev: "no dialogue remains: case withdrawn",
    e.CaseFulfilled: lambda ev: "every item fulfilled: case fulfilled",
    e.CaseBreached: lambda ev: "agreement breached: case breached",
    e.ReportSent: lambda ev: "report to " + describe_report(ev.report),
}


def describe_report(report: Report) -> str:
    """One line for a report to the referrer: recipient, kind, outcome, items."""
    text = f"{report.recipient.value}: {report.kind.value}"
    if report.outcome is not None:
        text += f" ({report.outcome.value.replace('_', ' ')})"
    if report.agreement is not None:
        text += " with items " + ", ".join(f"{i.id}={i.status.value}" for i in report.agreement.items)
    return text


def describe(event: Event) -> str:
    """One readable line for an event, naming people by id."""
    return _SAY[type(event)](event)


def timeline(events: Iterable[Event]) -> str:
    """A readable timeline: one line per event with its time and actor."""
    return "\n".join(f"{ev.at:%Y-%m-%d %H:%M}  {ev.actor.id:<12} {describe(ev)}" for ev in events)


def describe_command(command: Command) -> str:
    """One readable line for a command: its name, who sent it, and its arguments (items by id)."""
    args = []
    for field in attrs.fields(type(command)):
        if field.name in ("actor", "at"):
            continue
        value = getattr(command, field.name)
        if isinstance(value, tuple):
            value = "[" + ", ".join(getattr(v, "id", str(v)) for v in value) + "]"
        elif isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, datetime):
            value = f"{value:%Y-%m-%d %H:%M}"
        elif not isinstance(value, str | bool | int) and value is not None:
            value = getattr(value, "name", type(value).__name__)
        args.append(f"{field.name}={value}")
    who = f"{command.actor.id} ({command.actor.kind.value})"
    return f"{type(command).__name__}({', '.join(args)}) by {who} at {command.at:%Y-%m-%d %H:%M}"
