"""The time range a report covers: ``--since``/``--until``, or the source's last week by default.

Without ``--since`` the report covers the :data:`DEFAULT_DAYS` whole days, in the report's zone,
that end with the day of the newest ``started_at`` in the source not after the generation time (so
a report on an old snapshot, or on the fixed-date demo, shows its last week rather than an empty
one, and every day of the trend is a full day; rows dated in the future are counted, never
followed); with ``--until`` alone, the :data:`DEFAULT_DAYS` days ending there. With
``--since`` alone the end is pinned to the generation time, so every query of one report reads
the same range even while a live database keeps growing.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aibridge_analytics.errors import UsageError
from aibridge_analytics.pipelines.summaries import check_zone, parse_instant

DEFAULT_DAYS = 7


@dataclass(frozen=True)
class Window:
    """``[since, until)`` in UTC, the zone days are counted in, and how the range was chosen."""

    since: datetime
    until: datetime
    tz: str
    chosen: str  # "given", "default (last 7 days of data)", ...

    def params(self) -> dict[str, datetime]:
        """The range as the catalogue queries' ``:since``/``:until`` parameters."""
        return {"since": self.since, "until": self.until}

    def as_json(self) -> dict[str, str]:
        """The range for summary.json and the manifest (ISO 8601, UTC)."""
        return {"since": self.since.isoformat(), "until": self.until.isoformat(), "tz": self.tz, "chosen": self.chosen}


def resolve(since: Any, until: Any, tz: str, newest_start: datetime | None, now: datetime) -> Window:
    """The report's range from the user's ``since``/``until`` (ISO 8601 or ages such as ``7d``).

    ``newest_start`` is the newest ``started_at`` in the source not after ``now`` (None when it has
    no such rows: rows dated in the future never choose the range); ``now`` the generation time,
    used for ages and as the open end of ``--since`` alone.
    """
    tz = check_zone(tz)
    start, end = parse_instant(since, "--since", tz), parse_instant(until, "--until", tz)
    chosen = "given"
    if start is None:
        if end is None:
            end = _next_midnight(newest_start or now, tz)
            chosen = f"default: the {DEFAULT_DAYS} days ending with the day of the newest interception"
        else:
            chosen = f"default: the {DEFAULT_DAYS} days ending at --until"
        start = _days_before(end, tz)
    elif end is None:
        end = now
        chosen = "given --since, until the generation time"
    if start >= end:
        raise UsageError(f"--since {start.isoformat()} is not before --until {end.isoformat()}")
    return Window(start.astimezone(UTC), end.astimezone(UTC), tz, chosen)


def _next_midnight(instant: datetime, tz: str) -> datetime:
    """The first local midnight after ``instant``'s local day (the end of that day)."""
    local = instant.astimezone(zoneinfo.ZoneInfo(tz))
    day = local.date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=zoneinfo.ZoneInfo(tz))


def _days_before(end: datetime, tz: str) -> datetime:
    """``end`` moved back :data:`DEFAULT_DAYS` calendar days in ``tz`` (a DST change keeps midnight)."""
    local = end.astimezone(zoneinfo.ZoneInfo(tz))
    return (local.replace(tzinfo=None) - timedelta(days=DEFAULT_DAYS)).replace(tzinfo=zoneinfo.ZoneInfo(tz))
