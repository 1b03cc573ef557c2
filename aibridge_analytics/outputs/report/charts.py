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
import math
from dataclasses import dataclass
from typing import Any

import polars as pl

from aibridge_analytics.outputs.formats import visible
from aibridge_analytics.outputs.report._altair import alt
from aibridge_analytics.outputs.report.data import UNATTRIBUTED, ReportData

WIDTH = 640
#: Day labels a chart's axis shows at most: each ("Mon 16 Nov") needs about 60 px of WIDTH.
MAX_DAY_LABELS = 10
#: Providers drawn by name in the daily chart; the rest are summed as "other providers" (when
#: they are two or more: a bucket of one is drawn by its name).
DAILY_PROVIDERS = 8
_OTHER = "other providers"
#: Colours of named series, in order: Tableau 10 without its grey, then six more. Any two differ by
#: a CIE76 colour difference of at least 20 (tableau10's own closest pair is 25.9), the two greys
#: below included, so that no two series of a chart look alike.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#1f2f6e",
    "#8b1e3f",
    "#2f7d6d",
    "#6b6ecf",
    "#c7e9a0",
    "#3b2a1e",
)
#: Groups that are not one named thing are grey: the light grey a sum of the rest, the dark one unattributed rows.
_GREYS = {_OTHER: "#bab0ac", UNATTRIBUTED: "#6e6e6e"}
#: Axis labels (provider, model, client names) are drawn whole up to this many characters; longer
#: ones keep their start and end around an ellipsis (the tables beside the charts hold them whole).
LABEL_CHARS = 48
#: Text sizes in the SVG, in px at the chart's natural size (the page never scales a chart down).
LABEL_FONT = 11
TITLE_FONT = 12
_METHOD_COLOURS = {
    "provider_id": "#2b8a3e",
    "provider_name": "#74b816",
    "unique_type": "#fab005",
    "ambiguous_type": "#e8590c",
    "no_live_provider": "#c92a2a",
    "unknown_provider_id": "#862e9c",
}


def colour_scale(domain: list[str]) -> alt.Scale:
    """A colour per value of ``domain``, all distinct: :data:`PALETTE` in order, greys for the
    "other providers" and unattributed groups. More named values than the palette holds is an
    error of the caller, who must sum the smallest into an other group first."""
    named = [x for x in domain if x not in _GREYS]
    if len(named) > len(PALETTE):
        raise ValueError(f"{len(named)} series for {len(PALETTE)} distinct colours")
    colours = iter(PALETTE)
    return alt.Scale(domain=domain, range=[_GREYS[x] if x in _GREYS else next(colours) for x in domain])


