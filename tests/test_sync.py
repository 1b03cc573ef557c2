"""`sync` from the real PostgreSQL server into a DuckDB warehouse: incremental, idempotent,
resumable after a real SIGKILL, never deleting, keeping ai_providers history, across schema
versions; and the one-line errors for sources it must refuse."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import duckdb
import pyarrow.parquet as pq
import pytest

from aibridge_analytics.coder import TABLES
from aibridge_analytics.demo.generator import demo_tables
from aibridge_analytics.demo.pgload import load_postgres
from aibridge_analytics.warehouse.sync import HISTORY_TABLE, STREAMS, sync
from tests.datasets import T0, frames, interception, provider, uid
from tests.terminal import on_a_terminal

pytestmark = pytest.mark.postgres

#: Columns that record when a sync ran, so they differ between otherwise identical warehouses.
_RUN_TIMES = ("valid_from", "valid_to", "observed_at")


def url(schema) -> str:
    """The test server's URL with the schema as search_path, as a user would pass it."""
    sep = "&" if "?" in schema.dsn else "?"
    return f"{schema.dsn}{sep}options={quote(f'-c search_path={schema.name}')}"


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every warehouse table's rows, sorted, without the sync's own timestamps."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for table in [*TABLES, HISTORY_TABLE]:
            cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in _RUN_TIMES]
            # As text: Python needs pytz for DuckDB's TIMESTAMPTZ values, and text compares exactly.
            select = ", ".join(f"CAST({c} AS VARCHAR)" for c in cols)
            out[table] = sorted(con.execute(f"SELECT {select} FROM {table}").fetchall(), key=repr)
        return out
    finally:
        con.close()


def meta(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("SELECT key, value FROM warehouse_meta").fetchall())
    finally:
        con.close()


def source_ids(conn, table: str) -> set[str]:
    return {str(r[0]) for r in conn.execute(f"SELECT id FROM {table}").fetchall()}


def warehouse_ids(db: Path, table: str) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [str(r[0]) for r in con.execute(f"SELECT id FROM {table}").fetchall()]
    finally:
        con.close()


def _children(iid: str, label: str, day: float) -> dict[str, list[dict]]:
    at = T0 + timedelta(days=day, seconds=5)
    return {
        "aibridge_token_usages": [
            {
                "id": uid(f"tu/{label}"),
                "interception_id": iid,
                "provider_response_id": "r",
                "input_tokens": 10,
                "output_tokens": 5,
                "cache_read_input_tokens": 1,
                "cache_write_input_tokens": 0,
                "metadata": None,
                "created_at": at,
            }
        ],
        "aibridge_user_prompts": [
            {
                "id": uid(f"up/{label}"),
                "interception_id": iid,
                "provider_response_id": "r",
                "prompt": "it's a\nmultiline 100% prompt",
                "metadata": '{"a": 1}',
                "created_at": at,
            }
        ],
        "aibridge_tool_usages": [
            {
                "id": uid(f"tool/{label}"),
                "interception_id": iid,
                "provider_response_id": "r",
                "server_url": None,
                "tool": "read",
                "input": "{}",
                "injected": False,
                "invocation_error": None,
                "metadata": None,
                "created_at": at,
            }
        ],
        "aibridge_model_thoughts": [
            {"interception_id": iid, "content": "hmm", "metadata": None, "created_at": at},
            {"interception_id": iid, "content": "hmm", "metadata": None, "created_at": at},
        ],
    }


def small_dataset(n: int = 6, first_day: float = 1) -> dict[str, list[dict]]:
    """Two providers, ``n`` interceptions (the last in flight) each with one child row per table."""
    tables: dict[str, list[dict]] = {
        "ai_providers": [provider("openai", "openai"), provider("anthropic", "anthropic")],
        "aibridge_interceptions": [],
    }
    for i in range(n):
        label, day = f"sync-{first_day}-{i}", first_day + i
        row = interception(
            label, "openai", "openai", uid("provider/openai/False/0"), day=day, minutes=None if i == n - 1 else 2.0
        )
        tables["aibridge_interceptions"].append(row)
        for table, rows in _children(row["id"], label, day).items():
            tables.setdefault(table, []).extend(rows)
    return tables


def test_sync_copies_every_table_and_a_second_run_adds_nothing(pg_schema, tmp_path):
    load_postgres(pg_schema.conn, frames(small_dataset()))
    db = tmp_path / "w.duckdb"
    first = sync(url(pg_schema), db)
    assert first.rows["aibridge_interceptions"] == 6 and first.rows["aibridge_model_thoughts"] == 12
    for table in ("aibridge_interceptions", "aibridge_token_usages", "aibridge_user_prompts", "aibridge_tool_usages"):
        assert sorted(warehouse_ids(db, table)) == sorted(source_ids(pg_schema.conn, table))
    before = dump(db)
    assert before["aibridge_user_prompts"][0][3] == "it's a\nmultiline 100% prompt"
    assert len(before["aibridge_model_thoughts"]) == 12  # identical pairs are both kept, once each
    watermark = meta(db)["sync.watermark.aibridge_interceptions"]
    sync(url(pg_schema), db)
    assert dump(db) == before
    assert meta(db)["sync.watermark.aibridge_interceptions"] == watermark
    assert "password" not in json.dumps(meta(db))


