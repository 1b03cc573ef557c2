"""Apache Spark: every catalogue query that claims the spark dialect gives the rows DuckDB gives on
the same Parquet files (DuckDB and PostgreSQL agree by tests/test_every_query.py), and the commands
run with ``--engine spark``.

One local-mode session serves the whole run (``spark_session`` in conftest.py); the data is small
(the demo exported to Parquet), because Spark's cost here is planning, not rows.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import datetime
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


def _prints_what_duckdb_prints(capsys, argv: tuple[str, ...], code: int, out: str, err: str, cluster: str) -> None:
    """A Spark run of ``argv`` (``--source ... --format json``) exited and printed as DuckDB does on
    the same source; ``cluster`` is the master its source label names."""
    duck_code, duck_out, _ = _cli(capsys, *argv)
    assert code == duck_code, err
    spark_json, duck_json = json.loads(out), json.loads(duck_out)
    if isinstance(spark_json, dict):  # verify-backfill names its source, which says the engine
        assert spark_json.pop("source").endswith(f"(spark {cluster})")
        duck_json.pop("source")
    assert spark_json == duck_json, argv


def test_commands_run_on_spark_and_print_what_duckdb_prints(engines, demo_parquet, capsys, tmp_path):
    source = str(demo_parquet)
    for command in (("summary", "--by", "provider,model"), ("verify-backfill",)):
        argv = (*command, "--source", source, "--format", "json")
        _prints_what_duckdb_prints(capsys, argv, *_cli(capsys, *argv, "--engine", "spark"), "local[2]")
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


# Spark Connect: one server for the run (``spark_connect`` in conftest.py), reached by the CLI in
# processes of its own as a user would, and by this process for the bound values.


@pytest.fixture(scope="module")
def demo_lake(demo_parquet: Path) -> Path:
    """The demo's warehouse (beside ``demo_parquet``) written as a lake."""
    lake = demo_parquet.parent / "lake"
    assert main(["lake", "--db", str(demo_parquet.parent / "demo.duckdb"), "--to", str(lake)]) == 0
    return lake


def _cli_process(*argv: str, remote: str | None = None) -> tuple[int, str, str]:
    """The CLI in a process of its own (``SPARK_REMOTE`` set to ``remote``, or unset)."""
    env = {k: v for k, v in os.environ.items() if k != spark_source.REMOTE_ENV}
    if remote:
        env[spark_source.REMOTE_ENV] = remote
    done = subprocess.run(
        [sys.executable, "-m", "aibridge_analytics", *argv], capture_output=True, text=True, env=env, timeout=300
    )
    return done.returncode, done.stdout, done.stderr


def test_commands_on_spark_connect_print_what_duckdb_prints(spark_connect, demo_parquet, demo_lake, capsys):
    """``--spark-master sc://...`` and ``SPARK_REMOTE``, a lake and a Parquet directory, values bound."""
    provider = pl.read_parquet(demo_parquet / "ai_providers.parquet")["id"][0]
    count = ("interceptions", "count", "--provider-id", provider, "--started-after", "2026-09-01T00:00:00Z")
    for command, source, by_env in (
        ((*count, "--mode", "coder"), demo_lake, False),
        (("providers",), demo_parquet, True),
    ):
        argv = (*command, "--source", str(source), "--format", "json")
        if by_env:
            run = _cli_process(*argv, "--engine", "spark", remote=spark_connect)
        else:
            run = _cli_process(*argv, "--engine", "spark", "--spark-master", spark_connect)
        assert run[0] == 0 and "Traceback" not in run[2], run[2]
        _prints_what_duckdb_prints(capsys, argv, *run, spark_connect)


def test_spark_connect_binds_values_as_the_local_session_does(spark_connect, demo_parquet):
    """Every kind of parameter bound on Spark Connect (its client makes literals of them itself)
    gives DuckDB's rows; and two sources on one server each see only their own tables."""
    data = {t: pl.read_parquet(demo_parquet / f"{t}.parquet") for t in ("ai_providers", "aibridge_interceptions")}
    # For each Python type of a bound value, the smallest query binding one (Spark plans each anew).
    cases: dict[type, tuple[int, str, dict[str, str], dict]] = {}
    for name, relations in CASES:
        params = _params(name, relations, data, ranged=True)
        # The values as bound: defaults filled in, absent optional ones NULL.
        rendered = catalogue.render(name, "spark", params, relations=relations)
        for kind in {type(value) for value in rendered.params.values()}:
            if kind not in cases or len(rendered.sql) < cases[kind][0]:
                cases[kind] = (len(rendered.sql), name, relations, params)
    assert {str, int, bool, datetime, type(None)} <= cases.keys()
    with (
        connect(str(demo_parquet)) as duck,
        connect(str(demo_parquet), engine="spark", spark_master=spark_connect) as remote,
    ):
        for _, name, relations, params in cases.values():
            assert_same_rows(duck.query(name, params, relations), remote.query(name, params, relations))
        only_providers = demo_parquet.parent / "providers-only"
        only_providers.mkdir(exist_ok=True)
        shutil.copy(demo_parquet / "ai_providers.parquet", only_providers)
        with connect(str(only_providers), engine="spark", spark_master=spark_connect) as other:
            with pytest.raises(SchemaError, match="has no aibridge_interceptions table"):
                assert other.probe


def test_a_spark_connect_endpoint_that_does_not_answer_is_one_line(demo_parquet):
    with socket.socket() as closed:  # a port of this machine that nothing listens on
        closed.bind(("127.0.0.1", 0))
        url = f"sc://127.0.0.1:{closed.getsockname()[1]}"
        started = time.monotonic()
        code, out, err = _cli_process(
            "providers", "--source", str(demo_parquet), "--engine", "spark", "--spark-master", url
        )
    assert code == 1 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert f"cannot reach Spark Connect at {url}" in err
    assert time.monotonic() - started < spark_source.CONNECT_TIMEOUT + 30


def test_a_standalone_cluster_runs_the_commands_and_prints_what_duckdb_prints(spark_standalone, demo_parquet, capsys):
    """``--spark-master spark://...``: a real standalone master, whose worker runs the executor; the
    count attributes every interception and binds a provider and a time."""
    provider = pl.read_parquet(demo_parquet / "ai_providers.parquet")["id"][0]
    argv = ("interceptions", "count", "--provider-id", provider, "--started-after", "2026-09-01T00:00:00Z")
    argv += ("--source", str(demo_parquet), "--format", "json")
    run = _cli_process(*argv, "--engine", "spark", "--spark-master", spark_standalone.url)
    assert run[0] == 0 and "Traceback" not in run[2], run[2]
    _prints_what_duckdb_prints(capsys, argv, *run, spark_standalone.url)
    assert "Asked to launch executor" in spark_standalone.worker_log.read_text()
