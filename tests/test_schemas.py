"""The pandera models: what they accept, what they refuse, and how a refusal is reported."""

from __future__ import annotations

import polars as pl
import pytest
from datasets import duckdb_connection

from aibridge_analytics.coder import TABLES
from aibridge_analytics.demo.generator import demo_tables
from aibridge_analytics.errors import ValidationFailed
from aibridge_analytics.pipelines import schemas
from aibridge_analytics.pipelines.attribution import attribute

#: Coder's tables and the models of their rows as they enter Polars.
TABLE_MODELS = {
    "ai_providers": schemas.Providers,
    "aibridge_interceptions": schemas.Interceptions,
    "aibridge_token_usages": schemas.TokenUsages,
    "aibridge_user_prompts": schemas.UserPrompts,
    "aibridge_tool_usages": schemas.ToolUsages,
    "aibridge_model_thoughts": schemas.ModelThoughts,
    "users": schemas.Users,
    "ai_model_prices": schemas.ModelPrices,
}


@pytest.fixture(scope="module")
def demo():
    return {k: v for k, v in demo_tables(500, 11).items() if k in TABLES}


def test_every_demo_table_passes_its_model(demo):
    assert set(demo) == set(TABLE_MODELS)
    for table, frame in demo.items():
        schemas.validate(frame, TABLE_MODELS[table], table)


def test_attribution_output_passes(demo):
    schemas.validate(attribute(duckdb_connection(demo)), schemas.AttributionRows)


@pytest.mark.parametrize(
    ("table", "change", "column", "check"),
    [
        (
            "aibridge_token_usages",
            pl.col("input_tokens").neg().alias("input_tokens"),
            "input_tokens",
            "greater_than_or_equal_to(0)",
        ),
        (
            "aibridge_interceptions",
            pl.col("started_at").dt.offset_by("1d").alias("started_at"),
            "Interceptions",
            "ended_at_not_before_started_at",
        ),
        ("ai_providers", pl.col("created_at").dt.convert_time_zone("Etc/UTC"), "created_at", "dtype"),
        ("aibridge_user_prompts", pl.col("id").first().alias("id"), "id", "field_uniqueness"),
    ],
)
def test_failures_name_table_column_check_and_rows(demo, table, change, column, check):
    frame = demo[table].with_columns(change)
    with pytest.raises(ValidationFailed) as err:
        schemas.validate(frame, TABLE_MODELS[table], table)
    text = str(err.value)
    assert text.startswith(f"{table} fails its schema:") and column in text and check in text and "\n" not in text
    if check != "dtype":
        details = "\n".join(err.value.details)
        assert "row 0:" in details and details.count("    row ") <= schemas.SHOWN_ROWS


def test_unknown_method_and_warning_are_refused(demo):
    rows = attribute(duckdb_connection(demo))
    bad = rows.with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("guess")).otherwise(pl.col("method")).alias("method"),
        pl.when(pl.int_range(pl.len()) == 2).then(pl.lit(["odd"])).otherwise(pl.col("warnings")).alias("warnings"),
    )
    with pytest.raises(ValidationFailed, match=r"(?s)method: isin.*row 1:.*warnings: known_warnings.*row 2:"):
        schemas.validate(bad, schemas.AttributionRows)


def test_lazy_frames_are_refused(demo):
    with pytest.raises(TypeError, match="eager"):
        schemas.validate(demo["ai_providers"].lazy(), schemas.Providers)


def test_summary_model_refuses_extra_columns_and_sunday_weeks():
    from datetime import date

    from aibridge_analytics.pipelines.summaries import FIGURES

    row = {f: 1 for f in FIGURES} | {f: 1.0 for f in FIGURES if f.startswith("duration")}
    row |= {"unpriced_token_usages": 0}  # the one token usage is priced
    ok = pl.DataFrame([row | {"week": date(2026, 3, 23)}]).with_columns(
        pl.col(f).cast(pl.Int64) for f in FIGURES if not f.startswith("duration")
    )
    schemas.validate(ok, schemas.Summary)
    with pytest.raises(ValidationFailed, match="week_starts_on_monday"):
        schemas.validate(ok.with_columns(pl.lit(date(2026, 3, 29)).alias("week")), schemas.Summary)
    with pytest.raises(ValidationFailed, match="colour"):
        schemas.validate(ok.with_columns(pl.lit("red").alias("colour")), schemas.Summary)


def test_summary_spend_is_recorded_whole_or_not_at_all():
    from datetime import date

    from aibridge_analytics.pipelines.summaries import FIGURES, SPEND

    row = {f: 2 for f in FIGURES} | {f: 1.0 for f in FIGURES if f.startswith("duration")}
    row |= {"priced_token_usages": 1, "unpriced_token_usages": 1, "unpriced_input_tokens": 2}
    ok = pl.DataFrame([row | {"day": date(2026, 3, 23)}]).with_columns(
        pl.col(f).cast(pl.Int64) for f in FIGURES if not f.startswith("duration")
    )
    schemas.validate(ok, schemas.Summary)
    schemas.validate(ok.with_columns(pl.lit(None, pl.Int64).alias(c) for c in SPEND), schemas.Summary)
    with pytest.raises(ValidationFailed, match="spend_recorded_or_not"):
        schemas.validate(ok.with_columns(pl.lit(None, pl.Int64).alias("recorded_cost_micros")), schemas.Summary)
    with pytest.raises(ValidationFailed, match="usages_priced_or_unpriced"):
        schemas.validate(ok.with_columns(pl.lit(2, pl.Int64).alias("unpriced_token_usages")), schemas.Summary)
    with pytest.raises(ValidationFailed, match="unpriced_tokens_within_tokens"):
        schemas.validate(ok.with_columns(pl.lit(3, pl.Int64).alias("unpriced_input_tokens")), schemas.Summary)
    with pytest.raises(ValidationFailed, match="recorded_cost_micros"):
        schemas.validate(ok.with_columns(pl.lit(-1, pl.Int64).alias("recorded_cost_micros")), schemas.Summary)
