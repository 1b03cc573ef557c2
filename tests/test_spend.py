"""Recorded spend: the demo's priced and unpriced usage, the same figures on every source kind
and engine, and "not recorded" (NULL, never 0) where a source has no cost columns."""

from __future__ import annotations

import json

import polars as pl
import pyarrow.parquet as pq
import pytest
from datasets import driver, duckdb_connection, postgres_connection
from polars.testing import assert_frame_equal

import aibridge_analytics as aa
from aibridge_analytics.coder import PRICE_KINDS, TABLES
from aibridge_analytics.demo.generator import PRICE_BOOK, PROVIDERS, demo_tables
from aibridge_analytics.demo.pgload import load_postgres
from aibridge_analytics.pipelines import summaries
from aibridge_analytics.warehouse.sync import sync
from tests.test_sync import url

BY = ["provider", "model", "week"]


def _demo(interceptions: int = 1500, seed: int = 11) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    every = demo_tables(interceptions, seed)
    return {k: v for k, v in every.items() if k in TABLES}, every["demo_ground_truth"]


def _spend(con) -> pl.DataFrame:
    frame = summaries.summarise(con, BY, now=None).frame
    return frame.select(*(c for k in BY for c in summaries.KEYS[k]), "token_usages", *summaries.SPEND)


