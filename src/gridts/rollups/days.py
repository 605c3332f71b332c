"""Local days: when the hourly aggregates can serve them, and how their buckets are written.

A daily bucket is a local day of the entity's grid zone (or of the request's ``timezone``): it
starts at local midnight, is written with the zone's offset, and is 23 or 25 hours long across a
DST change. Its hours are the hour-long spans from local midnight. The hourly aggregates hold UTC
hours, so they can serve a zone's days only where every local midnight falls on a whole UTC hour;
in a zone such as Asia/Kolkata (+05:30) they cannot, and the days are computed from the latest
values instead (never by shifting UTC hours).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from collections.abc import Iterable

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def whole_hour_midnights(zones: Iterable[str], start: datetime, end: datetime) -> bool:
    """Whether local days are runs of the UTC hours that ``series_1h`` buckets.

    True when every local midnight of every zone in ``[start - 1 day, end + 1 day]`` is a whole
    UTC hour.
    """
    for name in zones:
        zone = ZoneInfo(name)
        day = start.astimezone(zone).date() - DAY
        last = end.astimezone(zone).date() + DAY
        while day <= last:
            offset = datetime.combine(day, time(), zone).utcoffset()
            if offset is None or offset % HOUR:
                return False
            day += DAY
    return True


def local(instant: datetime, zone: str) -> datetime:
    """``instant`` written in ``zone`` (its offset there), e.g. 2025-03-30T00:00:00+01:00."""
    return instant.astimezone(UTC if zone == "UTC" else ZoneInfo(zone))
