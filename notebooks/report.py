# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The scheduled report, as a notebook
#
# Builds the same report as `aibridge-analytics report` (HTML, Markdown, JSON, Parquet and a
# manifest) for a source and a range, and shows it here. Run it by hand, or schedule it with
# papermill (which reads `.ipynb`: jupytext converts it first; `-p` values arrive as strings):
#
# ```sh
# jupytext --to ipynb --output report.ipynb notebooks/report.py &&
#   papermill report.ipynb out.ipynb -p SOURCE history.duckdb -p SINCE 2026-11-01 -p TZ Europe/Berlin
# ```
#
# `SINCE` is included and `UNTIL` excluded; both take ISO 8601 (a value without an offset is read
# in `TZ`) or an age such as `7d`. Without `SINCE` the report covers the seven whole days ending
# with the day of the newest interception.

# %% tags=["parameters"]
SOURCE = None  # None: the demo warehouse; or a .duckdb path, postgresql://..., a Parquet dir, a JSON export
SINCE = None  # e.g. "2026-11-01" or "7d"
UNTIL = None
TZ = "UTC"
OUT_DIR = None  # None: a new temporary directory

# %%
import tempfile
from pathlib import Path

import polars as pl
from IPython.display import Markdown

import aibridge_analytics as aa
from aibridge_analytics.outputs.report import build_report
from aibridge_analytics.pipelines.summaries import check_zone, parse_instant

pl.Config(tbl_rows=25, tbl_cols=-1, fmt_str_lengths=50, tbl_width_chars=220)
# Parameters arrive as text from papermill: "None" or "" mean "not given".
given = lambda value: None if value is None or str(value).strip() in ("", "None") else value  # noqa: E731
tz = check_zone(given(TZ) or "UTC")
since = parse_instant(given(SINCE), "the SINCE parameter", tz)
until = parse_instant(given(UNTIL), "the UNTIL parameter", tz)
out_dir = Path(given(OUT_DIR) or tempfile.mkdtemp(prefix="aibridge-report-"))
con = aa.connect(given(SOURCE))
print(f"source {con.label}; since {since}; until {until}; zone {tz}; writing to {out_dir}")

# %%
result = build_report(con, out_dir, since=since, until=until, tz=tz)
print(result.describe())
sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file())

# %% [markdown]
# ## The figures of the range
#
# The summary per provider behind the report (ended interceptions; unattributed rows form their
# own group), for the range the report chose:

# %%
window = result.summary["window"]
print(f"range [{window['since']}, {window['until']}) in {window['tz']}: {window['chosen']}")
aa.summary(con, by=["provider"], tz=tz, since=window["since"], until=window["until"])

# %% [markdown]
# ## The report

# %%
Markdown((out_dir / "report.md").read_text())
