"""The SQL catalogue: parsing, the portability lint, binding, and the golden renders.

The golden renders under ``tests/golden/`` are what a reviewer reads when SQL changes, so each
shows one thing once:

- ``files/<dir>/<file>.<dialect>.sql``: each catalogue file's own statement as the driver receives
  it, the relations it reads left as names (so a change to one file or one relation touches one
  golden per dialect);
- ``relations/<schema>/<relation>.<dialect>.sql``: what each base and constant relation stands for,
  on the newest schema and on the oldest (where the missing columns' defaults show);
- ``end_to_end/<dir>/<file>[.<variant>].<dialect>.sql``: a few full renders, so that the CTE
  injection itself stays reviewed.

``AIBRIDGE_UPDATE_GOLDEN=1 pytest tests/test_catalogue.py`` rewrites them all and deletes those
whose source is gone.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path

import duckdb
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st

from aibridge_analytics import catalogue
from aibridge_analytics.catalogue import Probe, lint, loader, render, render_relation, render_unexpanded, rendering
from aibridge_analytics.coder import TABLES
from aibridge_analytics.errors import SqlError, UsageError
from aibridge_analytics.pipelines.summaries import KEYS

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("AIBRIDGE_UPDATE_GOLDEN") == "1"
REGENERATE = "run AIBRIDGE_UPDATE_GOLDEN=1 pytest tests/test_catalogue.py and review the diff"


def _oldest() -> Probe:
    """A Coder older than ai_providers and every optional column (its other tables kept, so that
    each missing column's default shows)."""
    return Probe(
        {
            table: {c.name: c.duckdb.lower() for c in cols if not c.optional}
            for table, cols in TABLES.items()
            if table != "ai_providers"
        }
    )


#: The schemas whose relations are reviewed.
SCHEMAS = {"newest": Probe.full(), "oldest": _oldest()}

#: The full renders reviewed: golden name -> (query, relations bound, group keys).
END_TO_END = {
    "attribution/rows": ("attribution/rows", {}, None),
    "interceptions/count.coder": ("interceptions/count", {"matched": "interceptions/matched_coder"}, None),
    "interceptions/count.strict": ("interceptions/count", {"matched": "interceptions/matched_strict"}, None),
    "summaries/figures.by_provider": ("summaries/figures", {}, KEYS["provider"]),
    "verification/classes": ("verification/classes", {}, None),
}


def _full(name: str, dialect: str, relations: dict[str, str], keys: tuple[str, ...] | None) -> str:
    return render(name, dialect, relations=relations, keys=keys, bind=False).sql


def _goldens() -> dict[str, Callable[[], str]]:
    """Each golden file's path under ``tests/golden/`` -> how to render its content."""
    goldens: dict[str, Callable[[], str]] = {}
    for name, query in catalogue.catalogue().items():
        for dialect in query.dialects:
            goldens[f"files/{name}.{dialect}.sql"] = partial(render_unexpanded, name, dialect)
    for schema, probe in SCHEMAS.items():
        for relation in [*catalogue.BASE_RELATIONS, *catalogue.CONSTANT_RELATIONS]:
            for dialect in catalogue.DIALECTS:
                goldens[f"relations/{schema}/{relation}.{dialect}.sql"] = partial(
                    render_relation, relation, dialect, probe
                )
    for label, (name, relations, keys) in END_TO_END.items():
        for dialect in catalogue.get(name).dialects:
            goldens[f"end_to_end/{label}.{dialect}.sql"] = partial(_full, name, dialect, relations, keys)
    return goldens


GOLDENS = _goldens()


@pytest.mark.parametrize("path", sorted(GOLDENS))
def test_golden_render(path):
    """Each render is exactly its reviewed golden file; AIBRIDGE_UPDATE_GOLDEN=1 rewrites them."""
    text = GOLDENS[path]() + "\n"
    golden = GOLDEN / path
    if UPDATE and (not golden.exists() or golden.read_text() != text):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert golden.exists(), f"no golden render {path}: {REGENERATE}"
    assert text == golden.read_text(), f"golden render {path} is stale: {REGENERATE}"


def test_every_golden_file_has_a_source():
    """A golden whose SQL file (or relation, or end-to-end case) is gone fails; the update deletes it."""
    orphans = sorted({p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*.sql")} - set(GOLDENS))
    if UPDATE:
        for orphan in orphans:
            (GOLDEN / orphan).unlink()
        for folder in sorted((d for d in GOLDEN.rglob("*") if d.is_dir()), key=lambda d: len(d.parts), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()
        orphans = []
    assert not orphans, f"golden renders without a source: {', '.join(orphans)}; {REGENERATE}"


def test_unexpanded_render_reads_relations_by_name_with_driver_placeholders():
    duck = render_unexpanded("interceptions/matched_coder", "duckdb")
    pg = render_unexpanded("interceptions/matched_coder", "postgres")
    for sql in (duck, pg):
        assert "FROM filtered_interceptions AS f" in sql
        assert "WITH" not in sql and "--" not in sql and "aibridge_interceptions" not in sql
    assert "CAST($provider_id AS UUID)" in duck
    assert "CAST(%(provider_id)s AS UUID)" in pg


def _replace_query(monkeypatch, query) -> None:
    """``query`` in place of the catalogue's file of its name, for this test (no render cache:
    the files it keys on are unchanged)."""
    monkeypatch.setenv("AIBRIDGE_CACHE_DIR", "")
    parsed = loader._parsed
    monkeypatch.setattr(loader, "_parsed", lambda name: query if name == query.name else parsed(name))


def test_unexpanded_render_refuses_an_engine_the_file_does_not_run_on(monkeypatch):
    only_duckdb = dataclasses.replace(catalogue.get("providers/list"), dialects=("duckdb",))
    _replace_query(monkeypatch, only_duckdb)
    assert "FROM providers" in render_unexpanded("providers/list", "duckdb")
    with pytest.raises(SqlError, match="runs on duckdb only, not on postgres"):
        render_unexpanded("providers/list", "postgres")
    assert "files/providers/list.postgres.sql" not in _goldens()


def test_relation_render_is_what_the_full_render_injects():
    relation = render_relation("providers", "postgres")
    assert relation.startswith("SELECT") and "FROM ai_providers" in relation
    full = render("providers/list", "postgres").sql
    assert "\n".join("  " + line for line in relation.splitlines()) in full
    with pytest.raises(SqlError, match="not a base or constant relation"):
        render_relation("matched_coder", "duckdb")


def test_the_oldest_schema_reads_missing_columns_as_their_defaults():
    interceptions = render_relation("interceptions", "duckdb", SCHEMAS["oldest"])
    assert "CAST(provider AS TEXT) AS provider_name" in interceptions
    assert "CAST(NULL AS UUID) AS provider_id" in interceptions
    assert " ".join(render_relation("providers", "duckdb", SCHEMAS["oldest"]).split()).endswith("WHERE 1 = 0")


def test_base_columns_are_the_columns_behind_those_the_statement_names():
    # A refresh copies only these of the changed rows: a column missed here would read as NULL.
    with_prompts = "WITH user_prompts AS NOT MATERIALIZED (" + render_relation("user_prompts", "duckdb") + ") "
    counted = catalogue.base_columns(
        with_prompts + "SELECT p.interception_id, COUNT(*) FROM user_prompts AS p GROUP BY 1"
    )
    assert counted == {"user_prompts": {"interception_id"}}
    starred = catalogue.base_columns(with_prompts + "SELECT p.* FROM user_prompts AS p")
    assert starred == {"user_prompts": None}
    # A relation's column computed from several of its table's (the session id) keeps all of them.
    interceptions = "WITH interceptions AS NOT MATERIALIZED (" + render_relation("interceptions", "duckdb") + ") "
    sessions = catalogue.base_columns(interceptions + "SELECT i.session_id FROM interceptions AS i")["interceptions"]
    assert sessions is not None and {"client_session_id"} <= sessions and "model" not in sessions
    # On an older schema, a relation's column read from another column keeps that one.
    oldest = (
        "WITH interceptions AS NOT MATERIALIZED ("
        + render_relation("interceptions", "duckdb", SCHEMAS["oldest"])
        + ") "
    )
    assert catalogue.base_columns(oldest + "SELECT i.provider_name FROM interceptions AS i") == {
        "interceptions": {"provider"}
    }


def test_a_distinct_count_of_a_grouped_key_renders_as_one_per_group():
    # The initiators are counted by their number (initiator_key), which numbers initiator_id.
    by_initiator = render("summaries/figures", "duckdb", keys=[*KEYS["provider"], *KEYS["initiator"]], bind=False).sql
    assert "COUNT(DISTINCT k.initiator_key)" not in by_initiator
    assert "CASE WHEN k.initiator_id IS NULL THEN 0 ELSE 1 END" in by_initiator
    by_provider = render("summaries/figures", "duckdb", keys=KEYS["provider"], bind=False).sql
    assert "COUNT(DISTINCT k.initiator_key)" in by_provider


def test_a_key_grouped_by_a_stand_in_leaves_the_grouping_with_it():
    # The provider is grouped by its number, aliased as the key: dropping the key drops the number.
    def grouping(keys: tuple[str, ...]) -> list[str]:
        sql = render("summaries/figures", "duckdb", keys=keys, bind=False).sql
        found = re.search(r"FROM summary_keyed AS k\s+GROUP BY(.*?)\) AS f", sql, re.S)
        assert found, sql
        return found.group(1).replace(",", " ").split()

    assert grouping(KEYS["model"]) == ["k.model"]
    assert grouping(KEYS["provider"]) == ["k.provider_key", "k.provider_type"]


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("-- numbers: initiator_key", "write each as 'number_column = key_column'"),
        ("-- numbers: initiator_key = nobody", "numbers: nobody is not one of its keys"),
    ],
)
def test_a_numbers_header_names_a_number_and_one_of_the_keys(tmp_path, line, error):
    path = tmp_path / "q.sql"
    path.write_text(f"-- keys: initiator_id\n{line}\nSELECT t.initiator_id FROM t GROUP BY t.initiator_id\n")
    with pytest.raises(SqlError, match=error):
        loader._parse_file("q", path)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", None]), st.sampled_from([1, 2, None])), max_size=12))
def test_one_per_group_gives_the_rows_of_the_distinct_counts_it_replaces(rows):
    # NULL groups count 0, a FILTER is left alone, a subquery's own grouping is its own.
    sql = (
        "SELECT t.g, COUNT(DISTINCT t.g) AS a, COUNT(DISTINCT t.v) AS b,"
        " COUNT(DISTINCT t.g) FILTER (WHERE t.v > 1) AS c,"
        " (SELECT COUNT(DISTINCT u.g) FROM t AS u WHERE u.v = 2) AS d"
        " FROM t GROUP BY t.g ORDER BY t.g NULLS LAST"
    )
    rewritten = rendering._one_per_group(sqlglot.parse_one(sql, read="duckdb"), {}).sql("duckdb")
    assert rewritten.count("COUNT(DISTINCT t.g)") == 1  # the FILTER's
    con = duckdb.connect()
    con.execute("CREATE TABLE t (g TEXT, v INTEGER)")
    if rows:
        con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    assert con.execute(rewritten).fetchall() == con.execute(sql).fetchall()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", None]), st.sampled_from([1, 2, 63, 64, None])), max_size=12))
def test_bits_give_the_rows_of_the_distinct_counts_they_replace(rows):
    # Values numbered from 1 up to the width; NULLs and empty groups count 0; a FILTER is left alone.
    sql = (
        "SELECT t.g, COUNT(DISTINCT t.v) AS a, COUNT(DISTINCT t.v) FILTER (WHERE t.v > 1) AS b,"
        " COUNT(DISTINCT t.w) AS c FROM t GROUP BY t.g ORDER BY t.g NULLS LAST"
    )
    rewritten = rendering._counted_in_bits(sqlglot.parse_one(sql, read="duckdb"), {"v": 64}).sql("duckdb")
    assert rewritten.count("BITSTRING_AGG") == 1 and rewritten.count("COUNT(DISTINCT") == 2
    con = duckdb.connect()
    con.execute("CREATE TABLE t (g TEXT, v BIGINT, w BIGINT)")
    if rows:
        con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(g, v, v) for g, v in rows])
    assert con.execute(rewritten).fetchall() == con.execute(sql).fetchall()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", None]), st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1))),
        max_size=12,
    )
)
def test_narrow_durations_give_the_percentiles_of_wide_ones(rows):
    # Values within 32 bits ordered as INTEGER: the same interpolated percentiles, to the bit.
    sql = (
        "SELECT t.g, PERCENTILE_CONT(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY t.v) AS p,"
        " COUNT(DISTINCT t.v) AS n FROM t GROUP BY t.g ORDER BY t.g NULLS LAST"
    )
    rewritten = rendering._ordered_narrow(sqlglot.parse_one(sql, read="duckdb"), {"v": 32}).sql("duckdb")
    assert "CAST(t.v AS INT)" in rewritten and "COUNT(DISTINCT t.v)" in rewritten  # the percentile's alone
    con = duckdb.connect()
    con.execute("CREATE TABLE t (g TEXT, v BIGINT)")
    if rows:
        con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    assert con.execute(rewritten).fetchall() == con.execute(sql).fetchall()


