"""Hardening of sources and sync: a full disk, SIGINT and locks never leave half a table or a
traceback; duplicate ids in a file source are refused; fractional token counts are a type error;
no form of a password reaches a message.

The full-disk test mounts a small tmpfs, so it needs root (CI runs as root).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from aibridge_analytics import connect
from aibridge_analytics.coder import TABLES
from aibridge_analytics.demo.generator import demo_tables
from aibridge_analytics.demo.pgload import load_postgres
from aibridge_analytics.errors import SchemaError, SourceError
from aibridge_analytics.sources import connection as engines
from aibridge_analytics.sources.connection import redact, session_conninfo
from aibridge_analytics.sources.live import conninfo_string
from aibridge_analytics.warehouse.sync import sync
from tests.datasets import frames
from tests.test_sync import _cli, dump, meta, small_dataset, url
from tests.test_sync_resume import (
    _assert_consistent,
    _hold_back_rows_after,
    _release_held_rows,
)


def _one_line_error(proc: subprocess.Popen, timeout: float = 120) -> str:
    """The single stderr line of a failed command (exit 1, no traceback)."""
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 1, (proc.returncode, out, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


# --- 1. a full disk ------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 48 MB tmpfs of its own (root only), unmounted at teardown."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs (a real full filesystem) needs root; CI runs as root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def _fill(directory: Path, leave_bytes: int) -> Path:
    """A file taking all of ``directory``'s filesystem but ``leave_bytes``."""
    filler = directory / "filler"
    free = os.statvfs(directory).f_bavail * os.statvfs(directory).f_frsize
    with open(filler, "wb") as f:
        f.truncate(0)
        chunk = b"\0" * (1 << 20)
        remaining = max(free - leave_bytes, 0)
        while remaining > 0:
            remaining -= f.write(chunk[: min(len(chunk), remaining)])
    return filler


@pytest.mark.postgres
@pytest.mark.parametrize("leave_kb", [64, 1024, 4096])
def test_an_incremental_sync_on_a_full_disk_fails_in_one_line_and_the_next_one_copies_the_rest(
    new_pg_schema, small_disk, tmp_path, leave_kb
):
    schema = new_pg_schema()
    load_postgres(schema.conn, {t: f for t, f in demo_tables(3000, 11).items() if t in TABLES})
    _hold_back_rows_after(schema.conn, 10)
    db = small_disk / "w.duckdb"
    sync(url(schema), db)  # the first sync fits
    _release_held_rows(schema.conn)

    filler = _fill(small_disk, leave_kb * 1024)
    err = _one_line_error(_cli("sync", "--source", url(schema), "--db", str(db)))
    assert "No space left on device" in err, err
    _assert_consistent(db, schema.conn)  # whole tables, each with the watermark that covers it

    filler.unlink()
    resumed = _cli("sync", "--source", url(schema), "--db", str(db))
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    clean = tmp_path / "clean.duckdb"
    sync(url(schema), clean)
    assert dump(db) == dump(clean)


def test_a_fact_build_on_a_full_disk_fails_in_one_line_and_leaves_the_facts_as_they_were(small_disk):
    from aibridge_analytics.pipelines.summaries import summary
    from aibridge_analytics.warehouse import facts

    db = small_disk / "w.duckdb"
    built = _cli("demo", "--db", str(db), "--interceptions", "3000")
    _, err = built.communicate(timeout=300)
    assert built.returncode == 0, err
    with connect(db) as con:
        before = summary(con, by="provider,day")

    filler = _fill(small_disk, 64 * 1024)
    err = _one_line_error(_cli("facts", "build", "--db", str(db), "--rebuild"))
    assert "building the facts" in err and "No space left on device" in err, err
    assert f"spills what does not fit in its 2GB of memory to {db}.tmp" in err, err  # where the space went
    assert facts.inspect(db).fresh  # the facts built before stay, whole and readable
    with connect(db) as con:
        assert con.facts == "stored" and summary(con, by="provider,day").equals(before)

    filler.unlink()
    rebuilt = _cli("facts", "build", "--db", str(db), "--rebuild")
    out, err = rebuilt.communicate(timeout=300)
    assert rebuilt.returncode == 0 and "3,000 interception(s) built" in out, err
    with connect(db) as con:
        assert summary(con, by="provider,day").equals(before)


# --- 4. duplicate ids in a file source -----------------------------------------------------------


