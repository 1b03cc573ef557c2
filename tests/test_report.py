"""The scheduled report: its files, figures, escaping, range, atomic publication and CLI."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from datasets import (
    T0,
    duckdb_connection,
    frames,
    interception,
    postgres_connection,
    provider,
    uid,
    write_warehouse,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import completeness, group, load_rows, sessions
from polars.testing import assert_frame_equal
from terminal import on_a_terminal

from aibridge_analytics.outputs.report import build_report
from aibridge_analytics.outputs.report.data import GROUPINGS
from aibridge_analytics.outputs.report.window import resolve
from aibridge_analytics.pipelines.summaries import summarise

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
HOSTILE = (SCRIPT, IMG)
PROMPT_SECRET = "my-prompt-with-a-secret-sk-live-123"


def _tables() -> dict:
    """Two providers (one with a hostile display name), hostile model/client/prompt text, child rows."""
    openai = provider("openai", "openai")
    evil = {**provider("anthropic", "anthropic"), "display_name": f"Anthropic {SCRIPT}{IMG}"}
    rows = [
        interception("r1", "openai", "openai", openai["id"], day=10.1, model="gpt-5", client="Cursor", session="s1"),
        interception("r2", "openai", "openai", openai["id"], day=10.2, model="gpt-5", client="Cursor", session="s1"),
        interception(
            "r3",
            "anthropic",
            "anthropic",
            evil["id"],
            day=11.5,
            model=f"claude {IMG}",
            client=f"cli {SCRIPT}",
            initiator="u2",
        ),
        interception("r4", "anthropic", "", None, day=12.5, minutes=3, initiator="u3"),
        interception("r5", "mistral", "gone", None, day=13.2, model="mistral-large"),
        interception("r6", "openai", "openai", openai["id"], day=13.9, minutes=None),
        interception("old", "openai", "openai", openai["id"], day=1.0),
    ]
    prompts = [
        {
            "id": uid("p1"),
            "interception_id": uid("r3"),
            "provider_response_id": "x",
            "prompt": f"{PROMPT_SECRET} {SCRIPT} {IMG}",
            "metadata": None,
            "created_at": T0 + timedelta(days=11.5),
        },
        {
            "id": uid("p2"),
            "interception_id": uid("r1"),
            "provider_response_id": "x",
            "prompt": "hello",
            "metadata": None,
            "created_at": T0 + timedelta(days=10.1),
        },
    ]
    tokens = [
        {
            "id": uid(f"t{i}"),
            "interception_id": uid(r),
            "provider_response_id": "x",
            "input_tokens": 100 * i,
            "output_tokens": 10 * i,
            "cache_read_input_tokens": 0,
            "cache_write_input_tokens": 0,
            "metadata": None,
            "created_at": T0 + timedelta(days=12),
        }
        for i, r in enumerate(("r1", "r2", "r3", "r3"), start=1)
    ]
    tools = [
        {
            "id": uid("u1"),
            "interception_id": uid("r1"),
            "provider_response_id": "x",
            "server_url": "https://mcp.example",
            "tool": f"mcp {SCRIPT}",
            "input": "{}",
            "injected": True,
            "invocation_error": "boom",
            "metadata": None,
            "created_at": T0 + timedelta(days=10.1),
        },
        {
            "id": uid("u2"),
            "interception_id": uid("r2"),
            "provider_response_id": "x",
            "server_url": None,
            "tool": "Read",
            "input": "{}",
            "injected": False,
            "invocation_error": None,
            "metadata": None,
            "created_at": T0 + timedelta(days=10.2),
        },
    ]
    return {
        "ai_providers": [openai, evil],
        "aibridge_interceptions": rows,
        "aibridge_user_prompts": prompts,
        "aibridge_token_usages": tokens,
        "aibridge_tool_usages": tools,
    }


@pytest.fixture
def tables() -> dict:
    return _tables()


def _read(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes().decode("utf-8", "replace") for p in out.rglob("*") if p.is_file()
    }


def test_report_writes_every_file_with_the_summary_figures(tables, tmp_path):
    con = duckdb_connection(frames(tables))
    out = tmp_path / "report"
    result = build_report(con, out, tz="Europe/Berlin")
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {
        "report.html",
        "report.md",
        "summary.json",
        "manifest.json",
        "parquet/by_provider.parquet",
        "parquet/by_day.parquet",
        "parquet/completeness.parquet",
    } <= names

    summary = json.loads((out / "summary.json").read_text())
    window = result.summary["window"]
    expected = summarise(con, ["provider"], tz="Europe/Berlin", since=window["since"], until=window["until"])
    c = expected.completeness.row(0, named=True)
    assert summary["completeness"]["summarised"] == c["summarised"] == 5  # r6 in flight, "old" outside the week
    assert summary["completeness"]["in_flight"] == c["in_flight"] == 1
    assert summary["completeness"]["unattributed"] == c["unattributed"]
    by_id = {p["resolved_provider_id"]: p for p in summary["providers"]}
    for row in expected.frame.iter_rows(named=True):
        assert by_id[row["resolved_provider_id"]]["interceptions"] == row["interceptions"]
        assert by_id[row["resolved_provider_id"]]["input_tokens"] == row["input_tokens"]
    assert sum(p["interceptions"] for p in summary["providers"]) == summary["totals"]["interceptions"] == 5
    assert sum(sum(p["methods"].values()) for p in summary["providers"]) == 5
    assert {w["warning"]: w["interceptions"] for w in summary["warnings"]}["in_flight"] == 1
    assert summary["verification"]["invariants"] and "verdict" in summary["verification"]
    assert pl.read_parquet(out / "parquet/by_provider.parquet")["interceptions"].sum() == 5

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["package"]["version"]
    assert manifest["window"]["tz"] == "Europe/Berlin"
    assert datetime.fromisoformat(manifest["generated_at"]).tzinfo is not None
    fingerprint = {t["table_name"]: t for t in manifest["source"]["tables"]}
    assert fingerprint["aibridge_interceptions"]["row_count"] == 7
    assert fingerprint["aibridge_interceptions"]["newest"] == (T0 + timedelta(days=13.9)).isoformat()
    queries = {q["name"]: q for q in manifest["queries"]}
    assert {
        "report/fingerprint",
        "summaries/figures",
        "summaries/completeness",
        "report/sessions",
        "report/warnings",
        "report/tools",
    } <= set(queries)
    assert "SELECT" in queries["summaries/figures"]["sql"]
    assert queries["summaries/figures"]["parameters"]["since"] == window["since"]
    assert "report/recent_prompts" not in queries
    files = {f["path"] for f in manifest["files"]}
    assert "report.html" in files and "manifest.json" not in files


def _assert_report_matches_the_oracle(con, tables: dict[str, pl.DataFrame], out: Path, **kwargs) -> None:
    """Every summary frame, the session figures and the completeness of a report equal the Polars
    oracle's over the same tables, window and generation time."""
    result = build_report(con, out, **kwargs)
    window = result.summary["window"]
    since, until = (datetime.fromisoformat(window[k]) for k in ("since", "until"))
    now = datetime.fromisoformat(json.loads((out / "manifest.json").read_text())["generated_at"])
    rows, _ = load_rows(con, tables, since, until, now=now)
    for name, by in GROUPINGS.items():
        expected = group(rows, by, window["tz"], since, until)
        got = pl.read_parquet(out / "parquet" / f"{name}.parquet").select(expected.columns)
        assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-9, abs_tol=1e-3)
    assert result.summary["sessions"] == sessions(rows)
    expected = completeness(rows, tables, window["tz"], since, until, now=now)
    assert_frame_equal(pl.read_parquet(out / "parquet" / "completeness.parquet"), expected)
    assert_frame_equal(pl.read_parquet(out / "parquet" / "tools.parquet"), _tools(tables, since, until))