def test_sync_on_a_terminal_names_the_refresh_of_the_facts_after_the_rows(pg_schema, tmp_path):
    # A first sync builds the facts, which on a long history takes longer than the rows: the bar
    # says so instead of standing full.
    load_postgres(pg_schema.conn, frames(small_dataset()))
    code, stdout, text = on_a_terminal("sync", "--source", url(pg_schema), "--db", str(tmp_path / "w.duckdb"))
    assert code == 0, text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    rows = [i for i, line in enumerate(lines) if line.startswith("syncing rows ")]
    refresh = [i for i, line in enumerate(lines) if line.startswith("refreshing the facts: building the facts of ")]
    assert rows and refresh and max(rows) < min(refresh), lines
    # The line appears with its first figures (never "0/?"); a step shows the time elapsed, as a
    # few unequal steps give no useful time remaining ("-:--:--").
    assert not any("/?" in line for line in lines), lines
    assert all(re.search(r" \d+/\d+ \d+:\d\d:\d\d$", lines[i]) for i in refresh), lines
    assert all(len(line) <= 80 for line in lines)
    assert stdout.rstrip().endswith("facts of 6 interception(s) built")


def test_a_warehouse_an_older_version_synced_gains_the_columns_declared_since(pg_schema, tmp_path):
    """An upgrade: the warehouse's tables lack the columns declared since (the cost columns); the
    next sync adds them (NULL for the rows it already had) and copies the new rows whole."""
    data = small_dataset()
    load_postgres(pg_schema.conn, frames(data))
    db = tmp_path / "w.duckdb"
    sync(url(pg_schema), db)
    with duckdb.connect(str(db)) as con:
        con.execute("ALTER TABLE aibridge_token_usages DROP COLUMN cost_micros")
    pg_schema.conn.execute(
        "INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, "
        "cache_read_input_tokens, cache_write_input_tokens, created_at, cost_micros) "
        "SELECT %s, MIN(interception_id::text)::uuid, 'later', 1, 1, 0, 0, MAX(created_at) + interval '1 hour', 42 "
        "FROM aibridge_token_usages",
        [uid("tok/later")],
    )
    sync(url(pg_schema), db)
    with duckdb.connect(str(db), read_only=True) as con:
        costs = dict(con.execute("SELECT CAST(id AS VARCHAR), cost_micros FROM aibridge_token_usages").fetchall())
    assert costs[uid("tok/later")] == 42
    assert sorted(warehouse_ids(db, "aibridge_token_usages")) == sorted(
        source_ids(pg_schema.conn, "aibridge_token_usages")
    )


def test_rows_purged_on_the_server_stay_and_late_changes_arrive(pg_schema, tmp_path):
    data = small_dataset()
    load_postgres(pg_schema.conn, frames(data))
    db = tmp_path / "w.duckdb"
    sync(url(pg_schema), db, overlap=timedelta(0))
    purged = data["aibridge_interceptions"][0]["id"]
    in_flight = data["aibridge_interceptions"][-1]["id"]
    # Coder's retention job: the oldest interception and its children go.
    for table in ("aibridge_token_usages", "aibridge_user_prompts", "aibridge_tool_usages", "aibridge_model_thoughts"):
        pg_schema.conn.execute(f"DELETE FROM {table} WHERE interception_id = %s", [purged])
    pg_schema.conn.execute("DELETE FROM aibridge_interceptions WHERE id = %s", [purged])
    # The in-flight row ends, and new rows arrive (one child row committed late, before the watermark).
    pg_schema.conn.execute(
        "UPDATE aibridge_interceptions SET ended_at = started_at + interval '9 minutes' WHERE id = %s", [in_flight]
    )
    newer = small_dataset(2, first_day=20)
    for row in newer["aibridge_interceptions"]:
        cols = ", ".join(row)
        pg_schema.conn.execute(
            f"INSERT INTO aibridge_interceptions ({cols}) VALUES ({', '.join(['%s'] * len(row))})", list(row.values())
        )
    sync(url(pg_schema), db, overlap=timedelta(0))
    ids = warehouse_ids(db, "aibridge_interceptions")
    assert purged in ids and len(ids) == len(set(ids)) == 8
    assert all(str(r[0]) != purged for r in pg_schema.conn.execute("SELECT id FROM aibridge_interceptions"))
    con = duckdb.connect(str(db), read_only=True)
    ended = con.execute(
        "SELECT ended_at - started_at FROM aibridge_interceptions WHERE id = ?", [in_flight]
    ).fetchone()[0]
    assert ended == timedelta(minutes=9)
    assert (
        con.execute("SELECT count(*) FROM aibridge_token_usages WHERE interception_id = ?", [purged]).fetchone()[0] == 1
    )
    con.close()


