"""Coder's AI Bridge data model: its tables and columns, declared once for both engines.

Each column carries its DuckDB type (the local warehouse) and its PostgreSQL type (Coder's own
database, including its enum types), so the DuckDB DDL, the PostgreSQL DDL used by tests and the
demo loader, the schema probe and the source normalisation all read one declaration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class SameAs:
    """A missing column that reads as another column of the same row."""

    column: str


@dataclass(frozen=True)
class Column:
    """One column of a Coder table."""

    name: str
    duckdb: str
    postgres: str
    nullable: bool = True
    #: Optional columns are absent from some Coder versions; the probe reports them.
    optional: bool = False
    #: The logical type the source normalisation casts to (portable SQL type name).
    logical: str = ""
    #: Coder's column default (PostgreSQL DDL), so a load may omit the column as Coder's writes do.
    default: str | None = None
    #: What the column reads as where a source lacks it (a row from a Coder version without it):
    #: NULL (None), a constant, or another column of the row (SameAs), as Coder's migrations did.
    #: The source normalisation (SQL) and the export reader (Python) both read it.
    missing: int | SameAs | None = None

    @property
    def portable(self) -> str:
        """The type this column is cast to when a source is normalised."""
        return self.logical or self.duckdb

    def missing_in(self, row: Mapping[str, Any]) -> Any:
        """The value this column takes in ``row``, a row without it (see ``missing``)."""
        return row[self.missing.column] if isinstance(self.missing, SameAs) else self.missing


PROVIDER_TYPES = (
    "openai",
    "anthropic",
    "azure",
    "bedrock",
    "google",
    "openai-compat",
    "openrouter",
    "vercel",
    "copilot",
    "bedrock-mantle",
    "claude-platform-aws",
)
"""Values of Coder's ``ai_provider_type`` enum (latest known version)."""

#: What each provider type records in aibridge_interceptions.provider (the wire format).
WIRE_FORMAT = {
    "openai": "openai",
    "azure": "openai",
    "google": "openai",
    "openai-compat": "openai",
    "openrouter": "openai",
    "vercel": "openai",
    "anthropic": "anthropic",
    "bedrock": "anthropic",
    "bedrock-mantle": "anthropic",
    "claude-platform-aws": "anthropic",
    "copilot": "copilot",
}

CREDENTIAL_KINDS = ("centralized", "byok")

PRICE_KINDS = ("input", "output", "cache_read", "cache_write")
"""The token kinds Coder prices (``aibridge_token_usages.<kind>_price_micros``), in the order of
the token columns they price (input, output, cache read, cache write)."""

COST_CURRENCY = "USD"
"""The currency of Coder's recorded prices and costs, which are in micro-units of it (millionths)."""

COST_COLUMN = ("aibridge_token_usages", "cost_micros")
"""The column whose presence says a source records spend (see ``source_facts.has_cost``)."""


class _Types(TypedDict, total=False):
    """Column fields given by keyword to :func:`_c`: a column's types and the like."""

    duckdb: str
    postgres: str
    logical: str
    default: str | None
    missing: int | SameAs | None


_UUID: _Types = dict(duckdb="UUID", postgres="uuid")
_TS: _Types = dict(duckdb="TIMESTAMPTZ", postgres="timestamp with time zone")
_TEXT: _Types = dict(duckdb="VARCHAR", postgres="text")
_JSON: _Types = dict(duckdb="JSON", postgres="jsonb", logical="VARCHAR")
_BIGINT: _Types = dict(duckdb="BIGINT", postgres="bigint")
_BOOL: _Types = dict(duckdb="BOOLEAN", postgres="boolean")


def _c(name: str, kind: _Types, nullable: bool = True, optional: bool = False, **kw: Unpack[_Types]) -> Column:
    fields: _Types = {**kind, **kw}
    return Column(name, nullable=nullable, optional=optional, **fields)