@pytest.mark.parametrize("table", ["aibridge_interceptions", "aibridge_token_usages"])
def test_duplicate_ids_in_a_parquet_source_are_a_one_line_error_naming_one(tmp_path, table):
    directory = tmp_path / "snapshot"
    directory.mkdir()
    for name, frame in frames(small_dataset()).items():
        if name == table:
            frame = frame.vstack(frame.head(2))  # two ids twice
        pq.write_table(frame.to_arrow(), directory / f"{name}.parquet")
    twice = {str(i) for i in frames(small_dataset())[table]["id"].head(2)}
    db = tmp_path / "w.duckdb"
    err = _one_line_error(_cli("sync", "--source", str(directory), "--db", str(db)))
    assert table in err and any(i in err for i in twice), err
    with pytest.raises(SourceError):
        sync(directory, db)  # the library raises, every time: nothing multiplied
    if db.exists():
        assert all(len(rows) == 0 for rows in dump(db).values())


# --- 5. passwords ----------------------------------------------------------------------------------


def _outside_mask(secret: str, text: str) -> bool:
    """Whether ``secret`` appears in ``text`` other than as (part of) the mask."""
    return secret in text.replace("***", "\0")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(password=st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=24))
def test_no_form_of_a_password_survives_redaction(password, monkeypatch):
    # The passwords this process has seen: only this example's (the others would mask too much).
    monkeypatch.setattr(engines, "_PASSWORDS", set())
    dsn = f"postgresql://coder:{quote(password, safe='')}@db.internal:5432/coder?sslmode=require"
    info = session_conninfo(dsn)  # as every connection does: the password is now known
    kv = conninfo_string(info)
    echoes = [
        f"cannot connect to {dsn}: refused",
        f'IO Error: Unable to connect to Postgres at "{kv}": FATAL: too many connections for role "coder"',
        "Binder Error: ATTACH '" + kv.replace("'", "''") + "' AS coder_pg",
        f"postgresql://coder:{password}@db.internal/coder",
        f"password={password} host=db",
    ]
    forms = {password, quote(password, safe=""), password.replace("\\", "\\\\").replace("'", "\\'")}
    for message in echoes:
        out = redact(message)
        assert not any(_outside_mask(form, out) for form in forms), (message, out)
    monkeypatch.setenv("PGPASSWORD", "pg-" + password)
    assert not _outside_mask("pg-" + password, redact(f"env said pg-{password}!"))


@pytest.fixture
def limited_role(pg_dsn: str, pg_schema):
    """A role allowed one connection, whose password holds a quote, a backslash and a space."""
    load_postgres(pg_schema.conn, frames(small_dataset()))
    name = f"lim_{uuid.uuid4().hex[:12]}"
    password = "pw'Q\\ x-" + uuid.uuid4().hex[:6]
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN CONNECTION LIMIT 1 PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(password)
            )
        )
        admin.execute(
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(pg_schema.name), sql.Identifier(name))
        )
        admin.execute(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(
                sql.Identifier(pg_schema.name), sql.Identifier(name)
            )
        )
        host = pg_dsn.split("@", 1)[1]
        source = (
            f"postgresql://{name}:{quote(password, safe='')}@{host}?options={quote(f'-c search_path={pg_schema.name}')}"
        )
        try:
            yield source, password
        finally:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


@pytest.mark.postgres
def test_a_second_connection_refused_at_the_role_limit_echoes_no_password(limited_role, tmp_path):
    source, password = limited_role
    escaped = password.replace("\\", "\\\\").replace("'", "\\'")
    db = tmp_path / "w.duckdb"
    proc = _cli("sync", "--source", source, "--db", str(db), "-v")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "too many connections" in err, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for form in (password, escaped, quote(password, safe=""), "pw'Q", "pw\\'Q"):
        assert form not in out + err, form
    if db.exists():
        assert not any(password in v or escaped in v for v in meta(db).values())


# --- 7. fractional token counts ---------------------------------------------------------------------


def _parquet_with_tokens(directory: Path, tokens: pa.Array) -> Path:
    directory.mkdir()
    for name, frame in frames(small_dataset()).items():
        table = frame.to_arrow()
        if name == "aibridge_token_usages":
            i = table.schema.get_field_index("input_tokens")
            table = table.set_column(i, "input_tokens", tokens)
        pq.write_table(table, directory / f"{name}.parquet")
    return directory


def test_a_decimal_token_column_with_fractions_is_a_type_error(tmp_path):
    from decimal import Decimal

    n = len(small_dataset()["aibridge_token_usages"])
    directory = _parquet_with_tokens(tmp_path / "p", pa.array([Decimal("10.5")] * n, pa.decimal128(18, 3)))
    with pytest.raises(SchemaError, match=r"aibridge_token_usages\.input_tokens"):
        with connect(directory) as con:
            _ = con.probe
    err = _one_line_error(_cli("summary", "--source", str(directory)))
    assert "aibridge_token_usages.input_tokens" in err and "decimal(18,3)" in err.lower(), err


