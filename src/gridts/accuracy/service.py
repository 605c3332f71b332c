"""Accuracy statistics, computed set-wise in one query (``sql/queries/accuracy/stats.sql``).

The series compared are chosen by the shared filters (each node's default series unless the
request names kinds or subtypes; at region and grid level, every series of the level's nodes
of those kinds), so forecasts are always compared with the same series' finals.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from psycopg import sql

from gridts.accuracy.schemas import Accuracy, Final
from gridts.db.queries import query
from gridts.reads.levels import Level
from gridts.reads.rows import fetch_rows, select_series, series_members
from gridts.rollups.days import local

if TYPE_CHECKING:
    from psycopg import AsyncConnection

    from gridts.reads.filters import Filters

#: What each revision sees of its neighbours in its (series, target) window, per final.
_NEIGHBOURS = {
    Final.LATEST: sql.SQL("lead(m.timestamp_collected) OVER series_target AS after"),
    Final.AT_TARGET: sql.SQL(
        "lag(m.timestamp_collected) OVER series_target AS before, "
        "lead(m.timestamp_collected) OVER series_target AS after"
    ),
}
#: Whether a revision is the final: the latest, or the first collected at or after the target.
_IS_FINAL = {
    Final.LATEST: sql.SQL("after IS NULL"),
    Final.AT_TARGET: sql.SQL("collected >= target AND (before IS NULL OR before < target)"),
}
_MICROSECOND = timedelta(microseconds=1)


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
        "leads": microseconds(leads),
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


def microseconds(leads: list[timedelta]) -> list[int]:
    """The leads as ``%(leads)s`` of stats.sql: microseconds, made ``interval``s of time only.

    psycopg sends a ``timedelta`` of a day or more as days, and ``timestamptz - interval`` with
    days goes through the calendar (the session's zone): measured at 5 of 120 ms for one region's
    year. The same lead in microseconds is plain arithmetic, and UTC sessions make both equal.
    Read back, either interval is the same ``timedelta``.
    """
    return [lead // _MICROSECOND for lead in leads]


#: A lead (slot of ``%(leads)s``) as an interval of time only.
_LEAD = sql.SQL("((%(leads)s::int8[])[{}] * interval '1 microsecond')")
#: The forecast at a lead: the revision collected at or before target - lead whose successor,
#: if any, was collected after that.
_FORECAST = sql.SQL(
    "max(value) FILTER (WHERE collected <= target - {lead} "
    "AND (after IS NULL OR after > target - {lead})) AS {name}"
)


def statement(level: Level, final: Final, *, daily: bool, leads: int) -> sql.Composed:
    """The statistics query for ``level``, ``final``, bucketing and ``leads`` leads.

    Each lead is a column of its own (``f_1`` .. ``f_N`` per series and target, their sums and
    counts per group and target), so the revisions are grouped once per (series, target)
    whatever the number of leads; the leads' values are parameters. Measured at year scale
    (``bench/accuracy_year.py``, one region, four leads): a cross join with the leads, grouped
    per (series, target, lead), took 422-427 ms; one ``last()`` per lead 230-273 ms; with a group
    number as the sort key 143-168 ms; with windows over each (series, target) 112-132 ms (over
    HTTP); with integer sums, a column per lead and each revision's successor (now): see
    ``docs/query-plans.md``.
    """
    slots = range(1, leads + 1)
    return query("accuracy", "stats").format(
        members=series_members(level),
        neighbours=_NEIGHBOURS[final],
        is_final=_IS_FINAL[final],
        forecasts=sql.SQL(",\n           ").join(
            _FORECAST.format(lead=_LEAD.format(slot), name=sql.Identifier(f"f_{slot}"))
            for slot in slots
        ),
        forecast_sums=sql.SQL(", ").join(
            sql.SQL("sum(k.{f}) AS {sums}, count(k.{f}) AS {counts}").format(
                f=sql.Identifier(f"f_{slot}"),
                sums=sql.Identifier(f"sum_{slot}"),
                counts=sql.Identifier(f"count_{slot}"),
            )
            for slot in slots
        ),
        slots=sql.SQL(", ").join(
            sql.SQL("({}, g.{}, g.{})").format(
                _LEAD.format(slot), sql.Identifier(f"sum_{slot}"), sql.Identifier(f"count_{slot}")
            )
            for slot in slots
        ),
        series_id=sql.SQL("gr.series_id" if level is Level.NODE else "NULL::integer"),
        bucket=sql.SQL("time_bucket('1 day', g.target, gr.tz)" if daily else "NULL::timestamptz"),
    )
