"""`sync` from a read replica: a hot standby of its own (scripts/pg-throwaway), synced like the
primary it was, each table read over one connection (a standby cannot share a snapshot between
DuckDB's parallel readers)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
import pytest

from aibridge_analytics.coder import TABLES
from aibridge_analytics.demo.generator import demo_tables
from aibridge_analytics.demo.pgload import load_postgres
from aibridge_analytics.warehouse.sync import sync
from tests.test_sync import _cli, dump

THROWAWAY = Path(__file__).resolve().parents[1] / "scripts" / "pg-throwaway"


def _throwaway(action: str, state: Path) -> None:
    env = {**os.environ, "PG_THROWAWAY_WAL_LEVEL": "replica"}
    done = subprocess.run([str(THROWAWAY), action, str(state)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def standby(pg_dsn: str, tmp_path: Path):
    """A server loaded with demo rows, then restarted as a hot standby; yields (dsn, primary's warehouse).

    Takes ``pg_dsn`` so that, like every PostgreSQL test, it fails rather than skips where a
    server is required; the standby is a server of its own, since the test server keeps no WAL.
    """
    state = tmp_path / "pg"
    _throwaway("start", state)
    try:
        dsn = (state / "dsn").read_text().strip()
        with psycopg.connect(dsn, autocommit=True) as conn:
            load_postgres(conn, {t: f for t, f in demo_tables(300, 5).items() if t in TABLES})
        primary = tmp_path / "primary.duckdb"
        sync(dsn, primary)
        _throwaway("standby", state)
        with psycopg.connect(dsn) as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        yield dsn, primary
    finally:
        _throwaway("stop", state)


@pytest.mark.postgres
def test_a_hot_standby_syncs_like_its_primary(standby, tmp_path):
    dsn, primary = standby
    db = tmp_path / "replica.duckdb"
    run = _cli("sync", "--source", dsn, "--db", str(db), "-v")
    _, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    assert "the source is a standby" in err
    assert dump(db) == dump(primary)
    # An incremental run against the standby finds nothing new and changes nothing.
    sync(dsn, db)
    assert dump(db) == dump(primary)
