"""Apache Spark: every catalogue query that claims the spark dialect gives the rows DuckDB gives on
the same Parquet files (DuckDB and PostgreSQL agree by tests/test_every_query.py), and the commands
run with ``--engine spark``.

One local-mode session serves the whole run (``spark_session`` in conftest.py); the data is small
(the demo exported to Parquet), because Spark's cost here is planning, not rows.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from datasets import assert_same_rows, dataset_strategy, driver, duckdb_connection
from hypothesis import HealthCheck, given, settings
from test_every_query import CASES, _params

from aibridge_analytics import catalogue
from aibridge_analytics.cli import main
from aibridge_analytics.coder import TABLES
from aibridge_analytics.demo.generator import build_demo
from aibridge_analytics.errors import ConnectionFailed, SchemaError, SqlError, UsageError
from aibridge_analytics.sources import spark as spark_source
from aibridge_analytics.sources.kinds import connect

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def demo_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo (a few hundred interceptions) as a directory of ``<table>.parquet`` files."""
    root = tmp_path_factory.mktemp("spark-demo")
    build_demo(root / "demo.duckdb", interceptions=400)
    directory = root / "parquet"
    directory.mkdir()
    with duckdb.connect(str(root / "demo.duckdb"), read_only=True) as con:
        for table in TABLES:
            con.table(table).pl().write_parquet(directory / f"{table}.parquet")
    return directory


@pytest.fixture(scope="module")
def engines(spark_session, demo_parquet):
    """The same Parquet directory opened by DuckDB and by Spark."""
    duck = connect(str(demo_parquet))
    spark = connect(str(demo_parquet), engine="spark")
    yield duck, spark
    duck.close()
    spark.close()


def test_every_spark_query_is_swept():
    """Every portable file claims spark, so the sweep below covers the catalogue."""
    spark_files = {n for n, q in catalogue.catalogue().items() if "spark" in q.dialects}
    assert {name for name, _ in CASES} <= spark_files
    assert {"attribution/rows", "summaries/figures", "verification/classes", "report/sessions"} <= spark_files


def test_every_query_gives_the_same_rows_on_spark(engines, demo_parquet):
    duck, spark = engines
    data = {t: pl.read_parquet(demo_parquet / f"{t}.parquet") for t in ("ai_providers", "aibridge_interceptions")}
    disagree = []
    for name, relations in CASES:
        # The time ranges and a provider set, so that the range predicates and bound values are exercised.
        params = _params(name, relations, data, ranged=True)
        try:
            assert_same_rows(duck.query(name, params, relations), spark.query(name, params, relations))
        except (AssertionError, SqlError) as exc:
            disagree.append(f"{name} {relations}: {str(exc)[:300]}")
    assert not disagree, "DuckDB and Spark disagree:\n" + "\n".join(disagree)


#: What a generated history is checked on: attribution, the facts, a summary and the verification
#: (Spark plans each statement anew, so a few queries rather than the whole sweep above).
GENERATED = {
    "attribution/rows",
    "facts/rows",
    "summaries/figures",
    "verification/classes",
    "verification/findings",
    "verification/coder_filter_counts",
}


@settings(
    max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=dataset_strategy())
def test_generated_histories_give_the_same_rows_on_spark(data, spark_session, tmp_path_factory):
    """Histories dense in attribution edge cases (reused names, duplicate types, dangling ids,
    soft deletes): Spark gives DuckDB's rows on the same Parquet files."""
    directory = tmp_path_factory.mktemp("spark-generated")
    with duckdb_connection(data) as typed:  # Coder's column types, as a warehouse exports them
        for table in data:
            driver(typed).table(table).pl().write_parquet(directory / f"{table}.parquet")
    with connect(str(directory)) as duck, connect(str(directory), engine="spark") as spark:
        for name, relations in CASES:
            if name in GENERATED:
                # In UTC, where the sweep above has a zone with summer time: both ways to a day.
                params = _params(name, relations, data, ranged=True, zoned=False)
                try:
                    assert_same_rows(duck.query(name, params, relations), spark.query(name, params, relations))
                except AssertionError as exc:
                    raise AssertionError(f"{name}: DuckDB and Spark disagree: {exc}") from None
    assert GENERATED <= {name for name, _ in CASES}


