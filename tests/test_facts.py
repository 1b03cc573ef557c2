"""The warehouse's stored facts: exact after any sequence of syncs, read by every figure, and never
read stale (issue #15: a fact layer that sync maintains)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aibridge_analytics.demo.generator import build_demo
from aibridge_analytics.demo.pgload import load_postgres
from aibridge_analytics.demo.scale import build_scale
from aibridge_analytics.outputs.report import data as report_data
from aibridge_analytics.outputs.report.window import Window
from aibridge_analytics.pipelines import summaries
from aibridge_analytics.sources.connection import DuckDBConnection
from aibridge_analytics.sources.kinds import connect
from aibridge_analytics.warehouse import facts, store
from aibridge_analytics.warehouse import sync as sync_module
from aibridge_analytics.warehouse.sync import sync
from tests.datasets import T0, assert_same_rows, frames, interception, provider, uid
from tests.test_sync import _children, url

#: The keys a warehouse stores as numbers (sql/warehouse/facts/keys.sql).
KEY_KINDS = ("session", "thread", "initiator")


def stored_and_inline(db: Path):
    """The warehouse's stored facts and the facts computed from its tables now, from scratch, each
    with the backfill verdicts stored beside them; the stored session, thread and initiator numbers
    read back as the text keys they stand for. The tool facts stored beside them must equal theirs
    computed from scratch too (a row per interception and tool)."""
    con = DuckDBConnection(duckdb.connect(str(db), read_only=True))
    try:
        inline = con.query("facts/rows")
        stored = con.query("facts/stored").select(inline.columns)
        verdicts = {kind: con.query(f"verification/{kind}") for kind in ("stored", "verdicts")}
        keys = con.query("warehouse/facts/key_values")
        tools = {kind: con.query(f"facts/{kind}") for kind in ("tool_stored", "tool_rows")}
    finally:
        con.close()
    assert tools["tool_rows"].select("interception_id", "tool", "injected").is_unique().all()
    assert_same_rows(tools["tool_stored"], tools["tool_rows"])
    assert verdicts["stored"].columns == verdicts["verdicts"].columns
    stored = stored.join(verdicts["stored"], on="interception_id", how="full", suffix="_verdict")
    inline = inline.join(verdicts["verdicts"], on="interception_id", how="full", suffix="_verdict")
    assert all(stored[f"{kind}_key"].dtype == pl.Int64 for kind in KEY_KINDS)
    # A provider's number stands for its id alone, and is NULL exactly where no provider is resolved.
    pairs = stored.select("provider_key", "resolved_provider_id").unique()
    assert pairs["provider_key"].is_unique().all() and pairs["resolved_provider_id"].is_unique().all()
    assert (pairs["provider_key"].is_null() == pairs["resolved_provider_id"].is_null()).all()
    numbers = {
        kind: dict(keys.filter(pl.col("key_of") == kind).select("key", "value").iter_rows()) for kind in KEY_KINDS
    }
    # A number stands for one key of one kind.
    assert keys.select("key_of", "key").is_unique().all() and keys.select("key_of", "value").is_unique().all()
    # Initiators are numbered densely from 1, however many syncs brought them: the figures count
    # them as bits of a bitstring that wide (summaries.fact_bits).
    assert sorted(numbers["initiator"]) == list(range(1, len(numbers["initiator"]) + 1))
    stored = stored.with_columns(
        pl.col(f"{kind}_key").replace_strict(numbers[kind], return_dtype=pl.String, default=None) for kind in KEY_KINDS
    )
    inline = inline.with_columns(pl.col("thread_key", "initiator_key").cast(pl.String))
    return stored, with_spans(inline).select(stored.columns)


#: The group keys a span records, in the order of their bits (sql/warehouse/facts/spans.sql).
SPAN_KEYS = (
    "resolved_provider_id",
    "provider_type",
    "model",
    "client",
    "initiator_id",
    "method",
    "effective_group_id",
)


def with_spans(inline: pl.DataFrame) -> pl.DataFrame:
    """``inline`` (whose spans are unknown) with the spans a warehouse stores, computed here apart
    from the SQL: per session and thread, over its ended rows, the smallest interception id marked,
    the first and last start, how many there are, and a bit per group key in which two of them differ (NULL a value
    of its own). A row without a key has no span; a key without an ended row marks none."""
    for kind in ("session", "thread"):
        key = f"{kind}_key"
        ended = inline.filter(pl.col("ended_at").is_not_null() & pl.col(key).is_not_null())
        utc = pl.col("started_at").dt.convert_time_zone("UTC")
        starts = {
            128: utc.dt.date(),  # the UTC day
            256: utc.dt.truncate("1w").dt.date(),  # the UTC week, from Monday
            512: utc,  # the start
        }
        varies = pl.sum_horizontal(
            *(pl.when(pl.col(c).n_unique() > 1).then(1 << bit).otherwise(0) for bit, c in enumerate(SPAN_KEYS)),
            *(pl.when(e.n_unique() > 1).then(bit).otherwise(0) for bit, e in starts.items()),
        )
        spans = ended.group_by(key).agg(
            pl.col("interception_id").min().alias("rep"),
            varies.cast(pl.Int64).alias(f"{kind}_varies"),
            pl.col("started_at").min().alias(f"{kind}_from"),
            pl.col("started_at").max().alias(f"{kind}_to"),
            pl.len().cast(pl.Int64).alias(f"{kind}_size"),
        )
        inline = (
            inline.drop(f"{kind}_rep", f"{kind}_varies", f"{kind}_from", f"{kind}_to", f"{kind}_size")
            .join(spans, on=key, how="left")
            .with_columns(
                pl.when(pl.col(key).is_not_null())
                .then((pl.col("interception_id") == pl.col("rep")).fill_null(False))
                .alias(f"{kind}_rep")
            )
            .drop("rep")
        )
    return inline


def _insert(conn, table: str, row: dict) -> None:
    columns = ", ".join(row)
    conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(row))})", list(row.values()))


class _History:
    """A Coder database that changes between syncs, as a deployment's does."""

    def __init__(self, conn) -> None:
        self.conn, self.day, self.count = conn, 1.0, 0
        self.providers = [provider("openai", "openai"), provider("anthropic", "anthropic")]
        load_postgres(conn, frames({"ai_providers": self.providers}))

    def new_rows(self, in_flight: bool) -> None:
        for i in range(2):
            self.count += 1
            name = self.providers[self.count % len(self.providers)]["name"]
            label = f"facts-{self.count}"
            row = interception(
                label,
                "openai",
                name,
                None,
                day=self.day,
                minutes=None if in_flight and i == 1 else 3.0,
                session=f"s{self.count % 3}",
                # Some syncs bring initiators the warehouse has not numbered yet.
                initiator=f"u{self.count % 5}",
            )
            _insert(self.conn, "aibridge_interceptions", row)
            for table, rows in _children(row["id"], label, self.day).items():
                for child in rows if table != "aibridge_model_thoughts" else []:
                    _insert(self.conn, table, child)
            self.day += 0.5

    def late_child(self) -> None:
        """A token usage whose transaction committed late, stamped inside the overlap window."""
        newest = self.conn.execute("SELECT id FROM aibridge_interceptions ORDER BY started_at LIMIT 1").fetchone()
        if newest is None:
            return
        self.count += 1
        self.conn.execute(
            "INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, "
            "output_tokens, cache_read_input_tokens, cache_write_input_tokens, created_at) "
            "SELECT %s, %s, 'late', 7, 3, 0, 0, COALESCE(MAX(created_at), %s) - interval '1 hour' "
            "FROM aibridge_token_usages",
            [uid(f"late/{self.count}"), newest[0], T0],
        )

    def end_in_flight(self) -> None:
        self.conn.execute(
            "UPDATE aibridge_interceptions SET ended_at = started_at + interval '4 minutes' WHERE ended_at IS NULL"
        )

    def soft_delete(self) -> None:
        live = [p for p in self.providers if not p["deleted"]]
        if len(live) > 1:
            gone = live[0]
            gone.update(deleted=True, enabled=False, updated_at=T0 + timedelta(days=self.day))
            self.conn.execute(
                "UPDATE ai_providers SET deleted = true, enabled = false, updated_at = %s WHERE id = %s",
                [gone["updated_at"], gone["id"]],
            )

    def add_provider(self) -> None:
        self.count += 1
        fresh = provider(f"router-{self.count}", "openrouter", created=int(self.day))
        self.providers.append(fresh)
        _insert(self.conn, "ai_providers", fresh)


