"""Per-provider summaries: what Coder's telemetry reports, per provider *instance*, over any range.

Two pipelines compute the same figures:

- `summarise` (the ``summary`` command) pushes the grouping down: ``sql/summaries/figures.sql``
  and ``sql/summaries/child_sums.sql``, rendered with just the ``--by`` keys, run where the data
  lives (DuckDB, or the PostgreSQL server) and return one row per group each; Polars joins and
  shapes the small results and pandera validates them.
  Ten million interceptions never cross into Python.
- `load_rows` + `group` read one row per interception (``sql/summaries/rows.sql``, validated
  row by row) and group in Polars. The report uses it, reading a week once and grouping it
  several ways; the tests use it as the independent check of the SQL pipeline.

Definitions (README: per-provider summaries):

- only ended interceptions count; in-flight ones (``ended_at`` NULL) are left out of the figures
  and counted in the completeness figures;
- ``sessions`` = distinct (session_id, initiator_id), as Coder groups sessions;
- ``threads`` = distinct thread roots, ``COALESCE(thread_root_id, id)``;
- durations are ``ended_at - started_at`` in whole microseconds; each percentile is linearly
  interpolated (as SQL's PERCENTILE_CONT) and rounded by one rule (:func:`percentile_us`), the
  same in DuckDB, PostgreSQL and Polars, then given in milliseconds;
- ``day`` / ``week`` are dates in the chosen IANA zone, weeks starting on Monday (ISO);
- rows without a resolved provider form their own group (null ``resolved_provider_id``), so the
  groups always add up to the whole.
"""

from __future__ import annotations

import warnings
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

import numpy as np
import polars as pl

from aibridge_analytics.catalogue import values
from aibridge_analytics.errors import UsageError, ValidationFailed
from aibridge_analytics.sources.connection import (
    Connection,
)

#: ``--by`` key -> the output columns it adds, in output order.
KEYS: dict[str, tuple[str, ...]] = {
    "provider": ("resolved_provider_id", "provider_name", "provider_type"),
    "model": ("model",),
    "client": ("client",),
    "initiator": ("initiator_id",),
    "day": ("day",),
    "week": ("week",),
    "method": ("method",),
}

COUNTS = ("user_prompts", "token_usages", "tool_calls_injected", "tool_calls_client", "injected_tool_errors")
TOKENS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens")
SUMS = ("user_prompts", "token_usages", *TOKENS, "tool_calls_injected", "tool_calls_client", "injected_tool_errors")
PERCENTILES = (50, 90, 95, 99)
FIGURES = ("interceptions", "initiators", "sessions", "threads", *SUMS, *(f"duration_p{q}_ms" for q in PERCENTILES))
"""The figure columns of a summary, in output order (after the keys)."""

RETENTION_DAYS = 60
"""Coder's default retention: rows older than this before the newest start may have been deleted."""

#: Columns that follow from another key column (the provider's id), never grouped or joined by.
_DEPENDENT = ("provider_name",)
#: Low-cardinality text columns, held as Categorical once they reach Polars.
_CATEGORIES = ("resolved_provider_id", "provider_name", "provider_type", "method", "model", "client", "initiator_id")
#: Rows per batch read from DuckDB: each batch's text is dropped before the next arrives.
_BATCH_ROWS = 250_000