def test_demo_records_priced_and_unpriced_usage_as_planted():
    tables, truth = _demo()
    usages = tables["aibridge_token_usages"].join(
        tables["aibridge_interceptions"].select(pl.col("id").alias("interception_id"), "provider_name", "model"),
        on="interception_id",
    )
    priced = usages.filter(pl.col("cost_micros").is_not_null())
    assert 0 < priced.height < usages.height
    # The cost is the snapshotted prices applied to the tokens, in whole micro-units (floored).
    tokens = ["input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens"]
    recomputed = sum(pl.col(t) * pl.col(f"{k}_price_micros") for t, k in zip(tokens, PRICE_KINDS, strict=True))
    assert (priced.select((recomputed // 1_000_000 == pl.col("cost_micros")).all()).item()) is True
    # A price change over time, and a provider-specific price overriding its type's.
    sonnet = priced.filter(pl.col("model") == "claude-sonnet-4-5")
    type_prices = {e.prices[0] for e in PRICE_BOOK if e.model == "claude-sonnet-4-5" and e.type == "anthropic"}
    own = next(e.prices[0] for e in PRICE_BOOK if e.provider == "anthropic-research")
    by_name = sonnet.group_by("provider_name").agg(pl.col("input_price_micros").unique())
    prices = {r[0]: set(r[1]) for r in by_name.iter_rows()}
    assert prices["anthropic-prod"] == type_prices and len(type_prices) == 2
    assert prices["anthropic-research"] == {own}
    # Rows priced under one name that strict attribution gives to another provider instance.
    names = {str(p.id): p.name for p in PROVIDERS}
    expected = truth.select("interception_id", pl.col("expected_provider_id").replace_strict(names, default=None))
    crossed = priced.join(expected, on="interception_id").filter(
        pl.col("expected_provider_id").is_null() | (pl.col("expected_provider_id") != pl.col("provider_name"))
    )
    assert crossed.height > 0
    assert tables["ai_model_prices"].height > 0 and tables["ai_model_prices"]["provider_id"].null_count() > 0


@pytest.mark.postgres
def test_spend_is_the_same_on_every_source_kind_and_engine(pg_schema, tmp_path):
    tables, _ = _demo()
    duck = duckdb_connection(tables)
    expected = _spend(duck)
    assert expected["recorded_cost_micros"].sum() > 0 and expected["unpriced_token_usages"].sum() > 0
    with postgres_connection(pg_schema, tables) as pg:
        assert_frame_equal(_spend(pg), expected)
    db = tmp_path / "w.duckdb"
    first = sync(url(pg_schema), db)
    assert first.rows["ai_model_prices"] == tables["ai_model_prices"].height
    with aa.connect(db) as warehouse:
        assert warehouse.facts == "stored"
        assert_frame_equal(_spend(warehouse), expected)
    directory = tmp_path / "parquet"
    directory.mkdir()
    for name, frame in tables.items():
        pq.write_table(frame.to_arrow(), directory / f"{name}.parquet")
    with aa.connect(directory) as parquet:
        assert_frame_equal(_spend(parquet), expected)


@pytest.mark.postgres
def test_a_coder_without_cost_columns_has_spend_not_recorded(pg_schema, tmp_path):
    tables, _ = _demo(400, 2)
    load_postgres(pg_schema.conn, dict(tables))
    for column in ("cost_micros", *(f"{k}_price_micros" for k in PRICE_KINDS)):
        pg_schema.conn.execute(f"ALTER TABLE aibridge_token_usages DROP COLUMN {column}")
    pg_schema.conn.execute("DROP TABLE ai_model_prices")
    db = tmp_path / "w.duckdb"
    sync(url(pg_schema), db)
    for source in (url(pg_schema), db):
        with aa.connect(source) as con:
            assert not con.probe.has("aibridge_token_usages", "cost_micros")
            assert not con.probe.has("ai_model_prices")
            result = summaries.summarise(con, BY)
            spend = result.frame.select(summaries.SPEND)
            assert spend.null_count().row(0) == (result.frame.height,) * len(summaries.SPEND)
            assert "spend not recorded" in result.describe()


def test_the_report_shows_recorded_spend_exactly_or_says_it_is_not_recorded(tmp_path):
    from aibridge_analytics.outputs.formats import money_text
    from aibridge_analytics.outputs.report import build_report

    tables, _ = _demo(1500, 4)
    con = duckdb_connection(tables)
    build_report(con, tmp_path / "costed", since="2026-10-20", until="2026-11-23")
    summary = json.loads((tmp_path / "costed" / "summary.json").read_text())
    total = summary["totals"]["recorded_cost_micros"]
    assert total > 0 and total == sum(p["recorded_cost_micros"] for p in summary["providers"])
    markdown = (tmp_path / "costed" / "report.md").read_text()
    assert f"Recorded cost **USD {money_text(total)}**" in markdown
    html = (tmp_path / "costed" / "report.html").read_text()
    assert 'id="spend-table"' in html and "Recorded spend per provider:" in html
    written = pl.read_parquet(tmp_path / "costed" / "parquet" / "by_provider.parquet")
    assert written["recorded_cost_micros"].sum() == total

    fresh = duckdb_connection(tables.copy())
    driver(fresh).execute("ALTER TABLE aibridge_token_usages DROP COLUMN cost_micros")
    build_report(fresh, tmp_path / "old", since="2026-10-20", until="2026-11-23")
    markdown = (tmp_path / "old" / "report.md").read_text()
    assert "Not recorded: this source has no cost columns" in markdown and "USD " not in markdown
    assert "Recorded spend per provider:" not in (tmp_path / "old" / "report.html").read_text()
    # The empty range of a source without spend: still not recorded, not USD 0.
    build_report(fresh, tmp_path / "empty", since="2020-01-01", until="2020-01-02")
    assert "Not recorded" in (tmp_path / "empty" / "report.md").read_text()


def test_priced_under_another_name_is_a_verification_finding_counted_as_polars_counts_it():
    from aibridge_analytics.pipelines.attribution import attribute
    from aibridge_analytics.pipelines.verification import verify_backfill

    tables, _ = _demo()
    con = duckdb_connection(tables)
    found = verify_backfill(con, samples=0).findings.filter(pl.col("finding") == "priced_under_another_name")
    assert found["severity"].to_list() == ["warning"]
    priced = tables["aibridge_token_usages"].filter(pl.col("cost_micros").is_not_null())["interception_id"].unique()
    rows = attribute(con).filter(
        pl.col("interception_id").is_in(priced.implode()),
        pl.col("resolved_provider_name").is_null() | (pl.col("resolved_provider_name") != pl.col("provider_name")),
    )
    assert found["affected"].item() == rows.height > 0
    pairs = rows.select(
        pl.concat_str("provider_name", pl.lit(">"), pl.col("resolved_provider_name").fill_null("(unattributed)"))
    )
    assert found["examples"].item().split(",") == sorted(pairs.to_series().unique().to_list())
    # Without recorded spend, nothing can have been priced anywhere.
    fresh = duckdb_connection(tables)
    driver(fresh).execute("ALTER TABLE aibridge_token_usages DROP COLUMN cost_micros")
    found = verify_backfill(fresh, samples=0).findings.filter(pl.col("finding") == "priced_under_another_name")
    assert found["affected"].item() == 0
