"""The SQL catalogue: parsing, the portability lint, binding, and golden renders per dialect."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlglot

from aibridge_analytics import catalogue
from aibridge_analytics.catalogue import Probe, lint, render
from aibridge_analytics.errors import SqlError, UsageError

GOLDEN = Path(__file__).parent / "golden"
MODES = {"matched": ("strict", "coder")}


def _variants():
    """(query, relations, label) for every renderable query; mode-bound queries once per mode."""
    for name, query in sorted(catalogue.catalogue().items()):
        reads = {t.name for t in query.tree.find_all(sqlglot.exp.Table)}
        if "matched" in reads:
            for mode in MODES["matched"]:
                yield name, {"matched": f"interceptions/matched_{mode}"}, f"{name.replace('/', '__')}.{mode}"
        else:
            yield name, {}, name.replace("/", "__")


VARIANTS = list(_variants())


@pytest.mark.parametrize("dialect", catalogue.DIALECTS)
@pytest.mark.parametrize(("name", "relations", "label"), VARIANTS, ids=[v[2] for v in VARIANTS])
def test_golden_render(name, relations, label, dialect):
    """Each query renders exactly as its reviewed golden file; AIBRIDGE_UPDATE_GOLDEN=1 rewrites them."""
    sql = render(name, dialect, relations=relations, bind=False).sql + "\n"
    path = GOLDEN / f"{label}.{dialect}.sql"
    if os.environ.get("AIBRIDGE_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(sql)
    assert path.exists(), f"no golden render {path.name}: run with AIBRIDGE_UPDATE_GOLDEN=1 and review it"
    assert sql == path.read_text()


def test_every_golden_file_belongs_to_a_query():
    expected = {f"{label}.{d}.sql" for _, _, label in VARIANTS for d in catalogue.DIALECTS}
    assert {p.name for p in GOLDEN.glob("*.sql")} == expected


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("SELECT * EXCLUDE (a) FROM t", "EXCLUDE"),
        ("SELECT a, COUNT(*) FROM t GROUP BY ALL", "GROUP BY ALL"),
        ("SELECT a FROM t QUALIFY ROW_NUMBER() OVER (ORDER BY a) = 1", "QUALIFY"),
        ("SELECT TRY_CAST(a AS INT) FROM t", "TRY_CAST"),
        ("SELECT ARG_MAX(a, b) FROM t", "ARG_MAX"),
        ("SELECT FIRST(a) FROM t", "FIRST"),
        ("SELECT HASH(a) FROM t", "HASH"),
        ("SELECT a FROM t USING SAMPLE 10%", "SAMPLE"),
        ("SELECT LIST(a)[1] FROM t", "aggregate"),
        ("SELECT m ->> 'ua' FROM t", "JSON arrow"),
        ("SELECT a FROM t WHERE a = :x", "outside CAST"),
    ],
)
def test_lint_refuses_non_portable_constructs(sql, construct):
    problems = lint(sqlglot.parse_one(sql, read="duckdb"))
    assert any(construct in p for p in problems), problems


def test_lint_accepts_the_portable_forms():
    sql = "SELECT a, COUNT(*) FILTER (WHERE b) FROM t WHERE a = CAST(:x AS TEXT) GROUP BY a"
    assert lint(sqlglot.parse_one(sql, read="duckdb")) == []


def test_every_catalogue_query_is_lint_clean():
    for query in catalogue.catalogue().values():
        assert lint(query.tree) == [], query.name


def test_unknown_and_missing_parameters_are_refused():
    with pytest.raises(SqlError, match="unknown parameter"):
        render("providers/get", "duckdb", {"provider_id": "00000000-0000-0000-0000-000000000001", "x": 1})
    with pytest.raises(SqlError, match="missing parameter :provider_id"):
        render("providers/get", "duckdb", {})
    with pytest.raises(UsageError, match="malformed UUID for provider_id: 'nope'"):
        render("providers/get", "duckdb", {"provider_id": "nope"})


def test_values_never_enter_the_sql_text():
    hostile = "x'; DROP TABLE ai_providers; -- %s $$ %(a)s"
    r = render("interceptions/count", "postgres", {"model": hostile}, relations={"matched": "interceptions/matched_strict"})
    assert hostile not in r.sql and "DROP" not in r.sql
    assert r.params["model"] == hostile


def test_postgres_render_doubles_literal_percent_and_keeps_placeholders():
    r = render("interceptions/filtered", "postgres")
    assert "%(model)s" in r.sql
    assert "%%(" not in r.sql


def test_unbound_relation_is_an_error():
    with pytest.raises(SqlError, match="'matched'"):
        render("interceptions/count", "duckdb")


def test_missing_columns_render_as_their_documented_defaults():
    full = Probe.full()
    cols = {t: dict(c) for t, c in full.columns.items()}
    del cols["aibridge_interceptions"]["provider_id"]
    del cols["aibridge_interceptions"]["provider_name"]
    del cols["aibridge_tool_usages"]
    sql = render("attribution/rows", "duckdb", probe=Probe(cols)).sql
    assert "CAST(NULL AS UUID) AS provider_id" in sql
    assert "CAST(provider AS TEXT) AS provider_name" in sql


def test_sql_dir_is_the_checkout_sql_in_an_editable_install():
    assert catalogue.sql_dir().name in ("sql", "_sql")
    assert (catalogue.sql_dir() / "attribution" / "resolve.sql").exists()
