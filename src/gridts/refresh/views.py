"""The continuous aggregates and how one window of them is refreshed, in hierarchy order.

``refresh_continuous_aggregate`` is a procedure that cannot run in a transaction block, so this
takes an autocommit connection. A view is refreshed only after the view it reads.

Every refresh stays after the retention boundary (``gridts.retention``): a window over raw data
the policy dropped would recompute its buckets from nothing and erase the rollups' history.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from psycopg import sql
from psycopg.errors import LockNotAvailable

from gridts.retention import refresh_floor

if TYPE_CHECKING:
    from psycopg import Connection

#: Every continuous aggregate, each after the one it is built on.
ROLLUPS: tuple[str, ...] = ("series_latest", "series_1h", "region_1h", "grid_1h")
#: The one aggregate that reads ``measures``; the others read an aggregate below them, which
#: keeps its history when raw chunks are dropped.
_ON_RAW = "series_latest"
_HOUR = timedelta(hours=1)

# One pass per view: by default a manual refresh commits every 10 buckets, and with
# series_latest's one-second buckets that turns a day into 8,640 transactions (seconds, not ms).
_REFRESH = sql.SQL(
    "CALL refresh_continuous_aggregate({view}, %s::timestamptz, %s::timestamptz, "
    "options => '{{\"buckets_per_batch\": 0}}')"
)
_DAY = timedelta(days=1)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

# A refresh policy (TimescaleDB's background job) may be refreshing the same view; TimescaleDB
# then refuses a second refresh with LockNotAvailable instead of waiting. Waiting for it and
# trying again is what a caller wants: the job finishes in seconds. The refusal is immediate, so
# trying often costs nothing, and a late revision then lands within a tenth of a second of the
# job's end (a doubling backoff lost up to half the wait: 4-8 s after a job of a few seconds).
_RETRY_SECONDS = (0.1,) * 20 + (0.25,) * 40 + (1.0,) * 48  # 2 s, then 10 s, then 48 s: 60 s


def day_window(first: datetime, last: datetime) -> tuple[datetime, datetime]:
    """Widen ``[first, last]`` to whole UTC days, the coarsest bucket of any rollup.

    A refresh only recomputes buckets wholly inside its window, so the window must cover every
    bucket that ``[first, last]`` touches at every level.
    """
    start = _EPOCH + ((first - _EPOCH) // _DAY) * _DAY
    end = _EPOCH + ((last - _EPOCH) // _DAY + 1) * _DAY
    return start, end


def _clipped(view: str, start: datetime | None, floor: datetime | None) -> datetime | None:
    """``start``, moved up to ``floor`` (the retention boundary) if it lies before it.

    An hourly view may start at the boundary's hour: it reads the aggregate below it, whose
    buckets before the boundary are kept, so the hour the boundary cuts is recomputed whole.
    """
    if floor is None:
        return start
    if view != _ON_RAW:
        floor = _EPOCH + ((floor - _EPOCH) // _HOUR) * _HOUR
    return floor if start is None else max(start, floor)


@dataclass
class Refreshed:
    """What ``refresh_all`` did: seconds per view refreshed, and of them waiting for policies."""

    seconds: dict[str, float] = field(default_factory=dict)
    waited: float = 0.0
    """Seconds spent waiting for a refresh policy (TimescaleDB's job) that held a view."""


def refresh_all(
    conn: Connection, start: datetime | None = None, end: datetime | None = None
) -> Refreshed:
    """Refresh every rollup over ``[start, end)`` on autocommit ``conn``; ``None``: unbounded.

    The window is clipped to the retention boundary (views with nothing left to refresh are
    skipped).
    """
    done = Refreshed()
    floor = refresh_floor(conn)
    for view in ROLLUPS:
        since = _clipped(view, start, floor)
        if since is not None and end is not None and since >= end:
            continue
        started = time.perf_counter()
        for pause in (*_RETRY_SECONDS, None):
            try:
                conn.execute(_REFRESH.format(view=sql.Literal(view)), (since, end))
                break
            except LockNotAvailable:
                if pause is None:
                    raise
                time.sleep(pause)
                done.waited += pause
        done.seconds[view] = time.perf_counter() - started
    return done
