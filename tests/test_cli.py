"""The command line as a user runs it: outputs, exit codes, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from datasets import DATA_FILE_TABLES, write_warehouse

from aibridge_analytics.cli import main


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("wh") / "tiny.duckdb"
    write_warehouse(path, DATA_FILE_TABLES)
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_sql_list_names_every_query(capsys):
    code, out, _ = run(capsys, "sql", "list", "--format", "json")
    names = {q["name"] for q in json.loads(out)}
    assert code == 0 and {"attribution/resolve", "interceptions/list", "interceptions/count", "schema/columns"} <= names


def test_sql_render_prints_sql_and_bound_parameters(capsys, warehouse):
    # The provider is looked up in the source, as the command looks it up (issue #16).
    openai = next(p for p in json.loads(run(capsys, "providers", "--source", warehouse, "--format", "json")[1]))["id"]
    code, out, _ = run(
        capsys,
        "sql",
        "render",
        "interceptions/count",
        "--dialect",
        "postgres",
        "--mode",
        "coder",
        "--source",
        warehouse,
        "-p",
        f"provider_id={openai}",
        "-p",
        "model=o'brien",
    )
    assert code == 0
    assert "%(provider_id)s" in out and f"provider_id = '{openai}'" in out
    assert 'model = "o\'brien"' in out and "o'brien" not in out.split("-- bound parameters:")[0]


def test_interceptions_count_and_list_as_json(capsys, warehouse):
    code, out, _ = run(capsys, "interceptions", "count", "--source", warehouse, "--format", "json")
    assert code == 0 and json.loads(out) == [{"interceptions": 2}]
    code, out, _ = run(capsys, "interceptions", "list", "--source", warehouse, "--format", "json", "--limit", "1")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 1 and rows[0]["started_at"].endswith("+00:00")


def test_attribute_writes_a_file_atomically(capsys, warehouse, tmp_path):
    out_file = tmp_path / "attribution.csv"
    code, out, _ = run(capsys, "attribute", "--source", warehouse, "--format", "csv", "--out", str(out_file))
    lines = out_file.read_text().splitlines()
    assert code == 0 and out == "" and lines[0].startswith("interception_id,resolved_provider_id,method")
    assert len(lines) == 1 + len(DATA_FILE_TABLES["aibridge_interceptions"])
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["interceptions", "count", "--provider-id", "not-a-uuid"], "malformed UUID for provider-id: 'not-a-uuid'"),
        (["interceptions", "list", "--limit", "5000"], "limit 5000 is outside 1..1000"),
        (
            ["interceptions", "count", "--started-after", "2026-02-30"],
            "malformed timestamp for started-after: '2026-02-30'",
        ),
        (
            ["interceptions", "count", "--started-after", "2026-11-02", "--started-before", "2026-11-01"],
            "earlier than started-after",
        ),
        (
            ["interceptions", "count", "--provider-id", "00000000-0000-0000-0000-000000000042"],
            "unknown provider id 00000000-0000-0000-0000-000000000042",
        ),
        (["interceptions", "list", "--after-id", "00000000-0000-0000-0000-000000000042"], "names no interception"),
        (
            ["interceptions", "count", "--mode", "coder", "--provider-name", "nobody"],
            "unknown provider name 'nobody': no ai_providers row has it (Coder answers 400); "
            "`aibridge-analytics providers` lists them",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_1(capsys, warehouse, argv, message):
    code, out, err = run(capsys, *argv, "--source", warehouse)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_missing_source_and_refused_connection(capsys):
    code, _, err = run(capsys, "interceptions", "count", "--source", "/nonexistent/w.duckdb")
    assert code == 1 and "does not exist" in err and err.count("\n") == 1
    code, _, err = run(capsys, "interceptions", "count", "--source", "postgresql://u:secret@127.0.0.1:1/db")
    assert code == 1 and "cannot connect" in err and "secret" not in err and err.count("\n") == 1


def test_module_entry_point_and_usage_errors():
    done = subprocess.run(
        [sys.executable, "-m", "aibridge_analytics", "interceptions", "count", "--mode", "fuzzy"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "invalid choice: 'fuzzy'" in done.stderr and done.stderr.count("\n") == 1
    done = subprocess.run([sys.executable, "-m", "aibridge_analytics", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "attribute" in done.stdout


def test_a_table_wider_than_the_screen_is_shown_one_row_per_block():
    import polars as pl

    from aibridge_analytics.outputs.formats import render_table

    narrow = pl.DataFrame({"provider": ["anthropic-prod", None], "interceptions": [12, 3]})
    grid = render_table(narrow, width=80).splitlines()
    assert "provider" in grid[0] and "interceptions" in grid[0] and set(grid[1]) == {"─", " "}  # a grid
    assert any("anthropic-prod" in line and "12" in line for line in grid)

    wide = pl.DataFrame({f"figure_number_{i}": [i * 1_000_003, i] for i in range(12)})
    blocks = render_table(wide, title="summary", width=80)
    lines = blocks.splitlines()
    assert [line.strip() for line in lines if line.startswith("summary")] == ["summary - row 1", "summary - row 2"]
    assert max(len(line) for line in lines) <= 80
    # Every column on a line of its own, next to its value whole (never folded).
    for i in range(12):
        assert any(f"figure_number_{i} " in line and f" {i * 1_000_003} " in line for line in lines), i


def test_providers_lists_every_provider_soft_deleted_included(capsys, tmp_path):
    import duckdb
    from datasets import provider

    path = str(tmp_path / "providers.duckdb")
    write_warehouse(
        path,
        {
            "ai_providers": [
                provider("claude", "anthropic", deleted=True, label="old"),
                provider("claude", "anthropic", created=5, label="new"),
                provider("openai", "openai", enabled=False, created=2),
            ]
        },
    )
    code, out, _ = run(capsys, "providers", "--source", path, "--format", "json")
    listed = json.loads(out)
    with duckdb.connect(path, read_only=True) as con:
        stored = con.execute("SELECT CAST(id AS VARCHAR), name, deleted, enabled FROM ai_providers").fetchall()
    assert code == 0 and len(stored) == 3
    assert sorted((p["id"], p["name"], p["deleted"], p["enabled"]) for p in listed) == sorted(stored)
    assert [p["created_at"] for p in listed] == sorted(p["created_at"] for p in listed)  # oldest first


def test_library_errors_name_no_flag_and_the_cli_adds_it(capsys, warehouse):
    """A notebook sees the error without command-line flags; the command line appends its hint."""
    import aibridge_analytics as aa
    from aibridge_analytics.errors import UnknownProviderError

    with aa.connect(warehouse) as con, pytest.raises(UnknownProviderError) as info:
        aa.count_interceptions(con, aa.Filters(provider_name="nobody"), mode="coder")
    assert "aibridge-analytics" not in str(info.value) and "--" not in str(info.value)
    code, _, err = run(
        capsys, "interceptions", "count", "--mode", "coder", "--provider-name", "nobody", "--source", warehouse
    )
    assert code == 1 and err.strip() == f"aibridge-analytics: error: {info.value}; {info.value.cli_hint}"