def _tools(tables: dict[str, pl.DataFrame], since: datetime, until: datetime, limit: int = 15) -> pl.DataFrame:
    """The report's most used tools, from the tool calls of the ended interceptions started in the
    range: the most calls first, then by name and kind."""
    started = pl.col("started_at")
    ended = tables["aibridge_interceptions"].filter(
        pl.col("ended_at").is_not_null() & (started >= since) & (started < until)
    )
    calls = tables["aibridge_tool_usages"].join(
        ended.select("id"), left_on="interception_id", right_on="id", how="semi"
    )
    return (
        calls.group_by("tool", "injected")
        .agg(
            pl.len().cast(pl.Int64).alias("calls"),
            pl.col("invocation_error").is_not_null().sum().cast(pl.Int64).alias("errors"),
            pl.col("interception_id").n_unique().cast(pl.Int64).alias("interceptions"),
        )
        .sort(["calls", "tool", "injected"], descending=[True, False, False], nulls_last=True)
        .head(limit)
    )


def test_report_figures_match_the_oracle(tables, tmp_path):
    data = frames(tables)
    _assert_report_matches_the_oracle(duckdb_connection(data), data, tmp_path / "hand", tz="Europe/Berlin")


def test_demo_report_figures_match_the_oracle(tmp_path):
    from aibridge_analytics.coder import TABLES
    from aibridge_analytics.demo.generator import demo_tables

    demo = {k: v for k, v in demo_tables(3000, 7).items() if k in TABLES}
    con = duckdb_connection(demo)
    _assert_report_matches_the_oracle(con, demo, tmp_path / "week", tz="America/New_York")
    _assert_report_matches_the_oracle(
        con, demo, tmp_path / "autumn", since="2026-09-01", until="2026-11-01", tz="Asia/Tokyo"
    )


