"""Spend beyond the recorded figures: the what-if repricing and the reconciliation with Coder's export.

**What-if** (:func:`what_if`, ``spend --prices FILE --what-if``): every token usage of the range
priced with a price book (:mod:`aibridge_analytics.pipelines.prices`; ``sql/spend/book_costs.sql``,
the same pricing as the estimate), beside what Coder recorded, per provider instance (strict
attribution) and model and any further ``--by`` keys (``sql/spend/repriced.sql``). The difference
is repriced minus recorded over the usages both price; usage the book cannot price is counted
(``unrepriced_token_usages``), never priced at 0. Exact integer micro-dollars end to end.

**Reconciliation** (:func:`reconcile`, ``spend --reconcile FILE``): Coder's organisation spend
export (``GET /api/v2/organizations/{organization}/ai/spend/export``, CSV) checked row by row
against the warehouse's totals of the same period by Coder's own rules
(``sql/spend/export_totals.sql``): token usage by its ``created_at`` in ``[period_start,
period_end)``, per user, effective group, model, provider and provider name as Coder recorded them
on the interception, usage without an effective group left out, unpriced cost counted as 0. The
export is read in Python and compared in Polars: none of its values reaches SQL.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from aibridge_analytics import periods
from aibridge_analytics.catalogue import values
from aibridge_analytics.errors import UsageError
from aibridge_analytics.pipelines import summaries, users
from aibridge_analytics.pipelines.prices import PriceBook
from aibridge_analytics.sources.connection import Connection

WHAT_IF_KEYS = ("provider", "model")
"""The keys a what-if always groups by; ``by`` adds to them."""

WHAT_IF = (
    "token_usages",
    "recorded_cost_micros",
    "priced_token_usages",
    "repriced_cost_micros",
    "repriced_token_usages",
    "unrepriced_token_usages",
    "compared_token_usages",
    "difference_micros",
)
"""The what-if's figures, after its keys: the token usages; Coder's recorded cost and the usages it
priced (NULL where the source records no spend); the book's cost of the usages it prices, how many
it prices (NULL where it prices none) and how many it cannot; and over the usages both price
(``compared_token_usages``), the book's cost minus the recorded one (``difference_micros``; NULL
where no usage is priced by both, or spend is not recorded)."""


def what_if(
    con: Connection,
    prices: PriceBook,
    by: str | Iterable[str] | None = None,
    tz: str = "UTC",
    since: Any = None,
    until: Any = None,
    *,
    period: str | None = None,
    now: datetime | None = None,
    lax: bool = False,
    user_names: bool = True,
) -> pl.DataFrame:
    """Every token usage of the ended interceptions started in the range repriced with ``prices``,
    beside the recorded cost: one row per provider instance, model and each further ``by`` key
    (:data:`WHAT_IF` after the keys). The range and ``by`` are a summary's
    (:func:`aibridge_analytics.pipelines.summaries.summarise`). Each usage is priced with the
    book's entry of its provider instance (strict attribution) and model in force at its
    ``created_at``, else its provider type's, in whole micro-dollars rounded down.
    """
    from aibridge_analytics.pipelines import schemas

    keys = summaries.parse_keys([*WHAT_IF_KEYS, *summaries.parse_keys(by)])
    tz = summaries.check_zone(tz)
    start, end = periods.resolve_range(since, until, period, tz, now or datetime.now(UTC))
    summaries.anomalies(con, start, end, lax)
    columns = [c for k in keys for c in summaries.KEYS[k]]
    found = con.query("spend/repriced", {"since": start, "until": end, "tz": tz, **prices.params()}, keys=columns)
    frame = (
        found.with_columns(pl.col(c).cast(pl.Int64) for c in WHAT_IF)
        .select(*columns, *WHAT_IF)
        .pipe(summaries.ordered, columns)
        .pipe(lambda grouped: users.named(con, grouped, user_names))
    )
    return schemas.validate(frame, schemas.WhatIf, "what-if")


# --- reconciliation with Coder's spend export -----------------------------------------------------

EXPORT_KEY = ("user_id", "group_id", "model", "provider", "provider_name")
"""The key of a row of Coder's spend export (and of the comparison)."""
EXPORT_AMOUNTS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_micros")
"""The amounts of a row of Coder's spend export, compared with the warehouse's."""
EXPORT_COLUMNS = (*EXPORT_KEY, *EXPORT_AMOUNTS, "period_start", "period_end")
"""The columns of Coder's spend export this reads; it ignores the others (``username``,
``group_name``, ``organization_id``, ``organization_name``)."""
EXPORT_MAX_DAYS = 31
"""The longest period Coder exports: a longer one is compared all the same, and said."""
#: Coder writes a text cell starting with one of these with a leading ``'`` (so that spreadsheets
#: do not read it as a formula): that quote is not part of the value.
_FORMULA_PREFIXES = "=+-@\t\r"
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class Reconciliation:
    """A spend export compared with the warehouse: the differing rows and what was compared."""

    source: str
    period_start: datetime
    period_end: datetime
    #: One row per differing key: ``status`` (``only_in_export``, ``only_in_warehouse``,
    #: ``amounts_differ``), the key, each amount in the export and the warehouse, and the cost difference.
    differences: pl.DataFrame
    export_rows: int
    warehouse_rows: int
    #: Remarks on the export itself, such as a period longer than Coder exports.
    notes: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        """Whether the export and the warehouse agree on every row."""
        return self.differences.height == 0

    def describe(self) -> str:
        """One line: the period, the rows compared and the verdict."""
        counts = self.differences["status"].value_counts(sort=True) if not self.clean else None
        found = (
            "they agree on every row"
            if counts is None
            else "differences: " + ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in counts.iter_rows())
        )
        span = f"[{self.period_start.isoformat()} .. {self.period_end.isoformat()})"
        notes = "".join(f"; {n}" for n in self.notes)
        return (
            f"reconciliation of {self.source}, token usage written in {span}: {self.export_rows} export rows, "
            f"{self.warehouse_rows} warehouse rows; {found}{notes}"
        )


