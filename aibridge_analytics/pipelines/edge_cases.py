"""The legacy-row edge cases of docs/edge-cases.md, found and explained row by row.

Used by the edge-cases notebook, and by anyone asking "why is this row attributed like that?":

- :data:`CASES`: the sixteen cases, numbered as in the README, with the demo labels that plant them;
- :func:`flags`: one row per interception with a flag per case (``sql/edge_cases/flags.sql``),
  judged from the source's own columns, so it works on every source, demo or not;
- :func:`counts`: how many rows show each case, and how many of those stay unattributed
  (``sql/edge_cases/counts.sql``, aggregated in the source's engine);
- :func:`explain`: for chosen rows, what the migration's backfill does, what Coder's runtime
  provider filter does, and what strict attribution does, side by side (and, given a ``truth``,
  which provider really served each row: the demo's is :func:`aibridge_analytics.demo.truth.ground_truth`);
- :class:`CaseBook` (and the one-off :func:`examples`, :func:`outcomes`, :func:`provider_effect`):
  a case's sample rows, its outcomes grouped, and its effect on per-provider counts under each
  filter, with the source read once;
- :func:`mainline_copy`: a Parquet copy of a local warehouse without the provider_id column, to see
  case 1 (a mainline Coder database) on the same rows.

:func:`explain` and its helpers read whole-source frames (attribution, backfill, Coder's filter
pairs): meant for notebooks on the demo or a local copy, not for a live database of millions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlglot import exp

from aibridge_analytics.errors import UsageError
from aibridge_analytics.pipelines.attribution import attribute
from aibridge_analytics.pipelines.verification import backfill
from aibridge_analytics.sources.connection import Connection

__all__ = [
    "CASES",
    "Case",
    "CaseBook",
    "case",
    "counts",
    "examples",
    "explain",
    "flags",
    "mainline_copy",
    "outcomes",
    "provider_effect",
]


@dataclass(frozen=True)
class Case:
    """One edge case of docs/edge-cases.md: its number, a short key and title, the demo labels
    (``demo_ground_truth.edge_case``) that plant it, and what its flag means."""

    number: int
    key: str
    title: str
    labels: tuple[str, ...]
    flag: str

    @property
    def column(self) -> str:
        """Its flag column in :func:`flags`."""
        return f"case_{self.number:02d}"


CASES: tuple[Case, ...] = (
    Case(
        1,
        "no_provider_id_column",
        "Database without a provider_id column",
        ("snapshot_name_mismatch", "snapshot_wire_mismatch", "type_drift"),
        "attribution would differ without the column (all rows on a source that lacks it)",
    ),
    Case(
        2,
        "wire_type_name",
        "provider_name is the wire type",
        ("legacy_wire_type_name", "legacy_openai_name"),
        "provider_name equals provider",
    ),
    Case(
        3,
        "empty_name",
        "provider_name is empty",
        ("empty_name_backfilled", "empty_name_unique_type", "empty_name_ambiguous_type"),
        "provider_name = ''",
    ),
    Case(
        4,
        "ambiguous_type",
        "Several live providers of one type",
        ("empty_name_ambiguous_type",),
        "empty name, and several live providers have the row's type",
    ),
    Case(
        5,
        "wire_not_type",
        "Wire format is not the provider type",
        ("wire_family_misattributed",),
        "the resolved provider's type differs from the wire format, or warning wire_family_ambiguous",
    ),
    Case(
        6,
        "soft_deleted",
        "Soft-deleted provider, name reused",
        ("name_reused", "soft_deleted_provider"),
        "resolved to a soft-deleted provider, a name only soft-deleted providers hold, or a reused name",
    ),
    Case(
        7,
        "hard_deleted",
        "Hard-deleted provider",
        ("hard_deleted_provider",),
        "provider_id NULL and a name no provider row holds (and no wire word)",
    ),
    Case(
        8,
        "dangling_provider_id",
        "provider_id pointing to no provider row",
        ("dangling_provider_id",),
        "strict method unknown_provider_id",
    ),
    Case(
        9,
        "snapshot_mismatch",
        "provider_id disagrees with the snapshot",
        ("snapshot_name_mismatch", "snapshot_wire_mismatch"),
        "warning snapshot_mismatch",
    ),
    Case(10, "disabled", "Disabled provider", ("disabled_provider",), "resolved to a disabled, not deleted, provider"),
    Case(
        11,
        "copilot_outside_enum",
        "Copilot rows and values outside the enum",
        ("copilot", "provider_outside_enum"),
        "provider is 'copilot' or outside the ai_provider_type enum",
    ),
    Case(12, "in_flight", "In-flight and stuck rows", ("in_flight", "stuck"), "ended_at IS NULL"),
    Case(13, "client_null", "client NULL", ("client_null",), "client IS NULL"),
    Case(
        14,
        "mixed_session",
        "Sessions mixing providers",
        ("mixed_session",),
        "its session (session_id, initiator_id) holds rows of several resolved providers",
    ),
    Case(
        15,
        "type_drift",
        "Type drift",
        ("type_drift",),
        "empty name, provider_id set, and today's type fallback gives another answer",
    ),
    Case(
        16,
        "upgrade_timeline",
        "Legacy traffic before the providers existed",
        (),
        "started before the first provider row was created, or the source has no ai_providers",
    ),
)
"""The sixteen cases. The demo world's providers predate its history, so case 16 is planted by the
upgrade histories (:mod:`aibridge_analytics.demo.upgrades`) instead."""


def case(number: int) -> Case:
    """The case numbered ``number`` (1..16)."""
    for c in CASES:
        if c.number == number:
            return c
    raise UsageError(f"unknown edge case {number!r}; cases are numbered 1..{len(CASES)}")


def flags(con: Connection) -> pl.DataFrame:
    """One row per interception: interception_id, started_at, ended_at, model, client (raw, NULL
    kept), session_id, resolved, case_01 .. case_16 and stuck (see ``sql/edge_cases/flags.sql``)."""
    return con.query("edge_cases/flags")


def _has_provider_id(con: Connection) -> bool:
    return con.probe.has("aibridge_interceptions", "provider_id")


def counts(con: Connection) -> pl.DataFrame:
    """One row per case: case, key, title, interceptions (rows showing it), share (of all rows),
    unattributed (of those, rows strict attribution resolves to no provider).

    On a source without the provider_id column case 1 applies to every row.
    """
    row = con.query("edge_cases/counts").row(0, named=True)
    total = row["interceptions"]
    out = []
    for c in CASES:
        n, unattributed = row[c.column], row[f"{c.column}_unattributed"]
        if c.number == 1 and not _has_provider_id(con):
            n, unattributed = total, row["unattributed"]
        out.append(
            {
                "case": c.number,
                "key": c.key,
                "title": c.title,
                "interceptions": n,
                "share": round(n / total, 4) if total else None,
                "unattributed": unattributed,
            }
        )
    return pl.DataFrame(
        out,
        schema={
            "case": pl.Int64,
            "key": pl.String,
            "title": pl.String,
            "interceptions": pl.Int64,
            "share": pl.Float64,
            "unattributed": pl.Int64,
        },
    )


def _names(con: Connection) -> dict[str, str]:
    """Provider id -> its name, marked when soft-deleted."""
    providers = con.query("providers/list")
    return {r["id"]: r["name"] + (" (deleted)" if r["deleted"] else "") for r in providers.iter_rows(named=True)}


def _truth_names(truth: pl.DataFrame | None) -> dict[str, str]:
    """Provider id -> name as the truth gives it (``true_provider_name``), for providers the snapshot lacks."""
    if truth is None or "true_provider_name" not in truth.columns:
        return {}
    return dict(truth.select("true_provider_id", "true_provider_name").drop_nulls().unique().iter_rows())


def _name_expr(column: str, names: dict[str, str], alias: str) -> pl.Expr:
    """A provider id column shown by name; an id no provider row has is shown as '? <id prefix>'."""
    col = pl.col(column)
    return (
        pl.when(col.is_null())
        .then(None)
        .otherwise(col.replace_strict(names, default=pl.lit("? ") + col.str.slice(0, 8), return_dtype=pl.String))
        .alias(alias)
    )


def explain(
    con: Connection, interception_ids: Iterable[str] | None = None, *, truth: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Why each row is attributed as it is: one row per interception (all, or those given).

    Columns: interception_id, started_at, ended_at, client (NULL kept), model, the snapshot
    (provider, provider_name, provider_id shown by name), then

    - the backfill (migration 000507 replayed): ``backfill`` (kept, set_by_name,
      set_by_unique_type, left_null) and ``after_backfill`` (the provider it holds afterwards);
    - Coder's runtime provider filter, over ended rows: ``coder_api`` (the providers whose filter
      returns the row through the API, where provider_name = P.name is ANDed) and ``coder_sql``
      (the providers whose SQL predicate alone matches it: the type fallback without a uniqueness
      guard); comma-separated names;
    - strict attribution: ``method``, ``strict`` (the provider) and ``warnings``;
    - given ``truth`` (interception_id, true_provider_id, and optionally true_provider_name, a
      name for providers the snapshot lacks, and label): ``truth`` (the provider that really
      served the row) and ``label``.

    Provider ids are shown by name, '(deleted)' marking soft-deleted providers and '? abcd1234'
    an id no ai_providers row has.
    """
    names = _names(con)
    wanted = None if interception_ids is None else pl.Series("interception_id", [str(i) for i in interception_ids])

    def only(frame: pl.DataFrame) -> pl.DataFrame:
        frame = frame.with_columns(pl.col("interception_id").cast(pl.String))
        return frame if wanted is None else frame.filter(pl.col("interception_id").is_in(wanted.implode()))

    base = only(flags(con)).select("interception_id", "started_at", "ended_at", "client", "model")
    att = only(attribute(con)).select(
        "interception_id",
        "provider",
        "provider_name",
        pl.col("provider_id").cast(pl.String),
        "method",
        pl.col("resolved_provider_id").cast(pl.String),
        pl.col("warnings").list.join(", "),
    )
    bf = only(backfill(con)).select(
        "interception_id", pl.col("backfill_outcome").alias("backfill"), pl.col("migrated_provider_id").cast(pl.String)
    )
    pairs = only(con.query("verification/coder_filter")).with_columns(_name_expr("provider_id", names, "name"))
    coder = pairs.group_by("interception_id").agg(
        pl.col("name").filter(pl.col("in_coder_api")).sort().str.join(", ").alias("coder_api"),
        pl.col("name").filter(pl.col("in_coder_sql")).sort().str.join(", ").alias("coder_sql"),
    )
    out = (
        base.join(att, on="interception_id", how="left")
        .join(bf, on="interception_id", how="left")
        .join(coder, on="interception_id", how="left")
    )
    out = out.with_columns(
        _name_expr("provider_id", names, "provider_id"),
        _name_expr("migrated_provider_id", names, "after_backfill"),
        _name_expr("resolved_provider_id", names, "strict"),
        # Coder's listings leave in-flight rows out: no provider's filter returns them.
        *(
            pl.when(pl.col("ended_at").is_null())
            .then(pl.lit("(in flight: never listed)"))
            .otherwise(pl.col(c).fill_null(""))
            .alias(c)
            for c in ("coder_api", "coder_sql")
        ),
    )
    columns = [
        "interception_id",
        "started_at",
        "ended_at",
        "client",
        "model",
        "provider",
        "provider_name",
        "provider_id",
        "backfill",
        "after_backfill",
        "coder_api",
        "coder_sql",
        "method",
        "strict",
        "warnings",
    ]
    if truth is not None:
        labels = ["label"] if "label" in truth.columns else []
        out = out.join(
            only(truth.select("interception_id", "true_provider_id", *labels)), on="interception_id", how="left"
        ).with_columns(_name_expr("true_provider_id", _truth_names(truth) | names, "truth"))
        columns += ["truth", *labels]
    return out.select(columns).sort("started_at", "interception_id")