@pytest.mark.postgres
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    sessions=st.lists(
        st.lists(st.integers(min_value=0, max_value=90_000), min_size=1, max_size=6), min_size=1, max_size=25
    )
)
def test_session_percentiles_are_percentile_cont_on_both_engines(new_pg_schema, sessions):
    """The report reads its session percentiles off how many sessions have each size and span; they
    must be PostgreSQL's PERCENTILE_CONT over the sessions themselves (linear interpolation, the
    fractions of a 90th percentile included), and the same on DuckDB."""
    from aibridge_analytics.outputs.report import data

    rows = [
        interception(f"s{i}/{j}", "openai", day=offset / 86_400, session=f"s{i}")
        for i, offsets in enumerate(sessions)
        for j, offset in enumerate(sorted(set(offsets)))
    ]
    tables = frames({"ai_providers": [], "aibridge_interceptions": rows})
    window = resolve(T0.isoformat(), (T0 + timedelta(days=3)).isoformat(), "UTC", None, T0 + timedelta(days=4))
    schema = new_pg_schema()
    with postgres_connection(schema, tables) as pg, duckdb_connection(tables) as duck:
        found = [data.sessions(duck, window), data.sessions(pg, window)]
    sizes = [len(set(offsets)) for offsets in sessions]
    spans = [(max(offsets) - min(offsets)) / 60 for offsets in sessions]
    median, p90 = schema.conn.execute(
        "SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY v), PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY v) "
        "FROM UNNEST(%s::bigint[]) AS v",
        [sizes],
    ).fetchone()
    (span,) = schema.conn.execute(
        "SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY v) FROM UNNEST(%s::double precision[]) AS v", [spans]
    ).fetchone()
    for got in found:
        assert got["sessions"] == len(sessions)
        assert got["single_interception_sessions"] == sizes.count(1)
        assert (got["interceptions_per_session_median"], got["interceptions_per_session_p90"]) == (median, p90)
        assert got["span_minutes_median"] == span


def test_default_range_is_the_last_seven_whole_days_of_data(tables, tmp_path):
    con = duckdb_connection(frames(tables))
    summary = build_report(con, tmp_path / "r").summary
    newest_day = (T0 + timedelta(days=13.9)).date()
    assert (
        summary["window"]["until"]
        == datetime.combine(newest_day + timedelta(days=1), datetime.min.time(), UTC).isoformat()
    )
    assert (
        summary["window"]["since"]
        == datetime.combine(newest_day - timedelta(days=6), datetime.min.time(), UTC).isoformat()
    )
    assert [d["day"] for d in summary["days"]] == [
        (T0 + timedelta(days=d)).date().isoformat() for d in (10, 11, 12, 13)
    ]


def test_window_forms():
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    w = resolve("2026-11-01", "2026-11-08", "Europe/Berlin", None, now)
    assert (w.since, w.until) == (
        datetime(2026, 10, 31, 23, tzinfo=UTC),
        datetime(2026, 11, 7, 23, tzinfo=UTC),
    )
    w = resolve("7d", None, "UTC", None, now)
    assert (w.since, w.until) == (now - timedelta(days=7), now)  # an age counts back from the generation time
    w = resolve(None, None, "Europe/Berlin", None, now, period="last-month")
    assert (w.since, w.until, w.chosen) == (
        datetime(2026, 9, 30, 22, tzinfo=UTC),
        datetime(2026, 10, 31, 23, tzinfo=UTC),
        "period last-month",
    )
    # Across the end of summer time the default still starts and ends at local midnights.
    w = resolve(None, None, "Europe/Berlin", datetime(2026, 10, 30, 12, tzinfo=UTC), now)
    assert (w.since, w.until) == (
        datetime(2026, 10, 23, 22, tzinfo=UTC),
        datetime(2026, 10, 30, 23, tzinfo=UTC),
    )
    w = resolve(None, None, "UTC", None, now)  # an empty source: the week before today's end
    assert w.until == datetime(2026, 11, 27, tzinfo=UTC)


