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
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from contextlib import AsyncExitStack

    from psycopg import AsyncConnection

T = TypeVar("T")

_LEASES: weakref.WeakKeyDictionary[AsyncConnection, Lease] = weakref.WeakKeyDictionary()


class Lease:
    """One borrowed connection: how it goes back to its pool, and who ends it."""

    def __init__(self, conn: AsyncConnection, give_back: AsyncExitStack) -> None:
        self.conn = conn
        self._give_back = give_back
        self._reading: list[AsyncIterator[object]] = []
        self.detached = False
        self._ended = False
        _LEASES[conn] = self

    def reading(self, result: AsyncIterator[object]) -> None:
        """Note a result still being read from the connection (closed before it goes back)."""
        self._reading.append(result)

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
