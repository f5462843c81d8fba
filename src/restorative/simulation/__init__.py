"""Simulation for researchers: scenarios in, event logs, KPIs and plots out, through the real rules;
and calibration: a scenario fitted to a log of cases."""

from __future__ import annotations

from .._eventlog.log import COLUMNS, CaseFacts, CaseLog, LogObject, LogRow, case_log
from ._agent import case_id, simulate_case
from ._calendar import Week
from ._calibrate import Calibration, StepFit, calibrate
from ._capacity_plots import plot_capacity
from ._fit import Candidate, Parameter
from ._kpis import OUTCOMES, Tally, compare, compare_table, table, wilson
from ._plots import plot_comparison, plot_run, plot_sweep
from ._report import FitReport
from ._resources import Arrivals, Calendar, Pool, Resources
from ._runner import Result, run_chunk, simulate
from ._scenario import Behaviour, Distribution, Durations, Mix, Scenario
from ._sweep import METRICS, Estimate, Sweep, estimate, sweep

__all__ = [
    "COLUMNS",
    "METRICS",
    "OUTCOMES",
    "Result",
    "Tally",
    "calibrate",
    "compare",
    "compare_table",
    "estimate",
    "plot_capacity",
    "plot_comparison",
    "plot_run",
    "plot_sweep",
    "run_chunk",
    "simulate",
    "sweep",
    "table",
    "wilson",
    "Arrivals",
    "Behaviour",
    "Calibration",
    "Candidate",
    "Calendar",
    "CaseFacts",
    "CaseLog",
    "Distribution",
    "Durations",
    "Estimate",
    "FitReport",
    "LogObject",
    "LogRow",
    "Mix",
    "Parameter",
    "Pool",
    "Resources",
    "Scenario",
    "StepFit",
    "Sweep",
    "Week",
    "case_id",
    "case_log",
    "simulate_case",
]
