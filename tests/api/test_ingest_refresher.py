"""What a write does to the rollups (``gridts.ingest.refresher``), against real ``gridts serve``
processes: a late revision below the watermark is refreshed right after the commit, a queued
window survives a restart, and the compose deployment (the service as ``gridts_api``, a
``gridts refresher`` as the owner) refreshes on ``NOTIFY``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from gridts.refresh import refresh_all
from gridts.refresh.worker import drain
from plugins.live_server import report_figure
from support.db import default_series, write_series_measures
from support.wire import AUTH, measure

if TYPE_CHECKING:
    from collections.abc import Callable

    import psycopg

    from gridts.testing.process import ServiceProcess

T0 = datetime(2030, 3, 4, tzinfo=UTC)


def row(node: int, hours: int, lead: int, value: float) -> dict[str, Any]:
    """A JSON row: target ``hours`` after T0, collected ``lead`` hours before it."""
    target = T0 + timedelta(hours=hours)
    return measure(node, target, target - timedelta(hours=lead), value)


def grid_total(conn: psycopg.Connection, day: int = 0) -> float:
    """Day ``day`` (after T0)'s total load of the grid, summed over grid_1h's hours."""
    start = T0 + timedelta(days=day)
    found = conn.execute(
        "SELECT sum(h.total_units / k.scale) FROM grid_1h h JOIN kind k ON k.name = h.kind "
        "WHERE h.kind = 'load' AND h.bucket >= %s AND h.bucket < %s",
        (start, start + timedelta(days=1)),
    ).fetchone()
    assert found is not None
    return float(found[0])


@pytest.mark.parametrize(("materialised", "queued"), [(30, [(2, 3), (25, 26)]), (10, [(2, 26)])])
def test_a_batch_of_days_far_apart_queues_those_days_where_the_rest_is_materialised(
    live_server: Callable[..., ServiceProcess],
    conn: psycopg.Connection,
    nodes: list[int],
    materialised: int,
    queued: list[tuple[int, int]],
) -> None:
    """Corrections weeks apart in one batch: the days between are not recomputed.

    With 30 days materialised, the batch queues its two days; with 10, the untouched days up
    to the second are not all materialised, and the window stays whole.
    """
    server = live_server(GRIDTS_REFRESH_IN_PROCESS="false")  # the queue is drained here
    month = [row(n, h, 12, 10.0) for n in nodes for h in range(30 * 24)]
    response = httpx.post(f"{server.base_url}/api/v1/measures", json=month, headers=AUTH)
    assert response.status_code == 201, response.text
    refresh_all(conn, T0, T0 + timedelta(days=materialised))
    batch = [row(nodes[0], 2 * 24 + 5, 6, 20.0), row(nodes[1], 25 * 24 + 7, 6, 30.0)]
    response = httpx.post(f"{server.base_url}/api/v1/measures", json=batch, headers=AUTH)
    assert response.status_code == 201, response.text
    windows = conn.execute(
        "SELECT window_start, window_end FROM rollup_refresh_queue ORDER BY window_start"
    ).fetchall()
    day = timedelta(days=1)
    assert windows == [(T0 + start * day, T0 + end * day) for start, end in queued]
    assert drain(conn) == len(queued)  # queue entries taken
    assert [grid_total(conn, d) for d in (2, 10, 25)] == [490.0, 480.0, 500.0]


def test_a_late_revision_in_a_materialised_day_reaches_the_rollups(
    live_server: Callable[..., ServiceProcess], conn: psycopg.Connection, nodes: list[int]
) -> None:
    server = live_server(GRIDTS_REFRESH_POLL="60")
    day = [row(n, h, 12, 10.0) for n in nodes for h in range(24)]
    assert (
        httpx.post(f"{server.base_url}/api/v1/measures", json=day, headers=AUTH).status_code == 201
    )
    refresh_all(conn)  # the day is materialised now: real-time aggregation no longer covers it
    five = (T0 + timedelta(hours=5)).isoformat()
    params = {"level": "grid", "resolution": "1h", "start_datetime": five, "end_datetime": five}

    def grid_hour_sum() -> float:
        response = httpx.get(f"{server.base_url}/api/v1/rollups", params=params)
        return float(response.json()["data"][0]["sum"])

    assert grid_hour_sum() == 20.0
    lags = []
    for step in range(5):
        late = [row(nodes[0], 5, 10 - step, 20.0 + step)]  # a newer revision of 05:00
        response = httpx.post(f"{server.base_url}/api/v1/measures", json=late, headers=AUTH)
        acknowledged = time.perf_counter()
        assert response.status_code == 201
        expected = 10.0 + 20.0 + step
        while grid_hour_sum() != expected:
            assert time.perf_counter() - acknowledged < 15, "the rollup did not follow the write"
            time.sleep(0.01)
        lags.append(time.perf_counter() - acknowledged)
    queued = conn.execute("SELECT count(*) FROM rollup_refresh_queue").fetchone()
    assert queued == (0,)
    report_figure(
        "rollup freshness after a write below the watermark: "
        f"median {sorted(lags)[2] * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms over 5 writes"
    )


def test_a_queued_refresh_survives_a_restart_of_the_service(
    live_server: Callable[..., ServiceProcess], conn: psycopg.Connection, nodes: list[int]
) -> None:
    """A window queued by a process that died before refreshing is refreshed by the next one."""
    day = [row(n, h, 12, 10.0) for n in nodes for h in range(24)]
    server = live_server()
    assert (
        httpx.post(f"{server.base_url}/api/v1/measures", json=day, headers=AUTH).status_code == 201
    )
    refresh_all(conn)
    server.process.kill()
    server.process.wait()
    # What a crashed process leaves behind: the rows committed and the window queued.
    write_series_measures(
        conn, [(default_series(conn, nodes[0]), T0, T0 - timedelta(hours=1), 99.0, 0)]
    )
    conn.execute(
        "INSERT INTO rollup_refresh_queue (window_start, window_end) VALUES (%s, %s)",
        (T0, T0 + timedelta(days=1)),
    )
    server = live_server()
    deadline = time.monotonic() + 15
    while conn.execute("SELECT count(*) FROM rollup_refresh_queue").fetchone() != (0,):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert grid_total(conn) == 480.0 - 10.0 + 99.0


@pytest.mark.usefixtures("restore_roles")  # gridts_api gets LOGIN here, for this test only
def test_the_service_as_gridts_api_with_a_refresher_process_as_owner(
    live_server: Callable[..., ServiceProcess], db: str, conn: psycopg.Connection, nodes: list[int]
) -> None:
    """The deployment of compose.yaml: no refresh right in the service, a refresher beside it."""
    conn.execute("ALTER ROLE gridts_api LOGIN")
    api_url = db.replace("://postgres@", "://gridts_api@", 1)
    assert api_url != db
    server = live_server(GRIDTS_DATABASE_URL=api_url, GRIDTS_REFRESH_IN_PROCESS="false")
    day = [row(n, h, 12, 10.0) for n in nodes for h in range(24)]
    response = httpx.post(f"{server.base_url}/api/v1/measures", json=day, headers=AUTH)
    assert response.status_code == 201, response.text
    refresh_all(conn)
    late = [row(nodes[0], 5, 6, 30.0)]
    response = httpx.post(f"{server.base_url}/api/v1/measures", json=late, headers=AUTH)
    assert response.status_code == 201, response.text
    time.sleep(0.5)  # the service itself must not (and cannot) refresh: the window stays queued
    assert conn.execute("SELECT count(*) FROM rollup_refresh_queue").fetchone() == (1,)
    assert grid_total(conn) == 480.0

    refresher = subprocess.Popen(
        [sys.executable, "-m", "gridts.cli", "refresher"],
        env={**os.environ, "GRIDTS_DATABASE_URL": db},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while conn.execute("SELECT count(*) FROM rollup_refresh_queue").fetchone() != (0,):
            assert time.monotonic() < deadline, "the refresher drained nothing"
            time.sleep(0.05)
        # Woken by NOTIFY, not by its 30 s poll: a second late write is refreshed at once.
        late = [row(nodes[1], 7, 6, 40.0)]
        response = httpx.post(f"{server.base_url}/api/v1/measures", json=late, headers=AUTH)
        acknowledged = time.perf_counter()
        while grid_total(conn) != 480.0 + 20.0 + 30.0:
            assert time.perf_counter() - acknowledged < 10, "the refresher missed the NOTIFY"
            time.sleep(0.02)
        report_figure(
            "rollup freshness with a separate refresher process (LISTEN/NOTIFY): "
            f"{(time.perf_counter() - acknowledged) * 1000:.0f} ms after the 201"
        )
    finally:
        refresher.terminate()
        refresher.wait(timeout=10)