def test_data_text_is_escaped_and_prompts_are_left_out_unless_asked(tables, tmp_path):
    con = duckdb_connection(frames(tables))
    plain = _read(build_report(con, tmp_path / "plain", since="2026-10-01").out_dir)
    for name, text in plain.items():
        assert PROMPT_SECRET not in text, name
    html = plain["report.html"]
    for bad in HOSTILE:
        assert bad not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the model, client, display name and tool, as text
    assert "<script" not in html.lower() and "onerror=alert" not in html.replace("onerror=alert(2)&gt;", "")
    for bad in HOSTILE:
        assert bad not in plain["report.md"]

    asked = _read(build_report(con, tmp_path / "asked", since="2026-10-01", include_prompts=True).out_dir)
    assert PROMPT_SECRET in asked["report.html"] and PROMPT_SECRET in asked["report.md"]
    assert 'id="prompts"' in asked["report.html"]
    for name in ("report.html", "report.md"):
        for bad in HOSTILE:
            assert bad not in asked[name], name
        assert "<script" not in asked[name].lower()


def test_empty_range_still_makes_a_report(tables, tmp_path):
    con = duckdb_connection(frames(tables))
    result = build_report(con, tmp_path / "r", since="2020-01-01", until="2020-01-08")
    assert result.summary["totals"]["interceptions"] == 0
    assert "No ended interceptions" in (tmp_path / "r" / "report.html").read_text()


def _cli(*args: str, cwd: Path | None = None, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aibridge_analytics", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        **kw,
    )


@pytest.fixture
def warehouse(tables, tmp_path) -> Path:
    path = tmp_path / "w.duckdb"
    write_warehouse(path, tables)
    return path


@pytest.mark.parametrize("source", ["warehouse", "parquet"])
@pytest.mark.parametrize("given", [None, "300MB"])
def test_the_report_holds_duckdb_to_its_own_limit_unless_one_is_given(
    warehouse, tables, tmp_path, monkeypatch, given, source
):
    from aibridge_analytics import cli
    from aibridge_analytics.outputs import report
    from aibridge_analytics.warehouse import store

    def limit(con: duckdb.DuckDBPyConnection) -> str:
        return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]

    if given is None:
        monkeypatch.delenv(store.MEMORY_LIMIT_ENV, raising=False)
    else:
        monkeypatch.setenv(store.MEMORY_LIMIT_ENV, given)
    with duckdb.connect() as con:
        everywhere = limit(store.configure(con))
        con.execute("SET memory_limit = ?", [given or store.REPORT_MEMORY_LIMIT])
        expected = limit(con)
    seen = []
    build = report.build_report

    def watched(con, *args, **kwargs):
        seen.append(limit(con._con))
        return build(con, *args, **kwargs)

    monkeypatch.setattr(report, "build_report", watched)
    path = warehouse
    if source == "parquet":  # facts computed inline, joining the child tables: every command's limit
        path = tmp_path / "parquet"
        path.mkdir()
        for name, frame in frames(tables).items():
            frame.write_parquet(path / f"{name}.parquet")
        expected = everywhere
    assert cli.main(["report", "--source", str(path), "--out", str(tmp_path / "r")]) == 0
    # Its own (1GB) over stored facts, where the other commands get 2GB; a limit given wins.
    assert seen == [expected] and (expected != everywhere) == (given is None and source == "warehouse"), seen


def test_cli_report_replaces_the_previous_report_in_one_step(warehouse, tmp_path):
    out = tmp_path / "pub"
    first = _cli("report", "--source", str(warehouse), "--out", str(out), "--since", "2026-10-11", "--tz", "UTC")
    assert first.returncode == 0, first.stderr
    assert first.stdout == ""  # stdout stays free for pipes; the one-line summary is on stderr
    assert "report written to" in first.stderr and "\x1b[" not in first.stderr  # no progress bar off a terminal
    (out / "stale.txt").write_text("from an older run")
    second = _cli("report", "--source", str(warehouse), "--out", str(out), "--since", "7d")
    assert second.returncode == 0, second.stderr
    assert not (out / "stale.txt").exists()  # the directory was replaced, not merged into
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pub")] == []


