"""Shared set-up for the benchmarks: a cached demo warehouse, its copy in PostgreSQL, and timing.

Benchmarks print ratios against a baseline measured in the same run (these machines are noisy);
absolute times are printed for context only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import duckdb
import psycopg

from aibridge_analytics.demo.generator import build_demo
from aibridge_analytics.demo.pgload import copy_warehouse_to_postgres

DATA = Path(__file__).resolve().parent / ".data"
DEFAULT_INTERCEPTIONS = int(os.environ.get("BENCH_INTERCEPTIONS", "10000000"))


def arguments(description: str) -> argparse.Namespace:
    """The options every benchmark takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--interceptions", type=int, default=DEFAULT_INTERCEPTIONS)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--dsn", default=os.environ.get("AIBRIDGE_TEST_PG_DSN"), help="the throwaway PostgreSQL (make bench starts it)"
    )
    return parser.parse_args()


def demo_warehouse(interceptions: int, seed: int) -> Path:
    """A demo warehouse of ``interceptions`` rows, built once and kept under bench/.data."""
    path = DATA / f"demo-{interceptions}-{seed}.duckdb"
    if not path.exists():
        started = time.perf_counter()
        build_demo(path, interceptions=interceptions, seed=seed)
        print(f"built {path.name} in {time.perf_counter() - started:.1f} s")
    return path


def postgres_copy(warehouse: Path, dsn: str, interceptions: int, seed: int, schema: str | None = None) -> str:
    """The warehouse loaded into its own schema of the PostgreSQL server; returns a DSN reading it.

    ``schema`` names it (default: one per size and seed of the demo warehouse).
    """
    if not dsn:
        raise SystemExit("no PostgreSQL: run `make bench` (or set AIBRIDGE_TEST_PG_DSN)")
    schema = schema or f"bench_{interceptions}_{seed}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        present = conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = 'aibridge_interceptions'",
            (schema,),
        ).fetchone()
        if present is None:
            started = time.perf_counter()
            duck = duckdb.connect(str(warehouse), read_only=True)
            copy_warehouse_to_postgres(duck, conn, schema=schema)
            duck.close()
            print(f"loaded {warehouse.name} into PostgreSQL schema {schema} in {time.perf_counter() - started:.1f} s")
    return reading_schema(dsn, schema)


def reading_schema(dsn: str, schema: str) -> str:
    """``dsn`` with ``schema`` first on the search path, so that unqualified names read its tables."""
    sep = "&" if "?" in dsn else "?"
    return f"{dsn}{sep}options={quote(f'-c search_path={schema}')}"


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """The median wall time of ``repeat`` runs (after one warm-up), and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def ratio_line(what: str, fast: float, baseline: float, target: float) -> str:
    """One result line: both times, the ratio, and whether the target is met."""
    ratio = baseline / fast if fast > 0 else float("inf")
    verdict = "meets" if ratio >= target else "MISSES"
    return f"{what}: {fast:.3f} s vs baseline {baseline:.3f} s -> {ratio:.1f}x ({verdict} target {target:g}x)"
