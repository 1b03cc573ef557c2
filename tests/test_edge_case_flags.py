"""The edge-case flags of docs/edge-cases.md (sql/edge_cases/*, aibridge_analytics.pipelines.edge_cases):
they find every planted case, agree on DuckDB and PostgreSQL, and cover a mainline source."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from datasets import assert_same_rows, driver, duckdb_connection, postgres_connection

from aibridge_analytics.demo import generator as demo
from aibridge_analytics.pipelines import edge_cases

SIZE = 2_000


@pytest.fixture(scope="module")
def tables():
    return demo.demo_tables(SIZE, 7)


def _coder(tables):
    return {k: v for k, v in tables.items() if k != "demo_ground_truth"}


def test_cases_are_the_sixteen_with_real_labels():
    assert [c.number for c in edge_cases.CASES] == list(range(1, 17))
    for c in edge_cases.CASES[:15]:
        assert c.labels and set(c.labels) <= set(demo.PLANTED_EDGE_CASES), c
    # The demo's providers predate its history: the upgrade histories plant case 16.
    assert edge_cases.case(16).labels == ()
    with pytest.raises(ValueError, match="unknown edge case 17"):
        edge_cases.case(17)


def test_case_16_flags_the_traffic_before_the_upgrade():
    from aibridge_analytics.demo.upgrades import START, UPGRADE, scenario

    for name in ("clean_upgrade", "pre_ai_providers"):
        s = scenario(name)
        tables = s.tables()
        con = duckdb_connection({k: v for k, v in tables.items() if k != "ai_providers" or s.has_providers})
        if not s.has_providers:
            driver(con).execute("DROP TABLE ai_providers")
        flags = edge_cases.flags(con)
        upgrade = START + timedelta(days=UPGRADE)
        legacy = flags["started_at"] < upgrade if s.has_providers else pl.lit(True)
        assert flags.select((pl.col("case_16") == legacy).all()).item(), name
        assert flags["case_16"].any()


def test_every_planted_row_shows_its_case(tables):
    """Each label's rows carry the flag of every case that label is listed under."""
    flags = edge_cases.flags(duckdb_connection(_coder(tables)))
    labelled = flags.join(tables["demo_ground_truth"].select("interception_id", "edge_case"), on="interception_id")
    assert labelled.height == SIZE
    for c in edge_cases.CASES:
        for label in c.labels:
            rows = labelled.filter(pl.col("edge_case") == label)
            if c.number == 1 and label != "type_drift":
                # provider_id decides these rows' attribution only where the snapshot disagrees.
                continue
            if c.number == 14:
                # The label plants sessions mixing providers or only models; the flag is providers.
                assert rows[c.column].any(), label
                continue
            assert rows.height and rows[c.column].all(), (c.number, label)


def test_typical_rows_show_no_legacy_case(tables):
    flags = edge_cases.flags(duckdb_connection(_coder(tables))).join(
        tables["demo_ground_truth"].select("interception_id", "edge_case"), on="interception_id"
    )
    typical = flags.filter(pl.col("edge_case") == "typical")
    for number in (1, 3, 4, 6, 7, 8, 9, 10, 12, 13, 15):
        assert not typical[f"case_{number:02d}"].any(), number


def test_counts_match_the_flags_and_cover_a_mainline_source(tables):
    con = duckdb_connection(_coder(tables))
    flags, counts = edge_cases.flags(con), edge_cases.counts(con)
    for row in counts.iter_rows(named=True):
        column = f"case_{row['case']:02d}"
        assert row["interceptions"] == flags[column].sum()
        assert row["unattributed"] == (flags[column] & ~flags["resolved"]).sum()
    con = duckdb_connection(_coder(tables))  # a fresh connection: the schema probe is per connection
    driver(con).execute("ALTER TABLE aibridge_interceptions DROP COLUMN provider_id")
    mainline = edge_cases.counts(con)
    assert mainline.filter(pl.col("case") == 1)["interceptions"][0] == SIZE
    assert mainline.filter(pl.col("case") == 8)["interceptions"][0] == 0  # no id can dangle


@pytest.mark.postgres
@pytest.mark.parametrize("with_provider_id", [True, False])
def test_duckdb_and_postgres_agree(tables, pg_schema, with_provider_id):
    duck = duckdb_connection(_coder(tables))
    pg = postgres_connection(pg_schema, _coder(tables))
    if not with_provider_id:
        driver(duck).execute("ALTER TABLE aibridge_interceptions DROP COLUMN provider_id")
        pg_schema.conn.execute("ALTER TABLE aibridge_interceptions DROP COLUMN provider_id")
    try:
        assert_same_rows(edge_cases.flags(duck), edge_cases.flags(pg))
        assert_same_rows(edge_cases.counts(duck), edge_cases.counts(pg), sort=False)
    finally:
        pg.close()
