"""The independent check of the summaries: the same figures computed in Polars from Coder's tables.

The package computes every summary figure in SQL (``sql/summaries/``). This oracle starts from
the tables a test loaded into the source (the frames of ``datasets.frames`` or the demo
generator) and the attribution the source gives (``attribute``: the summaries take it as given),
builds one row per interception with its child rows counted and summed in Polars, and groups
those rows in Polars. It shares no SQL with the package, only the constants naming the figures
and keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from aibridge_analytics.errors import ValidationFailed
from aibridge_analytics.pipelines import schemas
from aibridge_analytics.pipelines.attribution import attribute
from aibridge_analytics.pipelines.summaries import FIGURES, KEYS, PERCENTILES, RETENTION_DAYS, SPEND, SUMS, TOKENS
from aibridge_analytics.sources.connection import Connection

COUNTS = ("user_prompts", "token_usages", "tool_calls_injected", "tool_calls_client", "injected_tool_errors")
#: Low-cardinality text columns, held as Categorical once compacted.
CATEGORIES = (
    "resolved_provider_id",
    "provider_name",
    "provider_type",
    "method",
    "model",
    "client",
    "initiator_id",
    "effective_group_id",
)


def _child_sums(tables: Mapping[str, pl.DataFrame]) -> list[pl.DataFrame]:
    """Per interception id: its token usage rows and tokens, prompts, and tool calls."""
    usages = tables["aibridge_token_usages"]
    unpriced = pl.col("cost_micros").is_null() if "cost_micros" in usages.columns else pl.lit(True)
    spend = (
        [
            pl.col("cost_micros").sum().alias("recorded_cost_micros"),
            (~unpriced).sum().alias("priced_token_usages"),
            unpriced.sum().alias("unpriced_token_usages"),
            *(pl.col(c).filter(unpriced).sum().alias(f"unpriced_{c}") for c in TOKENS),
        ]
        if records_spend(tables)
        else []
    )
    tokens = usages.group_by("interception_id").agg(
        pl.len().alias("token_usages"), *(pl.col(c).sum() for c in TOKENS), *spend
    )
    prompts = tables["aibridge_user_prompts"].group_by("interception_id").agg(pl.len().alias("user_prompts"))
    injected = pl.col("injected")
    tools = (
        tables["aibridge_tool_usages"]
        .group_by("interception_id")
        .agg(
            injected.sum().alias("tool_calls_injected"),
            (~injected).sum().alias("tool_calls_client"),
            (injected & pl.col("invocation_error").is_not_null()).sum().alias("injected_tool_errors"),
        )
    )
    return [tokens, prompts, tools]


def records_spend(tables: Mapping[str, pl.DataFrame]) -> bool:
    """Whether the tables carry Coder's cost column (else every spend figure is NULL)."""
    return "cost_micros" in tables["aibridge_token_usages"].columns


def newest_start(tables: Mapping[str, pl.DataFrame], now: datetime | None) -> datetime | None:
    """The newest start not after ``now`` (every start when ``now`` is None)."""
    started = tables["aibridge_interceptions"]["started_at"]
    return started.max() if now is None else started.filter(started <= now).max()


def future_dated(tables: Mapping[str, pl.DataFrame], now: datetime | None) -> int:
    """How many interceptions of the whole source start after ``now``."""
    return 0 if now is None else int((tables["aibridge_interceptions"]["started_at"] > now).sum())


