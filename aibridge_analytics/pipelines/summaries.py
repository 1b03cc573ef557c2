"""Per-provider summaries: what Coder's telemetry reports, per provider *instance*, over any range.

One pipeline serves the ``summary`` command, ``aa.summary``, the notebooks and the report: the
grouping is pushed down to where the data lives (DuckDB, or the PostgreSQL server).
``sql/summaries/figures.sql``, rendered with just the keys asked for, reads the facts of the
range (``sql/summaries/keyed.sql`` over the ``facts`` relation, ``sql/facts/rows.sql``: one row
per interception with its attribution and child totals; a warehouse stores them, see
:mod:`aibridge_analytics.warehouse.facts`) and returns one row per group; pandera validates
every frame. Ten million interceptions never cross into Python.

Definitions (README: per-provider summaries):

- only ended interceptions count; in-flight ones (``ended_at`` NULL) are left out of the figures
  and counted in the completeness figures;
- ``sessions`` = distinct (session_id, initiator_id), as Coder groups sessions;
- ``threads`` = distinct thread roots, ``COALESCE(thread_root_id, id)``;
- durations are ``ended_at - started_at`` in whole microseconds; each percentile is linearly
  interpolated (as SQL's PERCENTILE_CONT) and rounded half up to the microsecond, the same in
  DuckDB and PostgreSQL, then given in milliseconds;
- ``day`` / ``week`` are dates in the chosen IANA zone, weeks starting on Monday (ISO); with
  either key the frame has a boolean ``partial`` column (after the keys): the range covers that
  row's day (or, without ``day``, its week) only in part;
- rows without a resolved provider form their own group (null ``resolved_provider_id``), so the
  groups always add up to the whole;
- recorded spend (:data:`SPEND`) is what Coder recorded per token usage row (``cost_micros``),
  summed exactly as integers of micro-units; a row without a recorded cost is unpriced, and its
  tokens are counted per kind. A source without Coder's cost columns gives NULL spend figures
  ("not recorded"), never 0.
"""

from __future__ import annotations

import math
import warnings
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl

from aibridge_analytics import periods
from aibridge_analytics.catalogue import values
from aibridge_analytics.coder import COST_COLUMN, COST_CURRENCY
from aibridge_analytics.errors import UsageError, ValidationFailed
from aibridge_analytics.pipelines import users
from aibridge_analytics.pipelines.prices import PriceBook
from aibridge_analytics.sources.connection import Connection

#: ``--by`` key -> the output columns it adds, in output order.
KEYS: dict[str, tuple[str, ...]] = {
    "provider": ("resolved_provider_id", "provider_name", "provider_type"),
    "model": ("model",),
    "client": ("client",),
    "initiator": ("initiator_id",),
    "day": ("day",),
    "week": ("week",),
    "method": ("method",),
    "group": ("effective_group_id",),
}

#: ``--by`` key -> its bit in a stored session's or thread's ``varies`` (sql/warehouse/facts/spans.sql).
#: A provider's name follows from its id. Day and week have theirs in UTC; in another zone a
#: session's day may change wherever its start does (`SPAN_START`).
SPAN_BITS: dict[str, int] = {
    "provider": 1 | 2,
    "model": 4,
    "client": 8,
    "initiator": 16,
    "method": 32,
    "group": 64,
    "day": 128,
    "week": 256,
}
SPAN_START = 512


def span_mask(keys: Sequence[str], tz: str) -> int:
    """The bits of the ``--by`` keys ``keys`` in zone ``tz``: the figures count a session or
    thread by its one marked row where it agrees in all of them, and by its key elsewhere."""
    mask = 0
    for key in keys:
        bit = SPAN_BITS[key]
        mask |= SPAN_START if key in periods.BUCKETS and tz != "UTC" else bit
    return mask


def spans_inside(con: Connection, since: datetime | None, until: datetime | None) -> bool:
    """Whether every stored fact of ``con`` started in [``since``, ``until``), both ends given:
    no session or thread can then cross an end, and the figures need not compare each row's span
    with them (``spans_inside`` of sql/summaries/keyed.sql; 0.2-0.3 s of each query over ten
    million facts). Inline facts carry no spans (each is counted by its key): always False."""
    if con.facts != "stored" or since is None or until is None:
        return False
    first, last = con.query("summaries/facts_span").row(0)
    return first is None or (since <= first and last < until)


#: The widest bitstring a distinct count of initiators is counted in (`fact_bits`): a group
#: holds one of this many bits (2 KiB), so that even a million groups stay within DuckDB's memory.
MAX_INITIATOR_BITS = 16_384


