"""Hostile and out-of-range inputs (issue 13): every one a single line naming the value, exit 1,
nothing written; figures that stay exact and identical on both engines.

One section per kind of input: times and ages, JSON exports, source rows that break the row
schema, percentiles, rows dated after the report's generation time.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from datasets import (
    DATA_FILE_TABLES,
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
from oracle import group, load_rows

from aibridge_analytics.cli import main
from aibridge_analytics.errors import ExportError, ValidationFailed
from aibridge_analytics.outputs.report import build_report
from aibridge_analytics.pipelines import summaries
from aibridge_analytics.pipelines.schemas import ROW_ANOMALIES
from aibridge_analytics.sources.exports import read_export
from aibridge_analytics.sources.kinds import connect
from tests.test_exports import item


def _one_line_error(capsys, argv: list[str], *named: str) -> str:
    """Run the CLI: exit 1, one line on stderr naming every ``named``, nothing on stdout."""
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 1, err
    assert err.count("\n") == 1 and err.startswith("aibridge-analytics: error: "), err
    for name in named:
        assert name in err, err
    assert out == ""
    return err


@pytest.fixture
def warehouse(tmp_path) -> Path:
    path = tmp_path / "w.duckdb"
    write_warehouse(path, DATA_FILE_TABLES)
    return path


# --- times and ages out of range ----------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, named",
    [
        (["interceptions", "count", "--started-after", "99999999d"], "99999999d"),
        (["interceptions", "list", "--started-before", "99999999w"], "99999999w"),
        (["interceptions", "count", "--started-after", "9999-12-31T23:00:00-10:00"], "9999-12-31T23:00:00-10:00"),
        (["interceptions", "count", "--started-after", "0001-01-01T00:00:00+05:00"], "0001-01-01T00:00:00+05:00"),
        (["summary", "--since", "99999999d"], "99999999d"),
        (["summary", "--until", "0001-01-01", "--tz", "Asia/Tokyo"], "0001-01-01"),
    ],
)
def test_times_out_of_range_are_one_line(capsys, warehouse, argv, named):
    err = _one_line_error(capsys, [*argv, "--source", str(warehouse)], named)
    assert "out of range" in err


def test_report_since_out_of_range_is_one_line_and_writes_nothing(capsys, warehouse, tmp_path):
    out = tmp_path / "r"
    err = _one_line_error(
        capsys, ["report", "--source", str(warehouse), "--out", str(out), "--since", "99999999d"], "99999999d"
    )
    assert "out of range" in err and not out.exists()


@pytest.mark.parametrize("hours", ["nan", "inf", "-inf", "1e12", "-5", "-0.5", "twelve"])
def test_overlap_hours_out_of_range_are_refused(capsys, warehouse, tmp_path, hours):
    db = tmp_path / "copy.duckdb"
    _one_line_error(
        capsys,
        ["sync", "--source", str(warehouse), "--db", str(db), f"--overlap-hours={hours}"],
        "--overlap-hours",
        hours,
    )
    assert not db.exists()


def test_overlap_hours_in_range_are_accepted(capsys, warehouse, tmp_path):
    for hours in ("0", "24", "1.5"):
        assert (
            main(["sync", "--source", str(warehouse), "--db", str(tmp_path / "copy.duckdb"), "--overlap-hours", hours])
            == 0
        )


# --- hostile JSON exports -----------------------------------------------------------------------


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "text, problem",
    [
        (_deep(200_000), "nested"),
        (
            "[" + json.dumps({**item("a"), "model": "x"}).replace('"model": "x"', '"model": "\\ud800"') + "]",
            "surrogate",
        ),
        (json.dumps([{**item("a"), "metadata": {"k\udc00": 1}}]), "surrogate"),
        ("[" + json.dumps(item("a"))[:-1] + ', "metadata": ' + _deep(5_000) + "}]", "nested"),
    ],
)
def test_hostile_exports_are_one_line_errors(capsys, tmp_path, text, problem):
    path = tmp_path / "hostile.json"
    path.write_text(text)
    with pytest.raises(ExportError) as info:
        read_export(path)
    assert str(path) in str(info.value) and problem in str(info.value) and "\n" not in str(info.value)
    db = tmp_path / "w.duckdb"
    _one_line_error(capsys, ["sync", "--source", str(path), "--db", str(db)], str(path), problem)
    assert not db.exists()
    _one_line_error(capsys, ["summary", "--source", str(path)], str(path), problem)


@pytest.mark.parametrize("tokens", [2**70, -(2**70), 2**63])
def test_token_counts_beyond_64_bits_are_one_line_errors(capsys, tmp_path, tokens):
    path = tmp_path / "big.json"
    path.write_text(json.dumps([item("a", tokens=tokens)]))
    with pytest.raises(ExportError) as info:
        read_export(path)
    assert str(path) in str(info.value) and "input_tokens" in str(info.value) and "64-bit" in str(info.value)
    db = tmp_path / "w.duckdb"
    _one_line_error(capsys, ["sync", "--source", str(path), "--db", str(db)], str(path), "input_tokens")
    assert not db.exists()


def test_the_largest_64_bit_token_count_is_read_exactly(tmp_path):
    path = tmp_path / "max.json"
    path.write_text(json.dumps([item("a", tokens=2**63 - 1)]))
    assert read_export(path).tables["aibridge_token_usages"].column("input_tokens").to_pylist() == [2**63 - 1]


# --- source rows that break the row schema: found on every source kind and engine ----------------


TOKEN_COLUMNS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens")


def _token(label: str, of: str, **counts: int) -> dict:
    return {
        "id": uid(f"tok/{label}"),
        "interception_id": uid(of),
        "provider_response_id": "r",
        **{c: counts.get(c, 5) for c in TOKEN_COLUMNS},
        "metadata": None,
        "created_at": T0 + timedelta(days=10),
    }


def _anomalous(anomaly: str) -> dict:
    """A clean dataset plus rows holding ``anomaly``: a negative token count is outweighed by the
    interception's other token row, so the per-interception sums stay positive."""
    rows = [interception("ok", "openai", "openai", day=10), interception("bad", "openai", "openai", day=11)]
    tokens = [_token("ok", "ok"), _token("bad-plus", "bad", **{c: 100 for c in TOKEN_COLUMNS})]
    if anomaly == "ended_before_start":
        rows[1]["ended_at"] = rows[1]["started_at"] - timedelta(seconds=1)
    elif anomaly.startswith("negative_"):
        tokens.append(_token("bad-minus", "bad", **{anomaly.removeprefix("negative_"): -7}))
    elif anomaly == "duplicate_id":
        rows.append(dict(rows[1]))
    elif anomaly == "missing_value":
        rows[1]["model"] = None
    return {
        "ai_providers": [provider("openai", "openai")],
        "aibridge_interceptions": rows,
        "aibridge_token_usages": tokens,
    }


