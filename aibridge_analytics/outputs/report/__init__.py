"""The scheduled report: one directory a platform team can mail or publish every week.

``build_report(con, out_dir, ...)`` writes into ``out_dir``:

- ``report.html``: one self-contained page (charts as inline SVG data URIs, inline CSS, a
  Content-Security-Policy that forbids every fetch), every value from the data escaped;
- ``report.md``: the same figures as Markdown;
- ``summary.json``: the figures, engine-independent (no generation time, no source name);
- ``parquet/*.parquet``: the summary frames behind the figures;
- ``manifest.json``: package version, generation time, the source's fingerprint (rows and newest
  time per table), the range and zone, and every query run, rendered, with its parameters.

Prompts are read only with ``include_prompts``. The directory appears complete or not at all
(see :mod:`.publish`). Modules: window (the range), data (the figures), charts, render
(templates), publish (the swap into place); heavy imports happen only when a report is built.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aibridge_analytics.sources.connection import Connection

__all__ = ["build_report", "ReportResult"]

FILES = ("report.html", "report.md", "summary.json", "manifest.json")


class ReportResult:
    """Where a report was written, and the problems it shows (validation, verification)."""

    def __init__(self, out_dir: Path, summary: dict[str, Any], problems: list[str]) -> None:
        self.out_dir = out_dir
        self.summary = summary
        self.problems = problems

    def describe(self) -> str:
        """One line for the scheduler's log, the range in local time with its offset and zone."""
        from aibridge_analytics.periods import local_text

        w, t = self.summary["window"], self.summary["totals"]
        since, until = (local_text(datetime.fromisoformat(w[k]), w["tz"]) for k in ("since", "until"))
        named = f", {w['period']}" if w.get("period") else ""
        return (
            f"report written to {self.out_dir}: {t['interceptions']:,} ended interceptions started in "
            f"[{since} .. {until}) ({w['tz']}{named}), {len(self.problems)} data problem(s)"
        )


def build_report(
    con: Connection,
    out_dir: str | Path,
    since: Any = None,
    until: Any = None,
    tz: str = "UTC",
    include_prompts: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    *,
    user_names: bool = True,
    period: str | None = None,
    now: datetime | None = None,
) -> ReportResult:
    """Build the report for ``con`` into directory ``out_dir``, replacing it only when complete.

    ``since`` (included) / ``until`` (excluded): ISO 8601 (no offset = in ``tz``) or ages such as
    ``7d``; or ``period``, whole local days in ``tz`` such as ``"last-week"`` (the previous Monday
    to Monday; :data:`aibridge_analytics.periods.PERIODS`); with none of them the report covers the
    seven whole days in ``tz`` ending with the day of the newest interception (see :mod:`.window`).
    ``now`` is the generation time (default: the current time), from which ages and periods count.
    ``include_prompts`` adds a few recent prompts per provider (prompts may hold secrets: off by
    default). ``progress(done, total, step)`` is called as each step starts (``done`` of ``total``
    steps finished; ``step`` names the one under way: "reading figures", "verifying the backfill",
    "drawing charts", "writing", "publishing") and once at the end with step "done". ``user_names``
    shows users by username and name beside their ids where the source has Coder's users table;
    ``False`` shows ids alone, never reads the users table, and no username or name reaches any
    file. ``out_dir`` must be absent, empty or a previous report (a symlink to a directory is
    followed); anything else raises OutputError before any query runs.
    """
    from aibridge_analytics.outputs.report import publish
    from aibridge_analytics.outputs.report._build import build

    publish.resolve_directory(out_dir)  # a directory that must not be replaced is refused before any work
    return build(
        con,
        Path(out_dir),
        since,
        until,
        tz,
        include_prompts,
        progress or (lambda done, total, step: None),
        user_names=user_names,
        period=period,
        now=now,
    )