def fact_bits(con: Connection) -> dict[str, int]:
    """What the figures of ``con`` may count and order narrower (``bits`` of `catalogue.render`),
    where the facts are a DuckDB warehouse's stored facts; else empty.

    - ``initiator_key``: a width, a power of two of at most :data:`MAX_INITIATOR_BITS` (few
      renderings to cache). The initiators are numbered densely from 1, so distinct initiators
      count as the bits set in a bitstring that wide: 0.2 s instead of 0.6 s of a query grouped
      by day and provider over ten million facts.
    - ``duration_us``: 32 where every stored duration fits a 32-bit integer (under 35 minutes):
      the percentiles order them as such, and hold half the memory.
    """
    if con.facts != "stored" or con.dialect != "duckdb":
        return {}
    largest, shortest, longest = con.query("summaries/widths").row(0)
    bits = {}
    if largest is not None:
        width = 64
        while width < largest:
            width *= 2
        if width <= MAX_INITIATOR_BITS:
            bits["initiator_key"] = width
    if shortest is not None and -(2**31) <= shortest and longest < 2**31:
        bits["duration_us"] = 32
    return bits


TOKENS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens")
SUMS = ("user_prompts", "token_usages", *TOKENS, "tool_calls_injected", "tool_calls_client", "injected_tool_errors")
PERCENTILES = (50, 90, 95, 99)
UNPRICED_TOKENS = tuple(f"unpriced_{c}" for c in TOKENS)
SPEND = ("recorded_cost_micros", "priced_token_usages", "unpriced_token_usages", *UNPRICED_TOKENS)
"""The recorded spend figures: Coder's recorded cost in micro-units (see :data:`COST_UNIT`), the
token usage rows with a recorded cost and those without (unpriced), and the unpriced rows' tokens
per kind. NULL ("not recorded") where the source records no spend: never 0."""
FIGURES = (
    "interceptions",
    "initiators",
    "sessions",
    "threads",
    *SUMS,
    *(f"duration_p{q}_ms" for q in PERCENTILES),
    *SPEND,
)
"""The figure columns of a summary, in output order (after the keys)."""

ESTIMATE = (
    "estimated_cost_micros",
    "estimated_token_usages",
    "unestimated_token_usages",
    "recorded_plus_estimated_cost_micros",
)
"""With a price book (``--prices``): the estimated cost of the unpriced token usages it prices, how
many it prices and how many it cannot, and recorded + estimated (NULL where spend is not recorded:
the estimate alone is then in ``estimated_cost_micros``). Recorded and estimated are never added
anywhere else."""

COST_UNIT = f"{COST_CURRENCY}, to the micro-dollar (recorded_cost_micros are millionths of a dollar)"
"""What ``recorded_cost_micros`` counts: Coder records cost in millionths of a US dollar."""

RETENTION_DAYS = 60
"""Coder's default retention: rows older than this before the newest start may have been deleted."""


