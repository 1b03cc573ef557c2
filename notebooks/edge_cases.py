# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Legacy-row attribution: the sixteen edge cases
#
# Every AI Bridge interception must be attributed to the provider *instance* that served it. Rows
# written after PR #25606 carry a `provider_id`; older rows only carry two snapshot columns:
# `provider` (the **wire format**: `openai`, `anthropic`, `copilot`, ...) and `provider_name` (the
# instance name at request time; `provider` itself for rows backfilled by migration 000458; rarely
# empty). Three mechanisms turn those columns into a provider, and they disagree:
#
# | mechanism | what it does |
# |---|---|
# | **backfill** (migration 000507) | once, for rows whose `provider_id` is NULL: pass 1 sets it from the *live* provider with exactly that name; pass 2, for empty names only, from the type held by exactly one live provider. Everything else stays NULL. |
# | **Coder's runtime filter** (`mode="coder"`) | per query: `provider_id = P` or, for NULL ids, name = P.name or (empty name and `provider` = P.type), with **no** uniqueness guard on the type. The API also ANDs `provider_name = P.name`, so the type branch never applies there. Only live providers can be filtered by; in-flight rows are never listed. |
# | **strict attribution** (`mode="strict"`, this package) | `provider_id` if its row exists; else the provider rows that can have served the row *when it started*, by name (or, for an empty name, by type): not soft-deleted before it, and not created after it while another existed (legacy rows, older than every provider row, are judged as of the upgrade). One such provider resolves the row; several leave it ambiguous; otherwise unattributed, with a `method` and `warnings` saying why. |
#
# Each section below shows one case (README: attribution) on real rows of the source (the demo
# warehouse by default), then what each mechanism does with them and what that does to
# per-provider figures. Tables of rows have these columns:
#
# - snapshot: `provider`, `provider_name`, `provider_id` (shown by name; `(deleted)` marks a
#   soft-deleted provider, `? 1a2b3c4d` an id no `ai_providers` row has);
# - backfill: migration 000507 replayed on this snapshot, i.e. what running it now does:
#   `backfill` (`kept` for a `provider_id` already set, `set_by_name`, `set_by_unique_type`,
#   `left_null`) and `after_backfill`, the provider the row holds afterwards;
# - Coder: `coder_api` (providers whose filter returns the row through the API) and `coder_sql`
#   (providers whose SQL predicate alone matches it);
# - strict: `method`, `strict` (the provider) and `warnings`;
# - demo only: `truth` (the provider that really served the row) and its generator `label`.

# %% tags=["parameters"]
SOURCE = None  # None: the demo warehouse (built on first use); or a .duckdb path, postgresql://..., a Parquet dir

# %%
import tempfile

import altair as alt
import polars as pl
from IPython.display import display

import aibridge_analytics as aa
from aibridge_analytics.demo import truth as demo_truth
from aibridge_analytics.pipelines import edge_cases as ec

alt.renderers.enable("svg")  # static SVG, rendered offline by vl-convert: shows in any viewer
pl.Config(tbl_rows=30, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=250)

con = aa.connect(SOURCE)
truth = demo_truth.ground_truth(con)  # the demo generator's answers; None for any other source
book = ec.CaseBook(con, truth)  # reads the source once for every section
providers = con.query("providers/list")
HIDE = ["started_at", "ended_at", "client", "model"]  # columns most sections do not need


def effect_chart(number: int, title: str) -> alt.Chart:
    """Rows of one case counted per provider by each filter (and the truth, on a demo)."""
    effect = book.provider_effect(number)
    long = effect.unpivot(index="provider", variable_name="counted by", value_name="interceptions")
    return (
        alt.Chart(long, title=title)
        .mark_bar()
        .encode(
            x=alt.X("interceptions:Q"),
            y=alt.Y("counted by:N", title=None),
            color=alt.Color("counted by:N", legend=None),
            row=alt.Row("provider:N", header=alt.Header(labelAngle=0, labelAlign="left")),
        )
        .properties(width=420)
    )


print(
    f"source: {con.label}; provider_id column: {con.probe.has('aibridge_interceptions', 'provider_id')}; "
    f"ground truth: {'yes' if truth is not None else 'no'}"
)
providers

# %% [markdown]
# The providers above are the `ai_providers` snapshot. In the demo, `claude` exists twice (the old
# instance was soft-deleted and a new one reuses the name), `azure-westeu` is soft-deleted,
# `vercel-gateway` is disabled, and two providers that served traffic are missing: `gemini-old`
# was hard-deleted and `local-vllm` is absent from the partial export.

