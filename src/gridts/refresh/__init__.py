"""Keeping the continuous aggregates (the rollups) up to date: the one home of every refresh.

Where a refresh happens:

- **New data** (targets above an aggregate's watermark) needs none: the aggregates are real-time
  and read raw rows above their watermark.
- **A change below the watermark** (a late revision, a node deleted with its measures): the
  writer calls ``changed(conn, first, last, targets)`` in its own transaction. That queues the
  days in ``rollup_refresh_queue`` (in runs: a long materialised gap between written days is
  left out) and sends a ``NOTIFY`` that is delivered on commit (``queue``).
- **Draining the queue**: a ``Refresher`` (``worker``) listens on the channel, refreshes the queued
  windows and only then deletes them, so a crash loses nothing. It runs inside ``gridts serve``
  when the service connects as the aggregates' owner, or as ``gridts refresher`` beside a service
  that connects as ``gridts_api`` (TimescaleDB lets only the owner refresh).
- **Everything at once**: ``refresh_all`` (``views``), used by ``gridts refresh``, ``gridts
  seed`` and ``gridts migrate``, in pieces side by side given ``connector(url)``; the refresh
  policies (hourly, last 35 days) are the safety net.

No refresh reaches before the retention boundary, where raw data may be gone (``gridts.retention``).
"""

from gridts.refresh.queue import changed
from gridts.refresh.views import ROLLUPS, connector, day_window, refresh_all
from gridts.refresh.worker import Refresher

__all__ = ["ROLLUPS", "Refresher", "changed", "connector", "day_window", "refresh_all"]
