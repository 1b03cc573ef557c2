"""The demo history generator: determinism, planted edge cases, sanity, atomic builds."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from aibridge_analytics.coder import TABLES
from aibridge_analytics.demo import generator as demo
from aibridge_analytics.demo.generator import GROUND_TRUTH_COLUMNS, GROUND_TRUTH_TABLE
from aibridge_analytics.errors import UsageError
from aibridge_analytics.warehouse import store

SMALL = 600
CHILDREN = ("aibridge_token_usages", "aibridge_user_prompts", "aibridge_tool_usages", "aibridge_model_thoughts")


@pytest.fixture(scope="module")
def small() -> dict[str, pl.DataFrame]:
    return demo.demo_tables(SMALL, 3)


@pytest.fixture(scope="module")
def default() -> dict[str, pl.DataFrame]:
    return demo.demo_tables(20_000, 7)


def _sorted(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {k: v.sort(v.columns) for k, v in frames.items()}


# -- determinism and chunking ------------------------------------------------------------------


def test_same_seed_gives_identical_tables(small):
    again = demo.demo_tables(SMALL, 3)
    for name, frame in small.items():
        assert_frame_equal(frame, again[name])


def test_different_seed_gives_different_tables(small):
    other = demo.demo_tables(SMALL, 4)
    assert_frame_equal(small["ai_providers"], other["ai_providers"])  # the world is fixed
    assert not small["aibridge_interceptions"]["id"].equals(other["aibridge_interceptions"]["id"])
    assert not small["aibridge_interceptions"]["started_at"].equals(other["aibridge_interceptions"]["started_at"])


def test_chunks_have_declared_columns_and_bounded_size():
    chunks = list(demo.generate(1_000, 5, chunk_size=300))
    assert len(chunks) == 4
    for i, chunk in enumerate(chunks):
        assert set(chunk) == {*TABLES, GROUND_TRUTH_TABLE}
        for name, cols in [*TABLES.items(), (GROUND_TRUTH_TABLE, GROUND_TRUTH_COLUMNS)]:
            assert chunk[name].column_names == [c.name for c in cols]
        assert chunk["aibridge_interceptions"].num_rows <= 300
        assert chunk["ai_providers"].num_rows == (12 if i == 0 else 0)
    labels = pl.concat([pl.from_arrow(c[GROUND_TRUTH_TABLE]) for c in chunks])["edge_case"].value_counts()
    assert dict(labels.iter_rows()) == demo.planned_counts(1_000)


def test_chunked_build_equals_in_memory_generation(tmp_path):
    path = tmp_path / "demo.duckdb"
    summary = demo.build_demo(path, 700, 11, chunk_size=250)
    memory = demo.demo_tables(700, 11, chunk_size=250)
    con = store.open_warehouse(path)
    try:
        for name, frame in memory.items():
            stored = con.execute(f"SELECT * FROM {name}").pl()
            # UUID columns come back as text for the comparison.
            stored = stored.with_columns(
                pl.col(c).cast(pl.String) for c, t in stored.schema.items() if t == pl.Object or t == pl.Binary
            )
            assert stored.columns == frame.columns
            got = stored.select(pl.col(c).cast(frame.schema[c]) for c in frame.columns)
            assert_frame_equal(_sorted({name: got})[name], _sorted({name: frame})[name])
            assert summary.tables[name] == frame.height
        meta = dict(con.execute(f"SELECT key, value FROM {store.META_TABLE}").fetchall())
    finally:
        con.close()
    assert meta["kind"] == "demo" and meta["seed"] == "11" and meta["interceptions"] == "700"
    assert meta["generator_version"] == demo.GENERATOR_VERSION
    assert meta["anchor"] == demo.ANCHOR.isoformat()


# -- atomic builds -----------------------------------------------------------------------------


def test_build_appears_only_when_complete(tmp_path):
    path = tmp_path / "demo.duckdb"
    seen = []
    demo.build_demo(
        path, 500, 1, progress=lambda done, total: seen.append((done, total, path.exists())), chunk_size=200
    )
    assert seen[0] == (0, 500, False) and seen[-1] == (500, 500, False)
    assert [d for d, _, _ in seen] == [0, 200, 400, 500]
    assert path.exists()


def test_failed_build_leaves_previous_file_intact(tmp_path):
    path = tmp_path / "demo.duckdb"
    demo.build_demo(path, 500, 1)
    before = path.read_bytes()

    def boom(done, total):
        if done > 0:
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        demo.build_demo(path, 600, 2, progress=boom, chunk_size=300)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.duckdb"]

    fresh = tmp_path / "fresh" / "demo.duckdb"
    with pytest.raises(RuntimeError):
        demo.build_demo(fresh, 600, 2, progress=boom, chunk_size=300)
    assert list(fresh.parent.iterdir()) == []


def test_too_small_or_bad_arguments_are_usage_errors():
    with pytest.raises(UsageError, match="interceptions"):
        list(demo.generate(10, 1))
    with pytest.raises(UsageError, match="seed"):
        list(demo.generate(1_000, -1))
    with pytest.raises(UsageError, match="chunk_size"):
        list(demo.generate(1_000, 1, chunk_size=10))


# -- providers ---------------------------------------------------------------------------------


def test_provider_world(small):
    p = small["ai_providers"]
    assert p["name"].str.contains(r"^[a-z0-9]+(-[a-z0-9]+)*$").all()
    live = p.filter(~pl.col("deleted"))
    assert live["name"].is_unique().all()
    assert p.filter(pl.col("deleted"))["enabled"].not_().all()
    assert live.filter(pl.col("name") == "openai")["type"].to_list() == ["openai"]
    assert live.filter(pl.col("type") == "anthropic").height >= 2
    assert live.filter(pl.col("type") == "copilot").height == 1
    assert set(live["type"]) >= {"bedrock", "openrouter", "azure", "copilot"}
    assert live.filter(~pl.col("enabled")).height == 1
    claudes = p.filter(pl.col("name") == "claude").sort("created_at")
    assert claudes["deleted"].to_list() == [True, False]
    drifted = p.filter(pl.col("name") == "aws-claude").row(0, named=True)
    assert drifted["type"] == "bedrock" and drifted["updated_at"] > drifted["created_at"]
    absent = {str(x.id) for x in demo.PROVIDERS if not x.in_snapshot}
    assert absent and absent.isdisjoint(set(p["id"]))
    assert len({x.id for x in demo.PROVIDERS}) == len(demo.PROVIDERS)
    assert demo.PROVIDERS[0].id == uuid.uuid5(uuid.UUID("5b0f5d6e-8c1a-4d7e-9a3b-2f64c1e0a7d1"), "provider/openai")


def test_backfill_simulation_follows_both_passes():
    idx = {p.key: i for i, p in enumerate(demo.PROVIDERS)}
    assert demo._backfill("openai", "openai") == idx["openai"]  # pass 1, by exact name
    assert demo._backfill("anthropic", "anthropic") == -1  # nobody is named after the type
    assert demo._backfill("claude", "anthropic") == -1  # old one deleted, new one not yet created
    assert demo._backfill("vercel-gateway", "openai") == idx["vercel-gateway"]  # enabled not checked
    assert demo._backfill("", "copilot") == idx["github-copilot"]  # pass 2, unique type
    assert demo._backfill("", "anthropic") == -1  # ambiguous type (aws-claude still anthropic)
    assert demo._backfill("", "bedrock") == idx["bedrock-prod"]  # unique before the drift
    assert demo._backfill("", "mistral") == -1


# -- planted edge cases ------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["small", "default"])
def test_every_label_present_with_its_declared_method(size, request):
    frames = request.getfixturevalue(size)
    gt = frames[GROUND_TRUTH_TABLE]
    counts = dict(gt["edge_case"].value_counts().iter_rows())
    assert set(counts) == set(demo.PLANTED_EDGE_CASES)
    floor = 5 if size == "small" else 30
    assert min(counts.values()) >= floor
    methods = gt.group_by("edge_case").agg(pl.col("expected_method").unique())
    for label, found in methods.iter_rows():
        assert found == [demo.PLANTED_EDGE_CASES[label].expected_method], label
    assert set(gt["expected_method"]) <= set(demo.DEMO_METHODS)


def _contract_methods(frames: dict[str, pl.DataFrame], with_provider_id: bool = True) -> pl.DataFrame:
    """The README's strict rules, evaluated from the tables alone with Polars (a second
    implementation): the candidates for a row without provider_id hold its name (or its type for
    an empty name), were not deleted before it started (updated_at), and, when any of them existed
    then (before the first provider: within an hour of it), only those."""
    providers = frames["ai_providers"]
    settled = providers["created_at"].min() + timedelta(hours=1)
    rows = frames["aibridge_interceptions"].select("id", "provider_id", "provider_name", "provider", "started_at")
    if not with_provider_id:
        rows = rows.with_columns(pl.lit(None, pl.String).alias("provider_id"))
    rows = rows.with_columns(
        pl.when(pl.col("provider_name") != "").then(pl.col("provider_name")).otherwise(pl.col("provider")).alias("word")
    )
    members = pl.concat(
        [
            providers.select(
                pl.lit(True).alias("named"), pl.col("name").alias("word"), "id", "deleted", "created_at", "updated_at"
            ),
            providers.select(
                pl.lit(False).alias("named"), pl.col("type").alias("word"), "id", "deleted", "created_at", "updated_at"
            ),
        ]
    )
    candidates = (
        rows.filter(pl.col("provider_id").is_null())
        .select("id", "started_at", "word", (pl.col("provider_name") != "").alias("named"))
        .join(members.rename({"id": "candidate"}), on=["named", "word"])
        .filter(~pl.col("deleted") | (pl.col("started_at") < pl.col("updated_at")))
        .with_columns((pl.col("created_at") <= pl.max_horizontal("started_at", pl.lit(settled))).alias("existed"))
        .filter(pl.col("existed") | ~pl.col("existed").any().over("id"))
        .group_by("id")
        .agg(pl.len().alias("n"), pl.col("candidate").first(), pl.col("deleted").first())
    )
    rows = rows.join(
        providers.select(pl.col("id").alias("provider_id"), pl.lit(True).alias("known")), on="provider_id", how="left"
    ).join(candidates, on="id", how="left")
    named = pl.col("provider_name") != ""
    return rows.select(
        "id",
        pl.when(pl.col("provider_id").is_not_null() & pl.col("known").is_not_null())
        .then(pl.lit("provider_id"))
        .when(pl.col("provider_id").is_not_null())
        .then(pl.lit("unknown_provider_id"))
        .when(named & (pl.col("n") == 1) & pl.col("deleted"))
        .then(pl.lit("deleted_provider_name"))
        .when(named & (pl.col("n") == 1))
        .then(pl.lit("provider_name"))
        .when(named & (pl.col("n") > 1))
        .then(pl.lit("ambiguous_name"))
        .when(~named & (pl.col("n") == 1))
        .then(pl.lit("unique_type"))
        .when(~named & (pl.col("n") > 1))
        .then(pl.lit("ambiguous_type"))
        .otherwise(pl.lit("no_live_provider"))
        .alias("method"),
        pl.when(pl.col("provider_id").is_not_null() & pl.col("known").is_not_null())
        .then(pl.col("provider_id"))
        .when(pl.col("provider_id").is_null() & (pl.col("n") == 1))
        .then(pl.col("candidate"))
        .alias("resolved"),
    )


def test_expected_methods_agree_with_the_tables(default):
    gt = default[GROUND_TRUTH_TABLE]
    got = _contract_methods(default).join(gt, left_on="id", right_on="interception_id")
    assert got.height == gt.height
    assert (got["method"] == got["expected_method"]).all()
    assert got.select((pl.col("resolved").eq_missing(pl.col("expected_provider_id"))).all()).item()
    mainline = _contract_methods(default, with_provider_id=False).join(gt, left_on="id", right_on="interception_id")
    assert (mainline["method"] == mainline["expected_method_without_provider_id"]).all()


def test_planted_states(default):
    it = default["aibridge_interceptions"].join(default[GROUND_TRUTH_TABLE], left_on="id", right_on="interception_id")
    providers = {p.key: str(p.id) for p in demo.PROVIDERS}
    migration = demo.MIGRATION_INSTANT

    def rows(label: str) -> pl.DataFrame:
        return it.filter(pl.col("edge_case") == label)

    assert set(rows("legacy_wire_type_name")["provider_name"]) == {"anthropic", "copilot"}
    assert (rows("legacy_wire_type_name")["started_at"] < migration).all()
    wire_family = rows("wire_family_misattributed")
    assert set(wire_family["provider_name"]) == {"openai", ""}
    assert (wire_family["provider_id"] == providers["openai"]).all()
    assert not (wire_family["true_provider_id"] == providers["openai"]).any()
    assert (rows("empty_name_unique_type")["started_at"] > migration).all()
    assert rows("empty_name_unique_type")["provider_id"].is_null().all()
    reused = rows("name_reused")
    new_claude = next(p for p in demo.PROVIDERS if p.key == "claude-new")
    assert (reused["started_at"] < new_claude.serving_window[0]).all()
    # The old claude held the name when these rows started: strict attribution gives them to it.
    assert (reused["expected_provider_id"] == providers["claude-old"]).all()
    assert (reused["true_provider_id"] == providers["claude-old"]).all()
    hard = rows("hard_deleted_provider")
    assert hard["provider_id"].is_null().all() and (hard["true_provider_id"] == providers["gemini-old"]).all()
    assert (rows("dangling_provider_id")["provider_id"] == providers["local-vllm"]).all()
    assert (rows("provider_outside_enum")["provider"] == "mistral").all()
    assert rows("client_null")["client"].is_null().all()
    assert it.filter(pl.col("edge_case") != "client_null")["client"].null_count() == 0
    assert (rows("type_drift")["provider"] == "bedrock").all()
    assert set(rows("snapshot_name_mismatch")["provider_name"]) <= {"openai", "anthropic", "copilot"}
    # Truth is unknown only where no provider of ours served the request.
    assert set(it.filter(pl.col("true_provider_id").is_null())["edge_case"]) == {"provider_outside_enum"}
    # Rows beyond Coder's 60-day retention exist.
    assert (it["started_at"] < demo.ANCHOR - timedelta(days=60)).sum() > 1000


def test_mixed_sessions_mix_providers_and_models(default):
    it = default["aibridge_interceptions"].join(default[GROUND_TRUTH_TABLE], left_on="id", right_on="interception_id")
    sessions = (
        it.filter(pl.col("edge_case") == "mixed_session")
        .with_columns(pl.coalesce("client_session_id", "thread_root_id", "id").alias("session_id"))
        .group_by("session_id", "initiator_id")
        .agg(pl.len(), pl.col("provider_id").n_unique().alias("providers"), pl.col("model").n_unique().alias("models"))
        .filter(pl.col("len") > 1)
    )
    assert sessions.height > 10
    assert (sessions["providers"] > 1).all()
    assert (sessions["models"] > 1).mean() > 0.5


# -- referential and temporal sanity -----------------------------------------------------------


def test_referential_sanity(default):
    it = default["aibridge_interceptions"]
    ids = set(it["id"])
    assert it["id"].is_unique().all() and len(ids) == 20_000
    for child in CHILDREN:
        assert set(default[child]["interception_id"]) <= ids, child
    for name in CHILDREN[:3]:
        assert default[name]["id"].is_unique().all()
    users = dict(zip(it["id"], it["initiator_id"], strict=True))
    for column in ("thread_parent_id", "thread_root_id"):
        linked = it.filter(pl.col(column).is_not_null())
        assert linked.height > 1000
        assert all(users[t] == u for t, u in zip(linked[column], linked["initiator_id"], strict=True))
    roots = set(it["thread_root_id"].drop_nulls())
    assert it.filter(pl.col("id").is_in(list(roots)))["thread_root_id"].null_count() == len(roots)
    assert it["initiator_id"].n_unique() > 200
    gt = default[GROUND_TRUTH_TABLE]
    assert gt["interception_id"].is_unique().all() and set(gt["interception_id"]) == ids
    assert gt["edge_case"].null_count() == 0


def test_times(default):
    it = default["aibridge_interceptions"]
    assert it["started_at"].dtype == pl.Datetime("us", "UTC")
    ended = it.filter(pl.col("ended_at").is_not_null())
    assert (ended["ended_at"] >= ended["started_at"]).all()
    assert it["ended_at"].max() <= demo.ANCHOR and it["started_at"].max() <= demo.ANCHOR
    assert it["started_at"].min() >= demo.ANCHOR - timedelta(days=demo.HISTORY_DAYS)
    in_flight = it["ended_at"].null_count() / it.height
    assert 0.005 <= in_flight <= 0.02
    stuck = it.filter(pl.col("ended_at").is_null() & (pl.col("started_at") < demo.ANCHOR - timedelta(days=1)))
    assert stuck.height >= 5
    durations = (ended["ended_at"] - ended["started_at"]).dt.total_milliseconds()
    assert durations.min() < 1_000 and durations.max() > 60_000
    for child in CHILDREN:
        joined = default[child].join(it.select("id", "started_at"), left_on="interception_id", right_on="id")
        assert (joined["created_at"] >= joined["started_at"]).all(), child
        assert (joined["created_at"] <= demo.ANCHOR).all(), child
    weekday = it["started_at"].dt.weekday()
    assert (weekday <= 5).mean() > 0.8  # a working-week rhythm


def test_child_tables_look_real(default):
    it = default["aibridge_interceptions"]
    tokens, prompts, tools = (default[t] for t in CHILDREN[:3])
    ended = it.filter(pl.col("ended_at").is_not_null())
    per = tokens.group_by("interception_id").len().join(it, left_on="interception_id", right_on="id")
    assert per["len"].max() == 3
    assert set(per.filter(pl.col("ended_at").is_not_null())["interception_id"]) == set(ended["id"])
    assert (per.filter(pl.col("ended_at").is_null())["len"] == 1).all()  # partial: at most one so far
    assert (tokens["input_tokens"] > 0).all() and tokens["input_tokens"].max() > 50 * tokens["input_tokens"].median()
    assert (tokens["cache_read_input_tokens"] > 0).mean() > 0.3
    assert 0.9 < prompts.height / it.height < 1.0
    texts = set(prompts["prompt"])
    assert any("<script>" in t for t in texts) and any(re.search(r"sk-test-[0-9a-f]+", t) for t in texts)
    injected = tools.filter(pl.col("injected"))
    assert 0.2 < injected.height / tools.height < 0.4
    assert injected["server_url"].null_count() == 0 and tools.filter(~pl.col("injected"))["server_url"].null_count() > 0
    assert injected["invocation_error"].null_count() < injected.height
    assert default["aibridge_model_thoughts"].height > 0


def test_summary_counts(tmp_path):
    summary = demo.build_demo(tmp_path / "d.duckdb", 600, 3)
    small = demo.demo_tables(600, 3)
    assert summary.tables == {k: v.height for k, v in small.items()}
    assert summary.edge_cases == demo.planned_counts(600)
    assert sum(summary.expected_methods.values()) == 600
    assert all(len(m) == 1 for m in summary.methods_by_edge_case.values())
    assert "600 interceptions" in summary.describe()
