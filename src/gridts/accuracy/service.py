"""Accuracy statistics, computed set-wise in one query (``sql/queries/accuracy/stats.sql``).

The series compared are chosen by the shared filters (each node's default series unless the
request names kinds or subtypes; at region and grid level, every series of the level's nodes
of those kinds), so forecasts are always compared with the same series' finals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from psycopg import sql

from gridts.accuracy.schemas import Accuracy, Final
from gridts.db.queries import query
from gridts.reads.levels import Level
from gridts.reads.rows import fetch_rows, select_series, series_members
from gridts.rollups.days import local

if TYPE_CHECKING:
    from datetime import timedelta

    from psycopg import AsyncConnection

    from gridts.reads.filters import Filters

#: When the revision that is the final was collected, over a (series, target) window.
_FINAL_AT = {
    Final.LATEST: sql.SQL("max(m.timestamp_collected)"),
    Final.AT_TARGET: sql.SQL(
        "min(m.timestamp_collected) FILTER (WHERE m.timestamp_collected >= m.timestamp_measured)"
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
    timezone: str | None,
    limit: int,
) -> list[Accuracy]:
    """Error statistics per entity of ``level``, kind, subtype, lead (and local day)."""
    series = await select_series(conn, filters)
    if not series:
        return []
    params = {
        "series": series,
        "start": filters.start,
        "end": filters.end,
        "leads": leads,
        "timezone": timezone,
    }

    def row(*values: Any) -> Accuracy:  # noqa: ANN401 - positional columns of stats.sql
        *fields, tz = values
        if daily:
            fields[2] = local(fields[2], tz)
        return Accuracy(*fields)

    return await fetch_rows(
        conn, statement(level, final, daily=daily, leads=len(leads)), params, limit, row
    )


#: When the forecast at a lead (a slot of ``%(leads)s``) was collected, over the same window.
_FORECAST_AT = sql.SQL(
    "max(m.timestamp_collected) FILTER (WHERE m.timestamp_collected "
    "<= m.timestamp_measured - (%(leads)s::interval[])[{slot}]) OVER series_target AS {name}"
)
_FORECAST = sql.SQL("max(value) FILTER (WHERE timestamp_collected = {name})")
_FORECAST_SUM = sql.SQL("sum(k.forecasts[{}])")


def statement(level: Level, final: Final, *, daily: bool, leads: int) -> sql.Composed:
    """The statistics query for ``level``, ``final``, bucketing and ``leads`` leads.

    Each lead is an aggregate of its own (a slot of the arrays), so the revisions are grouped
    once per (series, target) whatever the number of leads; the leads' values are parameters.
    Measured at year scale (``bench/accuracy_year.py``, one region, four leads): a cross join
    with the leads, grouped per (series, target, lead), took 422-427 ms; one ``last()`` per lead
    230-273 ms; with a group number as the sort key 143-168 ms; with the windows (now) 112-132
    ms (over HTTP; ``docs/query-plans.md``).
    """
    slots = [sql.Literal(slot) for slot in range(1, leads + 1)]
    names = [sql.Identifier(f"at_{slot}") for slot in range(1, leads + 1)]
    return query("accuracy", "stats").format(
        members=series_members(level),
        final_at=_FINAL_AT[final],
        forecasts_at=sql.SQL(", ").join(
            _FORECAST_AT.format(slot=slot, name=name)
            for slot, name in zip(slots, names, strict=True)
        ),
        forecasts=sql.SQL(", ").join(_FORECAST.format(name=name) for name in names),
        forecast_sums=sql.SQL(", ").join(_FORECAST_SUM.format(slot) for slot in slots),
        forecast_counts=sql.SQL(", ").join(
            sql.SQL("count(k.forecasts[{}])").format(slot) for slot in slots
        ),
        series_id=sql.SQL("gr.series_id" if level is Level.NODE else "NULL::integer"),
        bucket=sql.SQL("time_bucket('1 day', target, tz)" if daily else "NULL::timestamptz"),
    )
