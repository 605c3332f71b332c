"""The connection pool: opened by the app's lifespan, closed with it.

Each connection gets the statement timeout from the settings and keeps synchronous commit on, so
a 2xx for a write means the rows are durable. Sessions run in UTC, so timestamps read back are
UTC datetimes whatever the server's TimeZone, and answers show them with ``Z``.

TimescaleDB's SkipScan is off in these sessions. In 2.28 it can return the wrong row of a
``DISTINCT ON (a) ORDER BY a, b DESC`` over an uncompressed chunk without statistics: it skipped
forward along the primary key and kept each target's oldest revision (timescale/timescaledb#10447,
fixed for 2.29). That is the shape of every latest read (``sql/queries/measures/latest.sql``), and
no gridts query gains from SkipScan: a target has a handful of revisions, not thousands.

A lost connection is retried for ``GRIDTS_POOL_RECONNECT_TIMEOUT`` (2 s), not psycopg's default
5 minutes, whose doubling backoff could keep the service away for about as long again as the
database had been (the setting's docstring has the figures).

A connection is checked as it leaves the pool without a round trip (``check_alive``).
"""

from __future__ import annotations

import select
from typing import TYPE_CHECKING

from psycopg import OperationalError
from psycopg.pq import ConnStatus
from psycopg_pool import AsyncConnectionPool

if TYPE_CHECKING:
    from psycopg import AsyncConnection

    from gridts.settings import Settings


def create_pool(
    url: str, settings: Settings, *, application_name: str = "gridts", name: str = "primary"
) -> AsyncConnectionPool:
    """Return a pool for ``url``, not yet opened (the lifespan opens it)."""
    timeout_ms = int(settings.statement_timeout.total_seconds() * 1000)

    async def configure(conn: AsyncConnection) -> None:
        await conn.set_autocommit(True)

    return AsyncConnectionPool(
        url,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        open=False,
        name=name,
        timeout=settings.pool_timeout.total_seconds(),
        reconnect_timeout=settings.pool_reconnect_timeout.total_seconds(),
        configure=configure,
        check=check_alive,
        kwargs={
            "options": (
                f"-c statement_timeout={timeout_ms} -c synchronous_commit=on -c TimeZone=UTC "
                "-c timescaledb.enable_skipscan=off"
            ),
            "application_name": application_name,
        },
    )


async def check_alive(conn: AsyncConnection) -> None:
    """Refuse a pooled connection the server has ended; without a round trip to it.

    psycopg_pool's ``check_connection`` sends an empty query, so every request waited for the
    server twice: 0.11 ms of a 2.3 ms small read, and one more wake-up of a backend where
    the tail is two busy cores (``bench/README.md``, "A small read's worker overhead").
    An idle connection that the server ended (a restart, ``pg_terminate_backend``, a timeout)
    has something to read: the server's last message, then the end of the stream. So only a
    connection with something to read gets ``check_connection``'s round trip, which refuses it
    (the pool drops it and hands out another). One with nothing to read is used as it is: if it
    is broken anyway (a network gone silent), its query fails as the check's would have, and
    the request gets the usual 503.
    """
    if conn.closed or conn.pgconn.status != ConnStatus.OK:
        raise OperationalError("the connection is closed")
    readable, _, _ = select.select([conn.pgconn.socket], [], [], 0)
    if readable:
        await AsyncConnectionPool.check_connection(conn)
