"""Latest, as-of and revision reads over ``measures``.

The series set is resolved first (``gridts.reads.rows.select_heads``: each node's default series
unless the request names series, kinds or subtypes) and passed as an array, so every chunk's
primary key answers ``series_id = ANY(...)`` with the target range; see ``docs/query-plans.md``.
Each row of the answer's query names its series only, and the series' head (node, node name,
kind, subtype, unit), read with the set, completes it (``_measures``).

The rows are each handler's last query on its connection: they stream (``fetch_rows``), so a
big answer is read from the database while it is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridts.db.queries import query
from gridts.measures.schemas import Measure
from gridts.reads.rows import fetch_rows, select_heads

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import datetime

    from psycopg import AsyncConnection

    from gridts.measures.schemas import Cutoff
    from gridts.quality import Quality
    from gridts.reads.filters import Filters
    from gridts.reads.rows import Head


def _measures(heads: Mapping[int, Head]) -> Callable[..., Measure]:
    """A row of latest.sql or revisions.sql, completed with its series' head, as a ``Measure``."""

    def measure(
        series: int,
        measured: datetime,
        collected: datetime,
        value: float | None,
        quality: Quality,
    ) -> Measure:
        node, name, kind, subtype, unit = heads[series]
        return Measure(node, name, series, kind, subtype, unit, measured, collected, value, quality)

    return measure


async def latest(
    conn: AsyncConnection, filters: Filters, collected: datetime | None, limit: int
) -> list[Measure]:
    """The latest revision per series and target (as known at ``collected``)."""
    heads = await select_heads(conn, filters)
    if not heads:
        return []
    params = {
        "series": list(heads),
        "start": filters.start,
        "end": filters.end,
        "collected": collected,
    }
    statement = query("measures", "latest").format(known=query("measures", "known_at"))
    return await fetch_rows(conn, statement, params, limit, _measures(heads), stream=True)


async def revisions(
    conn: AsyncConnection,
    filters: Filters,
    collected_from: datetime | None,
    collected_to: datetime | None,
    limit: int,
) -> list[Measure]:
    """Every revision per series and target, collected in the optional window."""
    heads = await select_heads(conn, filters)
    if not heads:
        return []
    params = {
        "series": list(heads),
        "start": filters.start,
        "end": filters.end,
        "collected_from": collected_from,
        "collected_to": collected_to,
    }
    return await fetch_rows(
        conn, query("measures", "revisions"), params, limit, _measures(heads), stream=True
    )


async def horizon(
    conn: AsyncConnection, filters: Filters, cutoff: Cutoff, limit: int
) -> list[Measure]:
    """Per target, the latest revision known by ``cutoff`` (a lead, or a day-ahead issue time)."""
    heads = await select_heads(conn, filters)
    if not heads:
        return []
    params = {
        "series": list(heads),
        "start": filters.start,
        "end": filters.end,
        "lead": cutoff.lead,
        "issued": cutoff.issued_before,
        "tz": cutoff.timezone,
    }
    statement = query("measures", "latest").format(known=query("measures", "known_ahead"))
    return await fetch_rows(conn, statement, params, limit, _measures(heads), stream=True)
