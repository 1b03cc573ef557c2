"""Usernames and display names beside initiator ids (Coder's users table, or an export's initiators).

What a user would check: a listing at 80 columns shows who, not a UUID; ``summary --by initiator``
gives the same rows with names on DuckDB and PostgreSQL and stays keyed by id; a report shows
names, and with ``--no-user-names`` none reaches any of its files; names are escaped as data;
sources without users keep working.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

import aibridge_analytics as aa
from aibridge_analytics.cli import main
from aibridge_analytics.demo.generator import build_demo
from aibridge_analytics.demo.pgload import copy_warehouse_to_postgres
from aibridge_analytics.outputs.report import build_report
from aibridge_analytics.pipelines.interceptions import list_interceptions, list_sessions
from aibridge_analytics.pipelines.summaries import summarise
from aibridge_analytics.sources.connection import DuckDBConnection, PostgresConnection
from aibridge_analytics.sources.exports import connect_export
from aibridge_analytics.warehouse import store
from aibridge_analytics.warehouse.sync import sync
from tests.datasets import T0, assert_same_rows, duckdb_connection, frames, interception, uid
from tests.test_sync import url

SINCE = (T0.replace(day=1)).isoformat()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("names") / "demo.duckdb"
    build_demo(path, interceptions=3_000)
    return path


def _users(db: Path) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT CAST(id AS VARCHAR) AS id, username, name, deleted FROM users").pl()
    finally:
        con.close()


def _open(db: Path) -> DuckDBConnection:
    return DuckDBConnection(store.open_warehouse(db), label=str(db))


# --- the demo's users ------------------------------------------------------------------------------


def test_demo_users_are_deterministic_and_cover_every_initiator(demo_db, tmp_path):
    users = _users(demo_db)
    again = tmp_path / "again.duckdb"
    build_demo(again, interceptions=3_000)
    assert_frame_equal(users.sort("id"), _users(again).sort("id"))
    con = duckdb.connect(str(demo_db), read_only=True)
    orphans = con.execute(
        "SELECT count(*) FROM aibridge_interceptions i LEFT JOIN users u ON u.id = i.initiator_id WHERE u.id IS NULL"
    ).fetchone()
    con.close()
    assert orphans == (0,)
    assert users["id"].is_unique().all()
    # Coder's username rule: letters, digits and inner hyphens.
    assert users["username"].str.contains(r"^[a-z0-9]+(-[a-z0-9]+)*$").all()
    assert (users["name"] == "").any() and (users["name"] != "").any()  # unset display names exist
    # A deleted user's username is held again by a live user (Coder's partial unique index).
    live = set(users.filter(~pl.col("deleted"))["username"])
    assert any(u in live for u in users.filter(pl.col("deleted"))["username"])


# --- listings ----------------------------------------------------------------------------------------


def test_listing_at_80_columns_shows_usernames_not_initiator_uuids(demo_db, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["interceptions", "list", "--source", str(demo_db), "--limit", "20", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["initiator_username"] for r in rows)
    assert main(["interceptions", "list", "--source", str(demo_db), "--limit", "20"]) == 0
    table = capsys.readouterr().out
    assert max(len(line) for line in table.splitlines()) <= 80
    assert "initiator_username" in table.splitlines()[0]
    for r in rows:
        assert r["initiator_username"] in table
        assert r["initiator_id"] not in table
    assert main(["sessions", "list", "--source", str(demo_db), "--limit", "10"]) == 0
    assert "initiator_username" in capsys.readouterr().out.splitlines()[0]


def test_listing_without_names_falls_back_to_the_id(demo_db, monkeypatch, capsys):
    # Without names a table shows the id after the listing's own columns, when it fits (not at 80
    # columns, beside the interception's own id).
    monkeypatch.setenv("COLUMNS", "160")
    assert main(["interceptions", "list", "--source", str(demo_db), "--limit", "5", "--no-user-names"]) == 0
    table = capsys.readouterr().out
    assert "initiator_username" not in table and "initiator_name" not in table
    header = table.splitlines()[0].split()
    assert header[:2] == ["id", "started_at"] and header[-1] == "initiator_id" and "client" in header
    with _open(demo_db) as con:
        frame = list_interceptions(con, limit=5, user_names=False)
    assert "initiator_username" not in frame.columns
    assert frame["initiator_id"][0] in table


def test_listing_names_match_the_users_table(demo_db):
    users = _users(demo_db)
    with _open(demo_db) as con:
        page = list_interceptions(con, limit=200)
        sessions = list_sessions(con, limit=200)
    expected = dict(zip(users["id"], users["username"], strict=True))
    shown = {n if n else None for n in users["name"]}
    for frame in (page, sessions):
        cols = frame.columns
        assert cols[cols.index("initiator_id") + 1 : cols.index("initiator_id") + 3] == [
            "initiator_username",
            "initiator_name",
        ]
        for r in frame.iter_rows(named=True):
            assert r["initiator_username"] == expected[r["initiator_id"]]
            assert r["initiator_name"] in shown and r["initiator_name"] != ""  # '' reads as NULL


# --- summary by initiator ---------------------------------------------------------------------------


def test_summary_by_initiator_is_the_same_on_duckdb_and_postgres(demo_db, pg_schema):
    copy_warehouse_to_postgres(_open_raw(demo_db), pg_schema.conn)
    with _open(demo_db) as duck, PostgresConnection(url(pg_schema)) as pg:
        assert pg.probe.has("users")
        left = summarise(duck, "initiator,provider", since=SINCE).frame
        right = summarise(pg, "initiator,provider", since=SINCE).frame
        assert_same_rows(left, right)
        for fn in (list_interceptions, list_sessions):
            assert_same_rows(fn(duck, limit=50), fn(pg, limit=50))
    assert left["initiator_username"].null_count() == 0
    # Keyed by id: as many groups as (initiator, provider) pairs, names looked up beside them.
    assert left.select("initiator_id", "resolved_provider_id").is_unique().all()
    without = summarise(_open(demo_db), "initiator,provider", since=SINCE, user_names=False).frame
    assert_frame_equal(left.drop("initiator_username", "initiator_name"), without)


def _open_raw(db: Path) -> duckdb.DuckDBPyConnection:
    return store.open_warehouse(db)


def test_cli_summary_by_initiator_shows_usernames(demo_db, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["summary", "--by", "initiator", "--source", str(demo_db), "--limit", "5"]) == 0
    header = next(line for line in capsys.readouterr().out.splitlines() if "interceptions" in line)
    assert header.split()[0] == "initiator_username"
    assert main(["summary", "--by", "initiator", "--source", str(demo_db), "--format", "csv", "--no-user-names"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split(",")
    assert header[0] == "initiator_id" and "initiator_username" not in header


# --- exports -------------------------------------------------------------------------------------------


def _item(label: str, user: dict | None, minute: int = 0) -> dict:
    initiator = {"id": uid("user/u1"), "avatar_url": "https://example/a.png", **(user or {})}
    return {
        "id": uid(label),
        "initiator": initiator,
        "provider": "openai",
        "model": "gpt-5",
        "started_at": f"2026-10-02T10:{minute:02d}:00Z",
        "ended_at": f"2026-10-02T10:{minute:02d}:30Z",
        "metadata": None,
        "token_usages": [],
        "user_prompts": [],
        "tool_usages": [],
    }


def test_export_initiator_objects_give_names_and_a_rename_is_one_group(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "1.json").write_text(json.dumps([_item("a", {"username": "ann", "name": "Ann"}, 0)]))
    # Fetched later: the user was renamed; the same interception again is no conflict.
    renamed = {"username": "ann-lee", "name": "Ann Lee"}
    (pages / "2.json").write_text(json.dumps({"results": [_item("a", renamed, 0), _item("b", renamed, 1)]}))
    with connect_export(pages) as con:
        assert con.probe.columns["users"].keys() == {"id", "username", "name"}  # never the avatar
        summary = summarise(con, "initiator").frame
        listing = list_interceptions(con)
    assert summary.height == 1 and summary["interceptions"][0] == 2
    assert summary.row(0, named=True)["initiator_username"] == "ann-lee"
    assert set(listing["initiator_name"]) == {"Ann Lee"}

    # Into a warehouse: the latest name is kept; an export without display names keeps it.
    db = tmp_path / "w.duckdb"
    sync(pages, db)
    only_usernames = tmp_path / "3.json"
    only_usernames.write_text(json.dumps([_item("c", {"username": "ann-lee"}, 2)]))
    sync(only_usernames, db)
    assert _users(db).rows() == [(uid("user/u1"), "ann-lee", "Ann Lee", None)]
    with _open(db) as con:
        assert list_interceptions(con)["initiator_name"].to_list() == ["Ann Lee"] * 3


def test_an_export_without_usernames_has_no_names_and_works(tmp_path):
    path = tmp_path / "ids.json"
    path.write_text(json.dumps([_item("a", None)]))
    with connect_export(path) as con:
        assert not con.probe.has("users")
        frame = list_interceptions(con)
        assert frame["initiator_username"].to_list() == [None]
        assert summarise(con, "initiator").frame["initiator_name"].to_list() == [None]


def test_an_initiator_username_of_the_wrong_kind_is_one_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([_item("a", {"username": 7})]))
    with pytest.raises(
        aa.ExportError, match=r"interception #0\.initiator\.username: expected a non-empty string, got 7$"
    ):
        connect_export(path)


# --- sources without users -----------------------------------------------------------------------------


def test_a_parquet_directory_without_users_parquet_keeps_working(demo_db, tmp_path):
    raw = _open_raw(demo_db)
    for table in ("aibridge_interceptions", "ai_providers"):
        raw.table(table).pl().write_parquet(tmp_path / f"{table}.parquet")
    with aa.connect(tmp_path) as con:
        assert not con.probe.has("users")
        assert list_interceptions(con, limit=5)["initiator_username"].null_count() == 5
        assert summarise(con, "initiator", since=SINCE).frame["initiator_username"].null_count() > 0
    raw.table("users").pl().write_parquet(tmp_path / "users.parquet")
    with aa.connect(tmp_path) as con:
        assert list_interceptions(con, limit=5)["initiator_username"].null_count() == 0
    raw.close()
    db = tmp_path / "w.duckdb"
    sync(tmp_path, db)
    assert _users(db).height == _users(demo_db).height


def test_a_users_table_without_username_reads_as_absent(pg_schema):
    tables = frames({"aibridge_interceptions": [interception("i1", "openai", "openai")]})
    del tables["users"]
    from tests.datasets import postgres_connection

    con = postgres_connection(pg_schema, tables)
    # A column grant that left out username (here: a table without it) is no error.
    pg_schema.conn.execute("ALTER TABLE users DROP COLUMN username")
    with PostgresConnection(url(pg_schema)) as fresh:
        assert not fresh.probe.has("users")
        assert list_interceptions(fresh)["initiator_username"].to_list() == [None]
    con.close()


def test_a_live_sync_copies_users_and_a_rename_replaces_the_name(pg_schema, tmp_path):
    users = [{"id": uid("user/u1"), "username": "ann", "name": "", "deleted": False}]
    tables = frames({"aibridge_interceptions": [interception("i1", "openai", "openai")], "users": users})
    from tests.datasets import postgres_connection

    postgres_connection(pg_schema, tables).close()
    db = tmp_path / "w.duckdb"
    summary = sync(url(pg_schema), db)
    assert summary.rows["users"] == 1
    assert _users(db).rows() == [(uid("user/u1"), "ann", "", False)]
    pg_schema.conn.execute("UPDATE users SET username = 'ann2', name = 'Ann', deleted = true")
    sync(url(pg_schema), db)
    assert _users(db).rows() == [(uid("user/u1"), "ann2", "Ann", True)]


# --- the report ----------------------------------------------------------------------------------------


def _file_texts(directory: Path) -> dict[str, bytes]:
    """Every file of a report as bytes, Parquet files also as the text of every value they hold
    (compressed pages would hide a name from a byte search)."""
    out = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        body = path.read_bytes()
        if path.suffix == ".parquet":
            body += json.dumps(pq.read_table(io.BytesIO(body)).to_pylist(), default=str).encode()
        out[str(path.relative_to(directory))] = body
    return out


def test_report_shows_names_and_the_switch_withholds_every_one(demo_db, tmp_path):
    users = _users(demo_db)
    words = [*users["username"], *(n for n in users["name"] if n)]
    with _open(demo_db) as con:
        build_report(con, tmp_path / "named")
        build_report(con, tmp_path / "withheld", user_names=False)
    named = _file_texts(tmp_path / "named")
    top = json.loads(named["summary.json"])["users"]
    assert top and all(u["initiator_username"] for u in top)
    assert top[0]["initiator_username"] in named["report.html"].decode()
    assert top[0]["initiator_username"] in named["report.md"].decode()
    assert "parquet/by_initiator.parquet" in named
    withheld = _file_texts(tmp_path / "withheld")
    assert set(withheld) == set(named)
    leaks = [(name, w) for name, body in withheld.items() for w in words if w.encode() in body]
    assert leaks == []
    manifest = json.loads(withheld["manifest.json"])
    assert manifest["user_names"] is False
    assert not any(q["name"] == "users/names" for q in manifest["queries"])  # never read
    # The same figures either way: only the labels differ.
    figures = json.loads(withheld["summary.json"])
    assert [u["interceptions"] for u in figures["users"]] == [u["interceptions"] for u in top]
    assert [u["initiator_id"] for u in figures["users"]] == [u["initiator_id"] for u in top]


def test_cli_report_switch(demo_db, tmp_path):
    assert main(["report", "--source", str(demo_db), "--out", str(tmp_path / "r"), "--no-user-names"]) == 0
    assert "users/names" not in (tmp_path / "r" / "manifest.json").read_text()


HOSTILE = [
    {"id": uid("user/u1"), "username": "<script>alert(1)</script>", "name": "Eve | *bold* [x](y)", "deleted": False},
    {"id": uid("user/u2"), "username": "bob", "name": "<img src=x onerror=alert(2)>", "deleted": True},
]


def test_hostile_names_are_escaped_in_html_and_markdown(tmp_path):
    rows = [
        interception("h1", "openai", "openai", day=10, initiator="u1"),
        interception("h2", "openai", "openai", day=10.5, initiator="u2"),
    ]
    con = duckdb_connection(frames({"aibridge_interceptions": rows, "users": HOSTILE}))
    build_report(con, tmp_path / "r", since=T0.isoformat(), until=T0.replace(day=20).isoformat())
    html = (tmp_path / "r" / "report.html").read_text()
    md = (tmp_path / "r" / "report.md").read_text()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "bob (&lt;img src=x onerror=alert(2)&gt;) (deleted)" in html
    assert "<script>" not in md and "<img" not in md
    assert r"Eve \| \*bold\* \[x\](y)" in md
    # Data stay exact where programs read them.
    top = json.loads((tmp_path / "r" / "summary.json").read_text())["users"]
    assert {u["initiator_username"] for u in top} == {"<script>alert(1)</script>", "bob"}


# --- the deployment guide's optional grant ---------------------------------------------------------------


@pytest.mark.postgres
def test_the_guides_column_grant_on_users_is_enough_and_nothing_else_is_read(pg_dsn, pg_schema, tmp_path):
    """A role with the guide's grants plus its optional column grant on users sees names, on a
    users table that also holds an email column the role may not read: a read of any other column
    would be refused by the server."""
    import re
    import uuid as uuidlib

    import psycopg
    from psycopg import sql as pgsql

    from tests.datasets import DATA_FILE_TABLES
    from tests.test_deployment import GUIDE, _cli, _role_url, guide_grants

    users = [{"id": uid("user/u1"), "username": "ann", "name": "Ann", "deleted": False}]
    from aibridge_analytics.demo.pgload import load_postgres

    load_postgres(pg_schema.conn, frames({**DATA_FILE_TABLES, "users": users}))
    pg_schema.conn.execute("ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT 'ann@example.com'")
    role = f"aa_{uuidlib.uuid4().hex[:12]}"
    block = re.search(r"```sql\n-- optional: user names\n(.*?)```", GUIDE.read_text(), re.S)
    assert block, "docs/deployment.md lacks its optional users grant"
    optional = block.group(1).replace("aibridge_analytics", role).replace("public.", f"{pg_schema.name}.")
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        for statement in guide_grants(role, pg_schema.name):
            admin.execute(statement.replace("'change-me'", "NULL"))
        admin.execute(optional)
    try:
        source = _role_url(pg_dsn, role, pg_schema.name)
        listed = _cli("interceptions", "list", "--source", source, "--format", "csv")
        assert listed.returncode == 0, listed.stderr
        header, *rows = listed.stdout.splitlines()
        at = header.split(",").index("initiator_username")
        assert {r.split(",")[at] for r in rows if r.split(",")[1] == uid("user/u1")} == {"ann"}
        synced = _cli("sync", "--source", source, "--db", str(tmp_path / "w.duckdb"))
        assert synced.returncode == 0, synced.stderr
        assert _users(tmp_path / "w.duckdb").rows() == [(uid("user/u1"), "ann", "Ann", False)]
        assert "email" not in (tmp_path / "w.duckdb").read_bytes().decode("latin-1")
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute(pgsql.SQL("DROP OWNED BY {}").format(pgsql.Identifier(role)))
            admin.execute(pgsql.SQL("DROP ROLE {}").format(pgsql.Identifier(role)))
