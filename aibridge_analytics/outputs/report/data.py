"""The figures of a report, read once from the source and held as small frames and dicts.

Everything a report shows comes from catalogue queries (run while the connection records them, for
the manifest: `Connection.recording`). Its summary frames are the ``summary``
command's (:func:`summaries.summarise_each`, one grouped query pair per frame), so the report's
figures are the summary command's figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from aibridge_analytics.coder import COST_COLUMN
from aibridge_analytics.outputs.report.window import Window
from aibridge_analytics.pipelines import summaries, users
from aibridge_analytics.pipelines.attribution import METHODS, WARNINGS
from aibridge_analytics.sources.connection import Connection

UNATTRIBUTED = "(unattributed)"
TOP = 10

#: The report's summary frames (also written as Parquet): name -> the keys it is grouped by.
GROUPINGS: dict[str, tuple[str, ...]] = {
    "totals": (),
    "by_provider": ("provider",),
    "by_provider_method": ("provider", "method"),
    "by_day": ("day",),
    "by_day_provider": ("day", "provider"),
    "by_model": ("model",),
    "by_client": ("client",),
    "by_initiator": ("initiator",),
}

WARNING_MEANINGS = {
    "name_reused": "another provider held the row's name when it started (the name was reused since)",
    "snapshot_mismatch": "provider_id's provider has another name or a type that cannot produce the row's wire format",
    "wire_family_ambiguous": (
        "resolved by type or wire-type name while another live provider speaks the same wire format"
    ),
    "disabled_provider": "the resolved provider is disabled (still matched, like Coder)",
    "deleted_provider": "the resolved provider is soft-deleted",
    "duplicate_live_name": "several live providers share the snapshot name; left unresolved",
    "decided_by_current_providers": (
        "no provider of the row's name or type existed when it started; one created later decided"
    ),
    "in_flight": "the interception has not ended (left out of the figures)",
}


@dataclass
class ReportData:
    """What a report shows; ``frames`` are also written as Parquet."""

    window: Window
    completeness: dict[str, Any]
    totals: dict[str, Any]
    providers: list[dict[str, Any]]
    sessions: dict[str, Any]
    warnings: list[dict[str, Any]]
    frames: dict[str, pl.DataFrame]
    problems: list[str] = field(default_factory=list)
    top: dict[str, pl.DataFrame] = field(default_factory=dict)
    prompts: list[dict[str, Any]] | None = None
    verification: Any = None


def _labels(providers: pl.DataFrame, ids: list[str | None]) -> dict[str | None, str]:
    """A short, unique chart label per provider id: its name, marked when soft-deleted."""
    info = {r["id"]: r for r in providers.iter_rows(named=True)}
    labels: dict[str | None, str] = {None: UNATTRIBUTED}
    for pid in ids:
        if pid is None:
            continue
        row = info.get(pid)
        label = row["name"] if row else pid[:8]
        if row and row["deleted"]:
            label += " (deleted)"
        if label in labels.values():
            label += f" {pid[:8]}"
        labels[pid] = label
    return labels


def _status(row: Mapping[str, Any] | None) -> str:
    if row is None:
        return "unknown"
    return "deleted" if row["deleted"] else ("disabled" if not row["enabled"] else "live")


def _provider_rows(
    by_provider: pl.DataFrame,
    by_method: pl.DataFrame,
    providers: pl.DataFrame,
    labels: Mapping[str | None, str],
    total: int,
) -> list[dict[str, Any]]:
    info = {r["id"]: r for r in providers.iter_rows(named=True)}
    methods: dict[str | None, dict[str, int]] = {}
    for r in by_method.iter_rows(named=True):
        methods.setdefault(r["resolved_provider_id"], {})[r["method"]] = r["interceptions"]
    rows = []
    for r in by_provider.sort("interceptions", descending=True).iter_rows(named=True):
        pid = r["resolved_provider_id"]
        p = info.get(pid)
        split = methods.get(pid, {})
        rows.append(
            {
                **r,
                "label": labels[pid],
                "display_name": p["display_name"] if p else None,
                "status": _status(p) if pid else "unattributed",
                "share": r["interceptions"] / total if total else None,
                "methods": {m: split[m] for m in METHODS if m in split},
            }
        )
    # The unattributed group last, whatever its size: it is a caveat, not a provider.
    return sorted(rows, key=lambda r: r["resolved_provider_id"] is None)


def sessions(con: Connection, window: Window) -> dict[str, Any]:
    """The session figures of ``sql/report/sessions.sql`` for ``window`` (just the count when
    there is none). A session lying whole in the window is read by its marked row, which stores its
    size and first and last start; only the others are grouped row by row, and only the sessions
    varying in provider or model (``summaries.span_mask``) are compared row by row."""
    inside = summaries.spans_inside(con, window.since, window.until)
    multi = summaries.span_mask(("provider", "model"), window.tz)
    params = {**window.params(), "span_mask": 0, "multi_mask": multi, "spans_inside": inside}
    row = con.query("report/sessions", params).row(0, named=True)
    return {"sessions": 0} if row["sessions"] == 0 else row


def _warnings(frame: pl.DataFrame, labels: Mapping[str | None, str], rows_total: int) -> list[dict[str, Any]]:
    exploded = (
        frame.filter(pl.col("warnings") != "").with_columns(pl.col("warnings").str.split(",")).explode("warnings")
    )
    out = []
    for name in WARNINGS:
        hits = exploded.filter(pl.col("warnings") == name)
        per_provider = (
            hits.group_by("resolved_provider_id")
            .agg(pl.col("interceptions").sum())
            .sort(["interceptions", "resolved_provider_id"], descending=[True, False], nulls_last=True)
        )
        count = int(hits["interceptions"].sum())
        out.append(
            {
                "warning": name,
                "interceptions": count,
                "share": count / rows_total if rows_total else None,
                "meaning": WARNING_MEANINGS.get(name, ""),
                "providers": [labels.get(p, p or UNATTRIBUTED) for p in per_provider["resolved_provider_id"].to_list()],
            }
        )
    return out


def _top(frame: pl.DataFrame, total: int) -> pl.DataFrame:
    return (
        frame.sort(["interceptions", frame.columns[0]], descending=[True, False])
        .head(TOP)
        .with_columns((pl.col("interceptions") / total if total else pl.lit(None, pl.Float64)).alias("share"))
    )


def _top_users(con: Connection, by_initiator: pl.DataFrame, total: int, user_names: bool) -> pl.DataFrame:
    """The busiest initiators, each with a ``label``: ``username (Name)`` where the source has
    names (a deleted user marked, as another may hold the username now), else the id."""
    top = _top(by_initiator, total)
    shown = users.labels(users.lookup(con)) if user_names and top.height else {}
    return top.with_columns(
        pl.col("initiator_id")
        .replace_strict(shown, default=pl.col("initiator_id"), return_dtype=pl.String)
        .alias("label")
    )


def _label(by: Sequence[str]) -> str:
    """How a problem names a report frame grouped by ``by``."""
    return f"report summary by {', '.join(by) or 'nothing'}"


def gather(
    con: Connection,
    window: Window,
    include_prompts: bool = False,
    prompts_per_provider: int = 3,
    now: datetime | None = None,
    user_names: bool = True,
) -> ReportData:
    """Read every figure of the report for ``window`` from ``con``.

    ``now`` is the generation time: rows started after it are named in the completeness figures
    and left out of retention. Data problems never stop a scheduled report: they are shown in it.
    ``user_names=False``: users are shown by id alone, and Coder's users table is never read.
    """
    tz, params = window.tz, window.params()
    found = summaries.summarise_each(
        con,
        {_label(by): by for by in GROUPINGS.values()},
        tz,
        window.since,
        window.until,
        lax=True,
        now=now,
        user_names=user_names,
    )
    frames = {name: found.frames[_label(by)] for name, by in GROUPINGS.items()}
    frames["completeness"] = found.completeness
    providers = con.query("providers/list")
    ids = frames["by_provider"]["resolved_provider_id"].to_list()
    warnings_frame = con.query("report/warnings", params)
    ids += [i for i in warnings_frame["resolved_provider_id"].unique().to_list() if i not in ids]
    labels = _labels(providers, ids)
    frames["tools"] = con.query("report/tools", params)
    frames["warnings"] = warnings_frame

    c = found.completeness.row(0, named=True)
    total = int(c["summarised"])
    # An empty range: zeros, but spend stays not recorded (None) on a source without cost columns.
    recorded = con.probe.has(*COST_COLUMN)
    empty_totals = {f: 0 if recorded or f not in summaries.SPEND else None for f in summaries.FIGURES}
    data = ReportData(
        window=window,
        completeness=c,
        totals=frames["totals"].row(0, named=True) if frames["totals"].height else empty_totals,
        providers=_provider_rows(frames["by_provider"], frames["by_provider_method"], providers, labels, total),
        sessions=sessions(con, window),
        warnings=_warnings(warnings_frame, labels, int(c["rows_total"])),
        frames=frames,
        problems=list(found.problems),
    )
    data.top = {
        "models": _top(frames["by_model"], total),
        "clients": _top(frames["by_client"], total),
        "users": _top_users(con, frames["by_initiator"], total, user_names),
    }
    named = {k: v for k, v in labels.items() if k is not None}
    frames["by_day_provider"] = frames["by_day_provider"].with_columns(
        pl.col("resolved_provider_id")
        .replace_strict(named, default=UNATTRIBUTED, return_dtype=pl.String)
        .alias("label")
    )
    if include_prompts:
        prompts = con.query("report/recent_prompts", {**params, "per_provider": prompts_per_provider})
        data.prompts = [
            {**r, "label": labels.get(r["resolved_provider_id"], r["provider_name"] or UNATTRIBUTED)}
            for r in prompts.iter_rows(named=True)
        ]
    return data
