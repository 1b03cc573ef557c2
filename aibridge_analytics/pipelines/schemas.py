"""pandera schemas for every frame that crosses a boundary: Coder's tables as they enter Polars,
the attribution rows, the row schema a summary's source rows must meet, the summary and its
completeness figures.

What a frame must hold is declared here, once; :func:`validate` checks an *eager* frame (a
LazyFrame would only be schema-checked, its values would pass unseen) and turns pandera's failure
report into one :class:`~aibridge_analytics.errors.ValidationFailed` that names the frame, each
failing column and check, and a few of the failing rows.

Times are ``Datetime("us", "UTC")``: engines.canonical converts every engine's timestamps to that,
and a frame in ``Etc/UTC`` (DuckDB's name when its TimeZone is not set) fails the check on purpose.
"""

from __future__ import annotations

import os
from typing import Annotated

import polars as pl

from aibridge_analytics.errors import ValidationFailed
from aibridge_analytics.pipelines.attribution import (
    METHODS,
    RESOLVING_METHODS,
    WARNINGS,
)

# Where pandas is installed (Spark Connect's client brings it), importing pandera sets
# PYARROW_IGNORE_TIMEZONE=1 for PySpark's sake, and from then on pyarrow drops the offset of every
# aware datetime it converts: an export's "10:00+02:00" would be stored as 10:00 UTC. This package
# never needs that setting; a value the user set is left alone.
_IGNORE_TZ = "PYARROW_IGNORE_TIMEZONE"
_user_ignores_tz = _IGNORE_TZ in os.environ
import pandera.polars as pa  # noqa: E402

if not _user_ignores_tz:
    os.environ.pop(_IGNORE_TZ, None)


UTC = Annotated[pl.Datetime, "us", "UTC"]

#: Rows of a failing frame shown per failed check, and characters per shown value.
SHOWN_ROWS = 3
_SHOWN_CHARS = 60


class ValidationWarning(UserWarning):
    """A frame failed its schema but the caller asked to go on (``--lax``)."""