@dataclass(frozen=True)
class SummaryResult:
    """A summary, its completeness figures, and the validation problems a lax run let through."""

    frame: pl.DataFrame
    completeness: pl.DataFrame
    problems: tuple[str, ...] = ()
    period: str | None = None
    #: Where the facts came from: ``stored`` (a warehouse's), or ``inline`` and why.
    facts: str = "inline"
    #: Whether the source records spend (Coder's cost columns): else the spend figures are NULL.
    spend: bool = True

    def describe(self) -> str:
        """One line stating the range in its zone (local times with their offset) and how complete the figures are."""
        c = self.completeness.row(0, named=True)

        def pct(share: float | None) -> str:
            return "n/a" if share is None else f"{share:.1%}"

        named = f", {self.period}" if self.period else ""
        span = f"{periods.local_text(c['since'], c['tz'])} .. {periods.local_text(c['until'], c['tz'])}"
        return (
            f"summary: started in [{span}) ({c['tz']}{named}), {c['summarised']} of {c['rows_total']} interceptions "
            f"summarised ({c['in_flight']} in flight), "
            f"unattributed {c['unattributed']} ({pct(c['unattributed_share'])}), "
            f"ambiguous {c['ambiguous']} ({pct(c['ambiguous_share'])}), "
            f"decided by providers created later {c['decided_later']}, "
            f"outside {c['retention_days']}-day retention {c['outside_retention']}, "
            f"future-dated {c['future_dated']} (in the whole source, started after the generation time)"
            + ("" if self.facts in ("stored", "inline") else f"; facts computed {self.facts}")
            + (f"; recorded cost in {COST_UNIT}" if self.spend else "; spend not recorded by this source")
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
            raise UsageError(f"unknown summary key {item!r}; use any of {', '.join(KEYS)}").with_cli_hint(
                "--by takes them comma-separated"
            )
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


def ordered(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """``frame`` sorted by ``columns``, ascending, nulls last: the order of
    ``frame.sort(columns, nulls_last=True)``, which a summary's rows are given in.

    Polars sorts text keys (ids, names) slowly: a million rows by provider, initiator and day take
    it seconds. Each key is replaced by its rank among the column's distinct values (few, for most
    keys: a hash lookup per row), and the ranks are combined into one integer when they fit in 63
    bits: one integer sort instead of a comparison of texts per pair of rows.
    """
    if frame.height < 2 or not columns:
        return frame
    ranks: list[pl.Series] = []
    sizes: list[int] = []
    for name in columns:
        column = frame.get_column(name)
        values = column.unique().drop_nulls().sort()
        # NULL ranks after every value.
        numbers = pl.int_range(len(values), dtype=pl.UInt64, eager=True)
        ranks.append(column.replace_strict(values, numbers, default=len(values), return_dtype=pl.UInt64))
        sizes.append(len(values) + 1)
    if math.prod(sizes) < 2**63:
        combined = ranks[0]
        for rank, size in zip(ranks[1:], sizes[1:], strict=True):
            combined = combined * size + rank
        ranks = [combined]
    # DataFrame.sort gathers the rows in parallel, per column; indexing the frame with an
    # arg_sort gathers from its Arrow chunks one row at a time (12 s for 4M rows in 46 chunks).
    return frame.sort(ranks)


# --- the pipeline --------------------------------------------------------------------------------


def _completeness_frame(
    counts: pl.DataFrame, tz: str, since: datetime | None, until: datetime | None, retention_days: int
) -> pl.DataFrame:
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


def _completeness(
    con: Connection,
    tz: str,
    since: datetime | None,
    until: datetime | None,
    retention_days: int = RETENTION_DAYS,
    now: datetime | None = None,
) -> pl.DataFrame:
    """Completeness figures of the interceptions started in ``[since, until)``: one row.

    ``unattributed`` (no resolved provider), ``ambiguous`` (an ambiguous name or type) and
    ``decided_later`` (warning decided_by_current_providers) count summarised (ended) rows, and
    their shares are of ``summarised``; ``in_flight`` and ``outside_retention`` count every row
    started in the range. ``future_dated`` counts the whole source's rows started after ``now``
    (the generation time), from which retention also counts back (``sql/summaries/completeness.sql``).
    """
    params = {"since": since, "until": until, "retention_days": retention_days, "now": now}
    return _completeness_frame(con.query("summaries/completeness", params), tz, since, until, retention_days)


def _estimated(
    con: Connection,
    grouped: pl.DataFrame,
    columns: list[str],
    tz: str,
    since: datetime | None,
    until: datetime | None,
    prices: PriceBook,
) -> pl.DataFrame:
    """``grouped`` with the :data:`ESTIMATE` columns of the price book ``prices`` (``sql/spend/estimated.sql``,
    grouped by the same keys), after the recorded spend."""
    found = con.query("spend/estimated", {"since": since, "until": until, "tz": tz, **prices.params()}, keys=columns)
    joined = (
        grouped.join(found, on=columns, how="left", nulls_equal=True, maintain_order="left")
        if columns
        else pl.concat([grouped, found], how="horizontal")
        if grouped.height
        else grouped.with_columns(pl.lit(None, pl.Int64).alias(c) for c in found.columns)
    )
    counts = ("estimated_cost_micros", "estimated_token_usages", "unestimated_token_usages")
    return joined.with_columns(
        *(pl.col(c).fill_null(0).cast(pl.Int64) for c in counts),
    ).with_columns(
        (pl.col("recorded_cost_micros") + pl.col("estimated_cost_micros")).alias("recorded_plus_estimated_cost_micros")
    )


def _grouped(
    con: Connection,
    keys: Sequence[str],
    tz: str,
    since: datetime | None,
    until: datetime | None,
    user_names: bool = True,
    prices: PriceBook | None = None,
    inside: bool = False,
    bits: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """The summary frame for ``keys`` (see :data:`KEYS`) computed by the source's engine in one query
    over the facts (``sql/summaries/figures.sql``). With a ``day`` or ``week`` key, ``partial``
    marks the rows whose bucket the range covers in part. ``inside``: :func:`spans_inside`;
    ``bits``: :func:`fact_bits`.
    """
    columns = [c for k in keys for c in KEYS[k]]
    params = {"since": since, "until": until, "tz": tz, "span_mask": span_mask(keys, tz), "spans_inside": inside}
    frame = con.query("summaries/figures", params, keys=columns, bits=bits)
    # The finest calendar key decides: a (day, week) row stands for its day.
    unit = next((k for k in periods.BUCKETS if k in keys), None)
    marks = []
    if unit is not None:
        cut = sorted(periods.partial_buckets(since, until, unit, tz))
        marks.append(pl.col(unit).is_in(pl.Series(cut, dtype=pl.Date).implode()).alias("partial"))
    return (
        frame.lazy()
        # Without keys an empty range still aggregates to one all-zero row: no group, no row.
        .filter(pl.col("interceptions") > 0)
        .with_columns(
            *(pl.col(c).fill_null(0).cast(pl.Int64) for c in SUMS),
            # Spend stays NULL where the source records none (not filled with 0).
            *(pl.col(c).cast(pl.Int64) for c in FIGURES if c not in SUMS and not c.startswith("duration")),
            *(pl.col(c).cast(pl.Float64) for c in FIGURES if c.startswith("duration")),
        )
        .select(*columns, *marks, *FIGURES)
        .collect()
        .pipe(ordered, columns)
        .pipe(
            lambda grouped: grouped if prices is None else _estimated(con, grouped, columns, tz, since, until, prices)
        )
        # The initiator's names are looked up for the groups, never grouped on (pipelines.users).
        .pipe(lambda grouped: users.named(con, grouped, user_names))
    )


def anomalies(con: Connection, since: datetime | None, until: datetime | None, lax: bool = False) -> list[str]:
    """The source rows a summary of ``[since, until)`` reads that break its row schema.

    ``sql/summaries/anomalies.sql`` looks for every anomaly of :data:`schemas.ROW_ANOMALIES`, row
    by row, where the data lives, among the interceptions started in the range and their token
    rows (rows outside the range are not the summary's concern). Without ``lax`` any finding
    raises one ValidationFailed naming every anomaly and its count (details: an example id each);
    with ``lax`` its message is returned.
    """
    from aibridge_analytics.pipelines import schemas

    found = con.query("summaries/anomalies", {"since": since, "until": until, "unique_ids": con.unique_ids})
    failure = schemas.anomalies_failure("source rows of the summary", found, "")
    if failure is None:
        return []
    if not lax:
        raise failure.with_cli_hint("-v shows an example of each; --lax summarises anyway")
    return [str(failure)]


@dataclass(frozen=True)
class Summaries:
    """Several summaries of one range (name -> frame), its completeness, and the problems a lax run let through."""

    frames: dict[str, pl.DataFrame]
    completeness: pl.DataFrame
    problems: tuple[str, ...] = ()
    period: str | None = None


def summarise_each(
    con: Connection,
    groupings: Mapping[str, str | Iterable[str] | None],
    tz: str = "UTC",
    since: Any = None,
    until: Any = None,
    *,
    period: str | None = None,
    retention_days: int = RETENTION_DAYS,
    lax: bool = False,
    now: datetime | None = None,
    user_names: bool = True,
    prices: PriceBook | None = None,
) -> Summaries:
    """A summary per entry of ``groupings`` (its name -> its ``by`` keys) over one range, and the range's completeness.

    The range is checked for anomalies once (:func:`anomalies`); each frame and the completeness
    row are validated (pandera, on the eager frames), a failure named by the frame's name. Without
    ``lax`` the first problem raises ValidationFailed; with ``lax`` the problems are returned in
    ``problems`` and the figures computed anyway. See :func:`summarise` for the arguments.
    """
    from aibridge_analytics.pipelines import schemas

    keys = {name: parse_keys(by) for name, by in groupings.items()}
    tz = check_zone(tz)
    now = now or datetime.now(UTC)
    start, end = periods.resolve_range(since, until, period, tz, now)
    if retention_days < 0:
        raise UsageError(f"retention_days must be >= 0, got {retention_days}")
    problems = anomalies(con, start, end, lax)
    inside = spans_inside(con, start, end)
    bits = fact_bits(con)
    frames = {name: _grouped(con, by, tz, start, end, user_names, prices, inside, bits) for name, by in keys.items()}
    complete = _completeness(con, tz, start, end, retention_days, now)
    checks = [
        *((frame, schemas.Summary, name) for name, frame in frames.items()),
        (complete, schemas.Completeness, "completeness"),
    ]
    for frame, model, name in checks:
        try:
            schemas.validate(frame, model, name)
        except ValidationFailed as exc:
            if not lax:
                raise
            problems.append(str(exc))
    return Summaries(frames, complete, tuple(problems), period)


def summarise(
    con: Connection,
    by: str | Iterable[str] | None = ("provider",),
    tz: str = "UTC",
    since: Any = None,
    until: Any = None,
    *,
    period: str | None = None,
    retention_days: int = RETENTION_DAYS,
    lax: bool = False,
    now: datetime | None = None,
    user_names: bool = True,
    prices: PriceBook | None = None,
) -> SummaryResult:
    """The summary for keys ``by`` and its completeness figures, computed by the source's engine.

    ``since`` (included) and ``until`` (excluded) bound ``started_at``: ISO 8601 (without an
    offset: in ``tz``), an age such as ``7d``, a datetime or a date (see
    :func:`aibridge_analytics.periods.resolve_range`). ``period`` instead names whole local days
    in ``tz`` (one of :data:`aibridge_analytics.periods.PERIODS`: ``last-week`` is the previous
    Monday to Monday). Without ``lax`` a frame failing its schema raises ValidationFailed; with
    ``lax`` the problems are returned in ``problems`` and the figures computed anyway. An empty
    range gives an empty (valid) summary. ``now`` is the generation time (default: the current
    time): ages and periods count from it, and rows started after it are counted as ``future_dated``.
    Grouped by initiator, the user's ``initiator_username`` and ``initiator_name`` follow its id
    (looked up, not grouped on; NULL without a users table); ``user_names=False`` leaves them out.
    ``prices`` (a price book, :func:`aibridge_analytics.pipelines.prices.read_price_book`) adds the
    :data:`ESTIMATE` columns.
    """
    found = summarise_each(
        con,
        {"summary": by},
        tz,
        since,
        until,
        period=period,
        retention_days=retention_days,
        lax=lax,
        now=now,
        user_names=user_names,
        prices=prices,
    )
    return SummaryResult(
        found.frames["summary"], found.completeness, found.problems, period, con.facts, con.probe.has(*COST_COLUMN)
    )


def _warn(result: SummaryResult) -> SummaryResult:
    from aibridge_analytics.pipelines.schemas import ValidationWarning

    for problem in result.problems:
        warnings.warn(problem, ValidationWarning, stacklevel=3)
    return result


def summary(
    con: Connection,
    by: str | Iterable[str] | None = ("provider",),
    tz: str = "UTC",
    since: Any = None,
    until: Any = None,
    *,
    period: str | None = None,
    lax: bool = False,
    now: datetime | None = None,
    user_names: bool = True,
    prices: PriceBook | None = None,
) -> pl.DataFrame:
    """Per-provider (or any ``by`` keys) summary of ended interceptions, as a Polars frame.

    ``by``: any of provider, model, client, initiator, day, week, method (a list or
    comma-separated text; none = one grand-total row). Columns: the keys' columns, ``partial``
    with a ``day`` or ``week`` key (the range covers that bucket in part), then :data:`FIGURES`.
    ``sessions`` counts distinct (session_id, initiator_id), ``threads`` distinct
    ``COALESCE(thread_root_id, id)``. ``day``/``week`` are dates in ``tz`` (IANA; ISO weeks).
    The range: ``since``/``until`` or a named ``period`` such as ``"last-week"``, as of ``now``
    (see :func:`summarise`). ``lax``: validation failures become ValidationWarning instead of
    ValidationFailed. Grouped by initiator, the user's names follow its id unless ``user_names=False``.
    ``prices``: a price book whose estimate of unpriced usage adds the :data:`ESTIMATE` columns.
    """
    found = summarise(con, by, tz, since, until, period=period, lax=lax, now=now, user_names=user_names, prices=prices)
    return _warn(found).frame


def summary_completeness(
    con: Connection,
    tz: str = "UTC",
    since: Any = None,
    until: Any = None,
    *,
    period: str | None = None,
    retention_days: int = RETENTION_DAYS,
    lax: bool = False,
    now: datetime | None = None,
) -> pl.DataFrame:
    """How complete a summary over this range is: one row (see :func:`_completeness`)."""
    found = summarise(con, (), tz, since, until, period=period, retention_days=retention_days, lax=lax, now=now)
    return _warn(found).completeness
