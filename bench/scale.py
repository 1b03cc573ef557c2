"""Scale benchmarks (issue 15): summary, --by combinations and report on generated warehouses of both shapes.

    AIBRIDGE_TEST_PG_DSN=$(cat .pgtest/dsn) .venv/bin/python bench/scale.py [--shape demo|solo|both]
        [--interceptions N] [--no-postgres] [--no-postgres-raw] [--no-report] [--plain-cli PATH]
        [--no-build] [--no-three-keys]

For each shape (``demo``: the demo's proportions; ``solo``: most interceptions in sessions and
threads of their own, 2,000 initiators, 365 days) builds, once, a scale warehouse of N
interceptions (default ten million; ``aibridge_analytics.demo.scale``, cached in bench/.data/ with
its build time and peak RSS), then measures, each in a fresh process so that its peak RSS is its own:

- ``summary --by provider``, the call, warm (after one full run), median of --repeat runs;
- the same as a whole command (``aibridge-analytics summary``: process start, imports, output);
- ``--by`` combinations of three keys, the call, warm;
- ``report`` over the whole history, the command, with its peak RSS;
- the baseline: the same summary on PostgreSQL from Coder's raw tables (the warehouse loaded once
  into a schema of the throwaway server, reused on later runs), and the ratio;
- the full build of the warehouse's stored facts (``facts build --rebuild``), time and peak RSS
  (``--no-build``: the stored facts as they are, brought up to date first and not timed, for sizes
  whose build takes longer than a run: at 100M, `facts build` goes on from where it stopped);
- the figures query over the same stored facts on DuckDB and on PostgreSQL (the facts copied into
  the server), engine against engine;
- the facts part of a sync that brings one more day (1/60 of the history), against the full
  build, and of a sync that brings nothing new.

Times are printed against the issue's targets, never asserted; the last lines are Markdown table
rows for the README.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import psycopg
from common import DATA, postgres_copy, reading_schema, timed
from psycopg import sql as pgsql

ROOT = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).with_name("aibridge-analytics")
THREE_KEYS = (("provider", "model", "client"), ("provider", "initiator", "day"), ("model", "client", "week"))


def first_day(path: Path) -> str:
    """The UTC day of the warehouse's first interception: a report from there covers the whole
    history (its default is the last seven days), with no empty days before it."""
    with duckdb.connect(str(path), read_only=True) as duck:
        duck.execute("SET TimeZone = 'UTC'")
        first = "SELECT CAST(CAST(MIN(started_at) AS DATE) AS VARCHAR) FROM aibridge_interceptions"
        found = duck.execute(first).fetchall()
    return f"{found[0][0]}T00:00:00Z"


def arguments() -> argparse.Namespace:
    """The options of this benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=("demo", "solo", "both"), default=os.environ.get("BENCH_SHAPE", "both"))
    parser.add_argument(
        "--interceptions", type=int, default=int(os.environ.get("BENCH_SCALE_INTERCEPTIONS", "10000000"))
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB's memory limit while generating")
    parser.add_argument("--no-postgres", action="store_true", help="skip both PostgreSQL measurements")
    parser.add_argument(
        "--no-postgres-raw", action="store_true", help="skip the baseline from Coder's raw tables (slow to load at 10M)"
    )
    parser.add_argument("--no-report", action="store_true", help="skip the report")
    parser.add_argument(
        "--no-build",
        action="store_true",
        help="do not time a full fact build: use the stored facts, brought up to date first (untimed)",
    )
    parser.add_argument("--no-three-keys", action="store_true", help="skip the three-key --by calls")
    parser.add_argument(
        "--plain-cli",
        type=Path,
        help="also time the summary command with this aibridge-analytics executable: a plain `pip install` "
        "of the package, without the test extras (whose pandas DuckDB and pandera import in every command)",
    )
    parser.add_argument(
        "--dsn", default=os.environ.get("AIBRIDGE_TEST_PG_DSN"), help="the throwaway PostgreSQL (make bench starts it)"
    )
    args = parser.parse_args()
    if args.plain_cli and not os.access(args.plain_cli, os.X_OK):
        parser.error(f"--plain-cli {str(args.plain_cli)!r} is not an executable (a plain install's aibridge-analytics)")
    return args


def measured(argv: list[str]) -> tuple[float, int, str]:
    """Run ``argv``; its wall seconds, its own peak RSS in bytes (wait4, not the parent's) and stdout."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        out.seek(0)
        stdout = out.read().decode()
    code = proc.returncode
    if code not in (0, 3):
        raise SystemExit(f"{' '.join(argv)} failed ({code}): {stderr.strip()[-2000:]}")
    return seconds, usage.ru_maxrss * 1024, stdout


def scale_warehouse(shape: str, interceptions: int, seed: int, memory_limit: str) -> tuple[Path, dict[str, Any]]:
    """The cached warehouse of ``shape`` and how it was built (seconds, peak RSS), building it if missing."""
    path = DATA / f"scale-{shape}-{interceptions}-{seed}.duckdb"
    record = path.with_suffix(".json")
    if path.exists() and record.exists():
        return path, json.loads(record.read_text())
    DATA.mkdir(parents=True, exist_ok=True)
    code = (
        "import sys; from aibridge_analytics.demo.scale import build_scale; "
        "s = build_scale(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), memory_limit=sys.argv[5]); "
        "print(s.describe())"
    )
    argv = [sys.executable, "-c", code, str(path), shape, str(interceptions), str(seed), memory_limit]
    seconds, rss, stdout = measured(argv)
    built = {"seconds": seconds, "peak_rss_bytes": rss, "memory_limit": memory_limit, "describe": stdout.strip()}
    record.write_text(json.dumps(built))
    return path, built


def child(path: str, keys: str, repeat: int) -> None:
    """The call, measured in this fresh process: one warm-up run, then the median of ``repeat``."""
    from aibridge_analytics import connect
    from aibridge_analytics.pipelines.summaries import summarise

    by = keys.split(",")
    with connect(path) as con:
        summarise(con, by)  # warm: imports, catalogue, DuckDB's caches and the OS page cache
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            result = summarise(con, by)
            times.append(time.perf_counter() - began)
    counts = dict(result.frame.select("resolved_provider_id", "interceptions").rows()) if by == ["provider"] else {}
    print(json.dumps({"seconds": statistics.median(times), "counts": {str(k): v for k, v in counts.items()}}))


def call(path: Path, keys: tuple[str, ...], repeat: int) -> tuple[float, int, dict[str, int]]:
    """Seconds of the warm call (median), the process's peak RSS, and interceptions per provider."""
    _, rss, stdout = measured([sys.executable, __file__, "--child", str(path), ",".join(keys), str(repeat)])
    result = json.loads(stdout.strip().splitlines()[-1])
    return result["seconds"], rss, result["counts"]


def command(args: list[str], repeat: int, cli: Path = CLI) -> tuple[float, int]:
    """Median wall seconds of ``aibridge-analytics *args`` (the executable ``cli``) as a whole
    process (after one warm-up run), peak RSS."""
    measured([str(cli), *args])
    runs = [measured([str(cli), *args]) for _ in range(max(repeat, 1))]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def postgres_raw(path: Path, dsn: str, shape: str, interceptions: int, seed: int) -> tuple[float, dict[str, int]]:
    """The same summary on PostgreSQL from Coder's raw tables (loaded once per shape and size)."""
    from aibridge_analytics import connect
    from aibridge_analytics.pipelines.summaries import summarise

    pg_dsn = postgres_copy(path, dsn, interceptions, seed, schema=f"scale_{shape}_{interceptions}_{seed}")
    with connect(pg_dsn, statement_timeout_ms=0) as pg:
        began = time.perf_counter()
        frame = summarise(pg, ["provider"]).frame
        seconds = time.perf_counter() - began
    return seconds, {str(k): v for k, v in frame.select("resolved_provider_id", "interceptions").rows()}


_PG_TYPES = {
    "UUID": "uuid",
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


def facts_to_postgres(path: Path, dsn: str) -> float:
    """The warehouse's stored facts, and the providers whose names the figures look up, copied into
    ``main.aibridge_facts`` and ``main.ai_providers`` of the PostgreSQL server (where the catalogue's
    stored-facts relation reads them), replacing an earlier copy; seconds."""
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="facts-", dir=DATA) as tmp,
        duckdb.connect(str(path), read_only=True) as duck,
        psycopg.connect(dsn, autocommit=True) as conn,
    ):
        conn.execute("DROP SCHEMA IF EXISTS main CASCADE")
        conn.execute("CREATE SCHEMA main")
        for table in ("aibridge_facts", "ai_providers"):
            csv = Path(tmp) / f"{table}.csv"
            rows = duck.table(table)
            columns = list(zip(rows.columns, (str(t) for t in rows.types), strict=True))
            rows.write_csv(str(csv), header=False)
            ddl = pgsql.SQL("CREATE TABLE main.{} ({})").format(
                pgsql.Identifier(table),
                pgsql.SQL(", ").join(
                    pgsql.SQL("{} {}").format(pgsql.Identifier(name), pgsql.SQL(_PG_TYPES[kind]))
                    for name, kind in columns
                ),
            )
            conn.execute(ddl)
            copy_sql = pgsql.SQL("COPY main.{} FROM STDIN (FORMAT csv)").format(pgsql.Identifier(table))
            with conn.cursor().copy(copy_sql) as copy, csv.open("rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            conn.execute(pgsql.SQL("VACUUM ANALYZE main.{}").format(pgsql.Identifier(table)))
    return time.perf_counter() - started


def figures_seconds(con: Any, repeat: int) -> float:
    """Median seconds of the summary's figures query by provider over the stored facts on ``con``'s
    engine (after one warm-up): the same catalogue query, engine against engine."""
    from aibridge_analytics import catalogue
    from aibridge_analytics.pipelines.summaries import KEYS
    from aibridge_analytics.warehouse.facts import STORED_RELATIONS

    rendered = catalogue.render(
        "summaries/figures",
        con.dialect,
        {"since": None, "until": None, "tz": "UTC"},
        keys=KEYS["provider"],
        relations={"facts": STORED_RELATIONS["facts"]},
    )
    seconds, _ = timed(lambda: con.run(rendered), repeat)
    return seconds


def facts_baseline(path: Path, dsn: str, repeat: int) -> tuple[float, float, float]:
    """The figures query by provider over the same stored facts: seconds on DuckDB, on PostgreSQL
    (the facts loaded into it first), and the loading time."""
    from aibridge_analytics import connect
    from aibridge_analytics.sources.connection import PostgresConnection

    with connect(path) as duck:
        t_duck = figures_seconds(duck, repeat)
    t_load = facts_to_postgres(path, dsn)
    # The figures look up provider names in ai_providers: the copy in main.
    with PostgresConnection(reading_schema(dsn, "main"), statement_timeout_ms=0) as pg:
        t_pg = figures_seconds(pg, repeat)
    return t_duck, t_pg, t_load


def refresh_child(path: str) -> None:
    """In this fresh process: the facts part of a sync that brought one more day (the newest 1/60
    of the interceptions marked changed, as the sync marks them, then refreshed), and of a sync
    that brought nothing (a refresh with nothing changed)."""
    from aibridge_analytics.warehouse import facts, store
    from aibridge_analytics.warehouse.store import Warehouse

    con = store.open_warehouse(path, read_only=False)
    wh = Warehouse(con)
    total = int(con.execute("SELECT count(*) FROM aibridge_interceptions").fetchall()[0][0])
    wh.run("warehouse/facts/create_changed")
    con.execute(
        "INSERT INTO aibridge_facts_changed SELECT id FROM aibridge_interceptions ORDER BY started_at DESC LIMIT ?",
        [total // 60],
    )
    began = time.perf_counter()
    day = facts.refresh_open(con)
    t_day = time.perf_counter() - began
    began = time.perf_counter()
    nothing = facts.refresh_open(con)
    t_nothing = time.perf_counter() - began
    con.close()
    print(json.dumps({"day": t_day, "day_says": day, "nothing": t_nothing, "nothing_says": nothing}))


def verdict(ok: bool) -> str:
    """The word printed beside a target."""
    return "meets" if ok else "MISSES"


def gib(n: int) -> str:
    """Bytes as GiB, two decimals."""
    return f"{n / 2**30:.2f} GiB"


def bench_shape(args: argparse.Namespace, shape: str) -> str:
    """Every measurement for one shape; returns its README row."""
    n = args.interceptions
    path, built = scale_warehouse(shape, n, args.seed, args.memory_limit)
    size = path.stat().st_size
    print(f"== shape {shape}, {n:,} interceptions: {path.name} ({size / 2**30:.1f} GiB on disk)", flush=True)
    print(
        f"generated in {built['seconds']:.0f} s, peak RSS {gib(built['peak_rss_bytes'])} "
        f"(DuckDB memory limit {built['memory_limit']}): {built['describe']}",
        flush=True,
    )
    big = n >= 100_000_000
    # The stored facts, built whole (every later read uses them; sync keeps them up to date).
    build = ["facts", "build", "--db", str(path)]
    t_facts: float | None = None
    if args.no_build:
        _, _, says = measured([str(CLI), *build])
        print(f"full fact build: not timed (--no-build; the stored facts: {says.strip()})", flush=True)
        built_facts = "not timed"
    else:
        t_facts, rss_facts, _ = measured([str(CLI), *build, "--rebuild"])
        print(f"full fact build: {t_facts:.1f} s, peak RSS {gib(rss_facts)}", flush=True)
        built_facts = f"{t_facts:.0f} s, {gib(rss_facts)}"
    t_call, rss_call, counts = call(path, ("provider",), args.repeat)
    target = "<= 20 s, peak RSS <= 4 GB" if big else "<= 1.5 s"
    ok = t_call <= (20 if big else 1.5) and (not big or rss_call <= 4e9)
    print(f"summary --by provider, the call (warm): {t_call:.2f} s, peak RSS {gib(rss_call)} ({verdict(ok)} {target})")
    summary_args = ["summary", "--source", str(path), "--by", "provider", "--format", "csv", "--out", os.devnull]
    t_cmd, rss_cmd = command(summary_args, args.repeat)
    print(
        f"summary --by provider, the command: {t_cmd:.2f} s, peak RSS {gib(rss_cmd)} ({verdict(t_cmd <= 2.5)} <= 2.5 s)"
    )
    if args.plain_cli:
        t_plain, rss_plain = command(summary_args, args.repeat, args.plain_cli)
        print(
            f"the same command, a plain install ({args.plain_cli}): {t_plain:.2f} s, peak RSS {gib(rss_plain)} "
            f"({verdict(t_plain <= 2.5)} <= 2.5 s)"
        )
    three = []
    for keys in () if args.no_three_keys else THREE_KEYS:
        t_keys, rss_keys, _ = call(path, keys, 1)
        three.append(t_keys)
        print(
            f"summary --by {','.join(keys)}, the call (warm): {t_keys:.2f} s, peak RSS {gib(rss_keys)} "
            f"({verdict(t_keys <= 3)} <= 3 s)",
            flush=True,
        )
    report = "skipped"
    if not args.no_report:
        with tempfile.TemporaryDirectory(prefix="bench-report-") as out:
            whole = ["--since", first_day(path)]
            t_rep, rss_rep, _ = measured([str(CLI), "report", "--source", str(path), "--out", out, *whole])
        ok = t_rep <= 10 and rss_rep <= 2e9
        report = f"{t_rep:.1f} s, {gib(rss_rep)}"
        print(f"report over the whole history: {t_rep:.1f} s, peak RSS {gib(rss_rep)} ({verdict(ok)} <= 10 s, <= 2 GB)")
    raw = engines = "skipped"
    if not args.no_postgres and not args.no_postgres_raw:
        if not args.dsn:
            raise SystemExit("no PostgreSQL: run `make bench` (or set AIBRIDGE_TEST_PG_DSN, or --no-postgres)")
        t_pg, pg_counts = postgres_raw(path, args.dsn, shape, n, args.seed)
        ratio = t_pg / t_call
        raw = f"{t_pg:.0f} s, {ratio:.0f}x"
        print(
            f"PostgreSQL from Coder's raw tables: {t_pg:.1f} s -> {ratio:.1f}x the call "
            f"({verdict(ratio >= 40)} >= 40x); "
            f"same counts per provider: {pg_counts == counts}"
        )
    if args.dsn and not args.no_postgres:
        t_duck, t_pg, t_load = facts_baseline(path, args.dsn, args.repeat)
        engines = f"{t_pg / t_duck:.1f}x"
        print(
            f"the figures query over the same stored facts: DuckDB {t_duck:.2f} s, PostgreSQL {t_pg:.2f} s "
            f"-> {engines} (engine against engine; facts loaded into PostgreSQL in {t_load:.0f} s)"
        )
    _, rss_refresh, out = measured([sys.executable, __file__, "--refresh", str(path)])
    refreshed = json.loads(out.strip().splitlines()[-1])
    share = f"{refreshed['day'] / t_facts:.0%}" if t_facts else "no build timed"
    print(
        f"facts part of a sync of one more day (1/60 of the interceptions): {refreshed['day']:.1f} s "
        f"({refreshed['day_says']}), {share} of the full build, peak RSS {gib(rss_refresh)}"
        + (f" ({verdict(refreshed['day'] <= 0.10 * t_facts)} <= 10%)" if t_facts else "")
    )
    print(
        f"facts part of a sync with nothing new: {refreshed['nothing']:.2f} s ({refreshed['nothing_says']}) "
        f"({verdict(refreshed['nothing'] <= 0.5)} <= 0.5 s)",
        flush=True,
    )
    return (
        f"| {shape} | {n:,} | {built['seconds']:.0f} s, {gib(built['peak_rss_bytes'])} | "
        f"{built_facts} | {t_call:.2f} s | {t_cmd:.2f} s | "
        f"{f'{min(three):.1f}-{max(three):.1f} s' if three else 'skipped'} | "
        f"{report} | {raw} | {engines} | {refreshed['day']:.1f} s ({share}) | {refreshed['nothing']:.2f} s |"
    )


def main() -> int:
    """Run the scale benchmarks for the shapes asked for and print README rows."""
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "--refresh":
        refresh_child(sys.argv[2])
        return 0
    args = arguments()
    shapes = ("demo", "solo") if args.shape == "both" else (args.shape,)
    rows = [bench_shape(args, shape) for shape in shapes]
    print(
        "\n| shape | interceptions | generated (time, peak RSS) | full fact build | summary call | summary command | "
        "3-key --by calls | report (time, peak RSS) | PostgreSQL raw, ratio | PostgreSQL/DuckDB on the same facts | "
        "facts of one more day | facts, nothing new |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