@dataclass(frozen=True)
class SummaryResult:
    """A summary, its completeness figures, and the validation problems a lax run let through."""

    frame: pl.DataFrame
    completeness: pl.DataFrame
    problems: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line stating the zone, the range and how complete the figures are."""
        c = self.completeness.row(0, named=True)

        def pct(share: float | None) -> str:
            return "n/a" if share is None else f"{share:.1%}"

        span = " .. ".join("open" if t is None else t.isoformat() for t in (c["since"], c["until"]))
        return (
            f"summary: tz={c['tz']}, started in [{span}), {c['summarised']} of {c['rows_total']} interceptions "
            f"summarised ({c['in_flight']} in flight), unattributed {c['unattributed']} ({pct(c['unattributed_share'])}), "
            f"ambiguous {c['ambiguous']} ({pct(c['ambiguous_share'])}), "
            f"decided by providers created later {c['decided_later']}, "
            f"outside {c['retention_days']}-day retention {c['outside_retention']}, "
            f"future-dated {c['future_dated']} (in the whole source, started after the generation time)"
        )


# --- arguments -----------------------------------------------------------------------------


def parse_keys(by: str | Iterable[str] | None) -> list[str]:
    """The ``--by`` keys as a list (comma-separated text or an iterable), duplicates dropped."""
    if by is None:
        return []
    items = by.split(",") if isinstance(by, str) else list(by)
    keys: list[str] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        if item not in KEYS:
            raise UsageError(f"unknown --by key {item!r}; use any of {', '.join(KEYS)}")
        if item not in keys:
            keys.append(item)
    return keys


def check_zone(tz: str) -> str:
    """``tz`` if it names an IANA time zone both Python and Polars know, else a UsageError."""
    try:
        zoneinfo.ZoneInfo(str(tz))
        pl.Series([datetime(2026, 1, 1)], dtype=pl.Datetime("us", "UTC")).dt.convert_time_zone(str(tz))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, pl.exceptions.PolarsError):
        raise UsageError(f"unknown time zone {tz!r}; use an IANA name such as UTC or Europe/Berlin") from None
    return str(tz)


def parse_instant(value: Any, what: str, tz: str, now: datetime | None = None) -> datetime | None:
    """An instant for ``--since``/``--until`` (None stays None): see :func:`values.parse_timestamp`.

    A value without an offset (``2026-03-29`` or ``2026-03-29T08:00``) is read in the summary's
    zone ``tz``, so that ``--since 2026-03-29 --tz Europe/Berlin`` starts exactly at that day's
    bucket; values with an offset and ages (counted back from ``now``) are absolute.
    """
    return None if value is None else values.parse_timestamp(value, what, now=now, tz=tz)


# --- reading the per-interception rows ---------------------------------------------------------


def _compact(rows: pl.DataFrame) -> pl.DataFrame:
    """Rows reduced to what the grouping needs, small enough to hold tens of millions.

    Sessions and threads are counted by 64-bit hashes of their keys: ten million distinct keys
    collide with a probability of about 3e-6 (n^2 / 2^65), far below any figure's precision.
    """
    return rows.select(
        *(pl.col(c).cast(pl.Categorical) for c in _CATEGORIES),
        # initiator_id has a fixed length, so the separator cannot make two sessions one.
        pl.concat_str("session_id", "initiator_id", separator=" ").hash().alias("session_key"),
        pl.col("thread_root_id").hash().alias("thread_key"),
        "started_at",
        (pl.col("ended_at") - pl.col("started_at")).dt.total_microseconds().alias("duration_us"),
        "outside_retention",
        "decided_later",
        *(pl.col(c).cast(pl.UInt32) for c in COUNTS),
        *TOKENS,
    )


def load_rows(con: Connection, since: datetime | None, until: datetime | None,
              retention_days: int = RETENTION_DAYS, lax: bool = False,
              now: datetime | None = None) -> tuple[pl.DataFrame, list[str]]:
    """The compacted, validated per-interception rows and, if ``lax``, the validation problems.

    ``now`` is the generation time: retention counts back from the newest start not after it.

    Each batch is validated eagerly as it arrives (with its interception ids still present, so a
    failure names the rows); without ``lax`` the first failure raises ValidationFailed.
    """
    from aibridge_analytics.pipelines import schemas  # pandera is slow to import: only when a summary is computed

    params = {"since": since, "until": until, "retention_days": retention_days, "now": now}
    parts, problems = [], []
    for batch in con.stream("summaries/rows", batch_rows=_BATCH_ROWS, params=params):
        try:
            schemas.validate(batch, schemas.SummaryRows, "summary input rows (sql/summaries/rows.sql)")
        except ValidationFailed as exc:
            if not lax:
                raise
            problems.append(str(exc))
        parts.append(_compact(batch))
    return pl.concat(parts, rechunk=False), problems


# --- the pipelines ------------------------------------------------------------------------------


def _key_exprs(keys: Sequence[str], tz: str) -> list[pl.Expr]:
    local_day = pl.col("started_at").dt.convert_time_zone(tz).dt.date()
    exprs = {
        "day": local_day.alias("day"),
        # ISO weeks: back from the local day to its Monday (weekday 1).
        "week": (local_day - pl.duration(days=local_day.dt.weekday() - 1)).alias("week"),
    }
    return [exprs.get(c, pl.col(c)) for k in keys for c in KEYS[k]]


def percentile_us(interpolated_us: pl.Expr) -> pl.Expr:
    """A percentile of whole microseconds, linearly interpolated, rounded as ``summaries/figures.sql`` does.

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