def _export_item(row: dict, tokens: list[dict]) -> dict:
    def ts(value):
        return None if value is None else value.isoformat().replace("+00:00", "Z")

    return {
        "id": row["id"],
        "initiator": {"id": row["initiator_id"]},
        "provider": row["provider"],
        "provider_name": row["provider_name"],
        "model": row["model"],
        "client": row["client"],
        "metadata": None,
        "started_at": ts(row["started_at"]),
        "ended_at": ts(row["ended_at"]),
        "token_usages": [
            {**{k: t[k] for k in ("id", "provider_response_id", *TOKEN_COLUMNS)}, "created_at": ts(t["created_at"])}
            for t in tokens
            if t["interception_id"] == row["id"]
        ],
    }


def _open(kind: str, tables: dict, tmp_path, new_pg_schema=None):
    """``tables`` as a source of ``kind``: the connection a command would get."""
    if kind == "warehouse":
        write_warehouse(tmp_path / "w.duckdb", tables)
        return connect(str(tmp_path / "w.duckdb"))
    if kind == "parquet":
        (tmp_path / "pq").mkdir()
        for name, frame in frames(tables).items():
            frame.write_parquet(tmp_path / "pq" / f"{name}.parquet")
        return connect(str(tmp_path / "pq"))
    if kind == "export":
        items = [_export_item(r, tables["aibridge_token_usages"]) for r in tables["aibridge_interceptions"]]
        (tmp_path / "e.json").write_text(json.dumps(items))
        return connect(str(tmp_path / "e.json"))
    return postgres_connection(new_pg_schema(), frames(tables))


#: What each kind of source can hold: Coder's tables (and the warehouse) have a primary key and
#: NOT NULL columns, and an export reader refuses missing values, so those two anomalies exist in
#: Parquet files alone.
CAN_HOLD = {
    "warehouse": [a for a in ROW_ANOMALIES if a not in ("duplicate_id", "missing_value")],
    "parquet": list(ROW_ANOMALIES),
    "export": [a for a in ROW_ANOMALIES if a not in ("duplicate_id", "missing_value")],
    "postgres": [a for a in ROW_ANOMALIES if a not in ("duplicate_id", "missing_value")],
}
CASES = [
    pytest.param(k, a, marks=[pytest.mark.postgres] if k == "postgres" else [], id=f"{k}-{a}")
    for k, held in CAN_HOLD.items()
    for a in held
]


