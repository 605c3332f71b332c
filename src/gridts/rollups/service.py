"""Rollup reads: from the continuous aggregates where they can answer, else from latest values.

Where each answer comes from (the body's ``source``):

- ``1h`` and ``1d`` of latest values, counting good and estimated values: the hourly real-time
  aggregates ``series_1h`` (node level) and ``region_1h`` / ``grid_1h``, which hold materialised
  rows below each watermark and compute from raw data above it. Local days are grouped from their
  hours when every zone involved has whole-hour midnights in range (``gridts.rollups.days``).
- ``raw``, ``quality=good``, and local days in zones such as +05:30: ``series_latest``, the
  aggregate of each target's latest revision (value and quality), with the same definitions
  computed at query time. The aggregates of hourly values cannot leave out estimated values.
- As of a collection time: ``measures``, restricted to revisions collected by then (the
  aggregates hold latest values only).

The SQL of each is in ``sql/queries/rollups``; every path yields the same columns, so one
envelope orders and limits them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from psycopg import sql

from gridts.db.queries import query
from gridts.errors import AnswerTooLargeError
from gridts.reads.filters import Filters
from gridts.reads.levels import Level
from gridts.reads.rows import fetch_rows, select_ids, select_series, series_members
from gridts.rollups.days import local, whole_hour_midnights
from gridts.rollups.fill import Fill
from gridts.rollups.fill import fill as fill_gaps
from gridts.rollups.resolution import Resolution
from gridts.rollups.schemas import Rollup

if TYPE_CHECKING:
    from datetime import datetime

    from psycopg import AsyncConnection

AS_OF = "measures (as of)"
LATEST = "series_latest"

#: How far past ``end`` a bucket starting at ``end`` reaches (a local day may last 25 hours).
_REACH = {
    Resolution.RAW: timedelta(seconds=1),
    Resolution.HOUR: timedelta(hours=1),
    Resolution.DAY: timedelta(hours=26),
}
_ENTITIES = {
    Level.REGION: (sql.Identifier("grid_region"), sql.SQL("e.grid_id")),
    Level.GRID: (sql.Identifier("grid"), sql.SQL("e.id")),
}


async def rollups(
    conn: AsyncConnection,
    level: Level,
    resolution: Resolution,
    filters: Filters,
    *,
    collected: datetime | None,
    good_only: bool,
    timezone: str | None,
    fill: Fill = Fill.NONE,
    limit: int,
) -> tuple[str, list[Rollup]]:
    """``(source, rows)`` for the entities, kinds and subtypes the filters select at ``level``."""
    params: dict[str, Any] = {
        "start": filters.start,
        "end": filters.end,
        "until": filters.end + _REACH[resolution],
        "collected": collected,
        "timezone": timezone,
        "max_quality": 0 if good_only else 1,
        "kinds": filters.kinds,
        "subtypes": filters.subtypes,
        "default_only": filters.default_series,
    }
    if level is Level.NODE:
        params["series"] = await select_series(conn, filters)
        if not params["series"]:
            return _source(level, resolution, collected, good_only), []
    else:
        params["ids"] = await select_ids(conn, level, filters)
        if not params["ids"]:
            return _source(level, resolution, collected, good_only), []
    daily = resolution is Resolution.DAY
    hourly_aggregates = (
        resolution is not Resolution.RAW
        and collected is None
        and not good_only
        and (not daily or await _whole_hours(conn, level, params))
    )
    if hourly_aggregates:
        source, rows = _from_aggregates(level, daily)
    else:
        if level is not Level.NODE:
            members = Filters(
                filters.start,
                filters.end,
                **{f"{level}_ids": params["ids"]},
                kinds=filters.kinds,
                subtypes=filters.subtypes,
            )
            params["series"] = await select_series(conn, members)
            if not params["series"]:
                return _source(level, resolution, collected, good_only), []
        source = AS_OF if collected is not None else LATEST
        rows = _computed(level, resolution, as_of=collected is not None)
    statement = query("rollups", "envelope").format(rows=rows)
    found = await _fetch(conn, statement, params, limit, daily=daily)
    answer = fill_gaps(found, fill, filters.start, filters.end, daily=daily)
    if len(answer) > limit:
        raise AnswerTooLargeError(limit)
    return source, answer


def _source(
    level: Level, resolution: Resolution, collected: datetime | None, good_only: bool
) -> str:
    """What an empty selection would have read (the body names it all the same)."""
    if collected is not None:
        return AS_OF
    if resolution is Resolution.RAW or good_only:
        return LATEST
    return "series_1h" if level is Level.NODE else f"{level}_1h"


def _entities(level: Level) -> sql.Composed:
    table, grid = _ENTITIES[level]
    return query("rollups", "entities").format(table=table, grid=grid)


async def _whole_hours(conn: AsyncConnection, level: Level, params: dict[str, Any]) -> bool:
    """Whether every zone of the chosen entities has whole-hour midnights in range."""
    if params["timezone"] is not None:
        zones = [params["timezone"]]
    else:
        chosen = series_members(level) if level is Level.NODE else _entities(level)
        cursor = await conn.execute(
            sql.SQL("SELECT DISTINCT tz FROM ({}) AS chosen").format(chosen), params
        )
        zones = [zone for (zone,) in await cursor.fetchall()]
    return whole_hour_midnights(zones, params["start"], params["end"])


def _from_aggregates(level: Level, daily: bool) -> tuple[str, sql.Composed]:
    if level is Level.NODE:
        name = "cagg_series_1d" if daily else "cagg_series_1h"
        return "series_1h", query("rollups", name).format(members=series_members(level))
    view = f"{level}_1h"
    hourly = query("rollups", "cagg_total_1h").format(
        entities=_entities(level),
        view=sql.Identifier(view),
        key=sql.Identifier(f"{level}_id"),
    )
    if daily:
        return view, query("rollups", "cagg_total_1d").format(hourly=hourly)
    return view, hourly


def _computed(level: Level, resolution: Resolution, *, as_of: bool) -> sql.Composed:
    latest = query("rollups", "latest_as_of" if as_of else "latest")
    shape = "node" if level is Level.NODE else "total"
    return query("rollups", f"computed_{shape}_{resolution}").format(
        members=series_members(level), latest=latest
    )


async def _fetch(
    conn: AsyncConnection,
    statement: sql.Composed,
    params: dict[str, Any],
    limit: int,
    *,
    daily: bool,
) -> list[tuple[Rollup, str]]:
    """Rows as ``(Rollup, zone)``; daily buckets written in their zone; refused past ``limit``."""

    def row(*values: Any) -> tuple[Rollup, str]:  # noqa: ANN401 - columns of envelope.sql
        *fields, tz = values
        if daily:
            fields[1] = local(fields[1], tz)
        (id_, bucket, avg, min_, max_, sum_, count, nodes, series_id, kind, subtype, unit, est) = (
            fields
        )
        rollup = Rollup(
            id_, bucket, avg, min_, max_, sum_, count, kind, subtype, unit, est, nodes, series_id
        )
        return rollup, tz

    return await fetch_rows(conn, statement, params, limit, row)
