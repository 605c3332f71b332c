"""Saying "these targets changed below the watermark": durable queue entries and a wake-up.

Called inside the writer's transaction, so the queue entries commit (or roll back) with the
rows, and the ``NOTIFY`` is delivered only on commit.

A write is queued as the whole days it touched, in runs, not as one window from its first
target to its last. TimescaleDB logs only the written values as invalidated, but the refresher
recomputes whole every compressed chunk of the per-series rollups in a window
(``gridts.refresh.views``): a batch holding a correction months back and today's values had
every such chunk between recomputed, 22-34 s at year scale against 0.8-0.9 s for its two days
(``bench/README.md``, "A late batch's untouched days"). Untouched days are left out only where
every rollup has materialised them (below the lowest watermark), and only in gaps of at least
``_SKIPPED`` days: each window costs its own refresh calls and their planning, so shorter gaps
are cheaper refreshed than cut around. Above the watermark the window stays whole, as the
refresh that materialises new data moves the watermarks up to it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from gridts.db.queries import query
from gridts.refresh.views import ROLLUPS, day_window

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from psycopg import AsyncConnection

#: The ``LISTEN``/``NOTIFY`` channel of queued refreshes.
CHANNEL = "gridts_rollups"
#: The shortest run of untouched, materialised days a write's windows are cut around.
_SKIPPED = 7
_DAY = timedelta(days=1)


async def changed(
    conn: AsyncConnection,
    first: datetime,
    last: datetime,
    targets: Iterable[datetime] | None = None,
) -> bool:
    """Queue a refresh of the days of ``[first, last]`` if a rollup has materialised any of them.

    ``targets``: the write's targets, if known (read only when the write spans enough days
    for a gap; ``first`` and ``last`` among them): then only the days they touch are queued, in
    runs (``windows``). Returns whether anything was queued (above every watermark,
    real-time aggregation already answers with the new rows, and nothing is).
    """
    params = {"views": list(ROLLUPS), "first": first}
    row = await (await conn.execute(query("refresh", "watermark"), params)).fetchone()
    if not row or not row[0]:
        return False
    if targets is not None and (last - first) // _DAY > _SKIPPED:
        days = sorted({day_window(target, target)[0] for target in targets})
        queued = windows(days, row[1])
    else:
        queued = [day_window(first, last)]
    await conn.execute(
        query("refresh", "enqueue"),
        {"starts": [start for start, _ in queued], "ends": [end for _, end in queued]},
    )
    await conn.execute(query("refresh", "notify"), {"channel": CHANNEL})
    return True


def windows(days: list[datetime], lowest: datetime) -> list[tuple[datetime, datetime]]:
    """The windows to refresh for written ``days`` (the starts of UTC days, ascending).

    Consecutive days make one window. A gap between two runs splits them only if it is at
    least ``_SKIPPED`` days long and ends at or before ``lowest``, the lowest watermark: there
    every rollup has materialised the untouched days, and nothing changed them.
    """
    out: list[tuple[datetime, datetime]] = []
    for start in days:
        if out and (start - out[-1][1] < _SKIPPED * _DAY or start > lowest):
            out[-1] = (out[-1][0], start + _DAY)
        else:
            out.append((start, start + _DAY))
    return out
