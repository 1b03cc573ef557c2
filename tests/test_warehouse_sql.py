"""The warehouse's own SQL: the catalogue files under sql/warehouse/ (DuckDB-only) run on DuckDB, the
statements the sync builds with sqlglot, and the source-side catalogue queries the sync relies on
(portable ones on both engines with equal results)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pytest
from sqlglot import exp

from aibridge_analytics import catalogue
from aibridge_analytics.catalogue import Probe
from aibridge_analytics.coder import TABLES
from aibridge_analytics.errors import SqlError
from aibridge_analytics.sources.connection import DuckDBConnection
from aibridge_analytics.warehouse import statements as sql
from aibridge_analytics.warehouse import store
from aibridge_analytics.warehouse.store import Warehouse
from tests.datasets import (
    DATA_FILE_TABLES,
    T0,
    assert_same_rows,
    frames,
    interception,
    postgres_connection,
    provider,
    uid,
    write_warehouse,
)

NOW = datetime(2026, 3, 1, tzinfo=UTC)
WAREHOUSE_FILES = sorted(n for n in catalogue.catalogue() if n.startswith("warehouse/"))


@pytest.fixture
def wh() -> Warehouse:
    """An empty synced-warehouse schema in memory."""
    con = store.configure(duckdb.connect())
    store.create_schema(con)
    store.create_history(con)
    yield Warehouse(con)
    con.close()


def test_warehouse_files_are_duckdb_only_and_render_for_it():
    assert WAREHOUSE_FILES
    for name in WAREHOUSE_FILES:
        assert catalogue.get(name).dialects == ("duckdb",), name
        catalogue.render(name, "duckdb", bind=False)
        with pytest.raises(SqlError, match="duckdb only"):
            catalogue.render(name, "postgres", bind=False)


@pytest.mark.parametrize(
    "name", ["warehouse/providers/open", "warehouse/providers/insert_incoming", "warehouse/providers/close_changed"]
)
def test_provider_statements_name_every_declared_provider_column(name):
    """The provider files list ai_providers' columns: a column added to coder.py must be added there."""
    columns = {col.name for col in catalogue.get(name).tree.find_all(exp.Column)}
    assert {c.name for c in TABLES["ai_providers"]} <= columns


def test_settings_apply(wh, tmp_path):
    given = {
        "warehouse/settings/memory_limit": {"limit": "700MB"},
        "warehouse/settings/temp_directory": {"directory": str(tmp_path / "spill")},
    }
    for name in [n for n in WAREHOUSE_FILES if n.startswith("warehouse/settings/") and "scan" not in n]:
        wh.run(name, given.get(name))
    setting = wh.con.execute(
        "SELECT current_setting('checkpoint_threshold'), current_setting('TimeZone'), "
        "current_setting('memory_limit'), current_setting('temp_directory')"
    ).fetchone()
    assert setting[1] == "UTC" and setting[0] != "16.0 MB", setting
    assert setting[2].startswith(("667", "700")) and setting[3] == str(tmp_path / "spill"), setting


def test_meta_get_set_replace_and_forget(wh):
    assert wh.value("warehouse/meta/get", {"key": "sync.watermark.a"}) is None
    with wh.transaction():
        wh.run("warehouse/meta/set", {"key": "sync.watermark.a", "value": "1"})
        wh.run("warehouse/meta/set", {"key": "sync.watermark.a", "value": "2"})
        wh.run("warehouse/meta/set", {"key": "sync.source", "value": "x"})
    assert wh.value("warehouse/meta/get", {"key": "sync.watermark.a"}) == "2"
    wh.run("warehouse/meta/forget", {"pattern": "sync.watermark.%"})
    assert wh.con.execute("SELECT key FROM warehouse_meta").fetchall() == [("sync.source",)]


def _providers(*rows: dict) -> pa.Table:
    return frames({"ai_providers": rows})["ai_providers"].to_arrow()


def _history(wh: Warehouse) -> list[tuple]:
    return wh.con.execute(
        "SELECT name, deleted, valid_from IS NOT NULL, valid_to IS NULL FROM ai_providers_history "
        "ORDER BY name, valid_from, valid_to NULLS LAST"
    ).fetchall()


def _sync_providers(wh: Warehouse, incoming: pa.Table, now: datetime, live: bool = True) -> None:
    """The provider statements in the order the sync runs them."""
    names = [
        "close_changed",
        *(["close_removed"] if live else []),
        "observe",
        "open",
        "remove_incoming",
        "insert_incoming",
        *(["retire"] if live else []),
    ]
    with wh.registered("_providers", incoming), wh.transaction():
        for name in names:
            wh.run(f"warehouse/providers/{name}", None if "incoming" in name else {"now": now})


