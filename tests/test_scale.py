"""The scale generator (aibridge_analytics.demo.scale): warehouses every command reads, deterministic by
seed, the solo shape's sessions and initiators, child rows that reference their interceptions, and
DuckDB's memory bounded by the limit it is given."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aibridge_analytics.cli import main
from aibridge_analytics.coder import TABLES
from aibridge_analytics.demo.scale import SHAPES, build_scale
from aibridge_analytics.errors import UsageError

SMALL = 20_000
CHILDREN = ("aibridge_token_usages", "aibridge_user_prompts", "aibridge_tool_usages")
SESSION = "COALESCE(client_session_id, CAST(thread_root_id AS VARCHAR), CAST(id AS VARCHAR))"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One small warehouse per shape, with what build_scale said about it."""
    folder = tmp_path_factory.mktemp("scale")
    return {
        shape: (folder / f"{shape}.duckdb", build_scale(folder / f"{shape}.duckdb", shape, SMALL)) for shape in SHAPES
    }


def rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def canonical(path: Path) -> dict[str, pl.DataFrame]:
    """Every Coder table, sorted on all its columns: what two equal warehouses share."""
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        out = {}
        for table, columns in TABLES.items():
            names = ", ".join(c.name for c in columns)
            casts = ", ".join(f"CAST({c.name} AS VARCHAR) AS {c.name}" for c in columns)
            out[table] = con.execute(f"SELECT {casts} FROM {table} ORDER BY {names}").pl()
    return out


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_command_reads_a_scale_warehouse(built, shape, capsys, tmp_path):
    path, summary = built[shape]
    assert summary.tables["aibridge_interceptions"] == SMALL
    assert rows(path, "SELECT count(*) FROM aibridge_interceptions") == [(SMALL,)]
    out = tmp_path / "summary.json"
    assert main(["summary", "--source", str(path), "--by", "provider", "--format", "json", "--out", str(out)]) == 0
    summarised = json.loads(out.read_text())
    ended = rows(path, "SELECT count(*) FROM aibridge_interceptions WHERE ended_at IS NOT NULL")[0][0]
    assert sum(r["interceptions"] for r in summarised) == ended
    assert main(["attribute", "--source", str(path), "--format", "csv", "--out", str(tmp_path / "a.csv")]) == 0
    assert len(pl.read_csv(tmp_path / "a.csv")) == SMALL
    assert main(["verify-backfill", "--source", str(path), "--format", "json", "--out", str(tmp_path / "v.json")]) in (
        0,
        3,
    )
    capsys.readouterr()


def test_the_same_seed_gives_the_same_warehouse_and_another_seed_another(tmp_path):
    first = canonical(Path(build_scale(tmp_path / "a.duckdb", "solo", 3000, seed=3, chunk_size=1000).path))
    # Other chunk boundaries: every row is a function of its row number, not of the chunk it fell in.
    again = canonical(Path(build_scale(tmp_path / "b.duckdb", "solo", 3000, seed=3, chunk_size=700).path))
    other = canonical(Path(build_scale(tmp_path / "c.duckdb", "solo", 3000, seed=4).path))
    for table in TABLES:
        assert first[table].equals(again[table]), table
    assert not set(first["aibridge_interceptions"]["id"]) & set(other["aibridge_interceptions"]["id"])


