"""What pauses a worker, in ``/metrics``: garbage collections and event-loop stalls.

A slow request in the tail is slow either in PostgreSQL or in the worker. For the worker's part
two histograms tell the usual suspects apart:

- ``gridts_gc_pause_seconds{generation}``: each of CPython's collections, timed from the
  interpreter's own ``gc.callbacks`` (its start and stop phases);
- ``gridts_event_loop_lag_seconds``: how late a task that sleeps ``LAG_TICK`` wakes up: a
  handler or a library holding the loop without awaiting delays every request meanwhile.

``bench/phases/tail.py`` reads both around its timed reads. The cost is a callback per
collection and a wake-up every ``LAG_TICK``.

``freeze_startup`` removes one pause at its source: a full collection walks every tracked object,
and a started worker holds about 150,000 of them (Litestar's routes and schemas, the libraries'
modules), none of them garbage. Walking them took 80-100 ms on the bench machine: a stall of every
request the worker held, each time allocation-heavy work (large ingest batches) triggered a full
collection (``bench/README.md``, "A full collection's stall").
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

from prometheus_client import Histogram

#: Seconds between the lag probe's wake-ups.
LAG_TICK = 0.05
_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

GC_PAUSES = Histogram(
    "gridts_gc_pause_seconds",
    "CPython garbage collections, by generation.",
    labelnames=["generation"],
    buckets=_BUCKETS,
)
LOOP_LAG = Histogram(
    "gridts_event_loop_lag_seconds",
    f"How late the event loop woke a task sleeping {LAG_TICK} s.",
    buckets=_BUCKETS,
)
_started: list[float] = []


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started.append(time.perf_counter())
    elif _started:
        GC_PAUSES.labels(generation=str(info.get("generation", "?"))).observe(
            time.perf_counter() - _started.pop()
        )


def freeze_startup() -> None:
    """Keep every object alive now out of later collections (garbage is collected first).

    Full collections then walk only what the worker allocated after startup.
    """
    gc.collect()
    gc.freeze()


def watch_gc() -> None:
    """Time every collection of this process (once, however often called)."""
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)


async def probe_loop_lag() -> None:
    """Measure the loop's lateness until cancelled (a task of the app's lifespan)."""
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(LAG_TICK)
        LOOP_LAG.observe(max(0.0, loop.time() - before - LAG_TICK))
