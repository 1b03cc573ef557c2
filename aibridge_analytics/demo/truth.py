"""The demo warehouse's ground truth, read back to score the package against it.

The generator keeps, beside Coder's tables, the provider that truly served each interception
(:data:`~aibridge_analytics.demo.generator.GROUND_TRUTH_TABLE`). The product never reads it: its
output is the same whether or not the table exists. Comparisons with the truth take it from here
and hand it over explicitly, as the ``truth=`` of ``aa.verify_backfill`` /
``aa.coder_filter_report`` and of the edge-case pipeline (:mod:`aibridge_analytics.pipelines.edge_cases`)::

    report = aa.verify_backfill(con, truth=demo_truth.ended_truth(con))
    book = edge_cases.CaseBook(con, truth=demo_truth.ground_truth(con))
"""

from __future__ import annotations

import polars as pl
from sqlglot import exp

from aibridge_analytics.demo.generator import GROUND_TRUTH_TABLE, PROVIDERS
from aibridge_analytics.sources.connection import Connection

__all__ = ["ended_truth", "ground_truth", "is_demo", "provider_names"]


def is_demo(con: Connection) -> bool:
    """Whether ``con`` is a demo warehouse (its warehouse_meta says so), the one source with a ground truth."""
    return con.meta().get("kind") == "demo"


def provider_names() -> dict[str, str]:
    """Provider id -> name for every demo provider; those absent from the exported ai_providers
    table are marked hard-deleted or not exported, so a truth column can still name them."""
    return {
        str(p.id): p.name
        if p.in_snapshot
        else f"{p.name} ({'hard-deleted' if p.hard_deleted_days is not None else 'not exported'})"
        for p in PROVIDERS
    }


def _truth_select(ended_only: bool) -> exp.Select:
    select = exp.select(
        exp.cast(exp.column("interception_id", "g"), "VARCHAR").as_("interception_id"),
        exp.cast(exp.column("true_provider_id", "g"), "VARCHAR").as_("true_provider_id"),
        exp.column("edge_case", "g").as_("label"),
        exp.column("expected_method", "g"),
    ).from_(exp.to_table(GROUND_TRUTH_TABLE).as_("g"))
    if ended_only:
        select = select.join(
            exp.to_table("aibridge_interceptions").as_("i"),
            on=exp.column("id", "i").eq(exp.column("interception_id", "g")),
        ).where(exp.column("ended_at", "i").is_(exp.null()).not_())
    return select


def ground_truth(con: Connection) -> pl.DataFrame | None:
    """A demo warehouse's ground truth for every interception, in-flight rows included, or None
    for any other source.

    Columns: interception_id, true_provider_id (NULL: none of the snapshot's providers served
    it), true_provider_name (see :func:`provider_names`), label (the generator's ``edge_case``)
    and expected_method (the strict method the generator expects).
    """
    if not is_demo(con):
        return None
    return _named(con.run(con.built("demo ground truth", _truth_select(ended_only=False))))


def ended_truth(con: Connection) -> pl.DataFrame | None:
    """The ground truth of a demo warehouse's ended rows (interception_id, true_provider_id), or
    None: the ``truth=`` that scores Coder's provider filter, which never returns a row in flight."""
    if not is_demo(con):
        return None
    frame = con.run(con.built("demo ground truth of ended rows", _truth_select(ended_only=True)))
    return frame.select("interception_id", "true_provider_id")


def _named(frame: pl.DataFrame) -> pl.DataFrame:
    names = pl.col("true_provider_id").replace_strict(provider_names(), default=None, return_dtype=pl.String)
    return frame.with_columns(names.alias("true_provider_name")).select(
        "interception_id", "true_provider_id", "true_provider_name", "label", "expected_method"
    )
