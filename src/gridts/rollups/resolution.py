"""Which resolution ``resolution=auto`` reads: a pure function of the range and the settings.

The rule, like the seeds' heart-rate routing table (raw for hours, minutes-buckets for days,
hours-buckets for months): the finest source whose answer stays small.

- width <= ``raw_max_range`` (default 3 days): ``raw``: 72 hourly targets per node, 288 at
  15 minutes;
- width <= ``hourly_max_range`` (default 62 days): ``1h``: at most 1,489 buckets per entity,
  enough to cover two months at full hourly detail;
- wider: ``1d``: 366 buckets per entity and year.

``max_points`` (a client's pixel budget, Grafana's ``maxDataPoints``) only ever coarsens: the
first resolution, from the one chosen above, whose bucket count per entity fits is used; ``1d``
is the coarsest there is and is used even when it does not fit. Raw targets have no fixed step;
their count is estimated at ``RAW_STEP`` (15 minutes, the finest target cadence gridts serves),
so a raw answer never exceeds ``max_points`` for hourly or 15-minute series.

Bucket counts are of buckets whose start lies in the inclusive range: ``width // step + 1``.

The figures behind the defaults (one region, p50 over HTTP on the year data set, in
``docs/query-plans.md``): raw and 1h cost the same up to a week (4-6 ms); at 31 days raw takes
12 ms and 1h 6 ms, at 62 days 18 ms and 8 ms, at a year 53 ms and 21 ms, and 1d 6 ms.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class Resolution(StrEnum):
    """What a rollup row covers."""

    AUTO = "auto"
    RAW = "raw"
    HOUR = "1h"
    DAY = "1d"


#: The assumed step of raw targets when counting them against ``max_points``.
RAW_STEP = timedelta(minutes=15)

STEPS: dict[Resolution, timedelta] = {
    Resolution.RAW: RAW_STEP,
    Resolution.HOUR: timedelta(hours=1),
    Resolution.DAY: timedelta(days=1),
}

#: From finest to coarsest.
ORDER: tuple[Resolution, ...] = (Resolution.RAW, Resolution.HOUR, Resolution.DAY)


def bucket_count(resolution: Resolution, width: timedelta) -> int:
    """Most buckets of ``resolution`` whose start lies in an inclusive range of ``width``."""
    return width // STEPS[resolution] + 1


def route(
    width: timedelta,
    *,
    raw_max_range: timedelta,
    hourly_max_range: timedelta,
    max_points: int | None = None,
) -> Resolution:
    """The resolution ``auto`` reads for a range of ``width`` (see the module docstring)."""
    if width <= raw_max_range:
        chosen = Resolution.RAW
    elif width <= hourly_max_range:
        chosen = Resolution.HOUR
    else:
        chosen = Resolution.DAY
    if max_points is None:
        return chosen
    for candidate in ORDER[ORDER.index(chosen) :]:
        if bucket_count(candidate, width) <= max_points:
            return candidate
    return Resolution.DAY