class _Killed(Exception):
    pass


def _killed_sync(source: str, db: Path, at: int, monkeypatch) -> None:
    """A sync that dies inside its ``at``-th commit of rows (whatever it wrote there is rolled back)."""
    commits = iter(range(1_000))
    original = sync_module._Run._before_commit

    def dying(self, stream, rows):
        original(self, stream, rows)
        if next(commits) == at:
            raise _Killed

    with monkeypatch.context() as patched:
        patched.setattr(sync_module._Run, "_before_commit", dying)
        try:
            sync(source, db)
        except _Killed:
            pass


ACTIONS = ("new", "new_in_flight", "late_child", "end", "soft_delete", "add_provider", "sync", "killed_sync")


@pytest.mark.postgres
@settings(
    max_examples=int(os.environ.get("AIBRIDGE_FACT_EXAMPLES", "6")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 4)), min_size=2, max_size=9))
def test_any_sequence_of_syncs_leaves_the_facts_a_rebuild_would_make(new_pg_schema, tmp_path_factory, steps):
    schema = new_pg_schema()
    history = _History(schema.conn)
    history.new_rows(in_flight=True)
    db = tmp_path_factory.mktemp("facts") / "w.duckdb"
    sync(url(schema), db)
    with pytest.MonkeyPatch.context() as monkeypatch:
        # Changed interceptions are recomputed however many there are: the incremental path is the
        # one under test (a full build is the inline relation itself).
        monkeypatch.setattr(facts, "REBUILD_SHARE", 1.0)
        for action, n in steps:
            if action == "sync":
                sync(url(schema), db)
                stored, inline = stored_and_inline(db)
                assert_same_rows(stored, inline)  # a completed sync leaves them exact
            elif action == "killed_sync":
                _killed_sync(url(schema), db, n, monkeypatch)
            elif action in ("new", "new_in_flight"):
                history.new_rows(in_flight=action == "new_in_flight")
            else:
                getattr(history, {"late_child": "late_child", "end": "end_in_flight"}.get(action, action))()
    # Whatever happened last, a reader never sees stale facts: it refreshes them (or reads inline).
    with connect(db) as con:
        assert con.facts == "stored"
    stored, inline = stored_and_inline(db)
    with duckdb.connect(str(db), read_only=True) as warehouse:
        assert stored.height == warehouse.execute("SELECT count(*) FROM aibridge_interceptions").fetchone()[0]
    assert_same_rows(stored, inline)


@pytest.mark.postgres
def test_a_refresh_marks_the_sessions_and_threads_its_new_rows_join(new_pg_schema, tmp_path, monkeypatch):
    """New rows joining stored sessions (and ending an in-flight one) are recomputed, not rebuilt;
    every span they touch is what a rebuild would store."""
    schema = new_pg_schema()
    history = _History(schema.conn)
    history.new_rows(in_flight=True)
    db = tmp_path / "w.duckdb"
    sync(url(schema), db)
    monkeypatch.setattr(facts, "REBUILD_SHARE", 1.0)
    history.new_rows(in_flight=False)
    history.end_in_flight()
    sync(url(schema), db)
    stored, inline = stored_and_inline(db)
    assert stored["session_rep"].is_not_null().all()
    assert_same_rows(stored, inline)


@pytest.mark.postgres
def test_a_sync_with_nothing_new_recomputes_no_facts(new_pg_schema, tmp_path):
    """The overlap window is re-read on every sync; rows that come back unchanged leave their
    facts alone, and an interception that ended since, or a late child row, is recomputed."""
    schema = new_pg_schema()
    history = _History(schema.conn)
    history.new_rows(in_flight=True)
    history.new_rows(in_flight=False)
    db = tmp_path / "w.duckdb"
    sync(url(schema), db)
    assert sync(url(schema), db).facts == "facts up to date"
    history.end_in_flight()
    assert sync(url(schema), db).facts.startswith("facts of ")
    history.late_child()
    assert "recomputed" in sync(url(schema), db).facts
    assert sync(url(schema), db).facts == "facts up to date"
    assert_same_rows(*stored_and_inline(db))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("facts-demo") / "demo.duckdb"
    build_demo(path, 3_000, 5)
    return path


