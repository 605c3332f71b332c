"""Gap filling: every bucket of the range for every series with data, so charts get regular series.

``fill=null|previous|linear`` adds the missing buckets; ``none``, the default, answers only
measured ones.

The answer's rows are bounded by ``GRIDTS_MAX_RESPONSE_ROWS``, so the fill runs over them in
Python, the same way for every source (continuous aggregates, latest values, as of), and for
local days in several zones at once, which one ``time_bucket_gapfill`` call cannot do (its zone
is one constant). The semantics are TimescaleDB's: ``null`` is ``time_bucket_gapfill`` alone,
``previous`` is ``locf`` (the last measured bucket's values carried forward; nothing before the
first), ``linear`` is ``interpolate`` (in time between the measured buckets either side; nothing
at the edges). A filled row says ``filled: true`` and counts nothing (``count`` 0, ``estimated``
0), so it is never mistaken for measured data.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import datetime, time, timedelta
from enum import StrEnum
from itertools import groupby
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import msgspec

from gridts.rollups.days import local

if TYPE_CHECKING:
    from collections.abc import Iterator

    from gridts.rollups.schemas import Rollup

HOUR = timedelta(hours=1)
_VALUES = ("avg", "min", "max", "sum")


class Fill(StrEnum):
    """How buckets without data are answered."""

    NONE = "none"
    NULL = "null"
    PREVIOUS = "previous"
    LINEAR = "linear"


def hours(start: datetime, end: datetime) -> Iterator[datetime]:
    """Every UTC hour starting in ``[start, end]``."""
    bucket = start.replace(minute=0, second=0, microsecond=0)
    if bucket < start:
        bucket += HOUR
    while bucket <= end:
        yield bucket
        bucket += HOUR


def days(start: datetime, end: datetime, zone: str) -> Iterator[datetime]:
    """Every local midnight of ``zone`` in ``[start, end]``, written in the zone."""
    tz = ZoneInfo(zone)
    day = start.astimezone(tz).date() - timedelta(days=1)
    while True:
        midnight = local(datetime.combine(day, time(), tz), zone)
        if midnight > end:
            return
        if midnight >= start:
            yield midnight
        day += timedelta(days=1)


def fill(
    rows: list[tuple[Rollup, str]], how: Fill, start: datetime, end: datetime, *, daily: bool
) -> list[Rollup]:
    """The rows with every missing bucket of each series (entity, kind, subtype) added."""
    if how is Fill.NONE:
        return [row for row, _ in rows]
    answer: list[Rollup] = []
    for _, group in groupby(rows, key=lambda item: (item[0].id, item[0].kind, item[0].subtype)):
        items = list(group)
        zone = items[0][1]
        measured = {row.bucket: row for row, _ in items}
        expected = days(start, end, zone) if daily else hours(start, end)
        answer += _filled(items[0][0], measured, list(expected), how)
    return answer


def _filled(
    like: Rollup, measured: dict[datetime, Rollup], buckets: list[datetime], how: Fill
) -> list[Rollup]:
    known = sorted(measured)
    out = []
    for bucket in buckets:
        row = measured.get(bucket)
        if row is not None:
            out.append(row)
            continue
        at = bisect_left(known, bucket)
        before = known[at - 1] if at > 0 else None
        after = known[at] if at < len(known) else None
        values: dict[str, float | None] = dict.fromkeys(_VALUES)
        if how is Fill.PREVIOUS and before is not None:
            values = {name: getattr(measured[before], name) for name in _VALUES}
        elif how is Fill.LINEAR and before is not None and after is not None:
            share = (bucket - before) / (after - before)
            for name in _VALUES:
                a, b = getattr(measured[before], name), getattr(measured[after], name)
                values[name] = a + (b - a) * share
        out.append(
            msgspec.structs.replace(
                like, bucket=bucket, count=0, estimated=0, nodes=None, filled=True, **values
            )
        )
    return out
