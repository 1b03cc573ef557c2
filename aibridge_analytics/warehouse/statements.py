"""The sync's statements that depend on a table or on the source's columns, built with sqlglot.

Each function returns a syntax tree that `store.Warehouse.execute_built` (or a source's
`CopyReader`) renders for DuckDB: identifiers come from the schema declaration and are quoted by
sqlglot where they need it, values are placeholders (``CAST(:name AS type)``) bound by the driver.
Statements that do not depend on the table are catalogue files under ``sql/warehouse/``.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlglot
from sqlglot import exp

from aibridge_analytics.catalogue import Probe, missing_value
from aibridge_analytics.coder import TABLES, Column
from aibridge_analytics.warehouse.store import FACTS_CHANGED

#: The temporary table (or registered view) holding the rows a write takes from.
BATCH = "_batch"
_STAGED = "_staged"


def _type(column: Column) -> exp.DataType:
    return exp.DataType.build(column.duckdb, dialect="duckdb")


def _names(table: str) -> list[str]:
    return [c.name for c in TABLES[table]]


def _value(name: str, column: Column) -> exp.Cast:
    """The bound value ``:name``, typed as ``column`` is."""
    return exp.cast(exp.Placeholder(this=name), _type(column))


def _key(table: str, key: str) -> Column:
    return next(c for c in TABLES[table] if c.name == key)


def select_rows(table: str, probe: Probe, source: exp.Table) -> exp.Select:
    """The copy's SELECT of ``table`` from ``source``: every declared column, the ones the source
    lacks filled in as Coder's own migrations filled them (`missing_value`)."""
    projections: list[exp.Expr] = []
    for column in TABLES[table]:
        if probe.has(table, column.name):
            projections.append(exp.column(column.name))
        else:
            filled = sqlglot.parse_one(missing_value(table, column.name), read="duckdb")
            projections.append(exp.alias_(exp.cast(filled, _type(column)), column.name))
    return exp.select(*projections).from_(source)


def after(select: exp.Select, table: str, key: str) -> exp.Select:
    """``select`` limited to rows whose ``key`` is beyond ``:mark``."""
    return select.where(exp.column(key) > _value("mark", _key(table, key)))


def within(select: exp.Select, table: str, key: str) -> exp.Select:
    """``select`` limited to rows whose ``key`` lies from ``:since`` to ``:until``."""
    column = _key(table, key)
    return select.where(exp.column(key) >= _value("since", column)).where(exp.column(key) <= _value("until", column))


def with_ids(select: exp.Select, table: str, count: int) -> exp.Select:
    """``select`` limited to the rows whose id is one of ``:id0`` ... ``:id<count - 1>``."""
    column = _key(table, "id")
    return select.where(exp.column("id").isin(*(_value(f"id{i}", column) for i in range(count))))


def create_batch(select: exp.Select, name: str = BATCH) -> exp.Create:
    """``CREATE TEMP TABLE <name> AS <select>`` (default: the sync's ``_batch``)."""
    return exp.Create(
        this=exp.to_table(name),
        kind="TABLE",
        expression=select,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )


def empty_batch(table: str) -> exp.Create:
    """An empty ``_batch`` with ``table``'s columns and types."""
    return create_batch(exp.select(*_names(table)).from_(table).limit(0))


def drop(name: str = BATCH) -> exp.Drop:
    """``DROP TABLE <name>``."""
    return exp.Drop(tables=[exp.to_table(name)], kind="TABLE")


def insert(table: str, select: exp.Select, target: str | None = None) -> exp.Insert:
    """``INSERT INTO target (<table's declared columns>) <select>`` (``target`` defaults to ``table``)."""
    return exp.insert(select, exp.to_table(target or table), columns=_names(table))


def insert_from(table: str, source: str = BATCH, target: str | None = None) -> exp.Insert:
    """Append the declared columns of ``table`` from ``source`` to ``target`` (default: ``table``)."""
    return insert(table, exp.select(*_names(table)).from_(source), target)