def test_the_demo_is_built_with_its_facts_and_a_reader_uses_them(demo_db):
    with connect(demo_db) as con:
        assert con.facts == "stored"
        assert "aibridge_facts" in con.render("summaries/figures").sql
    stored, inline = stored_and_inline(demo_db)
    assert stored.height == 3_000
    assert_same_rows(stored, inline)


@pytest.mark.postgres
def test_summaries_from_stored_facts_equal_the_inline_path_on_both_engines(demo_db, pg_schema):
    from aibridge_analytics.demo.pgload import copy_warehouse_to_postgres

    with duckdb.connect(str(demo_db), read_only=True) as source:
        copy_warehouse_to_postgres(source, pg_schema.conn)
    raw = DuckDBConnection(duckdb.connect(str(demo_db), read_only=True))  # no stored facts bound: inline
    first, last = _history_span(demo_db)
    # A range whose ends cut through sessions and threads (they count by key there), and none.
    # And ends around the whole history, where the stored facts' spans are not compared with them.
    ranges = [
        (None, None),
        (first + (last - first) / 3 + timedelta(hours=13), first + (last - first) * 2 / 3),
        (first, last + timedelta(microseconds=1)),
    ]
    with connect(demo_db) as stored, connect(url(pg_schema)) as pg, raw:
        assert stored.facts == "stored" and pg.facts == "inline" and raw.facts == "inline"
        # The stored facts count initiators as bits (their numbers are dense), the others by a distinct count.
        # and order the percentiles by 32-bit durations (every demo duration fits).
        bits = summaries.fact_bits(stored)
        rendered = stored.render("summaries/figures", keys=["model"], bits=bits).sql
        assert "BITSTRING_AGG" in rendered and "CAST(k.duration_us AS INT)" in rendered
        assert summaries.fact_bits(raw) == summaries.fact_bits(pg) == {}
        cases = [("Europe/Berlin", ranges[0]), ("UTC", ranges[0]), ("UTC", ranges[1]), ("Europe/Berlin", ranges[2])]
        for tz, (since, until) in cases:
            for key in summaries.KEYS:
                by = ["provider", key] if key != "provider" else ["provider"]
                figures = [summaries.summarise(c, by, tz=tz, since=since, until=until) for c in (stored, raw, pg)]
                for other in figures[1:]:
                    assert_same_rows(figures[0].frame, other.frame)
                    assert_same_rows(
                        figures[0].completeness.drop("now", strict=False),
                        other.completeness.drop("now", strict=False),
                    )
            # The report's session figures, which also count by the marks where they can.
            window = Window(since or first, until or last + timedelta(seconds=1), tz, "test")
            found = [report_data.sessions(c, window) for c in (stored, raw, pg)]
            assert found[0]["sessions"] > 0 and found[0] == found[1] == found[2], found
            # Its tools, which add up the tool facts (stored, or computed from the tool calls).
            assert "aibridge_tool_facts" in stored.render("report/tools", window.params()).sql
            tools = [c.query("report/tools", {**window.params(), "limit": 100}) for c in (stored, raw, pg)]
            assert tools[0].height > 0 and tools[0]["errors"].sum() > 0
            assert_same_rows(tools[0], tools[1])
            assert_same_rows(tools[0], tools[2])


