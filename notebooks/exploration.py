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
# # Exploring AI Bridge usage per provider
#
# A starting point for analysts: how the gateway was used over time, per provider instance and
# model, by how many people, in how many sessions, with how many tokens and tool calls. Every
# figure comes from `aa.summary`, the same pipeline as the `summary` command and the report:
# ended interceptions only, attributed per provider *instance* by strict attribution (rows
# without a provider form their own group, shown as `(unattributed)`). Set `TZ` to count days
# and weeks in your zone.

# %% tags=["parameters"]
SOURCE = None  # None: the demo warehouse; or a .duckdb path, postgresql://..., a Parquet dir, a JSON export
TZ = "UTC"
SINCE = None  # ISO 8601 (no offset = in TZ) or an age such as "30d"; None: all history
UNTIL = None

# %%
import altair as alt
import polars as pl
from IPython.display import display

import aibridge_analytics as aa
from aibridge_analytics.outputs.report import charts

alt.renderers.enable("svg")  # static SVG rendered offline by vl-convert
pl.Config(tbl_rows=25, tbl_cols=-1, fmt_str_lengths=50, tbl_width_chars=220)
con = aa.connect(SOURCE)
UNATTRIBUTED = "(unattributed)"


def named(frame: pl.DataFrame) -> pl.DataFrame:
    """Provider groups labelled by name, the unattributed group included."""
    return frame.with_columns(pl.col("provider_name").fill_null(UNATTRIBUTED))


aa.summary_completeness(con, tz=TZ, since=SINCE, until=UNTIL)

# %% [markdown]
# The completeness row says what the figures leave out: in-flight rows, and how many rows have no
# provider (`unattributed`) or an ambiguous one. Rows older than Coder's 60-day retention exist
# only in copies such as this warehouse (`outside_retention`).
#
# ## Per provider

# %%
by_provider = named(aa.summary(con, by=["provider"], tz=TZ, since=SINCE, until=UNTIL))
# One distinct colour per provider, the same in every chart (busiest first, unattributed in grey).
providers = by_provider.sort("interceptions", descending=True)["provider_name"].to_list()
provider_colours = charts.colour_scale([p for p in providers if p != UNATTRIBUTED] + [UNATTRIBUTED])
by_provider.select(
    "provider_name",
    "provider_type",
    "interceptions",
    "initiators",
    "sessions",
    "threads",
    "input_tokens",
    "output_tokens",
    "tool_calls_injected",
    "tool_calls_client",
    "duration_p50_ms",
    "duration_p95_ms",
).sort("interceptions", descending=True)

# %% [markdown]
# ## History over time
#
# Interceptions per day and provider. Days are dates in `TZ`, drawn as ordinal labels so the chart
# does not shift them into the viewer's zone.

# %%
daily = named(aa.summary(con, by=["provider", "day"], tz=TZ, since=SINCE, until=UNTIL)).with_columns(
    pl.col("day").cast(pl.String)
)
alt.Chart(daily, title="Interceptions per day").mark_bar().encode(
    x=alt.X("day:O", axis=alt.Axis(labelAngle=-60, labelOverlap=True), title=None),
    y=alt.Y("sum(interceptions):Q", title="interceptions"),
    color=alt.Color("provider_name:N", title="provider", scale=provider_colours),
).properties(width=760, height=280)

# %%
weekly = aa.summary(con, by=["week"], tz=TZ, since=SINCE, until=UNTIL).with_columns(pl.col("week").cast(pl.String))
weekly.select("week", "interceptions", "initiators", "sessions", "threads", "input_tokens", "output_tokens")

# %% [markdown]
# ## Models
#
# The models each provider served, by interceptions. The same model name can come from several
# providers (`gpt-4.1` from OpenAI, Azure and Copilot): the provider is part of the key.

# %%
models = named(aa.summary(con, by=["provider", "model"], tz=TZ, since=SINCE, until=UNTIL))
top = models.sort("interceptions", descending=True).head(20)
alt.Chart(top, title="Top models by interceptions").mark_bar().encode(
    x=alt.X("interceptions:Q"),
    y=alt.Y("model:N", sort="-x", title=None, axis=alt.Axis(labelLimit=0)),
    color=alt.Color("provider_name:N", title="provider", scale=provider_colours),
).properties(width=520)

# %% [markdown]
# ## Sessions and threads
#
# A session is the rows sharing `(session_id, initiator_id)` (Coder's grouping); a thread is the
# rows sharing a thread root. A session may use several providers, so per-provider session counts
# add up to more than the total.

# %%
total = aa.summary(con, by=[], tz=TZ, since=SINCE, until=UNTIL)
print(
    f"{total['sessions'][0]} sessions and {total['threads'][0]} threads over {total['interceptions'][0]} "
    f"interceptions; per-provider sessions add up to {by_provider['sessions'].sum()}"
)
aa.list_sessions(con, limit=10)

# %%
clients = aa.summary(con, by=["client"], tz=TZ, since=SINCE, until=UNTIL).sort("interceptions", descending=True)
charts.per_client(clients).properties(title="Sessions and interceptions per client")

# %% [markdown]
# ## Tokens
#
# Input, output and cache tokens per provider. Cache reads are large for Anthropic-format
# providers, whose clients cache the prompt prefix.

