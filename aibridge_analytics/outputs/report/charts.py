"""The report's charts: altair specs rendered to SVG offline by vl-convert.

Each chart is returned as a ``data:image/svg+xml;base64,...`` URI for an ``<img>``: the report
stays one self-contained file, and an SVG shown through ``<img>`` can neither run script nor load
anything, whatever text from the data its labels hold. vl-convert is told that no base URL is
allowed, so rendering cannot reach the network either.

Days are drawn as ordinal labels computed in Python from the dates already bucketed in the
report's zone: a temporal axis would be re-interpreted in the renderer's own zone.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import altair as alt
import polars as pl

from aibridge_analytics.outputs.formats import visible
from aibridge_analytics.outputs.report.data import UNATTRIBUTED, ReportData

WIDTH = 760
#: Providers drawn by name in the daily chart; the rest are summed as "other providers".
DAILY_PROVIDERS = 8
_OTHER = "other providers"
_METHOD_COLOURS = {
    "provider_id": "#2b8a3e",
    "provider_name": "#74b816",
    "unique_type": "#fab005",
    "ambiguous_type": "#e8590c",
    "no_live_provider": "#c92a2a",
    "unknown_provider_id": "#862e9c",
}


@dataclass(frozen=True)
class Chart:
    """A rendered chart: its title, what it shows (alt text) and the image as a data URI."""

    key: str
    title: str
    alt: str
    uri: str


def _visible_strings(spec: Any) -> Any:
    """The chart spec with control characters in every string shown as escapes.

    SVG is XML, which cannot hold them: vl-convert aborted the whole process on a provider name
    holding an ESC. They are shown the way tables show them.
    """
    if isinstance(spec, str):
        return visible(spec)
    if isinstance(spec, list):
        return [_visible_strings(v) for v in spec]
    if isinstance(spec, dict):
        return {k: _visible_strings(v) for k, v in spec.items()}
    return spec


def _svg_uri(chart: alt.TopLevelMixin) -> str:
    import vl_convert

    svg = vl_convert.vegalite_to_svg(_visible_strings(chart.to_dict()), allowed_base_urls=[])
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _day_labels(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    frame = frame.with_columns(pl.col("day").dt.strftime("%a %d %b").alias("day_label"))
    order = frame.sort("day")["day_label"].unique(maintain_order=True).to_list()
    return frame, order


def daily_interceptions(data: ReportData) -> alt.Chart:
    """Interceptions per local day, stacked by provider (the biggest ones by name)."""
    frame = data.frames["by_day_provider"]
    ranked = (
        frame.group_by("label")
        .agg(pl.col("interceptions").sum())
        .sort(["interceptions", "label"], descending=[True, False])
    )
    keep = [name for name in ranked["label"].to_list() if name != UNATTRIBUTED][:DAILY_PROVIDERS]
    frame = (
        frame.with_columns(
            pl.when(pl.col("label").is_in(keep) | (pl.col("label") == UNATTRIBUTED))
            .then(pl.col("label"))
            .otherwise(pl.lit(_OTHER))
            .alias("provider")
        )
        .group_by("day", "provider")
        .agg(pl.col("interceptions").sum())
    )
    frame, order = _day_labels(frame)
    legend = keep + [x for x in (_OTHER, UNATTRIBUTED) if x in frame["provider"].to_list()]
    chart: alt.Chart = (
        alt.Chart(frame, width=WIDTH, height=260)
        .mark_bar()
        .encode(
            x=alt.X("day_label:O", sort=order, title=f"Day ({data.window.tz})", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(interceptions):Q", title="Interceptions (count)"),
            color=alt.Color("provider:N", sort=legend, title="Provider", scale=alt.Scale(scheme="tableau10")),
            order=alt.Order("provider:N"),
        )
    )
    return chart


def daily_tokens(data: ReportData) -> alt.Chart:
    """Input and output tokens per local day, in thousands."""
    frame = (
        data.frames["by_day"]
        .select(
            "day",
            (pl.col("input_tokens") / 1000).alias("input"),
            (pl.col("output_tokens") / 1000).alias("output"),
            (pl.col("cache_read_input_tokens") / 1000).alias("cache read"),
        )
        .unpivot(index="day", variable_name="kind", value_name="ktokens")
    )
    frame, order = _day_labels(frame)
    chart: alt.Chart = (
        alt.Chart(frame, width=WIDTH, height=220)
        .mark_line(point=True)
        .encode(
            x=alt.X("day_label:O", sort=order, title=f"Day ({data.window.tz})", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("ktokens:Q", title="Tokens (thousands)"),
            color=alt.Color("kind:N", title="Token kind", sort=["input", "output", "cache read"]),
        )
    )
    return chart


def provider_methods(data: ReportData) -> alt.Chart:
    """Interceptions per provider, split by the attribution method that placed them."""
    rows = [
        {"provider": p["label"], "method": m, "interceptions": n}
        for p in data.providers
        for m, n in p["methods"].items()
    ]
    order = [p["label"] for p in data.providers]
    frame = pl.DataFrame(rows, schema={"provider": pl.String, "method": pl.String, "interceptions": pl.Int64})
    methods = [m for m in _METHOD_COLOURS if m in frame["method"].to_list()]
    chart: alt.Chart = (
        alt.Chart(frame, width=WIDTH - 160, height=max(60, 24 * len(order)))
        .mark_bar()
        .encode(
            y=alt.Y("provider:N", sort=order, title="Provider"),
            x=alt.X("sum(interceptions):Q", title="Ended interceptions (count)"),
            color=alt.Color(
                "method:N",
                title="Attribution method",
                sort=methods,
                scale=alt.Scale(domain=methods, range=[_METHOD_COLOURS[m] for m in methods]),
            ),
            order=alt.Order("method:N"),
        )
    )
    return chart


def top_bar(frame: pl.DataFrame, key: str, title: str) -> alt.Chart:
    """A horizontal bar per ``key`` value (already the top few), by interceptions."""
    order = frame[key].to_list()
    chart: alt.Chart = (
        alt.Chart(frame.select(key, "interceptions"), width=WIDTH - 220, height=max(60, 22 * len(order)))
        .mark_bar(color="#4263eb")
        .encode(
            y=alt.Y(f"{key}:N", sort=order, title=title),
            x=alt.X("interceptions:Q", title="Ended interceptions (count)"),
        )
    )
    return chart


def render_all(data: ReportData) -> list[Chart]:
    """Every chart of the report that has data, rendered."""
    if not data.totals.get("interceptions"):
        return []
    tz = data.window.tz
    specs = [
        (
            "daily",
            "Interceptions per day",
            f"Ended interceptions per day in {tz}, stacked by provider",
            daily_interceptions(data),
        ),
        (
            "tokens",
            "Tokens per day",
            f"Input, output and cache-read tokens per day in {tz}, in thousands",
            daily_tokens(data),
        ),
        (
            "methods",
            "Attribution per provider",
            "Ended interceptions per provider, coloured by attribution method",
            provider_methods(data),
        ),
        (
            "models",
            "Top models",
            "Ended interceptions of the most used models",
            top_bar(data.top["models"], "model", "Model"),
        ),
        (
            "clients",
            "Top clients",
            "Ended interceptions of the most used clients",
            top_bar(data.top["clients"], "client", "Client"),
        ),
    ]
    return [Chart(key, title, alt_text, _svg_uri(chart)) for key, title, alt_text, chart in specs]
