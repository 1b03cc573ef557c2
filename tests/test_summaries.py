"""Per-provider summaries: hand-checked figures, time zones, completeness, reconciliation against
raw totals, the SQL summary against the Polars oracle, DuckDB against PostgreSQL, the CLI."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from datasets import (
    DATA_FILE_TABLES,
    T0,
    assert_same_rows,
    dataset_strategy,
    driver,
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
from oracle import completeness, group, load_rows, raw_totals
from polars.testing import assert_frame_equal

import aibridge_analytics as aa
from aibridge_analytics.cli import main
from aibridge_analytics.errors import UsageError, ValidationFailed
from aibridge_analytics.pipelines import summaries
from aibridge_analytics.pipelines.schemas import ValidationWarning
from aibridge_analytics.pipelines.summaries import FIGURES

UTC = UTC


def token(
    label: str, of: str, inp: int, out: int, cache_read: int = 0, cache_write: int = 0, cost: int | None = None
) -> dict:
    return {
        "cost_micros": cost,
        "id": uid(f"tok/{label}"),
        "interception_id": uid(of),
        "provider_response_id": "r",
        "input_tokens": inp,
        "output_tokens": out,
        "cache_read_input_tokens": cache_read,
        "cache_write_input_tokens": cache_write,
        "metadata": None,
        "created_at": T0,
    }


def prompt(label: str, of: str) -> dict:
    return {
        "id": uid(f"prompt/{label}"),
        "interception_id": uid(of),
        "provider_response_id": "r",
        "prompt": "hi",
        "metadata": None,
        "created_at": T0,
    }


def tool(label: str, of: str, injected: bool, error: str | None = None) -> dict:
    return {
        "id": uid(f"tool/{label}"),
        "interception_id": uid(of),
        "provider_response_id": "r",
        "server_url": "https://mcp.example" if injected else None,
        "tool": "t",
        "input": "{}",
        "injected": injected,
        "invocation_error": error,
        "metadata": None,
        "created_at": T0,
    }


OPENAI = provider("openai", "openai")
PROD = provider("anthropic-prod", "anthropic")
CLAUDE = provider("claude", "anthropic")
COPILOT = provider("github-copilot", "copilot")

#: Six interceptions: two to openai (one thread, one session id used by two users), one to
#: anthropic-prod, one ambiguous (two live anthropic providers, empty name), two in flight.
HAND = {
    "ai_providers": [OPENAI, PROD, CLAUDE, COPILOT],
    "aibridge_interceptions": [
        interception("i1", "openai", "openai", day=10, minutes=1, client=None, initiator="u1", session="s1"),
        interception("i2", "openai", "openai", day=10.5, minutes=3, initiator="u2", session="s1", thread_root="i1"),
        interception("i3", "anthropic", "anthropic-prod", day=11, minutes=2, initiator="u1"),
        interception("i4", "anthropic", "", day=12, minutes=5, initiator="u3"),
        interception("i5", "copilot", "", day=80, minutes=None),
        interception("i6", "openai", "openai", day=13, minutes=None),
    ],
    "aibridge_token_usages": [
        token("a", "i1", 10, 5, 1, 2, cost=1_500),
        token("b", "i1", 20, 7),  # unpriced
        token("c", "i2", 100, 50, 3, 4, cost=250_000),
        token("d", "i4", 7, 1),
        token("e", "i5", 1000, 1000),
    ],
    "aibridge_user_prompts": [prompt("a", "i1"), prompt("b", "i3"), prompt("c", "i6")],
    "aibridge_tool_usages": [
        tool("a", "i1", True, "boom"),
        tool("b", "i1", True),
        tool("c", "i1", False),
        tool("d", "i3", False),
        tool("e", "i5", True),
    ],
}


@pytest.fixture
def hand():
    return duckdb_connection(frames(HAND))


def test_hand_checked_per_provider_figures(hand):
    got = aa.summary(hand, by=["provider"])
    assert got.columns == ["resolved_provider_id", "provider_name", "provider_type", *FIGURES]
    rows = {r["provider_name"]: r for r in got.iter_rows(named=True)}
    assert set(rows) == {"openai", "anthropic-prod", None}  # copilot only has an in-flight row
    assert rows["openai"] == {
        "resolved_provider_id": OPENAI["id"],
        "provider_name": "openai",
        "provider_type": "openai",
        "interceptions": 2,
        "initiators": 2,
        "sessions": 2,  # session id s1 used by u1 and u2: two sessions
        "threads": 1,  # i2's thread root is i1
        "user_prompts": 1,
        "token_usages": 3,
        "input_tokens": 130,
        "output_tokens": 62,
        "cache_read_input_tokens": 4,
        "cache_write_input_tokens": 6,
        "tool_calls_injected": 2,
        "tool_calls_client": 1,
        "injected_tool_errors": 1,
        # 60 000 and 180 000 ms, linearly interpolated
        "duration_p50_ms": 120_000.0,
        "duration_p90_ms": 168_000.0,
        "duration_p95_ms": 174_000.0,
        "duration_p99_ms": 178_800.0,
        # Recorded spend: two priced token usages, one unpriced (b: 20 input, 7 output tokens).
        "recorded_cost_micros": 251_500,
        "priced_token_usages": 2,
        "unpriced_token_usages": 1,
        "unpriced_input_tokens": 20,
        "unpriced_output_tokens": 7,
        "unpriced_cache_read_input_tokens": 0,
        "unpriced_cache_write_input_tokens": 0,
    }
    # No token usage at all: nothing spent, nothing unpriced (recorded as 0, not unknown).
    assert rows["anthropic-prod"]["recorded_cost_micros"] == 0 and rows["anthropic-prod"]["unpriced_token_usages"] == 0
    assert rows["anthropic-prod"]["tool_calls_client"] == 1 and rows["anthropic-prod"]["user_prompts"] == 1
    assert rows["anthropic-prod"]["duration_p99_ms"] == 120_000.0
    unattributed = rows[None]
    assert (unattributed["resolved_provider_id"], unattributed["interceptions"], unattributed["input_tokens"]) == (
        None,
        1,
        7,
    )
    assert got["resolved_provider_id"][-1] is None  # the unattributed group sorts last


def test_spend_not_recorded_on_a_source_without_cost_columns(hand):
    """A Coder without the cost columns: every spend figure is NULL (not recorded), never 0, on
    every key, and the table shows it in words."""
    from aibridge_analytics.outputs.formats import for_people

    driver(hand).execute("ALTER TABLE aibridge_token_usages DROP COLUMN cost_micros")
    for by in ([], ["provider"], ["model", "client", "initiator", "day", "week", "method"]):
        got = aa.summary(hand, by=by)
        assert got.height > 0
        assert got.select(summaries.SPEND).null_count().row(0) == (got.height,) * len(summaries.SPEND)
        shown = for_people(got.select("recorded_cost_micros", "unpriced_token_usages"))
        assert set(shown.to_series(0).to_list()) == {"not recorded"}
        assert set(shown.to_series(1).to_list()) == {"not recorded"}


def test_hand_checked_completeness(hand):
    later = T0 + timedelta(days=100)  # a generation time after every row
    c = aa.summary_completeness(hand, now=later).row(0, named=True)
    assert c["rows_total"] == 6 and c["in_flight"] == 2 and c["summarised"] == 4
    assert (c["unattributed"], c["unattributed_share"], c["ambiguous"], c["ambiguous_share"]) == (1, 0.25, 1, 0.25)
    # newest start is day 80: everything before day 20 is outside the 60-day window
    assert c["outside_retention"] == 5 and c["retention_days"] == 60 and c["tz"] == "UTC" and c["future_dated"] == 0
    longer = summaries.summary_completeness(hand, retention_days=75, now=later).row(0, named=True)
    assert longer["outside_retention"] == 0
    # Generated on day 50: the row of day 80 is future-dated and the newest start is day 13.
    earlier = aa.summary_completeness(hand, now=T0 + timedelta(days=50)).row(0, named=True)
    assert earlier["future_dated"] == 1 and earlier["outside_retention"] == 0


def test_client_null_reads_unknown_and_method_key(hand):
    got = aa.summary(hand, by="client,method")
    assert got.columns[:2] == ["client", "method"]
    assert set(got["client"]) == {"Unknown", "Claude Code"}
    assert got.filter(pl.col("client") == "Unknown")["interceptions"].to_list() == [1]
    assert got.group_by("method").agg(pl.col("interceptions").sum()).sort("method").rows() == [
        ("ambiguous_type", 1),
        ("provider_name", 3),
    ]


def test_no_keys_is_one_grand_total_row(hand):
    got = aa.summary(hand, by=[])
    assert got.columns == list(FIGURES) and got["interceptions"].to_list() == [4]


def test_groups_add_up_for_every_key_combination(hand):
    whole = aa.summary(hand, by=[])
    for by in (["provider", "model"], ["initiator", "day"], ["week", "method", "client"]):
        part = aa.summary(hand, by=by)
        for f in ("interceptions", "user_prompts", "input_tokens", "tool_calls_injected"):
            assert part[f].sum() == whole[f][0], (by, f)


# --- time zones --------------------------------------------------------------------------------


def _at(label: str, when: datetime) -> dict:
    row = interception(label, "openai", "openai")
    return {**row, "started_at": when, "ended_at": when + timedelta(minutes=1)}


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("label", "local_day", "inside", "outside", "hours"),
    [
        # 2026-03-29: clocks go forward in Berlin, a 23-hour day [03-28T23:00Z, 03-29T22:00Z)
        (
            "spring",
            "2026-03-29",
            [_utc(2026, 3, 28, 23, 30), _utc(2026, 3, 29, 21, 30)],
            [_utc(2026, 3, 28, 22, 30), _utc(2026, 3, 29, 22, 30)],
            23,
        ),
        # 2026-10-25: clocks go back, a 25-hour day [10-24T22:00Z, 10-25T23:00Z)
        (
            "autumn",
            "2026-10-25",
            [_utc(2026, 10, 24, 22, 30), _utc(2026, 10, 25, 22, 30)],
            [_utc(2026, 10, 24, 21, 30), _utc(2026, 10, 25, 23, 30)],
            25,
        ),
    ],
)
def test_dst_days_in_berlin(label, local_day, inside, outside, hours):
    rows = [_at(f"{label}-in-{i}", t) for i, t in enumerate(inside)] + [
        _at(f"{label}-out-{i}", t) for i, t in enumerate(outside)
    ]
    con = duckdb_connection(frames({"ai_providers": [OPENAI], "aibridge_interceptions": rows}))
    days = aa.summary(con, by=["day"], tz="Europe/Berlin")
    day = datetime.fromisoformat(local_day).date()
    assert days.filter(pl.col("day") == day)["interceptions"].to_list() == [2]
    assert days["interceptions"].sum() == 4 and days.height == 3
    # --since/--until without an offset are local: exactly the day's bucket, 23 or 25 hours long
    result = summaries.summarise(
        con, by=["day"], tz="Europe/Berlin", since=local_day, until=(day + timedelta(days=1)).isoformat()
    )
    assert result.frame["interceptions"].to_list() == [2]
    c = result.completeness.row(0, named=True)
    assert c["until"] - c["since"] == timedelta(hours=hours) and c["tz"] == "Europe/Berlin"


def test_weeks_start_on_monday_in_the_chosen_zone():
    # Sunday 2026-03-29 22:30Z is already Monday 2026-03-30 in Berlin.
    con = duckdb_connection(
        frames(
            {
                "ai_providers": [OPENAI],
                "aibridge_interceptions": [_at("w1", _utc(2026, 3, 29, 22, 30)), _at("w2", _utc(2026, 3, 23, 0, 30))],
            }
        )
    )
    utc = aa.summary(con, by=["week"])
    berlin = aa.summary(con, by=["week"], tz="Europe/Berlin")
    monday = datetime(2026, 3, 23).date()
    assert utc["week"].to_list() == [monday] and utc["interceptions"].to_list() == [2]
    assert berlin["week"].to_list() == [monday, monday + timedelta(days=7)]
    assert all(w.weekday() == 0 for w in berlin["week"])


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message", "hint"),
    [
        ({"by": ["provider", "colour"]}, "unknown summary key 'colour'", "--by"),
        ({"tz": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'", None),
        (
            {"since": "2026-10-20", "until": "2026-10-10", "tz": "Europe/Berlin"},
            "the range's start 2026-10-20T00:00+02:00 is after its end 2026-10-10T00:00+02:00 (Europe/Berlin)",
            "--since",
        ),
        ({"since": "yesterday"}, "malformed timestamp for the range's start: 'yesterday'", "--period yesterday"),
        ({"period": "last-week", "until": "2026-10-10"}, "the period last-week sets the range's own start", "--period"),
    ],
)
def test_bad_arguments_are_one_line_usage_errors(hand, kwargs, message, hint):
    with pytest.raises(UsageError) as err:
        aa.summary(hand, **kwargs)
    text = str(err.value)
    assert text.startswith(message) and "\n" not in text
    # The message is for notebooks too: it names the values, the command-line fix goes in the hint.
    assert not re.search(r"(^|[\s(])--?[a-z]", text)
    assert err.value.cli_hint is None if hint is None else hint in err.value.cli_hint


def test_empty_range_gives_an_empty_valid_frame(hand):
    for by in (["provider", "day"], []):
        got = aa.summary(hand, by=by, since="2030-01-01", until="2030-01-01")
        marks = ["partial"] if "day" in by else []
        assert got.height == 0 and got.columns == [*(c for k in by for c in summaries.KEYS[k]), *marks, *FIGURES]
    c = aa.summary_completeness(hand, since="2030-01-01").row(0, named=True)
    assert c["rows_total"] == 0 and c["unattributed_share"] is None
    # The source's future-dated rows are counted also when the range holds no row, and nothing else is.
    empty = aa.summary_completeness(hand, since="2030-01-01", now=T0 + timedelta(days=50)).row(0, named=True)
    counts = ("rows_total", "in_flight", "summarised", "unattributed", "ambiguous", "decided_later")
    counts += ("outside_retention",)
    assert [empty[k] for k in counts] == [0] * len(counts) and empty["future_dated"] == 1


def test_rows_failing_validation_are_named_and_lax_goes_on():
    bad = {**HAND, "aibridge_token_usages": [*HAND["aibridge_token_usages"], token("neg", "i3", -5, 1)]}
    ended_early = dict(interception("i7", "openai", "openai", day=14))
    ended_early["ended_at"] = ended_early["started_at"] - timedelta(seconds=1)
    bad["aibridge_interceptions"] = [*HAND["aibridge_interceptions"], ended_early]
    con = duckdb_connection(frames(bad))
    with pytest.raises(ValidationFailed) as err:
        aa.summary(con)
    text = str(err.value)
    assert "negative_input_tokens (1 token usage)" in text and "ended_before_start (1 interception)" in text
    assert "\n" not in text and uid("i7") in "\n".join(err.value.details)
    with pytest.warns(ValidationWarning, match="input_tokens"):
        got = aa.summary(con, lax=True)
    assert got["interceptions"].sum() == 5


# --- independent checks: raw totals, the SQL summary, PostgreSQL --------------------------------


def _with_children(draw, tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    ids = tables["aibridge_interceptions"]["id"].to_list() + [uid("orphan")]
    pick = st.sampled_from(ids) if ids else st.just(uid("orphan"))
    n = st.integers(0, 12)
    tok = [
        token(
            f"g{i}",
            "x",
            draw(st.integers(0, 10**6)),
            draw(st.integers(0, 10**4)),
            draw(st.integers(0, 99)),
            draw(st.integers(0, 99)),
            # Priced or not; large enough that a float sum of many would lose micro-units.
            draw(st.one_of(st.none(), st.integers(0, 2**53))),
        )
        | {"interception_id": draw(pick)}
        for i in range(draw(n))
    ]
    pro = [prompt(f"g{i}", "x") | {"interception_id": draw(pick)} for i in range(draw(n))]
    too = [
        tool(f"g{i}", "x", draw(st.booleans()), draw(st.sampled_from((None, "err")))) | {"interception_id": draw(pick)}
        for i in range(draw(n))
    ]
    children = frames({"aibridge_token_usages": tok, "aibridge_user_prompts": pro, "aibridge_tool_usages": too})
    return {
        **tables,
        **{k: children[k] for k in ("aibridge_token_usages", "aibridge_user_prompts", "aibridge_tool_usages")},
    }


#: A generation time after every generated row (and before none of the demo's), fixed for both sides.
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def _sql_vs_polars(con, tables, by=("provider",), tz="UTC", since=None) -> None:
    """The summary pushed down to SQL equals the Polars oracle over the same tables, completeness included."""
    keys = summaries.parse_keys(by)
    result = summaries.summarise(con, keys, tz=tz, since=since, now=NOW)
    start = summaries.parse_instant(since, "--since", tz)
    rows, _ = load_rows(con, tables, start, None, now=NOW)
    polars_side = group(rows, keys, tz, start)
    # The users' names are looked up after the grouping (tests/test_user_names.py checks them).
    frame = result.frame.drop("initiator_username", "initiator_name", strict=False)
    # Durations: the SQL rounds to the microsecond the timestamps hold; Polars computes exactly.
    assert_frame_equal(frame, polars_side, check_exact=False, rel_tol=1e-9, abs_tol=1e-3)
    assert_frame_equal(result.completeness, completeness(rows, tables, tz, start, None, now=NOW))


def _reconciles(frame: pl.DataFrame, tables, since=None) -> None:
    """A summary's column totals equal the totals read straight from the tables (no attribution)."""
    raw = raw_totals(tables, since)
    assert {f: int(frame[f].sum()) for f in raw} == raw


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), tables=dataset_strategy(), by=st.lists(st.sampled_from(list(summaries.KEYS)), max_size=3))
def test_property_totals_reconcile_and_sql_agrees(data, tables, by):
    tables = _with_children(data.draw, tables)
    con = duckdb_connection(tables)
    result = summaries.summarise(con, by=by, tz="America/New_York")
    _reconciles(result.frame, tables)
    c = result.completeness.row(0, named=True)
    assert result.frame["interceptions"].sum() == c["summarised"]
    assert c["rows_total"] == tables["aibridge_interceptions"].height
    _sql_vs_polars(con, tables, by, "America/New_York")


