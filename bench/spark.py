"""Spark local mode beside DuckDB: the same summary from the same Parquet files (issue 18).

    .venv/bin/python bench/spark.py [--interceptions N] [--shape demo|solo] [--master local[2]]

Exports the scale warehouse of ``bench/scale.py`` (N interceptions, default ten million; built once
and cached in bench/.data/) as a directory of ``<table>.parquet`` files, then times
``summary --by provider`` as a call (``summarise``: anomaly check, figures, completeness) on DuckDB
and on Spark (``--engine spark``, local mode unless ``--master`` names a cluster) over that
directory, both computing the facts inline. It prints both times, the ratio, and whether the two
engines gave the same interceptions per provider. The ratio is for information only: one machine
is not Spark's home (see the README's plan for ten billion rows).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import duckdb
from common import DATA
from scale import scale_warehouse

from aibridge_analytics.coder import TABLES
from aibridge_analytics.warehouse.lake import write


def arguments() -> argparse.Namespace:
    """The options of this benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--interceptions", type=int, default=int(os.environ.get("BENCH_SCALE_INTERCEPTIONS", "10000000"))
    )
    parser.add_argument("--shape", choices=("demo", "solo"), default="demo")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--master", default=None, help="Spark's master (default: local[2])")
    return parser.parse_args()


def parquet_directory(warehouse: Path) -> Path:
    """The warehouse's Coder tables as ``<table>.parquet`` files, written once beside it."""
    directory = DATA / f"parquet-{warehouse.stem}"
    if directory.is_dir() and (directory / "aibridge_interceptions.parquet").exists():
        return directory
    partial = directory.with_name(directory.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        present = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        for table, columns in TABLES.items():
            if table in present:
                # UUIDs as text: Spark cannot read Parquet's UUID logical type, which DuckDB writes.
                have = set(con.table(table).columns)
                projection = [
                    f'CAST("{c.name}" AS VARCHAR) AS "{c.name}"' if c.duckdb == "UUID" else f'"{c.name}"'
                    for c in columns
                    if c.name in have
                ]
                con.table(table).project(", ".join(projection)).write_parquet(str(partial / f"{table}.parquet"))
    partial.rename(directory)
    print(f"exported {warehouse.name} to {directory.name}/ in {time.perf_counter() - started:.0f} s", flush=True)
    return directory


def timed_summary(source: Path, engine: str | None, master: str | None) -> tuple[float, dict[str, int]]:
    """Seconds of ``summarise(con, ["provider"])`` (after one run that warms the engine) and the
    interceptions per provider."""
    from aibridge_analytics.pipelines.summaries import summarise
    from aibridge_analytics.sources.kinds import connect

    with connect(str(source), engine=engine, spark_master=master) as con:
        summarise(con, ["provider"], since="2100-01-01")  # warm: session start, imports, catalogue
        began = time.perf_counter()
        frame = summarise(con, ["provider"]).frame
        seconds = time.perf_counter() - began
    return seconds, {str(k): v for k, v in frame.select("resolved_provider_id", "interceptions").rows()}


def main() -> int:
    """Run the benchmark and print its lines."""
    args = arguments()
    warehouse, _ = scale_warehouse(args.shape, args.interceptions, args.seed, "1GB")
    source = parquet_directory(warehouse)
    t_duck, duck_counts = timed_summary(source, None, None)
    print(f"DuckDB over {source.name}/: summary --by provider, the call: {t_duck:.1f} s", flush=True)
    t_spark, spark_counts = timed_summary(source, "spark", args.master)
    print(f"Spark ({args.master or 'local[2]'}) over the same files: {t_spark:.1f} s", flush=True)
    print(
        f"Spark / DuckDB: {t_spark / t_duck:.1f}x (information only); "
        f"same interceptions per provider: {spark_counts == duck_counts}"
    )
    lake = DATA / f"lake-{warehouse.stem}"
    print(write(warehouse, lake).describe(), flush=True)
    t_duck_lake, duck_lake_counts = timed_summary(lake, None, None)
    print(f"DuckDB over {lake.name}/ (stored facts): {t_duck_lake:.1f} s", flush=True)
    t_spark_lake, spark_lake_counts = timed_summary(lake, "spark", args.master)
    print(
        f"Spark over the lake (stored facts): {t_spark_lake:.1f} s; Spark / DuckDB: {t_spark_lake / t_duck_lake:.1f}x; "
        f"same interceptions per provider: {spark_lake_counts == duck_lake_counts == duck_counts}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