def group(rows: pl.DataFrame | pl.LazyFrame, by: Sequence[str], tz: str = "UTC") -> pl.DataFrame:
    """Group compacted rows (see :func:`load_rows`) into the summary frame for keys ``by``."""
    columns = [c for k in by for c in KEYS[k]]
    figures = [
        pl.len().alias("interceptions"),
        pl.col("initiator_id").n_unique().alias("initiators"),
        pl.col("session_key").n_unique().alias("sessions"),
        pl.col("thread_key").n_unique().alias("threads"),
        *(pl.col(c).sum().alias(c) for c in SUMS),
        *(percentile_us(pl.col("duration_us").quantile(q / 100, interpolation="linear")).alias(f"duration_p{q}_ms")
          for q in PERCENTILES),
    ]
    ended = rows.lazy().filter(pl.col("duration_us").is_not_null())
    # A constant key makes the grand total (no keys) an ordinary group: empty input, no rows.
    keyed = ended.with_columns(*_key_exprs(by, tz), pl.lit(0).alias("_all"))
    out = keyed.group_by([*columns, "_all"]).agg(figures).drop("_all")
    out = out.with_columns(
        *(pl.col(c).cast(pl.String) for c in columns if c in _CATEGORIES),
        *(pl.col(c).cast(pl.Int64) for c in FIGURES if not c.startswith("duration")),
        *(pl.col(c).map_batches(_in_ms, return_dtype=pl.Float64) for c in FIGURES if c.startswith("duration")),
    )
    return out.sort(columns, nulls_last=True).select(*columns, *FIGURES).collect()


def completeness_of(rows: pl.DataFrame, tz: str, since: datetime | None, until: datetime | None,
                    retention_days: int = RETENTION_DAYS, future_dated: int = 0) -> pl.DataFrame:
    """Completeness figures of compacted rows (see :func:`load_rows`): one row.

    ``unattributed`` (no resolved provider), ``ambiguous`` (an ambiguous name or type) and
    ``decided_later`` (warning decided_by_current_providers) count summarised (ended) rows, and their shares are of ``summarised``; ``in_flight`` and
    ``outside_retention`` count every row started in the range. ``future_dated`` is the source's
    count of rows started after the generation time (``sql/summaries/newest.sql``).
    """
    ended = pl.col("duration_us").is_not_null()
    counts = rows.lazy().select(
        pl.len().alias("rows_total"),
        (~ended).sum().alias("in_flight"),
        ended.sum().alias("summarised"),
        (ended & pl.col("resolved_provider_id").is_null()).sum().alias("unattributed"),
        (ended & pl.col("method").is_in(["ambiguous_type", "ambiguous_name"])).sum().alias("ambiguous"),
        (ended & pl.col("decided_later")).sum().alias("decided_later"),
        pl.col("outside_retention").sum().alias("outside_retention"),
        pl.lit(future_dated).alias("future_dated"),
    ).collect()
    return _completeness_frame(counts, tz, since, until, retention_days)


