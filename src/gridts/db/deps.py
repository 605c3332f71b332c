"""The request-scoped connection: borrowed from a pool, returned when the request ends.

Connections are in autocommit mode; services open ``conn.transaction()`` around what must be
atomic, so a handler never commits by hand and a failure rolls back by leaving the block.

Which server: a ``GET`` under ``/api/v1`` is a read (every resource's reads are ``GET`` and its
writes are not), and with replicas configured (``GRIDTS_READ_DATABASE_URLS``) it borrows from a
healthy replica (``gridts.db.replicas``), honouring ``min_lsn``; everything else borrows from the
primary. The route modules know nothing of it.

A read that a replica cannot finish (a replay conflict, SQLSTATE 40001, or a lost connection) is
not answered from there: the dependency marks the request, ``ReplicaRetryMiddleware`` drops the
error answer before it is sent and runs the request again, and this time the dependency avoids
that replica (the primary is the last resort, and its errors are answered as usual).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated, Any

import psycopg
from litestar import Request
from litestar.datastructures import State
from litestar.enums import ScopeType
from litestar.params import QueryParameter
from litestar.utils.scope.state import ScopeState
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from gridts.db.lease import Lease
from gridts.db.replicas import LSN_PATTERN, Replica, Replicas, lost, parse_lsn, retryable
from gridts.observability import REPLICA_RETRIES

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIX = "/api/v1/"
#: Keys of the request's scope state: replicas a read must avoid, "run it again", and the
#: leases of the request's connections.
_AVOID = "gridts_replicas_avoid"
_RETRY = "gridts_replicas_retry"
_LEASES = "gridts_leases"

MinLsn = Annotated[
    str | None,
    QueryParameter(
        name="min_lsn",
        pattern=LSN_PATTERN,
        description=(
            "Read your writes: the `lsn` of a write's answer. The read is served by a server "
            "that has replayed at least that far (a replica, waiting up to GRIDTS_READ_WAIT, "
            "else the primary), so it sees that write. Writes ignore it."
        ),
    ),
]


def is_read(method: str, path: str) -> bool:
    """Whether a request may be served by a replica."""
    return method == "GET" and path.startswith(API_PREFIX)


async def provide_connection(
    state: State, request: Request[Any, Any, Any], min_lsn: MinLsn = None
) -> AsyncIterator[AsyncConnection]:
    """Lend a pooled connection for one request (a replica's for a read).

    It goes back when the request ends, unless a streamed answer took its lease over
    (``gridts.db.lease``): then the response gives it back after the last byte.

    Its only dependencies are the request's own (no ``Provide``): Litestar resolves the
    dependencies of one level side by side and cancels the others when one fails (a 400), and
    a checkout cancelled during the pool's connection check closes that connection. With
    ``settings`` as a dependency, schemathesis' bad requests closed connections faster than the
    pool reopened them, and requests beside them got 503s. ``read_connections`` comes from the
    app's state instead. A checkout that finished before a dependency beside it failed is given
    back by ``LeaseGuardMiddleware``: Litestar would leave it to the garbage collector.
    """
    replicas: Replicas | None = state.get("replicas")
    give_back = contextlib.AsyncExitStack()
    replica: Replica | None = None
    avoid: set[int] = set()
    scope_state = request.scope.setdefault("state", {})
    if replicas is None or not is_read(request.method, request.scope["path"]):
        pool: AsyncConnectionPool = state.pool
        conn = await give_back.enter_async_context(pool.connection())
    else:
        avoid = scope_state.setdefault(_AVOID, set())
        position = parse_lsn(min_lsn) if min_lsn is not None else None
        borrowed = replicas.borrow(position, avoid)
        conn, replica, pool = await give_back.enter_async_context(borrowed)
    lease = Lease(conn, give_back, pool, connections=state.get("read_connections", 1))
    scope_state.setdefault(_LEASES, []).append(lease)  # for LeaseGuardMiddleware
    try:
        yield conn
    except BaseException as error:
        if (
            replicas is not None
            and replica is not None
            and isinstance(error, psycopg.OperationalError)
            and retryable(error, conn)
        ):
            if lost(error, conn):
                replicas.failed(replica, error)
            avoid.add(replica.index)
            scope_state[_RETRY] = True
        if not lease.detached:
            await lease.end(error)
        raise
    if not lease.detached:
        await lease.end()


class LeaseGuardMiddleware:
    """Give back every connection a request borrowed once it is answered, if nothing else did.

    Litestar resolves a handler's dependencies in batches, those of a batch side by side, and
    cleans up the generators among them only once all resolved (2.25). When one fails (a 400
    for a parameter), a connection this module had already lent stays out of the pool until the
    garbage collector finalises its generator: a burst of bad requests emptied the pool, and
    good requests got 503s (``tests/api/test_db_pool.py``; schemathesis found it). Ending a
    lease twice is harmless, so this ends every lease of the request once the app returns: a
    streamed answer's has ended with its last byte by then.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            for lease in scope.get("state", {}).pop(_LEASES, ()):
                await lease.end()


class ReplicaRetryMiddleware:
    """Run a read again when its replica failed it (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != ScopeType.HTTP or not is_read(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def unless_retried(message: Message) -> None:
            if not state.get(_RETRY):
                await send(message)

        while True:
            state[_RETRY] = False
            await self.app(scope, receive, unless_retried)
            if not state[_RETRY]:
                return
            REPLICA_RETRIES.inc()
            ScopeState.from_scope(scope).response_started = False
