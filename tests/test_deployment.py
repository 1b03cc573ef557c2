"""What docs/deployment.md promises an operator, checked as the operator would meet it.

- The demo warehouse has one home per user (the data directory), whatever the working directory.
- The role and GRANT statements the guide prints are enough for every command on a live database,
  run as a role that holds nothing else.
- ``--statement-timeout`` bounds each server statement: too small a value is one line, exit 1.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from aibridge_analytics.coder import postgres_ddl
from aibridge_analytics.demo.pgload import load_postgres
from aibridge_analytics.warehouse.store import default_demo_path
from tests.datasets import DATA_FILE_TABLES, frames

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "deployment.md"


def _cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aibridge_analytics", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env if env is not None else dict(os.environ),
        check=False,
    )


# --- the demo warehouse's one place --------------------------------------------------------------


def test_the_demo_lives_in_the_data_directory_and_is_found_from_anywhere(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("AIBRIDGE_DEMO_DB", "XDG_DATA_HOME")}
    env["HOME"] = str(tmp_path / "home")
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    built = _cli("demo", "--interceptions", "300", cwd=here, env=env)
    expected = tmp_path / "home" / ".local" / "share" / "aibridge-analytics" / "demo.duckdb"
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith(f"demo warehouse written to {expected}:")
    listed = _cli("providers", "--format", "csv", cwd=there, env=env)
    assert listed.returncode == 0, listed.stderr
    assert "openai" in listed.stdout
    # Nothing was written where the commands ran.
    assert list(here.iterdir()) == [] and list(there.iterdir()) == []


def test_xdg_data_home_and_aibridge_demo_db_choose_the_place(monkeypatch, tmp_path):
    monkeypatch.delenv("AIBRIDGE_DEMO_DB")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_demo_path() == tmp_path / "xdg" / "aibridge-analytics" / "demo.duckdb"
    # A relative XDG_DATA_HOME is invalid (XDG Base Directory specification): ignored.
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")
    assert default_demo_path() == tmp_path / "home" / ".local" / "share" / "aibridge-analytics" / "demo.duckdb"
    monkeypatch.setenv("AIBRIDGE_DEMO_DB", "~/elsewhere.duckdb")
    assert default_demo_path() == tmp_path / "home" / "elsewhere.duckdb"


def test_the_test_session_never_uses_the_real_data_directory():
    real = Path.home() / ".local" / "share" / "aibridge-analytics"
    assert not default_demo_path().is_relative_to(real)


# --- the guide's grants ----------------------------------------------------------------------------


def guide_grants(role: str, schema: str) -> list[str]:
    """The statements of the guide's ``-- grants`` SQL block, for ``role`` on ``schema``."""
    text = GUIDE.read_text()
    block = re.search(r"```sql\n(-- grants\n.*?)```", text, re.S)
    assert block, "docs/deployment.md lacks its ```sql block starting with '-- grants'"
    body = "\n".join(line for line in block.group(1).splitlines() if not line.lstrip().startswith("--"))
    body = (
        body.replace("aibridge_analytics", role)
        .replace("public.", f"{schema}.")
        .replace("SCHEMA public", f"SCHEMA {schema}")
    )
    return [s.strip() for s in body.split(";") if s.strip()]


def _role_url(dsn: str, role: str, schema: str) -> str:
    parts = urlsplit(dsn)
    netloc = f"{role}@{parts.hostname}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, f"options={quote(f'-c search_path={schema}')}", ""))


