"""The request-scoped connection: borrowed from the pool, returned when the response is sent.

Connections are in autocommit mode; services open ``conn.transaction()`` around what must be
atomic, so a handler never commits by hand and a failure rolls back by leaving the block.
"""

from __future__ import annotations

from collections.abc import AsyncIterator  # noqa: TC003 - Litestar reads the hints at runtime

from litestar.datastructures import State  # noqa: TC002
from psycopg import AsyncConnection  # noqa: TC002
from psycopg_pool import AsyncConnectionPool  # noqa: TC002


async def provide_connection(state: State) -> AsyncIterator[AsyncConnection]:
    """Lend a pooled connection for the duration of one request."""
    pool: AsyncConnectionPool = state.pool
    async with pool.connection() as conn:
        yield conn
