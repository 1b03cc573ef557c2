"""Attribution with provenance: which provider every interception belongs to, and why.

The logic is one query, ``sql/attribution/resolve.sql`` (relation ``attribution``); this module
runs it and shapes the result for Python users.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from aibridge_analytics import periods
from aibridge_analytics.catalogue import values
from aibridge_analytics.errors import UsageError
from aibridge_analytics.sources.connection import Connection

METHODS = (
    "provider_id",
    "provider_name",
    "deleted_provider_name",
    "ambiguous_name",
    "unique_type",
    "ambiguous_type",
    "wire_type",
    "no_live_provider",
    "unknown_provider_id",
)
"""Every attribution method, in the order the rules try them (README: attribution)."""

RESOLVING_METHODS = ("provider_id", "provider_name", "deleted_provider_name", "unique_type")
"""The methods that name a provider; every other one leaves ``resolved_provider_id`` null."""

WARNINGS = (
    "name_reused",
    "snapshot_mismatch",
    "wire_family_ambiguous",
    "disabled_provider",
    "deleted_provider",
    "duplicate_live_name",
    "decided_by_current_providers",
    "in_flight",
)
"""Every warning an attributed row can carry."""


def warnings_as_list(frame: pl.DataFrame, column: str = "warnings") -> pl.DataFrame:
    """Turn the SQL's comma-separated warnings into a list column (empty list for none)."""
    return frame.with_columns(
        pl.when(pl.col(column) == "")
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(pl.col(column).str.split(","))
        .alias(column)
    )


@dataclass(frozen=True)
class AttributionFilters:
    """Which attributed rows to keep; ``None`` means "not filtered".

    ``provider`` is the resolved provider's id or, when not a UUID, its name; ``method`` and
    ``warning`` one of :data:`METHODS` and :data:`WARNINGS`; ``since`` (included) and ``until``
    (excluded) bound the start, as ISO 8601 (without an offset: read in ``tz``, an IANA zone, UTC
    by default) or an age such as ``7d`` counted back from ``now`` (default: the current time);
    or ``period`` (one of :data:`aibridge_analytics.periods.PERIODS`, whole local days in ``tz``)
    sets both.
    """

    provider: str | None = None
    method: str | None = None
    warning: str | None = None
    since: datetime | str | None = None
    until: datetime | str | None = None
    tz: str = "UTC"
    period: str | None = None
    now: datetime | None = None

    def __post_init__(self) -> None:
        # Checked on construction, so a typo fails before any database is touched.
        for name, known in (("method", METHODS), ("warning", WARNINGS)):
            given = getattr(self, name)
            if given is not None and given not in known:
                raise UsageError(f"unknown {name} {given!r}; use one of {', '.join(known)}")
        start, end = periods.resolve_range(self.since, self.until, self.period, self.tz, self.now or datetime.now(UTC))
        if start is not None and start == end:
            raise UsageError(f"the range {periods.range_text(start, end, self.tz)} is empty: its end is its start")
        object.__setattr__(self, "since", start)
        object.__setattr__(self, "until", end)

    def apply(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The rows of an attribution frame that pass every filter."""
        kept = []
        if self.provider is not None:
            try:
                kept.append(pl.col("resolved_provider_id") == values.parse_uuid(self.provider, "provider"))
            except UsageError:  # not a UUID: a name
                kept.append(pl.col("resolved_provider_name") == self.provider)
        if self.method is not None:
            kept.append(pl.col("method") == self.method)
        if self.warning is not None:
            kept.append(pl.col("warnings").list.contains(self.warning))
        if self.since is not None:
            kept.append(pl.col("started_at") >= self.since)
        if self.until is not None:
            kept.append(pl.col("started_at") < self.until)
        return frame.filter(kept) if kept else frame


def attribute(con: Connection, filters: AttributionFilters | None = None) -> pl.DataFrame:
    """One row per interception with its attribution (README: attribution), those passing ``filters``.

    Works on sources without a provider_id column too: every provider_id then reads as NULL, and
    the attribution is what the backfill would produce from the snapshot columns now. The rows are
    checked against ``schemas.AttributionRows``: a broken invariant is a ValidationFailed, not a
    wrong answer.
    """
    from aibridge_analytics.pipelines.schemas import AttributionRows, validate  # pandera is slow to import

    frame = validate(warnings_as_list(con.query("attribution/rows")), AttributionRows, "attribution")
    return filters.apply(frame) if filters is not None else frame
