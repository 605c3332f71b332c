"""One big read over several connections: each reads part of the series, in one shared snapshot.

Why: PostgreSQL runs a statement on one core, and a big measures read is mostly PostgreSQL's
work (each series' ``DISTINCT ON`` sort). Two connections reading alternate blocks of the series
took 0.38-0.62 s each for the latest values of 1,000 nodes over 30 days, at the same time, where
one took 0.84-1.21 s for all (2 cores; ``bench/README.md``, "Big reads over two connections").
PostgreSQL's own parallel query did not help: it parallelised the scan of ``series`` only.

The parts must answer as one statement would:

- **One snapshot.** Each connection's transaction is ``REPEATABLE READ``, the first exports its
  snapshot and the others import it (``SET TRANSACTION SNAPSHOT``), so a write committed while
  the parts start is in all of them or in none. Where the snapshot cannot be shared, the read
  runs on its first connection alone.
- **One order.** Blocks of series go to the connections in turn, so each server runs ahead of
  the worker by about its socket's buffer while the worker reads the other; ``merged`` takes the
  rows back in the answer's order. No part is held whole in memory.
- **One end.** Closing the read (the answer sent, or its client gone) cancels every part and
  ends every transaction; the lease gives the connections back after (``gridts.db.lease``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from contextlib import suppress
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from psycopg import sql

from gridts.db.chunked import ChunkedCursor
from gridts.observability import SPLIT_READS

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence

    from psycopg import AsyncConnection
    from psycopg.abc import Query

log = logging.getLogger(__name__)

Row = TypeVar("Row")

_BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"


def parts(keys: Sequence[int], count: int, block: int) -> list[list[int]]:
    """``keys`` cut into blocks of ``block``, dealt to ``count`` parts in turn (none empty)."""
    dealt: list[list[int]] = [[] for _ in range(count)]
    for start in range(0, len(keys), block):
        dealt[start // block % count].extend(keys[start : start + block])
    return [part for part in dealt if part]


async def split_chunks(
    conns: Sequence[AsyncConnection],
    query: Query,
    params: Sequence[Mapping[str, Any]],
    whole: Mapping[str, Any],
    *,
    key: Callable[[Any], int],
    size: int,
) -> AsyncGenerator[list[Any]]:
    """The rows of ``query`` run with ``params[i]`` on ``conns[i]``, in ``key``'s order.

    Each part's rows must come in ``key``'s order. As ``ChunkedCursor.chunks``: lists of at
    most ``size`` rows. With one connection, or if the connections cannot share a snapshot,
    ``query`` runs with ``whole`` on the first connection alone.
    """
    streams: list[AsyncGenerator[list[Any]]] = []
    try:
        shared = len(conns) > 1 and await _share_snapshot(conns)
        SPLIT_READS.labels(connections=str(len(conns) if shared else 1)).inc()
        if not shared:
            streams = [ChunkedCursor(conns[0]).chunks(query, whole, size=size)]
            async for rows in streams[0]:
                yield rows
            return
        streams = [
            ChunkedCursor(conn).chunks(query, part, size=size)
            for conn, part in zip(conns, params, strict=True)
        ]
        async for rows in merged(streams, key=key, size=size):
            yield rows
    finally:
        for stream in streams:
            await stream.aclose()  # aclose: cancels a part whose rows are still coming
        for conn in conns:
            with suppress(psycopg.Error):  # a broken connection: the pool discards it
                await conn.rollback()


async def _share_snapshot(conns: Sequence[AsyncConnection]) -> bool:
    """Begin a read-only transaction on each connection, all in the first one's snapshot."""
    first, *others = conns
    try:
        await first.execute(_BEGIN)
        row = await (await first.execute("SELECT pg_export_snapshot()")).fetchone()
        assert row is not None  # noqa: S101 - a function call's one row
        for conn in others:
            await conn.execute(_BEGIN)
            await conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(row[0]))
    except psycopg.Error as error:
        log.warning("a big read runs on one connection: its snapshot was not shared: %s", error)
        for conn in conns:
            with suppress(psycopg.Error):
                await conn.rollback()
        return False
    return True


async def merged(
    streams: Sequence[AsyncIterator[list[Row]]], *, key: Callable[[Row], int], size: int
) -> AsyncIterator[list[Row]]:
    """The rows of ``streams``, each in ``key``'s order, as one stream in that order.

    Every stream's query is sent at once (its first chunk asked for together), so the servers
    work side by side from the start.
    """
    asked = [anext(stream, None) for stream in streams]
    firsts = await asyncio.gather(*asked, return_exceptions=True)
    held: list[deque[Row]] = []
    for first in firsts:
        if isinstance(first, BaseException):
            raise first  # once every part's first chunk came: none is still being read
        held.append(deque(first or ()))
    open_ = [first is not None for first in firsts]
    out: list[Row] = []
    while True:
        for i, rows in enumerate(held):
            while not rows and open_[i]:
                more = await anext(streams[i], None)
                open_[i] = more is not None
                rows.extend(more or ())
        heads = [i for i, rows in enumerate(held) if rows]
        if not heads:
            break
        out.append(held[min(heads, key=lambda i: key(held[i][0]))].popleft())
        if len(out) == size:
            yield out
            out = []
    if out:
        yield out
