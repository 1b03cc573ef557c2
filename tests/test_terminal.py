"""What an analyst sees on an 80-column terminal (issue #16): compact tables, bounded output with a
footer saying what was left out, the completeness line after the summary, and machine formats raw."""

from __future__ import annotations

import csv
import io
import json
import re

import polars as pl
import pytest

from aibridge_analytics import cli
from aibridge_analytics.cli import main

WIDTH = 80


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> str:
    from aibridge_analytics.demo.generator import build_demo

    path = tmp_path_factory.mktemp("terminal") / "demo.duckdb"
    build_demo(path, 2_000, 7)
    return str(path)


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", str(WIDTH))


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


COMPACT_COMMANDS = {
    "providers": ["providers"],
    "interceptions list": ["interceptions", "list", "--limit", "20"],
    "sessions list": ["sessions", "list", "--limit", "20"],
    "attribute": ["attribute"],
    "summary": ["summary"],
    "summary by provider,week": ["summary", "--by", "provider,week"],
    "summary by provider,model": ["summary", "--by", "provider,model"],
    "sql list": ["sql", "list"],
}


@pytest.mark.parametrize("command", sorted(COMPACT_COMMANDS))
def test_every_table_fits_80_columns_as_a_grid(capsys, demo, command):
    argv = COMPACT_COMMANDS[command]
    source = [] if argv[0] == "sql" else ["--source", demo]
    code, out, _ = run(capsys, *argv, *source)
    assert code == 0 and widest(out) <= WIDTH
    assert " - row 1" not in out and "row 1\n" not in out  # a grid, not one block per row
    assert "─" in out  # the header rule


def test_attribute_on_a_terminal_is_bounded_and_says_how_to_get_everything(capsys, demo):
    code, out, _ = run(capsys, "attribute", "--source", demo)
    lines = out.splitlines()
    uuid_rows = [line for line in lines if re.match(r"^[0-9a-f]{8}-", line)]
    assert code == 0 and len(uuid_rows) == cli.DEFAULT_TABLE_ROWS
    footer = " ".join(lines[-6:])
    assert "50 of 2,000 rows shown, 1,950 left out" in footer
    for way in ("--limit 0", "--format csv", "--out FILE"):
        assert way in footer
    assert "--wide" in footer and "started_at" in footer  # the columns left out are named too


