"""Rollup reads: from the continuous aggregates, or computed from ``measures``.

Latest values at ``1h``/``1d`` come from the real-time continuous aggregates (materialised rows
below each watermark, raw data above it). ``raw`` is per target and needs the latest revision of
each target, read from ``measures`` with the same DISTINCT ON as ``GET /measures``. As of a
collection time the aggregates cannot help (they hold latest values only), so the same
definitions are computed from ``measures`` restricted to revisions collected by then.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from psycopg import sql

from gridts.db.queries import query
from gridts.reads.filters import Filters
from gridts.reads.levels import Level
from gridts.reads.rows import fetch_rows, select_ids
from gridts.rollups.resolution import Resolution
from gridts.rollups.schemas import Rollup

if TYPE_CHECKING:
    from datetime import datetime

    from psycopg import AsyncConnection

_KEY = {Level.NODE: "node_id", Level.REGION: "region_id", Level.GRID: "grid_id"}
_ENTITY = {
    Level.NODE: (sql.SQL("l.node_id"), sql.SQL("")),
    Level.REGION: (sql.SQL("n.region_id"), sql.SQL("JOIN grid_node n ON n.id = l.node_id")),
    Level.GRID: (
        sql.SQL("r.grid_id"),
        sql.SQL("JOIN grid_node n ON n.id = l.node_id JOIN grid_region r ON r.id = n.region_id"),
    ),
}
_WIDTH = {
    Resolution.RAW: timedelta(seconds=1),
    Resolution.HOUR: timedelta(hours=1),
    Resolution.DAY: timedelta(days=1),
}
AS_OF = "measures (as of)"


def _from_aggregate(level: Level, resolution: Resolution) -> tuple[str, sql.Composed]:
    view = f"{level}_{resolution}"
    key = sql.Identifier(_KEY[level])
    if level is not Level.NODE and resolution is Resolution.HOUR:
        rows = query("rollups", "cagg_total").format(view=sql.Identifier(view), key=key)
    else:
        nodes = sql.SQL("NULL::bigint") if level is Level.NODE else sql.SQL("v.nodes")
        rows = query("rollups", "cagg_stats").format(
            view=sql.Identifier(view), key=key, nodes=nodes
        )
    return view, rows


def _from_measures(level: Level, resolution: Resolution) -> sql.Composed:
    entity, join = _ENTITY[level]
    latest = query("rollups", "latest").format(entity=entity, join=join)
    if resolution is Resolution.RAW:
        name = "measures_raw"
    else:
        name = f"measures_{'node' if level is Level.NODE else 'total'}_{resolution}"
    return query("rollups", name).format(latest=latest)


async def rollups(
    conn: AsyncConnection,
    level: Level,
    resolution: Resolution,
    filters: Filters,
    *,
    collected: datetime | None,
    limit: int,
) -> tuple[str, list[Rollup]]:
    """``(source, rows)`` for the entities the filters select at ``level``."""
    ids = await select_ids(conn, level, filters)
    params: dict[str, object] = {
        "ids": ids,
        "start": filters.start,
        "end": filters.end,
        "until": filters.end + _WIDTH[resolution],
        "collected": collected,
    }
    if resolution is not Resolution.RAW and collected is None:
        source, rows = _from_aggregate(level, resolution)
    else:
        source = AS_OF if collected is not None else "measures"
        rows = _from_measures(level, resolution)
        if ids and level is Level.REGION:
            ids = await select_ids(
                conn, "node", Filters(filters.start, filters.end, region_ids=ids)
            )
        elif ids and level is Level.GRID:
            ids = await select_ids(conn, "node", Filters(filters.start, filters.end, grid_ids=ids))
        params["nodes"] = ids
    if not ids:
        return source, []
    nodes = sql.SQL("NULL::bigint") if level is Level.NODE else sql.SQL("rows.nodes")
    statement = query("rollups", "envelope").format(rows=rows, nodes=nodes)
    return source, await fetch_rows(conn, statement, params, limit, Rollup)
