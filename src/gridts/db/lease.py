"""A request's pooled connection, and the hand-over that lets a streamed answer keep it.

Litestar ends a request's dependencies (``provide_connection``) once the response object is
built and before its body is sent. A big answer is read from PostgreSQL while it is sent
(``gridts.reads.rows.fetch_rows`` with ``stream=True``), so the connection it reads from must
outlive the handler: the response takes the lease over (``detach``) and ends it when the last
byte has gone or the client has left (``gridts.formats.response``). A lease that is not taken
over ends with the request as before, closing any result still being read first.

The lease is found from the connection (``lease_of``) so that services keep taking a plain
``AsyncConnection``; outside a request (scripts, tests calling a service) there is none and
reads are fetched whole.

A lease may also lend more connections of its pool for the same answer (``helpers``): a big read
then reads parts of its series on other server cores (``gridts.db.split``). They go back with
the lease, first.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import psycopg
from psycopg_pool import PoolTimeout

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from contextlib import AsyncExitStack

    from psycopg import AsyncConnection
    from psycopg_pool import AsyncConnectionPool

T = TypeVar("T")

#: Longest a read waits for a connection the pool said was idle (another request may take it).
_HELPER_WAIT = 0.01

_LEASES: weakref.WeakKeyDictionary[AsyncConnection, Lease] = weakref.WeakKeyDictionary()


class Lease:
    """One borrowed connection: how it goes back to its pool, and who ends it."""

    def __init__(
        self,
        conn: AsyncConnection,
        give_back: AsyncExitStack,
        pool: AsyncConnectionPool | None = None,
        *,
        connections: int = 1,
    ) -> None:
        self.conn = conn
        self._give_back = give_back
        self._pool = pool
        self._spare = connections - 1 if pool is not None else 0
        self._reading: list[AsyncIterator[object]] = []
        self.detached = False
        self._ended = False
        _LEASES[conn] = self

    def reading(self, result: AsyncIterator[object]) -> None:
        """Note a result still being read from the connection (closed before it goes back)."""
        self._reading.append(result)

    async def helpers(self) -> list[AsyncConnection]:
        """More connections of the lease's pool, up to its ``connections`` in all: only idle ones.

        A read that can use them never waits for them, nor takes one while other requests wait
        for a connection: it gets fewer, or none, and reads on its own connection as before.
        They go back to the pool when the lease ends.
        """
        pool = self._pool
        got: list[AsyncConnection] = []
        while pool is not None and len(got) < self._spare:
            stats = pool.get_stats()
            if stats.get("pool_available", 0) < 1 or stats.get("requests_waiting", 0):
                break
            try:
                conn = await pool.getconn(timeout=_HELPER_WAIT)
            except (PoolTimeout, psycopg.OperationalError):
                break
            self._give_back.push_async_callback(pool.putconn, conn)
            got.append(conn)
        self._spare -= len(got)
        return got

    def detach(self) -> Lease:
        """Take the lease over from the request: the caller must ``end`` it."""
        self.detached = True
        return self

    async def end(self, error: BaseException | None = None) -> None:
        """Close what is still being read and give the connection back (once; shielded).

        Shielded from cancellation: it runs when a client leaves mid-answer, inside a cancelled
        scope, and a connection that never went back would be lost to the pool.
        """
        if self._ended:
            return
        self._ended = True
        _LEASES.pop(self.conn, None)
        with anyio.CancelScope(shield=True):
            for result in self._reading:
                if isinstance(result, AsyncGenerator):
                    await result.aclose()  # cancels the query if rows are still coming
            if error is None:
                await self._give_back.aclose()
            else:
                await self._give_back.__aexit__(type(error), error, error.__traceback__)


def lease_of(conn: AsyncConnection) -> Lease | None:
    """The request lease ``conn`` is lent under, if any."""
    return _LEASES.get(conn)


class Streamed:
    """An answer's first rows whose rest is still to be read.

    The response reads the ``rest`` while it sends the answer, and ends the ``lease`` after.
    """

    rest: AsyncIterator[Any]
    lease: Lease


class StreamedRows(list[T], Streamed):
    """The first chunk of a streamed answer, and the rest still to be read from the database.

    A list, so a page holding it is an ordinary page until its response finds the rest.
    """

    def __init__(self, first: list[T], rest: AsyncIterator[list[T]], lease: Lease) -> None:
        super().__init__(first)
        self.rest = rest
        self.lease = lease
