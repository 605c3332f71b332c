"""The continuous aggregates and how one window of them is refreshed, in hierarchy order.

``refresh_continuous_aggregate`` is a procedure that cannot run in a transaction block, so this
takes an autocommit connection. A view is refreshed only after the view it reads.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from psycopg import sql
from psycopg.errors import LockNotAvailable

if TYPE_CHECKING:
    from psycopg import Connection

#: Every continuous aggregate, each after the one it is built on.
ROLLUPS: tuple[str, ...] = ("series_latest", "series_1h", "region_1h", "grid_1h")

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
# trying again is what a caller wants: the job finishes in seconds.
_RETRY_SECONDS = (0.2, 0.5, 1, 2, 4, 8, 15)


def day_window(first: datetime, last: datetime) -> tuple[datetime, datetime]:
    """Widen ``[first, last]`` to whole UTC days, the coarsest bucket of any rollup.

    A refresh only recomputes buckets wholly inside its window, so the window must cover every
    bucket that ``[first, last]`` touches at every level.
    """
    start = _EPOCH + ((first - _EPOCH) // _DAY) * _DAY
    end = _EPOCH + ((last - _EPOCH) // _DAY + 1) * _DAY
    return start, end


def refresh_all(
    conn: Connection, start: datetime | None = None, end: datetime | None = None
) -> None:
    """Refresh every rollup over ``[start, end)`` on autocommit ``conn``; ``None``: unbounded."""
    for view in ROLLUPS:
        for pause in (*_RETRY_SECONDS, None):
            try:
                conn.execute(_REFRESH.format(view=sql.Literal(view)), (start, end))
                break
            except LockNotAvailable:
                if pause is None:
                    raise
                time.sleep(pause)
