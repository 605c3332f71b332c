"""Latest, as-of and revision reads over ``measures``.

Each read takes the series the filters select (each node's default series unless the request
names series, kinds or subtypes) in one of two ways, by the answer's expected size:

- A big read resolves them first (``gridts.reads.rows.select_heads``) and passes their ids as
  an array. Each row of the answer's query then names its series only, and the series' head
  (node, node name, kind, subtype, unit), read with the set, completes it (``_measures``): heads
  in every row of a 720,000-row answer cost both sides a tenth of a second or more.
- A small read (``SMALL_READ_ROWS``: a few nodes over a short range) is one statement: the
  series query is the answer query's first part, and every row carries its head. The second
  round trip and plan were about 0.15 ms of one node's day at p50, 0.3-0.6 ms at p99 while
  batches are written.

A big read in a request takes its rows packed per series instead (``packed.sql``), as columns
that write their own answer in each format (``gridts.measures.columns``): the worker builds no
Python object per row. Small reads take ``rows.sql``'s rows into ``Measure`` Structs.

See ``docs/query-plans.md`` and ``bench/README.md`` ("One statement for small reads", "Big
reads written from columns"). The rows are each handler's last query on its connection: they
stream (``fetch_rows``, ``fetch_columns``), so a big answer is read from the database while it
is sent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, NamedTuple

from psycopg import sql

from gridts.db.queries import query
from gridts.measures.columns import MeasureWriter, fetch_columns
from gridts.measures.schemas import Measure
from gridts.observability import LATEST_READS
from gridts.reads.rows import fetch_rows, select_heads, series_params

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from datetime import datetime

    from psycopg import AsyncConnection

    from gridts.measures.schemas import Cutoff
    from gridts.quality import Quality
    from gridts.reads.filters import Filters
    from gridts.reads.rows import Head

SMALL_READ_ROWS = 500
"""Reads of at most this many node-hours (nodes named x hours in the range) are one statement.

Heads in every row cost about 0.3 us a row on both sides together, the second statement about
0.15 ms of the database's and driver's time: one node's month (359 rows) was still a little
faster as one statement, ten nodes' 100 hours (880 rows) slower.
"""

AS_OF_MATERIALISED_HOURS: float = 96
"""As-of reads with at least this many hours of their range before their time take
``series_latest`` where it is exact, each series up to its first target revised after the time
(``first_late.sql``).

Finding that target is a pass over each series' materialised rows in the range, whatever it
finds, and a target taken from the materialisation instead of sorting its revisions saves
~0.7 us. Targets after the time are almost always revised after it (a grid's measured value
comes after its target), so only the hours before it can gain: 1,000 series over 3 days as of
a time before them took 0.11 s instead of 0.07 with a search, over 10 days as of 6.5 days in
0.24 s instead of 0.35 (bench/README.md, "As of a time from the materialisation").
"""

_SERIES_ONLY = sql.SQL("s.id")
_WITH_HEAD = sql.SQL("s.node_id, s.name, s.id, s.kind, s.subtype, s.unit")  # Measure's order


def _measures(heads: Mapping[int, Head]) -> Callable[..., Measure]:
    """A row of latest.sql or revisions.sql, completed with its series' head, as a ``Measure``."""

    def measure(
        series: int,
        measured: datetime,
        collected: datetime,
        value: float | None,
        quality: Quality,
    ) -> Measure:
        node, name, kind, subtype, unit, _ = heads[series]
        return Measure(node, name, series, kind, subtype, unit, measured, collected, value, quality)

    return measure


def is_small(filters: Filters) -> bool:
    """Whether the filters name nodes and at most ``SMALL_READ_ROWS`` node-hours."""
    if not filters.node_ids:
        return False
    hours = (filters.end - filters.start) // timedelta(hours=1) + 1
    return len(filters.node_ids) * hours <= SMALL_READ_ROWS


def compose(name: str, *, small: bool, **parts: sql.Composable) -> sql.Composed:
    """``rows.sql`` over ``sql/queries/measures/<name>.sql``, for a small read or a big one.

    A small one (``is_small``) selects the series by the filters' parameters (``series_params``)
    and builds ``Measure`` rows; a big one takes the chosen series' ids as ``series`` and builds
    rows with ``_measures``.
    """
    series, head = ("series", _WITH_HEAD) if small else ("chosen", _SERIES_ONLY)
    of_series = query("measures", name).format(**parts)
    return query("measures", "rows").format(
        series=query("filters", series), head=head, of_series=of_series
    )


def compose_packed(name: str, **parts: sql.Composable) -> sql.Composed:
    """``packed.sql`` over ``sql/queries/measures/<name>.sql``: a big read's rows as columns."""
    return query("measures", "packed").format(
        series=query("filters", "chosen"), of_series=query("measures", name).format(**parts)
    )