TABLES: dict[str, tuple[Column, ...]] = {
    "ai_providers": (
        _c("id", _UUID, False),
        # An enum in Coder; text here so that a broken snapshot's unknown value survives.
        _c("type", _TEXT, False, postgres="ai_provider_type", logical="VARCHAR"),
        _c("name", _TEXT, False),
        _c("display_name", _TEXT),
        _c("enabled", _BOOL, False, default="true"),
        _c("deleted", _BOOL, False, default="false"),
        _c("base_url", _TEXT, False),
        _c("settings", _TEXT),
        _c("created_at", _TS, False),
        _c("updated_at", _TS, False),
    ),
    "aibridge_interceptions": (
        _c("id", _UUID, False),
        _c("initiator_id", _UUID, False),
        _c("provider", _TEXT, False),
        # Migration 000458 backfilled provider_name with the wire type: what Coder would see.
        _c("provider_name", _TEXT, False, optional=True, default="''", missing=SameAs("provider")),
        _c("provider_id", _UUID, optional=True),
        _c("model", _TEXT, False),
        _c("started_at", _TS, False),
        _c("ended_at", _TS),
        _c("metadata", _JSON),
        _c("api_key_id", _TEXT, optional=True),
        _c("client", _TEXT, optional=True, postgres="character varying(64)", default="'Unknown'"),
        _c("thread_parent_id", _UUID, optional=True),
        _c("thread_root_id", _UUID, optional=True),
        _c("client_session_id", _TEXT, optional=True, postgres="character varying(256)"),
        _c("credential_kind", _TEXT, optional=True, postgres="credential_kind", logical="VARCHAR"),
        _c("credential_hint", _TEXT, optional=True, postgres="character varying(15)"),
    ),
    "aibridge_token_usages": (
        _c("id", _UUID, False),
        _c("interception_id", _UUID, False),
        _c("provider_response_id", _TEXT, False),
        _c("input_tokens", _BIGINT, False),
        _c("output_tokens", _BIGINT, False),
        _c("cache_read_input_tokens", _BIGINT, False, optional=True, default="0", missing=0),
        _c("cache_write_input_tokens", _BIGINT, False, optional=True, default="0", missing=0),
        _c("metadata", _JSON),
        _c("created_at", _TS, False),
        # Recorded spend (newer Coder): the prices of the row's model per million tokens of each
        # kind, in micro-units, snapshotted when the row was written, and its cost; NULL when the
        # model had no price (or the provider could not be resolved). A source without them has
        # no recorded spend at all, which the figures tell apart from unpriced usage.
        *(_c(f"{kind}_price_micros", _BIGINT, optional=True) for kind in PRICE_KINDS),
        _c("cost_micros", _BIGINT, optional=True),
        _c("effective_group_id", _UUID, optional=True),
        _c("provider_model", _TEXT, optional=True),
        _c("priced_model", _TEXT, optional=True),
    ),
    "aibridge_user_prompts": (
        _c("id", _UUID, False),
        _c("interception_id", _UUID, False),
        _c("provider_response_id", _TEXT, False),
        _c("prompt", _TEXT, False),
        _c("metadata", _JSON),
        _c("created_at", _TS, False),
    ),
    "aibridge_tool_usages": (
        _c("id", _UUID, False),
        _c("interception_id", _UUID, False),
        _c("provider_response_id", _TEXT, False),
        _c("server_url", _TEXT),
        _c("tool", _TEXT, False),
        _c("input", _TEXT, False),
        _c("injected", _BOOL, False),
        _c("invocation_error", _TEXT),
        _c("metadata", _JSON),
        _c("created_at", _TS, False),
    ),
    "aibridge_model_thoughts": (
        _c("interception_id", _UUID, False),
        _c("content", _TEXT, False),
        _c("metadata", _JSON),
        _c("created_at", _TS, False),
    ),
    # Coder's users, for the names shown beside initiator ids: only these columns are ever read
    # (never email, login, roles or secrets). `name` is the display name, '' when unset; exports
    # carry neither `deleted` nor, before Coder added it to MinimalUser, `name`.
    "users": (
        _c("id", _UUID, False),
        _c("username", _TEXT, False),
        _c("name", _TEXT, optional=True, default="''"),
        _c("deleted", _BOOL, optional=True, default="false"),
    ),
    # Coder's price book (newer versions): a price per million tokens of each kind, in micro-units,
    # per (provider type, model); later versions add provider-specific rows (provider_id, which
    # take precedence over the type's) and a source. Read whole, as the record of the prices in
    # force; the prices a cost was computed with are those snapshotted on its token usage row.
    "ai_model_prices": (
        _c("id", _UUID, False),
        _c("provider", _TEXT),
        _c("model", _TEXT, False),
        *(_c(f"{kind}_price_micros", _BIGINT) for kind in PRICE_KINDS),
        _c("created_at", _TS, optional=True),
        _c("updated_at", _TS, optional=True),
        _c("source", _TEXT, optional=True),
        _c("provider_id", _UUID, optional=True),
    ),
}
"""Coder's tables as this project reads them (docs/coder-data-model.md)."""

