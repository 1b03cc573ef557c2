"""JSON exports (`coder aibridge interceptions list`, the REST API) as a source and into a warehouse."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import aibridge_analytics as aa
from aibridge_analytics import ExportError, Filters, connect, count_interceptions
from aibridge_analytics.demo.pgload import load_postgres
from aibridge_analytics.sources.exports import connect_export, read_export
from aibridge_analytics.warehouse.sync import sync
from tests.datasets import frames, interception, provider, uid
from tests.test_sync import url


def item(
    label: str,
    *,
    ended: str | None = "2026-10-02T10:01:00.123456789Z",
    provider_name: str | None = "openai",
    tokens: int = 10,
) -> dict:
    """One interception as the REST API returns it (nanosecond timestamps, nested child rows)."""
    iid = uid(label)
    obj = {
        "id": iid,
        "api_key_id": "key1",
        "initiator": {"id": uid("user/u1"), "username": "ann", "name": "Ann", "avatar_url": ""},
        "provider": "openai",
        "model": "gpt-5",
        "client": "Claude Code",
        "metadata": {"user_agent": "x"},
        "started_at": "2026-10-02T10:00:00.5Z",
        "ended_at": ended,
        "token_usages": [
            {
                "id": uid(f"{label}/tu"),
                "interception_id": iid,
                "provider_response_id": "r1",
                "input_tokens": tokens,
                "output_tokens": 3,
                "cache_read_input_tokens": 1,
                "cache_write_input_tokens": 0,
                "metadata": {},
                "created_at": "2026-10-02T10:00:30+02:00",
            }
        ],
        "user_prompts": [
            {
                "id": uid(f"{label}/up"),
                "interception_id": iid,
                "provider_response_id": "r1",
                "prompt": 'it\'s 100%\n"quoted"',
                "metadata": None,
                "created_at": "2026-10-02T10:00:01Z",
            }
        ],
        "tool_usages": [
            {
                "id": uid(f"{label}/tool"),
                "interception_id": iid,
                "provider_response_id": "r1",
                "server_url": "",
                "tool": "read",
                "input": "{}",
                "injected": False,
                "invocation_error": "",
                "metadata": None,
                "created_at": "2026-10-02T10:00:02Z",
            }
        ],
    }
    if provider_name is not None:
        obj["provider_name"] = provider_name
    return obj


def write(path: Path, data) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_a_bare_list_and_the_api_wrapper_read_the_same(tmp_path):
    items = [item("a"), item("b", ended=None)]
    bare = read_export(write(tmp_path / "bare.json", items))
    wrapped = read_export(write(tmp_path / "wrapped.json", {"count": 2, "results": items}))
    for name, table in bare.tables.items():
        assert table.equals(wrapped.tables[name]), name
    tools = bare.tables["aibridge_tool_usages"].to_pylist()
    assert tools[0]["server_url"] is None and tools[0]["invocation_error"] is None
    started = bare.tables["aibridge_interceptions"].column("started_at")[0].as_py()
    assert started.isoformat() == "2026-10-02T10:00:00.500000+00:00"
    tu = bare.tables["aibridge_token_usages"].column("created_at")[0].as_py()
    assert tu.isoformat() == "2026-10-02T08:00:30+00:00"


def test_connect_export_is_a_source_whose_schema_lacks_what_exports_lack(tmp_path):
    path = write(tmp_path / "e.json", [item("a"), item("b", ended=None)])
    con = connect_export(path)
    assert type(con).__mro__[1].__name__ == "DuckDBConnection"
    missing = con.probe.missing_optional()
    assert "aibridge_interceptions.provider_id" in missing and "aibridge_interceptions.provider_name" not in missing
    assert count_interceptions(con, Filters()) == 1  # the in-flight one is not counted, as in Coder
    with connect(path) as same:
        assert count_interceptions(same, Filters(provider_name="openai")) == 1


def test_old_exports_without_provider_name_read_it_as_the_wire_type(tmp_path):
    con = connect_export(write(tmp_path / "e.json", [item("a", provider_name=None)]))
    assert "aibridge_interceptions.provider_name" in con.probe.missing_optional()
    assert count_interceptions(con, Filters(provider_name="openai")) == 1


def test_pages_in_a_directory_deduplicate_identical_copies(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    write(pages / "page-1.json", {"count": 3, "results": [item("a"), item("b")]})
    write(pages / "page-2.json", {"count": 3, "results": [item("b"), item("c")]})
    export = read_export(pages)
    assert export.tables["aibridge_interceptions"].num_rows == 3 and not export.conflicts
    assert export.tables["aibridge_token_usages"].num_rows == 3


def test_conflicting_duplicates_are_an_error_unless_the_latest_is_kept(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    write(pages / "page-1.json", [item("a", ended=None)])
    write(pages / "page-2.json", [item("a", tokens=99)])
    with pytest.raises(ExportError, match=f"interception {uid('a')} differs between .*page-1.json.* and .*page-2.json"):
        read_export(pages)
    export = read_export(pages, keep_latest=True)
    assert len(export.conflicts) == 1
    assert export.tables["aibridge_token_usages"].column("input_tokens").to_pylist() == [99]
    assert export.tables["aibridge_interceptions"].column("ended_at")[0].as_py() is not None


@pytest.mark.parametrize(
    "text, needle",
    [
        ('[{"id": "x"', "invalid JSON at line 1, column 12"),
        ("[1, 2,]", "invalid JSON at line 1, column 7"),
        ('{"results": 3}', 'expected a list of interceptions or an object with a "results" list'),
        (
            json.dumps([{**item("a"), "started_at": "yesterday"}]),
            "interception #0.started_at: expected an RFC 3339 timestamp",
        ),
        (json.dumps([{**item("a"), "initiator": {"id": 7}}]), "interception #0.initiator.id: expected a UUID"),
    ],
)
def test_broken_exports_are_one_line_errors_and_nothing_is_written(tmp_path, text, needle):
    path = tmp_path / "broken.json"
    path.write_text(text)
    with pytest.raises(ExportError) as info:
        read_export(path)
    assert needle in str(info.value) and str(path) in str(info.value) and "\n" not in str(info.value)
    db = tmp_path / "w.duckdb"
    proc = subprocess.run(
        [sys.executable, "-m", "aibridge_analytics", "sync", "--source", str(path), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and needle in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert not db.exists()


def test_sync_from_an_export_is_idempotent_and_the_cli_reports_conflicts(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    write(pages / "1.json", [item("a", ended=None), item("b")])
    write(pages / "2.json", [item("a")])
    db = tmp_path / "w.duckdb"
    cmd = [sys.executable, "-m", "aibridge_analytics", "sync", "--source", str(pages), "--db", str(db)]
    refused = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "--keep-latest" in refused.stderr and not db.exists()
    done = subprocess.run(cmd + ["--keep-latest"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "kept the latest of 1 conflicting duplicates" in done.stdout, done.stderr
    again = subprocess.run(cmd + ["--keep-latest"], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(
        "SELECT count(*), count(ended_at), count(provider_id) FROM aibridge_interceptions"
    ).fetchone() == (2, 2, 0)
    assert con.execute("SELECT count(*) FROM aibridge_tool_usages WHERE server_url IS NULL").fetchone()[0] == 2
    con.close()


@pytest.mark.postgres
def test_an_export_merged_after_a_database_sync_keeps_providers_and_provider_ids(pg_schema, tmp_path):
    openai = provider("openai", "openai")
    row = interception("a", "openai", "openai", openai["id"], day=1)
    load_postgres(pg_schema.conn, frames({"ai_providers": [openai], "aibridge_interceptions": [row]}))
    db = tmp_path / "w.duckdb"
    sync(url(pg_schema), db)
    # The same interception exported (without provider_id), and one the database has purged.
    export = copy.deepcopy(item("a"))
    export["started_at"] = row["started_at"].isoformat()
    sync(write(tmp_path / "e.json", [export, item("older")]), db)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM ai_providers").fetchone()[0] == 1
    got = dict(
        con.execute("SELECT CAST(id AS VARCHAR), CAST(provider_id AS VARCHAR) FROM aibridge_interceptions").fetchall()
    )
    assert got == {uid("a"): openai["id"], uid("older"): None}
    con.close()


def test_a_database_sync_after_an_export_merges_by_id(pg_schema, tmp_path):
    # The warehouse holds exported rows beyond any watermark: the first database sync must merge
    # them by id, not append duplicates, and a second sync must add nothing.
    openai = provider("openai", "openai")
    row = interception("a", "openai", "openai", openai["id"], day=1)
    later = interception("b", "openai", "openai", openai["id"], day=2)
    load_postgres(pg_schema.conn, frames({"ai_providers": [openai], "aibridge_interceptions": [row, later]}))
    db = tmp_path / "w.duckdb"
    export = copy.deepcopy(item("a"))
    export["started_at"] = row["started_at"].isoformat()
    sync(write(tmp_path / "e.json", [export, item("older")]), db)
    first = sync(url(pg_schema), db)
    assert first.rows["aibridge_interceptions"] == 2
    again = sync(url(pg_schema), db)
    con = duckdb.connect(str(db), read_only=True)
    got = dict(
        con.execute("SELECT CAST(id AS VARCHAR), CAST(provider_id AS VARCHAR) FROM aibridge_interceptions").fetchall()
    )
    total = con.execute("SELECT count(*) FROM aibridge_interceptions").fetchone()[0]
    con.close()
    assert total == len(got) == 3
    assert got == {uid("a"): openai["id"], uid("b"): openai["id"], uid("older"): None}
    assert again.rows["aibridge_interceptions"] <= 2  # the overlap window, re-read by id


@pytest.mark.parametrize(
    "text, accepted",
    [
        ("2026-10-02T10:00:00.123456789Z", "2026-10-02T10:00:00.123456+00:00"),  # Go's nanoseconds, cut
        ("2026-10-02 10:00:00+0200", "2026-10-02T08:00:00+00:00"),
        ("2026-10-02", None),  # a date: no time
        ("2026-10-02T10:00:00", None),  # no offset
        ("2026-W40-5T10:00:00Z", None),  # ISO 8601, but not RFC 3339
    ],
)
def test_export_times_are_rfc3339_read_by_the_one_iso_parser(tmp_path, text, accepted):
    """Exports accept RFC 3339 date-times only; the one ISO 8601 parser, which reads them, takes more."""
    from aibridge_analytics.catalogue.values import parse_iso_instant

    path = write(tmp_path / "t.json", [{**item("a"), "started_at": text}])
    if accepted is None:
        with pytest.raises(ExportError, match="started_at: expected an RFC 3339 timestamp"):
            read_export(path)
        parse_iso_instant(text)  # lenient form: a user's --since may be a bare date
        return
    started = read_export(path).tables["aibridge_interceptions"].column("started_at")[0].as_py()
    assert (
        started.isoformat() == accepted == parse_iso_instant(text, rfc3339=True).astimezone(started.tzinfo).isoformat()
    )


def test_an_export_with_cost_records_spend_and_one_without_does_not(tmp_path):
    """Token usages carrying cost_micros (null: unpriced) give recorded spend; an export without
    the key records none, so its spend reads as not recorded (NULL), never 0."""
    priced, unpriced = item("p", tokens=7), item("u", tokens=11)
    priced["token_usages"][0] |= {"cost_micros": 2**62, "input_price_micros": 3_000_000}
    unpriced["token_usages"][0] |= {"cost_micros": None, "input_price_micros": None}
    con = connect_export(write(tmp_path / "costed.json", [priced, unpriced]))
    assert "aibridge_token_usages.cost_micros" not in con.probe.missing_optional()
    row = aa.summary(con, by=[]).row(0, named=True)
    assert row["recorded_cost_micros"] == 2**62  # exact: no float on the way
    assert (row["priced_token_usages"], row["unpriced_token_usages"], row["unpriced_input_tokens"]) == (1, 1, 11)
    old = connect_export(write(tmp_path / "old.json", [item("a")]))
    assert "aibridge_token_usages.cost_micros" in old.probe.missing_optional()
    assert aa.summary(old, by=[])["recorded_cost_micros"].to_list() == [None]
    with pytest.raises(ExportError, match=r"token_usages\[0\]\.cost_micros"):
        bad = item("b")
        bad["token_usages"][0]["cost_micros"] = 1.5
        read_export(write(tmp_path / "bad.json", [bad]))


def test_offsets_survive_the_setting_that_makes_pyarrow_drop_them(tmp_path, monkeypatch):
    """PySpark's pandas API, and pandera where pandas is installed, set PYARROW_IGNORE_TIMEZONE=1,
    under which pyarrow drops the offset of the datetimes it converts: an export's times are still
    read as the instants they name; and importing this package leaves the setting unset."""
    monkeypatch.setenv("PYARROW_IGNORE_TIMEZONE", "1")
    path = write(tmp_path / "t.json", [{**item("a"), "started_at": "2026-10-02T10:00:00+02:00"}])
    started = read_export(path).tables["aibridge_interceptions"].column("started_at")[0].as_py()
    assert started.isoformat() == "2026-10-02T08:00:00+00:00"
    monkeypatch.delenv("PYARROW_IGNORE_TIMEZONE")
    probe = "import os, aibridge_analytics.cli, aibridge_analytics.pipelines.schemas; print(os.environ.get(%r))"
    done = subprocess.run(
        [sys.executable, "-c", probe % "PYARROW_IGNORE_TIMEZONE"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "None"
