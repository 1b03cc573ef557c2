"""The time range a report covers: a start and end, a named period, or the source's last week by default.

Without a start, end or period the report covers the :data:`DEFAULT_DAYS` whole days, in the
report's zone, that end with the day of the newest ``started_at`` in the source not after the
generation time (so a report on an old snapshot, or on the fixed-date demo, shows its last week
rather than an empty one, and every day of the trend is a full day; rows dated in the future are
counted, never followed); with an end alone, the :data:`DEFAULT_DAYS` days ending there. With a
start alone the end is pinned to the generation time, so every query of one report reads the same
range even while a live database keeps growing. A named period (``last-week``, ...) is whole local
days as of the generation time (:func:`aibridge_analytics.periods.period_range`).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aibridge_analytics import periods
from aibridge_analytics.errors import UsageError
from aibridge_analytics.pipelines.summaries import check_zone

DEFAULT_DAYS = 7


@dataclass(frozen=True)
class Window:
    """``[since, until)`` in UTC, the zone days are counted in, and how the range was chosen."""

    since: datetime
    until: datetime
    tz: str
    chosen: str  # "given", "period last-week", "default: the 7 days ending with ...", ...
    period: str | None = None

    def params(self) -> dict[str, datetime]:
        """The range as the catalogue queries' ``:since``/``:until`` parameters."""
        return {"since": self.since, "until": self.until}

    def partial_days(self) -> set[Any]:
        """The local days the range covers only in part (at most its first and last)."""
        return periods.partial_buckets(self.since, self.until, "day", self.tz)

    def as_json(self) -> dict[str, str | None]:
        """The range for summary.json and the manifest: ISO 8601 in UTC (``since``, ``until``), the
        zone, the same instants in local time with their offset, the period's name and how it was chosen."""
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "tz": self.tz,
            "since_local": self.since.astimezone(zoneinfo.ZoneInfo(self.tz)).isoformat(),
            "until_local": self.until.astimezone(zoneinfo.ZoneInfo(self.tz)).isoformat(),
            "period": self.period,
            "chosen": self.chosen,
        }


def resolve(
    since: Any, until: Any, tz: str, newest_start: datetime | None, now: datetime, period: str | None = None
) -> Window:
    """The report's range from the user's ``since``/``until`` (ISO 8601 or ages such as ``7d``) or ``period``.

    ``newest_start`` is the newest ``started_at`` in the source not after ``now`` (None when it has
    no such rows: rows dated in the future never choose the range); ``now`` the generation time,
    from which ages and periods count and at which a start given alone ends.
    """
    tz = check_zone(tz)
    start, end = periods.resolve_range(since, until, period, tz, now)
    chosen = "given" if period is None else f"period {period}"
    if start is None:
        if end is None:
            end = _next_midnight(newest_start or now, tz)
            chosen = f"default: the {DEFAULT_DAYS} days ending with the day of the newest interception"
        else:
            chosen = f"default: the {DEFAULT_DAYS} days ending at the given end"
        start = _days_before(end, tz)
    elif end is None:
        end = now
        chosen = "given start, until the generation time"
    if start >= end:
        raise UsageError(
            f"the report's range is empty: its start {periods.local_text(start, tz)} is not before its end "
            f"{periods.local_text(end, tz)} ({tz})"
        ).with_cli_hint("--since is the first instant included, --until the first one excluded")
    return Window(start.astimezone(UTC), end.astimezone(UTC), tz, chosen, period)


def _next_midnight(instant: datetime, tz: str) -> datetime:
    """The first instant of the local day after ``instant``'s (the end of that day)."""
    return periods.day_start(periods.local_date(instant, tz) + timedelta(days=1), tz)


def _days_before(end: datetime, tz: str) -> datetime:
    """``end`` moved back :data:`DEFAULT_DAYS` calendar days in ``tz`` (a DST change keeps midnight)."""
    local = end.astimezone(zoneinfo.ZoneInfo(tz))
    return (local.replace(tzinfo=None) - timedelta(days=DEFAULT_DAYS)).replace(tzinfo=zoneinfo.ZoneInfo(tz))