def test_initiators_are_counted_in_bits_only_where_their_numbers_fit(demo_db, monkeypatch):
    with connect(demo_db) as con:
        largest = con.query("summaries/widths")["initiator_numbers"].item()
        initiators = con.query("facts/stored")["initiator_id"].n_unique()
        assert largest == initiators  # numbered densely from 1
        width = summaries.fact_bits(con)["initiator_key"]
        assert width >= largest and width & (width - 1) == 0 and width < max(2 * largest, 128)
        monkeypatch.setattr(summaries, "MAX_INITIATOR_BITS", width // 2)
        assert "initiator_key" not in summaries.fact_bits(con)
        # Too many to count in bits: the figures are the same, by a distinct count.
        frame = summaries.summary(con, ["day"])
    monkeypatch.undo()
    with connect(demo_db) as con:
        assert_same_rows(frame, summaries.summary(con, ["day"]))


@pytest.mark.parametrize("micros", [2**31 - 1, 2**31])
def test_durations_are_ordered_as_32_bit_integers_only_where_every_one_fits(demo_db, tmp_path, micros):
    from aibridge_analytics.cli import main

    db = tmp_path / "w.duckdb"
    db.write_bytes(demo_db.read_bytes())
    with duckdb.connect(str(db)) as raw:  # one interception that ran for `micros` microseconds
        raw.execute(
            "UPDATE aibridge_interceptions SET ended_at = started_at + to_microseconds(?) "
            "WHERE id = (SELECT MIN(id) FROM aibridge_interceptions WHERE ended_at IS NOT NULL)",
            [micros],
        )
    assert main(["facts", "build", "--rebuild", "--db", str(db)]) == 0
    with connect(db) as con:
        assert con.query("summaries/widths")["longest_us"].item() == micros
        assert ("duration_us" in summaries.fact_bits(con)) == (micros < 2**31)
        stored = summaries.summary(con, ["provider", "model"])
    with DuckDBConnection(duckdb.connect(str(db), read_only=True)) as inline:
        assert inline.facts == "inline"
        assert_same_rows(stored, summaries.summary(inline, ["provider", "model"]))
    # No percentile beyond the longest duration, none at zero.
    assert stored["duration_p99_ms"].max() <= micros / 1000 and (stored["duration_p50_ms"] > 0).all()


def test_spans_are_inside_a_range_only_where_every_stored_fact_started_in_it(demo_db):
    first, last = _history_span(demo_db)
    tick = timedelta(microseconds=1)
    raw = DuckDBConnection(duckdb.connect(str(demo_db), read_only=True))
    with connect(demo_db) as stored, raw:
        assert summaries.spans_inside(stored, first, last + tick)
        assert summaries.spans_inside(stored, first - timedelta(days=400), last + timedelta(days=1))
        # A fact before the start or at the end (excluded), an open end, inline facts: compared.
        assert not summaries.spans_inside(stored, first + tick, last + tick)
        assert not summaries.spans_inside(stored, first, last)
        assert not summaries.spans_inside(stored, None, last + tick)
        assert not summaries.spans_inside(raw, first, last + tick)
    # Flagged, DuckDB reads neither span column: it binds the values before planning.
    with duckdb.connect(str(demo_db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        for inside in (False, True):
            params = {"since": first, "until": last + tick, "tz": "UTC", "span_mask": 3, "spans_inside": inside}
            with connect(demo_db) as stored:
                rendered = stored.render("summaries/figures", params)
            plan = con.execute("EXPLAIN (FORMAT JSON) " + rendered.sql, dict(rendered.params)).fetchall()[0][1]
            read = set(_scanned(json.loads(plan), "aibridge_facts"))
            spans = {"session_from", "session_to", "thread_from", "thread_to"}
            assert "duration_us" in read and (read & spans == (set() if inside else spans)), read


def _scanned(plan: list[dict], table: str) -> list[str]:
    """The columns an EXPLAIN (FORMAT JSON) plan's scans of ``table`` read."""
    found = []
    for node in plan:
        info = node.get("extra_info", {})
        if table in str(info.get("Table", "")):
            found += info.get("Projections", [])
        found += _scanned(node.get("children", []), table)
    return found


def _history_span(db: Path):
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute("SELECT MIN(started_at), MAX(started_at) FROM aibridge_interceptions").fetchall()[0]


def test_the_demo_counts_sessions_both_by_their_marked_row_and_by_their_key(demo_db):
    """The demo has sessions and threads lying whole in one provider (counted by their marked row)
    and others spread over providers or days (counted by key), so the tests above take both paths."""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        for kind in ("session", "thread"):
            counted = "COUNT(DISTINCT {k}_key) FILTER (WHERE NOT ended_at IS NULL AND {cond})"
            marked, spread, over_days = con.execute(
                "SELECT "
                + ", ".join(
                    counted.format(k=kind, cond=cond)
                    for cond in (
                        f"{kind}_rep",
                        f"({kind}_varies & 3) <> 0",
                        f"CAST({kind}_from AS DATE) <> CAST({kind}_to AS DATE)",
                    )
                )
                + " FROM aibridge_facts"
            ).fetchall()[0]
            assert marked > 100 and spread > 0 and over_days > 0, (kind, marked, spread, over_days)


def test_every_summary_key_has_its_span_bit():
    assert set(summaries.SPAN_BITS) == set(summaries.KEYS)
    every = list(summaries.KEYS)
    # keyed.sql's default, 1023, counts as every key in any zone does.
    assert summaries.span_mask(every, "UTC") | summaries.span_mask(every, "Europe/Berlin") == 1023
    assert summaries.span_mask(["provider", "day"], "UTC") == 1 | 2 | 128
    assert summaries.span_mask(["provider", "week"], "Asia/Kolkata") == 1 | 2 | summaries.SPAN_START


@pytest.mark.postgres
def test_the_verification_from_stored_verdicts_equals_the_inline_path_on_both_engines(demo_db, pg_schema):
    from aibridge_analytics.demo.pgload import copy_warehouse_to_postgres
    from aibridge_analytics.pipelines.verification import verify_backfill

    with duckdb.connect(str(demo_db), read_only=True) as source:
        copy_warehouse_to_postgres(source, pg_schema.conn)
    raw = DuckDBConnection(duckdb.connect(str(demo_db), read_only=True))  # no stored facts bound: inline
    with connect(demo_db) as stored, connect(url(pg_schema)) as pg, raw:
        assert "aibridge_facts" in stored.render("verification/classes", {"has_provider_id": True}).sql
        reports = [verify_backfill(c, samples=2).to_dict() for c in (stored, raw, pg)]
    assert reports[0]["classes"] and reports[0]["findings"]
    for report in reports:
        # The one figure that depends on the source: PostgreSQL tells its enum's labels, a file does not.
        copilot = next(f for f in report["findings"] if f["finding"] == "copilot_same_transaction")
        copilot["severity"] = copilot["examples"] = None
    for other in reports[1:]:
        for part in ("classes", "by_provider", "strict", "samples", "findings", "invariants", "coder_filter", "clean"):
            assert reports[0][part] == other[part], part


def test_a_stale_warehouse_that_cannot_be_written_is_read_inline_and_says_so(demo_db, tmp_path):
    db = tmp_path / "stale.duckdb"
    db.write_bytes(demo_db.read_bytes())
    raw = duckdb.connect(str(db))
    raw.execute("UPDATE aibridge_token_usages SET output_tokens = output_tokens + 1000")
    raw.execute("CREATE TABLE aibridge_facts_changed AS SELECT id AS interception_id FROM aibridge_interceptions")
    raw.close()
    # A notebook in another process has the warehouse open: it can be read, not written.
    reader = subprocess.Popen(
        [sys.executable, "-c", _HOLD_READ_ONLY, str(db)], stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "holding"
        with connect(db) as con:
            assert con.facts.startswith("inline: ")
            assert "changed since the facts were stored" in con.facts and "cannot be written" in con.facts
            result = summaries.summarise(con, ["provider"])
            assert "facts computed inline" in result.describe()
            frame = result.frame
    finally:
        reader.communicate("done\n", timeout=30)
    with connect(db) as con:  # writable again: refreshed, and the same figures
        assert con.facts == "stored"
        assert_same_rows(summaries.summarise(con, ["provider"]).frame, frame)
    stored, inline = stored_and_inline(db)
    assert_same_rows(stored, inline)
    assert inline["output_tokens"].sum() > 1000  # the change is in the figures


_HOLD_READ_ONLY = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
sys.stdin.readline()
"""


def test_facts_status_and_build_commands(demo_db, tmp_path, capsys):
    from aibridge_analytics.cli import main

    db = tmp_path / "w.duckdb"
    db.write_bytes(demo_db.read_bytes())
    assert main(["facts", "status", "--db", str(db)]) == 0
    assert capsys.readouterr().out.strip() == "stored facts: fresh"
    with duckdb.connect(str(db)) as raw:  # a provider renamed behind the facts' back
        raw.execute("UPDATE ai_providers SET name = name || '-renamed' WHERE name = 'openai'")
    assert main(["facts", "status", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("stored facts: stale: ") and "other providers" in out
    assert main(["facts", "build", "--db", str(db)]) == 0
    assert capsys.readouterr().out.strip() == "facts of 3,000 interception(s) built"
    assert main(["facts", "status", "--db", str(db)]) == 0
    assert capsys.readouterr().out.strip() == "stored facts: fresh"
    stored, inline = stored_and_inline(db)
    assert_same_rows(stored, inline)
    assert "openai-renamed" in set(stored["provider_name"].drop_nulls())


@pytest.fixture
def catalogue_copy(tmp_path, monkeypatch):
    """A copy of the SQL catalogue that the package reads instead of its own, to edit."""
    import shutil

    from aibridge_analytics.catalogue import loader

    copy = tmp_path / "sql"
    shutil.copytree(loader.sql_dir(), copy)
    cached = (loader._files, loader.headers, loader.relations, loader.fingerprint, loader.digest, loader._parsed)
    for function in cached:
        function.cache_clear()
    monkeypatch.setattr(loader, "sql_dir", lambda: copy)
    yield copy
    monkeypatch.undo()
    for function in cached:
        function.cache_clear()


def test_only_a_change_of_the_sql_the_facts_are_made_of_makes_them_stale(demo_db, tmp_path, catalogue_copy):
    # An upgrade that changes a report's query keeps a large warehouse's facts, which take hours
    # to rebuild at a hundred million interceptions; one that changes what a fact reads does not.
    from aibridge_analytics.catalogue import loader

    db = tmp_path / "w.duckdb"
    db.write_bytes(demo_db.read_bytes())

    def edited(name: str) -> str:
        with (catalogue_copy / f"{name}.sql").open("a", encoding="utf-8") as sql:
            sql.write("\n-- edited\n")
        for function in (loader._files, loader.fingerprint, loader.digest):
            function.cache_clear()
        return facts.inspect(db).reason

    assert facts.inspect(db).fresh
    assert edited("report/tools") == "" and edited("summaries/figures") == ""
    before = facts.definition()
    # Not under warehouse/facts/: the facts read it through the relations facts -> summary_child_rows.
    assert "another definition" in edited("summaries/child_rows")
    assert facts.definition() != before
    before = facts.definition()
    # The tool facts are made with them: their SQL is part of the definition too.
    edited("facts/tool_rows")
    assert facts.definition() != before


@pytest.mark.parametrize("chunk", [1, 700])
def test_a_build_in_chunks_of_whole_days_makes_the_facts_a_build_at_once_makes(demo_db, tmp_path, monkeypatch, chunk):
    """Past `facts.BUILD_CHUNK` interceptions a full build goes a chunk of whole days at a time (one
    day each with a chunk of 1): the facts, their keys and marks are those of the rows, as at once."""
    db = tmp_path / "w.duckdb"
    db.write_bytes(demo_db.read_bytes())
    with duckdb.connect(str(db), read_only=True) as raw:
        days, newest = raw.execute(
            "SELECT COUNT(DISTINCT DATE_TRUNC('day', started_at)), MAX(started_at) FROM aibridge_interceptions"
        ).fetchall()[0]
    with connect(db) as con:
        before = {
            by: summaries.summary(con, by=by, now=newest) for by in ("provider", "provider,initiator,day", "model,week")
        }
    monkeypatch.setattr(facts, "BUILD_CHUNK", chunk)
    heard: list[tuple[int, int, str]] = []
    said = facts.build(db, rebuild=True, progress=lambda done, total, step: heard.append((done, total, step)))
    chunks = int(said.split(" in ")[1].split()[0])
    assert said.startswith("facts of 3,000 interception(s) built in ") and said.endswith("chunks of whole days")
    assert chunks == days if chunk == 1 else 1 < chunks < days
    # Each chunk is announced before it is built (facts build shows them on a terminal).
    assert [(done, total) for done, total, _ in heard] == [(i, chunks) for i in range(chunks)]
    assert heard[0][2] == f"chunk 1 of {chunks} (the first days)" and heard[1][2].startswith(
        f"chunk 2 of {chunks} (from "
    )
    assert facts.inspect(db).fresh
    assert_same_rows(*stored_and_inline(db))
    with duckdb.connect(str(db), read_only=True) as raw:  # stored in start order, as a build at once
        starts = [r[0] for r in raw.execute("SELECT started_at FROM aibridge_facts").fetchall()]
        assert raw.execute("SELECT COUNT(*) FROM aibridge_facts_changed").fetchall() == [(0,)]
    assert starts == sorted(starts)
    with connect(db) as con:
        assert con.facts == "stored"
        for by, frame in before.items():
            assert summaries.summary(con, by=by, now=newest).equals(frame), by


@pytest.fixture(scope="module")
def large_db(tmp_path_factory) -> Path:
    """200,000 interceptions of the benchmark's demo shape, with their facts: held to 192 MB, far more than DuckDB
    can build the facts of in one step (that took 320-400 MB), while chunks of a quarter or an
    eighth of them fit (at 160 MB chunks of an eighth did)."""
    path = tmp_path_factory.mktemp("memory") / "large.duckdb"
    build_scale(path, "demo", 200_000)
    facts.build(path)
    return path


def test_a_build_that_runs_out_of_memory_goes_on_in_halves(large_db, tmp_path, monkeypatch):
    """A step that runs out of DuckDB's memory (a real limit, not a simulated failure) is rolled
    back and built again in halves, the chunks after it cut to that size: the facts are those a
    build at once makes, and the message says what happened."""
    db = tmp_path / "w.duckdb"
    db.write_bytes(large_db.read_bytes())
    monkeypatch.setenv(store.MEMORY_LIMIT_ENV, "192MB")
    # Chunks sized as if each GB held far more than it does: the step at once is tried, and runs out.
    monkeypatch.setattr(facts, "CHUNK_PER_GB", 10 * facts.BUILD_CHUNK)
    heard: list[tuple[int, int, str]] = []
    said = facts.build(db, rebuild=True, progress=lambda done, total, step: heard.append((done, total, step)))
    monkeypatch.delenv(store.MEMORY_LIMIT_ENV)
    assert said.startswith("facts of 200,000 interception(s) built in ")
    assert "time(s) a chunk ran out of memory and was built again in halves)" in said
    # The one step failed first; then each chunk was announced, the count growing as chunks were halved.
    assert heard[0] == (0, 1, "building the facts of 200,000 interception(s)")
    again = "; the step before it ran out of memory: built in halves)"
    assert heard[1][2] == f"chunk 1 of {heard[1][1]} (the first days{again}" and heard[1][1] >= 2
    assert any(not step.endswith(again) for _, _, step in heard[2:])  # a half that fit: the next goes on
    assert [total for _, total, _ in heard[1:]] == sorted(total for _, total, _ in heard[1:])
    assert facts.inspect(db).fresh
    assert_same_rows(*stored_and_inline(db))


def test_a_refresh_of_more_changed_rows_than_fit_at_once_builds_the_facts_in_halves(large_db, tmp_path, monkeypatch):
    """Recomputing the changed interceptions in one step that runs out of memory (a quarter of
    the rows, held to 128 MB: they took 176-192 MB) is rolled back, and the facts built as a full
    build goes, in chunks halved as they need."""
    db = tmp_path / "w.duckdb"
    db.write_bytes(large_db.read_bytes())
    with duckdb.connect(str(db)) as raw:  # as a sync leaves a quarter of the rows changed
        newest = "SELECT id FROM aibridge_interceptions ORDER BY started_at DESC LIMIT 50000"
        raw.execute(f"UPDATE aibridge_interceptions SET model = 'changed-since' WHERE id IN ({newest})")
        raw.execute("CREATE TABLE IF NOT EXISTS aibridge_facts_changed (interception_id UUID NOT NULL)")
        raw.execute(f"INSERT INTO aibridge_facts_changed {newest}")
    # Down to chunks of 6,250: this limit needs chunks of 12,500, four halvings after the whole step.
    monkeypatch.setattr(facts, "HALVINGS", 6)
    monkeypatch.setenv(store.MEMORY_LIMIT_ENV, "128MB")
    said = facts.build(db)
    monkeypatch.delenv(store.MEMORY_LIMIT_ENV)
    assert said.startswith(
        "recomputing the facts of 50,000 changed interception(s) ran out of memory; "
        "facts of 200,000 interception(s) built in "
    )
    assert facts.inspect(db).fresh
    assert_same_rows(*stored_and_inline(db))
    with duckdb.connect(str(db), read_only=True) as raw:
        assert raw.execute("SELECT COUNT(*) FROM aibridge_facts WHERE model = 'changed-since'").fetchall() == [
            (50_000,)
        ]


def test_a_build_that_runs_out_of_memory_in_its_smallest_chunks_stops_in_one_line(
    large_db, tmp_path, monkeypatch, capsys
):
    """Past `facts.HALVINGS` halvings the build stops: one line naming the limit and how to give
    DuckDB more, the rows untouched and the facts read as unfinished, never as fresh."""
    from aibridge_analytics.cli import main

    db = tmp_path / "w.duckdb"
    db.write_bytes(large_db.read_bytes())
    monkeypatch.setenv(store.MEMORY_LIMIT_ENV, "64MB")
    assert main(["facts", "build", "--db", str(db), "--rebuild"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "Out of Memory" in err and "memory is held to 64MB; AIBRIDGE_MEMORY_LIMIT=8GB" in err
    monkeypatch.delenv(store.MEMORY_LIMIT_ENV)
    with duckdb.connect(str(db), read_only=True) as raw:
        assert raw.execute("SELECT COUNT(*) FROM aibridge_interceptions").fetchall() == [(200_000,)]
    assert not facts.inspect(db).fresh
    # What the build does when memory runs short is in its help, with the limit and the halvings.
    with pytest.raises(SystemExit):
        main(["facts", "build", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert f"held to {store.MEMORY_LIMIT[:-2]} GB (AIBRIDGE_MEMORY_LIMIT sets another limit" in shown
    assert "built again in halves, up to four times" in shown and facts.HALVINGS == 4
    assert f"about {facts.CHUNK_PER_GB / 1e6:g} million interceptions per GB of it" in shown
    assert f"at most {facts.BUILD_CHUNK // 10**6} million" in shown


def _midnight(day: int) -> datetime:
    return datetime(2026, 9, 1, tzinfo=UTC) + timedelta(days=day)


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(st.integers(0, 500), min_size=1, max_size=20),
    unstarted=st.integers(0, 5),
    limit=st.integers(1, 3_000),
    resume=st.none() | st.tuples(st.integers(0, 19), st.integers(1, 86_399)),
    steps=st.lists(st.booleans(), max_size=30),
)
# Halved chunk by chunk, the last day of the chunk under way made a chunk of its own.
@example(counts=[1, 3, 2, 1], unstarted=0, limit=6, resume=None, steps=[True])
def test_chunks_cover_the_history_in_order_however_they_are_halved(counts, unstarted, limit, resume, steps):
    """The chunks of a build in chunks, halved or built in any order of events, are ranges of
    start times that follow one another from where the build starts to the end, each holding
    interceptions; a chunk of several days is whole days, of at most the limit in force when it
    was cut; halving makes the chunk under way smaller."""
    days: list[tuple[datetime | None, int]] = [(None, unstarted)] if unstarted else []
    days += [(_midnight(day), count) for day, count in enumerate(counts) if count]
    if len(days) == bool(unstarted):
        return  # no interception started: no chunks to cut
    after = None if resume is None else _midnight(resume[0]) + timedelta(seconds=resume[1])
    chunks = facts._Chunks(days, after, limit)
    ranges: list[tuple[datetime | None, datetime | None]] = []
    for halve in steps:
        if not chunks.left:
            break
        if halve and chunks.can_halve():
            since, until = chunks.left[0]
            before = (until or _midnight(40)) - (since or _midnight(-1))
            chunks.halve()
            first = chunks.left[0]
            assert first[0] == since and (first[1] or _midnight(40)) - (first[0] or _midnight(-1)) < before
            # A chunk of whole days halved: what is left is cut anew into as few chunks as whole
            # days of the new limit allow, no two of them next to each other fitting in one.
            if not chunks.split_days:
                whole = [(a, b) for a, b in chunks.left if a is not None and a.time() == time(0)]
                for one, two in zip(whole, whole[1:], strict=False):
                    if one[1] == two[0]:
                        assert chunks._size(*one) + chunks._size(*two) > chunks.limit
        else:
            ranges.append(chunks.left[0])
            chunks.finished()
    ranges += chunks.left
    assert ranges[0][0] == after and ranges[-1][1] is None
    assert all(one[1] == two[0] for one, two in zip(ranges, ranges[1:], strict=False))
    assert all(since is None or until is None or since < until for since, until in ranges)
    for since, until in ranges[:-1]:  # each chunk holds a day with interceptions, or a part of one
        assert any(
            day is not None and (since is None or day + facts.DAY > since) and (until is None or day < until)
            for day, _ in days
        )
    if not chunks.halved:  # several whole days hold at most the limit
        for since, until in ranges:
            within = [
                (day, count)
                for day, count in days
                if day is not None and (since is None or day >= since) and (until is None or day < until)
            ]
            assert len(within) <= 1 or sum(count for _, count in within) <= limit


@pytest.mark.parametrize("rebuild", [False, True])
def test_a_refresh_stopped_after_storing_the_tool_facts_leaves_both_as_they_were(
    demo_db, tmp_path, monkeypatch, rebuild
):
    """The tool facts are stored in the transaction of the facts: a refresh stopped between the
    two, recomputing changed interceptions or building whole, leaves both as they were, and the
    next refresh makes both exact."""
    db = tmp_path / "w.duckdb"
    db.write_bytes(demo_db.read_bytes())
    with duckdb.connect(str(db)) as raw:  # as a sync records the interceptions whose rows it wrote
        raw.execute("CREATE TABLE IF NOT EXISTS aibridge_facts_changed (interception_id UUID NOT NULL)")
        raw.execute(
            "INSERT INTO aibridge_facts_changed SELECT DISTINCT interception_id FROM aibridge_tool_usages LIMIT 20"
        )
        raw.execute(
            "UPDATE aibridge_tool_usages SET tool = 'renamed' "
            "WHERE interception_id IN (SELECT interception_id FROM aibridge_facts_changed)"
        )
    original = store.Warehouse.run

    def stopping(self, name, *args, **kwargs):
        if name == facts.STAGES[0][0]:  # the tool facts are stored by now
            assert self.value("schema/has_table", {"table": facts.TOOL_TABLE})
            raise _Killed
        return original(self, name, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(store.Warehouse, "run", stopping)
        with pytest.raises(_Killed):
            facts.build(db, rebuild=rebuild)
    with duckdb.connect(str(db), read_only=True) as raw:
        assert raw.execute("SELECT COUNT(*) FROM aibridge_tool_facts WHERE tool = 'renamed'").fetchall() == [(0,)]
    found = facts.inspect(db)
    assert not found.fresh and "20 interception(s) changed" in found.reason
    with connect(db) as con:  # a reader refreshes them first
        assert con.facts == "stored"
    assert facts.inspect(db).fresh
    assert_same_rows(*stored_and_inline(db))
    with duckdb.connect(str(db), read_only=True) as raw:
        assert raw.execute("SELECT COUNT(*) FROM aibridge_tool_facts WHERE tool = 'renamed'").fetchall()[0][0] > 0


def _killed_in_third_chunk(db: Path, monkeypatch) -> int:
    """Build the facts of ``db`` in chunks of about 700 interceptions and kill the build in its
    third chunk, after two were committed; returns how many chunks a whole build makes."""
    monkeypatch.setattr(facts, "BUILD_CHUNK", 700)
    whole = facts.build(db, rebuild=True)
    recompute = facts._recompute
    calls = []

    def dying(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 4:  # the empty table, two chunks, then killed in the third
            raise KeyboardInterrupt
        return recompute(*args, **kwargs)

    monkeypatch.setattr(facts, "_recompute", dying)
    with pytest.raises(KeyboardInterrupt):
        facts.build(db, rebuild=True)
    monkeypatch.setattr(facts, "_recompute", recompute)
    return int(whole.split(" in ")[1].split()[0])


def test_a_build_in_chunks_stopped_half_way_is_never_read_and_the_next_build_goes_on_from_it(
    demo_db, tmp_path, monkeypatch
):
    """Each chunk is committed (DuckDB frees a step's temporary tables only then); the facts of a
    build killed after two chunks are marked unfinished, never fresh, and the next build goes on
    with the third chunk, recomputing first what a sync changed in the meantime."""
    db = tmp_path / "w.duckdb"
    db.write_bytes(demo_db.read_bytes())
    chunks = _killed_in_third_chunk(db, monkeypatch)
    found = facts.inspect(db)
    assert not found.fresh and "unfinished" in found.reason and "the next build goes on from 20" in found.reason
    with duckdb.connect(str(db)) as raw:  # two chunks committed, the third rolled back
        assert 0 < raw.execute("SELECT COUNT(*) FROM aibridge_facts").fetchall()[0][0] < 3_000
        # A sync in the meantime changes interceptions of the first chunk, already built.
        first = "SELECT id FROM aibridge_interceptions ORDER BY started_at NULLS FIRST LIMIT 5"
        raw.execute(f"UPDATE aibridge_interceptions SET model = 'changed-since' WHERE id IN ({first})")
        raw.execute(f"INSERT INTO aibridge_facts_changed {first}")
    with connect(db) as con:  # writable: the build goes on first
        assert con.facts == "stored"
    assert_same_rows(*stored_and_inline(db))
    with duckdb.connect(str(db), read_only=True) as raw:
        assert raw.execute("SELECT COUNT(*) FROM aibridge_facts WHERE model = 'changed-since'").fetchall() == [(5,)]
    # Going on took the chunks left, not all of them again.
    db2 = tmp_path / "w2.duckdb"
    db2.write_bytes(demo_db.read_bytes())
    _killed_in_third_chunk(db2, monkeypatch)
    # In chunks of the size the stopped build had come to (smaller after a chunk ran out of
    # memory), whatever the size it would start with now.
    monkeypatch.setattr(facts, "BUILD_CHUNK", 10**9)
    done = facts.build(db2)
    assert "a stopped build went on from" in done and done.endswith(f"in {chunks - 2} chunk(s) of whole days")
    assert_same_rows(*stored_and_inline(db2))


def test_a_stopped_build_goes_on_in_smaller_chunks_when_duckdb_has_less_memory_now(demo_db, tmp_path, monkeypatch):
    """The recorded chunk size is what fitted the memory of then; with less now, the chunks are cut to it."""
    db = tmp_path / "w.duckdb"
    db.write_bytes(demo_db.read_bytes())
    chunks = _killed_in_third_chunk(db, monkeypatch)  # chunks of about 700
    monkeypatch.setattr(facts, "BUILD_CHUNK", 200)
    done = facts.build(db)
    assert "a stopped build went on from" in done
    assert int(done.split(" in ")[-1].split()[0]) > chunks - 2
    assert_same_rows(*stored_and_inline(db))


@pytest.mark.parametrize(
    ("size", "expected"), [("2GB", 2 * 10**9), ("512MiB", 512 * 2**20), (" 1.5 gb ", 15 * 10**8), ("64MB", 64 * 10**6)]
)
def test_memory_sizes_are_read_as_duckdb_reads_them(size, expected):
    # DuckDB shows 2GB as 1.8 GiB: a GB is 1000^3 bytes, a GiB 1024^3.
    assert store.memory_bytes(size) == expected


def test_the_chunks_of_a_build_grow_with_duckdbs_memory(demo_db, tmp_path, monkeypatch):
    """A chunk holds `facts.CHUNK_PER_GB` interceptions per GB of DuckDB's memory limit, at most
    `facts.BUILD_CHUNK`: with more memory the same warehouse is built in fewer, larger chunks."""
    db = tmp_path / "w.duckdb"
    db.write_bytes(demo_db.read_bytes())
    assert facts.build_chunk() == facts.CHUNK_PER_GB * 2  # the default 2 GB
    monkeypatch.setattr(facts, "CHUNK_PER_GB", 1_000)  # the demo's 3,000 interceptions: chunks of 2,000
    said = facts.build(db, rebuild=True)
    assert said.startswith("facts of 3,000 interception(s) built in ") and said.endswith("chunks of whole days")
    assert int(said.split(" in ")[1].split()[0]) >= 2
    monkeypatch.setenv(store.MEMORY_LIMIT_ENV, "4GB")
    assert facts.build_chunk() == 4_000
    assert facts.build(db, rebuild=True) == "facts of 3,000 interception(s) built"
    assert_same_rows(*stored_and_inline(db))
    monkeypatch.setattr(facts, "BUILD_CHUNK", 2_500)
    assert facts.build_chunk() == 2_500


@pytest.mark.parametrize("damage", ["not a date", "2026-13-45", "2026-09-10", ""])
def test_a_damaged_record_of_a_stopped_build_starts_it_again(demo_db, tmp_path, monkeypatch, damage):
    """Where a stopped build goes on from is data in the warehouse: a value no build wrote (a naive
    or impossible date, text) is no reason for every command to fail; the build starts again."""
    db = tmp_path / "w.duckdb"
    db.write_bytes(demo_db.read_bytes())
    chunks = _killed_in_third_chunk(db, monkeypatch)
    with duckdb.connect(str(db)) as raw:
        raw.execute(
            "UPDATE warehouse_meta SET value = split_part(value, ' ', 1) || ' ' || ? WHERE key = ?",
            [damage, facts.BUILDING_KEY],
        )
    assert facts.inspect(db).reason.endswith("the next build starts again)")
    assert facts.build(db) == f"facts of 3,000 interception(s) built in {chunks} chunks of whole days"
    assert_same_rows(*stored_and_inline(db))


def test_a_stopped_build_starts_again_when_the_providers_changed(demo_db, tmp_path, monkeypatch):
    """Chunks built with other providers (or another definition) are not gone on from: the
    attribution of every row may differ, so the build starts again."""
    db = tmp_path / "w.duckdb"
    db.write_bytes(demo_db.read_bytes())
    chunks = _killed_in_third_chunk(db, monkeypatch)
    with duckdb.connect(str(db)) as raw:
        raw.execute("UPDATE ai_providers SET name = name || '-renamed' WHERE id = (SELECT MIN(id) FROM ai_providers)")
    assert facts.inspect(db).reason.endswith("the next build starts again)")
    assert facts.build(db) == f"facts of 3,000 interception(s) built in {chunks} chunks of whole days"
    assert_same_rows(*stored_and_inline(db))


def test_a_command_that_refreshes_the_facts_first_shows_why_and_what_is_under_way(demo_db, tmp_path, monkeypatch):
    """On a terminal a command that finds the facts stale says what it is doing while it refreshes
    them (after an upgrade a large warehouse takes hours); off a terminal the steps are silent."""
    db = tmp_path / "w.duckdb"
    db.write_bytes(demo_db.read_bytes())
    with duckdb.connect(str(db)) as raw:  # as a sync records the interceptions it wrote
        raw.execute("CREATE TABLE IF NOT EXISTS aibridge_facts_changed (interception_id UUID NOT NULL)")
        raw.execute("INSERT INTO aibridge_facts_changed SELECT id FROM aibridge_interceptions LIMIT 20")
    shown: list[str] = []

    @contextmanager
    def steps(description, enabled=None):
        shown.append(description)
        yield lambda done, total, step: shown.append(f"{done}/{total} {step}")

    monkeypatch.setattr(facts, "steps", steps)
    with connect(db) as con:
        assert con.facts == "stored"
    assert shown == [
        "refreshing the stored facts first",
        "0/1 recomputing 20 changed interception(s)",
    ]
    with connect(db) as con:  # fresh now: nothing to show
        assert con.facts == "stored"
    assert len(shown) == 2


def test_a_warehouse_made_before_newer_columns_refreshes_its_facts(tmp_path, monkeypatch):
    """A warehouse an older version made lacks the columns declared since (the cost columns): the
    refresh recomputes changed interceptions from the columns the warehouse has."""
    db = tmp_path / "old.duckdb"
    build_demo(db, 300, 3)
    with duckdb.connect(str(db)) as con:
        for column in ("cost_micros", "input_price_micros"):
            con.execute(f"ALTER TABLE aibridge_token_usages DROP COLUMN {column}")
    facts.build(db, rebuild=True)
    monkeypatch.setattr(facts, "REBUILD_SHARE", 1.0)
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE IF NOT EXISTS aibridge_facts_changed (interception_id UUID NOT NULL)")
        con.execute("INSERT INTO aibridge_facts_changed SELECT id FROM aibridge_interceptions LIMIT 20")
    assert facts.build(db) == "facts of 20 changed interception(s) recomputed"
    assert_same_rows(*stored_and_inline(db))
