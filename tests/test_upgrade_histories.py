"""Attribution and backfill verification on the histories real deployments have.

Every scenario of :mod:`aibridge_analytics.demo.upgrades` states, by hand, the method,
provider, warnings and verification class of each of its rows, on the source as it is and on its
copy without the provider_id column (mainline Coder). Checked on DuckDB, on the throwaway
PostgreSQL (with Coder's own DDL, columns dropped as older versions lack them) and on a warehouse
synced from that PostgreSQL. The migration's two passes are then replayed in SQL of our own on
PostgreSQL and compared with ``aa.backfill`` row by row.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import duckdb
import polars as pl
import psycopg
import pytest
from datasets import postgres_connection

import aibridge_analytics as aa
from aibridge_analytics.coder import PROVIDER_TYPES
from aibridge_analytics.demo.upgrades import SCENARIOS, Scenario, scenario
from aibridge_analytics.sources.connection import DuckDBConnection
from aibridge_analytics.warehouse import store

VARIANTS = ("full", "mainline")


def _cases() -> list:
    # A scenario without the column has no mainline copy of its own: it is one already.
    return [
        pytest.param(s, v, id=f"{s.name}-{v}") for s in SCENARIOS for v in VARIANTS if v == "full" or s.has_provider_id
    ]


def _observed(con) -> pl.DataFrame:
    """Per interception what the package says: strict attribution and verification class."""
    attributed = aa.attribute(con).select(
        "interception_id",
        "method",
        "resolved_provider_id",
        pl.col("warnings").list.set_difference(["in_flight"]).list.sort().alias("warnings"),
    )
    has_pid = con.probe.has("aibridge_interceptions", "provider_id")
    classes = con.query("verification/rows", {"has_provider_id": has_pid}).select("interception_id", "class")
    return attributed.join(classes, on="interception_id")


def _check(con, s: Scenario, variant: str) -> None:
    expected = s.expected(mainline=variant == "mainline")
    got = _observed(con).join(expected.select("interception_id", "segment"), on="interception_id", how="left")
    assert got.height == expected.height
    cols = ["interception_id", "segment", "method", "resolved_provider_id", "class", "warnings"]
    wrong = (
        got.select(cols)
        .sort("interception_id")
        .join(expected.select(cols).sort("interception_id"), on=["interception_id", "segment"], suffix="_expected")
    )
    for col in ("method", "resolved_provider_id", "class", "warnings"):
        bad = wrong.filter(pl.col(col).ne_missing(pl.col(f"{col}_expected")))
        assert bad.is_empty(), (
            f"{s.name}/{variant}: {col} differs:\n{bad.select('segment', col, col + '_expected').unique()}"
        )
    report = aa.verify_backfill(con)
    clean = s.clean if variant == "full" else s.mainline_clean
    assert report.clean is clean, report.verdict()
    assert report.invariants["ok"].all()
    if not s.has_providers:
        assert report.scope().startswith("PREVIEW of the whole upgrade")


def _url(pg_schema) -> str:
    """The test schema as a --source URL (its search_path set, as a user would for Coder's schema)."""
    sep = "&" if "?" in pg_schema.dsn else "?"
    return f"{pg_schema.dsn}{sep}options={quote(f'-c search_path={pg_schema.name}')}"


def _frames(s: Scenario, variant: str) -> dict[str, pl.DataFrame]:
    return s.tables(provider_id=variant == "full")


def _duckdb(frames: dict[str, pl.DataFrame]) -> DuckDBConnection:
    """An in-memory DuckDB holding exactly the given tables and columns (an older schema as it is)."""
    con = store.configure(duckdb.connect())
    for name, frame in frames.items():
        con.register("incoming", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
        con.unregister("incoming")
    return DuckDBConnection(con, label="test-duckdb")


@pytest.mark.parametrize(("s", "variant"), _cases())
def test_scenario_on_duckdb(s: Scenario, variant: str) -> None:
    _check(_duckdb(_frames(s, variant)), s, variant)


def _older_coder(conn: psycopg.Connection, s: Scenario, variant: str, *, enum_copilot: bool = True) -> None:
    """Make a freshly loaded schema look like the Coder version the scenario stands for."""
    if variant == "mainline" or not s.has_provider_id:
        conn.execute("ALTER TABLE aibridge_interceptions DROP COLUMN provider_id")
    if not s.has_provider_name:
        conn.execute("ALTER TABLE aibridge_interceptions DROP COLUMN provider_name")
    if not s.has_providers:
        conn.execute("DROP TABLE ai_providers")
    if not enum_copilot:
        # 000506 not yet run: the enum as it was before copilot was added.
        labels = ", ".join(f"'{t}'" for t in PROVIDER_TYPES if t != "copilot")
        conn.execute("ALTER TABLE ai_providers ALTER COLUMN type TYPE text")
        conn.execute("DROP TYPE ai_provider_type")
        conn.execute(f"CREATE TYPE ai_provider_type AS ENUM ({labels})")
        conn.execute("ALTER TABLE ai_providers ALTER COLUMN type TYPE ai_provider_type USING type::ai_provider_type")


@pytest.mark.postgres
@pytest.mark.parametrize(("s", "variant"), _cases())
def test_scenario_on_postgres(s: Scenario, variant: str, pg_schema) -> None:
    with postgres_connection(pg_schema, _frames(s, variant)) as con:
        _older_coder(pg_schema.conn, s, variant)
        _check(con, s, variant)


@pytest.mark.postgres
@pytest.mark.parametrize(("s", "variant"), _cases())
def test_scenario_through_a_warehouse_sync(s: Scenario, variant: str, pg_schema, tmp_path: Path) -> None:
    """A warehouse synced from the source verifies and attributes as the source does."""
    postgres_connection(pg_schema, _frames(s, variant)).close()
    _older_coder(pg_schema.conn, s, variant)
    db = tmp_path / "history.duckdb"
    aa.sync(_url(pg_schema), db)
    with aa.connect(_url(pg_schema)) as source:
        labels = source.enum_labels()
    with aa.connect(str(db)) as con:
        _check(con, s, variant)
        assert labels and con.enum_labels() == labels  # recorded by the sync, for copilot_same_transaction


@pytest.mark.postgres
@pytest.mark.parametrize("enum_copilot", [True, False], ids=["000506-ran-earlier", "000506-in-same-upgrade"])
def test_copilot_same_transaction_follows_the_enum(enum_copilot: bool, pg_schema) -> None:
    s = scenario("copilot_pass_2")
    with postgres_connection(pg_schema, _frames(s, "mainline")) as con:
        _older_coder(pg_schema.conn, s, "mainline", enum_copilot=enum_copilot)
        report = aa.verify_backfill(con)
    finding = report.findings.filter(pl.col("finding") == "copilot_same_transaction").row(0, named=True)
    assert report.clean is enum_copilot
    assert finding["affected"] == 3
    assert finding["severity"] == ("info" if enum_copilot else "error")


def test_copilot_same_transaction_is_undecided_without_enum_labels() -> None:
    s = scenario("copilot_pass_2")
    report = aa.verify_backfill(_duckdb(_frames(s, "mainline")))
    finding = report.findings.filter(pl.col("finding") == "copilot_same_transaction").row(0, named=True)
    assert (finding["severity"], finding["affected"]) == ("undecided", 3)
    assert report.clean


# --- the migration replayed ----------------------------------------------------------------------

# Migration 000507's passes as its description states them, written here apart from the package's
# simulation: pass 1 by exact live name, pass 2 for empty names by a type exactly one live
# provider has (with the migration's cast of the row's text to the enum).
_PASS_1 = """
UPDATE aibridge_interceptions AS i SET provider_id = p.id
FROM ai_providers AS p
WHERE i.provider_id IS NULL AND i.provider_name <> '' AND NOT p.deleted AND p.name = i.provider_name
"""
_PASS_2 = """
UPDATE aibridge_interceptions AS i SET provider_id = p.id
FROM ai_providers AS p
WHERE i.provider_id IS NULL AND i.provider_name = '' AND NOT p.deleted
  AND p.type = i.provider::ai_provider_type
  AND p.type IN (SELECT q.type FROM ai_providers AS q WHERE NOT q.deleted GROUP BY q.type HAVING COUNT(*) = 1)
"""


@pytest.mark.postgres
@pytest.mark.parametrize("s", [s for s in SCENARIOS if s.has_providers], ids=lambda s: s.name)
def test_migration_replayed_matches_the_simulation(s: Scenario, pg_schema) -> None:
    with postgres_connection(pg_schema, _frames(s, "mainline")) as con:
        _older_coder(pg_schema.conn, s, "mainline")
        predicted = aa.backfill(con).select("interception_id", "migrated_provider_id")
        preview = aa.verify_backfill(con)
    with pg_schema.conn.transaction():
        pg_schema.conn.execute("ALTER TABLE aibridge_interceptions ADD COLUMN provider_id uuid")
        pg_schema.conn.execute(_PASS_1)
        pg_schema.conn.execute(_PASS_2)
    with aa.connect(_url(pg_schema)) as migrated:
        got = migrated.query("attribution/rows").select(
            "interception_id", pl.col("provider_id").alias("migrated_provider_id")
        )
        report = aa.verify_backfill(migrated)
    assert got.sort("interception_id").equals(predicted.sort("interception_id"))
    # A correct migration verifies clean, unless the preview saw it misattribute a reused name.
    would_misattribute = preview.classes.filter(pl.col("class") == "backfill_would_misattribute")["interceptions"].sum()
    assert report.clean is (would_misattribute == 0), report.verdict()
    if would_misattribute:
        assert (
            report.classes.filter(pl.col("class") == "misattributed_successor")["interceptions"].sum()
            == would_misattribute
        )


# --- every command on an older Coder, and Coder's name lookup ------------------------------------


def _parquet_source(s: Scenario, directory: Path) -> str:
    for name, frame in _frames(s, "full").items():
        frame.write_parquet(directory / f"{name}.parquet")
    return str(directory)


@pytest.mark.parametrize("name", ["pre_ai_providers", "pre_provider_name"])
def test_every_command_works_on_a_coder_without_ai_providers(name: str, tmp_path: Path, capsys) -> None:
    from aibridge_analytics.cli import main

    source = _parquet_source(scenario(name), tmp_path)
    commands = [
        ["providers"],
        ["attribute", "--format", "json"],
        ["interceptions", "count"],
        ["interceptions", "count", "--provider-name", "openai"],
        ["interceptions", "list", "--format", "json"],
        ["sessions", "count"],
        ["summary", "--by", "provider", "--format", "json"],
        ["verify-backfill"],
        ["report", "--out", str(tmp_path / "report"), "--since", "2025-01-01", "--until", "2027-01-01"],
    ]
    for argv in commands:
        assert main([*argv, "--source", source]) == 0, argv
    capsys.readouterr()
    main(["attribute", "--format", "json", "--source", source])
    rows = json.loads(capsys.readouterr().out)
    assert {r["method"] for r in rows} == {"wire_type"}
    assert {r["resolved_provider_type"] for r in rows} == {"openai", "anthropic"} | (
        {"copilot"} if name == "pre_ai_providers" else set()
    )
    # No provider ids exist there: a one-line pointer to the filter that does.
    assert (
        main(
            [
                "interceptions",
                "count",
                "--provider-id",
                scenario("clean_upgrade").provider("openai"),
                "--source",
                source,
            ]
        )
        == 1
    )
    assert "--provider-name" in capsys.readouterr().err


def test_summary_groups_an_older_coder_per_wire_type(tmp_path: Path) -> None:
    s = scenario("pre_ai_providers")
    with aa.connect(_parquet_source(s, tmp_path)) as con:
        frame = aa.summary(con, by=["provider"])
    per_wire = dict(frame.select("provider_type", "interceptions").iter_rows())
    assert per_wire == {"openai": 5, "anthropic": 5, "copilot": 2}


def test_coder_mode_refuses_a_name_only_a_deleted_provider_holds() -> None:
    from aibridge_analytics.errors import UnknownProviderError, UsageError

    s = scenario("provider_deleted_later")
    con = _duckdb(_frames(s, "full"))
    deleted_id = s.provider("openai")
    hint = f"soft-deleted provider \\({deleted_id}\\).*strict mode.* {deleted_id}"
    with pytest.raises(UsageError, match=hint) as info:
        aa.count_interceptions(con, aa.Filters(provider_name="openai"), mode="coder")
    assert info.value.cli_hint == f"--mode strict --provider-id {deleted_id}"  # what the CLI adds
    with pytest.raises(UnknownProviderError, match="unknown provider name 'nobody'"):
        aa.count_interceptions(con, aa.Filters(provider_name="nobody"), mode="coder")
    # The hint's strict filter finds the deleted provider's history, legacy rows included.
    legacy = sum(seg.count for seg in s.segments if seg.resolved == "openai")
    assert aa.count_interceptions(con, aa.Filters(provider_id=deleted_id), mode="strict") == legacy
    assert aa.count_interceptions(con, aa.Filters(provider_name="anthropic"), mode="coder") == 6


@pytest.mark.postgres
def test_a_provider_hard_deleted_between_syncs_stops_being_live_in_the_warehouse(pg_schema, tmp_path: Path) -> None:
    """Its name taken again by a new provider is then no duplicate live name: the new one serves
    the rows after it, and the warehouse still knows the old one for the rows it kept."""
    s = scenario("clean_upgrade")
    postgres_connection(pg_schema, _frames(s, "full")).close()
    db = tmp_path / "history.duckdb"
    aa.sync(_url(pg_schema), db)
    old = s.provider("anthropic")
    pg_schema.conn.execute("DELETE FROM ai_providers WHERE id = %s", [old])  # rows keep their id here: no FK
    pg_schema.conn.execute(
        "INSERT INTO ai_providers (id, type, name, base_url, created_at, updated_at) "
        "VALUES (gen_random_uuid(), 'anthropic', 'anthropic', 'https://new.example', now(), now())"
    )
    aa.sync(_url(pg_schema), db)
    with aa.connect(str(db)) as con:
        providers = con.query("providers/list").filter(pl.col("name") == "anthropic")
        assert providers.select("id", "deleted").sort("deleted").rows() == [
            (providers.filter(~pl.col("deleted"))["id"][0], False),
            (old, True),
        ]
        report = aa.verify_backfill(con)
        assert report.findings.filter(pl.col("finding") == "duplicate_live_names")["affected"][0] == 0
        rows = aa.attribute(con).filter(pl.col("provider_id") == old)
        assert rows.height > 0 and (rows["method"] == "provider_id").all()
        assert rows["warnings"].list.contains("deleted_provider").all()


@pytest.mark.postgres
def test_columns_of_newer_coder_versions_are_ignored(pg_schema, tmp_path: Path) -> None:
    s = scenario("clean_upgrade")
    postgres_connection(pg_schema, _frames(s, "full")).close()
    for statement in (
        "ALTER TABLE ai_providers ADD COLUMN settings_key_id text",
        "ALTER TABLE aibridge_tool_usages ADD COLUMN provider_tool_call_id text",
        "ALTER TABLE aibridge_tool_usages ADD COLUMN provider_item_id text",
        "ALTER TABLE aibridge_interceptions ADD COLUMN error_message text",
    ):
        pg_schema.conn.execute(statement)
    with aa.connect(_url(pg_schema)) as con:
        _check(con, s, "full")
    aa.sync(_url(pg_schema), tmp_path / "history.duckdb")
    with aa.connect(str(tmp_path / "history.duckdb")) as con:
        _check(con, s, "full")
