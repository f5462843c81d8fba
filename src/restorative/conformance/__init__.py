"""Conformance checking: does a log of real cases follow the rules?

`read_log` and the readers turn a log (the library's CSV, XES or OCEL 2.0 JSON, or
another system's CSV through a `LogMapping`) into traces, one per case.
"""

from __future__ import annotations

from ._csv import read_csv
from ._files import FORMATS, format_of, read_log
from ._log import ACTIVITIES, REPORT_ACTIVITIES, EventLog, Known, LogEvent, Trace
from ._mapping import LogMapping
from ._ocel import read_ocel
from ._xes import read_xes

__all__ = [
    "ACTIVITIES",
    "FORMATS",
    "REPORT_ACTIVITIES",
    "EventLog",
    "Known",
    "LogEvent",
    "LogMapping",
    "Trace",
    "format_of",
    "read_csv",
    "read_log",
    "read_ocel",
    "read_xes",
]