def test_spark_probe_reads_the_parquet_schema(engines):
    duck, spark = engines
    assert spark.probe.columns.keys() == duck.probe.columns.keys()
    assert spark.probe.columns["aibridge_interceptions"]["started_at"].startswith("timestamp")


def test_percentiles_are_exact_on_spark(engines):
    """Spark's percentile interpolates as PERCENTILE_CONT does: the session medians agree to the bit."""
    duck, spark = engines
    assert_same_rows(duck.query("report/sessions", {}), spark.query("report/sessions", {}))


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_commands_run_on_spark_and_print_what_duckdb_prints(engines, demo_parquet, capsys, tmp_path):
    source = str(demo_parquet)
    for argv in (("summary", "--by", "provider,model"), ("verify-backfill",)):
        duck_code, duck_out, _ = _cli(capsys, *argv, "--source", source, "--format", "json")
        code, out, err = _cli(capsys, *argv, "--source", source, "--format", "json", "--engine", "spark")
        assert code == duck_code, err
        spark_json, duck_json = json.loads(out), json.loads(duck_out)
        if isinstance(spark_json, dict):  # verify-backfill names its source, which says the engine
            assert spark_json.pop("source").endswith("(spark local[2])")
            duck_json.pop("source")
        assert spark_json == duck_json, argv
    code, _, err = _cli(capsys, "report", "--source", source, "--engine", "spark", "--out", str(tmp_path / "report"))
    assert code == 0, err
    assert (tmp_path / "report" / "manifest.json").exists()
    manifest = (tmp_path / "report" / "manifest.json").read_text()
    assert '"spark"' in manifest or "spark" in manifest


def test_spark_refuses_what_it_cannot_read(spark_session, tmp_path, demo_parquet, capsys):
    with pytest.raises(UsageError, match="reads a directory of <table>.parquet files"):
        connect(str(tmp_path / "w.duckdb"), engine="spark")
    with pytest.raises(UsageError, match="is read by duckdb, not postgres"):
        connect(str(demo_parquet), engine="postgres")
    only_providers = tmp_path / "providers-only"
    only_providers.mkdir()
    shutil.copy(demo_parquet / "ai_providers.parquet", only_providers)
    with pytest.raises(SchemaError, match="has no aibridge_interceptions table"):
        assert connect(str(only_providers), engine="spark").probe
    code, _, err = _cli(capsys, "providers", "--source", str(demo_parquet), "--spark-master", "local[1]")
    assert code == 1 and err.count("\n") == 1 and "add --engine spark" in err


def test_spark_without_java_is_one_line(monkeypatch):
    monkeypatch.setattr(spark_source.shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(ConnectionFailed, match="no Java runtime"):
        spark_source.session("local[1]")


def test_the_master_is_spark_remote_unless_given(monkeypatch):
    monkeypatch.delenv(spark_source.REMOTE_ENV, raising=False)
    assert spark_source.master_of() == "local[2]"
    monkeypatch.setenv(spark_source.REMOTE_ENV, "sc://spark.example:15002")
    assert spark_source.master_of() == "sc://spark.example:15002"
    assert spark_source.master_of("spark://m:7077") == "spark://m:7077"


def test_a_master_beside_spark_remote_is_refused(monkeypatch):
    """PySpark would connect to SPARK_REMOTE and silently ignore the master given."""
    monkeypatch.setenv(spark_source.REMOTE_ENV, "sc://spark.example:15002")
    with pytest.raises(UsageError, match="SPARK_REMOTE is set"):
        spark_source.session("local[1]")
