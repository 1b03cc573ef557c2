"""Time ranges in a zone: named periods, whole local days and weeks, and ranges echoed in local time.

Every range this package reads is half-open, ``[start, end)``, and held in UTC; a zone (an IANA
name such as ``Europe/Berlin``) says where its days begin. The one rule for user-given times
(:func:`resolve_range`, :func:`aibridge_analytics.catalogue.values.parse_timestamp`): a time
without an offset is read in the zone, one with an offset or an age (``7d``) is absolute.

Named periods (:data:`PERIODS`) are whole local days in the zone: a day starts at local midnight
(or at the first local time that exists, where a DST change skips midnight), a week on Monday, a
month on its first day, so a week holding a DST change lasts 167 or 169 hours. The ``last-``
periods and ``yesterday`` end where the current one starts; ``today``, ``this-week`` and
``this-month`` end at ``now``. Nothing here reads a clock: ``now`` is always given.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aibridge_analytics.errors import UsageError

PERIODS = ("today", "yesterday", "this-week", "last-week", "this-month", "last-month")
"""The named periods: whole local days, weeks starting on Monday, calendar months."""

BUCKETS = ("day", "week")
"""The local-calendar buckets a summary can group by."""


def _zone(tz: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(str(tz))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {tz!r}; use an IANA name such as UTC or Europe/Berlin") from None


def day_start(day: date, tz: str) -> datetime:
    """The first instant of the local calendar day ``day`` in zone ``tz``, in UTC.

    That is local midnight; where a DST change skips midnight (America/Santiago, say), the first
    local time that exists, and where a day was skipped altogether (Pacific/Apia, 2011-12-30) the
    start of the next one: always the first instant whose local date is ``day`` or later.
    """
    # fold=0 reads a time inside a DST gap with the offset before the change, which lands on the
    # first instant after the gap; an ambiguous midnight gets its first occurrence. Both are the
    # day's first instant.
    return datetime(day.year, day.month, day.day, tzinfo=_zone(tz)).astimezone(UTC)


def local_date(instant: datetime, tz: str) -> date:
    """The calendar date of ``instant`` (aware) in zone ``tz``."""
    return instant.astimezone(_zone(tz)).date()


def bucket(instant: datetime, unit: str, tz: str) -> date:
    """The ``day`` or ``week`` (its Monday) that ``instant`` falls in, in zone ``tz``."""
    day = local_date(instant, tz)
    return day - timedelta(days=day.weekday()) if unit == "week" else day


def period_range(name: str, now: datetime, tz: str = "UTC") -> tuple[datetime, datetime]:
    """``[start, end)`` of the named period (one of :data:`PERIODS`) as of ``now``, in UTC.

    Computed on local calendar dates in ``tz`` and turned into instants by :func:`day_start`, so
    boundaries are local midnights whatever DST does. ``now`` without an offset is read in ``tz``.
    """
    if name not in PERIODS:
        raise UsageError(f"unknown period {name!r}; use one of {', '.join(PERIODS)}")
    zone = _zone(tz)
    now = (now if now.tzinfo is not None else now.replace(tzinfo=zone)).astimezone(UTC)
    try:
        today = now.astimezone(zone).date()
        monday = today - timedelta(days=today.weekday())
        first = today.replace(day=1)
        starts = {
            "today": (today, None),
            "yesterday": (today - timedelta(days=1), today),
            "this-week": (monday, None),
            "last-week": (monday - timedelta(days=7), monday),
            "this-month": (first, None),
            "last-month": ((first - timedelta(days=1)).replace(day=1), first),
        }
        begin, end = starts[name]
        return day_start(begin, tz), (now if end is None else day_start(end, tz))
    except (OverflowError, ValueError):
        raise UsageError(f"the period {name} as of {now.isoformat()} falls outside the years 1 to 9999") from None


def resolve_range(
    since: Any, until: Any, period: str | None, tz: str, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """The range ``[start, end)`` in UTC from a start and end or a named period (never both).

    ``since``/``until``: ISO 8601 (no offset: read in ``tz``), an age such as ``7d`` counted back
    from ``now``, a datetime or a date; None leaves that end open. ``period``: one of
    :data:`PERIODS` as of ``now`` (:func:`period_range`). A start after the end is a UsageError,
    worded with both ends in ``tz``.
    """
    from aibridge_analytics.catalogue.values import parse_timestamp

    if period is not None:
        given = [f"{what} {value!r}" for what, value in (("start", since), ("end", until)) if value is not None]
        if given:
            raise UsageError(
                f"the period {period} sets the range's own start and end: it cannot be combined with "
                f"the given {' and '.join(given)}"
            ).with_cli_hint("give --period or --since/--until, not both")
        return period_range(period, now, tz)
    hint = f"--period {since} names that period" if isinstance(since, str) and since.strip() in PERIODS else None
    try:
        start = None if since is None else parse_timestamp(since, "the range's start", now=now, tz=tz)
    except UsageError as exc:
        if hint:
            exc.with_cli_hint(hint)
        raise
    end = None if until is None else parse_timestamp(until, "the range's end", now=now, tz=tz)
    if start is not None and end is not None and start > end:
        raise UsageError(
            f"the range's start {local_text(start, tz)} is after its end {local_text(end, tz)} ({tz})"
        ).with_cli_hint("--since is the first instant included, --until the first one excluded")
    return start, end


def partial_buckets(since: datetime | None, until: datetime | None, unit: str, tz: str) -> set[date]:
    """The ``day``/``week`` buckets (dates, weeks by their Monday) that ``[since, until)`` covers only in part.

    Only the buckets holding an end can be: the one holding ``since`` when it is not the bucket's
    first instant, and the one holding ``until`` when it is not (then the range holds the bucket's
    beginning but not its end). An open end covers its bucket whole.
    """
    found = set()
    for edge in (since, until):
        if edge is not None:
            holding = bucket(edge, unit, tz)
            if day_start(holding, tz) != edge:
                found.add(holding)
    return found


def local_text(instant: datetime | None, tz: str) -> str:
    """``instant`` as local ISO 8601 with its offset (``2026-11-01T00:00+01:00``), ``open`` for None.

    Minutes when the seconds are zero, seconds or microseconds when not: never rounded.
    """
    if instant is None:
        return "open"
    local = instant.astimezone(_zone(tz))
    spec = "minutes" if not (local.second or local.microsecond) else ("seconds" if not local.microsecond else "auto")
    return local.isoformat(timespec=spec)


def range_text(since: datetime | None, until: datetime | None, tz: str) -> str:
    """A range as people read it: ``2026-11-01T00:00+01:00 .. 2026-11-08T00:00+01:00 (Europe/Berlin)``."""
    return f"{local_text(since, tz)} .. {local_text(until, tz)} ({tz})"
