"""Accuracy statistics, computed set-wise in one query (``sql/queries/accuracy/stats.sql``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from psycopg import sql

from gridts.accuracy.schemas import Accuracy, Final
from gridts.db.queries import query
from gridts.reads.levels import Level
from gridts.reads.rows import fetch_rows, select_ids

if TYPE_CHECKING:
    from datetime import timedelta

    from psycopg import AsyncConnection

    from gridts.reads.filters import Filters

_ENTITY = {
    Level.NODE: sql.SQL("n.id"),
    Level.REGION: sql.SQL("n.region_id"),
    Level.GRID: sql.SQL("r.grid_id"),
}
_FINAL = {
    Final.LATEST: sql.SQL("last(m.value, m.timestamp_collected)"),
    Final.AT_TARGET: sql.SQL(
        "first(m.value, m.timestamp_collected) "
        "FILTER (WHERE m.timestamp_collected >= m.timestamp_measured)"
    ),
}


async def accuracy(
    conn: AsyncConnection,
    level: Level,
    filters: Filters,
    leads: list[timedelta],
    final: Final,
    *,
    daily: bool,
    limit: int,
) -> list[Accuracy]:
    """Error statistics per entity of ``level``, lead (and UTC day when ``daily``)."""
    nodes = await select_ids(conn, "node", filters)
    if not nodes:
        return []
    params = {"nodes": nodes, "start": filters.start, "end": filters.end, "leads": leads}
    return await fetch_rows(conn, statement(level, final, daily=daily), params, limit, Accuracy)


def statement(level: Level, final: Final, *, daily: bool) -> sql.Composed:
    """The statistics query for ``level``, ``final`` and bucketing (values as parameters)."""
    return query("accuracy", "stats").format(
        entity=_ENTITY[level],
        final=_FINAL[final],
        bucket=sql.SQL("time_bucket('1 day', target)" if daily else "NULL::timestamptz"),
    )
