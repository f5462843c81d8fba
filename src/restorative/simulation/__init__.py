"""Simulation for researchers: scenarios in, event logs, KPIs and plots out, through the real rules."""

from __future__ import annotations

from .._eventlog.log import COLUMNS, CaseFacts, CaseLog, LogObject, LogRow, case_log
from ._agent import case_id, simulate_case
from ._kpis import OUTCOMES, Tally, compare, compare_table, table, wilson
from ._plots import plot_comparison, plot_run
from ._runner import Result, run_chunk, simulate
from ._scenario import Behaviour, Distribution, Durations, Mix, Scenario

__all__ = [
    "COLUMNS",
    "OUTCOMES",
    "Result",
    "Tally",
    "compare",
    "compare_table",
    "plot_comparison",
    "plot_run",
    "run_chunk",
    "simulate",
    "table",
    "wilson",
    "Behaviour",
    "CaseFacts",
    "CaseLog",
    "Distribution",
    "Durations",
    "LogObject",
    "LogRow",
    "Mix",
    "Scenario",
    "case_id",
    "case_log",
    "simulate_case",
]
