"""The portability lint: constructs sqlglot would turn into wrong or invalid PostgreSQL."""

from __future__ import annotations

from sqlglot import exp

_AGGREGATES = (exp.AggFunc,)


def _unportable(node: exp.Expr) -> str | None:
    """Why ``node`` would transpile from DuckDB to PostgreSQL wrongly or not at all, if it would."""
    if isinstance(node, exp.Star) and any(node.args.get(k) for k in ("except", "except_", "replace", "replace_")):
        return "SELECT * EXCLUDE/REPLACE"
    if isinstance(node, exp.Group) and node.args.get("all"):
        return "GROUP BY ALL"
    if isinstance(node, exp.Qualify):
        return "QUALIFY"
    if isinstance(node, exp.TryCast):
        return "TRY_CAST"
    if isinstance(node, (exp.ArgMax, exp.ArgMin, exp.First, exp.Last, exp.AnyValue)):
        return node.sql_name().upper()
    if isinstance(node, exp.Anonymous) and str(node.this).lower() in {"hash", "list", "epoch_ms"}:
        return f"{str(node.this).upper()}()"
    if isinstance(node, exp.TableSample):
        return "USING SAMPLE / TABLESAMPLE"
    if isinstance(node, exp.Bracket) and isinstance(node.this, _AGGREGATES):
        return "indexing an aggregate"
    if isinstance(node, (exp.JSONExtract, exp.JSONExtractScalar, exp.JSONBExtract, exp.JSONBExtractScalar)):
        return "JSON arrow operators (->, ->>)"
    if isinstance(node, exp.Placeholder) and not isinstance(node.parent, exp.Cast):
        return f"placeholder :{node.name} outside CAST(... AS type) (PostgreSQL cannot infer its type)"
    if isinstance(node, exp.Literal) and node.is_string and "%(" in node.this:
        return "a string literal containing '%(' (psycopg would read it as a placeholder)"
    return None


def lint(tree: exp.Expr) -> list[str]:
    """Constructs in ``tree`` that sqlglot would transpile to invalid or wrong PostgreSQL."""
    found = []
    for node in tree.walk():
        why = _unportable(node)
        if why and why not in found:
            found.append(why)
    return [f"non-portable construct: {why}" for why in found]