def test_provider_history_opens_closes_and_retires(wh):
    a, b = provider("a", "openai"), provider("b", "anthropic")
    _sync_providers(wh, _providers(a, b), NOW)
    assert _history(wh) == [("a", False, True, True), ("b", False, True, True)]
    # a soft-deleted, b hard-deleted (gone from the source)
    _sync_providers(wh, _providers({**a, "deleted": True}), NOW + timedelta(days=1))
    assert _history(wh) == [("a", False, True, False), ("a", True, True, True), ("b", False, True, False)]
    retired = wh.con.execute("SELECT deleted, enabled FROM ai_providers WHERE name = 'b'").fetchone()
    assert retired == (True, False)
    # The current version of a was observed by the second sync; b's closed version last by the first.
    observed = wh.con.execute(
        "SELECT name, epoch_us(max(observed_at)) FROM ai_providers_history GROUP BY name ORDER BY name"
    ).fetchall()
    assert observed == [("a", int((NOW + timedelta(days=1)).timestamp() * 1e6)), ("b", int(NOW.timestamp() * 1e6))]


def test_in_flight_lists_interceptions_not_ended_before_the_window(wh):
    rows = frames(
        {
            "aibridge_interceptions": [
                interception("open", "openai", day=1, minutes=None),
                interception("ended", "openai", day=1),
                interception("recent", "openai", day=20, minutes=None),
            ]
        }
    )
    wh.con.register("incoming", rows["aibridge_interceptions"])
    wh.execute_built("fill", sql.insert_from("aibridge_interceptions", "incoming"))
    before = T0 + timedelta(days=19)
    assert [r[0] for r in wh.run("warehouse/in_flight", {"before": before}).fetchall()] == [uid("open")]


def test_merge_by_id_keeps_what_the_source_lacks(wh):
    table = "aibridge_interceptions"
    first = frames({table: [interception("x", "openai", provider_id=uid("p"))]})[table]
    wh.con.register("incoming", first)
    wh.execute_built("fill", sql.insert_from(table, "incoming"))
    later = first.with_columns(pl.lit(None, pl.String).alias("provider_id"), pl.lit("gpt-5").alias("model"))
    with wh.registered(sql.BATCH, later.to_arrow()), wh.transaction():
        for name, tree in sql.merge_by_id(table, {"provider_id"}):
            wh.execute_built(name, tree)
    kept = wh.con.execute(f"SELECT CAST(provider_id AS VARCHAR), model FROM {table}").fetchall()
    assert kept == [(uid("p"), "gpt-5")]


def test_merge_by_content_keeps_identical_rows_as_many(wh):
    table = "aibridge_model_thoughts"
    row = {"interception_id": uid("x"), "content": "hm", "created_at": NOW}
    twice = frames({table: [row, row]})[table].to_arrow()
    for _ in range(2):
        with wh.registered(sql.BATCH, twice), wh.transaction():
            for name, tree in sql.merge_by_content(table, tuple(c.name for c in TABLES[table])):
                wh.execute_built(name, tree)
    assert wh.execute_built("count", sql.count(table)).fetchone()[0] == 2


def test_rows_beyond_a_mark_and_the_newest(wh):
    table = "aibridge_interceptions"
    assert not wh.execute_built("any", sql.has_rows(table, "started_at", beyond=False)).fetchone()[0]
    rows = frames({table: [interception("x", "openai", day=3)]})[table]
    wh.con.register("incoming", rows)
    wh.execute_built("fill", sql.insert_from(table, "incoming"))
    newest = wh.execute_built("newest", sql.newest(table, "started_at")).fetchone()[0]
    mark = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=newest)
    beyond = sql.has_rows(table, "started_at", beyond=True)
    assert wh.execute_built("beyond", beyond, {"mark": mark - timedelta(seconds=1)}).fetchone()[0]
    assert not wh.execute_built("beyond", beyond, {"mark": mark}).fetchone()[0]


def test_the_copy_select_fills_what_the_source_lacks():
    probe = Probe(
        {
            "aibridge_interceptions": {
                c.name: c.duckdb.lower()
                for c in TABLES["aibridge_interceptions"]
                if c.name not in ("provider_name", "provider_id")
            }
        }
    )
    select = sql.select_rows("aibridge_interceptions", probe, exp.to_table("aibridge_interceptions"))
    rendered = catalogue.render_statement("copy", select, "duckdb").sql
    assert "CAST(provider AS TEXT) AS provider_name" in rendered and "CAST(NULL AS UUID) AS provider_id" in rendered


def _duplicated() -> pl.DataFrame:
    row = interception("twice", "openai")
    return frames({"aibridge_interceptions": [row, row, interception("once", "openai")]})["aibridge_interceptions"]


def _duckdb_without_keys(interceptions: pl.DataFrame) -> DuckDBConnection:
    con = store.configure(duckdb.connect())
    store.create_schema(con, keys=False)
    con.register("incoming", interceptions)
    Warehouse(con).execute_built("fill", sql.insert_from("aibridge_interceptions", "incoming"))
    return DuckDBConnection(con, label="dups")