# %% [markdown]
# ## 1. A database without a provider_id column
#
# Mainline Coder (without PR #25606) has no `provider_id` column. The package then reads it as
# NULL everywhere, so strict attribution is exactly what the backfill would produce today from
# `provider_name` and `provider`. The rows that *depend* on `provider_id` are those it attributes
# differently without the column: ids pointing to soft-deleted providers, ids that disagree with
# the snapshot, ids set by a type match that no longer holds.

# %%
book.examples(1).drop(HIDE)

# %% [markdown]
# To see the case itself, the cell below writes the same tables without the column (a mainline
# snapshot, Parquet files) and attributes them again. Methods shift from `provider_id` to
# `provider_name` / `unique_type`, and the rows above lose or change their provider.

# %%
if con.dialect == "duckdb" and con.probe.has("aibridge_interceptions", "provider_id"):
    mainline = aa.connect(ec.mainline_copy(con, tempfile.mkdtemp(prefix="mainline-")))
    methods = (
        aa.attribute(con)
        .group_by("method")
        .len("with_provider_id")
        .join(aa.attribute(mainline).group_by("method").len("without"), on="method", how="full", coalesce=True)
        .fill_null(0)
        .sort("method")
    )
    depends = book.flags.filter(pl.col("case_01"))["interception_id"]
    changed = ec.explain(mainline, depends).select("interception_id", "provider_name", "method", "strict", "warnings")
    display(methods, changed.head(8))
else:
    print("this source is not a local warehouse with a provider_id column: nothing to compare")

# %% [markdown]
# **Consequence.** On a mainline database every figure rests on the snapshot columns, so every
# other case below applies with full force; the `provider_id` column is what lets a row keep its
# provider after a delete, a rename or a type change.

# %% [markdown]
# ## 2. provider_name is the wire type
#
# Migration 000458 backfilled `provider_name = provider` for rows older than the column, so legacy
# rows are named `openai`, `anthropic` or `copilot`. Such a name matches a provider only if one is
# literally named so. Here a provider is named `openai`, so pass 1 attached every legacy
# `openai`-named row to it, including rows that OpenRouter, Azure or Vercel served; no provider is
# named `anthropic` or `copilot`, so those rows stay NULL and unattributed.

# %%
book.examples(2).drop(HIDE)

# %%
book.outcomes(2)

# %% [markdown]
# Strict attribution agrees with the backfill (it has no better evidence) but marks
# `wire_family_ambiguous` where the only evidence is a wire word another live provider also
# speaks. Coder's filter behaves the same: `openai` gets every such row, the `anthropic` rows
# belong to no provider's filter.

# %%
effect_chart(2, "Case 2: wire-type-named rows per provider")

# %% [markdown]
# ## 3. provider_name is empty
#
# An empty name (exports, an outdated replica, older code paths) leaves only the wire format. The
# backfill's pass 2 and strict attribution use it only when **exactly one** live provider has that
# type: `copilot` and `openai` here. Coder's SQL predicate matches every live provider of the type,
# unique or not; its API never does (it also requires `provider_name = P.name`, and the name is
# empty), so these rows disappear from every provider's API listing.

# %%
book.examples(3).drop(HIDE)

# %%
book.outcomes(3)

# %% [markdown]
# ## 4. Several live providers of one type
#
# With two or more live providers of the row's type, the type fallback is ambiguous. The backfill
# leaves `provider_id` NULL and strict attribution reports `ambiguous_type` with no provider. Coder's
# SQL predicate has no uniqueness guard: every such row matches **each** provider of the type, so
# it is counted once per provider (here `anthropic-prod`, `anthropic-research` and the new
# `claude`), although it was served by one of them.

# %%
book.examples(4).drop(HIDE)

# %%
book.outcomes(4)

# %%
effect_chart(4, "Case 4: ambiguous rows counted per provider")

# %% [markdown]
# The same with the package's filters: `aa.count_interceptions` in both modes for every live
# provider of an ambiguous type. The API (`mode="coder"`) drops these rows rather than double
# counting them; the double count is in the predicate alone (the `coder_sql` bars above), which
# any query reusing it without the name filter inherits.