def count(table: str = BATCH) -> exp.Select:
    """``SELECT count(*) FROM table``."""
    return exp.select(exp.func("count", exp.Star())).from_(table)


def newest(table: str, key: str) -> exp.Select:
    """The largest ``key`` of ``table`` as microseconds since the epoch (NULL if empty)."""
    return exp.select(exp.func("epoch_us", exp.Max(this=exp.column(key)))).from_(table)


def has_rows(table: str, key: str, beyond: bool) -> exp.Select:
    """Whether ``table`` has any row (``beyond``: any whose ``key`` is beyond ``:mark``)."""
    rows = exp.select(exp.Literal.number(1)).from_(table)
    return exp.select(exp.Exists(this=after(rows, table, key) if beyond else rows))


def merge_by_id(table: str, lacking: set[str], *, mark: bool = False) -> list[tuple[str, exp.Expr]]:
    """Replace the rows of ``table`` that ``_batch`` holds by id (inside the caller's transaction).

    A column in ``lacking`` (one the source does not have) keeps the value the warehouse already
    had: an export carries no provider_id, and must not erase the one a database sync stored.
    ``mark``: record the interceptions of the rows the merge really changes (`mark_differing`).
    """
    projections = []
    for column in TABLES[table]:
        new = exp.cast(exp.column(column.name, "n"), _type(column))
        kept = exp.func("coalesce", exp.column(column.name, "o"), new) if column.name in lacking else new
        projections.append(exp.alias_(kept, column.name))
    same_id = exp.column("id", "o").eq(exp.column("id", "n"))
    staged = (
        exp.select(*projections)
        .from_(exp.alias_(exp.to_table(BATCH), "n", table=True))
        .join(exp.alias_(exp.to_table(table), "o", table=True), on=same_id, join_type="left")
    )
    stage = exp.Create(
        this=exp.to_table(_STAGED),
        kind="TABLE",
        expression=staged,
        replace=True,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )
    remove = exp.delete(table, where=exp.column("id").isin(query=exp.select("id").from_(_STAGED)))
    marked = [(f"mark the facts of {table}'s changed rows", mark_differing(table))] if mark else []
    return [
        (f"stage {table}", stage),
        *marked,
        (f"remove staged {table}", remove),
        (f"insert staged {table}", insert_from(table, _STAGED)),
        (f"drop staged {table}", drop(_STAGED)),
    ]


def merge_by_content(table: str, identity: tuple[str, ...]) -> list[tuple[str, exp.Expr]]:
    """Replace the rows of ``table`` equal to a row of ``_batch`` in every ``identity`` column."""
    same = exp.and_(*(exp.NullSafeEQ(this=exp.column(c, "n"), expression=exp.column(c, table)) for c in identity))
    batch = exp.select(exp.Literal.number(1)).from_(exp.alias_(exp.to_table(BATCH), "n", table=True)).where(same)
    remove = exp.delete(table, where=exp.Exists(this=batch))
    return [(f"remove merged {table}", remove), (f"insert merged {table}", insert_from(table))]


#: The tables the facts are made of, and the column naming each row's interception.
FACT_INPUTS = {
    "aibridge_interceptions": "id",
    "aibridge_token_usages": "interception_id",
    "aibridge_user_prompts": "interception_id",
    "aibridge_tool_usages": "interception_id",
}


def mark_changed(table: str, source: str = BATCH, key: str | None = None) -> exp.Insert:
    """Record the interceptions of the rows of ``source`` (rows of ``table``) as changed; with
    ``key``, only those whose ``key`` is beyond ``:mark`` (the rows a copy just appended)."""
    column = FACT_INPUTS[table]
    rows = exp.select(exp.column(column)).distinct().from_(source).where(exp.column(column).is_(exp.null()).not_())
    if key is not None:
        rows = after(rows, table, key)
    return exp.insert(rows, exp.to_table(FACTS_CHANGED), columns=["interception_id"])