def short_label(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` whole up to ``limit`` characters, else its start and end around an ellipsis (model
    names differ at their end: versions and dates)."""
    if len(text) <= limit:
        return text
    tail = limit // 3
    return text[: limit - tail - 1] + "…" + text[-tail:]


def _short_labels(names: list[str]) -> dict[str, str]:
    """A label per name, shortened where that keeps the labels distinct (else whole)."""
    short = {n: short_label(n) for n in names}
    seen: dict[str, int] = {}
    for label in short.values():
        seen[label] = seen.get(label, 0) + 1
    return {n: label if seen[label] == 1 else n for n, label in short.items()}


def _names_axis(title: str) -> alt.Axis:
    # No pixel limit: names are shortened to LABEL_CHARS characters above, never cut by the renderer.
    return alt.Axis(title=title, labelLimit=0)


def token_unit(largest: float) -> tuple[int, str]:
    """The divisor and its name that put ``largest`` tokens between 1 and 999 on an axis."""
    for divisor, name in ((1_000_000_000, "billions"), (1_000_000, "millions"), (1_000, "thousands")):
        if largest >= divisor:
            return divisor, name
    return 1, ""


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


def configured(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec as rendered: text at the report's sizes, control characters escaped."""
    spec = chart.to_dict()
    config = spec.setdefault("config", {})
    for part in ("axis", "legend"):
        config.setdefault(part, {}).update({"labelFontSize": LABEL_FONT, "titleFontSize": TITLE_FONT})
    result: dict[str, Any] = _visible_strings(spec)
    return result


def _svg_uri(chart: alt.TopLevelMixin) -> str:
    import vl_convert

    svg = vl_convert.vegalite_to_svg(configured(chart), allowed_base_urls=[])
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


#: Splits a day's label into lines on the axis: a partial day reads "Mon 16 Nov" over "(partial)".
_LINES = "|"


def _day_labels(frame: pl.DataFrame, partial: set[Any]) -> tuple[pl.DataFrame, list[str]]:
    """Each day's axis label (``Mon 16 Nov``, a second line ``(partial)`` for a day the range covers
    in part) and the labels in day order."""
    mark = pl.when(pl.col("day").is_in(pl.Series(sorted(partial), dtype=pl.Date).implode())).then(
        pl.lit(f"{_LINES}(partial)")
    )
    frame = frame.with_columns(
        pl.concat_str(pl.col("day").dt.strftime("%a %d %b"), mark.otherwise(pl.lit(""))).alias("day_label")
    )
    order = frame.sort("day")["day_label"].unique(maintain_order=True).to_list()
    return frame, order


def shown_days(order: list[str]) -> list[str]:
    """The day labels an axis of ``order`` (every day, in order) shows: all of them up to
    :data:`MAX_DAY_LABELS`; beyond, every k-th day counted back from the last (the newest) and the
    first day in place of the one nearest it, so that neither end's (partial) mark is lost and no
    two labels overlap. Every day keeps its bar or point; only its label is left out."""
    if len(order) <= MAX_DAY_LABELS:
        return order
    step = math.ceil(len(order) / (MAX_DAY_LABELS - 1))
    picked = list(range(len(order) - 1, -1, -step))[::-1]
    if picked[0] < step:
        picked[0] = 0
    else:
        picked.insert(0, 0)
    return [order[i] for i in picked]


def _days_axis(data: ReportData, order: list[str]) -> alt.X:
    """The x axis of a chart per local day, in ``order``, partial days marked on a second line; a
    long range labels some of its days (:func:`shown_days`): a year's 365 labels overlapped into
    a smear, and drawing them took vl-convert most of a second per chart."""
    return alt.X(
        "day_label:O",
        sort=order,
        title=f"Day ({data.window.tz})",
        axis=alt.Axis(labelAngle=0, values=shown_days(order), labelExpr=f"split(datum.label, '{_LINES}')"),
    )


def daily_interceptions(data: ReportData) -> alt.Chart:
    """Interceptions per local day, stacked by provider (the biggest ones by name)."""
    frame = data.frames["by_day_provider"]
    ranked = (
        frame.group_by("label")
        .agg(pl.col("interceptions").sum())
        .sort(["interceptions", "label"], descending=[True, False])
    )
    named = [name for name in ranked["label"].to_list() if name != UNATTRIBUTED]
    keep = named if len(named) <= DAILY_PROVIDERS + 1 else named[:DAILY_PROVIDERS]
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
    frame, order = _day_labels(frame, data.window.partial_days())
    legend = keep + [x for x in (_OTHER, UNATTRIBUTED) if x in frame["provider"].to_list()]
    chart: alt.Chart = (
        alt.Chart(frame, width=WIDTH, height=260)
        .mark_bar()
        .encode(
            x=_days_axis(data, order),
            y=alt.Y("sum(interceptions):Q", title="Interceptions (count)"),
            color=alt.Color(
                "provider:N", sort=legend, title="Provider", scale=colour_scale(legend), legend=alt.Legend(labelLimit=0)
            ),
            order=alt.Order("provider:N"),
        )
    )
    return chart


#: The token kinds of the tokens chart: column, name on the axis, colour.
_TOKEN_KINDS = (
    ("input_tokens", "Input", PALETTE[0]),
    ("output_tokens", "Output", PALETTE[1]),
    ("cache_read_input_tokens", "Cache-read", PALETTE[4]),
)


def daily_tokens(data: ReportData) -> alt.VConcatChart:
    """Input, output and cache-read tokens per local day: one panel each, each on its own axis in
    the unit that suits it (cache reads run to millions while output stays in thousands: on a
    shared axis the output line would lie flat)."""
    frame, order = _day_labels(data.frames["by_day"], data.window.partial_days())
    panels = []
    for column, name, colour in _TOKEN_KINDS:
        divisor, unit = token_unit(float(frame.select(pl.col(column).max()).item() or 0))
        values = frame.select("day_label", (pl.col(column) / divisor).alias("tokens"))
        panels.append(
            alt.Chart(values, width=WIDTH, height=110)
            .mark_line(point=alt.OverlayMarkDef(color=colour), color=colour)
            .encode(
                x=_days_axis(data, order),
                y=alt.Y("tokens:Q", title=f"{name} tokens" + (f" ({unit})" if unit else "")),
            )
        )
    return alt.vconcat(*panels, spacing=14)


def provider_methods(data: ReportData) -> alt.Chart:
    """Interceptions per provider, split by the attribution method that placed them."""
    labels = _short_labels([p["label"] for p in data.providers])
    rows = [
        {"provider": labels[p["label"]], "method": m, "interceptions": n}
        for p in data.providers
        for m, n in p["methods"].items()
    ]
    order = [labels[p["label"]] for p in data.providers]
    frame = pl.DataFrame(rows, schema={"provider": pl.String, "method": pl.String, "interceptions": pl.Int64})
    methods = [m for m in _METHOD_COLOURS if m in frame["method"].to_list()]
    chart: alt.Chart = (
        alt.Chart(frame, width=WIDTH - 180, height=max(60, 24 * len(order)))
        .mark_bar()
        .encode(
            y=alt.Y("provider:N", sort=order, axis=_names_axis("Provider")),
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
    labels = _short_labels(frame[key].to_list())
    order = [labels[x] for x in frame[key].to_list()]
    values = frame.select(pl.col(key).replace_strict(labels, return_dtype=pl.String), "interceptions")
    chart: alt.Chart = (
        alt.Chart(values, width=WIDTH - 200, height=max(60, 22 * len(order)))
        .mark_bar(color=PALETTE[0])
        .encode(
            y=alt.Y(f"{key}:N", sort=order, axis=_names_axis(title)),
            x=alt.X("interceptions:Q", title="Ended interceptions (count)"),
        )
    )
    return chart


def provider_spend(data: ReportData) -> alt.Chart:
    """Recorded cost per provider (USD; the exact figures are in the table beside it)."""
    labels = _short_labels([p["label"] for p in data.providers])
    rows = [
        # Dollars as floats for drawing only: the tables print the exact micro-dollars.
        {"provider": labels[p["label"]], "cost": p["recorded_cost_micros"] / 1_000_000}
        for p in data.providers
        if p["recorded_cost_micros"]
    ]
    frame = pl.DataFrame(rows, schema={"provider": pl.String, "cost": pl.Float64}).sort("cost", descending=True)
    chart: alt.Chart = (
        alt.Chart(frame, width=WIDTH - 180, height=max(60, 24 * frame.height))
        .mark_bar(color=PALETTE[0])
        .encode(
            y=alt.Y("provider:N", sort=frame["provider"].to_list(), axis=_names_axis("Provider")),
            x=alt.X("cost:Q", title="Recorded cost (USD)"),
        )
    )
    return chart


def specs(data: ReportData) -> list[tuple[str, str, str, alt.TopLevelMixin]]:
    """Every chart of the report that has data: key, title, alt text and the altair chart."""
    if not data.totals.get("interceptions"):
        return []
    tz = data.window.tz
    drawn = set(data.frames["by_day"]["day"].to_list())
    partial = "; days the range covers only in part are marked (partial)" if data.window.partial_days() & drawn else ""
    return [
        (
            "daily",
            "Interceptions per day",
            f"Ended interceptions per day in {tz}, stacked by provider{partial}",
            daily_interceptions(data),
        ),
        (
            "tokens",
            "Tokens per day",
            f"Input, output and cache-read tokens per day in {tz}, each on its own scale{partial}",
            daily_tokens(data),
        ),
        (
            "methods",
            "Attribution per provider",
            "Ended interceptions per provider, coloured by attribution method",
            provider_methods(data),
        ),
        *(
            [
                (
                    "spend",
                    "Recorded spend per provider",
                    "Recorded cost in USD per provider instance (strict attribution), providers without any left out",
                    provider_spend(data),
                )
            ]
            if data.totals.get("recorded_cost_micros")
            else []
        ),
        (
            "models",
            "Top models",
            "Ended interceptions of the most used models",
            top_bar(data.top["models"], "model", "Model"),
        ),
        (
            "clients",
            "Sessions and interceptions per client",
            "Ended interceptions and sessions of the most used clients",
            per_client(data.top["clients"]),
        ),
    ]


def per_client(frame: pl.DataFrame) -> alt.Chart:
    """Interceptions and sessions per client (the rows of ``frame``, in its order): two bars per
    client, each series in its own colour, on one count axis."""
    labels = _short_labels(frame["client"].to_list())
    order = [labels[x] for x in frame["client"].to_list()]
    series = ["interceptions", "sessions"]
    values = frame.select(pl.col("client").replace_strict(labels, return_dtype=pl.String), *series).unpivot(
        index="client", variable_name="series", value_name="count"
    )
    chart: alt.Chart = (
        alt.Chart(values, width=WIDTH - 200, height=max(60, 34 * len(order)))
        .mark_bar()
        .encode(
            y=alt.Y("client:N", sort=order, axis=_names_axis("Client")),
            yOffset=alt.YOffset("series:N", sort=series),
            x=alt.X("count:Q", title="Ended interceptions and sessions (count)"),
            color=alt.Color("series:N", sort=series, title="Count of", scale=colour_scale(series)),
        )
    )
    return chart


def render_all(data: ReportData) -> list[Chart]:
    """Every chart of the report that has data, rendered."""
    return [Chart(key, title, alt_text, _svg_uri(chart)) for key, title, alt_text, chart in specs(data)]