def _demo(interceptions: int, seed: int) -> dict[str, pl.DataFrame]:
    from aibridge_analytics.coder import TABLES
    from aibridge_analytics.demo.generator import demo_tables

    return {k: v for k, v in demo_tables(interceptions, seed).items() if k in TABLES}


def test_demo_sql_vs_polars_and_reconciles():
    tables = _demo(2000, 3)
    con = duckdb_connection(tables)
    _sql_vs_polars(con, tables)
    _sql_vs_polars(con, tables, ("model", "client", "day", "method", "initiator"), "Asia/Kolkata")
    _sql_vs_polars(con, tables, ("provider", "week"), "Europe/Berlin", since="2026-10-01")
    frame = aa.summary(con, by=["provider", "model", "week"], tz="Asia/Kolkata", since="2026-09-01")
    _reconciles(frame, tables, summaries.parse_instant("2026-09-01", "--since", "Asia/Kolkata"))


@pytest.mark.postgres
def test_postgres_and_duckdb_agree(pg_schema):
    tables = _demo(1000, 5)
    duck, pg = duckdb_connection(tables), postgres_connection(pg_schema, tables)
    with pg:
        since = {"since": "2026-09-15T00:00:00Z"}
        for name in ("summaries/keyed", "facts/rows"):
            assert_same_rows(
                duck.query(name, since if name == "summaries/keyed" else None),
                pg.query(name, since if name == "summaries/keyed" else None),
            )
        params = {"tz": "Europe/Berlin"}
        for name, keys in (
            ("summaries/figures", None),
            ("summaries/figures", ["resolved_provider_id", "provider_name", "provider_type"]),
            ("summaries/figures", []),
        ):
            assert_same_rows(duck.query(name, params, keys=keys), pg.query(name, params, keys=keys))
        assert_frame_equal(duck.query("summaries/completeness"), pg.query("summaries/completeness"))
        for by in (["provider"], ["model", "client", "day", "method"]):
            a = summaries.summarise(duck, by, tz="Europe/Berlin", since="2026-10-01")
            b = summaries.summarise(pg, by, tz="Europe/Berlin", since="2026-10-01")
            assert_frame_equal(a.frame, b.frame)
            assert_frame_equal(a.completeness, b.completeness)
        _sql_vs_polars(pg, tables)
        _sql_vs_polars(pg, tables, ("day", "provider"), "Europe/Berlin", since="2026-10-01")