#: The command line, with a pause of two minutes just before the finished report is swapped into
#: place, so that a test can kill the run at its last moment.
PAUSED_BEFORE_PUBLISHING = """
import sys, time
from aibridge_analytics.cli import main
from aibridge_analytics.outputs.report import publish

swap_in = publish._swap_in
def paused(staging, target):
    time.sleep(120)
    swap_in(staging, target)
publish._swap_in = paused
sys.exit(main(sys.argv[1:]))
"""


def test_a_run_killed_before_publishing_leaves_the_previous_report(warehouse, tmp_path):
    out = tmp_path / "pub"
    assert _cli("report", "--source", str(warehouse), "--out", str(out)).returncode == 0
    before = _read(out)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            PAUSED_BEFORE_PUBLISHING,
            "report",
            "--source",
            str(warehouse),
            "--out",
            str(out),
            "--tz",
            "Asia/Tokyo",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        staging = tmp_path / f".pub.staging-{proc.pid}"
        deadline = time.monotonic() + 120
        # The staging directory is filled before the pause: wait until the new report is complete there.
        while not (staging / "manifest.json").exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the run ended before its pause"
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _read(out) == before
    assert staging.exists()  # left behind by the killed run ...
    assert _cli("report", "--source", str(warehouse), "--out", str(out), "--tz", "Asia/Tokyo").returncode == 0
    assert not staging.exists()  # ... and cleaned up by the next one
    assert json.loads((out / "summary.json").read_text())["window"]["tz"] == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--tz", "Mars/Olympus"], "Mars/Olympus"),
        (["--since", "2026-11-08", "--until", "2026-11-01"], "--since"),
        (["--since", "last tuesday"], "last tuesday"),
    ],
)
def test_cli_usage_errors_are_one_line_with_exit_1(warehouse, tmp_path, args, named):
    done = _cli("report", "--source", str(warehouse), "--out", str(tmp_path / "r"), *args)
    assert done.returncode == 1
    assert named in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_out_must_be_a_directory(warehouse, tmp_path):
    (tmp_path / "file").write_text("x")
    done = _cli("report", "--source", str(warehouse), "--out", str(tmp_path / "file"))
    assert done.returncode == 1 and "not a directory" in done.stderr


def test_a_password_in_the_source_url_never_appears(tmp_path):
    done = _cli(
        "report", "--source", "postgresql://report:hunter2-secret@127.0.0.1:9/coder", "--out", str(tmp_path / "r")
    )
    assert done.returncode == 1
    assert "hunter2" not in done.stderr + done.stdout and "***" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_make_report_path_on_a_fresh_checkout(tmp_path):
    """`report --out report` without a source builds the demo warehouse first (as `make report` does),
    in the user's data directory ($XDG_DATA_HOME here), never in the working directory."""
    env = {k: v for k, v in os.environ.items() if k != "AIBRIDGE_DEMO_DB"}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-m", "aibridge_analytics", "report", "--out", "report"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "aibridge-analytics" / "demo.duckdb").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "report"]
    html = (tmp_path / "report" / "report.html").read_text()
    assert "AI Bridge usage report" in html and html.count("data:image/svg+xml;base64,") == 6
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    # The fixed-date demo ends at 2026-11-23: the default range is its last week, whatever today is.
    assert summary["window"]["until"] == "2026-11-23T00:00:00+00:00" and summary["totals"]["interceptions"] > 0


def test_templates_ship_in_the_wheel(tmp_path):
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(root)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    names = set(zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist())
    assert {
        "aibridge_analytics/outputs/report/templates/report.html.j2",
        "aibridge_analytics/outputs/report/templates/report.md.j2",
        "aibridge_analytics/_sql/report/fingerprint.sql",
    } <= names


