"""Saying "these targets changed below the watermark": a durable queue entry and a wake-up.

Called inside the writer's transaction, so the queue entry commits (or rolls back) with the
rows, and the ``NOTIFY`` is delivered only on commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridts.db.queries import query
from gridts.refresh.views import ROLLUPS, day_window

if TYPE_CHECKING:
    from datetime import datetime

    from psycopg import AsyncConnection

#: The ``LISTEN``/``NOTIFY`` channel of queued refreshes.
CHANNEL = "gridts_rollups"


async def changed(conn: AsyncConnection, first: datetime, last: datetime) -> bool:
    """Queue a refresh of the days of ``[first, last]`` if a rollup has materialised any of them.

    Returns whether anything was queued (above every watermark, real-time aggregation already
    answers with the new rows, and nothing is).
    """
    params = {"views": list(ROLLUPS), "first": first}
    row = await (await conn.execute(query("refresh", "watermark"), params)).fetchone()
    if not row or not row[0]:
        return False
    start, end = day_window(first, last)
    await conn.execute(query("refresh", "enqueue"), {"start": start, "end": end})
    await conn.execute(query("refresh", "notify"), {"channel": CHANNEL})
    return True