def test_limit_and_filters_narrow_attribute(capsys, demo):
    code, out, _ = run(capsys, "attribute", "--source", demo, "--method", "no_live_provider", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and rows and {r["method"] for r in rows} == {"no_live_provider"}
    code, out, _ = run(capsys, "attribute", "--source", demo, "--warning", "deleted_provider", "--format", "json")
    assert code == 0 and all("deleted_provider" in r["warnings"] for r in json.loads(out))
    providers = json.loads(run(capsys, "providers", "--source", demo, "--format", "json")[1])
    live = next(p for p in providers if p["name"] == "openai")
    by_id = json.loads(run(capsys, "attribute", "--source", demo, "--provider", live["id"], "--format", "json")[1])
    by_name = json.loads(run(capsys, "attribute", "--source", demo, "--provider", "openai", "--format", "json")[1])
    assert by_id == by_name and by_id and {r["resolved_provider_id"] for r in by_id} == {live["id"]}
    code, out, _ = run(
        capsys, "attribute", "--source", demo, "--since", "2026-11-01", "--until", "2026-11-08", "--format", "csv"
    )
    starts = [r["started_at"] for r in csv.DictReader(io.StringIO(out))]
    assert code == 0 and starts and all("2026-11-01" <= s < "2026-11-08" for s in starts)
    code, out, _ = run(capsys, "attribute", "--source", demo, "--format", "csv", "--limit", "7")
    assert code == 0 and len(out.splitlines()) == 1 + 7
    code, _, err = run(capsys, "attribute", "--source", demo, "--method", "guess")
    assert code == 1 and "unknown method 'guess'; use one of provider_id" in err and err.count("\n") == 1


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_machine_formats_stay_raw_and_whole(capsys, demo, fmt):
    code, out, _ = run(capsys, "attribute", "--source", demo, "--format", fmt)
    rows = json.loads(out) if fmt == "json" else list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 2_000 and len(rows[0]) == 11  # every row, every column
    code, out, _ = run(capsys, "summary", "--source", demo, "--format", fmt)
    rows = json.loads(out) if fmt == "json" else list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and any(r["resolved_provider_id"] in (None, "") for r in rows)  # the null key, not a label
    assert all("," not in str(r["input_tokens"]) and " s" not in str(r["duration_p50_ms"]) for r in rows)
    assert float(rows[0]["duration_p50_ms"]) > 100  # milliseconds, as a number


def test_parquet_stays_raw(capsys, demo, tmp_path):
    out_file = tmp_path / "a.parquet"
    code, _, _ = run(capsys, "attribute", "--source", demo, "--format", "parquet", "--out", str(out_file))
    frame = pl.read_parquet(out_file)
    assert code == 0 and frame.height == 2_000 and frame.width == 11


def test_summary_table_reads_like_a_report(capsys, demo):
    code, out, _ = run(capsys, "summary", "--source", demo)
    lines = out.splitlines()
    rows = [line for line in lines if re.match(r"^\S.*\s[\d,]+\s", line) and "─" not in line]
    counts = [int(re.split(r"\s{2,}", line)[1].replace(",", "")) for line in rows]
    assert code == 0 and counts == sorted(counts, reverse=True)  # by volume
    assert any(line.startswith("(unattributed)") for line in rows)
    assert any(re.search(r"\d,\d{3}", line) for line in rows)  # thousands separators
    assert all(re.search(r"\d+\.\d s$|\d+ ms$|min$", line) for line in rows)  # the p95 duration, in s


def test_completeness_is_repeated_after_the_table_on_a_terminal(capsys, demo, monkeypatch):
    code, out, err = run(capsys, "summary", "--source", demo)
    assert code == 0 and err.count("unattributed ") == 1  # a pipe: once, the table does not hide it
    monkeypatch.setattr(cli.sys.stdout, "isatty", lambda: True)
    code, out, err = run(capsys, "summary", "--source", demo)
    assert code == 0 and err.count("summary: started in [open .. open) (UTC)") == 2


def test_explicit_columns_and_wide(capsys, demo):
    code, out, _ = run(capsys, "providers", "--source", demo, "--columns", "name,enabled", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "name,enabled"
    code, out, _ = run(capsys, "providers", "--source", demo, "--wide")
    assert code == 0 and "display_name" in out and "Columns left out" not in out
    code, _, err = run(capsys, "providers", "--source", demo, "--columns", "nom")
    assert code == 1 and "unknown column(s) nom; the columns are id, name" in err


def test_interceptions_list_prints_the_next_page_cursor(capsys, demo):
    code, out, err = run(capsys, "interceptions", "list", "--source", demo, "--limit", "5", "--format", "json")
    last = json.loads(out)[-1]["id"]
    assert code == 0 and err.strip() == f"next page: --after-id {last}"
    code, out, _ = run(
        capsys, "interceptions", "list", "--source", demo, "--limit", "5", "--after-id", last, "--format", "json"
    )
    assert code == 0 and last not in out


def test_a_provider_name_given_as_id_points_to_providers(capsys, demo):
    code, out, err = run(capsys, "interceptions", "count", "--source", demo, "--provider-id", "openai")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "malformed UUID for provider-id: 'openai'" in err and "`aibridge-analytics providers`" in err


def test_sql_render_binds_what_the_command_binds(capsys, demo):
    """Pasting the rendered statement and its values into the engine counts what the command counts."""
    import ast

    import duckdb

    providers = json.loads(run(capsys, "providers", "--source", demo, "--format", "json")[1])
    openai = next(p for p in providers if p["name"] == "openai" and not p["deleted"])["id"]
    filters = ["--mode", "coder", "--provider-id", openai]
    expected = json.loads(run(capsys, "interceptions", "count", "--source", demo, *filters, "--format", "json")[1])
    code, out, _ = run(
        capsys, "sql", "render", "interceptions/count", "--dialect", "duckdb", "--mode", "coder",
        "-p", f"provider_id={openai}", "--source", demo,
    )  # fmt: skip
    sql, _, bound = out.partition("-- bound parameters:")
    params = {k: ast.literal_eval(v) for k, v in re.findall(r"--   (\w+) = (.*)", bound)}
    assert code == 0 and params["p_name"] == "openai" and params["provider_name"] == "openai" and params["p_type"]
    with duckdb.connect(demo, read_only=True) as con:
        counted = con.execute(sql.strip().rstrip(";"), params).fetchone()
    assert counted is not None and counted[0] == expected[0]["interceptions"]


def test_version_and_every_option_has_help(capsys, monkeypatch):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("aibridge-analytics ")
    # Looked up only when asked: every other command is spared importlib.metadata's search.
    monkeypatch.setattr(cli, "_version", lambda: pytest.fail("the version was looked up"))
    assert cli.build_parser().parse_args(["providers"]).command == "providers"

    def parsers(parser):
        yield parser
        for action in parser._actions:
            if isinstance(action.choices, dict):  # the subcommands
                for child in action.choices.values():
                    yield from parsers(child)

    missing = [
        f"{p.prog} {a.option_strings or a.dest}"
        for p in parsers(cli.build_parser())
        for a in p._actions
        if a.help is None and a.dest != "command" and not a.dest.endswith("_command")
    ]
    assert missing == []


def test_verify_backfill_prints_its_verdict_once(capsys, demo):
    code, out, err = run(capsys, "verify-backfill", "--source", demo)
    verdict = out.splitlines()[-1]
    assert code in (0, 3) and (out + err).count(verdict) == 1
    titles = ["Classes per provider (after the backfill)", "Coder's provider filter vs strict attribution (ended rows)"]
    # Each title whole on a line of its own, never wrapped mid-phrase.
    assert all(any(line.startswith(title) for line in out.splitlines()) for title in titles)
    assert widest(out.split("\nClasses\n")[0]) <= WIDTH  # the header wraps between words


def test_verify_backfill_is_a_grid_at_80_columns_and_wide_shows_the_rest(capsys, demo):
    code, out, _ = run(capsys, "verify-backfill", "--source", demo)
    assert code in (0, 3) and widest(out) <= WIDTH
    assert "┌" not in out and " - row 1" not in out  # no section falls back to one block per row
    assert "Columns left out: provider_id, likely_provider_id." in out and "--wide" in out
    ids = re.findall(r"^\S+\s+([0-9a-f]{8}-[0-9a-f-]{27})$", out, re.M)
    assert ids and len(ids) == len(set(ids))  # sample ids one per row, whole
    _, wide, _ = run(capsys, "verify-backfill", "--source", demo, "--wide")
    assert "Columns left out" not in wide
    assert all(i in wide for i in ids)  # the same samples, every column shown
    _, as_json, _ = run(capsys, "verify-backfill", "--source", demo, "--format", "json")
    by_provider = json.loads(as_json)["by_provider"]
    names = {r["provider_name"] for r in by_provider if r["provider_name"]}
    assert names and all(n in out for n in names)  # the compact table still names every provider


def test_the_table_helpers_agree_with_the_pipeline():
    from aibridge_analytics.outputs.formats import duration_text

    assert [duration_text(ms) for ms in (850, 5_728.88, 130_456.5, 7_200_000)] == [
        "850 ms",
        "5.7 s",
        "2.2 min",
        "2.0 h",
    ]


def test_tables_show_instants_in_the_zone_asked_for(capsys, demo):
    pick = ("--columns", "interception_id,started_at")
    code, out, _ = run(capsys, "attribute", "--source", demo, "--tz", "Asia/Kolkata", "--limit", "5", *pick)
    shown = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+05:30", out)
    code_csv, raw, _ = run(
        capsys, "attribute", "--source", demo, "--tz", "Asia/Kolkata", "--limit", "5", "--format", "csv"
    )
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert code == code_csv == 0 and len(shown) == len(rows) == 5
    from datetime import datetime
    from zoneinfo import ZoneInfo

    # The same instants: the table in Kolkata with its offset, CSV raw in UTC.
    expected = [
        datetime.fromisoformat(r["started_at"]).astimezone(ZoneInfo("Asia/Kolkata")).strftime("%Y-%m-%d %H:%M:%S")
        for r in rows
    ]
    assert [s.removesuffix("+05:30") for s in shown] == expected
    _, utc, _ = run(capsys, "attribute", "--source", demo, "--limit", "5", *pick)
    assert "+05:30" not in utc and "+00" not in utc  # UTC tables keep the short form
