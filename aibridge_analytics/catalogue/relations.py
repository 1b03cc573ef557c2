"""The relations every query reads: Coder's tables normalised to one column set, and constants.

Whatever the source's schema version, a query sees the same columns with the same portable types;
what a source lacks reads as Coder itself would read it (see `missing_value`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from aibridge_analytics.coder import COST_COLUMN, LOOKUP_TABLES, SESSION_KEYS, TABLES, WIRE_FORMAT, SameAs
from aibridge_analytics.coder import column as declared_column

if TYPE_CHECKING:
    from sqlglot import exp

#: The dialect the catalogue's SQL is written in.
SOURCE_DIALECT = "duckdb"

#: Logical relation -> Coder table it normalises.
BASE_RELATIONS = {
    "providers": "ai_providers",
    "interceptions": "aibridge_interceptions",
    "token_usages": "aibridge_token_usages",
    "user_prompts": "aibridge_user_prompts",
    "tool_usages": "aibridge_tool_usages",
    "model_thoughts": "aibridge_model_thoughts",
    # Not `users`: a CTE named like the table it reads would read itself in some engines.
    "coder_users": "users",
    "model_prices": "ai_model_prices",
}

#: Relations made from this package's own constants, or from the source's probe, rather than
#: from a source table.
CONSTANT_RELATIONS = ("wire_formats", "source_facts")


@dataclass(frozen=True)
class Probe:
    """Which Coder tables and columns a source has (the schema-version probe's answer).

    ``columns`` maps table -> {column -> the source's data type, lower case}.
    """

    columns: Mapping[str, Mapping[str, str]]

    @classmethod
    def full(cls) -> Probe:
        """The newest schema: every table and column this project knows."""
        return cls({t: {c.name: c.duckdb.lower() for c in cols} for t, cols in TABLES.items()})

    def has(self, table: str, column: str | None = None) -> bool:
        """Whether the source has ``table`` (and ``column`` in it)."""
        cols = self.columns.get(table)
        return cols is not None and (column is None or column in cols)

    def missing_optional(self) -> list[str]:
        """``table.column`` for each optional column the source lacks."""
        return [
            f"{t}.{c.name}"
            for t, cols in TABLES.items()
            if self.has(t)
            for c in cols
            if c.optional and not self.has(t, c.name)
        ]

    def extra(self) -> list[str]:
        """``table.column`` for columns the source has beyond what this project reads (of a lookup
        table such as ``users`` the other columns are left alone by design, not news)."""
        known = {t: {c.name for c in cols} for t, cols in TABLES.items()}
        return [
            f"{t}.{c}"
            for t, cols in self.columns.items()
            for c in cols
            if t in known
            and t not in LOOKUP_TABLES
            and c not in known[t]
            and not (t == "aibridge_interceptions" and c == "session_id")
        ]


def missing_value(table: str, column: str) -> str:
    """What a column the source lacks reads as, as SQL (README: schema versions; ``Column.missing``)."""
    missing = declared_column(table, column).missing
    if isinstance(missing, SameAs):
        return missing.column
    from sqlglot import exp

    return exp.convert(missing).sql(dialect=SOURCE_DIALECT)


def _base_relation_sql(table: str, probe: Probe) -> str:
    """SELECT giving ``table`` with every known column in portable types, from any schema version.

    Built from the schema declaration only (an allow-list), never from user input.
    """
    cols = TABLES[table]
    if not probe.has(table):
        select = ", ".join(f"CAST(NULL AS {c.portable}) AS {c.name}" for c in cols)
        return f"SELECT {select} WHERE 1 = 0"
    parts = []
    for c in cols:
        src = c.name if probe.has(table, c.name) else missing_value(table, c.name)
        parts.append(f"CAST({src} AS {c.portable}) AS {c.name}")
    if table == "aibridge_interceptions":
        # Coder's generated column, computed here so every source has it.
        keys = [f"CAST({c} AS VARCHAR)" for c in SESSION_KEYS if probe.has(table, c)]
        parts.append(f"COALESCE({', '.join(keys)}) AS session_id")
    return f"SELECT {', '.join(parts)} FROM {table}"


#: A probe as a hashable value (for the cache of normalised relations).
ProbeKey = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


@lru_cache(maxsize=64)
def _base_tree(table: str, probe_key: ProbeKey) -> exp.Expr:
    import sqlglot

    probe = Probe({t: dict(cols) for t, cols in probe_key})
    return sqlglot.parse_one(_base_relation_sql(table, probe), read=SOURCE_DIALECT)


def _wire_formats_sql() -> str:
    """``wire_formats(type, wire)``: what each provider type records as aibridge_interceptions.provider."""
    rows = " UNION ALL ".join(
        f"SELECT CAST('{t}' AS VARCHAR) AS type, CAST('{w}' AS VARCHAR) AS wire" for t, w in WIRE_FORMAT.items()
    )
    return f"SELECT w.type, w.wire FROM ({rows}) AS w"


def _source_facts_sql(probe: Probe) -> str:
    """``source_facts``: one row saying which of the tables and columns that decide attribution
    the source has (so a query can tell an old Coder without ai_providers from an empty one), and
    whether it records spend."""
    facts = {
        "has_providers": probe.has("ai_providers"),
        "has_provider_id": probe.has("aibridge_interceptions", "provider_id"),
        "has_provider_name": probe.has("aibridge_interceptions", "provider_name"),
        # Whether the source records spend: without it cost figures read "not recorded", never 0.
        "has_cost": probe.has(*COST_COLUMN),
    }
    return "SELECT " + ", ".join(f"{'TRUE' if v else 'FALSE'} AS {k}" for k, v in facts.items())


def relation_tree(name: str, probe: Probe) -> exp.Expr:
    """The SELECT base or constant relation ``name`` stands for on a source of schema ``probe``.

    Shared and cached: copy it before changing it.
    """
    # Imported here: the schema probe (`Probe`) is needed where nothing is parsed (a command whose
    # statements come from the render cache).
    import sqlglot

    if name == "wire_formats":
        return sqlglot.parse_one(_wire_formats_sql(), read=SOURCE_DIALECT)
    if name == "source_facts":
        return sqlglot.parse_one(_source_facts_sql(probe), read=SOURCE_DIALECT)
    return _base_tree(BASE_RELATIONS[name], _probe_key(probe))


def _probe_key(probe: Probe) -> ProbeKey:
    return tuple(sorted((t, tuple(sorted(c.items()))) for t, c in probe.columns.items()))