# %%
ambiguous_types = providers.filter(~pl.col("deleted")).group_by("type").len().filter(pl.col("len") > 1)["type"]
pl.DataFrame(
    [
        {
            "provider": p["name"],
            "type": p["type"],
            "coder": aa.count_interceptions(con, aa.Filters(provider_id=p["id"]), mode="coder"),
            "strict": aa.count_interceptions(con, aa.Filters(provider_id=p["id"]), mode="strict"),
        }
        for p in providers.filter(~pl.col("deleted") & pl.col("type").is_in(ambiguous_types.implode())).iter_rows(
            named=True
        )
    ]
)

# %% [markdown]
# ## 5. The wire format is not the provider type
#
# OpenRouter, Azure, Google, Vercel and openai-compat instances all record `provider = 'openai'`;
# Bedrock records `anthropic`. A type fallback compares `provider` with the type, so it can never
# reach those instances, and even a *unique* `openai` type is ambiguous at the wire level: an
# OpenRouter instance speaks `openai` too. The planted rows were served by OpenRouter, Azure and
# Vercel but carry the name `openai` or none; the backfill gave them to the provider named or
# typed `openai`, and every mechanism agrees with it — wrongly (see `truth`). Strict attribution
# cannot know better, but says so with `wire_family_ambiguous`.

# %%
book.examples(5).drop(HIDE)

# %%
effect_chart(5, "Case 5: rows whose wire format is not their provider's type")

# %% [markdown]
# **Consequence.** `openai`'s figures absorb other instances' legacy traffic; the flag counts every
# row whose wire format differs from its provider's type (most of the Azure, OpenRouter and Bedrock
# traffic), of which only the wire-only rows are at risk.

# %% [markdown]
# ## 6. Soft-deleted provider, and a name reused
#
# A soft-deleted provider keeps its row (`deleted = true`) but is excluded from both backfill
# passes and from Coder's filter (filtering by its id is refused). Its name can then be reused by a
# new provider. The old `claude` was deleted before the migration ran, so its history stayed NULL
# then; the new `claude` was created later, and today a re-run of pass 1 (the `backfill` column)
# and Coder's filter give that history to the new instance, since they look at today's live
# providers only. Strict attribution looks at the providers as they stood when each row started:
# the old `claude` held the name then and the new one did not exist yet, so the rows stay with the
# old instance (method `deleted_provider_name`, warnings `name_reused` and `deleted_provider`), and
# `--mode strict --provider-id <old claude>` finds them. That the new provider was created after a
# row started is no evidence by itself (see case 16); the soft-deleted holder of the same name is.
# Rows whose `provider_id` points to the soft-deleted `azure-westeu` keep it under strict
# attribution (`deleted_provider`), while Coder's filter cannot return them at all.

# %%
book.examples(6).drop(HIDE)

# %%
book.outcomes(6)

# %%
for p in providers.filter(pl.col("deleted")).iter_rows(named=True):
    try:
        coder = aa.count_interceptions(con, aa.Filters(provider_id=p["id"]), mode="coder")
    except aa.UsageError as exc:
        coder = f"refused: {exc}"
    strict = aa.count_interceptions(con, aa.Filters(provider_id=p["id"]), mode="strict")
    print(f"{p['name']} (soft-deleted): coder -> {coder}\n    strict -> {strict} rows")

# %%
effect_chart(6, "Case 6: soft-deleted providers' rows")

# %% [markdown]
# ## 7. Hard-deleted provider
#
# A hard delete removes the `ai_providers` row; the foreign key's `ON DELETE SET NULL` clears every
# `provider_id` that pointed to it. The name snapshot is then all that is left, and no provider
# holds that name any more: the backfill leaves the rows NULL, Coder's filter matches them for no
# provider, strict attribution reports `no_live_provider`. (A new provider reusing the name would
# inherit them, as in case 6.)

# %%
book.examples(7).drop(HIDE)

# %%
book.outcomes(7)

# %% [markdown]
# ## 8. provider_id pointing to no provider row
#
# In a partial export or a snapshot taken table by table, `provider_id` can name a provider whose
# row is missing. The backfill keeps the id (it is not NULL). Coder's filter can never select the
# rows: it looks providers up in `ai_providers`. Strict attribution reports `unknown_provider_id`
# and does not fall back to the name: the id is better evidence than the name, and guessing could
# attach the rows to the wrong provider.

# %%
book.examples(8).drop(HIDE)

# %%
book.outcomes(8)