@pytest.mark.postgres
def test_postgresql_and_duckdb_reports_agree(tables, pg_schema, tmp_path):
    from urllib.parse import quote, urlsplit, urlunsplit

    data = frames(tables)
    duck = build_report(
        duckdb_connection(data), tmp_path / "duck", since="2026-10-01", tz="America/New_York", until="2026-10-20"
    )
    pg_con = postgres_connection(pg_schema, data)
    pg_con.close()
    # The same schema opened from a URL that carries a password (the test server trusts loopback,
    # so any password works): it must not reach any output.
    parts = urlsplit(pg_schema.dsn)
    netloc = f"{parts.username or 'postgres'}:pw-should-stay-hidden@{parts.hostname}:{parts.port or 5432}"
    sep = "&" if parts.query else ""
    query = f"{parts.query}{sep}options={quote(f'-c search_path={pg_schema.name}')}"
    dsn = urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    done = _cli(
        "report",
        "--source",
        dsn,
        "--out",
        str(tmp_path / "pg"),
        "--since",
        "2026-10-01",
        "--until",
        "2026-10-20",
        "--tz",
        "America/New_York",
    )
    assert done.returncode == 0, done.stderr
    assert "pw-should-stay-hidden" not in done.stderr + done.stdout
    for name, text in _read(tmp_path / "pg").items():
        assert "pw-should-stay-hidden" not in text, name

    def figures(directory: str) -> dict:
        # PostgreSQL tells its enum labels, an in-memory DuckDB cannot: that one finding's wording differs.
        summary = json.loads((tmp_path / directory / "summary.json").read_text())
        findings = summary["verification"]["findings"]
        summary["verification"]["findings"] = [f for f in findings if f["finding"] != "copilot_same_transaction"]
        return summary

    assert figures("pg") == figures("duck")
    assert duck.summary["totals"]["interceptions"] == 6
    manifests = [json.loads((tmp_path / d / "manifest.json").read_text()) for d in ("duck", "pg")]
    fingerprints = [{t["table_name"]: (t["row_count"], t["newest"]) for t in m["source"]["tables"]} for m in manifests]
    assert fingerprints[0] == fingerprints[1]
    assert {q["dialect"] for q in manifests[1]["queries"]} == {"postgres"}


def test_cli_report_progress_names_each_step_on_an_80_column_terminal(warehouse, tmp_path):
    code, stdout, text = on_a_terminal("report", "--source", str(warehouse), "--out", str(tmp_path / "r"))
    assert code == 0, text
    assert stdout == ""  # the progress is drawn on stderr, the terminal; stdout stays free for pipes
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    drawn = [line for line in lines if line.startswith("report: ")]
    # Each step shows by name, in order, with how many of the five are done and the time elapsed.
    names = []
    for line in drawn:
        name = re.match(r"report: (.+?) [━╸╺ ]*(\d)/5 (\d+:\d\d:\d\d)$", line)
        assert name, line
        if name[1] not in names:
            names.append(name[1])
    assert names == ["reading figures", "verifying the backfill", "drawing charts", "writing", "publishing", "done"]
    assert re.search(r"report: drawing charts .* 2/5 ", text) and re.search(r"report: done .* 5/5 ", text)
    assert not any("/?" in line or "-:--:--" in line for line in lines)
    assert all(len(line) <= 80 for line in drawn)
    assert lines[-1].startswith("report written to ")


# --- charts: what a reader sees in them ----------------------------------------------------------


def _lab(colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB ``#rrggbb``."""
    linear = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92 for c in linear]
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = [v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116 for v in xyz]
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


#: Two colours of one chart must differ by at least this CIE76 difference (about 9 just-noticeable
#: differences; Tableau 10's closest pair differs by 25.9): "look distinct", not merely "are different hex".
DISTINCT = 20


def _closest(colours: list[str]) -> float:
    from itertools import combinations

    return min(math.dist(_lab(a), _lab(b)) for a, b in combinations(colours, 2))


def _series_colours(spec: dict) -> list[list[str]]:
    """The colours of each chart in ``spec`` (a panel of a concatenation counts with its siblings)."""
    if "vconcat" in spec:
        return [[panel["mark"]["color"] for panel in spec["vconcat"]]]
    scale = spec["encoding"].get("color", {}).get("scale", {})
    return [scale["range"]] if "range" in scale else []


@pytest.fixture(scope="module")
def demo_figures():
    from aibridge_analytics.coder import TABLES
    from aibridge_analytics.demo.generator import demo_tables
    from aibridge_analytics.outputs.report import data
    from aibridge_analytics.outputs.report.window import resolve

    con = duckdb_connection({k: v for k, v in demo_tables(3000, 7).items() if k in TABLES})
    now = datetime(2027, 1, 1, tzinfo=UTC)
    newest = con.query("summaries/newest", {"now": now}).row(0, named=True)["started_at"]
    return data.gather(con, resolve(None, None, "UTC", newest, now), False, now=now)


