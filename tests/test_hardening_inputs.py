"""Hostile and out-of-range inputs (issue 13): every one a single line naming the value, exit 1,
nothing written; figures that stay exact and identical on both engines.

One section per kind of input: times and ages, JSON exports, source rows that break the row
schema, percentiles, rows dated after the report's generation time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datasets import DATA_FILE_TABLES, write_warehouse

from aibridge_analytics.cli import main
from aibridge_analytics.errors import ExportError
from aibridge_analytics.exports import read_export
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


@pytest.mark.parametrize("argv, named", [
    (["interceptions", "count", "--started-after", "99999999d"], "99999999d"),
    (["interceptions", "list", "--started-before", "99999999w"], "99999999w"),
    (["interceptions", "count", "--started-after", "9999-12-31T23:00:00-10:00"], "9999-12-31T23:00:00-10:00"),
    (["interceptions", "count", "--started-after", "0001-01-01T00:00:00+05:00"], "0001-01-01T00:00:00+05:00"),
    (["summary", "--since", "99999999d"], "99999999d"),
    (["summary", "--until", "0001-01-01", "--tz", "Asia/Tokyo"], "0001-01-01"),
])
def test_times_out_of_range_are_one_line(capsys, warehouse, argv, named):
    err = _one_line_error(capsys, [*argv, "--source", str(warehouse)], named)
    assert "out of range" in err


def test_report_since_out_of_range_is_one_line_and_writes_nothing(capsys, warehouse, tmp_path):
    out = tmp_path / "r"
    err = _one_line_error(capsys, ["report", "--source", str(warehouse), "--out", str(out), "--since", "99999999d"], "99999999d")
    assert "out of range" in err and not out.exists()


@pytest.mark.parametrize("hours", ["nan", "inf", "-inf", "1e12", "-5", "-0.5", "twelve"])
def test_overlap_hours_out_of_range_are_refused(capsys, warehouse, tmp_path, hours):
    db = tmp_path / "copy.duckdb"
    _one_line_error(capsys, ["sync", "--source", str(warehouse), "--db", str(db), f"--overlap-hours={hours}"],
                    "--overlap-hours", hours)
    assert not db.exists()


def test_overlap_hours_in_range_are_accepted(capsys, warehouse, tmp_path):
    for hours in ("0", "24", "1.5"):
        assert main(["sync", "--source", str(warehouse), "--db", str(tmp_path / "copy.duckdb"), "--overlap-hours", hours]) == 0


# --- hostile JSON exports -----------------------------------------------------------------------


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("text, problem", [
    (_deep(200_000), "nested"),
    ("[" + json.dumps({**item("a"), "model": "x"}).replace('"model": "x"', '"model": "\\ud800"') + "]", "surrogate"),
    (json.dumps([{**item("a"), "metadata": {"k\udc00": 1}}]), "surrogate"),
    ("[" + json.dumps(item("a"))[:-1] + ', "metadata": ' + _deep(5_000) + "}]", "nested"),
])
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