def test_a_duration_beyond_its_width_fails_rather_than_wraps():
    sql = "SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY t.v) FROM (SELECT 2147483648 AS v) AS t"
    rewritten = rendering._ordered_narrow(sqlglot.parse_one(sql, read="duckdb"), {"v": 32}).sql("duckdb")
    with pytest.raises(duckdb.ConversionException):
        duckdb.connect().execute(rewritten).fetchall()


def test_bits_are_rendered_for_duckdb_only():
    keys = KEYS["provider"]
    bits = {"initiator_key": 64, "duration_us": 32}
    on_duckdb = render("summaries/figures", "duckdb", keys=keys, bind=False, bits=bits).sql
    assert "BITSTRING_AGG(k.initiator_key, 1, 64)" in on_duckdb and "COUNT(DISTINCT k.initiator_key)" not in on_duckdb
    assert "CAST(k.duration_us AS INT)" in on_duckdb
    for dialect in ("postgres", "spark"):
        elsewhere = render("summaries/figures", dialect, keys=keys, bind=False, bits=bits).sql
        assert "COUNT(DISTINCT k.initiator_key)" in elsewhere and "CAST(k.duration_us" not in elsewhere


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


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("SELECT PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY a) FROM t", "PERCENTILE_DISC"),
        ("SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY a DESC) FROM t", "ascending ORDER BY"),
        ("SELECT QUANTILE_CONT(a, 0.5) FROM t", "QUANTILE_CONT"),
        ("SELECT TO_HEX(a) FROM t", "TO_HEX"),
    ],
)
def test_lint_refuses_what_spark_would_get_wrong(sql, construct):
    """Each construct is refused for Spark alone: PostgreSQL renders it faithfully."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    assert any(construct in p for p in lint(tree, ["spark"])), lint(tree, ["spark"])
    assert not any(construct in p for p in lint(tree, ["postgres"]))


def test_spark_render_keeps_exact_percentiles_and_epochs():
    """sqlglot would give Spark PERCENTILE_APPROX and an EXTRACT(EPOCH) it cannot read: the render
    gives the exact percentile and the microseconds instead."""
    sql = render("summaries/figures", "spark", bind=False).sql
    assert "PERCENTILE_APPROX" not in sql and "PERCENTILE(" in sql
    assert "EXTRACT(EPOCH" not in sql and "UNIX_MICROS(" in sql
    assert "NOT MATERIALIZED" not in sql


def test_cte_names_shared_across_spark_files_are_refused():
    """sqlglot lifts nested WITHs to the top for Spark, where two CTEs of one name clash."""
    from aibridge_analytics.catalogue.portability import shared_cte_names

    a = sqlglot.parse_one("WITH live AS (SELECT 1 AS x) SELECT x FROM live", read="duckdb")
    b = sqlglot.parse_one("WITH live AS (SELECT 2 AS x), other AS (SELECT 3 AS x) SELECT x FROM live", read="duckdb")
    assert shared_cte_names({"a": a, "b": b}) == ["live: a, b"]
    queries = {n: q.tree for n, q in catalogue.catalogue().items() if "spark" in q.dialects}
    assert shared_cte_names(queries) == []


def test_lint_accepts_the_portable_forms():
    sql = "SELECT a, COUNT(*) FILTER (WHERE b) FROM t WHERE a = CAST(:x AS TEXT) GROUP BY a"
    assert lint(sqlglot.parse_one(sql, read="duckdb")) == []


def test_every_catalogue_query_is_lint_clean():
    """Every file PostgreSQL runs passes the lint; a DuckDB-only file is exempt, and some use that."""
    queries = catalogue.catalogue().values()
    for query in queries:
        if "postgres" in query.dialects or "spark" in query.dialects:
            assert lint(query.tree, query.dialects) == [], query.name
    # The exemption is real: a DuckDB-only file (the scale generator's) uses hash(), which the lint refuses.
    assert any(q.dialects == ("duckdb",) and lint(q.tree) for q in queries)


def test_unknown_and_missing_parameters_are_refused():
    with pytest.raises(SqlError, match="unknown parameter"):
        render("providers/get", "duckdb", {"provider_id": "00000000-0000-0000-0000-000000000001", "x": 1})
    with pytest.raises(SqlError, match="missing parameter :provider_id"):
        render("providers/get", "duckdb", {})
    with pytest.raises(UsageError, match="malformed UUID for provider_id: 'nope'"):
        render("providers/get", "duckdb", {"provider_id": "nope"})


def test_values_never_enter_the_sql_text():
    hostile = "x'; DROP TABLE ai_providers; -- %s $$ %(a)s"
    strict = {"matched": "interceptions/matched_strict"}
    r = render("interceptions/count", "postgres", {"model": hostile}, relations=strict)
    assert hostile not in r.sql and "DROP" not in r.sql
    assert r.params["model"] == hostile


def test_postgres_render_doubles_literal_percent_and_keeps_placeholders():
    r = render("interceptions/filtered", "postgres")
    assert "%(model)s" in r.sql
    assert "%%(" not in r.sql


def test_postgres_render_doubles_a_percent_in_the_header_comment(monkeypatch):
    percent = dataclasses.replace(catalogue.get("providers/list"), doc="the top 5% of providers")
    _replace_query(monkeypatch, percent)
    assert render("providers/list", "postgres").sql.startswith("-- providers/list: the top 5%% of providers\n")
    assert render("providers/list", "duckdb").sql.startswith("-- providers/list: the top 5% of providers\n")


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


def test_public_names_stay_functions_whatever_is_imported():
    """The package imports its modules lazily: no module may share a public function's name, or
    importing it would replace the function on the package."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(catalogue.__path__):
        importlib.import_module(f"aibridge_analytics.catalogue.{module.name}")
    for name in catalogue.__all__:
        value = getattr(catalogue, name)
        assert not inspect.ismodule(value), f"catalogue.{name} is a module"
    assert callable(catalogue.render) and callable(catalogue.lint)
