"""JSON exports of Coder's interceptions as a source (docs/coder-data-model.md: exports).

``coder aibridge interceptions list`` and the REST API (``/api/v2/aibridge/interceptions``) return
interceptions with their token usages, user prompts and tool usages nested. Accepted: one file or a
directory of ``*.json`` pages (read in name order), each a bare list or the API's
``{"count": ..., "results": [...]}`` wrapper.

Pages overlap when they are fetched at different times, so interceptions are deduplicated by id:
identical copies collapse; copies that differ (say, an interception that ended between two pages)
are a conflict, an :class:`ExportError` naming the id, unless ``keep_latest`` is given, which keeps
the copy read last. Any problem (truncated or invalid JSON, nesting too deep to parse, a value of
the wrong kind, a count beyond a 64-bit integer, a lone surrogate such as ``"\\ud800"`` in a string)
is one ExportError naming the file and the position, raised before anything is written anywhere.

Each interception's ``initiator`` object (Coder's MinimalUser: ``id``, ``username``, ``avatar_url``,
and ``name`` in newer versions) gives a ``users`` row (id, username, name; never the avatar), the
latest read of each user winning; an export whose initiators carry no username has no users table.
An export carries no ``provider_id``, no ``ai_providers``, no model thoughts and no thread,
session or credential columns: the tables built here simply lack them, so the schema probe sees an
older schema and the catalogue treats the export accordingly. ``provider_name``, ``client``,
``api_key_id`` and the cache token counts are present when the export has them (older Coder
versions do not). ``server_url`` and ``invocation_error`` come as ``""`` for NULL; they are read back
as NULL (Coder writes NULL, not an empty string, for a client tool and for no error).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import duckdb
import pyarrow as pa
from sqlglot import exp

from aibridge_analytics.catalogue.rendering import render_statement
from aibridge_analytics.catalogue.values import parse_iso_instant
from aibridge_analytics.coder import PRICE_KINDS, TABLES, arrow_schema, column, duckdb_ddl
from aibridge_analytics.errors import ExportError
from aibridge_analytics.sources.connection import DuckDBConnection
from aibridge_analytics.warehouse import store

__all__ = ["Export", "ExportConnection", "connect_export", "is_export", "read_export"]

#: Columns an export may or may not carry (by Coder version); everything else is fixed.
_OPTIONAL_KEYS = {
    "aibridge_interceptions": ("provider_name", "client", "api_key_id"),
    "aibridge_token_usages": ("cache_read_input_tokens", "cache_write_input_tokens"),
}
#: Token usage keys an export may carry, each possibly null: the recorded prices and cost of newer
#: Coder versions (named as the columns; an export without them records no spend).
_SPEND_KEYS = (*(f"{kind}_price_micros" for kind in PRICE_KINDS), "cost_micros")
_CHILDREN = {
    "token_usages": "aibridge_token_usages",
    "user_prompts": "aibridge_user_prompts",
    "tool_usages": "aibridge_tool_usages",
}


def is_export(path: Path) -> bool:
    """Whether ``path`` looks like a JSON export: a ``.json`` file or a directory holding some."""
    return (path.is_file() and path.suffix == ".json") or (path.is_dir() and any(path.glob("*.json")))


@dataclass
class Export:
    """An export read into Coder's tables (Arrow), with the conflicts resolved by ``keep_latest``."""

    tables: dict[str, pa.Table]
    files: list[Path]
    #: One line per conflicting duplicate that ``keep_latest`` resolved.
    conflicts: list[str] = field(default_factory=list)


class ExportConnection(DuckDBConnection):
    """An in-memory DuckDB holding an export; ``conflicts`` lists the duplicates resolved."""

    def __init__(self, con: duckdb.DuckDBPyConnection, label: str, conflicts: list[str]) -> None:
        super().__init__(con, label=label)
        self.conflicts = conflicts


def connect_export(path: str | Path, *, keep_latest: bool = False) -> ExportConnection:
    """Open a JSON export (file or directory of pages) as an in-memory DuckDB source."""
    export = read_export(path, keep_latest=keep_latest)
    con = store.configure(duckdb.connect())
    for name, table in export.tables.items():
        # Without primary keys, as an export always was: its child rows are not deduplicated.
        con.execute(duckdb_ddl(name, tuple(c for c in TABLES[name] if c.name in table.column_names), keys=False))
        con.register("_export", table)
        load = exp.insert(exp.select("*").from_("_export"), exp.to_table(name))
        con.execute(render_statement(f"load {name}", load, "duckdb").sql)
        con.unregister("_export")
    return ExportConnection(con, str(path), export.conflicts)


