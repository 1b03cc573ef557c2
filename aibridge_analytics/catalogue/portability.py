"""The portability lint: constructs sqlglot would turn into wrong or invalid PostgreSQL or Spark SQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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


def _unportable_to_spark(node: exp.Expr) -> str | None:
    """Why ``node`` would transpile from DuckDB to Spark SQL wrongly or not at all, if it would.

    Found by running every catalogue query on Spark; rendering fixes what it can (an exact
    PERCENTILE_CONT becomes Spark's exact ``percentile``, an EPOCH its microseconds), and these are
    the rest.
    """
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.PercentileDisc):
        return "PERCENTILE_DISC (Spark gets PERCENTILE_APPROX, an approximation)"
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.PercentileCont):
        order = node.expression.expressions if isinstance(node.expression, exp.Order) else []
        if len(order) != 1 or order[0].args.get("desc"):
            return "PERCENTILE_CONT over anything but one ascending ORDER BY (Spark's percentile takes one)"
    if isinstance(node, (exp.Quantile, exp.ApproxQuantile)) or (
        isinstance(node, (exp.PercentileCont, exp.PercentileDisc)) and not isinstance(node.parent, exp.WithinGroup)
    ):
        return "QUANTILE_CONT / QUANTILE_DISC (Spark reads no such call; use PERCENTILE_CONT(q) WITHIN GROUP)"
    if isinstance(node, exp.Hex) or (isinstance(node, exp.Anonymous) and str(node.this).lower() == "to_hex"):
        return "TO_HEX (Spark's HEX writes upper case)"
    return None


#: What each engine's rules guard; DuckDB reads the catalogue's own dialect and needs none.
_RULES = {"postgres": _unportable, "spark": _unportable_to_spark}


def lint(tree: exp.Expr, dialects: Sequence[str] = ("postgres", "spark")) -> list[str]:
    """Constructs in ``tree`` that sqlglot would transpile to invalid or wrong SQL for ``dialects``."""
    found = []
    rules = [_RULES[d] for d in dialects if d in _RULES]
    for node in tree.walk():
        for rule in rules:
            why = rule(node)
            if why and why not in found:
                found.append(why)
    return [f"non-portable construct: {why}" for why in found]


def shared_cte_names(trees: Mapping[str, exp.Expr]) -> list[str]:
    """``name: file, file`` for each CTE name that more than one of ``trees`` (file -> tree) defines.

    sqlglot lifts every nested WITH to the statement's top for Spark, so two relations that each
    name a CTE ``live`` would meet in one WITH list, which Spark refuses (DUPLICATED_CTE_NAMES).
    """
    owners: dict[str, list[str]] = {}
    for file, tree in trees.items():
        for name in dict.fromkeys(cte.alias_or_name for cte in tree.find_all(exp.CTE)):
            owners.setdefault(name, []).append(file)
    return [f"{name}: {', '.join(files)}" for name, files in sorted(owners.items()) if len(files) > 1]
