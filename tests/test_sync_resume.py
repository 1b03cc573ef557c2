"""`sync` per-table transactions: a run killed inside a table whose warehouse copy already holds
rows (an incremental run: its merge and its appends roll back together), watermarks that do not
depend on the order the server returns rows in, and file sources merged without losing identical
model thoughts."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from aibridge_analytics.coder import TABLES
from aibridge_analytics.demo.generator import demo_tables
from aibridge_analytics.demo.pgload import load_postgres
from aibridge_analytics.warehouse.sync import STREAMS, sync
from tests.datasets import frames
from tests.test_sync import (
    _cli,
    dump,
    kill_sync_while_committing,
    meta,
    small_dataset,
    source_ids,
    url,
)


def _hold_back_rows_after(conn, days: int) -> None:
    """Move every row newer than ``days`` after the oldest interception into ``held_<table>``."""
    cutoff = conn.execute(
        "SELECT min(started_at) + make_interval(days => %s) FROM aibridge_interceptions", [days]
    ).fetchone()[0]
    for stream in STREAMS:
        cols = ", ".join(c.name for c in TABLES[stream.table])
        newer = f"FROM {stream.table} WHERE {stream.key[0]} > %s"
        conn.execute(f"CREATE TABLE held_{stream.table} AS SELECT {cols} {newer}", [cutoff])
        conn.execute(f"DELETE {newer}", [cutoff])


def _release_held_rows(conn) -> None:
    for stream in STREAMS:
        cols = ", ".join(c.name for c in TABLES[stream.table])
        conn.execute(f"INSERT INTO {stream.table} ({cols}) SELECT {cols} FROM held_{stream.table}")
        conn.execute(f"DROP TABLE held_{stream.table}")


def _assert_consistent(db: Path, conn) -> dict[str, list[tuple]]:
    """Each aibridge table holds exactly the source's rows up to its watermark (none without one),
    once each, and the watermark is the newest of their keys; returns the warehouse's rows.

    True of a complete sync, and of one killed mid-table when the source only gained rows.
    """
    marks, rows = meta(db), dump(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        for stream in STREAMS:
            mark = marks.get(f"sync.watermark.{stream.table}")
            have = con.execute(f"SELECT count(*) FROM {stream.table}").fetchone()[0]
            if mark is None:
                assert have == 0, stream.table
                continue
            newest = datetime.fromisoformat(json.loads(mark)[0])
            key = stream.key[0]
            source = conn.execute(
                f"SELECT count(*), max({key}) FROM {stream.table} WHERE {key} <= %s", [newest]
            ).fetchone()
            assert (have, newest) == source, stream.table
            if stream.unique:
                ids = [str(r[0]) for r in con.execute(f"SELECT id FROM {stream.table}").fetchall()]
                expected = {
                    str(r[0]) for r in conn.execute(f"SELECT id FROM {stream.table} WHERE {key} <= %s", [newest])
                }
                assert len(ids) == len(set(ids)) and set(ids) == expected, stream.table
    finally:
        con.close()
    return rows


@pytest.mark.postgres
def test_an_incremental_sync_killed_mid_table_rolls_that_table_back_and_the_next_run_completes(new_pg_schema, tmp_path):
    schema = new_pg_schema()
    load_postgres(schema.conn, {t: f for t, f in demo_tables(600, 11).items() if t in TABLES})
    killed, clean = tmp_path / "killed.duckdb", tmp_path / "clean.duckdb"
    # A first sync of the older rows; the killed run then has an overlap window to merge and
    # newer rows to append, in the same transaction.
    _hold_back_rows_after(schema.conn, 10)
    sync(url(schema), killed)
    before = dump(killed)
    before_marks = meta(killed)
    _release_held_rows(schema.conn)

    # Killed while the token usages are merged and appended but not yet committed.
    kill_sync_while_committing(url(schema), killed, "aibridge_token_usages")

    after = _assert_consistent(killed, schema.conn)
    marks = meta(killed)
    assert len(after["aibridge_interceptions"]) == len(source_ids(schema.conn, "aibridge_interceptions"))
    for stream in STREAMS[1:]:  # rolled back, or not begun: as the first sync left them
        key = f"sync.watermark.{stream.table}"
        assert after[stream.table] == before[stream.table] and marks.get(key) == before_marks.get(key), stream.table

    resumed = _cli("sync", "--source", url(schema), "--db", str(killed))
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    _assert_consistent(killed, schema.conn)
    sync(url(schema), clean)
    assert dump(killed) == dump(clean)


@pytest.mark.postgres
def test_watermarks_do_not_depend_on_the_order_the_server_returns_rows_in(pg_schema, tmp_path):
    data = small_dataset(8)
    for table, rows in small_dataset(2, first_day=30).items():
        if table != "ai_providers":
            data[table].extend(rows)
    for rows in data.values():
        rows.reverse()  # newest rows first in the heap: an unordered read meets them first
    load_postgres(pg_schema.conn, frames(data))
    _hold_back_rows_after(pg_schema.conn, 20)
    db = tmp_path / "w.duckdb"
    sync(url(pg_schema), db)
    _assert_consistent(db, pg_schema.conn)
    # The newer rows are appended and the overlap window merged: nothing twice, nothing lost.
    _release_held_rows(pg_schema.conn)
    sync(url(pg_schema), db)
    assert len(_assert_consistent(db, pg_schema.conn)["aibridge_model_thoughts"]) == 20


@pytest.mark.parametrize("batch_rows", [1, 5, 250_000])
def test_identical_thoughts_stay_as_many_when_a_file_source_is_merged_again(tmp_path, batch_rows):
    directory = tmp_path / "snapshot"
    directory.mkdir()
    for table, frame in frames(small_dataset()).items():
        pq.write_table(frame.to_arrow(), directory / f"{table}.parquet")
    db = tmp_path / "w.duckdb"
    sync(directory, db, batch_rows=batch_rows)
    first = dump(db)
    assert len(first["aibridge_model_thoughts"]) == 12  # six identical pairs
    sync(directory, db, batch_rows=batch_rows)  # merged by identity this time
    assert dump(db) == first