@pytest.mark.postgres
def test_the_guides_grants_are_enough_for_every_command(pg_dsn, pg_schema, tmp_path):
    """A role holding exactly the guide's grants runs verify-backfill, summary, report and sync,
    and sees ai_providers (without SELECT on it, the probe would take the database for a Coder
    older than 000495 and verify a preview)."""
    load_postgres(pg_schema.conn, frames(DATA_FILE_TABLES))
    role = f"aa_{uuid.uuid4().hex[:12]}"
    statements = guide_grants(role, pg_schema.name)
    assert any(s.startswith("CREATE ROLE") for s in statements)
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        for statement in statements:
            # The guide's password placeholder: the throwaway server trusts local connections.
            admin.execute(statement.replace("'change-me'", "NULL"))
    try:
        url = _role_url(pg_dsn, role, pg_schema.name)
        verified = _cli("verify-backfill", "--source", url)
        assert verified.returncode in (0, 3), verified.stderr
        assert "PREVIEW" not in verified.stdout and "ai_providers" not in verified.stderr
        summary = _cli("summary", "--source", url, "--format", "csv")
        assert summary.returncode == 0, summary.stderr
        report = _cli("report", "--source", url, "--out", str(tmp_path / "report"))
        assert report.returncode == 0, report.stderr
        synced = _cli("sync", "--source", url, "--db", str(tmp_path / "w.duckdb"))
        assert synced.returncode == 0, synced.stderr
        # Nothing more than reading: the role cannot write even where a session could.
        with psycopg.connect(url.replace(f"?options={quote(f'-c search_path={pg_schema.name}')}", "")) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql.SQL("DELETE FROM {}.aibridge_interceptions").format(sql.Identifier(pg_schema.name)))
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.mark.postgres
def test_the_spend_grant_adds_the_price_book_and_the_table_grant_covers_the_cost_columns(pg_dsn, pg_schema, tmp_path):
    """With the guide's grants the role reads the cost columns (a table-level grant covers them); with
    the optional spend grant it also reads and syncs ai_model_prices, which it cannot without."""
    from aibridge_analytics.sources.kinds import connect
    from aibridge_analytics.warehouse.sync import sync

    load_postgres(pg_schema.conn, frames(DATA_FILE_TABLES))
    pg_schema.conn.execute(
        "INSERT INTO ai_model_prices (id, provider, model, input_price_micros, output_price_micros, "
        "cache_read_price_micros, cache_write_price_micros) VALUES (gen_random_uuid(), 'openai', 'gpt-5', 1, 2, 3, 4)"
    )
    role = f"aa_{uuid.uuid4().hex[:12]}"
    block = re.search(r"```sql\n-- optional: recorded spend\n(.*?)```", GUIDE.read_text(), re.S)
    assert block, "docs/deployment.md lacks its optional spend grant"
    spend_grant = block.group(1).strip().rstrip(";").replace("aibridge_analytics", role)
    spend_grant = spend_grant.replace("public.", f"{pg_schema.name}.")
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        for statement in guide_grants(role, pg_schema.name):
            admin.execute(statement.replace("'change-me'", "NULL"))
    try:
        url = _role_url(pg_dsn, role, pg_schema.name)
        with connect(url) as con:
            assert con.probe.has("aibridge_token_usages", "cost_micros")
            assert con.probe.has("aibridge_token_usages", "effective_group_id")
            assert not con.probe.has("ai_model_prices")
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute(spend_grant)
        with connect(url) as con:
            assert con.probe.has("ai_model_prices")
        assert sync(url, tmp_path / "w.duckdb").rows["ai_model_prices"] == 1
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


# --- --statement-timeout -----------------------------------------------------------------------------


@pytest.mark.postgres
def test_too_small_a_statement_timeout_is_one_line(pg_schema):
    """200,000 interceptions, counted with a 1 ms statement timeout: the server cancels the
    statement, and the command says so in one line (exit 1); without the option it succeeds."""
    for statement in postgres_ddl():
        pg_schema.conn.execute(statement)
    pg_schema.conn.execute(
        "INSERT INTO aibridge_interceptions (id, initiator_id, provider, provider_name, model, started_at, ended_at) "
        "SELECT gen_random_uuid(), gen_random_uuid(), 'openai', 'openai', 'gpt-5', "
        "timestamptz '2026-11-01' + g * interval '1 second', timestamptz '2026-11-01' + g * interval '2 second' "
        "FROM generate_series(1, 200000) AS g"
    )
    url = f"{pg_schema.dsn}?options={quote(f'-c search_path={pg_schema.name}')}"
    timed_out = _cli("interceptions", "count", "--source", url, "--statement-timeout", "1")
    assert timed_out.returncode == 1
    assert len(timed_out.stderr.strip().splitlines()) == 1, timed_out.stderr
    assert timed_out.stderr.startswith("aibridge-analytics: error:") and "statement timeout" in timed_out.stderr
    counted = _cli("interceptions", "count", "--source", url, "--statement-timeout", "30s", "--format", "csv")
    assert counted.returncode == 0, counted.stderr
    assert counted.stdout.splitlines()[1] == "200000"


@pytest.mark.parametrize("bad", ["ten", "5 days", "-1", "25d", "999999h"])
def test_a_bad_statement_timeout_is_a_usage_error(bad):
    done = _cli("summary", "--statement-timeout", bad)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
    assert "not a statement timeout" in done.stderr
