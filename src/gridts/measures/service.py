"""Latest, as-of and revision reads over ``measures``.

The series set is resolved first (``gridts.reads.rows.select_series``: each node's default series
unless the request names series, kinds or subtypes) and passed as an array, so every chunk's
primary key answers ``series_id = ANY(...)`` with the target range; see ``docs/query-plans.md``.

The rows are each handler's last query on its connection: they stream (``fetch_rows``), so a
big answer is read from the database while it is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridts.db.queries import query
from gridts.measures.schemas import Measure
from gridts.reads.rows import fetch_rows, select_series

if TYPE_CHECKING:
    from datetime import datetime

    from psycopg import AsyncConnection

    from gridts.measures.schemas import Cutoff
    from gridts.reads.filters import Filters


async def latest(
    conn: AsyncConnection, filters: Filters, collected: datetime | None, limit: int
) -> list[Measure]:
    """The latest revision per series and target (as known at ``collected``)."""
    series = await select_series(conn, filters)
    if not series:
        return []
    params = {"series": series, "start": filters.start, "end": filters.end, "collected": collected}
    statement = query("measures", "latest").format(known=query("measures", "known_at"))
    return await fetch_rows(conn, statement, params, limit, Measure, stream=True)


async def revisions(
    conn: AsyncConnection,
    filters: Filters,
    collected_from: datetime | None,
    collected_to: datetime | None,
    limit: int,
) -> list[Measure]:
    """Every revision per series and target, collected in the optional window."""
    series = await select_series(conn, filters)
    if not series:
        return []
    params = {
        "series": series,
        "start": filters.start,
        "end": filters.end,
        "collected_from": collected_from,
        "collected_to": collected_to,
    }
    return await fetch_rows(
        conn, query("measures", "revisions"), params, limit, Measure, stream=True
    )


async def horizon(
    conn: AsyncConnection, filters: Filters, cutoff: Cutoff, limit: int
) -> list[Measure]:
    """Per target, the latest revision known by ``cutoff`` (a lead, or a day-ahead issue time)."""
    series = await select_series(conn, filters)
    if not series:
        return []
    params = {
        "series": series,
        "start": filters.start,
        "end": filters.end,
        "lead": cutoff.lead,
        "issued": cutoff.issued_before,
        "tz": cutoff.timezone,
    }
    statement = query("measures", "latest").format(known=query("measures", "known_ahead"))
    return await fetch_rows(conn, statement, params, limit, Measure, stream=True)