def test_duplicate_ids_and_row_counts_of_a_duckdb_source():
    source = _duckdb_without_keys(_duplicated())
    assert source.duplicate_ids() == [("aibridge_interceptions", uid("twice"), 1)]
    assert source.row_estimates(["aibridge_interceptions"]) == {"aibridge_interceptions": 3}
    source.close()


@pytest.mark.postgres
def test_duplicate_ids_query_gives_the_same_rows_on_both_engines(pg_schema):
    rows = _duplicated()
    source = postgres_connection(pg_schema, {})
    pg_schema.conn.execute("ALTER TABLE aibridge_interceptions DROP CONSTRAINT aibridge_interceptions_pkey")
    with pg_schema.conn.cursor().copy(f"COPY aibridge_interceptions ({', '.join(rows.columns)}) FROM STDIN") as copy:
        for row in rows.iter_rows():
            copy.write_row(row)
    duck = _duckdb_without_keys(rows)
    try:
        found = source.query("schema/duplicate_ids")
        assert found.height == 1
        assert_same_rows(duck.query("schema/duplicate_ids"), found)
        assert source.duplicate_ids() == []  # a live database: Coder's primary keys forbid them
    finally:
        source.close()
        duck.close()


@pytest.mark.postgres
def test_server_facts_and_row_estimates_of_a_live_source(pg_schema):
    tables = frames({"aibridge_interceptions": [interception("a", "openai"), interception("b", "openai")]})
    source = postgres_connection(pg_schema, tables)
    try:
        facts = source.server_facts()
        assert facts.schema == pg_schema.name and facts.standby is False
        pg_schema.conn.execute(f"ANALYZE {pg_schema.name}.aibridge_interceptions")
        pg_schema.conn.commit()
        assert source.row_estimates(["aibridge_interceptions", "no_such_table"]) == {
            "aibridge_interceptions": 2,
            "no_such_table": 0,
        }
    finally:
        source.close()


@pytest.fixture
def system_tmp(tmp_path, monkeypatch) -> Path:
    """The system's temporary directory, for this test: an empty folder of its own."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _settings(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    memory, spill = con.execute("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchall()[
        0
    ]
    return memory, spill


def test_every_connection_is_held_to_the_limit_and_spills_beside_a_writable_file_only(
    tmp_path, system_tmp, monkeypatch
):
    monkeypatch.delenv(store.MEMORY_LIMIT_ENV, raising=False)
    path = tmp_path / "w.duckdb"
    with store.configure(duckdb.connect(str(path))) as writable:
        memory, spill = _settings(writable)
        assert memory == "1.8 GiB" and spill == f"{path}.tmp"  # 2GB is 1.86 GiB
    monkeypatch.setenv(store.MEMORY_LIMIT_ENV, "300MB")
    for con in (store.open_warehouse(path), store.configure(duckdb.connect())):
        with con:
            memory, spill = _settings(con)
            assert memory == "286.1 MiB", memory
            assert Path(spill).parent == system_tmp and Path(spill).name.startswith(store.SPILL_PREFIX)
            # Configured again (a DuckDBConnection around it): the same private directory.
            assert _settings(DuckDBConnection(con)._con)[1] == spill


def test_a_query_past_the_limit_spills_into_its_own_directory_and_leaves_nothing(tmp_path, system_tmp, monkeypatch):
    monkeypatch.setenv(store.MEMORY_LIMIT_ENV, "48MB")
    monkeypatch.chdir(tmp_path)
    con = store.configure(duckdb.connect())
    con.execute("CREATE TABLE t AS SELECT i % 1000 AS g, md5(CAST(i AS VARCHAR)) AS s FROM range(2000000) AS r(i)")
    # 2M distinct 32-character strings in per-group hash tables: far more than 48 MB.
    groups = con.execute("SELECT g, COUNT(DISTINCT s) FROM t GROUP BY g").fetchall()
    assert len(groups) == 1000 and {n for _, n in groups} == {2000}
    spilled = list(system_tmp.iterdir())
    assert len(spilled) == 1 and spilled[0].name.startswith(store.SPILL_PREFIX)
    con.close()
    assert not list(system_tmp.iterdir()) and sorted(p.name for p in tmp_path.iterdir()) == ["system-tmp"]


@pytest.mark.parametrize("limit", ["lots", "2 G", "-1GB"])
def test_a_memory_limit_that_is_not_a_size_is_one_line(limit, tmp_path, monkeypatch, capsys):
    from aibridge_analytics.cli import main

    path = tmp_path / "w.duckdb"
    write_warehouse(path, DATA_FILE_TABLES)
    monkeypatch.setenv(store.MEMORY_LIMIT_ENV, limit)
    code = main(["summary", "--source", str(path)])
    err = capsys.readouterr().err
    assert (
        code == 1
        and err.count("\n") == 1
        and f"AIBRIDGE_MEMORY_LIMIT must be a size such as 2GB or 512MB, got {limit!r}" in err
    )
