"""Backfill verification: did migration 000507's provider_id backfill do what it should?

Three catalogue queries do the work (README: verify-backfill):

- ``sql/backfill/simulate.sql`` (relation ``backfill``) replays the migration's two passes on the
  source's snapshot, reporting its faults (rows outside the enum, the copilot enum value added in
  the same transaction) instead of aborting;
- ``sql/verification/rows.sql`` (relation ``verification_rows``) puts every interception in exactly
  one class (:data:`CLASSES`) by comparing the provider_id it holds with the backfill's answer
  and with the snapshot columns;
- ``sql/verification/coder_filter.sql`` compares Coder's runtime provider filter, as the API runs
  it and as its SQL predicate alone, with strict attribution (and with a ground truth, when one is
  given: the demo's is :func:`aibridge_analytics.demo.truth.ended_truth`).

This module runs them, checks the invariants (every row in exactly one class; class totals equal
the row count) and renders the report as a table, JSON or Markdown.
"""

from __future__ import annotations

import io
import json
import textwrap
from dataclasses import dataclass
from typing import Any

import polars as pl

from aibridge_analytics.errors import UsageError
from aibridge_analytics.outputs.formats import View, jsonable, markdown_text, table_text, table_width
from aibridge_analytics.sources.connection import Connection

CLASSES = (
    "unchanged_correct",
    "attributed_by_name",
    "attributed_by_unique_type",
    "backfill_would_misattribute",
    "left_null_ambiguous_type",
    "left_null_no_live_provider",
    "left_null_deleted_provider",
    "left_null_duplicate_live_name",
    "set_null_by_hard_delete",
    "awaiting_providers",
    "misattributed_successor",
    "conflicting",
    "dangling_id",
)
"""Every verification class, in report order (README: verify-backfill, classes)."""

ALWAYS_DISCREPANT = ("misattributed_successor", "conflicting", "dangling_id")
"""Classes that are discrepancies on any source."""

MISSED_BY_BACKFILL = ("attributed_by_name", "attributed_by_unique_type")
"""Classes that are discrepancies where the provider_id column exists: NULL, but the backfill sets them."""

FORMATS = ("table", "json", "markdown")
CODER_FILTER_TITLE = "Coder's provider filter vs strict attribution (ended rows)"
#: Each section's columns in a table, most wanted first: as many as fit the terminal are shown.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "Classes per provider (after the backfill)": (
        "class",
        "provider_name",
        "interceptions",
        "likely_provider_name",
        "provider_id",
        "likely_provider_id",
    ),
    "Findings": ("finding", "severity", "affected", "examples"),
    "Invariants": ("check", "ok", "detail"),
    CODER_FILTER_TITLE: (
        "provider_name",
        "deleted",
        "strict",
        "coder_api",
        "coder_sql",
        "strict_not_api",
        "sql_not_strict",
        "api_not_strict",
        "dropped_by_name_and",
        "provider_type",
        "provider_id",
    ),
}

_SELECTORS = ("coder_api", "coder_sql", "strict")


def discrepancy_classes(has_provider_id: bool) -> tuple[str, ...]:
    """The classes counted as discrepancies for a source with or without the provider_id column.

    Without the column (mainline Coder) the migration has not run: the classes preview what it
    would do, and only snapshot contradictions count.
    """
    return ALWAYS_DISCREPANT + (MISSED_BY_BACKFILL if has_provider_id else ())


