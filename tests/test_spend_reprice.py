"""The what-if repricing and the reconciliation with Coder's spend export: the same figures on
DuckDB and PostgreSQL, the invariants on generated data, and one-line errors for bad input."""

from __future__ import annotations

import csv
import functools
import json
from datetime import timedelta

import polars as pl
import pytest
from datasets import T0, duckdb_connection, frames, interception, postgres_connection, provider, uid, write_warehouse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import aibridge_analytics as aa
from aibridge_analytics.coder import TABLES
from aibridge_analytics.demo.generator import PROVIDERS, demo_tables
from aibridge_analytics.errors import UsageError
from aibridge_analytics.pipelines import spend
from aibridge_analytics.pipelines.prices import PRICE_COLUMNS, read_price_book
from aibridge_analytics.pipelines.spend import EXPORT_AMOUNTS, EXPORT_KEY
from tests.test_spend import BOOK_CSV, BOOKED

# --- what-if --------------------------------------------------------------------------------------


def test_what_if_reprices_every_usage_and_counts_what_the_book_cannot_price(tmp_path):
    book_file = tmp_path / "book.csv"
    book_file.write_text(BOOK_CSV)
    book = read_price_book(book_file)
    con = duckdb_connection(frames(BOOKED))
    got = {(r["provider_name"], r["model"]): r for r in aa.what_if(con, book).iter_rows(named=True)}
    gpt5 = got[("openai", "gpt-5")]
    # a1 and b1 unpriced, a2 recorded at 777: the book prices all three, a2 at (10 x 2 + 10 x 8)
    # micro-dollars = 100 on day 1 (the type price of day 0).
    assert (gpt5["token_usages"], gpt5["priced_token_usages"], gpt5["recorded_cost_micros"]) == (3, 1, 777)
    assert gpt5["repriced_cost_micros"] == 2_000_000 + 100 + 9_000_000 and gpt5["repriced_token_usages"] == 3
    assert (gpt5["compared_token_usages"], gpt5["difference_micros"]) == (1, 100 - 777)
    unbooked = got[("openai", "unbooked")]
    # The book has no price for it: counted, and no repriced cost or difference (NULL, never 0).
    assert (unbooked["unrepriced_token_usages"], unbooked["repriced_cost_micros"]) == (1, None)
    assert unbooked["difference_micros"] is None and unbooked["compared_token_usages"] == 0
    assert got[("openai-eu", "gpt-5")]["repriced_cost_micros"] == 4  # its own price, rounded down
    # The recorded side is the summary's recorded spend, group for group.
    summary = aa.summary(con, by=["provider", "model"]).select("provider_name", "model", "recorded_cost_micros")
    recorded = {(r[0], r[1]): r[2] for r in summary.iter_rows()}
    assert {k: v["recorded_cost_micros"] for k, v in got.items()} == recorded


