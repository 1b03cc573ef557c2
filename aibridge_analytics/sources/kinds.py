"""Opening a ``--source``: the local warehouse, a live Coder database, Parquet files or an export.

Every kind of source becomes a `Connection` whose catalogue queries read the same logical
relations, so every command works on every source.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from aibridge_analytics.coder import TABLES
from aibridge_analytics.errors import SourceError, UsageError, first_line
from aibridge_analytics.sources.connection import (
    Connection,
    DuckDBConnection,
    PostgresConnection,
)
from aibridge_analytics.warehouse import store
from aibridge_analytics.warehouse.facts import read_stored
from aibridge_analytics.warehouse.lake import PARTITION, Lake


def is_postgres(source: str) -> bool:
    """Whether ``source`` names a PostgreSQL database (a ``postgresql://`` or ``postgres://`` URL)."""
    return source.startswith(("postgresql://", "postgres://"))


def default_source() -> Path:
    """The demo warehouse (`store.default_demo_path`), built on first use so a fresh checkout works at once."""
    path = store.default_demo_path()
    if not path.exists():
        from aibridge_analytics.demo.generator import build_demo

        build_demo(path)
    return path


#: The engines a source may be read with (`connect`'s ``engine``); None: the one the source implies.
ENGINES = ("duckdb", "postgres", "spark")


def connect(
    source: str | Path | None = None,
    *,
    statement_timeout_ms: int = 600_000,
    engine: str | None = None,
    spark_master: str | None = None,
) -> Connection:
    """Open ``source`` for querying (read-only).

    - ``None``: the demo warehouse (built if missing);
    - a path ending in ``.duckdb``: a local warehouse;
    - ``postgresql://...`` / ``postgres://...``: a live Coder database, in read-only transactions
      with a statement timeout;
    - a lake (a directory with a ``_manifest.json``, see `warehouse.lake`), a directory of
      ``<table>.parquet`` files, or a JSON export (file or directory of pages).

    ``engine`` runs the queries on another engine than the source implies: ``spark`` reads a
    lake or a directory of ``<table>.parquet`` files with Spark SQL, on the cluster ``spark_master`` names
    (see `sources.spark.master_of`; local mode by default).
    """
    if engine is not None and engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if engine == "spark":
        return _spark(source, spark_master)
    if source is None:
        source = default_source()
    text = str(source)
    implied = "postgres" if is_postgres(text) else "duckdb"
    if engine is not None and engine != implied:
        raise UsageError(f"source {text!r} is read by {implied}, not {engine}: give a source {engine} reads")
    if is_postgres(text):
        return PostgresConnection(text, statement_timeout_ms=statement_timeout_ms)
    path = Path(text)
    if text.endswith(".duckdb"):
        from aibridge_analytics.warehouse.facts import open_warehouse_source

        return open_warehouse_source(path, text)
    if not path.exists():
        raise SourceError(f"source {text!r} does not exist")
    from aibridge_analytics.warehouse import lake

    if lake.is_lake(path):
        return _lake(lake.read(path))
    if path.is_dir() and any(path.glob("*.parquet")):
        return _parquet(path)
    from aibridge_analytics.sources.exports import connect_export, is_export

    if is_export(path):
        return connect_export(path)
    raise UsageError(
        f"cannot tell what kind of source {text!r} is: give a .duckdb file, a postgresql:// URL, "
        "a directory of <table>.parquet files, or a JSON export"
    )


def _parquet(directory: Path) -> Connection:
    """An in-memory DuckDB with one view per ``<table>.parquet`` file found (others stay absent)."""
    con = store.configure(duckdb.connect())
    for table in TABLES:
        file = directory / f"{table}.parquet"
        if file.exists():
            try:
                con.read_parquet(str(file)).create_view(table)
            except duckdb.Error as exc:
                raise SourceError(f"cannot read {file}: {first_line(exc)}") from None
    return DuckDBConnection(con, label=str(directory))


def _lake(found: Lake) -> Connection:
    """An in-memory DuckDB with one view per table of the lake ``found``, its Hive partitions read
    as one table (the ``day`` key left out: the rows carry their times), and the facts relation
    bound to the lake's stored facts when it has them."""
    con = store.configure(duckdb.connect())
    for table, where in found.tables.items():
        pattern = str(where / "**" / "*.parquet")
        try:
            rel = con.read_parquet(pattern, hive_partitioning=found.partitioned(table))
            if found.partitioned(table):
                rel = rel.select(*(duckdb.ColumnExpression(c) for c in rel.columns if c != PARTITION))
            rel.create_view(table)
        except duckdb.Error as exc:
            raise SourceError(f"cannot read the lake's {where}: {first_line(exc)}") from None
    return lake_connection(DuckDBConnection(con, label=str(found.root)), found)


def lake_connection(con: Connection, found: Lake) -> Connection:
    """``con``, reading the lake ``found``, told what the lake's manifest says of its data: ids unique
    (a warehouse's), the warehouse's recorded enum labels, and where the facts come from."""
    con.unique_ids = True
    con.use_meta(found.meta)
    return read_stored(con) if found.facts_stored else con


def _spark(source: str | Path | None, master: str | None) -> Connection:
    """``source``, a directory of Parquet files, read by Spark on the cluster ``master`` names."""
    if source is None or is_postgres(str(source)) or str(source).endswith(".duckdb"):
        raise UsageError(
            f"the spark engine reads a directory of <table>.parquet files, not {str(source or 'the demo warehouse')!r}"
        )
    path = Path(source)
    from aibridge_analytics.sources.spark import SparkConnection
    from aibridge_analytics.warehouse import lake

    if lake.is_lake(path):
        found = lake.read(path)
        return lake_connection(SparkConnection(path, master, found), found)
    if not path.is_dir() or not any(path.glob("*.parquet")):
        raise SourceError(f"source {str(source)!r} is not a lake or a directory of <table>.parquet files")
    return SparkConnection(path, master)
