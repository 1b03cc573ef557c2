"""Outputs: what leaves the process. `formats` writes tables as text, CSV, JSON or Parquet, crash
safely; `report` builds the scheduled report directory; `progress` draws the terminal's progress.
"""
