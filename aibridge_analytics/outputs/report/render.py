"""Turning report data into HTML and Markdown with jinja2.

Both environments escape every value a template prints, so text taken from the data (provider
names, models, clients, tool names, prompts) can never become markup: the HTML one with jinja2's
HTML autoescape, the Markdown one through ``finalize`` with :func:`..output.markdown_text` (HTML
escaping, which Markdown renderers show literally, plus the characters that would break a table
row), the escaping ``verify-backfill --format markdown`` uses too.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any

import jinja2

from aibridge_analytics.outputs.formats import markdown_text

PROMPT_CHARS = 400


def number(value: Any) -> str:
    """An integer with thousands separators; ``–`` for missing."""
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def counted(value: Any, noun: str, plural: str | None = None) -> str:
    """A count with its noun, singular for exactly one: ``1 interception``, ``2,000 interceptions``."""
    if value is None:
        return f"– {plural or noun + 's'}"
    return f"{number(value)} {noun if value == 1 else (plural or noun + 's')}"


def compact(value: Any) -> str:
    """A large count shortened for a headline (12.3k, 4.56M)."""
    if value is None:
        return "–"
    v = float(value)
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(v) >= size:
            return f"{v / size:.3g}{unit}"
    return number(value)


def percent(share: Any, digits: int = 1) -> str:
    """A share (0..1) as a percentage; ``–`` when undefined (nothing to divide by)."""
    return "–" if share is None else f"{share * 100:.{digits}f}%"


def duration(ms: Any) -> str:
    """Milliseconds in the unit a person reads fastest (ms, s, min)."""
    if ms is None:
        return "–"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    return f"{ms / 60_000:.1f} min"


def when(value: Any, tz: str | None = None, weekday: bool = False, offset: bool = False) -> str:
    """An instant as ``2026-11-16 00:00`` in zone ``tz`` (UTC when not given), optionally ``Mon 2026-...``
    and with its UTC offset (``2026-11-16 00:00 +01:00``), seconds shown when not zero."""
    import zoneinfo

    if value is None:
        return "–"
    if isinstance(value, datetime):
        local = value.astimezone(zoneinfo.ZoneInfo(tz or "UTC"))
        clock = "%H:%M:%S" if offset and (local.second or local.microsecond) else "%H:%M"
        text = local.strftime(("%a " if weekday else "") + "%Y-%m-%d " + clock)
        return f"{text} {local.isoformat()[-6:]}" if offset else text
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def span(since: datetime, until: datetime, tz: str = "UTC") -> str:
    """The length of a range: whole local days when both ends are local midnights in ``tz`` (with the
    hours when a DST change makes them differ: ``7 days, 167 hours``), else days, or hours under two days."""
    from aibridge_analytics.periods import day_start, local_date

    seconds = (until - since).total_seconds()
    first, last = local_date(since, tz), local_date(until, tz)
    if since < until and day_start(first, tz) == since and day_start(last, tz) == until:
        whole = (last - first).days
        hours = seconds / 3600
        text = f"{whole} day{'' if whole == 1 else 's'}"
        return text if hours == 24 * whole else f"{text}, {hours:g} hours"
    days = seconds / 86400
    if days >= 2:
        return f"{days:g} days" if days.is_integer() else f"{days:.1f} days"
    return f"{seconds / 3600:.1f} hours"


def shorten(text: Any, limit: int = PROMPT_CHARS) -> str:
    """Text cut to ``limit`` characters (an ellipsis marks the cut)."""
    shown = "" if text is None else str(text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def money(micros: Any) -> str:
    """Recorded micro-dollars as exact currency text (``USD 12.345678``), or ``not recorded``."""
    from aibridge_analytics.coder import COST_CURRENCY
    from aibridge_analytics.outputs.formats import money_text

    return "not recorded" if micros is None else f"{COST_CURRENCY} {money_text(int(micros))}"


_FILTERS = {
    "money": money,
    "number": number,
    "counted": counted,
    "compact": compact,
    "percent": percent,
    "duration": duration,
    "when": when,
    "shorten": shorten,
}


@lru_cache(maxsize=2)
def _environment(kind: str) -> jinja2.Environment:
    loader = jinja2.PackageLoader("aibridge_analytics.outputs.report", "templates")
    if kind == "html":
        env = jinja2.Environment(
            loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
        )
    else:
        env = jinja2.Environment(
            loader=loader,
            autoescape=False,
            finalize=markdown_text,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    env.filters.update(_FILTERS)
    return env


def render(kind: str, context: dict[str, Any]) -> str:
    """The report as ``kind`` ("html" or "md") from the template context."""
    return _environment(kind).get_template(f"report.{kind}.j2").render(**context)