# %% [markdown]
# ## 9. provider_id disagrees with the snapshot
#
# `provider_id` wins over the snapshot, but disagreement is worth knowing. Two kinds appear: the
# server wrote the wire type as the name (an empty name replaced), harmless; and a misrouted write
# where `provider_id` is `openai` while `provider = 'anthropic'` and the name says `anthropic-prod`
# — an OpenAI instance cannot produce Anthropic wire traffic. All three mechanisms follow the id;
# strict attribution raises `snapshot_mismatch`. Coder's API additionally drops the rows whose
# name differs from the provider's (the `provider_name = P.name` AND).

# %%
book.examples(9).drop(HIDE)

# %%
book.outcomes(9)

# %%
effect_chart(9, "Case 9: rows whose provider_id contradicts the snapshot")

# %% [markdown]
# ## 10. Disabled providers
#
# `enabled = false` without `deleted` stops new traffic but changes nothing for history: both
# backfill passes ignore `enabled`, Coder's filter accepts the provider, and strict attribution
# resolves the rows as usual with the informational warning `disabled_provider`.

# %%
book.examples(10).drop(HIDE)

# %%
book.outcomes(10)

# %% [markdown]
# ## 11. Copilot rows, and values outside the enum
#
# `provider` is free text while `ai_providers.type` is an enum. Pass 2 casts
# `provider::ai_provider_type`: a row with an empty name and a text outside the enum (`mistral`
# here) aborts the whole migration, and `copilot` was added to the enum in the same upgrade
# transaction, which PostgreSQL refuses to use. The package's replay reports both as findings
# instead of failing. Strict attribution compares text with text (`type::text = provider`): copilot
# rows resolve like any other, `mistral` rows have no provider (`no_live_provider`).

# %%
book.examples(11).drop(HIDE)

# %%
book.outcomes(11)

# %%
aa.verify_backfill(con, samples=0).findings.filter(
    pl.col("finding").is_in(["pass_2_outside_enum", "copilot_same_transaction", "provider_outside_enum"])
)

# %% [markdown]
# ## 12. In-flight and stuck rows
#
# `ended_at IS NULL` means the request has not finished. Coder's list, count and telemetry queries
# leave such rows out, and so do this package's listings and summaries (they are counted in the
# completeness figures instead). Attribution is unaffected; the rows get the `in_flight` warning.
# A *stuck* row started long ago and will never end: it is left out of every figure for good.

# %%
book.examples(12).drop("client", "model")

# %%
completeness = aa.summary_completeness(con)
print(
    f"all rows: {completeness['rows_total'][0]}, in flight: {completeness['in_flight'][0]}, "
    f"listed by count_interceptions: {aa.count_interceptions(con)}, "
    f"stuck (started a day or more before the newest row): {book.flags['stuck'].sum()}"
)

# %% [markdown]
# ## 13. client NULL
#
# `client` defaults to `'Unknown'` but can be NULL (older rows, some exports). Coder reads it with
# `COALESCE(client, 'Unknown')`, so NULL and a literal `Unknown` are one group in every listing
# and summary, and the `client` filter `Unknown` matches both. Attribution does not use `client`.

# %%
book.examples(13).drop("started_at", "ended_at")

# %%
flagged = book.flags
print(
    f"client NULL: {flagged['client'].is_null().sum()}, client 'Unknown': "
    f"{(flagged['client'] == 'Unknown').sum()}, filter client='Unknown' (ended rows): "
    f"{aa.count_interceptions(con, aa.Filters(client='Unknown'))}"
)

# %% [markdown]
# ## 14. Sessions mixing providers
#
# A session is the rows sharing `(session_id, initiator_id)`, where `session_id` is
# `COALESCE(client_session_id, thread_root_id, id)`. One session can switch providers and models
# (an agent routing between Anthropic and OpenAI, say). Per-provider session counts then count it
# under each provider, so they add up to more than the number of sessions. Each row is attributed
# on its own; nothing is wrong with the rows, only with adding session counts up.

# %%
book.examples(14).drop("ended_at", "client")

# %%
per_provider = aa.summary(con, by=["provider"])["sessions"].sum()
overall = aa.summary(con, by=[])["sessions"][0]
print(
    f"sessions: {overall} in total; summed over providers: {per_provider} "
    f"({per_provider - overall} counted under more than one provider)"
)

# %% [markdown]
# ## 15. Type drift
#
# A later Coder version changes `type` from `anthropic` to `bedrock` for providers with Bedrock
# settings, so a type answers differently over time. Here `bedrock` had one live provider
# (`bedrock-prod`) when the migration ran, and pass 2 set `provider_id` on empty-named `bedrock`
# rows; afterwards `aws-claude` drifted from `anthropic` to `bedrock`. A type fallback today would
# be ambiguous: Coder's SQL predicate now matches both, and strict attribution keeps the rows only
# because the backfill already stored the id. The snapshot keeps no type history, so drift is
# visible only where it left such a trace (`updated_at` after `created_at` on the provider hints at it).

