"""Event logs for process mining: rows and objects of cases, written as CSV, Parquet, XES and OCEL 2.0.

Shared by the simulation (simulated cases) and the privacy shell (pseudonymised exports
of stored cases), so both write the same columns and the same files.
"""
