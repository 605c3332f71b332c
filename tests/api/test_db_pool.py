"""The connections of the service's pool (``gridts.db.pool``): a 2xx for a write means committed
durably (``synchronous_commit`` and ``fsync`` on), and the statement timeout is set."""

from __future__ import annotations

import gc
import time
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg_pool import AsyncConnectionPool

if TYPE_CHECKING:
    import pytest
    from litestar import Litestar
    from litestar.testing import TestClient


def test_the_database_settings_keep_commits_durable(client: TestClient[Litestar]) -> None:
    pool = client.app.state.pool

    async def settings_of_a_pooled_connection() -> tuple[Any, ...]:
        async with pool.connection() as conn:
            cursor = await conn.execute(
                "SELECT current_setting('synchronous_commit'), current_setting('fsync'), "
                "current_setting('statement_timeout')"
            )
            row = await cursor.fetchone()
            assert row is not None
            return tuple(row)

    with client.portal() as portal:
        durable = portal.call(settings_of_a_pooled_connection)
    assert durable[:2] == ("on", "on")
    assert durable[2] == "30s"


def test_requests_refused_for_their_parameters_close_no_pooled_connection_nor_keep_one(
    client: TestClient[Litestar],
) -> None:
    """A 400 for a parameter must neither close a pooled connection nor keep one out of the pool.

    Litestar resolves a level of dependencies side by side and cancels the rest when one fails.
    A checkout cancelled during the pool's check closed that connection; one that had finished
    stayed lent until the garbage collector ended its dependency, since Litestar cleans up a
    request's dependencies only once they all resolved. Schemathesis' bad requests emptied the
    pool either way, and requests beside them got 503s (``gridts.db.deps``). The collector is
    off here, as it is between its runs in a busy worker.
    """
    pool = client.app.state.pool
    lost = pool.get_stats().get("connections_lost", 0)
    bad = {"level": "grid", "start_datetime": "2000-01-01T00:00:00Z", "end_datetime": "true"}
    gc.disable()
    try:
        for path in ("/api/v1/accuracy", "/api/v1/rollups", "/api/v1/measures") * 20:
            assert client.get(path, params=bad).status_code == 400
        stats = pool.get_stats()
        assert stats["pool_available"] == stats["pool_size"], stats  # every one given back
    finally:
        gc.enable()
    assert client.get("/api/v1/grids").status_code == 200
    assert pool.get_stats().get("connections_lost", 0) == lost, pool.get_stats()


def test_a_live_connection_leaves_the_pool_without_a_round_trip_and_a_dead_one_never(
    client: TestClient[Litestar], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool's check costs a request no query, yet no request gets a connection the server
    ended: ``pg_terminate_backend`` stands for a restart or an idle timeout
    (``gridts.db.pool.check_alive``)."""
    pool = client.app.state.pool
    queried: list[object] = []
    check_connection = AsyncConnectionPool.check_connection

    async def counted(conn: psycopg.AsyncConnection[Any]) -> None:
        queried.append(conn)
        await check_connection(conn)

    monkeypatch.setattr(AsyncConnectionPool, "check_connection", staticmethod(counted))
    for _ in range(10):
        assert client.get("/api/v1/grids").status_code == 200
    assert queried == []
    idle = pool.get_stats()["pool_available"]
    with psycopg.connect(db, autocommit=True) as admin:
        pids = [
            pid
            for (pid,) in admin.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE application_name = 'gridts' AND state = 'idle'"
            )
        ]
        assert len(pids) >= idle > 0
        admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [pids])
        # pg_terminate_backend only signals: wait until the backends have gone.
        deadline = time.monotonic() + 10
        alive = "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)"
        while (
            (row := admin.execute(alive, [pids]).fetchone())
            and row[0]
            and (time.monotonic() < deadline)
        ):
            time.sleep(0.01)
    statuses = [client.get("/api/v1/grids").status_code for _ in range(3 * idle)]
    assert statuses == [200] * len(statuses)
    assert len(queried) >= 1
