"""The refresher: drains ``rollup_refresh_queue`` whenever a write says it queued something.

One loop serves both deployments: a thread inside ``gridts serve`` (when the service connects
as the aggregates' owner, ``GRIDTS_REFRESH_IN_PROCESS=true``) and the ``gridts refresher``
command beside a service that connects as ``gridts_api``. It listens on the queue's channel,
drains at start (windows an earlier process left), on every notification and every
``poll_seconds`` (a notification sent while it was disconnected is lost), and reconnects by
itself when the database goes away.

It is synchronous on a connection of its own: refreshes are long procedure calls that gain
nothing from the event loop, and a thread keeps them off it. Only one session drains at a time
(a session advisory lock); windows that overlap or touch are merged, so a burst of writes to one
day costs one refresh. Queue rows are deleted only after their refresh: a crash loses nothing.
Windows are clipped to the retention boundary (``refresh_all`` does it): a window whose raw data
the policy dropped is dequeued without erasing the rollups' history there.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from gridts.db.queries import query
from gridts.refresh.queue import CHANNEL
from gridts.refresh.views import Recomputed, refresh_all

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

log = logging.getLogger(__name__)

_LOCK = 0x67726964  # "grid": the advisory lock key of the drainer
_BATCH = 1000
#: How long one wait for a notification lasts: the bound on noticing ``stop()``.
_WAIT_SLICE = 0.5
_RECONNECT_PAUSE = 1.0


def merge(windows: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Union of ``[start, end)`` windows as disjoint windows, in order."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def drain(
    conn: psycopg.Connection,
    connect: Callable[[], psycopg.Connection] | None = None,
    recomputed: Recomputed | None = None,
) -> int:
    """Refresh every queued window on autocommit ``conn``; return how many entries it took.

    Returns 0 at once when another session is draining. ``connect`` lets long windows (a
    migration queues every stored day) be refreshed in pieces side by side (``refresh_all``);
    ``recomputed``, the chunks earlier drains recomputed whole.
    """
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (_LOCK,)).fetchone()
    if not row or not row[0]:
        return 0
    done = 0
    try:
        while queued := conn.execute(query("refresh", "queued"), {"limit": _BATCH}).fetchall():
            for start, end in merge([(s, e) for _, s, e in queued]):
                refresh_all(conn, start, end, connect=connect, recomputed=recomputed)
            conn.execute(query("refresh", "dequeue"), {"ids": [i for i, _, _ in queued]})
            done += len(queued)
        return done
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK,))


class Refresher:
    """Drains the queue of ``url`` until ``stop()``: ``run()`` in the caller, or ``start()``."""

    def __init__(self, url: str, poll_seconds: float) -> None:
        self._url = url
        self._poll = poll_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._recomputed = Recomputed()

    def start(self) -> None:
        """Run in a background thread (the service's lifespan does this)."""
        self._thread = threading.Thread(target=self.run, name="gridts-refresher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        """Ask the loop to end after its current refresh; queued windows stay queued."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        """Drain now, then on every notification or poll, until ``stop()``; reconnect on loss."""
        while not self._stopping.is_set():
            try:
                with psycopg.connect(
                    self._url, autocommit=True, application_name="gridts-refresher"
                ) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
                    log.info("refresher listening on %s", CHANNEL)
                    self._serve(conn)
            except (psycopg.Error, OSError) as error:
                # The database is away: the queue is durable, try again after a pause.
                log.warning("refresher lost the database (%s); reconnecting", type(error).__name__)
                self._stopping.wait(_RECONNECT_PAUSE)
            except Exception:
                log.exception("rollup refresh failed; will retry")
                self._stopping.wait(_RECONNECT_PAUSE)

    def _serve(self, conn: psycopg.Connection) -> None:
        due = 0.0  # drain at once: an earlier process may have left windows
        woken = False
        while not self._stopping.is_set():
            if woken or time.monotonic() >= due:
                if refreshed := drain(conn, recomputed=self._recomputed):
                    log.info("refreshed rollups for %d queued write window(s)", refreshed)
                due = time.monotonic() + self._poll
            # Several notifications arriving together are drained by one pass.
            woken = any(True for _ in conn.notifies(timeout=_WAIT_SLICE, stop_after=1))
