"""The request-scoped connection: borrowed from the pool, returned when the response is sent.

Connections are in autocommit mode; services open ``conn.transaction()`` around what must be
atomic, so a handler never commits by hand and a failure rolls back by leaving the block.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar.datastructures import State
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool


async def provide_connection(state: State) -> AsyncIterator[AsyncConnection]:
    """Lend a pooled connection for the duration of one request."""
    pool: AsyncConnectionPool = state.pool
    async with pool.connection() as conn:
        yield conn
