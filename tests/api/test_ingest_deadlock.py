"""Two batches that write the same new keys in opposite orders (``gridts.ingest.store``).

Each can hold a key the other waits for: PostgreSQL finds the deadlock and rolls one of them
back. Ingest sends that one again, and both are acknowledged with every row stored once: the
client sees two successes, not a 503 for a database that was never down.

The deadlock is made, not hoped for: a third transaction holds key A, so batch 1 (C, A, D)
takes C and waits on A, and batch 2 (D, C) takes D and waits on C. When the third rolls back,
batch 1 takes A and waits on D: a cycle.

A batch rolled back every time it is sent is a 503 that says so, not "the database is
unavailable".
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import psycopg

from gridts.ingest import store as store_module
from gridts.ingest.store import store
from support.db import make_hierarchy, reset_database
from support.wire import AUTH, measure

if TYPE_CHECKING:
    import pytest
    from litestar import Litestar
    from litestar.testing import TestClient

T0 = datetime(2031, 5, 4, tzinfo=UTC)
COLLECTED = T0 - timedelta(days=1)
# Each session looks for a deadlock after 50 ms of waiting, not the default second.
OPTIONS = "-c deadlock_timeout=50ms"


async def _blocked(watch: psycopg.AsyncConnection, pid: int) -> None:
    """Return once backend ``pid`` waits on a lock (a row another transaction holds)."""
    for _ in range(500):
        cursor = await watch.execute(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)
        )
        found = await cursor.fetchone()
        if found is not None and found[0] == "Lock":
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited on a lock")


def _deadlocks(conn: psycopg.Connection) -> int:
    """Deadlocks PostgreSQL has found in this database (as its statistics have them yet)."""
    conn.execute("SELECT pg_stat_clear_snapshot()")
    found = conn.execute(
        "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
    ).fetchone()
    assert found is not None
    return int(found[0])


def _deadlock_counted(conn: psycopg.Connection, before: int) -> bool:
    """Whether a deadlock was found since ``before``: a backend reports it when it flushes its
    statistics, at the latest when it exits."""
    for _ in range(100):
        if _deadlocks(conn) > before:
            return True
        time.sleep(0.05)
    return False


def test_batches_deadlocked_on_the_same_new_keys_are_both_acknowledged(
    db: str, conn: psycopg.Connection
) -> None:
    reset_database(conn)
    node = make_hierarchy(conn, {"G": {"R": ["N"]}}).nodes[0]
    found = conn.execute("SELECT id FROM series WHERE node_id = %s", (node,)).fetchone()
    assert found is not None
    series = found[0]
    a, c, d = ((series, T0 + timedelta(hours=h), COLLECTED, 1.5 + h, 0) for h in (0, 1, 2))
    # The chunk exists before: else the batches would wait on its creation, not on the keys.
    conn.execute(
        "INSERT INTO measures (series_id, timestamp_measured, timestamp_collected, value)"
        " VALUES (%s, %s, %s, 0)",
        (series, T0 - timedelta(hours=1), COLLECTED),
    )
    conn.execute("DELETE FROM measures")
    deadlocks_before = _deadlocks(conn)

    async def run() -> list[tuple[int, int]]:
        async with (
            await psycopg.AsyncConnection.connect(db, autocommit=True) as watch,
            await psycopg.AsyncConnection.connect(db) as holder,
            await psycopg.AsyncConnection.connect(db, autocommit=True, options=OPTIONS) as one,
            await psycopg.AsyncConnection.connect(db, autocommit=True, options=OPTIONS) as two,
        ):
            await holder.execute(
                "INSERT INTO measures (series_id, timestamp_measured, timestamp_collected, value)"
                " VALUES (%s, %s, %s, 1500)",
                a[:3],
            )
            first = asyncio.create_task(store(one, [c, a, d]))
            await _blocked(watch, one.info.backend_pid)
            second = asyncio.create_task(store(two, [d, c]))
            await _blocked(watch, two.info.backend_pid)
            await holder.rollback()
            results = await asyncio.gather(first, second)
        return [(r.inserted, r.duplicates) for r in results]

    results = asyncio.run(run())
    assert _deadlock_counted(conn, deadlocks_before)  # PostgreSQL did roll one batch back
    # One batch stored its rows; the one sent again found them stored (and batch 1 stores A).
    assert results in ([(3, 0), (0, 2)], [(1, 2), (2, 0)])
    stored = conn.execute(
        "SELECT timestamp_measured, value FROM measures ORDER BY timestamp_measured"
    ).fetchall()
    assert stored == [(T0, 1500), (T0 + timedelta(hours=1), 2500), (T0 + timedelta(hours=2), 3500)]


def test_a_batch_rolled_back_every_time_is_a_503_saying_so(
    conn: psycopg.Connection, client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``WRITE_ATTEMPTS`` rollbacks the client is told to send the batch again, with
    ``Retry-After``, not that the database is down (the rollbacks are injected here: PostgreSQL
    cannot be made to deadlock a batch three times in a row on purpose)."""
    reset_database(conn)
    node = make_hierarchy(conn, {"G": {"R": ["N"]}}).nodes[0]
    attempts = []

    async def rolled_back(*_: object) -> None:
        attempts.append(1)
        raise psycopg.errors.DeadlockDetected("deadlock detected")

    monkeypatch.setattr(store_module, "_attempt", rolled_back)
    response = client.post(
        "/api/v1/measures", json=[measure(node, T0, COLLECTED, 1.5)], headers=AUTH
    )
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"]
    assert "rolled this request back" in response.json()["detail"]
    assert "send it again" in response.json()["detail"]
    assert len(attempts) == store_module.WRITE_ATTEMPTS
    assert conn.execute("SELECT count(*) FROM measures").fetchone() == (0,)
