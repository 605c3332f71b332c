"""Refreshing the rollups after writes below their watermark, in the background.

Above a continuous aggregate's watermark, real-time aggregation answers from raw rows, so a write
there shows in the rollups at once. Below it (a late revision of a materialised day), the rollup
changes only when that range is refreshed, and the refresh policies look back 35 days only. So
ingest queues the batch's days in ``rollup_refresh_queue`` in its own transaction, and this task
refreshes them soon after the commit: woken by the write, or by its poll when another worker
process queued the work. Queue rows are deleted only after their refresh, so a crash loses
nothing: the next start drains what is left.

Only one process drains at a time (a session advisory lock); windows that overlap or touch are
merged so a burst of writes to one day costs one refresh.

TimescaleDB lets only an aggregate's owner refresh it, and not from inside any function. So the
service drains in-process when it connects as the owner (``GRIDTS_REFRESH_IN_PROCESS=true``, the
default), and otherwise a ``gridts refresher`` process runs as the owner (``follow``), woken by
the ``NOTIFY`` each queuing write sends on commit, while the service runs as ``gridts_api``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import psycopg

from gridts.db.queries import query
from gridts.db.rollups import refresh_all_async

if TYPE_CHECKING:
    from datetime import datetime

    from psycopg import AsyncConnection
    from psycopg_pool import AsyncConnectionPool

log = logging.getLogger(__name__)

_LOCK = 0x67726964  # "grid": the advisory lock key of the drainer
CHANNEL = "gridts_rollups"
_BATCH = 1000


def merge(windows: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Union of ``[start, end)`` windows as disjoint windows, in order."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


async def drain(conn: AsyncConnection) -> int:
    """Refresh every queued window on autocommit ``conn``; return how many entries it took.

    Returns 0 at once when another session is draining.
    """
    cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (_LOCK,))
    row = await cursor.fetchone()
    if not row or not row[0]:
        return 0
    done = 0
    try:
        while True:
            cursor = await conn.execute(query("ingest", "queued"), {"limit": _BATCH})
            queued = await cursor.fetchall()
            if not queued:
                return done
            for start, end in merge([(s, e) for _, s, e in queued]):
                await refresh_all_async(conn, start, end)
            await conn.execute(query("ingest", "dequeue"), {"ids": [i for i, _, _ in queued]})
            done += len(queued)
    finally:
        await conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK,))


class Refresher:
    """The background task: ``notify()`` after a commit that queued work."""

    def __init__(self, pool: AsyncConnectionPool, poll_seconds: float) -> None:
        self._pool = pool
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def notify(self) -> None:
        """Drain soon: a write just queued a window."""
        self._wake.set()

    def start(self) -> None:
        """Start draining in the background (and drain what an earlier run left)."""
        self._task = asyncio.create_task(self._run(), name="gridts-rollup-refresher")
        self._wake.set()

    async def stop(self) -> None:
        """Stop the task after its current refresh; queued windows stay queued for next time.

        It is asked to stop (a flag and a wake-up) rather than cancelled: a cancellation can be
        lost in the ASGI server's task machinery, and shutdown must not hang on it.
        """
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        done, _ = await asyncio.wait({self._task}, timeout=self._poll + 10)
        if not done:
            self._task.cancel()

    async def _run(self) -> None:
        while not self._stopping:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as the event is set, and stop() would then wait forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            try:
                async with self._pool.connection() as conn:
                    if refreshed := await drain(conn):
                        log.info("refreshed rollups for %d queued write window(s)", refreshed)
            except (psycopg.Error, OSError) as error:
                # The database is away: the queue is durable, try again at the next poll.
                log.warning("rollup refresh failed (%s); will retry", type(error).__name__)
            except Exception:
                log.exception("rollup refresh failed; will retry")


async def follow(url: str, poll_seconds: float, stop: asyncio.Event | None = None) -> None:
    """Drain now, then whenever a write notifies (or every ``poll_seconds``), until ``stop``.

    Reconnects by itself when the database goes away.
    """
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                log.info("refresher listening on %s", CHANNEL)
                while not stop.is_set():
                    if refreshed := await drain(conn):
                        log.info("refreshed rollups for %d queued write window(s)", refreshed)
                    # Wait for a notification (or the poll); several are drained together.
                    async for _ in conn.notifies(timeout=poll_seconds, stop_after=1):
                        pass
        except (psycopg.Error, OSError) as error:
            log.warning("refresher lost the database (%s); reconnecting", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await stop.wait()
