"""verify-backfill: classes against what the demo generator planted, both engines, bad input, CLI."""

from __future__ import annotations

import json

import polars as pl
import pytest
from datasets import (
    assert_same_rows,
    driver,
    duckdb_connection,
    frames,
    interception,
    postgres_connection,
    provider,
    write_warehouse,
)

import aibridge_analytics as aa
from aibridge_analytics.cli import EXIT_DISCREPANCIES, EXIT_ERROR, EXIT_OK, main
from aibridge_analytics.demo import generator as demo
from aibridge_analytics.demo import truth as demo_truth
from aibridge_analytics.errors import SchemaError
from aibridge_analytics.pipelines.verification import CLASSES, verify_backfill

SIZE = 2_000

#: The verification class each planted label lands in, on a source with the provider_id column.
PLANTED_CLASS = {
    "conflicting": ("snapshot_name_mismatch", "snapshot_wire_mismatch"),
    "dangling_id": ("dangling_provider_id",),
    "attributed_by_unique_type": ("empty_name_unique_type",),
    "left_null_ambiguous_type": ("empty_name_ambiguous_type",),
    "backfill_would_misattribute": ("name_reused",),
    "left_null_no_live_provider": ("legacy_wire_type_name", "provider_outside_enum"),
    "set_null_by_hard_delete": ("hard_deleted_provider",),
}


def planted_classes(n: int) -> dict[str, int]:
    """Expected class counts from the generator's plan; every other label is unchanged_correct."""
    planned = demo.planned_counts(n)
    expected = {c: sum(planned[label] for label in labels) for c, labels in PLANTED_CLASS.items()}
    expected["unchanged_correct"] = n - sum(expected.values())
    return expected


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("verify") / "demo.duckdb"
    demo.build_demo(path, SIZE, 7)
    return path


def nonzero(report) -> dict[str, int]:
    return {c: n for c, n in report.classes.select("class", "interceptions").iter_rows() if n}


def test_demo_classes_match_what_the_generator_planted(warehouse):
    with aa.connect(warehouse) as con:
        report = verify_backfill(con)
    assert nonzero(report) == planted_classes(SIZE)
    assert report.invariants["ok"].all()
    assert not report.clean and report.discrepancies == sum(
        planted_classes(SIZE)[c] for c in ("conflicting", "dangling_id", "attributed_by_unique_type")
    )
    findings = dict(report.findings.select("finding", "affected").iter_rows())
    assert findings["provider_outside_enum"] == demo.planned_counts(SIZE)["provider_outside_enum"]
    assert findings["backfill_would_misattribute"] == demo.planned_counts(SIZE)["name_reused"]
    # 000507 ran (the column exists): the same-transaction enum problem is moot.
    assert findings["copilot_same_transaction"] == 0 and findings["pass_2_outside_enum"] > 0
    assert findings["duplicate_live_names"] == findings["unknown_provider_types"] == 0


def test_demo_classes_per_row_follow_the_labels(warehouse):
    with aa.connect(warehouse) as con:
        rows = con.query("verification/rows", {"has_provider_id": True})
        truth = demo_truth.ended_truth(con)  # ended rows; labels come from every row's truth
        labels = demo_truth.ground_truth(con).select("interception_id", "label")
    label_class = {label: c for c, labels in PLANTED_CLASS.items() for label in labels}
    got = rows.join(labels, on="interception_id")
    assert got.height == rows.height
    expected = got["label"].replace_strict(label_class, default="unchanged_correct")
    assert (got["class"] == expected).all()
    assert truth.height < rows.height


def test_demo_without_provider_id_previews_the_backfill(warehouse, tmp_path):
    tables = demo.demo_tables(SIZE, 7)
    truth = tables.pop("demo_ground_truth")
    con = duckdb_connection(tables)
    driver(con).execute("ALTER TABLE aibridge_interceptions DROP COLUMN provider_id")
    report = verify_backfill(con)
    counts = nonzero(report)
    expected = truth["expected_method_without_provider_id"].value_counts()
    by_method = dict(expected.iter_rows())
    assert counts.get("attributed_by_unique_type", 0) == by_method.get("unique_type", 0)
    # Rows a live provider's name attributes are set by pass 1; rows whose name a deleted provider
    # held then would be given to the name's new holder, or stay NULL where the name has none.
    assert counts["attributed_by_name"] == by_method["provider_name"]
    assert (
        counts["backfill_would_misattribute"] + counts["left_null_deleted_provider"]
        == by_method["deleted_provider_name"]
    )
    assert "conflicting" not in counts and "dangling_id" not in counts
    assert report.discrepancies == 0 and report.invariants["ok"].all()