def _specs(figures) -> dict[str, dict]:
    from aibridge_analytics.outputs.report import charts

    return {key: charts.configured(chart) for key, _, _, chart in charts.specs(figures)}


def test_chart_colours_are_distinct_for_what_they_show(demo_figures):
    from aibridge_analytics.outputs.report import charts

    assert _closest([*charts.PALETTE, *charts._GREYS.values()]) >= DISTINCT
    specs = _specs(demo_figures)
    for key, spec in specs.items():
        for colours in _series_colours(spec):
            assert len(set(colours)) == len(colours) and _closest(colours) >= DISTINCT, key
    daily = specs["daily"]["encoding"]["color"]["scale"]
    assert len(daily["domain"]) == len(daily["range"]) == 10  # nine providers and unattributed, each its colour


def _daily_with(figures, providers: int):
    """The demo's figures with the interceptions per day spread over ``providers`` providers."""
    import dataclasses

    frame = figures.frames["by_day_provider"]
    spread = (
        frame.with_row_index()
        .with_columns(pl.format("provider-{}", pl.col("index") % providers).alias("label"))
        .drop("index")
    )
    return dataclasses.replace(figures, frames={**figures.frames, "by_day_provider": spread})


@pytest.mark.parametrize("providers", [9, 10, 12])
def test_the_other_providers_bucket_never_holds_one(demo_figures, providers):
    from aibridge_analytics.outputs.report import charts

    spec = charts.configured(charts.daily_interceptions(_daily_with(demo_figures, providers)))
    domain = spec["encoding"]["color"]["scale"]["domain"]
    named = [x for x in domain if x != "other providers"]
    if providers <= charts.DAILY_PROVIDERS + 1:
        assert named == domain and len(named) == providers  # all by name: a bucket of one says nothing
    else:
        assert len(named) == charts.DAILY_PROVIDERS and providers - len(named) >= 2
    assert _closest(spec["encoding"]["color"]["scale"]["range"]) >= DISTINCT


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=1000))
def test_a_day_axis_labels_both_ends_and_never_crowds_them(days):
    from aibridge_analytics.outputs.report import charts

    order = [f"day {i}" for i in range(days)]
    at = [order.index(label) for label in charts.shown_days(order)]
    assert at == sorted(set(at)) and at[0] == 0 and at[-1] == days - 1
    if days <= charts.MAX_DAY_LABELS:
        assert len(at) == days
    else:
        # Enough labels to read a date off, each with room for its "Mon 16 Nov" (about 60 px).
        assert charts.MAX_DAY_LABELS // 2 <= len(at) <= charts.MAX_DAY_LABELS
        assert min(b - a for a, b in zip(at, at[1:], strict=False)) * charts.WIDTH / days >= 60


def test_a_long_range_draws_every_day_and_labels_some(demo_figures):
    """A year of days: every day keeps its bar and its point, the axes label a few of them."""
    import dataclasses

    from aibridge_analytics.outputs.report import charts

    first = date(2026, 1, 1)
    spread = {
        name: pl.concat(
            [
                demo_figures.frames[name].head(1).with_columns(pl.lit(first + timedelta(days=i)).alias("day"))
                for i in range(365)
            ]
        )
        for name in ("by_day", "by_day_provider")
    }
    figures = dataclasses.replace(demo_figures, frames={**demo_figures.frames, **spread})
    specs = {key: charts.configured(chart) for key, _, _, chart in charts.specs(figures)}
    for key in ("daily", "tokens"):
        for panel in specs[key].get("vconcat", [specs[key]]):
            x = panel["encoding"]["x"]
            assert len(x["sort"]) == 365 and x["axis"]["values"] == charts.shown_days(x["sort"]), key
            assert x["sort"][0] in x["axis"]["values"] and x["sort"][-1] in x["axis"]["values"]