def _completeness_frame(counts: pl.DataFrame, tz: str, since: datetime | None, until: datetime | None,
                        retention_days: int) -> pl.DataFrame:
    """The completeness row from its counts, with the shares, the zone and the range stated."""
    total = counts["summarised"][0]
    return counts.select(
        pl.lit(tz).alias("tz"),
        pl.lit(since, dtype=pl.Datetime("us", "UTC")).alias("since"),
        pl.lit(until, dtype=pl.Datetime("us", "UTC")).alias("until"),
        *(pl.col(n).cast(pl.Int64) for n in ("rows_total", "in_flight", "summarised", "unattributed")),
        (pl.col("unattributed") / total if total else pl.lit(None)).cast(pl.Float64).alias("unattributed_share"),
        pl.col("ambiguous").cast(pl.Int64),
        (pl.col("ambiguous") / total if total else pl.lit(None)).cast(pl.Float64).alias("ambiguous_share"),
        pl.col("decided_later").cast(pl.Int64),
        pl.col("outside_retention").cast(pl.Int64),
        pl.lit(retention_days, dtype=pl.Int64).alias("retention_days"),
        pl.col("future_dated").cast(pl.Int64),
    )


def _grouped(con: Connection, keys: Sequence[str], tz: str, since: datetime | None, until: datetime | None) -> pl.DataFrame:
    """The summary for ``keys`` computed by the source's engine, in two queries joined here.

    ``sql/summaries/figures.sql`` gives the interception figures per group and
    ``sql/summaries/child_sums.sql`` the child-table sums; apart, their hash tables never coexist.
    """
    columns = [c for k in keys for c in KEYS[k]]
    params = {"since": since, "until": until, "tz": tz}
    figures = con.query("summaries/figures", params, keys=columns)
    # The provider's name and type come with the figures alone: they follow from its id.
    joined_on = [c for c in columns if c not in _DEPENDENT]
    sums = con.query("summaries/child_sums", params, keys=joined_on)
    if joined_on:
        frame = figures.join(sums, on=joined_on, how="left", nulls_equal=True)
    else:
        frame = pl.concat([figures, sums], how="horizontal")
    return (
        frame.lazy()
        # Without keys an empty range still aggregates to one all-zero row: no group, no row.
        .filter(pl.col("interceptions") > 0)
        .with_columns(
            # A group whose interceptions have no child rows has no row of sums.
            *(pl.col(c).fill_null(0).cast(pl.Int64) for c in SUMS),
            *(pl.col(c).cast(pl.Int64) for c in FIGURES if c not in SUMS and not c.startswith("duration")),
            *(pl.col(c).cast(pl.Float64) for c in FIGURES if c.startswith("duration")),
        )
        .sort(columns, nulls_last=True)
        .select(*columns, *FIGURES)
        .collect()
    )


def anomalies(con: Connection, since: datetime | None, until: datetime | None, lax: bool = False) -> list[str]:
    """The source rows a summary of ``[since, until)`` reads that break its row schema.

    ``sql/summaries/anomalies.sql`` looks for every anomaly of :data:`schemas.ROW_ANOMALIES`, row
    by row, where the data lives. Without ``lax`` any finding raises one ValidationFailed naming
    every anomaly and its count (details: an example id each); with ``lax`` its message is returned.
    """
    from aibridge_analytics.pipelines import schemas

    found = con.query("summaries/anomalies", {"since": since, "until": until})
    hint = "" if lax else " (-v shows an example of each; --lax summarises anyway)"
    failure = schemas.anomalies_failure("source rows of the summary", found, hint)
    if failure is None:
        return []
    if not lax:
        raise failure
    return [str(failure)]


