"""Rendering: a catalogue query with the relations it reads as CTEs, for one engine.

`statement` gives what runs, its values left to bind (`catalogue.render` binds them, the text
kept by the render cache); `render_unexpanded` and `render_relation` give its parts apart (a file's
own statement, and the SELECT each relation it reads stands for), which is what golden files hold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import sqlglot
from sqlglot import exp

from aibridge_analytics.catalogue.loader import DIALECTS, Param, Query, get, relations
from aibridge_analytics.catalogue.relations import (
    BASE_RELATIONS,
    CONSTANT_RELATIONS,
    Probe,
    relation_tree,
)
from aibridge_analytics.catalogue.rendered import Rendered, Statement
from aibridge_analytics.errors import SqlError


def _check_dialect(dialect: str) -> None:
    if dialect not in DIALECTS:
        raise SqlError(f"unknown dialect {dialect!r}; use one of {', '.join(DIALECTS)}")


def _query_for(name: str, dialect: str) -> Query:
    """Catalogue query ``name``, refusing an engine its header does not name."""
    _check_dialect(dialect)
    query = get(name)
    if dialect not in query.dialects:
        raise SqlError(f"{name} runs on {' and '.join(query.dialects)} only, not on {dialect}")
    return query


def _referenced(tree: exp.Expr) -> list[str]:
    """Unqualified table names a tree reads that are not its own CTEs."""
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    names = []
    for table in tree.find_all(exp.Table):
        # Qualified names are the caller's own tables; a nameless one is a table function (range()).
        if table.args.get("db") or table.args.get("catalog") or not table.name:
            continue
        if table.name not in ctes and table.name not in names:
            names.append(table.name)
    return names


def _relation_index(overrides: Mapping[str, str]) -> dict[str, str]:
    """Each relation's name -> the catalogue query defining it, the caller's ``overrides`` first."""
    return {**relations(), **overrides}


def resolve_relations(tree: exp.Expr, overrides: Mapping[str, str]) -> tuple[list[str], list[tuple[str, Query]]]:
    """The base relations and catalogue relations ``tree`` needs, dependencies first."""
    index = _relation_index(overrides)
    bases: list[str] = []
    models: list[tuple[str, Query]] = []
    visiting: set[str] = set()

    def visit(node: exp.Expr) -> None:
        for name in _referenced(node):
            if name in BASE_RELATIONS or name in CONSTANT_RELATIONS:
                if name not in bases:
                    bases.append(name)
            elif name in index:
                query = get(index[name])
                if any(rel == name for rel, _ in models):
                    continue
                if name in visiting:
                    raise SqlError(f"relation {name!r} reads itself")
                visiting.add(name)
                visit(query.tree)
                visiting.discard(name)
                models.append((name, query))
            else:
                raise SqlError(
                    f"relation {name!r} is neither a Coder table, a catalogue relation, nor bound by the caller"
                )

    visit(tree)
    return bases, models


def _keep_keys(tree: exp.Expr, query: Query, keys: Sequence[str]) -> exp.Expr:
    """``tree`` grouped by ``keys`` only: the other declared keys leave every SELECT and GROUP BY.

    A key is a column of that name (or an expression aliased so) in a projection or a grouping;
    a grouping by the expression a removed key is aliased from goes too (a key grouped by a
    narrower stand-in, such as the provider's number). Only names from the query's ``keys:``
    header are ever removed.
    """
    unknown = [k for k in keys if k not in query.keys]
    if unknown:
        known = ", ".join(query.keys) or "none"
        raise SqlError(f"{query.name}: cannot group by {', '.join(unknown)}; its keys are {known}")
    drop = set(query.keys) - set(keys)
    for select in tree.find_all(exp.Select):
        stand_ins = {e.this for e in select.expressions if isinstance(e, exp.Alias) and e.alias in drop}
        select.set("expressions", [e for e in select.expressions if e.alias_or_name not in drop])
        group = select.args.get("group")
        if group is not None:
            kept = [
                e
                for e in group.expressions
                if not (isinstance(e, exp.Column) and e.name in drop) and e not in stand_ins
            ]
            select.set("group", exp.Group(expressions=kept) if kept else None)
    return tree


def _one_per_group(tree: exp.Expr, numbers: Mapping[str, str]) -> exp.Expr:
    """``tree`` with each distinct count of a column its SELECT groups by (or of the column
    ``numbers`` says numbers it) written as 1 (0 where the group's value is NULL): what it is,
    without the hash table of every row that an engine otherwise builds for it (a third of
    ``--by provider,initiator,day``)."""
    numbered = {key: number for number, key in numbers.items()}
    for select in list(tree.find_all(exp.Select)):
        group = select.args.get("group")
        columns = [e for e in group.expressions if isinstance(e, exp.Column)] if group else []
        # What a distinct count may count -> the grouped column that is NULL exactly where it is.
        grouped = {e.sql(): e for e in columns} | {
            exp.column(numbered[e.name], table=e.table).sql(): e for e in columns if e.name in numbered
        }
        for count in list(select.find_all(exp.Count)):
            distinct = count.this
            if (
                count.parent_select is select
                # A FILTER counts only some rows: a group may have the value and still count 0.
                and not isinstance(count.parent, exp.Filter)
                and isinstance(distinct, exp.Distinct)
                and len(distinct.expressions) == 1
                and distinct.expressions[0].sql() in grouped
            ):
                column = grouped[distinct.expressions[0].sql()].copy()
                one = (
                    exp.case()
                    .when(exp.Is(this=column, expression=exp.Null()), exp.Literal.number(0))
                    .else_(exp.Literal.number(1))
                )
                count.replace(exp.cast(one, "BIGINT"))
    return tree


def _counted_in_bits(tree: exp.Expr, bits: Mapping[str, int]) -> exp.Expr:
    """``tree`` (DuckDB) with each distinct count of a column of ``bits`` (name -> a width) written
    as the number of bits set in a bitstring of that width, one bit per value: for columns whose
    values are numbered densely from 1 up to the width (a warehouse's initiators). The same count,
    without the hash table of every row and group that DuckDB builds for a distinct count (0.6 s
    of 1.2 s grouped by day and provider over ten million facts). A FILTERed count stays a count."""
    for count in list(tree.find_all(exp.Count)):
        distinct = count.this
        if (
            isinstance(distinct, exp.Distinct)
            and not isinstance(count.parent, exp.Filter)
            and len(distinct.expressions) == 1
            and isinstance(distinct.expressions[0], exp.Column)
            and distinct.expressions[0].name in bits
        ):
            column = distinct.expressions[0].copy()
            width = exp.Literal.number(bits[column.name])
            agg = exp.Anonymous(this="BITSTRING_AGG", expressions=[column, exp.Literal.number(1), width])
            # No value in the group: no bitstring (NULL), where a count gives 0.
            set_bits = exp.Coalesce(
                this=exp.Anonymous(this="BIT_COUNT", expressions=[agg]), expressions=[exp.Literal.number(0)]
            )
            count.replace(exp.cast(set_bits, "BIGINT"))
    return tree


#: An integer width in bits -> DuckDB's type of that width (`_ordered_narrow`).
_INTEGER_TYPES = {32: "INT"}


def _ordered_narrow(tree: exp.Expr, bits: Mapping[str, int]) -> exp.Expr:
    """``tree`` (DuckDB) with each column of ``bits`` that orders a percentile (``WITHIN GROUP
    (ORDER BY ...)``) cast to the integer of its width (32: INTEGER): for columns whose values the
    source proves to lie within it (the stored facts' durations). DuckDB keeps every value of a
    group until its percentiles are read, outside its memory limit: half the bytes a value, the
    same figures (a summary by provider over a hundred million facts: 3.34 to 2.81 GiB). A value
    outside the width would make the cast fail, never a figure wrong."""
    for group in list(tree.find_all(exp.WithinGroup)):
        for ordered in group.expression.expressions if group.expression else []:
            column = ordered.this
            if isinstance(column, exp.Column) and (narrow := _INTEGER_TYPES.get(bits.get(column.name, 0))):
                column.replace(exp.cast(column.copy(), narrow))
    return tree


def _uncommented(tree: exp.Expr) -> exp.Expr:
    """A copy of ``tree`` without comments (the header is data for the catalogue, not for engines)."""
    tree = tree.copy()
    for node in tree.walk():
        node.comments = None
    return tree


def statement(
    name: str,
    dialect: str,
    probe: Probe | None = None,
    relations: Mapping[str, str] | None = None,
    keys: Sequence[str] | None = None,
    tables: Mapping[str, str] | None = None,
    bits: Mapping[str, int] | None = None,
) -> Statement:
    """Catalogue query ``name`` rendered for ``dialect`` with its relations, its values not yet
    bound (`Statement.bind` binds them): everything of it that does not depend on them, which is
    what the render cache keeps (`cache.render`, where the arguments are described)."""
    query = _query_for(name, dialect)
    probe = probe or Probe.full()
    relations = dict(relations or {})
    bases, models = resolve_relations(query.tree, relations)

    spec: dict[str, Param] = dict(query.params)
    for _, model in models:
        for pname, p in model.params.items():
            if pname in spec and spec[pname].kind != p.kind:
                raise SqlError(f"{name}: parameter :{pname} is {spec[pname].kind} here and {p.kind} in {model.name}")
            spec.setdefault(pname, p)

    tree = _uncommented(query.tree)
    if keys is not None:
        tree = _keep_keys(tree, query, keys)
    tree = _one_per_group(tree, query.numbers)
    if bits and dialect == "duckdb":
        tree = _ordered_narrow(_counted_in_bits(tree, bits), bits)
    ctes = [
        # A base relation is only a projection: never worth materialising 10 million rows for.
        exp.CTE(
            this=_reading(relation_tree(b, probe).copy(), (tables or {}).get(b)),
            alias=exp.TableAlias(this=exp.to_identifier(b)),
            materialized=False,
        )
        for b in bases
    ]
    ctes += [
        exp.CTE(this=_uncommented(model.tree), alias=exp.TableAlias(this=exp.to_identifier(rel)))
        for rel, model in models
    ]
    if ctes:
        # A CREATE TABLE ... AS or INSERT ... SELECT (the warehouse storing a relation) takes the
        # relations in its query: neither engine reads a WITH before CREATE.
        query_of = tree.expression if isinstance(tree, (exp.Create, exp.Insert)) else None
        target = query_of if isinstance(query_of, exp.Query) else tree
        existing = target.args.get("with_")
        if existing is not None:
            existing.set("expressions", ctes + list(existing.expressions))
        else:
            target.set("with_", exp.With(expressions=ctes))
    sql, used = _finish(name, query.doc, tree, dialect, spec)
    return Statement(name, dialect, sql, spec, used)


def _reading(tree: exp.Expr, table: str | None) -> exp.Expr:
    """A base relation's SELECT reading ``table`` instead of Coder's table (None: unchanged)."""
    if table is not None:
        source = tree.find(exp.Table)
        assert source is not None  # a base relation reads one table
        source.replace(exp.to_table(table))
    return tree


def render_unexpanded(name: str, dialect: str) -> str:
    """The statement of catalogue file ``name`` alone, as ``dialect``'s driver receives it.

    Its header is dropped, the relations it reads stay names (`render_relation` shows what they
    stand for), placeholders are in the driver's style and its parameters unbound: what a reviewer
    needs to see of one file's transpilation, and nothing of the files it reads.
    """
    return _sql(_uncommented(_query_for(name, dialect).tree), dialect)


def render_relation(name: str, dialect: str, probe: Probe | None = None) -> str:
    """The SELECT that base or constant relation ``name`` stands for when the source's schema is
    ``probe`` (default: the newest), for ``dialect``: the body of the CTE `statement` injects."""
    _check_dialect(dialect)
    if name not in BASE_RELATIONS and name not in CONSTANT_RELATIONS:
        raise SqlError(
            f"{name!r} is not a base or constant relation; those are "
            f"{', '.join([*BASE_RELATIONS, *CONSTANT_RELATIONS])}"
        )
    return _sql(relation_tree(name, probe or Probe.full()).copy(), dialect)


def render_statement(name: str, tree: exp.Expr, dialect: str, params: Mapping[str, Any] | None = None) -> Rendered:
    """A statement built with sqlglot's builders, for the few the catalogue cannot hold as files
    (a projection of the columns a source happens to have, say).

    Identifiers are quoted by sqlglot; values are ``exp.Placeholder`` nodes bound from ``params``
    by the driver, as in a catalogue file. ``name`` labels errors and logs.
    """
    _check_dialect(dialect)
    given = dict(params or {})
    sql, used = _finish(name, "built statement", tree.copy(), dialect, given)
    return Rendered(name, dialect, sql, {k: given[k] for k in used})


def _sql(tree: exp.Expr, dialect: str, comment: str | None = None) -> str:
    """``tree`` (which it may modify) as the text ``dialect``'s driver receives, after a line
    ``-- comment`` if given."""
    if dialect == "duckdb":
        # DuckDB materialises a CTE read more than once, which hides its statistics from the
        # join planner: on ten million rows the attribution ran 3-5x slower. Inlining every CTE
        # is cheap here because the CTEs read twice are the small provider lookups.
        for cte in tree.find_all(exp.CTE):
            cte.set("materialized", False)
    if dialect == "spark":
        _for_spark(tree)
    sql = (f"-- {comment}\n" if comment is not None else "") + tree.sql(dialect=dialect, pretty=True, copy=False)
    if dialect == "postgres":
        # psycopg reads every % as a placeholder marker, in comments too: double the literal ones.
        sql = re.sub(r"%%\((\w+)\)s", r"%(\1)s", sql.replace("%", "%%"))
    return sql


def _for_spark(tree: exp.Expr) -> None:
    """``tree`` made into what Spark SQL reads as the other engines read it (in place).

    Spark has no materialisation hints on CTEs (it inlines them), and sqlglot renders an exact
    PERCENTILE_CONT ... WITHIN GROUP as Spark's approximate PERCENTILE_APPROX: Spark's exact
    ``percentile(x, q)`` interpolates linearly between the closest ranks, as PERCENTILE_CONT does
    (the lint refuses a descending order, which this does not turn around). Spark calls
    REGEXP_SPLIT_TO_ARRAY ``SPLIT``. Spark has no ``main`` schema: a table this package names
    there (the stored facts) is a temporary view of the session, named alone.
    """
    for table in tree.find_all(exp.Table):
        if table.db == "main" and not table.catalog:
            table.set("db", None)
    for cte in tree.find_all(exp.CTE):
        cte.set("materialized", None)
    for extract in list(tree.find_all(exp.Extract)):
        # Spark has no EPOCH field; DuckDB's epoch is the microseconds over 1e6 in a double, so the
        # same division gives the same double.
        if extract.name.upper() == "EPOCH":
            micros = exp.cast(exp.func("UNIX_MICROS", extract.expression), exp.DataType.build("DOUBLE"))
            extract.replace(exp.Paren(this=exp.Div(this=micros, expression=exp.Literal.number(1000000))))
    for within in list(tree.find_all(exp.WithinGroup)):
        if isinstance(within.this, exp.PercentileCont):
            (ordered,) = within.expression.expressions
            within.replace(exp.Anonymous(this="PERCENTILE", expressions=[ordered.this, within.this.this]))
    for call in list(tree.find_all(exp.Anonymous)):
        # Spark's SPLIT takes a regular expression, as REGEXP_SPLIT_TO_ARRAY does on the others.
        if str(call.this).upper() == "REGEXP_SPLIT_TO_ARRAY":
            call.set("this", "SPLIT")


def _finish(name: str, doc: str, tree: exp.Expr, dialect: str, names: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    """The text of ``tree`` for ``dialect``, headed by ``name: doc``, and the parameters of
    ``names`` it uses, in their order; a placeholder outside ``names`` is an error."""
    used = {p.name for p in tree.find_all(exp.Placeholder)}
    missing = sorted(used - set(names))
    if missing:
        raise SqlError(f"{name}: no value for :{', :'.join(missing)}")
    return _sql(tree, dialect, f"{name}: {doc}"), tuple(k for k in names if k in used)


def base_columns(sql: str, dialect: str = "duckdb") -> dict[str, set[str] | None]:
    """For each base relation a rendered statement reads (as the CTEs `statement` gives it), the
    columns of its table the statement can use: those behind the relation's columns that the rest
    of the statement names (by name alone, so a column of the same name elsewhere keeps it: more
    than needed, never less), or None for all of them, where a ``*`` selects from the relation.
    A warehouse's refresh copies just these of the changed rows (`warehouse.facts`)."""
    tree = sqlglot.parse_one(sql, read=dialect)
    bases = {cte.alias: cte.pop() for cte in list(tree.find_all(exp.CTE)) if cte.alias in BASE_RELATIONS}
    named = {column.name for column in tree.find_all(exp.Column)}
    starred = {
        table.name
        for star in tree.find_all(exp.Star)
        if isinstance(star.parent, exp.Select) or isinstance(star.parent, exp.Column)
        for select in [star.find_ancestor(exp.Select)]
        if select is not None
        for source in [select.args.get("from_"), *select.args.get("joins", [])]
        if source is not None
        for table in [source.this]
        if isinstance(table, exp.Table)
    }
    found: dict[str, set[str] | None] = {}
    for name, cte in bases.items():
        if name in starred:
            found[name] = None
            continue
        select = cte.this
        assert isinstance(select, exp.Select)  # a base relation is one projection of its table
        found[name] = {
            column.name
            for projection in select.expressions
            if projection.alias_or_name in named
            for column in projection.find_all(exp.Column)
        }
    return found
