"""Load: concurrent clients mixing reads and writes for a fixed time, on loopback, with no errors,
and every acknowledged write stored once and only once.

Bounded in count and time. The figures (requests/s, p99, errors) are printed in the run's summary;
they are reported, not asserted: speed is measured by ``bench/run.py``, this test asserts that
nothing fails or goes astray under concurrency.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx

from plugins.live_server import report_figure
from support.db import make_hierarchy
from support.wire import measure

if TYPE_CHECKING:
    from collections.abc import Callable

    import psycopg

    from gridts.testing.process import ServiceProcess

CLIENTS = 8
SECONDS = 8.0
MAX_REQUESTS_PER_CLIENT = 2_000
T0 = datetime(2027, 8, 1, tzinfo=UTC)

Stored = tuple[int, datetime, datetime, float]


@dataclass
class Outcome:
    """What one client saw: its latencies, its errors, and the rows of its acknowledged writes."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    acknowledged: list[Stored] = field(default_factory=list)


async def _client(server: ServiceProcess, number: int, node_ids: list[int]) -> Outcome:
    outcome = Outcome()
    deadline = time.monotonic() + SECONDS
    async with httpx.AsyncClient(base_url=server.base_url, headers=server.headers) as client:
        for i in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() > deadline:
                break
            node = node_ids[(number + i) % len(node_ids)]
            started = time.perf_counter()
            if i % 4 == 0:  # one write in four
                target = T0 + timedelta(hours=number * MAX_REQUESTS_PER_CLIENT + i)
                rows = [
                    (node, target, target - timedelta(hours=h), float(i + h)) for h in (12, 11, 10)
                ]
                response = await client.post(
                    "/api/v1/measures", json=[measure(*row) for row in rows]
                )
                ok = response.status_code == 201
                if ok:
                    outcome.acknowledged.extend(rows)
            else:
                response = await client.get(
                    "/api/v1/measures",
                    params={
                        "node_id": node,
                        "start_datetime": T0.isoformat(),
                        "end_datetime": (T0 + timedelta(days=1)).isoformat(),
                    },
                )
                ok = response.status_code == 200
            outcome.latencies.append(time.perf_counter() - started)
            outcome.errors += not ok
    return outcome


def test_mixed_load_has_no_errors(
    conn: psycopg.Connection, live_server: Callable[..., ServiceProcess]
) -> None:
    node_ids = make_hierarchy(conn, {"G": {"R": ["N1", "N2", "N3", "N4"]}}).nodes
    server = live_server()

    async def run() -> list[Outcome]:
        return await asyncio.gather(*(_client(server, c, node_ids) for c in range(CLIENTS)))

    started = time.perf_counter()
    results = asyncio.run(run())
    elapsed = time.perf_counter() - started
    latencies = sorted(t for outcome in results for t in outcome.latencies)
    errors = sum(outcome.errors for outcome in results)
    assert errors == 0
    assert len(latencies) > CLIENTS
    # Stored once and only once: the table holds exactly the acknowledged rows, no more, no fewer.
    acknowledged = [row for outcome in results for row in outcome.acknowledged]
    stored = conn.execute(
        # Each node's default series has the node's id.
        "SELECT series_id, timestamp_measured, timestamp_collected, value::float8 / 1000 "
        "FROM measures"
    ).fetchall()
    assert len(stored) == len(acknowledged)
    assert sorted(stored) == sorted(acknowledged)
    p99 = statistics.quantiles(latencies, n=100)[98]
    report_figure(
        f"load test: {CLIENTS} clients, {elapsed:.1f} s, {len(latencies)} requests "
        f"({len(latencies) / elapsed:.0f} req/s, 1 write in 4), p50 "
        f"{statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, errors {errors}"
    )