def rows(
    con: Connection,
    tables: Mapping[str, pl.DataFrame],
    since: datetime | None = None,
    until: datetime | None = None,
    retention_days: int = RETENTION_DAYS,
    now: datetime | None = None,
) -> pl.DataFrame:
    """One row per interception started in ``[since, until)``, as :class:`schemas.SummaryRows` declares it.

    ``tables`` are the Coder tables loaded into ``con``; ``con`` gives the attribution.
    """
    newest = newest_start(tables, now)
    attribution = attribute(con).select(
        "interception_id",
        "resolved_provider_id",
        pl.col("resolved_provider_name").alias("provider_name"),
        pl.col("resolved_provider_type").alias("provider_type"),
        "method",
        pl.col("warnings").list.contains("decided_by_current_providers").alias("decided_later"),
    )
    started = pl.col("started_at")
    out = (
        tables["aibridge_interceptions"]
        .filter(
            pl.lit(True) if since is None else started >= since,
            pl.lit(True) if until is None else started < until,
        )
        .select(
            pl.col("id").alias("interception_id"),
            "model",
            "client",
            "initiator_id",
            "client_session_id",
            "thread_root_id",
            "started_at",
            "ended_at",
        )
        .join(attribution, on="interception_id")
    )
    for sums in _child_sums(tables):
        out = out.join(sums, on="interception_id", how="left")
    # The interception's group: the lowest of its token usages' recorded effective groups, as text.
    usages = tables["aibridge_token_usages"]
    group = pl.col("effective_group_id").cast(pl.String).min() if "effective_group_id" in usages.columns else None
    groups = usages.group_by("interception_id").agg(
        pl.lit(None, pl.String).alias("effective_group_id") if group is None else group
    )
    out = out.join(groups, on="interception_id", how="left")
    cutoff = None if newest is None else newest - timedelta(days=retention_days)
    return out.select(
        "interception_id",
        "resolved_provider_id",
        "provider_name",
        "provider_type",
        "method",
        "model",
        pl.col("client").fill_null("Unknown"),
        "initiator_id",
        # Coder's session: the client's session id, else the thread root, else the interception.
        pl.coalesce("client_session_id", "thread_root_id", "interception_id").alias("session_id"),
        pl.coalesce("thread_root_id", "interception_id").alias("thread_root_id"),
        "started_at",
        "ended_at",
        (pl.lit(False) if cutoff is None else started < cutoff).alias("outside_retention"),
        "decided_later",
        *(pl.col(c).fill_null(0).cast(pl.Int64) for c in SUMS),
        # Spend: 0 for an interception without token usage rows, NULL where none is recorded.
        *((pl.col(c).fill_null(0) if records_spend(tables) else pl.lit(None)).cast(pl.Int64).alias(c) for c in SPEND),
        "effective_group_id",
    )


def _compact(found: pl.DataFrame) -> pl.DataFrame:
    """Rows reduced to what the grouping needs; sessions and threads keyed by their exact text."""
    return found.select(
        *(pl.col(c).cast(pl.Categorical) for c in CATEGORIES),
        # initiator_id has a fixed length, so the separator cannot make two sessions one.
        pl.concat_str("session_id", "initiator_id", separator=" ").alias("session_key"),
        pl.col("thread_root_id").alias("thread_key"),
        "started_at",
        (pl.col("ended_at") - pl.col("started_at")).dt.total_microseconds().alias("duration_us"),
        "outside_retention",
        "decided_later",
        *(pl.col(c).cast(pl.UInt32) for c in COUNTS),
        *TOKENS,
        *SPEND,
    )


def load_rows(
    con: Connection,
    tables: Mapping[str, pl.DataFrame],
    since: datetime | None = None,
    until: datetime | None = None,
    retention_days: int = RETENTION_DAYS,
    now: datetime | None = None,
    lax: bool = False,
) -> tuple[pl.DataFrame, list[str]]:
    """The compacted rows of :func:`rows`, validated against the row schema, and (if ``lax``) its problems."""
    found = rows(con, tables, since, until, retention_days, now)
    problems = []
    try:
        schemas.validate(found.drop(*SPEND, "effective_group_id"), schemas.SummaryRows, "oracle rows")
    except ValidationFailed as exc:
        if not lax:
            raise
        problems.append(str(exc))
    return _compact(found), problems


def _key_exprs(keys: Sequence[str], tz: str) -> list[pl.Expr]:
    local_day = pl.col("started_at").dt.convert_time_zone(tz).dt.date()
    exprs = {
        "day": local_day.alias("day"),
        # ISO weeks: back from the local day to its Monday (weekday 1).
        "week": (local_day - pl.duration(days=local_day.dt.weekday() - 1)).alias("week"),
    }
    return [exprs.get(c, pl.col(c)) for k in keys for c in KEYS[k]]