def test_the_solo_shape_is_mostly_sessions_of_one_over_2000_initiators_and_a_year(built):
    path, _ = built["solo"]
    (initiators, days) = rows(
        path,
        "SELECT count(DISTINCT initiator_id), date_diff('day', min(started_at), max(started_at)) "
        "FROM aibridge_interceptions",
    )[0]
    assert initiators == 2000
    assert 330 <= days <= 365  # the last window of a small history is partly filled
    (alone, threadless) = rows(
        path,
        f"""SELECT avg(CASE WHEN n = 1 THEN 1.0 ELSE 0 END), avg(CASE WHEN t = 0 THEN 1.0 ELSE 0 END)
            FROM (SELECT {SESSION} AS s, count(*) OVER (PARTITION BY {SESSION}) AS n,
                         count(thread_root_id) OVER (PARTITION BY {SESSION}) AS t FROM aibridge_interceptions)""",
    )[0]
    assert alone > 0.7 and threadless > 0.7
    # The demo shape, by contrast, has sessions of many interceptions.
    demo, _ = built["demo"]
    largest, share = rows(
        demo,
        f"""SELECT max(n), avg(CASE WHEN n = 1 THEN 1.0 ELSE 0 END)
            FROM (SELECT count(*) OVER (PARTITION BY {SESSION}) AS n FROM aibridge_interceptions)""",
    )[0]
    assert largest >= 40 and share < 0.5
    assert rows(demo, "SELECT count(DISTINCT initiator_id) FROM aibridge_interceptions") == [(400,)]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_child_rows_and_threads_reference_existing_interceptions(built, shape):
    path, _ = built[shape]
    for table in CHILDREN:
        orphans = f"SELECT count(*) FROM {table} AS c ANTI JOIN aibridge_interceptions AS i ON i.id = c.interception_id"
        assert rows(path, orphans) == [(0,)], table
        assert rows(path, f"SELECT count(*) = count(DISTINCT id) FROM {table}") == [(True,)], table
    for column in ("thread_parent_id", "thread_root_id"):
        dangling = (
            f"SELECT count(*) FROM aibridge_interceptions AS c WHERE c.{column} IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM aibridge_interceptions AS i WHERE i.id = c.{column})"
        )
        assert rows(path, dangling) == [(0,)], column
    per = rows(
        path,
        """SELECT max(t), avg(t), max(p), avg(p), max(u), avg(u) FROM (
             SELECT i.id,
               (SELECT count(*) FROM aibridge_token_usages AS x WHERE x.interception_id = i.id) AS t,
               (SELECT count(*) FROM aibridge_user_prompts AS x WHERE x.interception_id = i.id) AS p,
               (SELECT count(*) FROM aibridge_tool_usages AS x WHERE x.interception_id = i.id) AS u
             FROM aibridge_interceptions AS i)""",
    )[0]
    max_t, avg_t, max_p, avg_p, max_u, avg_u = per
    assert max_t == 3 and 1.2 < avg_t < 1.8
    assert max_p == 1 and 0.9 < avg_p <= 1
    assert max_u == 3 and 0.8 < avg_u < 1.6
    # Legacy rows: without provider_id, some with an empty provider_name; some requests still running.
    legacy, nameless, running = rows(
        path,
        "SELECT count(*) FILTER (provider_id IS NULL), count(*) FILTER (provider_name = ''), "
        "count(*) FILTER (ended_at IS NULL) FROM aibridge_interceptions",
    )[0]
    assert legacy > 0 and 0 < nameless < legacy and running > 0


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(1, 4000), seed=st.integers(0, 2**31), chunk=st.integers(1, 5000))
def test_any_size_gives_exactly_that_many_rows_in_time_order(tmp_path, size, seed, chunk):
    path = tmp_path / f"h-{size}-{seed}-{chunk}.duckdb"
    summary = build_scale(path, "demo", size, seed, chunk_size=chunk)
    assert summary.tables["aibridge_interceptions"] == size
    assert rows(path, "SELECT count(*), count(DISTINCT id) FROM aibridge_interceptions") == [(size, size)]
    # Stored in time order, window by window: a window's rows are never older than the one before.
    assert rows(
        path,
        "SELECT count(*) FROM (SELECT started_at, max(started_at) OVER (ROWS BETWEEN 3072 PRECEDING AND 3072 PRECEDING)"
        " AS before FROM aibridge_interceptions) WHERE started_at < before",
    ) == [(0,)]
    assert rows(path, "SELECT value FROM warehouse_meta WHERE key = 'kind'") == [("scale",)]


def test_bad_arguments_are_one_line_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="unknown shape 'huge'"):
        build_scale(tmp_path / "x.duckdb", "huge", 10)
    with pytest.raises(UsageError, match="interceptions must be an integer >= 1, got 0"):
        build_scale(tmp_path / "x.duckdb", "solo", 0)
    with pytest.raises(UsageError, match="memory limit must be a size"):
        build_scale(tmp_path / "x.duckdb", "solo", 10, memory_limit="lots")
    assert not (tmp_path / "x.duckdb").exists()


def _peak_rss(path: Path, interceptions: int) -> int:
    """Peak RSS in bytes of a process generating ``interceptions`` in chunks of 100k under a 128 MB DuckDB limit."""
    code = (
        "import sys; from aibridge_analytics.demo.scale import build_scale; "
        "build_scale(sys.argv[1], 'solo', int(sys.argv[2]), 1, chunk_size=100_000, memory_limit='128MB')"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(path), str(interceptions)])
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not all children's
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0
    assert rows(path, "SELECT count(*) FROM aibridge_interceptions") == [(interceptions,)]
    return usage.ru_maxrss * 1024


def test_memory_stays_bounded_by_the_limit(tmp_path):
    """Chunks of 100k interceptions under a 128 MB DuckDB limit, each run in a process of its own:
    four chunks (about 1.9M rows) peak about where one does. Memory follows the chunk, not the size."""
    one, four = _peak_rss(tmp_path / "one.duckdb", 100_000), _peak_rss(tmp_path / "four.duckdb", 400_000)
    assert four < one + 150 * 2**20, (one, four)
