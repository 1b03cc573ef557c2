"""Benchmark: the per-provider summary in DuckDB + Polars versus the same summary as SQL on PostgreSQL.

    AIBRIDGE_TEST_PG_DSN=$(cat .pgtest/dsn) .venv/bin/python bench/summary.py [--interceptions N]

Builds (or reuses, cached under bench/.data/) a demo warehouse of N interceptions (default ten
million), loads it once into the throwaway PostgreSQL server (a schema per size and seed, reused
on later runs), then in one run times

- the DuckDB + Polars path (``summaries.summarise(con, ["provider"])``: SQL pushdown, streamed
  batches, pandera validation, Polars grouping), in a fresh subprocess so that its peak RSS
  (``resource.getrusage``) is its own;
- ``sql/summaries/by_provider.sql`` rendered for PostgreSQL and run on the server.

It prints the ratio (target >= 20x) and the peak RSS (target < 2 GB); times are printed, never
asserted. Both paths must give the same interception count per provider.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"


def _warehouse(n: int, seed: int) -> Path:
    from aibridge_analytics.progress import bar
    from aibridge_analytics.warehouse.demo import build_demo

    path = DATA / f"demo-{n}-{seed}.duckdb"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        (DATA / ".gitignore").write_text("*\n")
        began = time.perf_counter()
        with bar(f"building {n:,} interceptions") as progress:
            build_demo(path, interceptions=n, seed=seed, progress=progress)
        print(f"built {path} in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    return path


def _postgres(dsn: str, path: Path, schema: str) -> None:
    """Load the warehouse into ``schema`` unless an earlier run did."""
    import psycopg

    from aibridge_analytics.warehouse import store
    from aibridge_analytics.warehouse.pgload import copy_warehouse_to_postgres

    with psycopg.connect(dsn, autocommit=True) as conn:
        done = conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %(s)s AND table_name = 'aibridge_interceptions'",
            {"s": schema}).fetchone()
        if done:
            return
        began = time.perf_counter()
        duck = store.open_warehouse(path)
        try:
            copy_warehouse_to_postgres(duck, conn, schema=schema)
        finally:
            duck.close()
        print(f"loaded into PostgreSQL schema {schema} in {time.perf_counter() - began:.0f} s", file=sys.stderr)


def child(path: str, memory_limit: str) -> None:
    """The DuckDB + Polars path, measured in this (fresh) process; prints one JSON line."""
    from aibridge_analytics.engines import DuckDBConnection
    from aibridge_analytics.summaries import summarise
    from aibridge_analytics.warehouse import store

    raw = store.open_warehouse(path)
    # DuckDB would otherwise size its buffer pool from the machine's RAM, not from the task.
    raw.execute(f"SET memory_limit = '{memory_limit}'")
    con = DuckDBConnection(raw, label=path)
    began = time.perf_counter()
    result = summarise(con, ["provider"])
    seconds = time.perf_counter() - began
    counts = result.frame.select("resolved_provider_id", "interceptions").rows()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_rss_bytes": peak_kib * 1024, "counts": counts}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interceptions", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dsn", default=os.environ.get("AIBRIDGE_TEST_PG_DSN"))
    parser.add_argument("--duckdb-memory-limit", default="1GB")
    parser.add_argument("--child", metavar="WAREHOUSE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.duckdb_memory_limit)
        return 0
    if not args.dsn:
        parser.error("no PostgreSQL: pass --dsn or set AIBRIDGE_TEST_PG_DSN (scripts/pg-throwaway start .pgtest)")

    from urllib.parse import quote

    from aibridge_analytics.engines import PostgresConnection

    path = _warehouse(args.interceptions, args.seed)
    schema = f"bench_{args.interceptions}_{args.seed}"
    _postgres(args.dsn, path, schema)

    run = subprocess.run([sys.executable, __file__, "--child", str(path), "--duckdb-memory-limit", args.duckdb_memory_limit],
                         check=True, capture_output=True, text=True)
    local = json.loads(run.stdout.strip().splitlines()[-1])

    sep = "&" if "?" in args.dsn else "?"
    with PostgresConnection(f"{args.dsn}{sep}options={quote(f'-c search_path={schema}')}", statement_timeout_ms=0) as pg:
        began = time.perf_counter()
        server = pg.query("summaries/by_provider")
        pg_seconds = time.perf_counter() - began
    # JSON has no null keys: compare (provider, count) pairs, the unattributed group included.
    same = dict(server.select("resolved_provider_id", "interceptions").rows()) == dict(map(tuple, local["counts"]))

    ratio = pg_seconds / local["seconds"]
    gib = local["peak_rss_bytes"] / 2**30
    print(f"interceptions:            {args.interceptions:,}")
    print(f"DuckDB + Polars:          {local['seconds']:.2f} s, peak RSS {gib:.2f} GiB (target < 2 GB)")
    print(f"PostgreSQL (server SQL):  {pg_seconds:.2f} s")
    print(f"ratio:                    {ratio:.1f}x (target >= 20x)")
    print(f"same counts per provider: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