def test_a_decimal_token_column_of_scale_zero_is_accepted_and_exact(tmp_path):
    from decimal import Decimal

    n = len(small_dataset()["aibridge_token_usages"])
    directory = _parquet_with_tokens(tmp_path / "p", pa.array([Decimal(2**60 + 1)] * n, pa.decimal128(38, 0)))
    db = tmp_path / "w.duckdb"
    sync(directory, db)
    con = duckdb.connect(str(db), read_only=True)
    assert {r[0] for r in con.execute("SELECT input_tokens FROM aibridge_token_usages").fetchall()} == {2**60 + 1}
    con.close()


@pytest.mark.postgres
@pytest.mark.parametrize("declared, refused", [("numeric", True), ("numeric(12,2)", True), ("numeric(20,0)", False)])
def test_a_numeric_token_column_must_have_scale_zero(pg_schema, declared, refused):
    load_postgres(pg_schema.conn, frames(small_dataset()))
    pg_schema.conn.execute(f"ALTER TABLE aibridge_token_usages ALTER COLUMN output_tokens TYPE {declared}")
    with connect(url(pg_schema)) as con:
        if refused:
            with pytest.raises(SchemaError, match=r"aibridge_token_usages\.output_tokens has type 'numeric"):
                _ = con.probe
        else:
            assert con.probe.has("aibridge_token_usages", "output_tokens")


# --- 12. SIGINT ----------------------------------------------------------------------------------------


def _slow_table(conn, table: str, seconds_per_row: float) -> None:
    """Replace ``table`` with a view that yields its rows one by one, slowly (a slow server)."""
    conn.execute(f"ALTER TABLE {table} RENAME TO {table}_rows")
    conn.execute(
        f"CREATE VIEW {table} AS SELECT * FROM {table}_rows WHERE pg_sleep({float(seconds_per_row)}) IS NOT NULL"
    )


@pytest.mark.postgres
def test_sigint_during_a_sync_exits_130_in_one_line_and_leaves_a_consistent_warehouse(new_pg_schema, tmp_path):
    schema = new_pg_schema()
    load_postgres(schema.conn, {t: f for t, f in demo_tables(600, 11).items() if t in TABLES})
    _slow_table(schema.conn, "aibridge_token_usages", 0.005)  # several seconds for the table
    db = tmp_path / "w.duckdb"
    proc = _cli("sync", "--source", url(schema), "--db", str(db), "-v")
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("aibridge_interceptions:") and "committed" in line:
            break
    time.sleep(1.0)  # inside the token usages' copy, its transaction open
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.count("\n") == 1 and "Traceback" not in err and "interrupted" in err, err
    marks = meta(db)
    assert "sync.watermark.aibridge_interceptions" in marks
    assert "sync.watermark.aibridge_token_usages" not in marks

    schema.conn.execute("DROP VIEW aibridge_token_usages")
    schema.conn.execute("ALTER TABLE aibridge_token_usages_rows RENAME TO aibridge_token_usages")
    _assert_consistent(db, schema.conn)
    resumed = _cli("sync", "--source", url(schema), "--db", str(db))
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    clean = tmp_path / "clean.duckdb"
    sync(url(schema), clean)
    assert dump(db) == dump(clean)


# --- 13. a locked source table ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("command", ["interceptions count", "sync"])
def test_a_locked_source_table_is_reported_in_one_line_after_the_lock_timeout(pg_schema, tmp_path, command):
    load_postgres(pg_schema.conn, frames(small_dataset()))
    locker = psycopg.connect(pg_schema.dsn, options=f"-c search_path={pg_schema.name}")
    try:
        locker.execute("LOCK TABLE aibridge_interceptions IN ACCESS EXCLUSIVE MODE")  # held: no commit
        db = tmp_path / "w.duckdb"
        args = [*command.split(), "--source", url(pg_schema)] + (["--db", str(db)] if command == "sync" else [])
        began = time.monotonic()
        proc = _cli(*args, env={"AIBRIDGE_LOCK_TIMEOUT_MS": "500"})
        err = _one_line_error(proc, timeout=90)
        assert time.monotonic() - began < 60
        assert "aibridge_interceptions" in err and "locked" in err and "AIBRIDGE_LOCK_TIMEOUT_MS" in err, err
    finally:
        locker.close()
    if command == "sync":
        assert "sync.watermark.aibridge_interceptions" not in meta(db)
