"""Benchmark-scale warehouses (millions to a hundred million interceptions), generated in SQL by DuckDB.

The demo generator (`aibridge_analytics.demo.generator`) plants every attribution edge case and keeps a
ground truth, in numpy; at ten million rows it takes minutes and much memory. This module writes
the same Coder tables at any size, chunk by chunk, entirely inside DuckDB: each row's values are
``hash()`` of (seed, stream, row number), so a chunk depends on its row numbers only, every chunk
is committed on its own, and DuckDB's memory limit (with a spill directory) bounds the process.

Two shapes (:data:`SHAPES`):

- ``demo``: proportions like the demo's: 400 initiators over 90 days, sessions of 1 to 48
  interceptions (about 3 on average), most of them one thread, a provider mix with name-only and
  nameless legacy rows without provider_id, providers missing from ai_providers, requests in
  flight at the anchor.
- ``solo``: most interceptions (about 80%) in sessions and threads of their own, 2,000 initiators
  (every one of them appears), 365 days of history.

The result is a warehouse every command reads as a source (``--db``): Coder's tables, the demo's
ai_providers rows, and ``warehouse_meta`` with ``kind = scale``. Like a synced warehouse it has no
primary keys on the streamed tables (building them at 100M rows would need the index in memory).
It has no ground truth: it is for timing, not for checking attribution. Row values are
deterministic for a given (shape, interceptions, seed, DuckDB version): ``hash()`` is DuckDB's
own, recorded in ``warehouse_meta`` as ``duckdb_version``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlglot import exp

from aibridge_analytics.coder import TABLES
from aibridge_analytics.demo.generator import (
    _CLIENT_AGENT,
    _CLIENT_TOOLS,
    _CLIENTS,
    _MCP,
    _MODELS,
    _PROMPT_WEIGHTS,
    _PROMPTS,
    _RESPONSE_PREFIX,
    _TOOL_ERRORS,
    _TYPICAL_MIX,
    ANCHOR,
    PROVIDERS,
    _providers_table,
)
from aibridge_analytics.errors import UsageError
from aibridge_analytics.warehouse import store

__all__ = ["DEFAULT_CHUNK_SIZE", "SHAPES", "ScaleShape", "ScaleSummary", "build_scale"]

GENERATOR_VERSION = "1"
DEFAULT_CHUNK_SIZE = 1_000_000
"""Interceptions per chunk (one transaction each, child rows included)."""

DEFAULT_MEMORY_LIMIT = "1GB"
"""DuckDB's buffer pool while generating; what does not fit spills to the temp directory."""

SLOTS = 100
"""Rows in each lookup table: a draw ``hash() % SLOTS`` picks one, so weights are in percent."""

LANES = 64
"""Initiators working at once in each window of the history (see sql/demo/scale/chunk.sql)."""

POSITIONS = 48
"""Interceptions per lane and window; every session size divides it."""

_US = 1_000_000
_DAY_US = 86_400 * _US


@dataclass(frozen=True)
class ScaleShape:
    """How a scale history is cut into initiators, sessions and threads.

    ``sessions`` lists lane classes (session size, thread size, percent of interceptions): a lane
    of a window (one initiator's stretch of work, :data:`POSITIONS` interceptions) is cut into
    sessions of ``session size`` interceptions, each cut into threads of ``thread size`` (a thread
    of one has no parent or root). Both sizes divide :data:`POSITIONS`.
    """

    name: str
    description: str
    days: int
    users: int
    sessions: tuple[tuple[int, int, int], ...]
    #: Percent of rows without provider_id; the first ``nameless_pct`` of them have provider_name ''.
    legacy_pct: int = 6
    nameless_pct: int = 2
    #: One session in ``every`` goes to the next initiator in turn, so that all of them appear.
    every: int = 5


SHAPES: dict[str, ScaleShape] = {
    "demo": ScaleShape(
        "demo",
        "proportions like the demo: 400 initiators, 90 days, sessions of 1-48 interceptions (about 3)",
        days=90,
        users=400,
        sessions=(
            (1, 1, 10),
            (2, 2, 10),
            (2, 1, 5),
            (3, 3, 10),
            (3, 1, 5),
            (4, 4, 10),
            (4, 1, 5),
            (6, 6, 10),
            (6, 2, 5),
            (8, 8, 10),
            (12, 12, 10),
            (12, 4, 5),
            (48, 48, 3),
            (48, 6, 2),
        ),
    ),
    "solo": ScaleShape(
        "solo",
        "most interceptions in sessions and threads of their own: 2,000 initiators, 365 days",
        days=365,
        users=2000,
        sessions=((1, 1, 80), (2, 2, 8), (3, 3, 5), (6, 6, 4), (12, 4, 3)),
    ),
}
"""The shapes :func:`build_scale` knows, by name."""