REQUIRED_TABLES = ("aibridge_interceptions",)
"""Tables every source must have. The child tables may be absent (read as empty), and so may
``ai_providers``: Coder versions before migration 000495 record interceptions without it."""

LOOKUP_TABLES = ("users", "ai_model_prices")
"""Tables read only to label ids (a user's names beside an initiator id) or as reference (the
price book in force), never for a recorded figure.

Optional everywhere: a source without them (an older export, a role without the grant) shows ids
alone. Of these only the declared columns are read; the others a source has are not reported as
extra, and a table lacking a column that is not optional (a column grant leaving out ``username``)
reads as absent rather than failing.
"""

PRIMARY_KEYS = {
    "ai_providers": ("id",),
    "aibridge_interceptions": ("id",),
    "aibridge_token_usages": ("id",),
    "aibridge_user_prompts": ("id",),
    "aibridge_tool_usages": ("id",),
    "aibridge_model_thoughts": (),
    "users": ("id",),
    "ai_model_prices": ("id",),
}

#: Coder's generated session_id is the first non-NULL of these (as text); the source
#: normalisation computes it rather than trusting a stored copy.
SESSION_KEYS = ("client_session_id", "thread_root_id", "id")


def column(table: str, name: str) -> Column:
    """The declared column ``name`` of ``table``."""
    return next(c for c in TABLES[table] if c.name == name)


def arrow_schema(columns: tuple[Column, ...] | list[Column]) -> pa.Schema:
    """The Arrow schema of rows of ``columns`` as Python holds them: UUIDs and JSON as text, times in UTC."""
    import pyarrow as pa

    types = {
        "UUID": pa.string(),
        "VARCHAR": pa.string(),
        "JSON": pa.string(),
        "BIGINT": pa.int64(),
        "BOOLEAN": pa.bool_(),
        "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
    }
    return pa.schema([pa.field(c.name, types[c.duckdb], nullable=c.nullable) for c in columns])


def duckdb_ddl(table: str, columns: tuple[Column, ...] | None = None, keys: bool = True) -> str:
    """CREATE TABLE statement for the DuckDB warehouse (``keys=False``: without the primary key)."""
    cols = columns or TABLES[table]
    body = ",\n  ".join(f"{c.name} {c.duckdb}{'' if c.nullable else ' NOT NULL'}" for c in cols)
    pk = PRIMARY_KEYS.get(table)
    if pk and keys:
        body += f",\n  PRIMARY KEY ({', '.join(pk)})"
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  {body}\n)"


def postgres_ddl() -> list[str]:
    """Statements creating Coder's tables with Coder's own types in a PostgreSQL database.

    Used by the tests and the demo loader; the live Coder database is never written to.
    """
    types = ", ".join(f"'{t}'" for t in PROVIDER_TYPES)
    kinds = ", ".join(f"'{k}'" for k in CREDENTIAL_KINDS)
    stmts = [
        f"CREATE TYPE ai_provider_type AS ENUM ({types})",
        f"CREATE TYPE credential_kind AS ENUM ({kinds})",
    ]
    for table, cols in TABLES.items():
        body = [
            f"{c.name} {c.postgres}"
            f"{'' if c.default is None else f' DEFAULT {c.default}'}{'' if c.nullable else ' NOT NULL'}"
            for c in cols
        ]
        if table == "aibridge_interceptions":
            # Generated exactly as Coder declares it.
            body.append(
                "session_id text GENERATED ALWAYS AS (COALESCE(client_session_id::text, "
                "thread_root_id::text, id::text)) STORED"
            )
        pk = PRIMARY_KEYS[table]
        if pk:
            body.append(f"PRIMARY KEY ({', '.join(pk)})")
        stmts.append(f"CREATE TABLE {table} (\n  " + ",\n  ".join(body) + "\n)")
    # No foreign key on provider_id: the data loaded here is a snapshot, and a snapshot may hold
    # a dangling provider id (docs/edge-cases.md, case 8) that Coder's own FK would refuse.
    stmts += [
        "CREATE INDEX idx_aibridge_interceptions_started_id_desc ON aibridge_interceptions (started_at DESC, id DESC)",
        "CREATE INDEX idx_aibridge_interceptions_provider_id ON aibridge_interceptions (provider_id)",
        "CREATE INDEX idx_aibridge_token_usages_interception_id ON aibridge_token_usages (interception_id)",
        "CREATE INDEX idx_aibridge_user_prompts_interception_id ON aibridge_user_prompts (interception_id)",
        "CREATE INDEX idx_aibridge_tool_usages_interception_id ON aibridge_tool_usages (interception_id)",
    ]
    return stmts
