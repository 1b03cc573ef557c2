"""The SQL catalogue: every query is a file under ``sql/``, handled as a sqlglot syntax tree.

A file holds one statement and a comment header::

    -- Count the ended interceptions that Coder's filters select.
    -- relation: matched_coder           (optional: other queries may read it by this name)
    -- :provider_id  uuid?               a parameter; ``?`` = optional (NULL when not given)
    -- :limit        int = 100           a parameter with a default
    -- keys: model, client               (optional: group keys a caller may leave out)
    -- engine: duckdb                    (optional: a warehouse statement DuckDB alone runs)

Queries read *logical relations* instead of physical tables: ``providers``, ``interceptions``,
``token_usages``, ``user_prompts``, ``tool_usages``, ``model_thoughts`` (Coder's tables,
normalised to one column set whatever the source's schema version), and the ``relation:`` of any
other catalogue file. Rendering injects each relation a query reads as a CTE, which is templating
at the syntax-tree level: no text is pasted, values are bound by the driver, and identifiers come
only from the schema declaration and the catalogue. A query declaring ``keys:`` is written grouped
by all of them; rendering with a subset removes the others from every SELECT list and GROUP BY
(the grouping macro behind ``summary --by``).

Modules: `loader` (files -> `Query`), `portability` (the lint), `relations` (the base relations
and the schema probe), `rendering` (CTE injection, grouping keys; each file and relation apart
for the golden files), `rendered` (a rendered statement and the binding of its values), `cache`
(rendered statements kept between runs: `render`), `values` (typed values).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aibridge_analytics.catalogue.cache import render
    from aibridge_analytics.catalogue.loader import (
        DIALECTS,
        Header,
        Param,
        Query,
        catalogue,
        digest,
        fingerprint,
        get,
        headers,
        sql_dir,
    )
    from aibridge_analytics.catalogue.portability import lint
    from aibridge_analytics.catalogue.relations import (
        BASE_RELATIONS,
        CONSTANT_RELATIONS,
        SOURCE_DIALECT,
        Probe,
        missing_value,
    )
    from aibridge_analytics.catalogue.rendered import Rendered, Statement
    from aibridge_analytics.catalogue.rendering import (
        base_columns,
        render_relation,
        render_statement,
        render_unexpanded,
    )

#: Public name -> the module defining it, imported on first use: reading the headers (`sql list`)
#: needs neither sqlglot nor the renderer.
_HOMES = {
    "lint": "portability",
    **dict.fromkeys(
        ("DIALECTS", "Header", "Param", "Query", "catalogue", "digest", "fingerprint", "get", "headers", "sql_dir"),
        "loader",
    ),
    **dict.fromkeys(("BASE_RELATIONS", "CONSTANT_RELATIONS", "SOURCE_DIALECT", "Probe", "missing_value"), "relations"),
    **dict.fromkeys(("Rendered", "Statement"), "rendered"),
    "render": "cache",
    **dict.fromkeys(("base_columns", "render_relation", "render_statement", "render_unexpanded"), "rendering"),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'aibridge_analytics.catalogue' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"aibridge_analytics.catalogue.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "BASE_RELATIONS",
    "CONSTANT_RELATIONS",
    "DIALECTS",
    "SOURCE_DIALECT",
    "Header",
    "Param",
    "Probe",
    "Query",
    "Rendered",
    "Statement",
    "base_columns",
    "catalogue",
    "digest",
    "fingerprint",
    "get",
    "headers",
    "lint",
    "missing_value",
    "render",
    "render_relation",
    "render_statement",
    "render_unexpanded",
    "sql_dir",
]
