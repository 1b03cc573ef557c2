"""Recorded spend: the demo's priced and unpriced usage, the same figures on every source kind
and engine, and "not recorded" (NULL, never 0) where a source has no cost columns."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import polars as pl
import pyarrow.parquet as pq
import pytest
from datasets import (
    T0,
    driver,
    duckdb_connection,
    frames,
    interception,
    postgres_connection,
    provider,
    uid,
    write_warehouse,
)
from polars.testing import assert_frame_equal

import aibridge_analytics as aa
from aibridge_analytics.coder import PRICE_KINDS, TABLES
from aibridge_analytics.demo.generator import PRICE_BOOK, PROVIDERS, demo_tables
from aibridge_analytics.demo.pgload import load_postgres
from aibridge_analytics.pipelines import summaries
from aibridge_analytics.pipelines.prices import PRICE_COLUMNS, read_price_book
from aibridge_analytics.warehouse.sync import sync
from tests.test_sync import url

BY = ["provider", "model", "week", "group"]


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


# --- the price book: an estimate of the unpriced usage ------------------------------------------


def _usage(label: str, of: str, inp: int, out: int, day: float, cost: int | None = None) -> dict:
    return {
        "id": uid(f"tok/{label}"),
        "interception_id": uid(of),
        "provider_response_id": "r",
        "input_tokens": inp,
        "output_tokens": out,
        "cache_read_input_tokens": 0,
        "cache_write_input_tokens": 0,
        "metadata": None,
        "created_at": T0 + timedelta(days=day),
        "cost_micros": cost,
    }


OPENAI, OTHER = provider("openai", "openai"), provider("openai-eu", "openai")
BOOKED = {
    "ai_providers": [OPENAI, OTHER],
    "aibridge_interceptions": [
        interception("a", "openai", "openai", day=1, model="gpt-5"),
        interception("b", "openai", "openai", day=5, model="gpt-5"),
        interception("c", "openai", "openai-eu", day=5, model="gpt-5"),
        interception("d", "openai", "openai", day=5, model="unbooked"),
    ],
    "aibridge_token_usages": [
        _usage("a1", "a", 1_000_000, 0, 1),  # type price of day 0: 2.000000
        _usage("a2", "a", 10, 10, 1, cost=777),  # priced: recorded, not estimated
        _usage("b1", "b", 0, 1_000_000, 5),  # type price changed on day 3: output 9.000000
        _usage("c1", "c", 3, 0, 5),  # openai-eu's own price: 3 x 1.5 = 4.5 micro-dollars, rounded down
        _usage("d1", "d", 5, 5, 5),  # no entry for the model: unestimated
    ],
}
BOOK_HEADER = ",".join(("provider_type", "provider_id", "model", "effective_from", *PRICE_COLUMNS))
BOOK_CSV = f"""{BOOK_HEADER}
openai,,gpt-5,{T0.date().isoformat()},2000000,8000000,0,0
openai,,gpt-5,{(T0 + timedelta(days=3)).isoformat()},2500000,9000000,0,0
,{OTHER["id"]},gpt-5,{T0.date().isoformat()},1500000,1500000,0,0
"""


def test_a_price_book_estimates_unpriced_usage_beside_the_recorded_cost(tmp_path):
    book_file = tmp_path / "book.csv"
    book_file.write_text(BOOK_CSV)
    book = read_price_book(book_file)
    con = duckdb_connection(frames(BOOKED))
    got = {r["provider_name"]: r for r in aa.summary(con, by=["provider"], prices=book).iter_rows(named=True)}
    assert got["openai"]["recorded_cost_micros"] == 777
    assert got["openai"]["estimated_cost_micros"] == 2_000_000 + 9_000_000
    assert (got["openai"]["estimated_token_usages"], got["openai"]["unestimated_token_usages"]) == (2, 1)
    assert got["openai"]["recorded_plus_estimated_cost_micros"] == 777 + 11_000_000
    assert got["openai-eu"]["estimated_cost_micros"] == 4  # provider-specific before type, rounded down
    total = aa.summary(con, by=[], prices=book).row(0, named=True)
    assert total["estimated_cost_micros"] == 11_000_004 and total["unestimated_token_usages"] == 1
    # Without a book the columns are absent: nothing is estimated silently.
    assert "estimated_cost_micros" not in aa.summary(con).columns
    json_file = tmp_path / "book.json"
    rows = list(csv.DictReader(io.StringIO(BOOK_CSV)))
    json_file.write_text(json.dumps({"prices": [{k: v for k, v in r.items() if v} for r in rows]}))
    assert read_price_book(json_file).entries == book.entries


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("provider_type,model\nopenai,gpt-5\n", "missing column(s) effective_from"),
        (BOOK_CSV.replace("2000000,8000000", "2.5,8000000"), "line 2: input_price_micros must be a whole number"),
        (BOOK_CSV.replace("openai,,gpt-5", "openai,x,gpt-5", 1), "line 2: give exactly one of provider_type"),
        (BOOK_CSV + BOOK_CSV.splitlines()[1] + "\n", "line 5: the same provider_type, model and effective_from"),
        (BOOK_CSV.replace(T0.date().isoformat(), "yesterday", 1), "malformed timestamp"),
    ],
)
def test_a_bad_price_book_is_one_line_exit_1(tmp_path, capsys, text, needle):
    from aibridge_analytics.cli import main

    book_file = tmp_path / "book.csv"
    book_file.write_text(text)
    db = tmp_path / "w.duckdb"
    write_warehouse(db, BOOKED)
    assert main(["spend", "--source", str(db), "--prices", str(book_file)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0] and "Traceback" not in err[0]


def _oracle_estimate(con, tables: dict[str, pl.DataFrame], book) -> pl.DataFrame:
    """Estimated cost per provider and model, in Polars from the tables and the attribution."""
    from aibridge_analytics.pipelines.attribution import attribute

    entries = pl.DataFrame(
        [
            {
                "scope": e.scope,
                "target": e.target,
                "model": e.model,
                "from": e.effective_from,
                **dict(zip(("pi", "po", "pr", "pw"), e.prices, strict=True)),
            }
            for e in book.entries
        ]
    )
    rows = (
        tables["aibridge_token_usages"]
        .filter(pl.col("cost_micros").is_null())
        .join(
            tables["aibridge_interceptions"]
            .filter(pl.col("ended_at").is_not_null())
            .select(pl.col("id").alias("interception_id"), "model"),
            on="interception_id",
        )
        .join(
            attribute(con).select("interception_id", "resolved_provider_id", "resolved_provider_type"),
            on="interception_id",
        )
    )
    matched = (
        rows.join(entries, on="model")
        .filter(
            pl.col("from") <= pl.col("created_at"),
            ((pl.col("scope") == "provider_id") & (pl.col("target") == pl.col("resolved_provider_id")))
            | ((pl.col("scope") == "provider_type") & (pl.col("target") == pl.col("resolved_provider_type"))),
        )
        .sort([pl.col("scope") == "provider_type", "from"], descending=[False, True])
        .group_by("id", maintain_order=True)
        .first()
        .with_columns(
            (
                (
                    pl.col("input_tokens") * pl.col("pi")
                    + pl.col("output_tokens") * pl.col("po")
                    + pl.col("cache_read_input_tokens") * pl.col("pr")
                    + pl.col("cache_write_input_tokens") * pl.col("pw")
                )
                // 1_000_000
            ).alias("cost")
        )
    )
    return matched.group_by("resolved_provider_id", "model").agg(pl.col("cost").sum(), pl.len().alias("n"))


@pytest.mark.postgres
def test_the_estimate_is_what_polars_computes_and_the_same_on_postgresql(pg_schema, tmp_path):
    tables, _ = _demo(1200, 9)
    book_file = tmp_path / "book.json"
    prices = [
        {"provider_type": "openrouter", "model": "qwen/qwen3-coder", "effective_from": "2026-01-01"},
        {"provider_type": "openai", "model": "gpt-4o-mini", "effective_from": "2026-01-01"},
        {"provider_type": "openai", "model": "gpt-4o-mini", "effective_from": "2026-10-20T12:00:00+02:00"},
        {"provider_type": "anthropic", "model": "claude-sonnet-4-5", "effective_from": "2026-09-01"},
        {"provider_id": str(PROVIDERS[2].id), "model": "claude-sonnet-4-5", "effective_from": "2026-09-15"},
    ]
    for i, p in enumerate(prices):
        p |= {c: (i + 1) * 100_003 + k for k, c in enumerate(PRICE_COLUMNS)}
    book_file.write_text(json.dumps(prices))
    book = read_price_book(book_file)
    duck = duckdb_connection(tables)
    by = ["provider", "model"]
    frame = aa.summary(duck, by=by, prices=book)
    expected = _oracle_estimate(duck, tables, book)
    got = frame.filter(pl.col("estimated_token_usages") > 0).select(
        "resolved_provider_id",
        "model",
        pl.col("estimated_cost_micros").alias("cost"),
        pl.col("estimated_token_usages").alias("n"),
    )
    assert_frame_equal(got, expected.select(got.columns).cast({"n": pl.Int64}), check_row_order=False)
    assert expected["n"].sum() > 0 and expected["resolved_provider_id"].n_unique() >= 3
    with postgres_connection(pg_schema, tables) as pg:
        assert_frame_equal(aa.summary(pg, by=by, prices=book), frame)
        assert_frame_equal(aa.summary(pg, by=["week"], prices=book), aa.summary(duck, by=["week"], prices=book))
