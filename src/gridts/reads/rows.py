"""Running a read's query: entity ids first, then rows straight into msgspec Structs.

Rows are fetched over psycopg's binary protocol as tuples and built positionally into the
answer's Structs (``args_row``: no dict per row), which Litestar encodes with msgspec. Measured
faster than JSON built by the server (``docs/query-plans.md``, "Serialisation").

Node sets are resolved by a small query before the main one and passed as an ``int[]``
parameter: ``node_id = ANY(%(nodes)s)`` is an index condition on every chunk's primary key,
which a semi-join against the hierarchy is not reliably planned as.

Every row query ends in ``LIMIT %(limit)s`` with ``limit = max_response_rows + 1``: more rows
than the limit is refused (``AnswerTooLargeError``), and the work done stays bounded. A streamed
answer (``fetch_rows(stream=True)``) that passes the limit after its first chunk has already
begun: its response is cut off (the body ends without its last chunk, which HTTP clients report
as an incomplete answer) rather than ending as if complete. A streamed read takes the server's
rows a chunk at a time, each as one list (``gridts.db.chunked``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, TypeVar

from psycopg import sql
from psycopg.rows import args_row

from gridts.db.chunked import ChunkedCursor
from gridts.db.lease import StreamedRows, lease_of
from gridts.db.queries import query
from gridts.errors import AnswerTooLargeError
from gridts.formats import encoders

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping, Sized

    from psycopg import AsyncConnection

    from gridts.reads.filters import Filters

T = TypeVar("T")


async def fetch_rows(
    conn: AsyncConnection,
    statement: sql.SQL | sql.Composed,
    params: Mapping[str, object],
    limit: int,
    row: Callable[..., T],
    *,
    stream: bool = False,
) -> list[T]:
    """Run ``statement`` and build one ``row(*values)`` per row; refused past ``limit`` rows.

    With ``stream`` (the handler's last query on ``conn``) and a request's connection, rows
    come from the server ``CHUNK_ROWS`` at a time: an answer that fits in one chunk is returned
    whole, a bigger one as ``StreamedRows`` whose remaining chunks are read while the response
    is sent (``gridts.formats.response``), never all in memory at once.
    """
    bound = {**params, "limit": limit + 1}
    lease = lease_of(conn) if stream else None
    if lease is None:
        cursor = conn.cursor(binary=True, row_factory=args_row(row))
        await cursor.execute(statement, bound)
        rows = await cursor.fetchall()
        if len(rows) > limit:
            raise AnswerTooLargeError(limit)
        return rows
    size = encoders.CHUNK_ROWS
    chunked = ChunkedCursor(conn, row_factory=args_row(row))
    result = chunked.chunks(statement, bound, size=size)
    lease.reading(result)
    first: list[T] = await anext(result, [])
    whole = len(first) < size
    if whole:  # the last chunk: read on to the result's end (and any stray rows)
        async for more in result:
            first.extend(more)
    if len(first) > limit:
        raise AnswerTooLargeError(limit)
    if whole:
        return first
    return StreamedRows(first, limited(result, limit - len(first), limit), lease)


S = TypeVar("S", bound="Sized")


async def limited(result: AsyncIterator[S], allowed: int, limit: int) -> AsyncIterator[S]:
    """The chunks of a streamed answer's rest, cut off past ``allowed`` more rows."""
    async for chunk in result:
        allowed -= len(chunk)
        if allowed < 0:  # the answer has begun: the response can only be cut off now
            raise AnswerTooLargeError(limit)
        yield chunk


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


class Head(NamedTuple):
    """What every answer row of one series repeats, read once per series (``select_heads``)."""

    node_id: int
    node_name: str
    kind: str
    subtype: str | None
    unit: str
    places: int
    """The kind's decimals: values are stored as ``value * 10**places``."""


async def select_heads(conn: AsyncConnection, filters: Filters) -> dict[int, Head]:
    """The series the filters select, ascending by id, each with its ``Head``.

    Each node's default series unless the filters name series, kinds or subtypes.
    """
    cursor = await conn.execute(query("filters", "series"), series_params(filters))
    return {series: Head(*head) for (series, *head) in await cursor.fetchall()}


def series_params(filters: Filters) -> dict[str, object]:
    """The parameters of ``sql/queries/filters/series.sql`` for ``filters``."""
    return {
        "node_ids": filters.node_ids,
        "region_ids": filters.region_ids,
        "grid_ids": filters.grid_ids,
        "series_ids": filters.series_ids,
        "kinds": filters.kinds,
        "subtypes": filters.subtypes,
        "default_only": filters.default_series,
    }


async def select_series(conn: AsyncConnection, filters: Filters) -> list[int]:
    """Ids of the series the filters select, ascending (each node's default one by default)."""
    return list(await select_heads(conn, filters))
