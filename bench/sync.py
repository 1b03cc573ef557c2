"""`sync` throughput: a full sync of a demo database vs a plain COPY TO STDOUT of the same tables
from the same server (target: the sync takes at most 2x as long).

The baseline reads every Coder table with psycopg's ``COPY table TO STDOUT`` and throws the bytes
away: the least any copy of these tables out of PostgreSQL costs. The sync does all of its work:
the schema probe, reads through DuckDB's postgres extension, a transaction per table with its
watermark, ai_providers history, and a final checkpoint of the warehouse file.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import psycopg
from common import demo_warehouse, postgres_copy

from aibridge_analytics.coder import TABLES
from aibridge_analytics.warehouse.sync import sync

TARGET = 2.0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interceptions", type=int, default=int(os.environ.get("BENCH_SYNC_INTERCEPTIONS", "1000000")))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--dsn", default=os.environ.get("AIBRIDGE_TEST_PG_DSN"), help="the throwaway PostgreSQL (make bench starts it)"
    )
    return parser.parse_args()


def plain_copy(dsn: str) -> int:
    """Bytes of a text COPY TO STDOUT of every Coder table, received and discarded."""
    received = 0
    with psycopg.connect(dsn) as conn:
        for table in TABLES:
            with conn.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                for chunk in copy:
                    received += len(chunk)
    return received


def full_sync(dsn: str, directory: Path) -> tuple[float, int]:
    """Seconds for a sync into a new warehouse file, and the rows it wrote."""
    db = directory / "sync.duckdb"
    for leftover in (db, Path(f"{db}.wal")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    summary = sync(dsn, db)
    return time.perf_counter() - started, sum(summary.rows.values())


def main() -> None:
    """Load the demo into PostgreSQL (cached), then time the baseline and the sync, alternating."""
    args = _arguments()
    dsn = postgres_copy(demo_warehouse(args.interceptions, args.seed), args.dsn, args.interceptions, args.seed)
    plain_copy(dsn)  # warm the server's cache, so neither side pays for the first read from disk
    copies, syncs = [], []
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        for _ in range(max(args.repeat, 1)):
            started = time.perf_counter()
            received = plain_copy(dsn)
            copies.append(time.perf_counter() - started)
            seconds, rows = full_sync(dsn, Path(tmp))
            syncs.append(seconds)
        started = time.perf_counter()
        again = sync(dsn, Path(tmp) / "sync.duckdb")
        incremental = time.perf_counter() - started
    copy_s, sync_s = min(copies), min(syncs)
    ratio = sync_s / copy_s
    verdict = "meets" if ratio <= TARGET else "MISSES"
    print(f"plain COPY TO STDOUT: {copy_s:.2f} s for {received / 1e6:.0f} MB")
    print(
        f"full sync of {args.interceptions} interceptions ({rows} rows): {sync_s:.2f} s "
        f"-> {ratio:.2f}x the plain COPY ({verdict} target <= {TARGET:g}x)"
    )
    print(
        f"incremental sync with nothing new (re-reads the one-day overlap): {incremental:.2f} s, "
        f"{sum(again.rows.values())} rows rewritten"
    )


if __name__ == "__main__":
    main()
