"""Conformance checking: does a log of real cases follow the rules?

`conform` reads a log (the library's CSV, XES or OCEL 2.0 JSON, or another system's CSV
through a `LogMapping`), rebuilds every case through the real decider, event by event,
and reports per case the first event that breaks a rule, a summary per rule, and the
fitness of each case and of the whole log: the share of events that replay without a
violation. `read_log` and the readers give the traces without checking them.
"""

from __future__ import annotations

from ._csv import read_csv
from ._files import FORMATS, format_of, read_log
from ._log import ACTIVITIES, REPORT_ACTIVITIES, EventLog, Known, LogEvent, Trace
from ._mapping import LogMapping
from ._ocel import read_ocel
from ._replay import conform, conform_trace
from ._result import CaseConformance, Conformance, RuleCount, Violation
from ._setup import MAX_READINGS
from ._xes import read_xes

__all__ = [
    "ACTIVITIES",
    "FORMATS",
    "MAX_READINGS",
    "REPORT_ACTIVITIES",
    "CaseConformance",
    "Conformance",
    "EventLog",
    "Known",
    "LogEvent",
    "LogMapping",
    "RuleCount",
    "Trace",
    "Violation",
    "conform",
    "conform_trace",
    "format_of",
    "read_csv",
    "read_log",
    "read_ocel",
    "read_xes",
]
