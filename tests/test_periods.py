"""Time ranges: named periods (properties of the arithmetic, DST weeks), the one rule for times
without an offset, ranges echoed in the zone asked for, partial days and weeks marked, and the
command line on the demo warehouse with "now" pinned."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aibridge_analytics as aa
from aibridge_analytics import cli, periods
from aibridge_analytics.cli import main
from aibridge_analytics.demo.generator import ANCHOR, build_demo
from aibridge_analytics.errors import UsageError

#: Zones whose days are not all 24 hours: a one-hour DST (Berlin, New York), a 30-minute one
#: (Lord Howe), one whose DST change skips midnight (Santiago), the southern hemisphere (Sydney),
#: a half-hour offset without DST (Kolkata), one that skipped a whole day (Apia, 2011-12-30).
ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Pacific/Apia",
)
instants = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC))
zones = st.sampled_from(ZONES)
MICRO = timedelta(microseconds=1)


def first_instant_of(boundary: datetime, day: date, tz: str) -> bool:
    """Whether ``boundary`` is the first instant whose local date is ``day`` or later."""
    zone = ZoneInfo(tz)
    return boundary.astimezone(zone).date() >= day > (boundary - MICRO).astimezone(zone).date()


# --- the arithmetic --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(now=instants, tz=zones)
def test_periods_tile_time_and_start_at_local_midnights(now, tz):
    got = {name: periods.period_range(name, now, tz) for name in periods.PERIODS}
    # The last-... period ends where the current one starts; the current ones end now.
    assert got["yesterday"][1] == got["today"][0]
    assert got["last-week"][1] == got["this-week"][0]
    assert got["last-month"][1] == got["this-month"][0]
    assert got["today"][1] == got["this-week"][1] == got["this-month"][1] == now
    today = now.astimezone(ZoneInfo(tz)).date()
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    expected_days = {
        "today": today,
        "yesterday": today - timedelta(days=1),
        "this-week": monday,
        "last-week": monday - timedelta(days=7),
        "this-month": first,
        "last-month": (first - timedelta(days=1)).replace(day=1),
    }
    for name, (start, end) in got.items():
        assert start.tzinfo is UTC and end.tzinfo is UTC
        assert start <= end <= now, name
        assert first_instant_of(start, expected_days[name], tz), name
    # Weeks start on Monday, months on the 1st, and the current ones hold now.
    assert expected_days["last-week"].weekday() == 0 and expected_days["last-month"].day == 1
    assert got["this-week"][0] <= now and got["today"][0] <= now


@settings(max_examples=200, deadline=None)
@given(now=instants, tz=zones)
def test_a_whole_period_has_no_partial_bucket_and_a_cut_one_has(now, tz):
    for name, unit in (("yesterday", "day"), ("last-week", "day"), ("last-week", "week"), ("last-month", "day")):
        start, end = periods.period_range(name, now, tz)
        assert periods.partial_buckets(start, end, unit, tz) == set(), (name, unit)
    # A range starting inside a day marks that day, and only it when the end is a whole day's end.
    start, end = periods.period_range("yesterday", now, tz)
    cut = start + (end - start) / 2
    assert periods.partial_buckets(cut, end, "day", tz) == {periods.bucket(cut, "day", tz)}
    assert periods.partial_buckets(cut, None, "day", tz) == {periods.bucket(cut, "day", tz)}
    assert periods.partial_buckets(None, None, "week", tz) == set()


@pytest.mark.parametrize(
    ("now", "hours"),
    [
        ("2026-03-30T06:00:00+02:00", 167),  # the week of 2026-03-29, when summer time began
        ("2026-10-26T06:00:00+01:00", 169),  # the week of 2026-10-25, when it ended
        ("2026-11-23T06:00:00+01:00", 168),
    ],
)
def test_a_week_holding_a_dst_change_is_167_or_169_hours(now, hours):
    start, end = periods.period_range("last-week", datetime.fromisoformat(now), "Europe/Berlin")
    assert (end - start) == timedelta(hours=hours)
    for edge in (start, end):
        local = edge.astimezone(ZoneInfo("Europe/Berlin"))
        assert (local.weekday(), local.hour, local.minute) == (0, 0, 0)  # Monday midnight, summer or winter


def test_a_midnight_skipped_by_dst_starts_the_day_at_the_first_local_time():
    # Chile moved its clocks from 00:00 to 01:00 on 2026-09-06.
    start = periods.day_start(date(2026, 9, 6), "America/Santiago")
    assert periods.local_text(start, "America/Santiago") == "2026-09-06T01:00-03:00"
    assert first_instant_of(start, date(2026, 9, 6), "America/Santiago")


def test_unknown_period_and_zone_are_one_line_errors():
    with pytest.raises(UsageError, match=r"unknown period 'fortnight'; use one of today, yesterday"):
        periods.period_range("fortnight", ANCHOR, "UTC")
    with pytest.raises(UsageError, match=r"unknown time zone 'Mars/Olympus'"):
        periods.period_range("today", ANCHOR, "Mars/Olympus")


def test_one_rule_for_times_without_an_offset():
    now = datetime(2026, 11, 23, 5, tzinfo=UTC)
    berlin = periods.resolve_range("2026-11-16", "2026-11-23T00:00", None, "Europe/Berlin", now)
    assert berlin == (datetime(2026, 11, 15, 23, tzinfo=UTC), datetime(2026, 11, 22, 23, tzinfo=UTC))
    # An offset wins over the zone; an age counts back from now.
    assert periods.resolve_range("2026-11-16T00:00Z", "7d", None, "Asia/Tokyo", now) == (
        datetime(2026, 11, 16, tzinfo=UTC),
        now - timedelta(days=7),
    )
    # The listings' filters and attribute's range follow the same rule.
    filters = aa.Filters(started_after="2026-11-16", tz="Europe/Berlin")
    assert filters.started_after == berlin[0]
    from aibridge_analytics.pipelines.attribution import AttributionFilters

    attributed = AttributionFilters(since="2026-11-16", until="2026-11-23", tz="Europe/Berlin")
    assert (attributed.since, attributed.until) == berlin
    period = aa.Filters(period="last-week", tz="Europe/Berlin", now=now)
    assert (period.started_after, period.started_before + MICRO) == berlin  # started_before is inclusive


def test_a_period_with_a_start_or_end_is_refused_with_the_flags_in_the_hint():
    now = datetime(2026, 11, 23, 5, tzinfo=UTC)
    with pytest.raises(UsageError) as err:
        periods.resolve_range("2026-11-01", None, "last-week", "UTC", now)
    assert str(err.value) == (
        "the period last-week sets the range's own start and end: it cannot be combined with the given start "
        "'2026-11-01'"
    )
    assert err.value.cli_hint == "give --period or --since/--until, not both"
    with pytest.raises(UsageError, match="cannot be combined with started_after") as err:
        aa.Filters(period="yesterday", started_after="2026-11-01")
    assert err.value.cli_hint is not None and "--started-after" in err.value.cli_hint


def test_ranges_are_written_in_local_time_with_their_offset():
    since, until = datetime(2026, 10, 31, 23, tzinfo=UTC), datetime(2026, 11, 7, 23, tzinfo=UTC)
    assert (
        periods.range_text(since, until, "Europe/Berlin")
        == "2026-11-01T00:00+01:00 .. 2026-11-08T00:00+01:00 (Europe/Berlin)"
    )
    assert periods.range_text(since, None, "UTC") == "2026-10-31T23:00+00:00 .. open (UTC)"
    odd = datetime(2026, 11, 1, 5, 6, 7, 890, tzinfo=UTC)
    assert periods.local_text(odd, "Asia/Kolkata") == "2026-11-01T10:36:07.000890+05:30"  # never rounded


# --- the command line on the demo ------------------------------------------------------------------

NOW = "2026-11-23T06:00:00+01:00"  # a Monday morning in Berlin, just after the demo's last row
LAST_WEEK = ("2026-11-15T23:00:00+00:00", "2026-11-22T23:00:00+00:00")  # Monday to Monday in Berlin


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("periods") / "demo.duckdb"
    build_demo(path, interceptions=4_000, seed=7)
    return str(path)


@pytest.fixture
def pinned(monkeypatch):
    monkeypatch.setenv("AIBRIDGE_NOW", NOW)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ended_between(path: str, since: str, until: str) -> int:
    """Ended interceptions started in [since, until), counted straight from the warehouse's table."""
    with duckdb.connect(path, read_only=True) as con:
        row = con.execute(
            "SELECT count(*) FROM aibridge_interceptions WHERE ended_at IS NOT NULL "
            "AND started_at >= CAST(? AS TIMESTAMPTZ) AND started_at < CAST(? AS TIMESTAMPTZ)",
            [since, until],
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_summary_last_week_in_berlin_echoes_the_range_in_berlin(capsys, demo, pinned):
    code, out, err = run(
        capsys, "summary", "--source", demo, "--period", "last-week", "--tz", "Europe/Berlin", "--by", "day"
    )
    assert code == 0
    assert "started in [2026-11-16T00:00+01:00 .. 2026-11-23T00:00+01:00) (Europe/Berlin, last-week)" in err
    assert "+00:00" not in err  # nothing echoed in UTC
    days = re.findall(r"^(2026-\d\d-\d\d)(.*?)\s{2}", out, re.M)
    assert [d for d, _ in days] == [(date(2026, 11, 16) + timedelta(days=i)).isoformat() for i in range(7)]
    assert "(partial)" not in out  # whole days
    code, out, _ = run(
        capsys, "summary", "--source", demo, "--period", "last-week", "--tz", "Europe/Berlin", "--format", "json"
    )
    total = sum(r["interceptions"] for r in json.loads(out))
    assert total == ended_between(demo, *LAST_WEEK) > 0
    # The same week given by hand, and by the listings' filters.
    code, out, _ = run(
        capsys, "summary", "--source", demo, "--since", "2026-11-16", "--until", "2026-11-23", "--tz", "Europe/Berlin",
        "--format", "json",
    )  # fmt: skip
    assert sum(r["interceptions"] for r in json.loads(out)) == total
    for argv in (
        ["--period", "last-week", "--tz", "Europe/Berlin"],
        ["--started-after", "2026-11-16", "--started-before", "2026-11-22T23:59:59.999999", "--tz", "Europe/Berlin"],
    ):
        code, out, _ = run(capsys, "interceptions", "count", "--source", demo, "--format", "json", *argv)
        assert code == 0 and json.loads(out) == [{"interceptions": total}]


def test_an_age_marks_its_partial_first_day_and_week(capsys, demo, pinned):
    code, out, err = run(
        capsys, "summary", "--source", demo, "--since", "7d", "--until", NOW, "--tz", "Europe/Berlin",
        "--by", "day", "--format", "json",
    )  # fmt: skip
    assert code == 0 and "started in [2026-11-16T06:00+01:00 .. 2026-11-23T06:00+01:00) (Europe/Berlin)" in err
    rows = json.loads(out)
    assert {r["day"]: r["partial"] for r in rows if r["partial"]} == {"2026-11-16": True}
    assert all(not r["partial"] for r in rows if r["day"] not in ("2026-11-16", "2026-11-23"))
    code, out, _ = run(
        capsys, "summary", "--source", demo, "--since", "7d", "--tz", "Europe/Berlin", "--by", "provider,day"
    )
    assert "2026-11-16 (partial)" in out and "2026-11-17 (partial)" not in out
    code, out, _ = run(
        capsys, "summary", "--source", demo, "--since", "2026-11-04T12:00", "--until", "2026-11-18",
        "--tz", "Europe/Berlin", "--by", "week", "--format", "csv",
    )  # fmt: skip
    weeks = pl.read_csv(out.encode())
    assert dict(zip(weeks["week"], weeks["partial"], strict=True)) == {
        "2026-11-02": True,  # started on a Wednesday noon
        "2026-11-09": False,
        "2026-11-16": True,  # ends on Wednesday
    }


def test_period_and_since_together_is_one_line_error(capsys, demo):
    for argv in (
        ["summary", "--period", "last-week", "--since", "2026-11-01"],
        ["report", "--out", "unused-report-dir", "--period", "yesterday", "--until", "2026-11-20"],
        ["attribute", "--period", "last-month", "--until", "2026-11-01"],
        ["interceptions", "count", "--period", "today", "--started-after", "2026-11-01"],
    ):
        code, out, err = run(capsys, *argv, "--source", demo)
        assert code == 1 and out == "" and err.count("\n") == 1, argv
        assert "cannot be combined with" in err and "give --period or --" in err, argv


def test_report_last_week_is_headed_in_local_time(capsys, demo, pinned, tmp_path):
    out_dir = tmp_path / "weekly"
    code, _, err = run(
        capsys, "report", "--source", demo, "--out", str(out_dir), "--period", "last-week", "--tz", "Europe/Berlin"
    )
    assert code == 0
    last = err.strip().splitlines()[-1]
    assert "[2026-11-16T00:00+01:00 .. 2026-11-23T00:00+01:00) (Europe/Berlin, last-week)" in last
    window = json.loads((out_dir / "summary.json").read_text())["window"]
    assert (window["since"], window["until"]) == LAST_WEEK  # machine fields stay UTC
    assert window["since_local"] == "2026-11-16T00:00:00+01:00" and window["period"] == "last-week"
    md = (out_dir / "report.md").read_text()
    assert "**Mon 2026-11-16 00:00 +01:00** to **Mon 2026-11-23 00:00 +01:00** (Europe/Berlin, 7 days;" in md
    assert "(partial)" not in md
    html = (out_dir / "report.html").read_text()
    assert "Mon 2026-11-16 00:00 +01:00" in html and "(partial)" not in html
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["generated_at"] == "2026-11-23T05:00:00+00:00"  # pinned


def test_report_marks_partial_days_in_table_and_charts(capsys, demo, pinned, tmp_path):
    out_dir = tmp_path / "aged"
    code, _, _ = run(
        capsys, "report", "--source", demo, "--out", str(out_dir), "--since", "7d", "--tz", "Europe/Berlin"
    )
    assert code == 0
    md = (out_dir / "report.md").read_text()
    assert "| Mon 2026-11-16 (partial) |" in md and "| Tue 2026-11-17 |" in md
    html = (out_dir / "report.html").read_text()
    assert "<td>Mon 2026-11-16 (partial)</td>" in html and "the range covers only part of that day" in html
    assert "days the range covers only in part are marked (partial)" in html  # the charts' alt text
    days = pl.read_parquet(out_dir / "parquet" / "by_day.parquet")
    assert days.filter("partial")["day"].to_list() == [date(2026, 11, 16)]


def test_report_chart_labels_a_partial_day_on_a_second_line():
    from aibridge_analytics.outputs.report import charts

    frame = pl.DataFrame({"day": [date(2026, 11, 16), date(2026, 11, 17)], "interceptions": [1, 2]})
    labelled, order = charts._day_labels(frame, {date(2026, 11, 16)})
    assert order == ["Mon 16 Nov|(partial)", "Tue 17 Nov"]
    assert labelled["day_label"].to_list() == order


def test_a_dst_week_reads_its_hours(capsys, demo, monkeypatch, tmp_path):
    monkeypatch.setenv("AIBRIDGE_NOW", "2026-10-26T06:00:00+01:00")
    out_dir = tmp_path / "dst"
    code, _, _ = run(
        capsys, "report", "--source", demo, "--out", str(out_dir), "--period", "last-week", "--tz", "Europe/Berlin"
    )
    assert code == 0
    md = (out_dir / "report.md").read_text()
    assert "**Mon 2026-10-19 00:00 +02:00** to **Mon 2026-10-26 00:00 +01:00** (Europe/Berlin, 7 days, 169 hours;" in md


def test_python_api_takes_period_and_now(demo, tmp_path):
    con = aa.connect(demo)
    now = datetime.fromisoformat(NOW)
    by_period = aa.summary(con, by=["day"], tz="Europe/Berlin", period="last-week", now=now)
    by_hand = aa.summary(con, by=["day"], tz="Europe/Berlin", since="2026-11-16", until="2026-11-23")
    assert by_period.equals(by_hand) and not by_period["partial"].any()
    result = aa.build_report(con, tmp_path / "api", tz="Europe/Berlin", period="last-week", now=now)
    assert (result.summary["window"]["since"], result.summary["window"]["until"]) == LAST_WEEK
    assert result.summary["totals"]["interceptions"] == by_period["interceptions"].sum()


def test_bad_pinned_now_is_one_line(capsys, demo, monkeypatch):
    monkeypatch.setenv("AIBRIDGE_NOW", "next tuesday")
    code, _, err = run(capsys, "summary", "--source", demo, "--period", "today")
    assert code == 1 and "AIBRIDGE_NOW: 'next tuesday'" in err and err.count("\n") == 1


def test_help_names_every_period_and_the_one_rule(capsys):
    assert cli.PERIOD_NAMES == ", ".join(periods.PERIODS)
    for command in (["summary"], ["report"], ["attribute"], ["interceptions", "count"], ["sessions", "list"]):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "--period NAME" in text and "last-week" in text and "--tz" in text, command
        assert "no offset: in --tz" in text and "naive = UTC" not in text, command