async def _read(
    conn: AsyncConnection,
    filters: Filters,
    name: str,
    *,
    parts: Mapping[str, sql.Composable],
    params: Mapping[str, object],
    limit: int,
    columnar: bool,
    materialised: bool = False,
) -> Sequence[Measure]:
    """Run ``sql/queries/measures/<name>.sql`` for the filters' series, one way or another.

    ``columnar``: a big read comes back as ``MeasureColumns`` (``gridts.measures.columns``),
    which only an answer's encoders read. ``materialised``: ``name`` is ``latest`` (as known at
    ``params["collected"]``, if a time), which a big read takes from ``series_latest`` where
    that is exact (``fresh``): up to each series' first target revised after that time.
    """
    if is_small(filters):
        statement = compose(name, small=True, **parts)
        bound = {**params, **series_params(filters)}
        return await fetch_rows(conn, statement, bound, limit, Measure, stream=True)
    heads = await select_heads(conn, filters)
    if not heads:
        return []
    bound = {**params, "series": list(heads)}
    if materialised and (part := await fresh(conn, filters)) is not None:
        upto = (
            query("measures", "fresh_end")
            if params.get("collected") is None
            else query("measures", "first_late").format(materialised=part.relation)
        )
        latest = query("measures", name).format(**parts)
        name = "latest_materialised"
        parts = {"latest": latest, "materialised": part.relation, "bound": upto}
        bound = {**bound, "fresh_start": part.start, "fresh_end": part.end}
    if columnar:
        statement = compose_packed(name, **parts)
        return await fetch_columns(conn, statement, bound, limit, MeasureWriter(heads))
    statement = compose(name, small=False, **parts)
    return await fetch_rows(conn, statement, bound, limit, _measures(heads), stream=True)


class Fresh(NamedTuple):
    """The part ``[start, end)`` of a latest read that ``series_latest`` answers exactly."""

    start: datetime
    end: datetime
    relation: sql.Composable
    """Where its rows are read: the materialisation hypertable itself, if this role may read
    it (a third less of PostgreSQL's time than through the view), else the view."""


_VIEW = sql.Identifier("series_latest")


async def fresh(conn: AsyncConnection, filters: Filters) -> Fresh | None:
    """The part of the range that ``series_latest`` answers exactly (``fresh.sql``), if any.

    Counted in ``gridts_latest_reads`` by where the read takes its values.
    """
    params = {"start": filters.start, "end": filters.end}
    row = await (await conn.execute(query("measures", "fresh"), params)).fetchone()
    part = None
    if row is not None:
        start, end, schema, table = row
        relation = _VIEW if table is None else sql.Identifier(schema, table)
        part = Fresh(start, end, relation)
    LATEST_READS.labels(source="measures" if part is None else "series_latest").inc()
    return part


async def latest(
    conn: AsyncConnection,
    filters: Filters,
    collected: datetime | None,
    limit: int,
    *,
    columnar: bool = False,
) -> Sequence[Measure]:
    """The latest revision per series and target (as known at ``collected``).

    A big read takes what it can from ``series_latest``'s materialised rows
    (``latest_materialised.sql``): no sort of each target's revisions. As known at a time, only
    one of ``AS_OF_MATERIALISED_HOURS`` or more before it, and only the targets before the first
    one revised after it.
    """
    params = {"start": filters.start, "end": filters.end, "collected": collected}
    parts = {"known": query("measures", "known_at")}
    before = None if collected is None else min(collected, filters.end) - filters.start
    return await _read(
        conn,
        filters,
        "latest",
        parts=parts,
        params=params,
        limit=limit,
        columnar=columnar,
        materialised=before is None or before / timedelta(hours=1) >= AS_OF_MATERIALISED_HOURS,
    )


async def revisions(
    conn: AsyncConnection,
    filters: Filters,
    collected_from: datetime | None,
    collected_to: datetime | None,
    limit: int,
    *,
    columnar: bool = False,
) -> Sequence[Measure]:
    """Every revision per series and target, collected in the optional window."""
    params = {
        "start": filters.start,
        "end": filters.end,
        "collected_from": collected_from,
        "collected_to": collected_to,
    }
    return await _read(
        conn, filters, "revisions", parts={}, params=params, limit=limit, columnar=columnar
    )


async def horizon(
    conn: AsyncConnection,
    filters: Filters,
    cutoff: Cutoff,
    limit: int,
    *,
    columnar: bool = False,
) -> Sequence[Measure]:
    """Per target, the latest revision known by ``cutoff`` (a lead, or a day-ahead issue time)."""
    params = {
        "start": filters.start,
        "end": filters.end,
        "lead": cutoff.lead,
        "issued": cutoff.issued_before,
        "tz": cutoff.timezone,
    }
    parts = {"known": query("measures", "known_ahead")}
    return await _read(
        conn, filters, "latest", parts=parts, params=params, limit=limit, columnar=columnar
    )
