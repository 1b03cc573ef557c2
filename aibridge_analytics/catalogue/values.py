"""Typed parameter values: parsing user input (CLI strings, Python objects) into bound values.

Every value that reaches SQL passes through `coerce`, so a malformed UUID or timestamp fails here
with a one-line message naming the parameter and the value, before any database is touched.
"""

from __future__ import annotations

import re
import uuid
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aibridge_analytics.errors import UsageError

TYPES = ("uuid", "text", "timestamptz", "int", "bool")

_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_uuid(value: Any, what: str = "uuid") -> str:
    """Return the canonical lower-case form of a UUID, or raise UsageError naming ``what``."""
    if isinstance(value, uuid.UUID):
        return str(value)
    try:
        return str(uuid.UUID(str(value).strip()))
    except (ValueError, AttributeError, TypeError):
        raise UsageError(f"malformed UUID for {what}: {value!r}") from None


#: RFC 3339's date-time: a full time and an offset, as Go writes it (``time.RFC3339Nano``).
_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)$")


def parse_iso_instant(text: str, *, rfc3339: bool = False) -> datetime:
    """The one parser of ISO 8601 text: a date or date-time, ``Z`` or an offset, any number of
    fraction digits (nanoseconds are cut to the microseconds Python and both engines keep).

    Naive when the text has no offset. With ``rfc3339`` only RFC 3339 date-times (a time and an
    offset required) are accepted. Raises ValueError; callers word the error for their input.
    """
    if rfc3339 and not _RFC3339.match(text):
        raise ValueError(f"not an RFC 3339 date-time: {text!r}")
    return datetime.fromisoformat(text)


def parse_timestamp(value: Any, what: str = "timestamp", now: datetime | None = None, tz: str = "UTC") -> datetime:
    """Parse an ISO 8601 instant or a relative age like ``7d``, ``12h``, into UTC.

    The one parser of user-given times (filters, summaries, attribution, the report's range), with
    one rule everywhere: a value without an offset (``2026-03-29``, ``2026-03-29T08:00``, a naive
    datetime or a date) is read in the IANA zone ``tz`` (each command's ``--tz``, UTC by default);
    one with an offset is that instant. Relative ages count back from ``now`` (default: the current
    time), as cron users expect from ``--since 7d``; named periods are
    :func:`aibridge_analytics.periods.period_range`. An instant outside what both engines and Python hold
    (years 1 to 9999, in UTC and in ``tz``) is a UsageError naming the value.
    """
    try:
        if isinstance(value, datetime):
            dt = value
        elif isinstance(value, date):
            dt = datetime(value.year, value.month, value.day)
        else:
            text = str(value).strip()
            rel = _RELATIVE.match(text)
            if rel:
                base = now or datetime.now(UTC)
                return (base - timedelta(**{_UNITS[rel.group(2)]: int(rel.group(1))})).astimezone(UTC)
            try:
                dt = parse_iso_instant(text)
            except ValueError:
                raise UsageError(
                    f"malformed timestamp for {what}: {value!r} (use ISO 8601 like 2026-11-01T00:00:00Z, or 7d)"
                ) from None
        if dt.tzinfo is None:
            try:
                zone = zoneinfo.ZoneInfo(str(tz))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise UsageError(f"unknown time zone {tz!r}; use an IANA name such as UTC or Europe/Berlin") from None
            dt = dt.replace(tzinfo=zone)
        return dt.astimezone(UTC)
    except OverflowError:
        # datetime holds years 1 to 9999: an age reaching before year 1, or an instant whose UTC
        # time falls outside (9999-12-31T23:00-10:00 is in year 10000), cannot be compared.
        raise UsageError(
            f"timestamp out of range for {what}: {value!r} (instants must fall between years 1 and 9999 UTC)"
        ) from None


#: The longest ``--overlap-hours``: ten years, far beyond any retention, far below datetime's range.
MAX_HOURS = 24 * 366 * 10


def parse_hours(value: Any, what: str = "hours", maximum: float = MAX_HOURS) -> timedelta:
    """A span given in hours (``1.5``), as a timedelta: finite, not negative, at most ``maximum``."""
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        hours = float(value if isinstance(value, (int, float)) else str(value).strip())
    except ValueError:
        raise UsageError(f"not a number of hours for {what}: {value!r}") from None
    if not 0 <= hours <= maximum:  # NaN fails every comparison
        raise UsageError(f"out of range for {what}: {value!r} (give hours from 0 to {maximum:g})")
    return timedelta(hours=hours)


def parse_int(value: Any, what: str = "integer") -> int:
    """Parse an integer, refusing booleans and fractions."""
    if isinstance(value, bool):
        raise UsageError(f"not an integer for {what}: {value!r}")
    try:
        return int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise UsageError(f"not an integer for {what}: {value!r}") from None


def parse_bool(value: Any, what: str = "boolean") -> bool:
    """Parse true/false/1/0/yes/no."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "t", "1", "yes", "y"):
        return True
    if text in ("false", "f", "0", "no", "n"):
        return False
    raise UsageError(f"not a boolean for {what}: {value!r}")


def coerce(kind: str, value: Any, what: str) -> Any:
    """Turn ``value`` into the Python value bound for a parameter of type ``kind``.

    ``None`` stays ``None`` (SQL NULL). UUIDs are bound as their canonical text and cast in SQL,
    which both drivers handle the same way.
    """
    if value is None:
        return None
    if kind == "uuid":
        return parse_uuid(value, what)
    if kind == "timestamptz":
        return parse_timestamp(value, what)
    if kind == "int":
        return parse_int(value, what)
    if kind == "bool":
        return parse_bool(value, what)
    if kind == "text":
        if not isinstance(value, str):
            raise UsageError(f"not text for {what}: {value!r}")
        return value
    raise UsageError(f"unknown parameter type {kind!r} for {what}")