@pytest.fixture
def pg_factory(request):
    """``new_pg_schema`` for PostgreSQL cases only (the others need no server)."""
    return request.getfixturevalue("new_pg_schema") if "postgres" in request.node.name else None


@pytest.mark.parametrize("kind, anomaly", CASES)
def test_every_anomaly_stops_the_summary_on_every_source(tmp_path, pg_factory, kind, anomaly):
    with _open(kind, _anomalous(anomaly), tmp_path, pg_factory) as con:
        with pytest.raises(ValidationFailed) as info:
            summaries.summarise(con, ["provider"])
        lax = summaries.summarise(con, ["provider"], lax=True)
    message = str(info.value)
    assert f"{anomaly} (1 " in message and "\n" not in message
    assert [a for a in ROW_ANOMALIES if a in message] == [anomaly]
    assert any(anomaly in line for line in info.value.details)
    assert len(lax.problems) == 1 and anomaly in lax.problems[0]


@pytest.mark.parametrize(
    "kind", [pytest.param(k, marks=[pytest.mark.postgres] if k == "postgres" else []) for k in CAN_HOLD]
)
def test_all_anomalies_at_once_are_all_named_with_their_counts(tmp_path, pg_factory, kind):
    ok = interception("ok", "openai", "openai", day=10)
    bad = interception("bad", "openai", "openai", day=11)
    bad["ended_at"] = bad["started_at"] - timedelta(seconds=1)
    rows = [ok, bad]
    if kind == "parquet":
        rows += [dict(ok), {**interception("no-model", "openai", "openai", day=12), "model": None}]
    tokens = [_token("plus", "ok", **{c: 1000 for c in TOKEN_COLUMNS}), _token("minus-again", "bad", input_tokens=-1)]
    tokens += [_token(f"minus-{c}", "ok", **{c: -3}) for c in TOKEN_COLUMNS]
    tables = {
        "ai_providers": [provider("openai", "openai")],
        "aibridge_interceptions": rows,
        "aibridge_token_usages": tokens,
    }
    with _open(kind, tables, tmp_path, pg_factory) as con:
        with pytest.raises(ValidationFailed) as info:
            summaries.summarise(con, [])
    message = str(info.value)
    assert "\n" not in message
    assert [a for a in ROW_ANOMALIES if a in message] == CAN_HOLD[kind]
    assert "negative_input_tokens (2 token usages)" in message and "ended_before_start (1 interception)" in message
    assert len(info.value.details) == len(CAN_HOLD[kind])


@pytest.mark.parametrize("anomaly", ["ended_before_start", "negative_input_tokens"])
def test_anomalies_outside_the_range_do_not_stop_its_summary(anomaly):
    """The anomaly check reads the summary's range: a bad row of day 11 stops a summary that
    includes day 11 and no summary of the days before it."""
    con = duckdb_connection(frames(_anomalous(anomaly)))
    before, from_day_11 = (T0 + timedelta(days=11)).isoformat(), (T0 + timedelta(days=10.5)).isoformat()
    clean = summaries.summarise(con, ["provider"], until=before)
    assert clean.problems == () and clean.frame["interceptions"].to_list() == [1]
    with pytest.raises(ValidationFailed, match=f"{anomaly} \\(1 "):
        summaries.summarise(con, ["provider"], since=from_day_11)