@dataclass
class ScaleSummary:
    """What a scale build wrote: rows per table, and how long it took."""

    path: Path
    shape: str
    interceptions: int
    seed: int
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def describe(self) -> str:
        """One line for a terminal: the shape, the sizes and the time."""
        tables = ", ".join(f"{k} {v:,}" for k, v in self.tables.items())
        head = f"{self.interceptions:,} interceptions, shape {self.shape} (seed {self.seed})"
        return f"{head} in {self.seconds:.1f}s; {tables}"


def _slots(rows: Sequence[dict[str, Any]], weights: Sequence[float]) -> pa.Table:
    """``rows`` spread over :data:`SLOTS` numbered slots in proportion to ``weights`` (largest remainder)."""
    total = float(sum(weights))
    exact = [w * SLOTS / total for w in weights]
    counts = [int(e) for e in exact]
    by_remainder = sorted(range(len(rows)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: SLOTS - sum(counts)]:
        counts[i] += 1
    out: list[dict[str, Any]] = []
    for row, count in zip(rows, counts, strict=True):
        out += [row] * count
    return pa.Table.from_pylist([{"slot": i, **row} for i, row in enumerate(out)])


def _session_table(shape: ScaleShape) -> pa.Table:
    rows = [{"session_size": s, "thread_size": t} for s, t, _ in shape.sessions]
    return _slots(rows, [w for _, _, w in shape.sessions])


def _provider_table() -> pa.Table:
    """(provider, model) pairs by traffic: the demo's typical mix, Copilot, and two providers that
    ai_providers lacks (one hard-deleted, its ids set NULL; one missing from the export, its ids dangling)."""
    mix = [*_TYPICAL_MIX, ("github-copilot", 5), ("gemini-old", 1), ("local-vllm", 1)]
    by_key = {p.key: p for p in PROVIDERS}
    wires = ("openai", "anthropic", "copilot", "bedrock", "mistral")
    rows, weights = [], []
    for key, weight in mix:
        p = by_key[key]
        models = _MODELS[p.key if p.key in _MODELS else p.type]
        total = sum(w for _, w in models)
        wire_code = wires.index("bedrock" if p.type == "bedrock" else p.wire)
        for model, w in models:
            rows.append(
                {
                    "provider": p.wire,
                    "provider_name": p.name,
                    "provider_id": None if p.hard_deleted_days is not None else str(p.id),
                    "model": model,
                    "credential_hint": f"{'sk-ant' if p.wire == 'anthropic' else 'sk'}-***{p.id.hex[:4]}",
                    "response_prefix": _RESPONSE_PREFIX[wire_code],
                    "anthropic": p.wire == "anthropic",
                }
            )
            weights.append(weight * w / total)
    table = _slots(rows, weights)
    return table.set_column(
        table.schema.get_field_index("provider_id"),
        "provider_id",
        table["provider_id"].cast(pa.string()),
    )


def _client_table() -> pa.Table:
    weights = (40, 18, 8, 14, 8, 5, 7)
    rows = [
        {"client": c, "metadata": f'{{"user_agent":"{a}"}}', "has_session": c in ("Claude Code", "Codex")}
        for c, a in zip(_CLIENTS, _CLIENT_AGENT, strict=True)
    ]
    return _slots(rows, weights)


def _prompt_table() -> pa.Table:
    return _slots([{"prompt": p} for p in _PROMPTS], [float(w) for w in _PROMPT_WEIGHTS])


def _tool_table() -> pa.Table:
    """About 30% injected MCP calls (a few failing), the rest the clients' own tools."""
    rows: list[dict[str, Any]] = []
    weights: list[float] = []
    for url, tool, arguments in _MCP:
        rows.append({"server_url": url, "tool": tool, "input": arguments, "injected": True, "invocation_error": None})
        weights.append(28 / len(_MCP))
    for error in _TOOL_ERRORS[:2]:
        url, tool, arguments = _MCP[0]
        rows.append({"server_url": url, "tool": tool, "input": arguments, "injected": True, "invocation_error": error})
        weights.append(1)
    for tool, arguments in _CLIENT_TOOLS:
        rows.append({"server_url": None, "tool": tool, "input": arguments, "injected": False, "invocation_error": None})
        weights.append(70 / len(_CLIENT_TOOLS))
    table = _slots(rows, weights)
    for name in ("server_url", "invocation_error"):
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, table[name].cast(pa.string()))
    return table