def summarise(con: Connection, by: str | Iterable[str] | None = ("provider",), tz: str = "UTC",
              since: Any = None, until: Any = None, *, retention_days: int = RETENTION_DAYS,
              lax: bool = False, now: datetime | None = None) -> SummaryResult:
    """The summary for keys ``by`` and its completeness figures, computed by the source's engine.

    ``since`` (included) and ``until`` (excluded) bound ``started_at``; see :func:`parse_instant`
    for the accepted forms. Without ``lax`` a frame failing its schema raises ValidationFailed;
    with ``lax`` the problems are returned in ``problems`` and the figures computed anyway.
    An empty range gives an empty (valid) summary. ``now`` is the generation time (default: the
    current time): rows started after it are counted as ``future_dated``.
    """
    from aibridge_analytics.pipelines import schemas

    keys = parse_keys(by)
    tz = check_zone(tz)
    start, end = parse_instant(since, "--since", tz), parse_instant(until, "--until", tz)
    if start is not None and end is not None and start > end:
        raise UsageError(f"--since {start.isoformat()} is after --until {end.isoformat()}")
    if retention_days < 0:
        raise UsageError(f"retention_days must be >= 0, got {retention_days}")
    problems = anomalies(con, start, end, lax)
    frame = _grouped(con, keys, tz, start, end)
    now = now or datetime.now(timezone.utc)
    counts = con.query("summaries/completeness", {"since": start, "until": end, "retention_days": retention_days, "now": now})
    complete = _completeness_frame(counts, tz, start, end, retention_days)
    for out, model, name in ((frame, schemas.Summary, "summary"), (complete, schemas.Completeness, "completeness")):
        try:
            schemas.validate(out, model, name)
        except ValidationFailed as exc:
            if not lax:
                raise
            problems.append(str(exc))
    return SummaryResult(frame, complete, tuple(problems))


def _warn(result: SummaryResult) -> SummaryResult:
    from aibridge_analytics.pipelines.schemas import ValidationWarning

    for problem in result.problems:
        warnings.warn(problem, ValidationWarning, stacklevel=3)
    return result


def summary(con: Connection, by: str | Iterable[str] | None = ("provider",), tz: str = "UTC",
            since: Any = None, until: Any = None, *, lax: bool = False) -> pl.DataFrame:
    """Per-provider (or any ``by`` keys) summary of ended interceptions, as a Polars frame.

    ``by``: any of provider, model, client, initiator, day, week, method (a list or
    comma-separated text; none = one grand-total row). Columns: the keys' columns, then
    :data:`FIGURES`. ``sessions`` counts distinct (session_id, initiator_id), ``threads`` distinct
    ``COALESCE(thread_root_id, id)``. ``day``/``week`` are dates in ``tz`` (IANA; ISO weeks).
    ``lax``: validation failures become ValidationWarning instead of ValidationFailed.
    """
    return _warn(summarise(con, by, tz, since, until, lax=lax)).frame


def summary_completeness(con: Connection, tz: str = "UTC", since: Any = None, until: Any = None, *,
                         retention_days: int = RETENTION_DAYS, lax: bool = False,
                         now: datetime | None = None) -> pl.DataFrame:
    """How complete a summary over this range is: one row (see :func:`completeness_of`)."""
    return _warn(summarise(con, (), tz, since, until, retention_days=retention_days, lax=lax, now=now)).completeness


def reconcile(con: Connection, frame: pl.DataFrame, since: Any = None, until: Any = None, tz: str = "UTC") -> pl.DataFrame:
    """Compare a summary's column totals with totals read straight from Coder's tables.

    Returns one row per figure that can be added up (``figure``, ``summary``, ``raw``); the
    summary reconciles when every ``summary`` equals its ``raw``.
    """
    start, end = parse_instant(since, "--since", tz), parse_instant(until, "--until", tz)
    raw = con.query("summaries/totals", {"since": start, "until": end})
    figures = ["interceptions", *SUMS]
    return pl.DataFrame({
        "figure": figures,
        "summary": [int(frame[f].sum()) for f in figures],
        "raw": [int(raw[f][0]) for f in figures],
    })