def read_export(path: str | Path, *, keep_latest: bool = False) -> Export:
    """Parse, check and deduplicate an export; raises ExportError on the first problem."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.json"))
        if not files:
            raise ExportError(f"{path}: no *.json files in this directory")
    elif path.exists():
        files = [path]
    else:
        raise ExportError(f"{path}: no such file or directory")
    kept: dict[str, _Record] = {}
    conflicts: list[str] = []
    present: set[tuple[str, str]] = set()
    for file in files:
        for index, item in enumerate(_items(file)):
            record = _record(item, f"{file}: interception #{index}", present)
            earlier = kept.get(record.id)
            if earlier is not None and earlier.canonical != record.canonical:
                message = f"interception {record.id} differs between {earlier.where} and {record.where}"
                if not keep_latest:
                    raise ExportError(f"{message}: keep the copy read last to go on (keep_latest)").with_cli_hint(
                        "pass --keep-latest"
                    )
                conflicts.append(message)
            kept[record.id] = record
    return Export(_tables(kept.values(), present), files, conflicts)


# --- parsing -------------------------------------------------------------------------------------


def _items(file: Path) -> list[Any]:
    try:
        data = json.loads(file.read_bytes())
    except RecursionError:
        raise ExportError(
            f"{file}: JSON nested too deeply to read (arrays or objects nested hundreds of levels)"
        ) from None
    except json.JSONDecodeError as exc:
        raise ExportError(
            f"{file}: invalid JSON at line {exc.lineno}, column {exc.colno} (character {exc.pos}): {exc.msg}"
        ) from None
    except (UnicodeDecodeError, OSError) as exc:
        raise ExportError(f"{file}: cannot be read as JSON: {exc}") from None
    results = data.get("results") if isinstance(data, dict) else None
    if isinstance(results, list):
        return results
    if isinstance(data, list):
        return data
    raise ExportError(
        f'{file}: expected a list of interceptions or an object with a "results" list, got {type(data).__name__}'
    )


@dataclass
class _Record:
    id: str
    where: str
    rows: dict[str, list[dict[str, Any]]]
    canonical: str
    #: The initiator's users row (id, username, name if given), when the export carries a username.
    user: dict[str, Any] | None = None


def _record(item: Any, where: str, present: set[tuple[str, str]]) -> _Record:
    obj = _object(item, where)
    iid = _uuid(obj.get("id"), f"{where}.id")
    initiator = _object(obj.get("initiator"), f"{where}.initiator")
    row = {
        "id": iid,
        "initiator_id": _uuid(initiator.get("id"), f"{where}.initiator.id"),
        "provider": _text(obj.get("provider"), f"{where}.provider"),
        "model": _text(obj.get("model"), f"{where}.model"),
        "started_at": _timestamp(obj.get("started_at"), f"{where}.started_at"),
        "ended_at": _timestamp(obj.get("ended_at"), f"{where}.ended_at", nullable=True),
        "metadata": _json(obj.get("metadata"), f"{where}.metadata"),
    }
    for key in _OPTIONAL_KEYS["aibridge_interceptions"]:
        if key in obj:
            nullable = column("aibridge_interceptions", key).nullable
            row[key] = _text(obj[key], f"{where}.{key}", nullable=nullable, empty=True)
    for key in row:
        present.add(("aibridge_interceptions", key))
    rows: dict[str, list[dict[str, Any]]] = {"aibridge_interceptions": [row]}
    for key, table in _CHILDREN.items():
        children = obj.get(key) or []
        if not isinstance(children, list):
            raise ExportError(f"{where}.{key}: expected a list, got {type(children).__name__}")
        rows[table] = [_child(table, c, iid, f"{where}.{key}[{i}]", present) for i, c in enumerate(children)]
        rows[table].sort(key=lambda r: r["id"])
    # Kept apart from the interception's content: a user renamed between two pages must not make
    # two copies of one interception a conflict.
    canonical = json.dumps(rows, sort_keys=True, default=str)
    user_id = str(row["initiator_id"])
    return _Record(iid, where, rows, canonical, _user(initiator, user_id, f"{where}.initiator", present))


def _user(initiator: dict[str, Any], user_id: str, where: str, present: set[tuple[str, str]]) -> dict[str, Any] | None:
    """The users row of an ``initiator`` object (Coder's MinimalUser): id, username and, where the
    export has it, the display name. None without a username (an export of ids only)."""
    if "username" not in initiator:
        return None
    user = {"id": user_id, "username": _text(initiator["username"], f"{where}.username")}
    if "name" in initiator:
        user["name"] = _text(initiator["name"], f"{where}.name", nullable=True, empty=True)
    for key in user:
        present.add(("users", key))
    return user


def _child(table: str, item: Any, iid: str, where: str, present: set[tuple[str, str]]) -> dict[str, Any]:
    obj = _object(item, where)
    row: dict[str, Any] = {
        "id": _uuid(obj.get("id"), f"{where}.id"),
        "interception_id": _uuid(obj.get("interception_id", iid), f"{where}.interception_id"),
        "provider_response_id": _text(obj.get("provider_response_id", ""), f"{where}.provider_response_id", empty=True),
        "metadata": _json(obj.get("metadata"), f"{where}.metadata"),
        "created_at": _timestamp(obj.get("created_at"), f"{where}.created_at"),
    }
    if table == "aibridge_token_usages":
        for key in ("input_tokens", "output_tokens", *(k for k in _OPTIONAL_KEYS[table] if k in obj)):
            row[key] = _integer(obj.get(key), f"{where}.{key}")
        for key in (k for k in _SPEND_KEYS if k in obj):
            row[key] = None if obj[key] is None else _integer(obj[key], f"{where}.{key}")
    elif table == "aibridge_user_prompts":
        row["prompt"] = _text(obj.get("prompt"), f"{where}.prompt", empty=True)
    else:
        row["tool"] = _text(obj.get("tool"), f"{where}.tool")
        row["input"] = _text(obj.get("input", ""), f"{where}.input", empty=True)
        injected = obj.get("injected")
        if not isinstance(injected, bool):
            raise ExportError(f"{where}.injected: expected true or false, got {injected!r}")
        row["injected"] = injected
        for key in ("server_url", "invocation_error"):
            row[key] = _text(obj.get(key), f"{where}.{key}", nullable=True, empty=True) or None
    for key in row:
        present.add((table, key))
    return row


def _tables(records: Iterable[_Record], present: set[tuple[str, str]]) -> dict[str, pa.Table]:
    records = list(records)
    tables = {}
    for name in ("ai_providers", "aibridge_interceptions", *_CHILDREN.values(), "users"):
        cols = [c for c in TABLES[name] if name == "ai_providers" or (name, c.name) in present or not c.optional]
        if name == "users":
            # One row per user, as the page read last shows it (the latest name); an export whose
            # initiators carry no username has no users table at all, so names read as NULL.
            latest = {rec.user["id"]: rec.user for rec in records if rec.user is not None}
            if not latest:
                continue
            rows = [latest[k] for k in sorted(latest)]
        else:
            rows = [r for rec in records for r in rec.rows.get(name, [])]
        # A row from a page without the column reads as a source without it would (Column.missing).
        data = {c.name: [r[c.name] if c.name in r else c.missing_in(r) for r in rows] for c in cols}
        tables[name] = pa.table(data, schema=arrow_schema(cols))
    return tables


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ExportError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _uuid(value: Any, where: str) -> str:
    try:
        return str(uuid.UUID(str(value))) if isinstance(value, str) else _bad(where, "a UUID", value)
    except ValueError:
        return _bad(where, "a UUID", value)


def _text(value: Any, where: str, nullable: bool = False, empty: bool = False) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str) or (value == "" and not empty):
        return _bad(where, "a non-empty string" if not empty else "a string", value)
    return _unicode(value, where)


def _unicode(text: str, where: str) -> str:
    """``text`` if it is valid Unicode: JSON's ``\\ud800`` escape yields a lone surrogate, which
    no UTF-8 text (DuckDB, PostgreSQL, any output) can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ExportError(
            f"{where}: a lone surrogate {text[exc.start]!r} at character {exc.start} is not valid Unicode"
        ) from None
    return text


#: Coder's token counts are PostgreSQL bigints: a value outside is no count Coder could have written.
_BIGINT_RANGE = range(-(2**63), 2**63)


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        return _bad(where, "an integer", value)
    if value not in _BIGINT_RANGE:
        return _bad(where, "a 64-bit integer (a bigint)", value)
    return value


def _json(value: Any, where: str) -> str | None:
    if value is None:
        return None
    # Checked in full (keys too) as text, stored ASCII-escaped as before.
    _unicode(json.dumps(value, sort_keys=True, ensure_ascii=False), where)
    return json.dumps(value, sort_keys=True)


def _timestamp(value: Any, where: str, nullable: bool = False) -> datetime | None:
    if value is None and nullable:
        return None
    if isinstance(value, str):
        try:
            # In UTC here, not left to pyarrow: where PYARROW_IGNORE_TIMEZONE is set (PySpark's
            # pandas API sets it), pyarrow would drop the offset.
            return parse_iso_instant(value, rfc3339=True).astimezone(UTC)
        except ValueError:
            pass
    return _bad(where, "an RFC 3339 timestamp", value)


def _bad(where: str, expected: str, value: Any) -> NoReturn:
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    raise ExportError(f"{where}: expected {expected}, got {shown}")