# %%
book.examples(15).drop(HIDE)

# %%
providers.filter(pl.col("type") == "bedrock").select("name", "type", "deleted", "created_at", "updated_at")

# %%
effect_chart(15, "Case 15: rows set by a type that has drifted since")

# %% [markdown]
# ## 16. The upgrade timeline: legacy traffic before any provider row
#
# `ai_providers` only exists since migration 000495. On a real deployment the provider rows are
# created when the provider configuration moves into the database, at or after that upgrade, so
# **every legacy interception started before every provider row was created**. A provider created
# after a row started is therefore normally that row's own provider, not a stranger: strict
# attribution judges legacy rows as of the upgrade (the providers created within its first hour
# stand for the configuration that served them). Later changes must not move them: a soft delete
# followed by name reuse, a provider deleted for good, a second provider of a type.
#
# The demo world's providers predate its history, so this case is shown on the upgrade histories
# (`aibridge_analytics.demo.upgrades`): deterministic deployments with hand-derived answers.
# Each row below is one history; `verify-backfill` exits 0 when `clean`.

# %%
from aibridge_analytics.demo import upgrades  # noqa: E402


def history_connection(s: upgrades.Scenario, mainline: bool = False):
    """An in-memory source holding exactly the history's tables and columns."""
    import duckdb

    from aibridge_analytics.sources.connection import DuckDBConnection
    from aibridge_analytics.warehouse import store

    raw = store.configure(duckdb.connect())
    for name, frame in s.tables(provider_id=not mainline).items():
        raw.register("incoming", frame)
        raw.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
        raw.unregister("incoming")
    return DuckDBConnection(raw, label=s.name)


rows = []
for s in upgrades.SCENARIOS:
    for mainline in (False, True) if s.has_provider_id else (False,):
        report = aa.verify_backfill(history_connection(s, mainline))
        classes = report.classes.filter(pl.col("interceptions") > 0)
        rows.append(
            {
                "history": s.name,
                "provider_id column": s.has_provider_id and not mainline,
                "clean": report.clean,
                "classes": ", ".join(f"{c} {n}" for c, n in classes.select("class", "interceptions").iter_rows()),
            }
        )
pl.DataFrame(rows)

# %% [markdown]
# The reused name, row by row: with the column, 000507 ran at the upgrade and every row keeps its
# own provider. Without it, a re-run of pass 1 would give the old rows to the name's new holder
# (`backfill_would_misattribute`), while strict attribution keeps them with the old one.

# %%
reuse = upgrades.scenario("name_reused")
mainline = history_connection(reuse, mainline=True)
names = dict(mainline.query("providers/list").select("id", "name").iter_rows())
aa.backfill(mainline).join(
    aa.attribute(mainline).select("interception_id", "method", "warnings"), on="interception_id"
).select(
    "started_at",
    "provider_name",
    "method",
    pl.col("resolved_provider_id").replace_strict(names, default=None).alias("strict"),
    pl.col("backfill_provider_id").replace_strict(names, default=None).alias("pass_1_today"),
    "warnings",
).group_by("provider_name", "method", "strict", "pass_1_today", pl.col("warnings").list.join(",")).agg(
    pl.len().alias("rows"), pl.col("started_at").min().alias("first"), pl.col("started_at").max().alias("last")
).sort("first")

# %% [markdown]
# ## All cases in this source
#
# Rows showing each case, judged from the source's own columns (`ec.flags`, no ground truth
# needed); a row can show several cases. `unattributed`: of those, rows strict attribution leaves
# without a provider. On a demo warehouse the last column lists the generator labels that plant
# the case, with their row counts.

# %%
table = ec.counts(con)
if truth is not None:
    planted = truth.group_by("label").len()
    per_label = dict(zip(planted["label"], planted["len"], strict=True))
    table = table.with_columns(
        pl.Series("planted", [", ".join(f"{label} {per_label.get(label, 0)}" for label in c.labels) for c in ec.CASES])
    )
table

# %%
alt.Chart(table, title="Rows showing each edge case").mark_bar().encode(
    x=alt.X("interceptions:Q", scale=alt.Scale(type="symlog")),
    y=alt.Y("title:N", sort=None, title=None),
    tooltip=["case", "interceptions", "unattributed"],
).properties(width=480)