def test_coder_filter_against_ground_truth(warehouse):
    with aa.connect(warehouse) as con:
        frame = aa.coder_filter_report(con, truth=demo_truth.ended_truth(con))
        report = verify_backfill(con, truth=demo_truth.ended_truth(con))
        assert_same_rows(report.coder_filter, frame, sort=False)
    by_name = {r["provider_name"]: r for r in frame.iter_rows(named=True)}
    # Three live anthropic providers: the unguarded type fallback double counts the ambiguous rows.
    ambiguous = demo.planned_counts(SIZE)["empty_name_ambiguous_type"]
    # The new claude also gets the old claude's history by name, which strict attribution keeps
    # with the old one (it held the name when those rows started).
    reused = demo.planned_counts(SIZE)["name_reused"]
    live = {r["provider_name"]: r for r in frame.iter_rows(named=True) if not r["deleted"]}
    for name in ("anthropic-prod", "anthropic-research", "claude"):
        assert live[name]["sql_not_strict"] == ambiguous + (reused if name == "claude" else 0)
        assert live[name]["precision_strict"] >= live[name]["precision_coder_sql"]
    # The soft-deleted provider cannot be filtered in Coder; strict attribution keeps its history.
    assert by_name["azure-westeu"]["coder_api"] == 0 and by_name["azure-westeu"]["recall_strict"] == 1.0
    assert by_name["github-copilot"]["dropped_by_name_and"] > 0
    assert {"precision_coder_api", "recall_coder_sql", "recall_strict", "true_rows"} <= set(frame.columns)


def test_a_verification_without_coder_filter_gives_the_same_verdict_and_skips_its_query(warehouse):
    """The scheduled report shows the verdict, never the comparison with Coder's filter: asked not
    to, the verification runs no coder_filter query and every other part is the same."""
    with aa.connect(warehouse) as con:
        full = verify_backfill(con, samples=0)
        with con.recording() as queries:
            lean = verify_backfill(con, samples=0, coder_filter=False)
    assert full.coder_filter.height > 0 and lean.coder_filter.is_empty()
    ran = {q.name for q in queries}
    assert "verification/classes" in ran and not any(name.startswith("verification/coder_filter") for name in ran)
    for field in ("classes", "by_provider", "strict", "findings", "invariants"):
        assert_same_rows(getattr(full, field), getattr(lean, field), sort=False)
    assert (lean.clean, lean.verdict()) == (full.clean, full.verdict())


def test_the_report_does_not_read_the_ground_truth(warehouse, tmp_path):
    """A demo warehouse verifies exactly as a copy of it without the ground-truth table."""
    import shutil

    import duckdb

    copy = tmp_path / "no-truth.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as raw:
        raw.execute(f"DROP TABLE {demo.GROUND_TRUTH_TABLE}")
    with aa.connect(warehouse) as con, aa.connect(copy) as bare:
        assert demo_truth.ground_truth(con) is not None
        left, right = verify_backfill(con), verify_backfill(bare)
        assert "true_rows" not in left.coder_filter.columns
    for field in ("classes", "by_provider", "strict", "samples", "findings", "invariants", "coder_filter"):
        assert_same_rows(getattr(left, field), getattr(right, field), sort=False)
    assert demo_truth.ground_truth(duckdb_connection(frames({}))) is None


def test_both_engines_give_the_same_report(pg_schema):
    tables = demo.demo_tables(SIZE, 7)
    tables.pop("demo_ground_truth")
    duck = duckdb_connection(tables)
    pg = postgres_connection(pg_schema, tables)
    try:
        left, right = verify_backfill(duck), verify_backfill(pg)
    finally:
        pg.close()
    for field in ("classes", "by_provider", "strict", "samples", "invariants", "coder_filter"):
        assert_same_rows(getattr(left, field), getattr(right, field), sort=False)
    # PostgreSQL tells its enum labels, an in-memory DuckDB cannot: only that finding's wording differs.
    same = pl.col("finding") != "copilot_same_transaction"
    assert_same_rows(left.findings.filter(same), right.findings.filter(same), sort=False)
    assert nonzero(left) == planted_classes(SIZE)


# --- bad input -----------------------------------------------------------------------------------


def _broken(providers, rows):
    return duckdb_connection(frames({"ai_providers": providers, "aibridge_interceptions": rows}))


