"""Running a read's query: entity ids first, then rows straight into msgspec Structs.

Rows are fetched over psycopg's binary protocol as tuples and built positionally into the
answer's Structs (``args_row``: no dict per row), which Litestar encodes with msgspec. Measured
faster than JSON built by the server (``docs/query-plans.md``, "Serialisation").

Node sets are resolved by a small query before the main one and passed as an ``int[]``
parameter: ``node_id = ANY(%(nodes)s)`` is an index condition on every chunk's primary key,
which a semi-join against the hierarchy is not reliably planned as.

Every row query ends in ``LIMIT %(limit)s`` with ``limit = max_response_rows + 1``: more rows
than the limit is refused (``AnswerTooLargeError``), and the work done stays bounded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from psycopg import sql
from psycopg.rows import args_row

from gridts.db.queries import query
from gridts.errors import AnswerTooLargeError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from psycopg import AsyncConnection

    from gridts.reads.filters import Filters

T = TypeVar("T")


async def fetch_rows(
    conn: AsyncConnection,
    statement: sql.SQL | sql.Composed,
    params: Mapping[str, object],
    limit: int,
    row: Callable[..., T],
) -> list[T]:
    """Run ``statement`` and build one ``row(*values)`` per row; refused past ``limit`` rows."""
    cursor = conn.cursor(binary=True, row_factory=args_row(row))
    await cursor.execute(statement, {**params, "limit": limit + 1})
    rows = await cursor.fetchall()
    if len(rows) > limit:
        raise AnswerTooLargeError(limit)
    return rows


async def select_ids(conn: AsyncConnection, level: str, filters: Filters) -> list[int]:
    """Ids of the ``level`` entities (node, region or grid) the filters select, ascending.

    Filters at or above the level apply; ``level`` rows below which no node can be chosen are
    still returned (they simply have no data).
    """
    cursor = await conn.execute(
        query("filters", level),
        {
            "node_ids": filters.node_ids,
            "region_ids": filters.region_ids,
            "grid_ids": filters.grid_ids,
        },
    )
    return [entity for (entity,) in await cursor.fetchall()]


_SERIES_ENTITY = {
    "node": sql.SQL("s.node_id"),
    "region": sql.SQL("n.region_id"),
    "grid": sql.SQL("r.grid_id"),
}


def series_members(level: str) -> sql.Composed:
    """The chosen series (``%(series)s``) with what rollups and accuracy group them by.

    Their entity at ``level``, kind, subtype, unit, aggregation and zone
    (``sql/queries/filters/members.sql``).
    """
    return query("filters", "members").format(entity=_SERIES_ENTITY[level])


async def select_series(conn: AsyncConnection, filters: Filters) -> list[int]:
    """Ids of the series the filters select, ascending (each node's default one by default)."""
    cursor = await conn.execute(
        query("filters", "series"),
        {
            "node_ids": filters.node_ids,
            "region_ids": filters.region_ids,
            "grid_ids": filters.grid_ids,
            "series_ids": filters.series_ids,
            "kinds": filters.kinds,
            "subtypes": filters.subtypes,
            "default_only": filters.default_series,
        },
    )
    return [series for (series,) in await cursor.fetchall()]