def test_what_if_without_a_book_or_with_a_bad_one_is_one_line_exit_1(tmp_path, capsys):
    from aibridge_analytics.cli import main

    db = tmp_path / "w.duckdb"
    write_warehouse(db, BOOKED)
    assert main(["spend", "--source", str(db), "--what-if"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "give --prices FILE" in err[0]
    book_file = tmp_path / "book.csv"
    book_file.write_text(BOOK_CSV.replace("2000000,8000000", "x,8000000"))
    assert main(["spend", "--source", str(db), "--what-if", "--prices", str(book_file)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "input_price_micros must be a whole number" in err[0]
    book_file.write_text(BOOK_CSV)
    out = tmp_path / "w.csv"
    args = ["spend", "--source", str(db), "--what-if", "--prices", str(book_file), "--by", "week"]
    assert main([*args, "--format", "csv", "--out", str(out)]) == 0
    written = pl.read_csv(out)
    assert written.columns[:5] == ["resolved_provider_id", "provider_name", "provider_type", "model", "week"]
    assert "difference_micros = repriced - recorded" in capsys.readouterr().err


def _book_prices(draw_prices: list[tuple[int, int, int, int]]) -> list[dict]:
    return [
        {"provider_type": "openai", "model": "gpt-5", "effective_from": (T0 + timedelta(days=3 * i)).isoformat()}
        | dict(zip(PRICE_COLUMNS, p, strict=True))
        for i, p in enumerate(draw_prices)
    ]


_PRICE = st.integers(0, 20_000_000)
_TOKENS = st.integers(0, 3_000_000)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    prices=st.lists(st.tuples(_PRICE, _PRICE, _PRICE, _PRICE), min_size=1, max_size=3),
    usages=st.lists(
        st.tuples(st.floats(0, 9.9), _TOKENS, _TOKENS, _TOKENS, _TOKENS, st.booleans()), min_size=1, max_size=12
    ),
)
def test_what_if_with_the_recorded_prices_as_the_book_differs_by_nothing(tmp_path_factory, prices, usages):
    """Usage Coder priced with the book's prices (per type, by created_at, rounded down) and
    repriced with that same book: difference 0 over every priced usage, the unpriced ones counted."""
    book_file = tmp_path_factory.mktemp("book") / "book.json"
    entries = _book_prices(prices)
    book_file.write_text(json.dumps(entries))
    book = read_price_book(book_file)
    rows, costs = [], []
    for i, (day, *tokens, priced) in enumerate(usages):
        created = T0 + timedelta(days=day)
        entry = [e for e in book.entries if e.effective_from <= created][-1]
        costs.append(sum(t * p for t, p in zip(tokens, entry.prices, strict=True)) // 1_000_000)
        kinds = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens")
        rows.append(
            {
                "id": uid(f"u{i}"),
                "interception_id": uid("i"),
                "provider_response_id": "r",
                **dict(zip(kinds, tokens, strict=True)),
                "created_at": created,
                "cost_micros": costs[-1] if priced else None,
            }
        )
    tables = {
        "ai_providers": [provider("openai", "openai")],
        "aibridge_interceptions": [interception("i", "openai", "openai", day=0, minutes=60 * 24 * 11, model="gpt-5")],
        "aibridge_token_usages": rows,
    }
    found = aa.what_if(duckdb_connection(frames(tables)), book).row(0, named=True)
    priced = [c for c, u in zip(costs, usages, strict=True) if u[-1]]
    assert found["difference_micros"] == (0 if priced else None)
    assert found["compared_token_usages"] == found["priced_token_usages"] == len(priced)
    assert found["recorded_cost_micros"] == sum(priced)
    assert found["repriced_token_usages"] == len(usages) and found["unrepriced_token_usages"] == 0
    assert found["repriced_cost_micros"] == sum(costs)


@functools.cache
def _demo(interceptions: int = 1200, seed: int = 9) -> dict[str, pl.DataFrame]:
    every = demo_tables(interceptions, seed)
    return {k: v for k, v in every.items() if k in TABLES}


def _demo_book(tmp_path):
    book_file = tmp_path / "book.json"
    prices = [
        {"provider_type": "anthropic", "model": "claude-sonnet-4-5", "effective_from": "2026-01-01"},
        {"provider_type": "anthropic", "model": "claude-sonnet-4-5", "effective_from": "2026-10-20T12:00:00+02:00"},
        {"provider_id": str(PROVIDERS[2].id), "model": "claude-sonnet-4-5", "effective_from": "2026-09-15"},
        {"provider_type": "openai", "model": "gpt-4o-mini", "effective_from": "2026-01-01"},
    ]
    for i, p in enumerate(prices):
        p |= {c: (i + 1) * 1_000_003 + k for k, c in enumerate(PRICE_COLUMNS)}
    book_file.write_text(json.dumps(prices))
    return read_price_book(book_file)


@pytest.mark.postgres
def test_what_if_is_the_same_on_postgresql_and_its_recorded_side_is_the_summarys(pg_schema, tmp_path):
    tables = _demo()
    book = _demo_book(tmp_path)
    duck = duckdb_connection(tables)
    by = ["client", "week"]
    frame = aa.what_if(duck, book, by=by)
    assert frame["compared_token_usages"].sum() > 0 and frame["unrepriced_token_usages"].sum() > 0
    assert frame.filter(pl.col("difference_micros") != 0).height > 0
    summary = aa.summary(duck, by=["provider", "model", *by]).filter(pl.col("token_usages") > 0)
    assert frame["recorded_cost_micros"].sum() == summary["recorded_cost_micros"].sum()
    assert frame["token_usages"].sum() == summary["token_usages"].sum()
    # The estimate prices some of the usage the what-if reprices (the unpriced), by the same pricing.
    estimated = aa.summary(duck, by=[], prices=book)["estimated_cost_micros"].item()
    assert 0 < estimated <= frame["repriced_cost_micros"].sum()
    with postgres_connection(pg_schema, tables) as pg:
        assert_frame_equal(aa.what_if(pg, book, by=by), frame)


# --- reconciliation with Coder's spend export -----------------------------------------------------

HEADER = [
    "user_id",
    "username",
    "group_id",
    "group_name",
    "organization_id",
    "organization_name",
    "model",
    "provider",
    "provider_name",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cost_micros",
    "period_start",
    "period_end",
]
"""Coder's AISpendExportCSVHeader (enterprise/coderd), in its order."""
START, END = T0 + timedelta(days=20), T0 + timedelta(days=50)
GROUPS = [uid("group/eng"), uid("group/ops"), uid("group/org")]


def _grouped(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The demo with an effective group on most token usages (some left without one)."""
    usages = tables["aibridge_token_usages"]
    pick = pl.col("id").hash(7) % 5
    group = pl.when(pick == 4).then(None).otherwise(pl.lit(pl.Series(GROUPS)).get(pick % 3))
    return tables | {"aibridge_token_usages": usages.with_columns(group.alias("effective_group_id"))}


def _export_rows(tables: dict[str, pl.DataFrame], start, end) -> pl.DataFrame:
    """Coder's export query in Polars: per user, group, model, provider and name, by created_at."""
    usages = tables["aibridge_token_usages"].filter(
        pl.col("effective_group_id").is_not_null(), pl.col("created_at") >= start, pl.col("created_at") < end
    )
    joined = usages.join(
        tables["aibridge_interceptions"].select(
            pl.col("id").alias("interception_id"),
            pl.col("initiator_id").alias("user_id"),
            "model",
            "provider",
            "provider_name",
        ),
        on="interception_id",
    )
    return joined.group_by(
        "user_id", pl.col("effective_group_id").alias("group_id"), "model", "provider", "provider_name"
    ).agg(
        pl.col("input_tokens").sum(),
        pl.col("output_tokens").sum(),
        pl.col("cache_read_input_tokens").sum().alias("cache_read_tokens"),
        pl.col("cache_write_input_tokens").sum().alias("cache_write_tokens"),
        pl.col("cost_micros").sum().fill_null(0),
    )


def _write_export(path, rows: pl.DataFrame, start, end) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for r in rows.iter_rows(named=True):
            model = f"'{r['model']}" if r["model"][:1] in "=+-@" else r["model"]
            writer.writerow(
                [
                    r["user_id"],
                    "someone",
                    r["group_id"],
                    "eng",
                    uid("org"),
                    "org",
                    model,
                    r["provider"],
                    r["provider_name"],
                ]
                + [r[c] for c in EXPORT_AMOUNTS]
                + [start.isoformat().replace("+00:00", "Z"), end.isoformat().replace("+00:00", "Z")]
            )


@pytest.mark.postgres
def test_an_export_made_from_the_warehouse_reconciles_and_each_change_is_found(pg_schema, tmp_path):
    tables = _grouped(_demo(1500, 4))
    rows = _export_rows(tables, START, END)
    assert rows.height > 20 and rows["cost_micros"].sum() > 0
    export = tmp_path / "export.csv"
    _write_export(export, rows, START, END)
    duck = duckdb_connection(tables)
    clean = aa.reconcile(duck, export)
    assert clean.clean and clean.export_rows == clean.warehouse_rows == rows.height, clean.describe()
    # One amount changed, one row dropped, one row the warehouse never saw.
    changed = (
        rows.sort(EXPORT_KEY)
        .with_row_index()
        .with_columns(
            pl.when(pl.col("index") == 0)
            .then(pl.col("cost_micros") + 1)
            .otherwise(pl.col("cost_micros"))
            .alias("cost_micros")
        )
    )
    extra = changed.head(1).with_columns(pl.lit(uid("user/ghost")).alias("user_id"))
    perturbed = pl.concat([changed.filter(pl.col("index") != 1), extra]).drop("index")
    _write_export(export, perturbed, START, END)
    found = aa.reconcile(duck, export)
    assert not found.clean
    statuses = dict(zip(found.differences["status"], found.differences["user_id"], strict=True))
    assert sorted(found.differences["status"]) == ["amounts_differ", "only_in_export", "only_in_warehouse"]
    assert statuses["only_in_export"] == uid("user/ghost")
    differs = found.differences.filter(pl.col("status") == "amounts_differ").row(0, named=True)
    assert differs["cost_difference_micros"] == -1
    with postgres_connection(pg_schema, tables) as pg:
        assert_frame_equal(aa.reconcile(pg, export).differences, found.differences)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2),
    days=st.integers(1, 40),
    offset=st.integers(0, 30),
    which=st.integers(0, 10_000),
    change=st.sampled_from(EXPORT_AMOUNTS),
    delta=st.integers(1, 10**9),
)
def test_reconciling_an_export_of_any_period_finds_exactly_the_perturbed_row(
    tmp_path_factory, seed, days, offset, which, change, delta
):
    tables = _grouped(_demo(200, seed))
    start = T0 + timedelta(days=offset, hours=seed % 24)
    end = start + timedelta(days=days)
    rows = _export_rows(tables, start, end).sort(EXPORT_KEY)
    export = tmp_path_factory.mktemp("export") / "export.csv"
    _write_export(export, rows, start, end)
    con = duckdb_connection(tables)
    # An export without rows states no period: it is given.
    period = {} if rows.height else {"since": start.isoformat(), "until": end.isoformat()}
    found = aa.reconcile(con, export, **period)
    assert found.clean
    assert ("longer than the 31 days" in found.describe()) == (days > 31)
    if rows.height == 0:
        return
    index = which % rows.height
    bumped = rows.with_row_index().with_columns(
        pl.when(pl.col("index") == index).then(pl.col(change) + delta).otherwise(pl.col(change)).alias(change)
    )
    _write_export(export, bumped.drop("index"), start, end)
    differences = aa.reconcile(con, export).differences
    assert differences["status"].to_list() == ["amounts_differ"]
    assert differences.select(EXPORT_KEY).row(0) == rows.select(EXPORT_KEY).row(index)


def _valid_line() -> list[str]:
    return [uid("u"), "me", uid("g"), "eng", uid("o"), "org", "gpt-5", "openai", "openai", "1", "2", "0", "0", "5",
            "2026-10-01T00:00:00Z", "2026-10-08T00:00:00Z"]  # fmt: skip


@pytest.mark.parametrize(
    ("header", "lines", "needle"),
    [
        (HEADER[:-1], [_valid_line()[:-1]], "missing column(s) period_end"),
        (HEADER, [_valid_line()[:9] + ["1.5", *_valid_line()[10:]]], "line 2: input_tokens must be a whole number"),
        (HEADER, [["nope", *_valid_line()[1:]]], "line 2: user_id"),
        (HEADER, [_valid_line(), _valid_line()], "line 3: the same user, group, model"),
        (
            HEADER,
            [_valid_line(), [*_valid_line()[:6], "o3", *_valid_line()[7:15], "2026-10-09T00:00:00Z"]],
            "line 3: period",
        ),
        (HEADER, [[*_valid_line()[:14], "2026-10-08T00:00:00Z", "2026-10-01T00:00:00Z"]], "is not after period_start"),
        (HEADER, [], "has no rows, so no period"),
    ],
)
def test_a_bad_spend_export_is_one_line_exit_1(tmp_path, capsys, header, lines, needle):
    from aibridge_analytics.cli import main

    export = tmp_path / "export.csv"
    with export.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(lines)
    db = tmp_path / "w.duckdb"
    write_warehouse(db, BOOKED)
    assert main(["spend", "--source", str(db), "--reconcile", str(export)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0] and "Traceback" not in err[0], err


def test_reconcile_on_the_command_line_exits_3_on_a_difference_and_0_when_clean(tmp_path, capsys):
    from aibridge_analytics.cli import EXIT_DISCREPANCIES, main

    db = tmp_path / "w.duckdb"
    usages = [u | {"effective_group_id": GROUPS[0]} for u in BOOKED["aibridge_token_usages"]]
    tables = BOOKED | {"aibridge_token_usages": usages}
    write_warehouse(db, tables)
    start, end = T0, T0 + timedelta(days=7)
    rows = _export_rows(frames(tables), start, end)
    export = tmp_path / "export.csv"
    _write_export(export, rows, start, end)
    assert main(["spend", "--source", str(db), "--reconcile", str(export)]) == 0
    assert "they agree on every row" in capsys.readouterr().err
    _write_export(export, rows.with_columns(pl.col("cost_micros") + 5), start, end)
    assert main(["spend", "--source", str(db), "--reconcile", str(export), "--format", "csv"]) == EXIT_DISCREPANCIES
    captured = capsys.readouterr()
    assert f"{rows.height} amounts differ" in captured.err
    assert pl.read_csv(captured.out.encode())["cost_difference_micros"].to_list() == [-5] * rows.height
    with pytest.raises(UsageError, match="has no rows"):
        export.write_text(",".join(HEADER) + "\n")
        spend.reconcile(duckdb_connection(frames(tables)), export)
    # An empty export of a period with spend: the warehouse's rows are listed.
    found = spend.reconcile(duckdb_connection(frames(tables)), export, since=start.isoformat(), until=end.isoformat())
    assert set(found.differences["status"]) == {"only_in_warehouse"}


def test_a_source_without_effective_groups_cannot_be_reconciled(tmp_path):
    from datasets import driver

    con = duckdb_connection(frames(BOOKED))
    driver(con).execute("ALTER TABLE aibridge_token_usages DROP COLUMN effective_group_id")
    export = tmp_path / "export.csv"
    export.write_text(",".join(HEADER) + "\n")
    with pytest.raises(UsageError, match="does not record effective_group_id"):
        spend.reconcile(con, export)


# --- the effective group ----------------------------------------------------------------------------


@pytest.mark.postgres
def test_by_group_counts_each_interception_under_its_lowest_recorded_group(pg_schema, tmp_path, capsys):
    from aibridge_analytics.cli import NO_GROUP, main

    tables = _demo(1500, 11)
    usages = tables["aibridge_token_usages"]
    assert 0 < usages["effective_group_id"].null_count() < usages.height  # recorded from the pricing era on
    duck = duckdb_connection(tables)
    frame = aa.summary(duck, by=["group"])
    # The oracle: each ended interception's lowest recorded group (as text), else none.
    ended = (
        tables["aibridge_interceptions"]
        .filter(pl.col("ended_at").is_not_null())
        .select(pl.col("id").alias("interception_id"))
    )
    groups = usages.group_by("interception_id").agg(pl.col("effective_group_id").min())
    expected = (
        ended.join(groups, on="interception_id", how="left")
        .group_by("effective_group_id")
        .agg(pl.len().cast(pl.Int64).alias("interceptions"))
    )
    assert_frame_equal(
        frame.select("effective_group_id", "interceptions"), expected, check_row_order=False, check_dtypes=False
    )
    assert frame.height == 4 and frame["effective_group_id"].null_count() == 1
    with postgres_connection(pg_schema, tables) as pg:
        assert_frame_equal(aa.summary(pg, by=["group", "provider"]), aa.summary(duck, by=["group", "provider"]))
    db = tmp_path / "w.duckdb"
    write_warehouse(db, {k: v.to_dicts() for k, v in tables.items()})
    assert main(["spend", "--source", str(db), "--by", "group", "--since", "2020-01-01"]) == 0
    assert NO_GROUP in capsys.readouterr().out


def test_an_interception_charged_to_several_groups_counts_once_under_the_lowest():
    low, high = sorted(GROUPS[:2])
    usages = [
        {**u, "effective_group_id": g}
        for u, g in zip(BOOKED["aibridge_token_usages"], [high, low, None, high, None], strict=True)
    ]
    con = duckdb_connection(frames(BOOKED | {"aibridge_token_usages": usages}))
    got = {r["effective_group_id"]: r for r in aa.summary(con, by=["group"]).iter_rows(named=True)}
    # a: usages in both groups (the lowest wins); b: none recorded; c, d: the higher one, or none.
    assert got[low]["interceptions"] == 1 and got[low]["token_usages"] == 2
    assert got[high]["interceptions"] == 1 and got[None]["interceptions"] == 2
