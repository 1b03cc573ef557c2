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
# # Verifying the provider_id backfill (migration 000507)
#
# Migration 000507 adds `aibridge_interceptions.provider_id` and fills it for old rows: pass 1 by
# exact live name, pass 2 (empty names only) by a type held by exactly one live provider. Did it
# do what it should on *this* data? `aa.verify_backfill(con)` replays both passes on the source's
# snapshot (`aa.backfill(con)`), reporting the migration's faults as findings instead of aborting,
# and puts every interception in exactly one class. The replay uses today's live providers, as the
# migration does; strict attribution judges each row by the providers as they stood when it
# started, and the classes compare the two. On a source without the column (mainline Coder) the
# classes preview what the migration would do; on a Coder without `ai_providers` the report is a
# preview of the whole upgrade.

# %% tags=["parameters"]
SOURCE = None  # None: the demo warehouse; or a .duckdb path, postgresql://..., a Parquet dir
SAMPLES = 3  # sample rows shown per class

# %%
import altair as alt
import polars as pl
from IPython.display import display

import aibridge_analytics as aa
from aibridge_analytics.demo import truth as demo_truth
from aibridge_analytics.pipelines import edge_cases as ec

alt.renderers.enable("svg")
pl.Config(tbl_rows=30, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=250)
con = aa.connect(SOURCE)
# The demo's ground truth (None for any other source) scores Coder's filter in the last section.
report = aa.verify_backfill(con, samples=SAMPLES, truth=demo_truth.ended_truth(con))
print(f"{report.source}: {report.scope()}")
print(report.verdict())

# %% [markdown]
# ## The classes
#
# The first rule that applies decides a row's class. *Discrepancy* classes make the report unclean
# (exit code 3 on the command line).
#
# | class | the row | discrepancy |
# |---|---|---|
# | `dangling_id` | has a `provider_id` that no `ai_providers` row has (partial export) | yes |
# | `conflicting` | has a `provider_id` that contradicts the snapshot (another name, an impossible wire format) | yes |
# | `misattributed_successor` | has a `provider_id` naming a provider that took its name (or type) over after it started, while another held it then: the backfill ran after a reuse. Both are named | yes |
# | `unchanged_correct` | has a `provider_id` that agrees; the backfill leaves it alone | no |
# | `awaiting_providers` | the source has no `ai_providers` table: the whole upgrade is still to come | no |
# | `backfill_would_misattribute` | is NULL; a pass would set it, but to another provider than the one that can have served it (a reused name). Both are named | no, a warning finding |
# | `attributed_by_name` | is NULL, but pass 1 sets it: the backfill missed it, or has not run | yes, with the column |
# | `attributed_by_unique_type` | is NULL, but pass 2 sets it | yes, with the column |
# | `left_null_ambiguous_type` | is NULL with an empty name and several live providers of its type | no |
# | `left_null_duplicate_live_name` | is NULL and several live providers hold its name (a broken snapshot) | no, an error finding |
# | `left_null_deleted_provider` | is NULL and only soft-deleted providers hold its name | no |
# | `set_null_by_hard_delete` | is NULL with an instance name nobody holds: its provider was hard-deleted | no |
# | `left_null_no_live_provider` | is NULL otherwise: wire-type names, empty names with no provider of the type, text outside the enum | no |

# %%
report.classes

# %%
classes = report.classes.filter(pl.col("interceptions") > 0)
alt.Chart(classes, title="Interceptions per verification class").mark_bar().encode(
    x=alt.X("interceptions:Q", scale=alt.Scale(type="symlog")),
    y=alt.Y("class:N", sort=None, title=None),
    color=alt.Color("discrepancy:N", scale=alt.Scale(domain=[False, True], range=["#74b816", "#c92a2a"])),
).properties(width=480)

# %% [markdown]
# ## Samples, class by class
#
# A few rows of each class, explained: the snapshot, what the replayed backfill does (`backfill`,
# `after_backfill`), which providers' filter returns the row in Coder (`coder_api`, and the SQL
# predicate alone, `coder_sql`), and strict attribution (`method`, `strict`, `warnings`). On the
# demo, `truth` is the provider that really served the row.

# %%
samples = report.samples.explode("interception_ids").rename({"interception_ids": "interception_id"})
explained = samples.join(
    ec.explain(con, samples["interception_id"], truth=demo_truth.ground_truth(con)), on="interception_id", how="left"
)
for name, rows in explained.group_by("class", maintain_order=True):
    print(f"\n== {name[0]}")
    display(rows.drop("class", "started_at", "ended_at", "client", "model"))

# %% [markdown]
# ## Per provider, and against strict attribution
#
# `by_provider`: the provider each row holds after the backfill (null: it stays NULL). `strict`:
# each class against the strict method, and whether strict attribution lands on the same provider
# as the backfill (`strict_agrees`). Where they disagree, strict attribution has more evidence (a
# provider_id it keeps, a warning it raises) or refuses to guess.

# %%
report.by_provider

# %%
report.strict

# %% [markdown]
# ## Findings and invariants
#
# Findings are the migration's own faults on this data (`pass_2_outside_enum`: the real pass 2
# aborts on a text outside the enum; `copilot_same_transaction`: PostgreSQL refuses the enum value
# added in the same transaction) and snapshot problems. The invariants check the classification
# itself: every row in exactly one class, class totals equal to the row count.

# %%
report.findings

# %%
report.invariants

# %% [markdown]
# ## Coder's provider filter against strict attribution
#
# Per provider, over ended rows: what Coder's API returns (`coder_api`: the predicate ANDed with
# `provider_name = P.name`), its SQL predicate alone (`coder_sql`: the type fallback without a
# uniqueness guard) and strict attribution. On a demo warehouse, precision and recall of each
# against the generator's ground truth (handed over above as `truth=`; the command line never reads it).

# %%
report.coder_filter

# %%
if "precision_strict" in report.coder_filter.columns:
    scores = (
        report.coder_filter.select(
            pl.col("provider_name").fill_null("(not in the snapshot)"),
            *[pl.col(f"{m}_{s}") for m in ("precision", "recall") for s in ("coder_api", "coder_sql", "strict")],
        )
        .unpivot(index="provider_name", variable_name="measure", value_name="value")
        .with_columns(pl.col("measure").str.split_exact("_", 1).struct.rename_fields(["metric", "filter"]))
        .unnest("measure")
    )
    display(
        alt.Chart(scores.drop_nulls("value"), title="Precision and recall per provider")
        .mark_point(filled=True, size=70)
        .encode(
            x=alt.X("value:Q", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("provider_name:N", title=None),
            color="filter:N",
            shape="filter:N",
            column=alt.Column("metric:N", title=None),
        )
        .properties(width=300)
    )

# %% [markdown]
# The whole report as Markdown (the same as `aibridge-analytics verify-backfill --format markdown`):

# %%
from IPython.display import Markdown

Markdown(report.render("markdown"))
