"""Small hand-built and generated datasets, loaded identically into DuckDB and PostgreSQL.

`frames` turns short row descriptions into complete Coder tables (every column, sensible
defaults), so a test states only what matters to it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import polars as pl

from aibridge_analytics.coder import TABLES
from aibridge_analytics.sources.connection import DuckDBConnection
from aibridge_analytics.warehouse import store

T0 = datetime(2026, 10, 1, tzinfo=UTC)

_POLARS = {
    "UUID": pl.String,
    "VARCHAR": pl.String,
    "TIMESTAMPTZ": pl.Datetime("us", "UTC"),
    "BIGINT": pl.Int64,
    "BOOLEAN": pl.Boolean,
    "JSON": pl.String,
}


def uid(label: str) -> str:
    """A stable UUID for a readable label, so tests can name rows."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"aibridge-test/{label}"))


def provider(
    name: str, type: str, *, deleted: bool = False, enabled: bool = True, created: int = 0, label: str | None = None
) -> dict:
    """An ai_providers row; ``created`` is days after T0."""
    return {
        "id": uid(label or f"provider/{name}/{deleted}/{created}"),
        "type": type,
        "name": name,
        "display_name": name.title(),
        "enabled": enabled and not deleted,
        "deleted": deleted,
        "base_url": f"https://{name}.example",
        "settings": None,
        "created_at": T0 + timedelta(days=created),
        "updated_at": T0 + timedelta(days=created),
    }


def interception(
    label: str,
    provider: str,
    provider_name: str = "",
    provider_id: str | None = None,
    *,
    day: float = 10,
    minutes: float | None = 1.0,
    client: str | None = "Claude Code",
    model: str = "m",
    initiator: str = "u1",
    session: str | None = None,
    thread_root: str | None = None,
) -> dict:
    """An aibridge_interceptions row; ``day`` is days after T0, ``minutes=None`` leaves it in flight."""
    started = T0 + timedelta(days=day)
    return {
        "id": uid(label),
        "initiator_id": uid(f"user/{initiator}"),
        "provider": provider,
        "provider_name": provider_name,
        "provider_id": provider_id,
        "model": model,
        "started_at": started,
        "ended_at": None if minutes is None else started + timedelta(minutes=minutes),
        "metadata": '{"user_agent": "test"}',
        "api_key_id": "key1",
        "client": client,
        "thread_parent_id": None,
        "thread_root_id": uid(thread_root) if thread_root else None,
        "client_session_id": session,
        "credential_kind": "centralized",
        "credential_hint": "sk-a***efgh",
    }


def frames(tables: Mapping[str, Iterable[Mapping[str, Any]]]) -> dict[str, pl.DataFrame]:
    """Complete Coder tables from partial rows (missing tables are empty, missing columns NULL)."""
    out = {}
    for table, cols in TABLES.items():
        schema = {c.name: _POLARS[c.duckdb] for c in cols}
        rows = [{c: row.get(c) for c in schema} for row in tables.get(table, [])]
        out[table] = pl.DataFrame(rows, schema=schema, orient="row")
    return out


def duckdb_connection(tables: Mapping[str, pl.DataFrame]) -> DuckDBConnection:
    """An in-memory DuckDB warehouse holding ``tables``."""
    con = store.configure(duckdb.connect())
    _fill(con, tables)
    return DuckDBConnection(con, label="test-duckdb")


def driver(con):
    """A test connection's driver handle (DuckDB's or psycopg's), for what the package never does to
    a source: dropping a column or a table to make an older schema, writing to prove it cannot."""
    return getattr(con, "_con", None) or con._conn


def _fill(con: duckdb.DuckDBPyConnection, tables: Mapping[str, pl.DataFrame]) -> None:
    store.create_schema(con)
    for name, frame in tables.items():
        con.register("incoming", frame)
        columns = ", ".join(frame.columns)
        con.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM incoming")
        con.unregister("incoming")


def postgres_connection(pg_schema, tables: Mapping[str, pl.DataFrame]):
    """Load ``tables`` into the test schema with Coder's types and open it as a live source would be."""
    from urllib.parse import quote

    from aibridge_analytics.demo.pgload import load_postgres
    from aibridge_analytics.sources.connection import PostgresConnection

    load_postgres(pg_schema.conn, dict(tables))
    sep = "&" if "?" in pg_schema.dsn else "?"
    return PostgresConnection(f"{pg_schema.dsn}{sep}options={quote(f'-c search_path={pg_schema.name}')}")


def assert_same_rows(left: pl.DataFrame, right: pl.DataFrame, sort: bool = True) -> None:
    """Both engines returned the same rows (order-insensitive unless ``sort`` is False)."""
    from polars.testing import assert_frame_equal

    assert left.columns == right.columns
    if sort and left.height:
        keys = [c for c, t in left.schema.items() if not isinstance(t, pl.List)]
        left, right = left.sort(keys, nulls_last=True), right.sort(keys, nulls_last=True)
    assert_frame_equal(left, right, check_dtypes=True)


# --- generated datasets (hypothesis) -----------------------------------------------------------

NAMES = ("openai", "anthropic", "anthropic-prod", "anthropic-research", "claude", "github-copilot", "router")
TYPES = ("openai", "anthropic", "bedrock", "openrouter", "azure", "copilot")
WIRES = ("openai", "anthropic", "copilot", "mistral")


def dataset_strategy(max_providers: int = 6, max_rows: int = 40):
    """Hypothesis strategy of small Coder datasets dense in attribution edge cases.

    Provider names and types come from small pools so that name reuse, duplicate types, wire
    families, soft deletes, dangling ids and empty snapshots collide often.
    """
    from hypothesis import strategies as st

    @st.composite
    def build(draw):
        providers = []
        for i in range(draw(st.integers(0, max_providers))):
            providers.append(
                provider(
                    draw(st.sampled_from(NAMES)),
                    draw(st.sampled_from(TYPES)),
                    deleted=draw(st.booleans()),
                    enabled=draw(st.booleans()),
                    created=draw(st.integers(0, 30)),
                    label=f"gen-provider-{i}",
                )
            )
        ids = [p["id"] for p in providers] + [uid("dangling")]
        rows = []
        for i in range(draw(st.integers(0, max_rows))):
            rows.append(
                interception(
                    f"gen-{i}",
                    draw(st.sampled_from(WIRES)),
                    draw(st.sampled_from(("",) + NAMES + ("mistral",))),
                    draw(st.one_of(st.none(), st.sampled_from(ids))),
                    day=draw(st.integers(0, 40)) + i / 1000,
                    minutes=draw(st.one_of(st.none(), st.floats(0.01, 30))),
                    client=draw(st.sampled_from((None, "Cursor", "Claude Code"))),
                    model=draw(st.sampled_from(("m1", "m2"))),
                    initiator=draw(st.sampled_from(("u1", "u2", "u3"))),
                    session=draw(st.sampled_from((None, "s1", "s2"))),
                )
            )
        return frames({"ai_providers": providers, "aibridge_interceptions": rows})

    return build()


def write_warehouse(path, tables: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
    """A warehouse file holding ``tables`` (partial rows, completed by `frames`)."""
    with store.replacing(path) as con:
        _fill(con, frames(tables))


#: A three-row warehouse for command-line tests: one ended row per provider, one in flight.
DATA_FILE_TABLES = {
    "ai_providers": [provider("openai", "openai"), provider("github-copilot", "copilot")],
    "aibridge_interceptions": [
        interception("cli-1", "openai", "openai", day=1),
        interception("cli-2", "copilot", "", day=2),
        interception("cli-3", "copilot", "", day=3, minutes=None),
    ],
}