@dataclass(frozen=True)
class VerificationReport:
    """The backfill verification of one source; every part is a Polars frame.

    - ``classes``: class, discrepancy, interceptions (every class, zeros included);
    - ``by_provider``: class, provider_id, provider_name, likely_provider_id, likely_provider_name,
      interceptions (the provider a row ends up with after the backfill, null when it stays NULL;
      for the misattribution classes, the provider that can have served the rows when they started);
    - ``strict``: class, method (strict attribution), strict_agrees, interceptions;
    - ``samples``: class, interception_ids (a few per class);
    - ``findings``: finding, severity, affected, examples;
    - ``invariants``: check, ok, detail;
    - ``coder_filter``: per provider, Coder's filter vs strict attribution (see :func:`coder_filter_report`).
    """

    source: str
    has_provider_id: bool
    classes: pl.DataFrame
    by_provider: pl.DataFrame
    strict: pl.DataFrame
    samples: pl.DataFrame
    findings: pl.DataFrame
    invariants: pl.DataFrame
    coder_filter: pl.DataFrame

    @property
    def discrepancies(self) -> int:
        """Rows in discrepancy classes."""
        return int(self.classes.filter(pl.col("discrepancy"))["interceptions"].sum())

    @property
    def errors(self) -> list[str]:
        """Findings of severity ``error`` that affect something."""
        return self.findings.filter((pl.col("severity") == "error") & (pl.col("affected") > 0))["finding"].to_list()

    @property
    def clean(self) -> bool:
        """No discrepancy rows, no error findings, every invariant holds (exit code 0)."""
        return self.discrepancies == 0 and not self.errors and bool(self.invariants["ok"].all())

    @property
    def has_providers(self) -> bool:
        """Whether the source has Coder's ai_providers table (migration 000495 ran)."""
        return bool(self.classes.filter(pl.col("class") == "awaiting_providers")["interceptions"].sum() == 0)

    def scope(self) -> str:
        """What the verification is of: the migration that ran, or a preview of what is to come."""
        if not self.has_providers:
            return (
                "PREVIEW of the whole upgrade: the source has no ai_providers table; 000495 will create "
                "provider rows from the deployment's configuration, 000458 name legacy rows after their "
                "wire type, 000507 attach rows whose name a created provider holds"
            )
        if self.has_provider_id:
            return "with a provider_id column: migration 000507 ran"
        return "without a provider_id column: a preview of migration 000507"

    def verdict(self) -> str:
        """One line: clean, or what is wrong."""
        if self.clean:
            return "clean: no discrepancies, no error findings, invariants hold"
        parts = []
        if self.discrepancies:
            parts.append(f"{self.discrepancies} discrepant rows")
        if self.errors:
            parts.append("error findings: " + ", ".join(self.errors))
        failed = self.invariants.filter(~pl.col("ok"))["check"].to_list()
        if failed:
            parts.append("failed invariants: " + ", ".join(failed))
        return "DISCREPANCIES: " + "; ".join(parts)

    def sections(self) -> list[tuple[str, pl.DataFrame]]:
        """(title, frame) for each part, in report order."""
        samples = self.samples.with_columns(pl.col("interception_ids").list.join(", "))
        return [
            ("Classes", self.classes.filter(pl.col("interceptions") > 0)),
            ("Classes per provider (after the backfill)", self.by_provider),
            ("Classes vs strict attribution", self.strict),
            ("Sample interception ids", samples),
            ("Findings", self.findings),
            ("Invariants", self.invariants),
            (CODER_FILTER_TITLE, self.coder_filter),
        ]

    def table_sections(self) -> list[tuple[str, pl.DataFrame]]:
        """The sections as a terminal shows them: one sample id per row, so that ids never wrap."""
        return [
            (title, self.samples.explode("interception_ids").rename({"interception_ids": "interception_id"}))
            if title == "Sample interception ids"
            else (title, frame)
            for title, frame in self.sections()
        ]

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (the stable JSON form)."""

        def rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
            return [jsonable(r) for r in frame.iter_rows(named=True)]

        return {
            "source": self.source,
            "scope": self.scope(),
            "has_provider_id": self.has_provider_id,
            "clean": self.clean,
            "verdict": self.verdict(),
            "discrepancy_classes": list(discrepancy_classes(self.has_provider_id)),
            "classes": rows(self.classes),
            "by_provider": rows(self.by_provider),
            "strict": rows(self.strict),
            "samples": rows(self.samples),
            "findings": rows(self.findings),
            "invariants": rows(self.invariants),
            "coder_filter": rows(self.coder_filter),
        }

    def render(self, fmt: str = "table", wide: bool = False, columns_hint: str = "") -> str:
        """The report as ``table`` (text), ``json`` or ``markdown``.

        A table shows each section's :data:`TABLE_COLUMNS` that fit the terminal unless ``wide``;
        ``columns_hint`` says under a section how to see the columns left out.
        """
        if fmt == "json":
            return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        header = f"Backfill verification of {self.source} ({self.scope()})"
        if fmt == "table":
            width = table_width()
            # Titles on lines of their own, a blank line apart; the header wrapped between words.
            body = "".join(
                "\n"
                + table_text(
                    frame,
                    View(compact=None if wide else TABLE_COLUMNS.get(title), columns_hint=columns_hint),
                    title,
                    width,
                )
                for title, frame in self.table_sections()
            )
            head = "\n".join(textwrap.wrap(header, width, break_on_hyphens=False, break_long_words=False))
            return f"{head}\n{body}\n{self.verdict()}\n"
        if fmt == "markdown":
            out = io.StringIO()
            out.write(f"# {markdown_text(header)}\n\n**{self.verdict()}**\n")
            for title, frame in self.sections():
                out.write(f"\n## {title}\n\n{_markdown(frame)}\n")
            return out.getvalue()
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _markdown(frame: pl.DataFrame) -> str:
    if frame.is_empty():
        return "(none)\n"

    def cell(value: Any) -> str:
        return markdown_text(", ".join(value) if isinstance(value, list) else value)

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * frame.width]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join(lines) + "\n"


def _has_provider_id(con: Connection) -> bool:
    return con.probe.has("aibridge_interceptions", "provider_id")


def _enum_copilot(con: Connection) -> str:
    """``present``, ``absent`` or ``unknown``: whether copilot is a label of the source's enum."""
    labels = con.enum_labels()
    return "unknown" if labels is None else ("present" if "copilot" in labels else "absent")


