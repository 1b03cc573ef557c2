"""Coder's interception and session queries, both modes, on DuckDB and on the real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from datasets import (
    T0,
    assert_same_rows,
    dataset_strategy,
    driver,
    duckdb_connection,
    frames,
    interception,
    postgres_connection,
    provider,
    uid,
)
from hypothesis import HealthCheck, given, settings

from aibridge_analytics import attribute
from aibridge_analytics.errors import UnknownProviderError, UsageError
from aibridge_analytics.pipelines.interceptions import (
    Filters,
    count_interceptions,
    count_sessions,
    list_interceptions,
    list_sessions,
)

PROVIDERS = {
    "openai": provider("openai", "openai"),
    "prod": provider("anthropic-prod", "anthropic"),
    "research": provider("anthropic-research", "anthropic"),
    "copilot": provider("github-copilot", "copilot"),
    "old-claude": provider("claude", "anthropic", deleted=True, label="claude-old"),
    "claude": provider("claude", "anthropic", created=20, label="claude-new"),
}
P = {k: v["id"] for k, v in PROVIDERS.items()}
HOSTILE = "x' OR '1'='1; DROP TABLE ai_providers; -- /* $$ %s %(a)s \\ \t\n"

ROWS = [
    interception("by-id", "openai", "openai", P["openai"], day=1),
    interception("by-id-other-name", "openai", "renamed", P["openai"], day=2),  # Coder drops it (name AND)
    interception("legacy-name", "openai", "openai", day=3),
    interception("empty-anthropic", "anthropic", "", day=4),  # ambiguous type: two live anthropic providers
    interception("empty-copilot", "copilot", "", day=5, client=None),  # unique type
    interception("old-claude", "anthropic", "claude", P["old-claude"], day=6),
    interception("claude-by-name", "anthropic", "claude", day=7),  # name reused after the row started
    interception("in-flight", "anthropic", "anthropic-prod", P["prod"], day=8, minutes=None),
    interception("prod", "anthropic", "anthropic-prod", P["prod"], day=9, session="sess-1"),
    interception("prod-2", "anthropic", "anthropic-prod", P["prod"], day=9, session="sess-1", model="opus"),
    interception("hostile-model", "openai", "openai", P["openai"], day=10, model=HOSTILE),
    interception("dangling", "openai", "openai", uid("nowhere"), day=11),
]
DATA = frames({"ai_providers": list(PROVIDERS.values()), "aibridge_interceptions": ROWS})


def ids(frame: pl.DataFrame, column: str = "id") -> set[str]:
    return set(frame[column].to_list())


@pytest.fixture(scope="module")
def duck():
    return duckdb_connection(DATA)


@pytest.fixture
def engines(duck, pg_schema):
    pg = postgres_connection(pg_schema, DATA)
    yield duck, pg
    pg.close()


# --- semantics, checked by hand ----------------------------------------------------------------


def test_coder_mode_reproduces_the_runtime_filter_with_its_defects(duck):
    got = ids(list_interceptions(duck, Filters(provider_id=P["openai"]), mode="coder"))
    # provider_id match and the legacy name; the row with provider_id = P but another name is
    # dropped by the parser's provider_name AND; the hostile-model row matches by id and name.
    assert got == {uid("by-id"), uid("legacy-name"), uid("hostile-model")}


def test_strict_mode_returns_exactly_the_attributed_rows(duck):
    got = ids(list_interceptions(duck, Filters(provider_id=P["openai"])))
    assert got == {uid("by-id"), uid("by-id-other-name"), uid("legacy-name"), uid("hostile-model")}
    attributed = attribute(duck).filter(pl.col("resolved_provider_id") == P["openai"], pl.col("ended_at").is_not_null())
    assert got == set(attributed["interception_id"].to_list())


def test_in_flight_rows_are_left_out_like_coder(duck):
    assert uid("in-flight") not in ids(list_interceptions(duck, limit=1000))
    assert count_interceptions(duck) == len(ROWS) - 1


def test_soft_deleted_provider_strict_accepts_coder_refuses(duck):
    assert ids(list_interceptions(duck, Filters(provider_id=P["old-claude"]))) == {uid("old-claude")}
    with pytest.raises(UsageError, match="soft-deleted"):
        list_interceptions(duck, Filters(provider_id=P["old-claude"]), mode="coder")


def test_unknown_provider_is_an_error(duck):
    with pytest.raises(UnknownProviderError, match=uid("nobody")):
        count_interceptions(duck, Filters(provider_id=uid("nobody")))


def test_client_null_reads_as_unknown(duck):
    got = list_interceptions(duck, Filters(client="Unknown"))
    assert ids(got) == {uid("empty-copilot")} and got["client"].to_list() == ["Unknown"]


def test_time_range_is_inclusive_and_validated(duck):
    start = T0 + timedelta(days=3)
    got = ids(list_interceptions(duck, Filters(started_after=start, started_before=start + timedelta(days=1))))
    assert got == {uid("legacy-name"), uid("empty-anthropic")}
    with pytest.raises(UsageError, match="earlier than started-after"):
        Filters(started_after=start, started_before=start - timedelta(seconds=1))
    with pytest.raises(UsageError, match="malformed timestamp for started-after: 'yesterday'"):
        Filters(started_after="yesterday")
    with pytest.raises(UsageError, match="malformed UUID for provider-id: 'abc'"):
        Filters(provider_id="abc")


def test_keyset_paging_walks_every_row_once(duck):
    everything = list_interceptions(duck, limit=1000)
    pages, after = [], None
    while True:
        page = list_interceptions(duck, after_id=after, limit=3)
        if page.is_empty():
            break
        pages.append(page)
        after = page["id"][-1]
    assert_same_rows(pl.concat(pages), everything, sort=False)


def test_paging_errors(duck):
    with pytest.raises(UsageError, match="names no interception"):
        list_interceptions(duck, after_id=uid("no-such-row"))
    for bad in (0, 1001):
        with pytest.raises(UsageError, match=f"limit {bad} is outside 1..1000"):
            list_interceptions(duck, limit=bad)


def test_sessions_group_by_session_and_initiator(duck):
    sessions = list_sessions(duck, Filters(provider_id=P["prod"]))
    assert sessions.filter(pl.col("session_id") == "sess-1")["interceptions"].to_list() == [2]
    assert count_sessions(duck, Filters(provider_id=P["prod"])) == 1


# --- the same answers from PostgreSQL ----------------------------------------------------------

FILTER_CASES = [
    Filters(),
    Filters(provider_id=P["openai"]),
    Filters(provider_id=P["prod"], model="opus"),
    Filters(provider_id=P["copilot"]),
    Filters(provider_id=P["claude"]),
    Filters(provider_name="claude"),
    Filters(client="Unknown"),
    Filters(model=HOSTILE),
    Filters(model="x'; --"),
    Filters(session_id="sess-1", initiator_id=uid("user/u1")),
    Filters(started_after=T0 + timedelta(days=5), started_before=T0 + timedelta(days=9)),
]


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["strict", "coder"])
def test_both_engines_agree_on_every_filter(engines, mode):
    duck, pg = engines
    for filters in FILTER_CASES:
        assert_same_rows(
            list_interceptions(duck, filters, mode=mode), list_interceptions(pg, filters, mode=mode), sort=False
        )
        assert count_interceptions(duck, filters, mode=mode) == count_interceptions(pg, filters, mode=mode)
        assert_same_rows(list_sessions(duck, filters, mode=mode), list_sessions(pg, filters, mode=mode), sort=False)
        assert count_sessions(duck, filters, mode=mode) == count_sessions(pg, filters, mode=mode)
    hostile = list_interceptions(pg, Filters(model=HOSTILE), mode=mode)
    assert ids(hostile) == {uid("hostile-model")}


@pytest.mark.postgres
def test_both_engines_agree_on_attribution(engines):
    duck, pg = engines
    assert_same_rows(attribute(duck), attribute(pg), sort=False)


@pytest.mark.postgres
def test_postgres_source_is_read_only(engines):
    _, pg = engines
    with pytest.raises(Exception, match="read-only"):
        driver(pg).execute("CREATE TABLE should_fail (x int)")


@pytest.mark.postgres
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=dataset_strategy())
def test_generated_datasets_agree_across_engines_and_modes(new_pg_schema, data):
    duck = duckdb_connection(data)
    pg = postgres_connection(new_pg_schema(), data)
    try:
        attributed = attribute(duck)
        assert_same_rows(attributed, attribute(pg), sort=False)
        # Every interception has exactly one attribution row and one method.
        assert attributed.height == data["aibridge_interceptions"].height
        assert attributed["interception_id"].n_unique() == attributed.height
        providers = data["ai_providers"]
        strict_total = 0
        ended = attributed.filter(pl.col("ended_at").is_not_null())
        for row in providers.iter_rows(named=True):
            f = Filters(provider_id=row["id"])
            n = count_interceptions(duck, f)
            assert n == count_interceptions(pg, f)
            # Strict filtering selects exactly the rows attribution resolves to the provider.
            expected = set(ended.filter(pl.col("resolved_provider_id") == row["id"])["interception_id"])
            assert ids(list_interceptions(duck, f, limit=1000)) == expected
            assert ids(list_interceptions(pg, f, limit=1000)) == expected
            strict_total += n
            if not row["deleted"]:
                assert count_interceptions(duck, f, mode="coder") == count_interceptions(pg, f, mode="coder")
        # Strict attribution partitions the ended rows: per-provider counts plus the unresolved add up.
        unresolved = ended.filter(pl.col("resolved_provider_id").is_null()).height
        assert strict_total + unresolved == count_interceptions(duck)
    finally:
        pg.close()