@pytest.mark.postgres
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), tables=dataset_strategy())
def test_property_postgres_matches_duckdb(new_pg_schema, data, tables):
    tables = _with_children(data.draw, tables)
    duck = duckdb_connection(tables)
    with postgres_connection(new_pg_schema(), tables) as pg:
        assert_frame_equal(duck.query("summaries/figures", keys=[]), pg.query("summaries/figures", keys=[]))
        assert_frame_equal(
            summaries.summarise(duck, ["provider", "week"]).frame, summaries.summarise(pg, ["provider", "week"]).frame
        )
        _sql_vs_polars(pg, tables, ["provider", "week"])


# --- command line ------------------------------------------------------------------------------


def test_cli_summary_json_and_completeness_on_stderr(tmp_path, capsys):
    path = tmp_path / "w.duckdb"
    write_warehouse(path, DATA_FILE_TABLES)
    code = main(
        ["summary", "--source", str(path), "--by", "provider,model", "--tz", "Europe/Berlin", "--format", "json"]
    )
    out, err = capsys.readouterr()
    assert code == 0
    rows = json.loads(out)
    assert sorted(r["provider_name"] for r in rows) == ["github-copilot", "openai"]
    assert list(rows[0]) == ["resolved_provider_id", "provider_name", "provider_type", "model", *FIGURES]
    assert "started in [open .. open) (Europe/Berlin)" in err and "(1 in flight)" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--by", "provider,colour"], "unknown summary key 'colour'; use any of provider,"),
        (["--tz", "Nowhere/Land"], "unknown time zone 'Nowhere/Land'"),
        (["--since", "2026-10-05", "--until", "2026-10-01"], "is after its end 2026-10-01T00:00+00:00 (UTC); --since"),
        (["--period", "last-week", "--since", "2026-10-01"], "cannot be combined with the given start '2026-10-01'"),
        (["--period", "fortnight"], "unknown period 'fortnight'; use one of today, yesterday, this-week"),
    ],
)
def test_cli_bad_input_exits_1_with_one_line(tmp_path, capsys, argv, message):
    path = tmp_path / "w.duckdb"
    write_warehouse(path, DATA_FILE_TABLES)
    assert main(["summary", "--source", str(path), *argv]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_validation_failure_exits_1_unless_lax(tmp_path, capsys):
    path = tmp_path / "bad.duckdb"
    write_warehouse(path, {**DATA_FILE_TABLES, "aibridge_token_usages": [token("neg", "cli-1", -1, 0)]})
    assert main(["summary", "--source", str(path)]) == 1
    assert "input_tokens" in capsys.readouterr().err
    assert main(["summary", "--source", str(path), "--lax", "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert "warning: source rows of the summary" in err and out.startswith("resolved_provider_id,")


_KEY_VALUES = {
    "text": st.one_of(st.none(), st.sampled_from(["", "a", "B", "b", "é", "a\x00", "zz", uid("x"), uid("y")])),
    "day": st.one_of(st.none(), st.dates(min_value=datetime(2025, 1, 1).date(), max_value=datetime(2025, 1, 9).date())),
    "number": st.one_of(st.none(), st.integers(-3, 3)),
}


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(st.fixed_dictionaries({name: values for name, values in _KEY_VALUES.items()}), max_size=40),
    columns=st.permutations(list(_KEY_VALUES)).flatmap(lambda names: st.sampled_from([names[:k] for k in (1, 2, 3)])),
)
def test_property_ordered_is_polars_sort_order(rows, columns):
    frame = pl.DataFrame(rows, schema={"text": pl.String, "day": pl.Date, "number": pl.Int64}).with_row_index("row")
    got = summaries.ordered(frame, columns)
    want = frame.sort(columns, nulls_last=True)
    # Rows equal in every key may come in either order; everything else is Polars' order.
    assert_frame_equal(got.select(columns), want.select(columns))
    assert sorted(got["row"]) == list(range(frame.height))


def test_ordered_keys_too_many_for_one_integer_still_sort():
    """Eight keys of 400 distinct values each do not fit one 63-bit number: the ranks sort as columns."""
    import random

    pick = random.Random(5)
    frame = pl.DataFrame({f"k{i}": [pick.randrange(400) for _ in range(400)] for i in range(8)})
    frame = frame.with_columns(pl.col("k0").cast(pl.String).str.zfill(3))
    columns = list(frame.columns)
    assert math.prod(n + 1 for n in frame.select(pl.all().n_unique()).row(0)) >= 2**63
    assert_frame_equal(summaries.ordered(frame, columns), frame.sort(columns, nulls_last=True))
