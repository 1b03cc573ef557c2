"""Building a report: read the figures, draw the charts, render, write, publish (in that order)."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from aibridge_analytics.catalogue import Rendered
from aibridge_analytics.outputs.formats import jsonable
from aibridge_analytics.outputs.report import (
    ReportResult,
    charts,
    data,
    publish,
    render,
    window,
)
from aibridge_analytics.pipelines.attribution import METHODS
from aibridge_analytics.sources.connection import Connection

#: The steps of a build, in order, as the progress names them.
STEPS = ("reading figures", "verifying the backfill", "drawing charts", "writing", "publishing")


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [jsonable(r) for r in frame.iter_rows(named=True)]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("aibridge-analytics")
    except PackageNotFoundError:  # running from a checkout without installing
        from aibridge_analytics import __version__

        return __version__


def summary_json(d: data.ReportData, verification: Any) -> dict[str, Any]:
    """The report's figures as JSON: identical for the same data on any engine."""
    keep = (
        "resolved_provider_id",
        "provider_name",
        "provider_type",
        "display_name",
        "status",
        "label",
        "share",
        "methods",
    )
    from aibridge_analytics.pipelines.summaries import FIGURES

    summary: dict[str, Any] = jsonable(
        {
            "window": d.window.as_json(),
            "completeness": d.completeness,
            "totals": d.totals,
            "providers": [{k: p[k] for k in (*keep, *FIGURES)} for p in d.providers],
            "days": _records(d.frames["by_day"]),
            "models": _records(d.top["models"]),
            "clients": _records(d.top["clients"]),
            "users": _records(d.top["users"]),
            "tools": _records(d.frames["tools"]),
            "sessions": d.sessions,
            "warnings": [{k: w[k] for k in ("warning", "interceptions", "share", "providers")} for w in d.warnings],
            "verification": verification,
            "problems": d.problems,
        }
    )
    return summary


def _manifest(
    con: Connection,
    queries: list[Rendered],
    fingerprint: pl.DataFrame,
    d: data.ReportData,
    generated_at: datetime,
    include_prompts: bool,
    files: dict[str, bytes],
    user_names: bool = True,
) -> dict[str, Any]:
    tables = [{**r, "present": con.probe.has(r["table_name"])} for r in _records(fingerprint)]
    return {
        "package": {"name": "aibridge-analytics", "version": _version()},
        "generated_at": generated_at.isoformat(),
        # The connection's label is already safe to publish (PostgreSQL passwords redacted).
        "source": {
            "label": con.label,
            "dialect": con.dialect,
            "tables": tables,
            "missing_optional_columns": con.probe.missing_optional(),
        },
        "window": d.window.as_json(),
        "include_prompts": include_prompts,
        "user_names": user_names,
        "queries": [
            {"name": r.name, "dialect": r.dialect, "sql": r.sql, "parameters": jsonable(dict(r.params))}
            for r in queries
        ],
        "files": [
            {"path": name, "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
            for name, body in sorted(files.items())
        ],
    }


def verification_summary(con: Connection) -> dict[str, Any]:
    """The backfill verification over the whole history (not only the range): what a reader needs.

    Run while ``con`` records its queries, the manifest lists them; the source's name is left out so
    the figures compare across engines.
    """
    from aibridge_analytics.pipelines.verification import verify_backfill

    # Coder's filter compared per provider is not shown: not computed either.
    found = verify_backfill(con, samples=0, coder_filter=False).to_dict()
    keep = ("has_provider_id", "clean", "verdict", "discrepancy_classes", "classes", "findings", "invariants")
    return {k: found[k] for k in keep}


def build(
    con: Connection,
    out_dir: Path,
    since: Any,
    until: Any,
    tz: str,
    include_prompts: bool,
    progress: Callable[[int, int, str], None],
    *,
    user_names: bool = True,
    period: str | None = None,
    now: datetime | None = None,
) -> ReportResult:
    """See :func:`aibridge_analytics.outputs.report.build_report`."""

    def starting(step: str) -> None:
        progress(STEPS.index(step), len(STEPS), step)

    generated_at = (now or datetime.now(UTC)).astimezone(UTC)
    with con.recording() as queries:
        starting("reading figures")
        fingerprint = con.query("report/fingerprint")
        # Rows dated after the generation time never choose the default range: they are counted.
        newest = con.query("summaries/newest", {"now": generated_at}).row(0, named=True)
        win = window.resolve(since, until, tz, newest["started_at"], generated_at, period)
        figures = data.gather(con, win, include_prompts, now=generated_at, user_names=user_names)
        starting("verifying the backfill")
        verification = verification_summary(con)
    starting("drawing charts")
    drawn = charts.render_all(figures)
    starting("writing")
    summary = summary_json(figures, verification)
    context = {
        "d": figures,
        "charts": drawn,
        "summary": summary,
        "generated_at": generated_at,
        "span": render.span(win.since, win.until, win.tz),
        "source_label": con.label,
        "version": _version(),
        "include_prompts": include_prompts,
        "user_names": user_names,
        "methods_order": list(METHODS),
    }
    files: dict[str, bytes] = {
        "report.html": render.render("html", context).encode(),
        "report.md": render.render("md", context).encode(),
        "summary.json": (json.dumps(summary, indent=2, ensure_ascii=False) + "\n").encode(),
    }
    for name, frame in figures.frames.items():
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        files[f"parquet/{name}.parquet"] = buffer.getvalue()
    manifest = _manifest(con, queries, fingerprint, figures, generated_at, include_prompts, files, user_names)
    files["manifest.json"] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    with publish.staged(out_dir) as staging:
        for name, body in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
        starting("publishing")  # the staged directory is complete: it is swapped into place on leaving
    progress(len(STEPS), len(STEPS), "done")
    return ReportResult(out_dir, summary, list(figures.problems))