def _ended_after_start(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(pl.col("ended_at").is_null() | (pl.col("ended_at") >= pl.col("started_at")))


# --- Coder's tables as they enter Polars (docs/coder-data-model.md) ------------------------------


class Providers(pa.DataFrameModel):
    """ai_providers."""

    id: str = pa.Field(unique=True)
    type: str
    name: str
    display_name: str = pa.Field(nullable=True)
    enabled: bool
    deleted: bool
    base_url: str
    settings: str = pa.Field(nullable=True)
    created_at: UTC
    updated_at: UTC


class Interceptions(pa.DataFrameModel):
    """aibridge_interceptions (older schema versions lack the optional columns)."""

    id: str = pa.Field(unique=True)
    initiator_id: str
    provider: str
    provider_name: str | None
    provider_id: str | None = pa.Field(nullable=True)
    model: str
    started_at: UTC
    ended_at: UTC = pa.Field(nullable=True)
    client: str | None = pa.Field(nullable=True)
    thread_parent_id: str | None = pa.Field(nullable=True)
    thread_root_id: str | None = pa.Field(nullable=True)
    client_session_id: str | None = pa.Field(nullable=True)

    @pa.dataframe_check
    @classmethod
    def ended_at_not_before_started_at(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _ended_after_start(data)


class TokenUsages(pa.DataFrameModel):
    """aibridge_token_usages."""

    id: str = pa.Field(unique=True)
    interception_id: str
    input_tokens: pl.Int64 = pa.Field(ge=0)
    output_tokens: pl.Int64 = pa.Field(ge=0)
    cache_read_input_tokens: pl.Int64 | None = pa.Field(ge=0)
    cache_write_input_tokens: pl.Int64 | None = pa.Field(ge=0)
    created_at: UTC
    # Recorded spend (newer Coder): NULL when unpriced; never negative.
    input_price_micros: pl.Int64 | None = pa.Field(nullable=True, ge=0)
    output_price_micros: pl.Int64 | None = pa.Field(nullable=True, ge=0)
    cache_read_price_micros: pl.Int64 | None = pa.Field(nullable=True, ge=0)
    cache_write_price_micros: pl.Int64 | None = pa.Field(nullable=True, ge=0)
    cost_micros: pl.Int64 | None = pa.Field(nullable=True, ge=0)


class UserPrompts(pa.DataFrameModel):
    """aibridge_user_prompts."""

    id: str = pa.Field(unique=True)
    interception_id: str
    prompt: str
    created_at: UTC


class ToolUsages(pa.DataFrameModel):
    """aibridge_tool_usages (server_url NULL = a client-defined tool)."""

    id: str = pa.Field(unique=True)
    interception_id: str
    server_url: str = pa.Field(nullable=True)
    tool: str
    injected: bool
    invocation_error: str = pa.Field(nullable=True)
    created_at: UTC


class ModelThoughts(pa.DataFrameModel):
    """aibridge_model_thoughts (no key of its own)."""

    interception_id: str
    content: str
    created_at: UTC


class Users(pa.DataFrameModel):
    """users: the columns this package reads (a username is unique among live users only)."""

    id: str = pa.Field(unique=True)
    username: str
    name: str = pa.Field(nullable=True)
    deleted: bool = pa.Field(nullable=True)


class ModelPrices(pa.DataFrameModel):
    """ai_model_prices: a price per million tokens of each kind, in micro-units (NULL: none)."""

    id: str = pa.Field(unique=True)
    provider: str = pa.Field(nullable=True)
    model: str
    input_price_micros: pl.Int64 = pa.Field(nullable=True, ge=0)
    output_price_micros: pl.Int64 = pa.Field(nullable=True, ge=0)
    cache_read_price_micros: pl.Int64 = pa.Field(nullable=True, ge=0)
    cache_write_price_micros: pl.Int64 = pa.Field(nullable=True, ge=0)
    provider_id: str | None = pa.Field(nullable=True)


# --- frames this package produces ------------------------------------------------------------


class AttributionRows(pa.DataFrameModel):
    """The output of ``attribute`` (README: attribution)."""

    interception_id: str = pa.Field(unique=True)
    resolved_provider_id: str = pa.Field(nullable=True)
    method: str = pa.Field(isin=METHODS)
    provider: str
    provider_name: str
    provider_id: str = pa.Field(nullable=True)
    warnings: Annotated[pl.List, pl.String]

    @pa.check("warnings")
    @classmethod
    def known_warnings(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).list.eval(pl.element().is_in(WARNINGS)).list.all())

    @pa.dataframe_check
    @classmethod
    def resolved_unless_unattributed(cls, data: pa.PolarsData) -> pl.LazyFrame:
        # Only these methods name a provider; the others must leave it null.
        names = pl.col("method").is_in(RESOLVING_METHODS)
        return data.lazyframe.select(names == pl.col("resolved_provider_id").is_not_null())


class _ChildSums(pa.DataFrameModel):
    """The child-table figures, counted per interception or per group: never negative."""

    user_prompts: pl.Int64 = pa.Field(ge=0)
    token_usages: pl.Int64 = pa.Field(ge=0)
    input_tokens: pl.Int64 = pa.Field(ge=0)
    output_tokens: pl.Int64 = pa.Field(ge=0)
    cache_read_input_tokens: pl.Int64 = pa.Field(ge=0)
    cache_write_input_tokens: pl.Int64 = pa.Field(ge=0)
    tool_calls_injected: pl.Int64 = pa.Field(ge=0)
    tool_calls_client: pl.Int64 = pa.Field(ge=0)
    injected_tool_errors: pl.Int64 = pa.Field(ge=0)


class SummaryRows(_ChildSums):
    """One interception as a summary counts it, its child rows summed: the row schema that
    ``sql/summaries/anomalies.sql`` checks where the data lives (:data:`ROW_ANOMALIES`)."""

    interception_id: str = pa.Field(unique=True)
    resolved_provider_id: str = pa.Field(nullable=True)
    provider_name: str = pa.Field(nullable=True)
    provider_type: str = pa.Field(nullable=True)
    method: str = pa.Field(isin=METHODS)
    model: str
    client: str
    initiator_id: str
    session_id: str
    thread_root_id: str
    started_at: UTC
    ended_at: UTC = pa.Field(nullable=True)
    outside_retention: bool
    decided_later: bool

    @pa.dataframe_check
    @classmethod
    def ended_at_not_before_started_at(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _ended_after_start(data)

    @pa.dataframe_check
    @classmethod
    def errors_only_on_injected_calls(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("injected_tool_errors") <= pl.col("tool_calls_injected"))

    class Config:
        strict = True


#: Every anomaly of source rows that breaks :class:`SummaryRows`, as ``sql/summaries/anomalies.sql``
#: finds it row by row: name -> (the kind of row holding it, what is wrong with that row).
ROW_ANOMALIES: dict[str, tuple[str, str]] = {
    "duplicate_id": ("interception id", "held by several rows (interception_id: unique)"),
    "ended_before_start": ("interception", "ending before it starts (ended_at_not_before_started_at)"),
    "missing_value": ("interception", "without an id, initiator, model or start (not nullable)"),
    **{
        f"negative_{c}": ("token usage", f"with a negative {c} ({c}: greater_than_or_equal_to(0))")
        for c in ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens")
    },
}


def anomalies_failure(name: str, found: pl.DataFrame, hint: str = "") -> ValidationFailed | None:
    """The error for the anomalies ``found`` (rows of ``sql/summaries/anomalies.sql``), or None.

    One line names every anomaly and how many rows hold it; the details give an example id each.
    """
    if found.is_empty():
        return None
    parts, details = [], []
    for r in found.iter_rows(named=True):
        kind, what = ROW_ANOMALIES[r["anomaly"]]
        n = r["row_count"]
        parts.append(f"{r['anomaly']} ({n} {kind}{'' if n == 1 else 's'})")
        details.append(
            f"  {r['anomaly']}: {n} {kind}{'' if n == 1 else 's'} {what}, e.g. in interception {r['example_id']}"
        )
    return ValidationFailed(f"{name} break the row schema: {', '.join(parts)}{hint}", details)


class _GroupKeys(pa.DataFrameModel):
    """The keys a summary or a what-if groups by (``--by``), each optional: only the chosen ones
    are columns of a result."""

    resolved_provider_id: str | None = pa.Field(nullable=True)
    provider_name: str | None = pa.Field(nullable=True)
    provider_type: str | None = pa.Field(nullable=True)
    model: str | None
    client: str | None
    initiator_id: str | None
    # Looked up beside initiator_id (pipelines.users): NULL where the source has no users table.
    initiator_username: str | None = pa.Field(nullable=True)
    initiator_name: str | None = pa.Field(nullable=True)
    day: pl.Date | None
    week: pl.Date | None
    method: str | None = pa.Field(isin=METHODS)
    # The interception's effective group (--by group): NULL where not recorded.
    effective_group_id: str | None = pa.Field(nullable=True)

    @pa.dataframe_check
    @classmethod
    def week_starts_on_monday(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A week is named by its Monday."""
        if "week" not in data.lazyframe.collect_schema().names():
            return data.lazyframe.select(pl.lit(True))
        return data.lazyframe.select(pl.col("week").dt.weekday() == 1)


class Summary(_ChildSums, _GroupKeys):
    """The output of ``summary``: the chosen keys, then the figures."""

    partial: pl.Boolean | None  # with day or week: the range covers the bucket in part
    interceptions: pl.Int64 = pa.Field(ge=1)
    initiators: pl.Int64 = pa.Field(ge=1)
    sessions: pl.Int64 = pa.Field(ge=1)
    threads: pl.Int64 = pa.Field(ge=1)
    duration_p50_ms: pl.Float64 = pa.Field(ge=0)
    duration_p90_ms: pl.Float64 = pa.Field(ge=0)
    duration_p95_ms: pl.Float64 = pa.Field(ge=0)
    duration_p99_ms: pl.Float64 = pa.Field(ge=0)
    # Recorded spend: NULL where the source records none ("not recorded", never 0).
    recorded_cost_micros: pl.Int64 = pa.Field(nullable=True, ge=0)
    priced_token_usages: pl.Int64 = pa.Field(nullable=True, ge=0)
    unpriced_token_usages: pl.Int64 = pa.Field(nullable=True, ge=0)
    unpriced_input_tokens: pl.Int64 = pa.Field(nullable=True, ge=0)
    unpriced_output_tokens: pl.Int64 = pa.Field(nullable=True, ge=0)
    unpriced_cache_read_input_tokens: pl.Int64 = pa.Field(nullable=True, ge=0)
    unpriced_cache_write_input_tokens: pl.Int64 = pa.Field(nullable=True, ge=0)
    # With a price book only: its estimate of the unpriced usage, and recorded + estimated.
    estimated_cost_micros: pl.Int64 | None = pa.Field(ge=0)
    estimated_token_usages: pl.Int64 | None = pa.Field(ge=0)
    unestimated_token_usages: pl.Int64 | None = pa.Field(ge=0)
    recorded_plus_estimated_cost_micros: pl.Int64 | None = pa.Field(nullable=True, ge=0)

    @pa.dataframe_check
    @classmethod
    def estimated_usages_are_unpriced_ones(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """The book prices some unpriced usages and not the others: together they are the unpriced ones."""
        if "estimated_token_usages" not in data.lazyframe.collect_schema().names():
            return data.lazyframe.select(pl.lit(True))
        c = pl.col
        unpriced = c("unpriced_token_usages").fill_null(c("token_usages"))  # not recorded: every usage
        return data.lazyframe.select(c("estimated_token_usages") + c("unestimated_token_usages") == unpriced)

    @pa.dataframe_check
    @classmethod
    def spend_recorded_or_not(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Every spend figure of a row is recorded, or none is (a source has the cost columns or not)."""
        from aibridge_analytics.pipelines.summaries import SPEND

        nulls = [pl.col(c).is_null().cast(pl.Int8) for c in SPEND]
        return data.lazyframe.select(pl.sum_horizontal(nulls).is_in([0, len(SPEND)]))

    @pa.dataframe_check
    @classmethod
    def usages_priced_or_unpriced(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Each token usage row is priced or unpriced: the two counts add up to token_usages."""
        c = pl.col
        return data.lazyframe.select(
            c("priced_token_usages").is_null()
            | (c("priced_token_usages") + c("unpriced_token_usages") == c("token_usages"))
        )

    @pa.dataframe_check
    @classmethod
    def unpriced_tokens_within_tokens(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Unpriced tokens of a kind are some of the tokens of that kind."""
        checks = [
            pl.col(f"unpriced_{k}").is_null() | (pl.col(f"unpriced_{k}") <= pl.col(k))
            for k in ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens")
        ]
        return data.lazyframe.select(pl.all_horizontal(checks))

    @pa.dataframe_check
    @classmethod
    def percentiles_ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        p = [pl.col(f"duration_p{q}_ms") for q in (50, 90, 95, 99)]
        return data.lazyframe.select((p[0] <= p[1]) & (p[1] <= p[2]) & (p[2] <= p[3]))

    class Config:
        strict = True


class WhatIf(_GroupKeys):
    """The what-if repricing (``spend --what-if``): the chosen keys, then recorded and repriced spend."""

    token_usages: pl.Int64 = pa.Field(ge=1)
    # Recorded figures and the difference: NULL where the source records no spend, never 0.
    recorded_cost_micros: pl.Int64 = pa.Field(nullable=True, ge=0)
    priced_token_usages: pl.Int64 = pa.Field(nullable=True, ge=0)
    repriced_cost_micros: pl.Int64 = pa.Field(nullable=True, ge=0)  # NULL: the book prices none
    repriced_token_usages: pl.Int64 = pa.Field(ge=0)
    unrepriced_token_usages: pl.Int64 = pa.Field(ge=0)
    compared_token_usages: pl.Int64 = pa.Field(nullable=True, ge=0)
    difference_micros: pl.Int64 = pa.Field(nullable=True)  # NULL: no usage both price

    @pa.dataframe_check
    @classmethod
    def every_usage_repriced_or_not(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """The book prices some usages and not the others: together they are every usage."""
        c = pl.col
        return data.lazyframe.select(c("repriced_token_usages") + c("unrepriced_token_usages") == c("token_usages"))

    @pa.dataframe_check
    @classmethod
    def compared_within_both(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """The usages compared are priced by Coder and by the book."""
        c = pl.col
        return data.lazyframe.select(
            c("compared_token_usages").is_null()
            | (
                (c("compared_token_usages") <= c("priced_token_usages"))
                & (c("compared_token_usages") <= c("repriced_token_usages"))
            )
        )

    class Config:
        strict = True


class Completeness(pa.DataFrameModel):
    """How far a summary's figures can be trusted: one row per summary."""

    tz: str
    since: UTC = pa.Field(nullable=True)
    until: UTC = pa.Field(nullable=True)
    rows_total: pl.Int64 = pa.Field(ge=0)
    in_flight: pl.Int64 = pa.Field(ge=0)
    summarised: pl.Int64 = pa.Field(ge=0)
    unattributed: pl.Int64 = pa.Field(ge=0)
    unattributed_share: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 1})
    ambiguous: pl.Int64 = pa.Field(ge=0)
    ambiguous_share: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 1})
    decided_later: pl.Int64 = pa.Field(ge=0)
    outside_retention: pl.Int64 = pa.Field(ge=0)
    retention_days: pl.Int64 = pa.Field(ge=0)
    future_dated: pl.Int64 = pa.Field(ge=0)

    @pa.dataframe_check
    @classmethod
    def parts_fit_the_whole(cls, data: pa.PolarsData) -> pl.LazyFrame:
        c = pl.col
        return data.lazyframe.select(
            (c("summarised") + c("in_flight") == c("rows_total"))
            & (c("unattributed") <= c("summarised"))
            & (c("ambiguous") <= c("unattributed"))
            & (c("outside_retention") <= c("rows_total"))
        )

    class Config:
        strict = True


# --- checking --------------------------------------------------------------------------------


def _shown(row: dict[str, object]) -> str:
    def short(v: object) -> str:
        text = repr(v.isoformat() if hasattr(v, "isoformat") else v)
        return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."

    return "{" + ", ".join(f"{k}: {short(v)}" for k, v in row.items()) + "}"


def _failure(name: str, frame: pl.DataFrame, cases: pl.DataFrame) -> ValidationFailed:
    """One line naming each failing column and check with its count; example rows as details."""
    parts, details = [], []
    for (column, check), group in cases.group_by(["column", "check"], maintain_order=True):
        rows = sorted({int(i) for i in group["index"].drop_nulls()})
        head = f"{column}: {check}"
        if not rows:
            case = str(group["failure_case"][0]).strip().splitlines() or [""]
            parts.append(f"{head} ({case[0]})")
            continue
        parts.append(f"{head} ({len(rows)} row{'' if len(rows) == 1 else 's'})")
        details.append(f"  {head}: {len(rows)} row(s), e.g.")
        details += [f"    row {i}: {_shown(frame.row(i, named=True))}" for i in rows[:SHOWN_ROWS]]
    return ValidationFailed(f"{name} fails its schema: {'; '.join(parts)}", details)


def validate(frame: pl.DataFrame, model: type[pa.DataFrameModel], name: str | None = None) -> pl.DataFrame:
    """Check ``frame`` (eager, so values are checked) against ``model``; return it unchanged.

    Raises ValidationFailed naming, on one line, the frame (``name``, default the model's) and each
    failing column and check with its count; its details show up to :data:`SHOWN_ROWS` failing
    rows per check.
    """
    if isinstance(frame, pl.LazyFrame):
        raise TypeError("validate() takes an eager DataFrame: a LazyFrame's values would not be checked")
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise _failure(name or model.__name__, frame, exc.failure_cases) from None
    return frame