def _unescaped(text: str) -> str:
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_PREFIXES else text


def read_spend_export(path: str | Path) -> tuple[pl.DataFrame, datetime | None, datetime | None]:
    """The rows of Coder's spend export CSV in ``path``, checked, and the period they state (None
    for an export without rows). A missing column, a bad id, number or instant, two periods or a
    repeated key are one-line UsageErrors naming the file and the line."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the spend export {file}: {exc}") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in EXPORT_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise UsageError(f"spend export {file}: missing column(s) {', '.join(missing)}")
    rows: list[dict[str, Any]] = []
    bounds: tuple[str, str] | None = None
    seen: dict[tuple[str, ...], int] = {}
    for line, row in enumerate(reader, start=2):
        where = f"spend export {file} line {line}"
        if None in row or any(row.get(c) is None for c in EXPORT_COLUMNS):
            raise UsageError(f"{where}: expected {len(reader.fieldnames or [])} fields")
        record: dict[str, Any] = {
            "user_id": values.parse_uuid(row["user_id"].strip(), f"{where}: user_id"),
            "group_id": values.parse_uuid(row["group_id"].strip(), f"{where}: group_id"),
            **{c: _unescaped(row[c]) for c in ("model", "provider", "provider_name")},
        }
        for column in EXPORT_AMOUNTS:
            number = row[column].strip()
            if not _INTEGER.fullmatch(number) or not -(2**63) <= int(number) < 2**63:
                raise UsageError(f"{where}: {column} must be a whole number, got {row[column]!r}")
            record[column] = int(number)
        stated = (row["period_start"].strip(), row["period_end"].strip())
        if bounds is None:
            bounds = stated
        elif stated != bounds:
            raise UsageError(f"{where}: period {stated[0]}..{stated[1]} differs from the first row's")
        key = tuple(str(record[c]) for c in EXPORT_KEY)
        if key in seen:
            raise UsageError(f"{where}: the same user, group, model, provider and provider name as line {seen[key]}")
        seen[key] = line
        rows.append(record)
    schema = {c: pl.String for c in EXPORT_KEY} | dict.fromkeys(EXPORT_AMOUNTS, pl.Int64)
    frame = pl.DataFrame(rows, schema=schema)
    if bounds is None:
        return frame, None, None
    start = values.parse_timestamp(bounds[0], f"spend export {file}: period_start").astimezone(UTC)
    end = values.parse_timestamp(bounds[1], f"spend export {file}: period_end").astimezone(UTC)
    if end <= start:
        raise UsageError(f"spend export {file}: period_end {bounds[1]} is not after period_start {bounds[0]}")
    return frame, start, end


def reconcile(
    con: Connection, export: str | Path, since: Any = None, until: Any = None, *, now: datetime | None = None
) -> Reconciliation:
    """Coder's spend export CSV ``export`` compared with the source's token usage of the export's
    period (README: reconciliation). ``since``/``until`` give the period of an export without rows
    (which states none); with rows they must agree with it if given. Rows are compared on
    :data:`EXPORT_KEY`; the result lists each key only in the export, only in the warehouse, or
    with an amount (:data:`EXPORT_AMOUNTS`) that differs.
    """
    if not con.probe.has("aibridge_token_usages", "effective_group_id"):
        raise UsageError(
            "this source does not record effective_group_id (an older Coder): its spend cannot be "
            "compared with Coder's export, which totals per effective group"
        )
    frame, start, end = read_spend_export(export)
    now = now or datetime.now(UTC)
    given = [
        values.parse_timestamp(v, what, now=now) if v is not None else None
        for v, what in ((since, "--since"), (until, "--until"))
    ]
    if start is None or end is None:
        if given[0] is None or given[1] is None:
            raise UsageError(f"spend export {export} has no rows, so no period: give --since and --until")
        start, end = given[0].astimezone(UTC), given[1].astimezone(UTC)
    elif any(g is not None and g.astimezone(UTC) != b for g, b in zip(given, (start, end), strict=True)):
        raise UsageError(
            f"spend export {export} covers [{start.isoformat()} .. {end.isoformat()}): --since/--until differ"
        )
    notes = []
    if end - start > timedelta(days=EXPORT_MAX_DAYS):
        notes.append(f"the period is longer than the {EXPORT_MAX_DAYS} days Coder exports")
    found = con.query("spend/export_totals", {"period_start": start, "period_end": end})
    warehouse = found.select(
        *(pl.col(c).cast(pl.String) for c in EXPORT_KEY), *(pl.col(c).cast(pl.Int64) for c in EXPORT_AMOUNTS)
    )
    joined = frame.join(
        warehouse, on=list(EXPORT_KEY), how="full", coalesce=True, nulls_equal=True, suffix="_warehouse"
    ).rename({c: f"{c}_export" for c in EXPORT_AMOUNTS})
    in_export = pl.col("cost_micros_export").is_not_null()
    in_warehouse = pl.col("cost_micros_warehouse").is_not_null()
    differ = pl.any_horizontal(pl.col(f"{c}_export") != pl.col(f"{c}_warehouse") for c in EXPORT_AMOUNTS)
    status = (
        pl.when(~in_warehouse)
        .then(pl.lit("only_in_export"))
        .when(~in_export)
        .then(pl.lit("only_in_warehouse"))
        .when(differ)
        .then(pl.lit("amounts_differ"))
    )
    differences = (
        joined.with_columns(
            status.alias("status"),
            (pl.col("cost_micros_warehouse").fill_null(0) - pl.col("cost_micros_export").fill_null(0)).alias(
                "cost_difference_micros"
            ),
        )
        .filter(pl.col("status").is_not_null())
        .select(
            "status",
            *EXPORT_KEY,
            *(f"{c}_{side}" for c in EXPORT_AMOUNTS for side in ("export", "warehouse")),
            "cost_difference_micros",
        )
        .sort(["status", *EXPORT_KEY], nulls_last=True)
    )
    return Reconciliation(str(export), start, end, differences, frame.height, warehouse.height, tuple(notes))


__all__ = ["WHAT_IF", "Reconciliation", "read_spend_export", "reconcile", "what_if"]
