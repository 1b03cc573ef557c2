"""Small hand-built and generated datasets, loaded identically into DuckDB and PostgreSQL.

`frames` turns short row descriptions into complete Coder tables (every column, sensible
defaults), so a test states only what matters to it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping

import duckdb
import polars as pl

from aibridge_analytics.engines import DuckDBConnection
from aibridge_analytics.warehouse import store
from aibridge_analytics.warehouse.schema import TABLES

T0 = datetime(2026, 10, 1, tzinfo=timezone.utc)

_POLARS = {"UUID": pl.String, "VARCHAR": pl.String, "TIMESTAMPTZ": pl.Datetime("us", "UTC"), "BIGINT": pl.Int64,
           "BOOLEAN": pl.Boolean, "JSON": pl.String}


def uid(label: str) -> str:
    """A stable UUID for a readable label, so tests can name rows."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"aibridge-test/{label}"))


def provider(name: str, type: str, *, deleted: bool = False, enabled: bool = True, created: int = 0, label: str | None = None) -> dict:
    """An ai_providers row; ``created`` is days after T0."""
    return {
        "id": uid(label or f"provider/{name}/{deleted}/{created}"), "type": type, "name": name, "display_name": name.title(),
        "enabled": enabled and not deleted, "deleted": deleted, "base_url": f"https://{name}.example", "settings": None,
        "created_at": T0 + timedelta(days=created), "updated_at": T0 + timedelta(days=created),
    }


def interception(label: str, provider: str, provider_name: str = "", provider_id: str | None = None, *, day: float = 10,
                 minutes: float | None = 1.0, client: str | None = "Claude Code", model: str = "m", initiator: str = "u1",
                 session: str | None = None, thread_root: str | None = None) -> dict:
    """An aibridge_interceptions row; ``day`` is days after T0, ``minutes=None`` leaves it in flight."""
    started = T0 + timedelta(days=day)
    return {
        "id": uid(label), "initiator_id": uid(f"user/{initiator}"), "provider": provider, "provider_name": provider_name,
        "provider_id": provider_id, "model": model, "started_at": started,
        "ended_at": None if minutes is None else started + timedelta(minutes=minutes), "metadata": '{"user_agent": "test"}',
        "api_key_id": "key1", "client": client, "thread_parent_id": None,
        "thread_root_id": uid(thread_root) if thread_root else None, "client_session_id": session,
        "credential_kind": "centralized", "credential_hint": "sk-a***efgh",
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
    store.create_schema(con)
    for name, frame in tables.items():
        con.register("incoming", frame)
        columns = ", ".join(frame.columns)
        con.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM incoming")
        con.unregister("incoming")
    return DuckDBConnection(con, label="test-duckdb")