def backfill(con: Connection) -> pl.DataFrame:
    """Migration 000507 replayed on the source: one row per interception (``sql/backfill/simulate.sql``)."""
    return con.query("backfill/simulate")


def _invariants(figures: dict[str, int], class_total: int) -> pl.DataFrame:
    rows = figures["source_rows"]
    checks = [
        (
            "every_row_classified",
            figures["unclassified_rows"] == 0,
            f"{figures['unclassified_rows']} rows without a class",
        ),
        (
            "one_class_per_row",
            figures["max_rows_per_id"] <= 1 and figures["distinct_ids"] == figures["classified_rows"],
            f"{figures['classified_rows']} classified rows, {figures['distinct_ids']} distinct ids",
        ),
        (
            "class_totals_equal_row_count",
            class_total == rows and figures["classified_rows"] == rows,
            f"classes add up to {class_total}; the source has {rows} interceptions",
        ),
    ]
    return pl.DataFrame(checks, schema={"check": pl.String, "ok": pl.Boolean, "detail": pl.String}, orient="row")


def verify_backfill(
    con: Connection, *, samples: int = 3, truth: pl.DataFrame | None = None, coder_filter: bool = True
) -> VerificationReport:
    """Verify the provider_id backfill on ``con`` (README: verify-backfill).

    Every interception is put in exactly one of :data:`CLASSES`; counts come per class, per
    provider and per strict method, with ``samples`` interception ids per class, the migration's
    and the snapshot's faults as findings, the invariants checked, and Coder's provider filter
    compared with strict attribution (and scored against ``truth``, when given: see
    :func:`coder_filter_report`). ``coder_filter=False`` skips that comparison (a whole pass over
    the interceptions; ``report.coder_filter`` is then an empty frame): the verdict never reads it.
    ``report.clean`` is False (exit code 3 on the command line) when discrepancy classes hold
    rows, an error finding affects anything, or an invariant fails.
    """
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 0:
        raise UsageError(f"samples must be a non-negative integer, got {samples!r}")
    has_pid = _has_provider_id(con)
    params = {"has_provider_id": has_pid}
    detail = con.query("verification/classes", params)
    totals = detail.group_by("class").agg(pl.col("interceptions").sum())
    discrepant = discrepancy_classes(has_pid)
    classes = (
        pl.DataFrame({"class": CLASSES})
        .join(totals, on="class", how="left")
        .with_columns(
            pl.col("class").is_in(discrepant).alias("discrepancy"),
            pl.col("interceptions").fill_null(0).cast(pl.Int64),
        )
        .select("class", "discrepancy", "interceptions")
    )
    order = {c: i for i, c in enumerate(CLASSES)}

    def in_class_order(frame: pl.DataFrame, *keys: str) -> pl.DataFrame:
        return (
            frame.with_columns(pl.col("class").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
            .sort("_o", *keys, nulls_last=True)
            .drop("_o")
        )

    by_provider = in_class_order(
        detail.group_by("class", "provider_id", "provider_name", "likely_provider_id", "likely_provider_name").agg(
            pl.col("interceptions").sum()
        ),
        "provider_name",
        "likely_provider_name",
    )
    strict = in_class_order(
        detail.group_by("class", "method", "strict_agrees").agg(pl.col("interceptions").sum()),
        "method",
        "strict_agrees",
    )
    picked = (
        con.query("verification/samples", {**params, "per_class": samples})
        if samples
        else pl.DataFrame(schema={"class": pl.String, "interception_id": pl.String})
    )
    sample_ids = in_class_order(
        picked.group_by("class").agg(pl.col("interception_id").sort().alias("interception_ids"))
    )
    figures = con.query("verification/invariants", {**params, "unique_ids": con.unique_ids}).row(0, named=True)
    return VerificationReport(
        source=con.label,
        has_provider_id=has_pid,
        classes=classes,
        by_provider=by_provider,
        strict=strict,
        samples=sample_ids,
        findings=con.query("verification/findings", {**params, "enum_copilot": _enum_copilot(con)}),
        invariants=_invariants(figures, int(classes["interceptions"].sum())),
        coder_filter=coder_filter_report(con, truth=truth) if coder_filter else pl.DataFrame(),
    )


def coder_filter_report(con: Connection, *, truth: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per provider, Coder's runtime provider filter against strict attribution (ended rows only).

    Columns: provider_id, provider_name, provider_type, deleted; ``coder_api`` (rows the API
    returns: the predicate ANDed with provider_name = P.name), ``coder_sql`` (the SQL predicate
    alone, whose type fallback lacks the uniqueness guard), ``strict``; ``sql_not_strict`` (rows
    the predicate adds, double counted across providers of one type), ``api_not_strict``,
    ``strict_not_api`` (rows the API misses, e.g. dropped by the name AND or of a soft-deleted
    provider), ``dropped_by_name_and``. With ``truth`` (interception_id, true_provider_id of the
    ended rows; the demo's: :func:`aibridge_analytics.demo.truth.ended_truth`) also ``true_rows``
    and precision / recall of each of coder_api, coder_sql and strict.
    """
    counts = con.query("verification/coder_filter_counts")
    if truth is None:
        return counts
    truth = truth.select(pl.col("interception_id").cast(pl.String), pl.col("true_provider_id").cast(pl.String))
    pairs = con.query("verification/coder_filter").join(truth, on="interception_id", how="left")
    hit = pl.col("true_provider_id").eq_missing(pl.col("provider_id"))
    scored = pairs.group_by("provider_id").agg(
        *(pl.col(f"in_{s}").sum().alias(f"_sel_{s}") for s in _SELECTORS),
        *((pl.col(f"in_{s}") & hit).sum().alias(f"_tp_{s}") for s in _SELECTORS),
    )
    relevant = (
        truth.drop_nulls("true_provider_id")
        .group_by("true_provider_id")
        .len("true_rows")
        .rename({"true_provider_id": "provider_id"})
    )
    out = counts.join(scored, on="provider_id", how="full", coalesce=True).join(
        relevant, on="provider_id", how="full", coalesce=True
    )
    # Providers only the truth names (say, soft-deleted ones nothing selects) get their snapshot name.
    known = con.query("providers/list").select(
        pl.col("id").alias("provider_id"),
        pl.col("name").alias("_name"),
        pl.col("type").alias("_type"),
        pl.col("deleted").alias("_deleted"),
    )
    out = out.join(known, on="provider_id", how="left").with_columns(
        pl.coalesce("provider_name", "_name").alias("provider_name"),
        pl.coalesce("provider_type", "_type").alias("provider_type"),
        pl.coalesce("deleted", "_deleted").alias("deleted"),
    )

    def ratio(num: str, den: str) -> pl.Expr:
        return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None)

    out = out.with_columns(
        pl.col("true_rows").fill_null(0).cast(pl.Int64),
        *(
            pl.col(c).fill_null(0)
            for c in (*counts.columns[4:], *(f"_{k}_{s}" for k in ("sel", "tp") for s in _SELECTORS))
        ),
    )
    out = out.with_columns(
        *(ratio(f"_tp_{s}", f"_sel_{s}").round(4).alias(f"precision_{s}") for s in _SELECTORS),
        *(ratio(f"_tp_{s}", "true_rows").round(4).alias(f"recall_{s}") for s in _SELECTORS),
    )
    return out.drop(pl.selectors.starts_with("_")).sort("provider_name", "provider_id", nulls_last=True)


__all__ = [
    "CLASSES",
    "VerificationReport",
    "backfill",
    "coder_filter_report",
    "discrepancy_classes",
    "verify_backfill",
]