# %%
tokens = by_provider.select(
    "provider_name", "input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens"
).unpivot(index="provider_name", variable_name="kind", value_name="tokens")
alt.Chart(tokens, title="Tokens per provider").mark_bar().encode(
    x=alt.X("sum(tokens):Q", title="tokens"),
    y=alt.Y("provider_name:N", sort="-x", title=None),
    color=alt.Color("kind:N"),
).properties(width=560)

# %%
weekly_tokens = named(aa.summary(con, by=["provider", "week"], tz=TZ, since=SINCE, until=UNTIL)).with_columns(
    pl.col("week").cast(pl.String), (pl.col("input_tokens") + pl.col("output_tokens")).alias("tokens")
)
alt.Chart(weekly_tokens, title="Input + output tokens per week").mark_line(point=True).encode(
    x=alt.X("week:O", title="week starting"),
    y=alt.Y("tokens:Q", title="input + output tokens (count)"),
    color=alt.Color("provider_name:N", title="provider", scale=provider_colours),
).properties(width=680, height=260)

# %% [markdown]
# ## Recorded spend
#
# What Coder recorded per token usage (`cost_micros`, micro-dollars: USD to the micro-dollar),
# per provider instance and model. Unpriced usage (no recorded cost) is not in the cost: its token
# usages and tokens are counted beside it. A source without Coder's cost columns shows NULL
# ("not recorded"), never 0.

# %%
spend = named(aa.summary(con, by=["provider", "model"], tz=TZ, since=SINCE, until=UNTIL)).select(
    "provider_name",
    "model",
    "recorded_cost_micros",
    "priced_token_usages",
    "unpriced_token_usages",
    "unpriced_input_tokens",
    "unpriced_output_tokens",
)
spend.sort("recorded_cost_micros", descending=True, nulls_last=True)

# %%
if spend["recorded_cost_micros"].null_count() == spend.height:
    print("spend not recorded by this source")
else:
    # Dollars as floats for the chart only; the table above holds the exact micro-dollars.
    dollars = spend.group_by("provider_name").agg((pl.col("recorded_cost_micros").sum() / 1_000_000).alias("usd"))
    display(
        alt.Chart(dollars, title="Recorded cost per provider")
        .mark_bar()
        .encode(
            x=alt.X("usd:Q", title="recorded cost (USD)"),
            y=alt.Y("provider_name:N", sort="-x", title=None),
            color=alt.Color("provider_name:N", title="provider", scale=provider_colours, legend=None),
        )
        .properties(width=560)
    )

# %% [markdown]
# ### What if a price book had priced everything
#
# `aa.what_if` reprices *all* usage of the range with a price book (the `--prices` file of
# `spend --what-if`: per provider type or instance and model, from an instant on, micro-dollars per
# million tokens), beside the recorded cost. `difference_micros` is repriced minus recorded over
# the usages both price (`compared_token_usages`); usage the book cannot price is counted in
# `unrepriced_token_usages`, never priced at 0. Edit `BOOK` to try other prices.

# %%
import tempfile
from pathlib import Path

BOOK = """provider_type,provider_id,model,effective_from,input_price_micros,output_price_micros,cache_read_price_micros,cache_write_price_micros
anthropic,,claude-sonnet-4-5,2026-01-01,2700000,13500000,270000,3375000
openai,,gpt-5,2026-01-01,1000000,8000000,100000,0
"""
book_file = Path(tempfile.mkdtemp()) / "book.csv"
book_file.write_text(BOOK)
what_if = named(aa.what_if(con, aa.read_price_book(book_file), tz=TZ, since=SINCE, until=UNTIL))
what_if.filter(pl.col("repriced_token_usages") > 0).select(
    "provider_name",
    "model",
    "recorded_cost_micros",
    "repriced_cost_micros",
    "compared_token_usages",
    "difference_micros",
    "unrepriced_token_usages",
)

# %% [markdown]
# ## Tool usage
#
# Tool calls are *injected* (MCP tools the gateway runs, with a server URL) or *client* tools the
# agent runs itself. Injected calls can fail: `injected_tool_errors`.

# %%
tools = by_provider.select("provider_name", "tool_calls_injected", "tool_calls_client", "injected_tool_errors")
display(tools.sort("tool_calls_injected", descending=True))
alt.Chart(
    tools.unpivot(
        index="provider_name", on=["tool_calls_injected", "tool_calls_client"], variable_name="kind", value_name="calls"
    ),
    title="Tool calls per provider",
).mark_bar().encode(
    x=alt.X("calls:Q"),
    y=alt.Y("provider_name:N", sort="-x", title=None),
    color="kind:N",
).properties(width=520)

# %% [markdown]
# ## Latency
#
# Request duration (`ended_at - started_at`) percentiles per provider, in seconds.

# %%
percentiles = [f"p{q}" for q in (50, 90, 95, 99)]
latency = by_provider.select(
    "provider_name", *[(pl.col(f"duration_{p}_ms") / 1000).alias(p) for p in percentiles]
).unpivot(index="provider_name", variable_name="percentile", value_name="seconds")
alt.Chart(latency, title="Duration percentiles").mark_point(filled=True, size=60).encode(
    x=alt.X("seconds:Q", scale=alt.Scale(type="log"), title="duration (seconds, log scale)"),
    y=alt.Y("provider_name:N", title=None),
    color=alt.Color("percentile:N", sort=percentiles, scale=charts.colour_scale(percentiles)),
).properties(width=520)