def test_axis_titles_name_the_unit_of_their_values(demo_figures):
    specs = _specs(demo_figures)
    for key, spec in specs.items():
        for panel in spec.get("vconcat", [spec]):
            for channel in ("x", "y"):
                encoding = panel["encoding"][channel]
                if encoding["type"] == "quantitative":
                    title = encoding.get("title") or encoding["axis"]["title"]
                    assert re.search(r"\((count|thousands|millions|billions|USD)\)$", title), (key, title)
    # Tokens: each panel's values read between 1 and 999 in the unit its axis names (no flat line on
    # an 18,000-thousand axis), and the unit is what the values were divided by.
    units = {"thousands": 1e3, "millions": 1e6, "billions": 1e9}
    by_day = demo_figures.frames["by_day"]
    datasets = specs["tokens"]["datasets"]
    for panel, column in zip(
        specs["tokens"]["vconcat"], ("input_tokens", "output_tokens", "cache_read_input_tokens"), strict=True
    ):
        title = panel["encoding"]["y"]["title"]
        values = [row["tokens"] for row in datasets[panel["data"]["name"]]]
        assert 1 <= max(values) < 1000, title
        divisor = units[re.search(r"\((\w+)\)$", title)[1]]
        assert max(values) * divisor == pytest.approx(by_day[column].max())


def test_the_per_client_chart_draws_interceptions_and_sessions(demo_figures):
    spec = _specs(demo_figures)["clients"]
    rows = spec["datasets"][spec["data"]["name"]]
    clients = demo_figures.top["clients"]
    for series in ("interceptions", "sessions"):
        drawn = {r["client"]: r["count"] for r in rows if r["series"] == series}
        assert drawn == dict(zip(clients["client"], clients[series], strict=True)), series
    assert spec["encoding"]["color"]["scale"]["domain"] == ["interceptions", "sessions"]


def test_names_are_drawn_whole_up_to_48_characters(demo_figures):
    """A model name of 48 characters shows whole in the SVG; a longer one keeps its start and end."""
    import base64
    import dataclasses
    import html

    from aibridge_analytics.outputs.report import charts

    whole = "us.anthropic.claude-3-7-sonnet-20250219-v1:0-xy"[:48].ljust(48, "z")
    longer = "bedrock/eu.anthropic.claude-opus-4-1-20250805-v1:0-with-a-much-longer-suffix"
    models = demo_figures.top["models"].with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit(whole))
        .when(pl.int_range(pl.len()) == 1)
        .then(pl.lit(longer))
        .otherwise(pl.col("model"))
        .alias("model")
    )
    figures = dataclasses.replace(demo_figures, top={**demo_figures.top, "models": models})
    uri = next(c.uri for c in charts.render_all(figures) if c.key == "models")
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", base64.b64decode(uri[26:]).decode())]
    assert whole in texts
    shortened = charts.short_label(longer)
    assert shortened in texts and len(shortened) == 48 and shortened.endswith(longer[-16:])
    assert not [t for t in texts if t.endswith("\u2026")]  # the renderer cut nothing
    for key, spec in _specs(figures).items():
        for panel in spec.get("vconcat", [spec]):
            axis = panel["encoding"]["y"].get("axis") or {}
            if panel["encoding"]["y"]["type"] == "nominal":
                assert axis.get("labelLimit") == 0, key


def test_wording_counts_agree_with_their_nouns_and_client_tool_failures_are_not_claimed(tables, tmp_path):
    from aibridge_analytics.outputs.report.render import counted

    assert [counted(n, "interception") for n in (0, 1, 2, 1234)] == [
        "0 interceptions",
        "1 interception",
        "2 interceptions",
        "1,234 interceptions",
    ]
    # One interception, one session, one thread: every sentence in the singular.
    one = {**tables, "aibridge_interceptions": tables["aibridge_interceptions"][:1]}
    con = duckdb_connection(frames(one))
    build_report(con, tmp_path / "one", since="2020-01-01", until="2030-01-01")
    for name in ("report.html", "report.md"):
        text = (tmp_path / "one" / name).read_text()
        assert not re.search(r"\b1 (interceptions|sessions|threads|tool calls|usage records)\b", text), name
        assert "within 0 ms" not in text
    con = duckdb_connection(frames(tables))
    build_report(con, tmp_path / "r", since="2020-01-01", until="2030-01-01")
    html = (tmp_path / "r" / "report.html").read_text()
    rows = re.findall(r"<tr><td><code>([^<]+)</code></td><td>(injected|client)</td>(.*?)</tr>", html)
    assert {kind for _, kind, _ in rows} == {"injected", "client"}
    for _tool, kind, cells in rows:
        failed = re.findall(r'<td class="n">([^<]+)</td>', cells)[1]
        assert (failed == "–") == (kind == "client")  # the gateway cannot see a client tool fail