def test_cli_anomaly_error_is_one_line_and_verbose_gives_the_details(capsys, tmp_path):
    path = tmp_path / "bad.duckdb"
    write_warehouse(path, _anomalous("negative_output_tokens"))
    err = _one_line_error(capsys, ["summary", "--source", str(path)], "negative_output_tokens (1 token usage)", "-v")
    assert uid("bad") not in err
    assert main(["summary", "--source", str(path), "-v"]) == 1
    err = capsys.readouterr().err
    # The example is the interception holding the token usage row.
    assert err.count("\n") == 2 and f"e.g. in interception {uid('bad')}" in err.splitlines()[1]
    assert main(["summary", "--source", str(path), "--lax", "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert err.startswith("aibridge-analytics: warning: ") and "negative_output_tokens" in err
    assert len([line for line in err.splitlines() if "warning" in line]) == 1


def test_row_schema_failures_are_one_line_with_details():
    from aibridge_analytics.pipelines.schemas import SummaryRows, validate

    rows = pl.DataFrame({"input_tokens": [-1, 2]})
    with pytest.raises(ValidationFailed) as info:
        validate(rows, SummaryRows, "some rows")
    assert "\n" not in str(info.value) and "some rows fails its schema" in str(info.value)
    assert info.value.details


# --- percentiles: one exact rule, identical on DuckDB, PostgreSQL and Polars ----------------------


def _exact_percentile_ms(durations_us: list[int], q: int) -> float:
    """The README's rule: linear interpolation of whole microseconds at q/100 * (n - 1), exactly,
    rounded half up to the microsecond, in milliseconds."""
    xs = sorted(durations_us)
    h = Fraction(q * (len(xs) - 1), 100)
    lo = int(h)
    value = xs[lo] + (h - lo) * (xs[min(lo + 1, len(xs) - 1)] - xs[lo])
    return math.floor(value + Fraction(1, 2)) / 1000


def _timed_tables(groups: list[list[int]]) -> dict:
    rows = []
    for g, durations in enumerate(groups):
        for i, us in enumerate(durations):
            row = interception(f"p{g}-{i}", "openai", "openai", day=10 + i / 1000, model=f"m{g}")
            row["ended_at"] = row["started_at"] + timedelta(microseconds=us)
            rows.append(row)
    return {"ai_providers": [provider("openai", "openai")], "aibridge_interceptions": rows}


DURATIONS = st.lists(
    st.lists(st.one_of(st.integers(0, 2_000), st.integers(0, 10**10)), min_size=1, max_size=30), min_size=1, max_size=3
)


def _percentiles(frame: pl.DataFrame) -> dict[str, list[float]]:
    return {r["model"]: [r[f"duration_p{q}_ms"] for q in summaries.PERCENTILES] for r in frame.iter_rows(named=True)}


@pytest.mark.postgres
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(groups=DURATIONS)
def test_property_percentiles_are_exact_and_identical_on_both_engines(new_pg_schema, groups):
    tables = frames(_timed_tables(groups))
    expected = {f"m{g}": [_exact_percentile_ms(d, q) for q in summaries.PERCENTILES] for g, d in enumerate(groups)}
    duck = duckdb_connection(tables)
    with postgres_connection(new_pg_schema(), tables) as pg:
        from_pg = _percentiles(summaries.summarise(pg, ["model"]).frame)
    assert _percentiles(summaries.summarise(duck, ["model"]).frame) == expected
    assert from_pg == expected
    rows, _ = load_rows(duck, tables)
    assert _percentiles(group(rows, ["model"])) == expected  # the Polars oracle


@pytest.mark.parametrize(
    "durations, p50",
    [
        ([1, 2], 0.002),  # 1.5 us: half up
        ([1000, 1001, 1002, 1003], 1.002),  # 1001.5 us
        ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.005),
    ],
)
def test_percentile_rounding_rule_examples(durations, p50):
    con = duckdb_connection(frames(_timed_tables([durations])))
    assert summaries.summarise(con, []).frame["duration_p50_ms"][0] == p50 == _exact_percentile_ms(durations, 50)


# --- rows dated after the generation time ---------------------------------------------------------


def _with_future_rows() -> dict:
    """Three ended rows in October 2026 and two dated years ahead of any generation time."""
    rows = [interception(f"now-{i}", "openai", "openai", day=10 + i) for i in range(3)]
    rows += [interception(f"ahead-{i}", "openai", "openai", day=3650 + i) for i in range(2)]
    return {"ai_providers": [provider("openai", "openai")], "aibridge_interceptions": rows}


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_future_dated_rows_are_counted_and_do_not_choose_the_default_window(tmp_path, request, engine):
    tables = frames(_with_future_rows())
    con = (
        duckdb_connection(tables)
        if engine == "duckdb"
        else postgres_connection(request.getfixturevalue("pg_schema"), tables)
    )
    with con:
        summary = build_report(con, tmp_path / "r").summary
        result = summaries.summarise(con, [])
    newest_now = (T0 + timedelta(days=12)).date()
    assert (
        summary["window"]["until"]
        == datetime.combine(newest_now + timedelta(days=1), datetime.min.time(), UTC).isoformat()
    )
    assert summary["completeness"]["future_dated"] == 2
    assert summary["totals"]["interceptions"] == 3
    c = result.completeness.row(0, named=True)
    assert c["future_dated"] == 2 and c["outside_retention"] == 0
    assert "future-dated 2" in result.describe()
    html = (tmp_path / "r" / "report.html").read_text()
    assert "after the generation time" in html