def test_late_commits_inside_the_overlap_window_are_picked_up(pg_schema, tmp_path):
    data = small_dataset()
    load_postgres(pg_schema.conn, frames(data))
    db = tmp_path / "w.duckdb"
    sync(url(pg_schema), db)
    # A token usage whose transaction committed after the sync, stamped an hour before the watermark.
    iid = data["aibridge_interceptions"][-2]["id"]
    pg_schema.conn.execute(
        "INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, "
        "cache_read_input_tokens, cache_write_input_tokens, created_at) "
        "SELECT %s, %s, 'late', 1, 1, 0, 0, max(created_at) - interval '1 hour' FROM aibridge_token_usages",
        [uid("late"), iid],
    )
    sync(url(pg_schema), db)
    assert uid("late") in warehouse_ids(db, "aibridge_token_usages")
    assert len(warehouse_ids(db, "aibridge_token_usages")) == 7


def test_provider_history_survives_a_soft_delete(pg_schema, tmp_path):
    load_postgres(pg_schema.conn, frames(small_dataset()))
    db = tmp_path / "w.duckdb"
    sync(url(pg_schema), db)
    pg_schema.conn.execute("UPDATE ai_providers SET deleted = true, enabled = false WHERE name = 'anthropic'")
    sync(url(pg_schema), db)
    sync(url(pg_schema), db)  # unchanged: observed again, no new version
    con = duckdb.connect(str(db), read_only=True)
    pid = uid("provider/anthropic/False/0")
    assert con.execute("SELECT deleted, enabled FROM ai_providers WHERE id = ?", [pid]).fetchall() == [(True, False)]
    history = con.execute(
        f"SELECT deleted, enabled, CAST(valid_from AS VARCHAR), CAST(valid_to AS VARCHAR), "
        f"CAST(observed_at AS VARCHAR) FROM {HISTORY_TABLE} WHERE id = ? ORDER BY valid_from",
        [pid],
    ).fetchall()
    assert [(h[0], h[1]) for h in history] == [(False, True), (True, False)]
    assert history[0][3] == history[1][2]  # the old state ends where the new one begins
    assert history[1][3] is None and history[1][4] > history[1][2]
    openai = con.execute(f"SELECT count(*), count(valid_to) FROM {HISTORY_TABLE} WHERE name = 'openai'").fetchone()
    assert openai == (1, 0)
    con.close()


@pytest.mark.parametrize("dropped", ["provider_id", "provider_name"])
def test_mainline_schemas_without_a_column(pg_schema, tmp_path, dropped):
    load_postgres(pg_schema.conn, frames(small_dataset()))
    pg_schema.conn.execute(f"ALTER TABLE aibridge_interceptions DROP COLUMN {dropped}")
    db = tmp_path / "w.duckdb"
    summary = sync(url(pg_schema), db)
    assert f"aibridge_interceptions.{dropped}" in summary.missing_columns
    assert f"aibridge_interceptions.{dropped}" in meta(db)["sync.source_missing_columns"].split(",")
    con = duckdb.connect(str(db), read_only=True)
    if dropped == "provider_id":
        assert con.execute("SELECT count(provider_id) FROM aibridge_interceptions").fetchone()[0] == 0
    else:  # what Coder's migration 000458 wrote into rows older than the column
        assert (
            con.execute("SELECT count(*) FROM aibridge_interceptions WHERE provider_name <> provider").fetchone()[0]
            == 0
        )
        assert con.execute("SELECT count(provider_id) FROM aibridge_interceptions").fetchone()[0] == 6
    con.close()


def test_a_source_that_gains_a_column_is_read_again(pg_schema, tmp_path):
    load_postgres(pg_schema.conn, frames(small_dataset()))
    pg_schema.conn.execute("ALTER TABLE aibridge_interceptions RENAME COLUMN provider_id TO hidden_provider_id")
    db = tmp_path / "w.duckdb"
    sync(url(pg_schema), db)
    # The upgrade adds the column and backfills old rows: the next sync must see the values.
    pg_schema.conn.execute("ALTER TABLE aibridge_interceptions RENAME COLUMN hidden_provider_id TO provider_id")
    sync(url(pg_schema), db, overlap=timedelta(0))
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(provider_id), count(*) FROM aibridge_interceptions").fetchone() == (6, 6)
    con.close()
    assert meta(db)["sync.source_missing_columns"] == ""


def _cli(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "aibridge_analytics", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        **kw,
    )