def _check(shape: str, interceptions: int, seed: int, chunk_size: int, memory_limit: str) -> ScaleShape:
    if shape not in SHAPES:
        raise UsageError(f"unknown shape {shape!r}: use one of {', '.join(SHAPES)}")
    for what, value, low in (("interceptions", interceptions, 1), ("chunk size", chunk_size, 1), ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise UsageError(f"{what} must be an integer >= {low}, got {value!r}")
    if not store.MEMORY_SIZE.match(memory_limit):
        raise UsageError(f"memory limit must be a size such as 1GB or 512MB, got {memory_limit!r}")
    return SHAPES[shape]


def build_scale(
    path: Path | str,
    shape: str = "demo",
    interceptions: int = 1_000_000,
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    temp_directory: Path | str | None = None,
) -> ScaleSummary:
    """Write a scale warehouse of ``interceptions`` rows of ``shape`` (see :data:`SHAPES`) to ``path``.

    Generated in DuckDB, ``chunk_size`` interceptions (with their child rows) per transaction,
    with DuckDB's memory held to ``memory_limit`` (spilling to ``temp_directory``, by default a
    directory beside ``path``). Built beside ``path`` and moved into place only when complete, as
    the demo is. ``progress(done, total)`` is called after each chunk.
    """
    spec = _check(shape, interceptions, seed, chunk_size, memory_limit)
    began = time.perf_counter()
    path = Path(path)
    spill = Path(temp_directory) if temp_directory is not None else path.with_name(f".{path.name}.spill")
    spill.mkdir(parents=True, exist_ok=True)
    summary = ScaleSummary(path, shape, interceptions, seed)
    windows = -(-interceptions // (LANES * POSITIONS))
    span_us = spec.days * _DAY_US
    anchor_us = int(ANCHOR.timestamp()) * _US
    common = {"seed": seed, "slots": SLOTS}
    chunk_params = {
        **common,
        "lanes": LANES,
        "positions": POSITIONS,
        "users": spec.users,
        "every": spec.every,
        "start_us": anchor_us - span_us,
        # Windows share the span evenly; the last may be partly filled, so the newest rows fall a
        # little short of the anchor at sizes that are not a multiple of a window.
        "window_us": span_us // windows,
        "anchor_us": anchor_us,
        "legacy_pct": spec.legacy_pct,
        "nameless_pct": spec.nameless_pct,
    }
    lookups = {
        "_scale_sessions": _session_table(spec),
        "_scale_providers": _provider_table(),
        "_scale_clients": _client_table(),
        "_scale_prompts": _prompt_table(),
        "_scale_tools": _tool_table(),
    }
    with store.replacing(path) as con:
        warehouse = store.Warehouse(con)
        warehouse.run("warehouse/settings/memory_limit", {"limit": memory_limit})
        warehouse.run("warehouse/settings/temp_directory", {"directory": str(spill)})
        store.create_schema(con, keys=False)
        for name, table in lookups.items():
            con.register(name, table)
        try:
            with warehouse.registered("_scale_ai_providers", _providers_table()):
                load = exp.insert(exp.select("*").from_("_scale_ai_providers"), exp.to_table("ai_providers"))
                warehouse.execute_built("load ai_providers", load)
            if progress:
                progress(0, interceptions)
            for lo in range(0, interceptions, chunk_size):
                hi = min(lo + chunk_size, interceptions)
                with warehouse.transaction():
                    warehouse.run("demo/scale/chunk", {**chunk_params, "lo": lo, "hi": hi})
                    warehouse.run("demo/scale/interceptions")
                    warehouse.run("demo/scale/token_usages", {"seed": seed})
                    warehouse.run("demo/scale/user_prompts", common)
                    warehouse.run("demo/scale/tool_usages", common)
                if progress:
                    progress(hi, interceptions)
            meta = {
                "kind": "scale",
                "shape": shape,
                "seed": str(seed),
                "interceptions": str(interceptions),
                "generator_version": GENERATOR_VERSION,
                "duckdb_version": duckdb.__version__,
                "anchor": ANCHOR.isoformat(),
                "history_days": str(spec.days),
                "initiators": str(spec.users),
            }
            with warehouse.transaction():
                for key, value in meta.items():
                    warehouse.run("warehouse/meta/set", {"key": key, "value": value})
            for table in TABLES:
                summary.tables[table] = int(warehouse.built_value(f"count {table}", _count(table)) or 0)
        finally:
            for name in lookups:
                con.unregister(name)
    _remove_empty(spill)
    summary.seconds = time.perf_counter() - began
    return summary


def _count(table: str) -> exp.Select:
    return exp.select(exp.Count(this=exp.Star())).from_(exp.to_table(f"main.{table}"))


def _remove_empty(directory: Path) -> None:
    """Remove the spill directory if DuckDB left it empty (it removes its own files)."""
    try:
        directory.rmdir()
    except OSError:
        pass
