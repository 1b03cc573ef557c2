"""Attribution with provenance: which provider every interception belongs to, and why.

The logic is one query, ``sql/attribution/resolve.sql`` (relation ``attribution``); this module
runs it and shapes the result for Python users.
"""

from __future__ import annotations

import polars as pl

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


def attribute(con: Connection) -> pl.DataFrame:
    """One row per interception with its attribution (README: attribution).

    Works on sources without a provider_id column too: every provider_id then reads as NULL, and
    the attribution is what the backfill would produce from the snapshot columns now. The rows are
    checked against ``schemas.AttributionRows``: a broken invariant is a ValidationFailed, not a
    wrong answer.
    """
    from aibridge_analytics.pipelines.schemas import AttributionRows, validate  # pandera is slow to import

    return validate(warnings_as_list(con.query("attribution/rows")), AttributionRows, "attribution")