def percentile_us(interpolated_us: pl.Expr) -> pl.Expr:
    """A percentile of whole microseconds, linearly interpolated, rounded half up to the microsecond.

    The exact interpolation of whole microseconds at ``q * (n - 1)`` (q in hundredths) is a whole
    number of hundredths of a microsecond: the floating result is brought to that number (the
    floating error is far below half a hundredth) and rounded half up to the microsecond.
    """
    hundredths = (interpolated_us * 100).round().cast(pl.Int64)
    return (hundredths + 50) // 100


def _in_ms(micros: pl.Series) -> pl.Series:
    # Polars divides by a constant as a multiplication by its reciprocal (9 / 1000 gives
    # 0.009000000000000001); numpy's true division is the one IEEE operation SQL performs.
    return pl.Series(micros.name, np.divide(micros.cast(pl.Float64).to_numpy(), 1000.0))


def _partial(by: Sequence[str], tz: str, since: datetime | None, until: datetime | None) -> list[pl.Expr]:
    """``partial`` for a frame with a day or week key, from Polars' own zone arithmetic: the
    bucket's first and last local instants against the range."""
    unit = next((k for k in ("day", "week") if k in by), None)
    if unit is None:
        return []

    def instant(days: int) -> pl.Expr:
        local = (pl.col(unit) + pl.duration(days=days)).cast(pl.Datetime("us"))
        return local.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="raise").dt.convert_time_zone("UTC")

    cut = pl.lit(False)
    if since is not None:
        cut = cut | (instant(0) < pl.lit(since).dt.convert_time_zone("UTC"))
    if until is not None:
        cut = cut | (instant(1 if unit == "day" else 7) > pl.lit(until).dt.convert_time_zone("UTC"))
    return [cut.alias("partial")]


def group(
    compacted: pl.DataFrame | pl.LazyFrame,
    by: Sequence[str],
    tz: str = "UTC",
    since: datetime | None = None,
    until: datetime | None = None,
) -> pl.DataFrame:
    """Group compacted rows (see :func:`load_rows`) into the summary frame for keys ``by``, whose
    range ``[since, until)`` decides the ``partial`` column of a day or week key."""
    columns = [c for k in by for c in KEYS[k]]
    figures = [
        pl.len().alias("interceptions"),
        pl.col("initiator_id").n_unique().alias("initiators"),
        pl.col("session_key").n_unique().alias("sessions"),
        pl.col("thread_key").n_unique().alias("threads"),
        *(pl.col(c).sum().alias(c) for c in SUMS),
        # A sum of nothing recorded stays NULL (not recorded), as SQL's SUM of NULLs does.
        *(pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c) for c in SPEND),
        *(
            percentile_us(pl.col("duration_us").quantile(q / 100, interpolation="linear")).alias(f"duration_p{q}_ms")
            for q in PERCENTILES
        ),
    ]
    ended = compacted.lazy().filter(pl.col("duration_us").is_not_null())
    # A constant key makes the grand total (no keys) an ordinary group: empty input, no rows.
    keyed = ended.with_columns(*_key_exprs(by, tz), pl.lit(0).alias("_all"))
    out = keyed.group_by([*columns, "_all"]).agg(figures).drop("_all")
    out = out.with_columns(
        *(pl.col(c).cast(pl.String) for c in columns if c in CATEGORIES),
        *(pl.col(c).cast(pl.Int64) for c in FIGURES if not c.startswith("duration")),
        *(pl.col(c).map_batches(_in_ms, return_dtype=pl.Float64) for c in FIGURES if c.startswith("duration")),
    )
    marks = _partial(by, tz, since, until)
    return out.with_columns(*marks).sort(columns, nulls_last=True).select(*columns, *marks, *FIGURES).collect()


