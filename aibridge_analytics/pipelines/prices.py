"""A price book (``--prices FILE``): the prices to estimate unpriced usage with.

A price book lists, per provider type or provider instance (its id) and model, the prices in force
from an instant on: micro-dollars per million tokens of each kind, as Coder records them
(``input_price_micros``, ``output_price_micros``, ``cache_read_price_micros``,
``cache_write_price_micros``). A CSV file has those columns and ``provider_type`` or
``provider_id`` (exactly one per row), ``model`` and ``effective_from``; a JSON file is a list of
objects with the same keys (or ``{"prices": [...]}``).

An unpriced token usage (no recorded cost) is priced with the entry of its provider instance
(strict attribution) and model in force when the usage was written (its ``created_at``), else
with its provider type's: the estimate of ``sql/spend/estimated.sql``. The book reaches SQL as
one bound text parameter (:meth:`PriceBook.encoded`), never pasted into a statement.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aibridge_analytics.catalogue import values
from aibridge_analytics.coder import PRICE_KINDS
from aibridge_analytics.errors import UsageError

PRICE_COLUMNS = tuple(f"{kind}_price_micros" for kind in PRICE_KINDS)
SCOPES = ("provider_type", "provider_id")
#: Separators of the encoded book: ASCII record and unit separators, which no field may hold.
RECORD_SEP = "\x1e"
UNIT_SEP = "\x1f"


@dataclass(frozen=True)
class Price:
    """One entry of a price book: ``scope`` is ``provider_type`` or ``provider_id``."""

    scope: str
    target: str
    model: str
    effective_from: datetime
    prices: tuple[int, int, int, int]


@dataclass(frozen=True)
class PriceBook:
    """The entries of a price book file, checked."""

    source: str
    entries: tuple[Price, ...]

    def encoded(self) -> str:
        """The book as the one text parameter ``sql/spend/price_book.sql`` splits into rows."""
        return RECORD_SEP.join(
            UNIT_SEP.join(
                [
                    "id" if e.scope == "provider_id" else "type",
                    e.target,
                    e.model,
                    e.effective_from.isoformat(),
                    *(str(p) for p in e.prices),
                ]
            )
            for e in self.entries
        )

    def params(self) -> dict[str, str]:
        """The bound parameters of the estimate: the book and its separators."""
        return {"book": self.encoded(), "record_sep": RECORD_SEP, "unit_sep": UNIT_SEP}


def _bad(where: str, what: str) -> UsageError:
    return UsageError(f"price book {where}: {what}")


def _text(row: dict[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    text = "" if value is None else str(value).strip()
    if RECORD_SEP in text or UNIT_SEP in text:
        raise _bad(where, f"{key} holds a control character")
    return text


def _price(row: dict[str, Any], key: str, where: str) -> int:
    value = row.get(key)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
        raise _bad(where, f"{key} must be a whole number of micro-dollars per million tokens, got {value!r}")
    return value


def _entry(row: Any, where: str) -> Price:
    if not isinstance(row, dict):
        raise _bad(where, f"expected an object, got {type(row).__name__}")
    given = [s for s in SCOPES if _text(row, s, where)]
    if len(given) != 1:
        raise _bad(where, "give exactly one of provider_type and provider_id")
    scope = given[0]
    target = _text(row, scope, where)
    if scope == "provider_id":
        target = values.parse_uuid(target, f"price book {where}: provider_id")
    model = _text(row, "model", where)
    if not model:
        raise _bad(where, "model is empty")
    since = _text(row, "effective_from", where)
    if not since:
        raise _bad(where, "effective_from is empty")
    effective = values.parse_timestamp(since, f"price book {where}: effective_from")
    prices = tuple(_price(row, k, where) for k in PRICE_COLUMNS)
    return Price(scope, target, model, effective.astimezone(UTC), (prices[0], prices[1], prices[2], prices[3]))


def read_price_book(path: str | Path) -> PriceBook:
    """The price book in ``path`` (``.json``, else CSV), checked: a bad entry is a one-line UsageError
    naming the file, the entry and the field; two entries of one scope, model and instant too."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the price book {file}: {exc}") from None
    if file.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"price book {file}: not JSON ({exc.msg}, line {exc.lineno})") from None
        rows = data.get("prices") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise UsageError(f'price book {file}: expected a list of prices or {{"prices": [...]}}')
        labelled = [(f"{file} entry {i + 1}", r) for i, r in enumerate(rows)]
    else:
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in ("model", "effective_from", *PRICE_COLUMNS) if c not in (reader.fieldnames or [])]
        if missing:
            raise UsageError(f"price book {file}: missing column(s) {', '.join(missing)}")
        labelled = [(f"{file} line {i + 2}", r) for i, r in enumerate(reader)]
    entries = tuple(_entry(row, where) for where, row in labelled)
    seen: dict[tuple[str, str, str, datetime], str] = {}
    for (where, _), e in zip(labelled, entries, strict=True):
        key = (e.scope, e.target, e.model, e.effective_from)
        if key in seen:
            raise _bad(where, f"the same {e.scope}, model and effective_from as {seen[key]}")
        seen[key] = where
    return PriceBook(str(file), entries)


__all__ = ["Price", "PriceBook", "read_price_book", "PRICE_COLUMNS"]
