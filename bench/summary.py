"""Benchmark: the per-provider summary in DuckDB + Polars versus the same summary as SQL on PostgreSQL.

    AIBRIDGE_TEST_PG_DSN=$(cat .pgtest/dsn) .venv/bin/python bench/summary.py [--interceptions N]

Builds (or reuses, cached under bench/.data/) a demo warehouse of N interceptions (default ten
million), loads it once into the throwaway PostgreSQL server (a schema per size and seed, reused
on later runs), then in one run times

- the DuckDB + Polars path (``summaries.summarise(con, ["provider"])``: the grouping pushed down
  to DuckDB, Polars shaping, pandera validation, completeness), in a fresh subprocess so that its
  peak RSS (``VmHWM``) is its own;
- the same summary with the same SQL run on the PostgreSQL server (``summarise`` on a
  PostgreSQL connection).

It prints the ratio (target >= 20x), the peak RSS (target < 2 GB), and the seconds of each
catalogue query the summary ran on either engine (where the time goes); times are printed, never
asserted. Both paths must give the same interception count per provider.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from common import arguments, demo_warehouse, postgres_copy, ratio_line


def child(path: str, memory_limit: str) -> None:
    """The DuckDB + Polars path, measured in this (fresh) process; prints one JSON line."""
    from aibridge_analytics.pipelines.summaries import summarise
    from aibridge_analytics.sources.connection import DuckDBConnection
    from aibridge_analytics.warehouse import store

    raw = store.open_warehouse(path)
    # DuckDB would otherwise size its buffer pool from the machine's RAM, not from the task.
    raw.execute(f"SET memory_limit = '{memory_limit}'")
    con = DuckDBConnection(raw, label=path)
    # Warm-up on an empty range: imports (pandera) and the catalogue, not the figures.
    summarise(con, ["provider"], since="2100-01-01")
    spent = per_query(con)
    began = time.perf_counter()
    result = summarise(con, ["provider"])
    seconds = time.perf_counter() - began
    counts = result.frame.select("resolved_provider_id", "interceptions").rows()
    print(json.dumps({"seconds": seconds, "peak_rss_bytes": peak_rss_bytes(), "counts": counts, "queries": spent}))


def per_query(con) -> dict[str, float]:
    """Seconds per catalogue query that ``con`` runs from now on (filled in as they run)."""
    spent: dict[str, float] = {}
    inner = con.query

    def query(name, *args, **kwargs):
        began = time.perf_counter()
        try:
            return inner(name, *args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - began

    con.query = query
    return spent


def peak_rss_bytes() -> int:
    """This process's peak resident set size.

    Not ``getrusage``'s ru_maxrss: Linux carries it across fork and exec, so a child started by a
    parent that had just built a 10-million-row warehouse reported the parent's 7 GiB.
    ``VmHWM`` belongs to the address space, which exec replaces.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> int:
    """Time both paths in one run and print the ratio and the local path's peak RSS."""
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2], "1GB")
        return 0
    from aibridge_analytics import connect

    args = arguments(__doc__.splitlines()[0])
    path = demo_warehouse(args.interceptions, args.seed)
    pg_dsn = postgres_copy(path, args.dsn, args.interceptions, args.seed)
    # A fresh process, so that the peak RSS measured is the summary's own.
    run = subprocess.run([sys.executable, __file__, "--child", str(path)], check=True, capture_output=True, text=True)
    local = json.loads(run.stdout.strip().splitlines()[-1])
    from aibridge_analytics.pipelines.summaries import summarise

    with connect(pg_dsn, statement_timeout_ms=0) as pg:
        pg_spent = per_query(pg)
        began = time.perf_counter()
        server = summarise(pg, ["provider"]).frame
        pg_seconds = time.perf_counter() - began
    # JSON has no null keys: compare (provider, count) pairs, the unattributed group included.
    same = dict(server.select("resolved_provider_id", "interceptions").rows()) == dict(map(tuple, local["counts"]))
    print(ratio_line(f"per-provider summary of {args.interceptions:,} interceptions", local["seconds"], pg_seconds, 20))
    print(f"peak RSS of the DuckDB + Polars path: {local['peak_rss_bytes'] / 2**30:.2f} GiB (target < 2 GB)")
    for name in local["queries"]:
        print(
            f"  {name}: {local['queries'][name]:.2f} s in DuckDB, "
            f"{pg_spent.get(name, float('nan')):.2f} s on PostgreSQL"
        )
    print(f"same counts per provider: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