def test_duplicate_live_names_are_a_finding_and_left_unresolved():
    con = _broken(
        [provider("dup", "openai", label="a"), provider("dup", "anthropic", label="b")],
        [interception("d1", "openai", "dup")],
    )
    report = verify_backfill(con)
    findings = {r["finding"]: r for r in report.findings.iter_rows(named=True)}
    assert findings["duplicate_live_names"]["affected"] == 1 and findings["duplicate_live_names"]["examples"] == "dup"
    assert nonzero(report) == {"left_null_duplicate_live_name": 1}
    assert not report.clean
    assert aa.attribute(con)["warnings"].to_list() == [["duplicate_live_name"]]


def test_unknown_and_null_provider_types_are_findings(tmp_path):
    tables = frames(
        {
            "ai_providers": [provider("future", "quantum", label="q"), provider("untyped", "openai", label="n")],
            "aibridge_interceptions": [interception("u1", "openai", "future"), interception("u2", "openai", "untyped")],
        }
    )
    tables["ai_providers"] = tables["ai_providers"].with_columns(
        pl.when(pl.col("name") == "untyped").then(None).otherwise(pl.col("type")).alias("type")
    )
    for name, frame in tables.items():
        frame.write_parquet(tmp_path / f"{name}.parquet")
    with aa.connect(tmp_path) as con:
        report = verify_backfill(con)
    findings = dict(report.findings.select("finding", "affected").iter_rows())
    assert findings["unknown_provider_types"] == 1 and findings["null_provider_types"] == 1
    assert report.invariants["ok"].all() and not report.clean


def test_missing_ai_providers_is_a_preview_of_the_upgrade(tmp_path, capsys):
    frames({"aibridge_interceptions": [interception("m1", "openai", "openai")]})[
        "aibridge_interceptions"
    ].write_parquet(tmp_path / "aibridge_interceptions.parquet")
    report = verify_backfill(aa.connect(tmp_path))
    assert nonzero(report) == {"awaiting_providers": 1} and report.clean
    assert main(["verify-backfill", "--source", str(tmp_path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "PREVIEW of the whole upgrade" in out and "no_ai_providers_table" in out


def test_missing_interceptions_is_a_one_line_error(tmp_path, capsys):
    frames({"ai_providers": [provider("openai", "openai")]})["ai_providers"].write_parquet(
        tmp_path / "ai_providers.parquet"
    )
    with pytest.raises(SchemaError, match="no aibridge_interceptions table"):
        verify_backfill(aa.connect(tmp_path))
    assert main(["verify-backfill", "--source", str(tmp_path)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "aibridge_interceptions" in err


def test_duplicate_interception_ids_break_an_invariant():
    row = interception("twice", "openai", "openai")
    tables = frames({"ai_providers": [provider("openai", "openai")], "aibridge_interceptions": [row]})
    tables["aibridge_interceptions"] = pl.concat([tables["aibridge_interceptions"]] * 2)
    import duckdb

    from aibridge_analytics.sources.connection import DuckDBConnection

    raw = duckdb.connect()
    for name, frame in tables.items():
        raw.register(name, frame)  # views: no primary key refuses the duplicate
    report = verify_backfill(DuckDBConnection(raw))
    failed = report.invariants.filter(~pl.col("ok"))["check"].to_list()
    assert failed == ["one_class_per_row"] and not report.clean


# --- command line ----------------------------------------------------------------------------------


def test_cli_exit_3_on_the_demo_and_formats(warehouse, capsys):
    assert main(["verify-backfill", "--source", str(warehouse), "--format", "json"]) == EXIT_DISCREPANCIES
    out = json.loads(capsys.readouterr().out)
    assert {c["class"] for c in out["classes"]} == set(CLASSES) and out["clean"] is False
    assert main(["verify-backfill", "--source", str(warehouse), "--format", "markdown"]) == EXIT_DISCREPANCIES
    md = capsys.readouterr().out
    assert md.startswith("# Backfill verification") and "| conflicting | True |" in md
    assert main(["verify-backfill", "--source", str(warehouse)]) == EXIT_DISCREPANCIES
    table = capsys.readouterr().out
    for name, count in planted_classes(SIZE).items():
        assert name in table and f"{count:,}" in table  # a table shows thousands separators (issue #16)


def test_cli_exit_0_when_clean(tmp_path, capsys):
    path = tmp_path / "clean.duckdb"
    openai = provider("openai", "openai")
    write_warehouse(
        path,
        {
            "ai_providers": [openai],
            "aibridge_interceptions": [
                interception("ok-1", "openai", "openai", openai["id"]),
                interception("ok-2", "openai", "openai", openai["id"], minutes=None),
            ],
        },
    )
    code = main(["verify-backfill", "--source", str(path), "--format", "json", "--out", str(tmp_path / "r.json")])
    assert code == EXIT_OK, json.loads((tmp_path / "r.json").read_text())["verdict"]
    assert "clean" in capsys.readouterr().err
