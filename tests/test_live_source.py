"""A live PostgreSQL source: credentials the libpq way (URL, PGPASSWORD, .pgpass), never shown;
read-only sessions; one-line errors for wrong passwords and unreachable servers.

The throwaway server trusts every local connection, so these tests give a role of their own a
password and put a password rule for that role alone at the top of pg_hba.conf (the test role is
a superuser; the server's files are the throwaway cluster's), then take it out again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import psycopg
import pytest
from psycopg import sql
from sqlglot import exp

from aibridge_analytics import ConnectionFailed, Filters, connect, count_interceptions
from aibridge_analytics.demo.pgload import load_postgres
from aibridge_analytics.errors import SqlError
from aibridge_analytics.warehouse.sync import sync
from tests.datasets import DATA_FILE_TABLES, frames

pytestmark = pytest.mark.postgres

SECRET = "s3cret-Pa55 word"


@dataclass
class PasswordRole:
    name: str
    host: str
    port: int
    database: str
    schema: str

    def url(self, password: str | None = None) -> str:
        """A URL for the role, with the password only when given; search_path as a URL option."""
        auth = self.name if password is None else f"{self.name}:{quote(password, safe='')}"
        options = quote(f"-c search_path={self.schema}")
        return f"postgresql://{auth}@{self.host}:{self.port}/{self.database}?options={options}"


def _write_hba(admin: psycopg.Connection, lines: list[str]) -> None:
    path = admin.execute("SHOW hba_file").fetchone()[0]
    # COPY's text format escapes tabs and backslashes; pg_hba.conf needs neither.
    admin.execute(
        sql.SQL("COPY (SELECT unnest(CAST({} AS text[]))) TO {}").format(
            sql.Literal([line.replace("\t", " ") for line in lines]), sql.Literal(path)
        )
    )
    admin.execute("SELECT pg_reload_conf()")


@pytest.fixture
def password_role(pg_dsn: str, pg_schema) -> Iterator[PasswordRole]:
    """A login role that must give a password, owning a schema loaded with a small dataset."""
    load_postgres(pg_schema.conn, frames(DATA_FILE_TABLES))
    name = f"pw_{uuid.uuid4().hex[:12]}"
    rule = f"host all {name} 127.0.0.1/32 scram-sha-256"
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute("SET password_encryption = 'scram-sha-256'")
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name), sql.Literal(SECRET)))
        admin.execute(
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(pg_schema.name), sql.Identifier(name))
        )
        admin.execute(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(
                sql.Identifier(pg_schema.name), sql.Identifier(name)
            )
        )
        path = admin.execute("SHOW hba_file").fetchone()[0]
        original = admin.execute("SELECT pg_read_file(%s)", [path]).fetchone()[0].splitlines()
        _write_hba(admin, [rule, *original])
        parts = urlsplit(pg_dsn)
        try:
            yield PasswordRole(
                name, parts.hostname or "127.0.0.1", parts.port or 5432, parts.path.lstrip("/"), pg_schema.name
            )
        finally:
            current = admin.execute("SELECT pg_read_file(%s)", [path]).fetchone()[0].splitlines()
            _write_hba(admin, [line for line in current if line != rule])
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No PG* credentials from the environment, and a HOME without a .pgpass."""
    for var in ("PGPASSWORD", "PGPASSFILE", "PGUSER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aibridge_analytics", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )


def test_the_password_may_come_from_the_url_and_is_never_shown(password_role, clean_env, tmp_path):
    source = password_role.url(SECRET)
    with connect(source) as con:
        assert count_interceptions(con, Filters()) == 2
        assert SECRET not in con.label and quote(SECRET, safe="") not in con.label
    db = tmp_path / "w.duckdb"
    summary = sync(source, db)
    assert summary.rows["aibridge_interceptions"] == 3
    assert quote(SECRET, safe="") not in summary.describe()
    proc = _cli("sync", "--source", source, "--db", str(db))
    assert proc.returncode == 0 and quote(SECRET, safe="") not in proc.stdout + proc.stderr


def test_pgpassword_completes_a_url_without_password(password_role, clean_env, monkeypatch, tmp_path):
    source = password_role.url()
    with pytest.raises(ConnectionFailed):
        connect(source)
    monkeypatch.setenv("PGPASSWORD", SECRET)
    with connect(source) as con:
        assert count_interceptions(con, Filters()) == 2
    assert sync(source, tmp_path / "w.duckdb").rows["aibridge_interceptions"] == 3  # the extension's libpq too
    proc = _cli("interceptions", "count", "--source", source, "--format", "json")
    assert proc.returncode == 0 and '"interceptions": 2' in proc.stdout, proc.stderr


@pytest.mark.parametrize("where", ["home", "pgpassfile"])
def test_pgpass_completes_a_url_without_password(password_role, clean_env, monkeypatch, tmp_path, where):
    line = f"{password_role.host}:{password_role.port}:{password_role.database}:{password_role.name}:{SECRET}\n"
    file = clean_env / ".pgpass" if where == "home" else tmp_path / "elsewhere.pgpass"
    file.write_text(line)
    file.chmod(0o600)  # libpq ignores a password file others can read
    if where == "pgpassfile":
        monkeypatch.setenv("PGPASSFILE", str(file))
    with connect(password_role.url()) as con:
        assert count_interceptions(con, Filters()) == 2
    assert sync(password_role.url(), tmp_path / "w.duckdb").rows["aibridge_interceptions"] == 3


@pytest.mark.parametrize("command", ["interceptions count", "sync"])
def test_a_wrong_password_is_one_line_without_the_password(password_role, clean_env, tmp_path, command):
    wrong = "wrong-Pa55"
    db = tmp_path / "w.duckdb"
    args = [*command.split(), "--source", password_role.url(wrong)] + (["--db", str(db)] if command == "sync" else [])
    proc = _cli(*args)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "password authentication failed" in proc.stderr and wrong not in proc.stderr
    assert not db.exists()


def test_the_extension_path_scrubs_the_password_from_its_errors(password_role, clean_env, monkeypatch, tmp_path):
    # psycopg gets in with PGPASSWORD, the extension is given a wrong password in the URL: its error
    # text echoes the whole connection string, password included.
    import duckdb

    from aibridge_analytics.sources.live import AttachedPostgres

    with pytest.raises(ConnectionFailed) as info:
        AttachedPostgres(duckdb.connect(), password_role.url("Extension-Secret-9"), 10_000)
    assert "Extension-Secret-9" not in str(info.value) and "cannot connect to" in str(info.value)


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path):
    proc = _cli(
        "sync", "--source", "postgresql://coder:Hunter2-secret@127.0.0.1:1/coder", "--db", str(tmp_path / "w.duckdb")
    )
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert "cannot connect to postgresql://coder:***@127.0.0.1:1/coder" in proc.stderr and "Hunter2" not in proc.stderr


def test_sessions_are_read_only_and_named(pg_schema):
    load_postgres(pg_schema.conn, frames(DATA_FILE_TABLES))
    # Through the connection's own session (its driver handle is private to sources/).
    with connect(f"{pg_schema.dsn}?options={quote(f'-c search_path={pg_schema.name}')}") as con:
        name = exp.select(exp.func("current_setting", exp.Literal.string("application_name")).as_("name"))
        assert con.run(con.built("application name", name))["name"][0] == "aibridge-analytics"
        with pytest.raises(SqlError, match="cannot execute DELETE in a read-only transaction"):
            con.run(con.built("delete", exp.delete("aibridge_interceptions")))
    assert pg_schema.conn.execute("SELECT count(*) FROM aibridge_interceptions").fetchone()[0] == 3