def mark_differing(table: str) -> exp.Insert:
    """Record as changed the interceptions of the staged rows (a merge's new versions) that differ
    from the warehouse's copy, or that it lacks, and of the copies they replace: a re-read that
    brings nothing new (the overlap window of every sync) leaves the stored facts as they are."""
    column = FACT_INPUTS[table]
    names = _names(table)
    staged = exp.select(*names).from_(_STAGED)
    held = exp.select(*names).from_(table).where(exp.column("id").isin(query=exp.select("id").from_(_STAGED)))
    # Each difference in a subquery of its own: EXCEPT and UNION chain from the left.
    new_versions = exp.select(column).from_(staged.copy().except_(held.copy()).subquery("n"))
    old_versions = exp.select(column).from_(held.except_(staged).subquery("o"))
    differing = exp.union(new_versions, old_versions, distinct=False)
    rows = (
        exp.select(exp.column(column))
        .distinct()
        .from_(differing.subquery("d"))
        .where(exp.column(column).is_(exp.null()).not_())
    )
    return exp.insert(rows, exp.to_table(FACTS_CHANGED), columns=["interception_id"])


def changed_subset(table: str, probe: Probe, read: Collection[str] | None = None) -> tuple[str, exp.Create]:
    """The temporary table of ``table``'s rows whose interception's facts have changed, and the
    statement creating it: what a refresh recomputes the facts from. It has the columns the
    warehouse has (``probe``: one made by an older version may lack newer ones), which the facts
    relation reads as it reads the table itself; those not in ``read`` (None: all) are NULL, as
    the facts never use them, and copying prompt and tool input texts is most of the cost."""
    column = FACT_INPUTS[table]
    changed = exp.select("interception_id").from_(FACTS_CHANGED)
    present = [
        exp.column(c.name) if read is None or c.name in read else exp.alias_(exp.cast(exp.null(), _type(c)), c.name)
        for c in TABLES[table]
        if probe.has(table, c.name)
    ]
    rows = exp.select(*present).from_(table).where(exp.column(column).isin(query=changed))
    name = f"_changed_{table}"
    return name, create_batch(rows, name)


#: The temporary table of spans (``sql/warehouse/facts/stage_spans.sql``) and the kinds of key it holds.
SPANS = "_spans"
SPAN_KINDS = ("session", "thread")


def store_spans(facts: str, kind: str) -> exp.Update:
    """Store the staged spans of ``kind`` (session or thread) on the rows of table ``facts`` whose
    key they were computed for: first and last start, how many ended rows, the keys that vary, and
    whether the row is the marked one (only that row counts a session lying whole in a group). One
    statement per kind, as each writes its own columns (``<kind>_rep``, ``_varies``, ``_from``,
    ``_to``, ``_size``); the kind's name is bound as ``:kind``."""
    spans = exp.to_table(f"temp.main.{SPANS}", alias="s")
    marked = exp.Coalesce(
        this=exp.EQ(this=exp.column("interception_id", "u"), expression=exp.column("rep", "s")),
        expressions=[exp.false()],
    )
    values: dict[str, object] = {
        f"{kind}_rep": marked,
        f"{kind}_varies": exp.column("varies", "s"),
        f"{kind}_from": exp.column("first_started", "s"),
        f"{kind}_to": exp.column("last_started", "s"),
        f"{kind}_size": exp.column("size", "s"),
    }
    match = exp.and_(
        exp.EQ(this=exp.column("key_of", "s"), expression=exp.cast(exp.Placeholder(this="kind"), "TEXT")),
        exp.EQ(this=exp.column("key", "s"), expression=exp.column(f"{kind}_key", "u")),
    )
    return exp.update(exp.to_table(facts, alias="u"), values, where=match, from_=exp.From(this=spans))