def completeness(
    compacted: pl.DataFrame,
    tables: Mapping[str, pl.DataFrame],
    tz: str,
    since: datetime | None,
    until: datetime | None,
    retention_days: int = RETENTION_DAYS,
    now: datetime | None = None,
) -> pl.DataFrame:
    """The completeness row of compacted rows (see ``summaries._completeness``)."""
    ended = pl.col("duration_us").is_not_null()
    counts = compacted.select(
        pl.len().alias("rows_total"),
        (~ended).sum().alias("in_flight"),
        ended.sum().alias("summarised"),
        (ended & pl.col("resolved_provider_id").is_null()).sum().alias("unattributed"),
        (ended & pl.col("method").is_in(["ambiguous_type", "ambiguous_name"])).sum().alias("ambiguous"),
        (ended & pl.col("decided_later")).sum().alias("decided_later"),
        pl.col("outside_retention").sum().alias("outside_retention"),
    ).row(0, named=True)
    total = counts["summarised"]
    return pl.DataFrame(
        [
            {
                "tz": tz,
                "since": since,
                "until": until,
                **{k: counts[k] for k in ("rows_total", "in_flight", "summarised", "unattributed")},
                "unattributed_share": counts["unattributed"] / total if total else None,
                "ambiguous": counts["ambiguous"],
                "ambiguous_share": counts["ambiguous"] / total if total else None,
                "decided_later": counts["decided_later"],
                "outside_retention": counts["outside_retention"],
                "retention_days": retention_days,
                "future_dated": future_dated(tables, now),
            }
        ],
        schema={
            "tz": pl.String,
            "since": pl.Datetime("us", "UTC"),
            "until": pl.Datetime("us", "UTC"),
            **{k: pl.Int64 for k in ("rows_total", "in_flight", "summarised", "unattributed")},
            "unattributed_share": pl.Float64,
            "ambiguous": pl.Int64,
            "ambiguous_share": pl.Float64,
            **{k: pl.Int64 for k in ("decided_later", "outside_retention", "retention_days", "future_dated")},
        },
    )


def sessions(compacted: pl.DataFrame) -> dict:
    """The report's session figures of compacted rows (ended interceptions only)."""
    per = (
        compacted.lazy()
        .filter(pl.col("duration_us").is_not_null())
        .group_by("session_key")
        .agg(
            pl.len().alias("n"),
            pl.col("resolved_provider_id").n_unique().alias("providers"),
            pl.col("model").n_unique().alias("models"),
            ((pl.col("started_at").max() - pl.col("started_at").min()).dt.total_seconds() / 60).alias("span_min"),
        )
        .collect()
    )
    if per.is_empty():
        return {"sessions": 0}
    return {
        "sessions": per.height,
        "interceptions_per_session_median": float(per["n"].median()),
        "interceptions_per_session_p90": float(per["n"].quantile(0.9, interpolation="linear")),
        "span_minutes_median": float(per["span_min"].median()),
        "multi_provider_sessions": int((per["providers"] > 1).sum()),
        "multi_model_sessions": int((per["models"] > 1).sum()),
        "single_interception_sessions": int((per["n"] == 1).sum()),
    }


def raw_totals(
    tables: Mapping[str, pl.DataFrame], since: datetime | None = None, until: datetime | None = None
) -> dict[str, int]:
    """Totals of the ended interceptions started in ``[since, until)`` straight from the tables,
    without the attribution: what a summary's groups must add up to."""
    started = pl.col("started_at")
    ended = (
        tables["aibridge_interceptions"]
        .filter(
            pl.col("ended_at").is_not_null(),
            pl.lit(True) if since is None else started >= since,
            pl.lit(True) if until is None else started < until,
        )
        .select(pl.col("id").alias("interception_id"))
    )
    totals = {"interceptions": ended.height}
    for sums in _child_sums(tables):
        kept = sums.join(ended, on="interception_id", how="semi").drop("interception_id")
        totals.update({c: int(kept[c].sum()) for c in kept.columns})
    return {f: totals[f] for f in ("interceptions", *SUMS)}