#: The command line, with a sync that sleeps before each commit, inside its open transaction: the
#: window in which a test kills it while a table's rows are written but not committed.
_PAUSING_CLI = """
import sys, time
from aibridge_analytics.cli import main
from aibridge_analytics.warehouse import sync

announce = sync._Run._before_commit

def pause(self, stream, rows):
    announce(self, stream, rows)
    time.sleep(2)

sync._Run._before_commit = pause
sys.exit(main(sys.argv[1:]))
"""


def kill_sync_while_committing(source: str, db: Path, table: str) -> None:
    """Run ``sync`` in a subprocess and SIGKILL it inside ``table``'s open transaction."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _PAUSING_CLI, "sync", "--source", source, "--db", str(db), "-v"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith(f"{table}:") and "committing" in line:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_a_killed_sync_leaves_a_consistent_warehouse_that_the_next_run_completes(new_pg_schema, tmp_path):
    schema = new_pg_schema()
    load_postgres(schema.conn, {t: f for t, f in demo_tables(600, 11).items() if t in TABLES})
    killed, clean = tmp_path / "killed.duckdb", tmp_path / "clean.duckdb"
    # Killed while the second table's rows are written but not yet committed.
    kill_sync_while_committing(url(schema), killed, "aibridge_token_usages")

    # Consistent: the first table whole, with a watermark that covers it; the second table, killed
    # inside its transaction, neither rows nor watermark; nothing after it.
    marks = meta(killed)
    con = duckdb.connect(str(killed), read_only=True)
    first = STREAMS[0]
    ids = [str(r[0]) for r in con.execute(f"SELECT id FROM {first.table}").fetchall()]
    source_ids = {str(r[0]) for r in schema.conn.execute(f"SELECT id FROM {first.table}")}
    assert len(ids) == len(set(ids)) and set(ids) == source_ids
    newest = schema.conn.execute(f"SELECT max({first.key[0]}) FROM {first.table}").fetchone()[0]
    assert datetime.fromisoformat(json.loads(marks[f"sync.watermark.{first.table}"])[0]) == newest
    for stream in STREAMS[1:]:
        assert f"sync.watermark.{stream.table}" not in marks, stream.table
        assert con.execute(f"SELECT count(*) FROM {stream.table}").fetchone()[0] == 0, stream.table
    con.close()

    resumed = _cli("sync", "--source", url(schema), "--db", str(killed))
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    sync(url(schema), clean)
    assert dump(killed) == dump(clean)


def test_parquet_directory_is_a_source_for_queries_and_sync(tmp_path):
    from aibridge_analytics import Filters, connect, count_interceptions

    directory = tmp_path / "snapshot"
    directory.mkdir()
    for table, frame in frames(small_dataset()).items():
        if table != "aibridge_model_thoughts":  # child tables may be absent
            pq.write_table(frame.to_arrow(), directory / f"{table}.parquet")
    with connect(directory) as con:
        assert count_interceptions(con, Filters()) == 5
    db = tmp_path / "w.duckdb"
    first = sync(directory, db)
    assert first.rows["aibridge_interceptions"] == 6 and "aibridge_model_thoughts" not in first.rows
    before = dump(db)
    sync(directory, db)
    assert dump(db) == before
    with connect(db) as con:
        assert count_interceptions(con, Filters()) == 5


# --- refusals: one line, exit 1, nothing written -------------------------------------------------


def _refused(args: list[str], db: Path, needle: str) -> str:
    proc = _cli("sync", *args, "--db", str(db))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, (out, err)
    assert err.count("\n") == 1 and "Traceback" not in err and needle in err, err
    assert not db.exists()
    return err


def test_unexpected_column_type_is_a_one_line_error(pg_schema, tmp_path):
    load_postgres(pg_schema.conn, frames(small_dataset()))
    pg_schema.conn.execute("ALTER TABLE aibridge_token_usages ALTER COLUMN input_tokens TYPE text")
    _refused(["--source", url(pg_schema)], tmp_path / "w.duckdb", "aibridge_token_usages.input_tokens has type 'text'")


def test_database_without_aibridge_tables_is_a_one_line_error(pg_schema, tmp_path):
    pg_schema.conn.execute("CREATE TABLE users (id uuid)")
    _refused(["--source", url(pg_schema)], tmp_path / "w.duckdb", "not a Coder AI Bridge database")


def test_a_demo_warehouse_is_not_a_sync_target(pg_schema, tmp_path):
    from aibridge_analytics.demo.generator import build_demo

    load_postgres(pg_schema.conn, frames(small_dataset()))
    db = tmp_path / "demo.duckdb"
    build_demo(db, interceptions=200, seed=1)
    proc = _cli("sync", "--source", url(pg_schema), "--db", str(db))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "built by `demo`" in err and "Traceback" not in err
