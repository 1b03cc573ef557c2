"""Every portable catalogue file runs on DuckDB and on PostgreSQL and both give the same rows.

The queries are discovered from the catalogue, so a file added tomorrow is covered without a line
here; their parameters are drawn from the generated data (a provider id that exists, a name one
holds) so that the filters select something. Files marked ``-- engine: duckdb`` and the engines'
own introspection (``information_schema``, ``pg_enum``: qualified names) are left out: their rows
describe the engine, not the data.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from datasets import T0, assert_same_rows, dataset_strategy, duckdb_connection, postgres_connection
from hypothesis import HealthCheck, given, settings
from sqlglot import exp

from aibridge_analytics import catalogue
from aibridge_analytics.catalogue.rendering import resolve_relations
from aibridge_analytics.pipelines.prices import Price, PriceBook

pytestmark = pytest.mark.postgres

#: Relations a query may leave to its caller, and the catalogue files a caller binds them to.
CALLER_RELATIONS = {"matched": ("interceptions/matched_strict", "interceptions/matched_coder")}


def _reads_engine_catalogue(query: catalogue.Query) -> bool:
    return any(t.args.get("db") or t.args.get("catalog") for t in query.tree.find_all(exp.Table))


def _bindings(query: catalogue.Query) -> list[dict[str, str]]:
    """Each way a caller may bind the relations ``query`` leaves open."""
    open_names = [r for r in CALLER_RELATIONS if r in {t.name for t in query.tree.find_all(exp.Table)}]
    if not open_names:
        return [{}]
    (name,) = open_names
    return [{name: target} for target in CALLER_RELATIONS[name]]


def _portable() -> list[str]:
    return sorted(
        name
        for name, q in catalogue.catalogue().items()
        if q.dialects == catalogue.DIALECTS and not _reads_engine_catalogue(q)
    )


def _params(
    name: str, relations: dict[str, str], data: dict[str, pl.DataFrame], ranged: bool, zoned: bool | None = None
) -> dict[str, Any]:
    """Values for every parameter of ``name``: required ones from the data, optional ones NULL or
    their default (``ranged``: the time ranges set too, so that range predicates are exercised;
    ``zoned``, by default as ``ranged``: days and weeks in a zone with summer time, not in UTC)."""
    zoned = ranged if zoned is None else zoned
    query = catalogue.get(name)
    spec = dict(query.params)
    for _, model in resolve_relations(query.tree, relations)[1]:
        spec.update(model.params)
    providers, rows = data["ai_providers"], data["aibridge_interceptions"]
    some_provider = providers["id"][0] if providers.height else "00000000-0000-0000-0000-000000000001"
    sample = {
        "provider_id": some_provider,
        "after_id": rows["id"][0] if rows.height else "00000000-0000-0000-0000-000000000002",
        "name": providers["name"][0] if providers.height else "openai",
        "table": "aibridge_interceptions",
        "has_provider_id": True,
        "enum_copilot": "unknown",
        "tz": "Europe/Berlin",
        "since": T0 + timedelta(days=2),
        "started_after": T0 + timedelta(days=2),
        "until": T0 + timedelta(days=40),
        "started_before": T0 + timedelta(days=40),
        "now": T0 + timedelta(days=30),
        "period_start": T0 + timedelta(days=2),  # a spend export's period (spend/export_totals)
        "period_end": T0 + timedelta(days=33),
        # A price book of a type price and a provider's own (spend/estimated), as --prices binds it.
        **PriceBook(
            "sweep",
            (
                Price("provider_type", "openai", "m", T0, (2_000_000, 8_000_000, 500_000, 0)),
                Price("provider_id", some_provider, "m", T0 + timedelta(days=5), (1, 2, 3, 4)),
            ),
        ).params(),
    }
    values: dict[str, Any] = {}
    for pname, p in spec.items():
        if not p.optional and p.default is None:
            values[pname] = sample[pname]
        elif ranged and pname in sample and p.kind == "timestamptz":
            values[pname] = sample[pname]
        elif ranged and pname == "provider_id":
            values[pname] = some_provider
        elif zoned and pname == "tz":
            values[pname] = sample[pname]
    return values


CASES = [(name, relations) for name in _portable() for relations in _bindings(catalogue.get(name))]


def test_the_sweep_covers_the_catalogue():
    """The discovery is not vacuous: most of the catalogue is portable and swept."""
    assert len(CASES) >= 30
    assert {"attribution/rows", "summaries/figures", "interceptions/count"} <= {n for n, _ in CASES}


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=dataset_strategy())
def test_every_portable_query_gives_the_same_rows_on_both_engines(data, new_pg_schema):
    duck = duckdb_connection(data)
    pg = postgres_connection(new_pg_schema(), data)
    try:
        for name, relations in CASES:
            variants = [_params(name, relations, data, ranged) for ranged in (False, True)]
            for params in variants[:1] if variants[0] == variants[1] else variants:
                left = duck.query(name, params, relations)
                right = pg.query(name, params, relations)
                try:
                    assert_same_rows(left, right)
                except AssertionError as exc:
                    raise AssertionError(f"{name} {relations} {params}: engines disagree: {exc}") from None
    finally:
        pg.close()