class CaseBook:
    """The edge cases of one source with every frame read once: for a notebook that looks at
    many cases (each method would otherwise re-read the whole source).

    ``flags``, ``rows`` (:func:`explain` of every row) and ``pairs`` (Coder's filter and strict
    attribution per ended row and provider) are read lazily. ``truth``, when given, is what
    really happened (see :func:`explain`; the demo's: :func:`aibridge_analytics.demo.truth.ground_truth`).
    """

    def __init__(self, con: Connection, truth: pl.DataFrame | None = None) -> None:
        self.con = con
        self.truth = None if truth is None else truth.with_columns(pl.col("interception_id").cast(pl.String))
        self._cache: dict[str, pl.DataFrame] = {}

    def _get(self, key: str, read: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        if key not in self._cache:
            self._cache[key] = read()
        return self._cache[key]

    @property
    def flags(self) -> pl.DataFrame:
        return self._get("flags", lambda: flags(self.con))

    @property
    def rows(self) -> pl.DataFrame:
        return self._get("rows", lambda: explain(self.con, truth=self.truth))

    @property
    def pairs(self) -> pl.DataFrame:
        return self._get(
            "pairs",
            lambda: self.con.query("verification/coder_filter").with_columns(pl.col("interception_id").cast(pl.String)),
        )

    def ids(self, number: int, ended: bool = False) -> pl.Series:
        """The interception ids showing case ``number`` (only ended rows with ``ended``)."""
        selected = self.flags.filter(pl.col(case(number).column))
        if ended:
            selected = selected.filter(pl.col("ended_at").is_not_null())
        return selected["interception_id"]

    def examples(self, number: int, n: int = 6) -> pl.DataFrame:
        """Up to ``n`` rows showing case ``number``, explained (see :func:`explain`).

        With a truth holding labels (the demo's), rows whose label plants the case come first, taken
        in turn from each such label (so every planted variant shows); elsewhere the oldest flagged rows.
        """
        c = case(number)
        flagged = self.flags.filter(pl.col(c.column)).select("interception_id", "started_at")
        if self.truth is not None and "label" in self.truth.columns:
            order = {label: i for i, label in enumerate(c.labels)}
            flagged = flagged.join(self.truth.select("interception_id", "label"), on="interception_id", how="left")
            flagged = (
                flagged.with_columns(
                    pl.col("label").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_label"),
                )
                .sort("_label", "started_at", "interception_id")
                .with_columns(
                    # Planted labels take turns; rows of other labels come after all of them.
                    pl.when(pl.col("_label") < len(order))
                    .then(pl.int_range(pl.len()).over("_label"))
                    .otherwise(pl.lit(None))
                    .alias("_turn")
                )
            )
            flagged = flagged.sort("_turn", "_label", "started_at", "interception_id", nulls_last=True)
        else:
            flagged = flagged.sort("started_at", "interception_id")
        chosen = flagged.head(n)["interception_id"]
        return self.rows.filter(pl.col("interception_id").is_in(chosen.implode()))

    def outcomes(self, number: int) -> pl.DataFrame:
        """Every row of case ``number`` grouped by what happens to it: backfill outcome, Coder's
        API and SQL filter, strict method, provider and warnings (and the truth, when given)."""
        rows = self.rows.filter(pl.col("interception_id").is_in(self.ids(number).implode()))
        keys = [
            k
            for k in ("backfill", "after_backfill", "coder_api", "coder_sql", "method", "strict", "warnings", "truth")
            if k in rows.columns
        ]
        return (
            rows.group_by(keys)
            .agg(pl.len().alias("interceptions"))
            .sort("interceptions", *keys, descending=[True] + [False] * len(keys), nulls_last=True)
        )

    def provider_effect(self, number: int) -> pl.DataFrame:
        """What case ``number``'s ended rows add to each provider's count under each filter.

        One row per provider touched: provider, coder_api, coder_sql, strict (rows of the case
        each filter counts for the provider) and, given a truth, truth (rows of the case it really
        served). Where the columns differ, the case changes that provider's figures.
        """
        names = _truth_names(self.truth) | _names(self.con)
        ids = self.ids(number, ended=True).implode()
        out = (
            self.pairs.filter(pl.col("interception_id").is_in(ids))
            .group_by("provider_id")
            .agg(*(pl.col(f"in_{s}").sum().cast(pl.Int64).alias(s) for s in ("coder_api", "coder_sql", "strict")))
        )
        if self.truth is not None:
            true = self.truth.filter(pl.col("interception_id").is_in(ids) & pl.col("true_provider_id").is_not_null())
            true = true.group_by(pl.col("true_provider_id").alias("provider_id")).agg(
                pl.len().cast(pl.Int64).alias("truth")
            )
            out = out.join(true, on="provider_id", how="full", coalesce=True).with_columns(
                pl.col("coder_api", "coder_sql", "strict", "truth").fill_null(0)
            )
        out = out.with_columns(_name_expr("provider_id", names, "provider")).drop("provider_id")
        return out.select("provider", pl.exclude("provider")).sort("provider")


def examples(con: Connection, number: int, n: int = 6, *, truth: pl.DataFrame | None = None) -> pl.DataFrame:
    """Up to ``n`` explained rows showing case ``number`` (see :meth:`CaseBook.examples`)."""
    return CaseBook(con, truth).examples(number, n)


def outcomes(con: Connection, number: int, *, truth: pl.DataFrame | None = None) -> pl.DataFrame:
    """Case ``number``'s rows grouped by what happens to them (see :meth:`CaseBook.outcomes`)."""
    return CaseBook(con, truth).outcomes(number)


def provider_effect(con: Connection, number: int, *, truth: pl.DataFrame | None = None) -> pl.DataFrame:
    """Case ``number``'s effect on per-provider counts (see :meth:`CaseBook.provider_effect`)."""
    return CaseBook(con, truth).provider_effect(number)


def mainline_copy(con: Connection, directory: str | Path) -> Path:
    """Write a source's Coder tables to ``directory`` as ``<table>.parquet`` without the
    provider_id column: the same rows as a mainline Coder database (no PR #25606) would hold them.

    Open it with ``aa.connect(directory)``.
    """
    from aibridge_analytics.coder import TABLES

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for table in TABLES:  # an allow-list: table names never come from the caller
        if not con.probe.has(table):
            continue
        columns = [
            c for c in con.probe.columns[table] if not (table == "aibridge_interceptions" and c == "provider_id")
        ]
        select = exp.select(*(exp.column(c, quoted=True) for c in columns)).from_(exp.to_table(table))
        con.export_parquet(con.built(f"mainline copy of {table}", select), out / f"{table}.parquet")
    return out
