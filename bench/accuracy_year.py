"""``/api/v1/accuracy`` at year scale: one region, four leads, the seeds' data set for a year.

    uv run python bench/accuracy_year.py --server-url postgresql://postgres@127.0.0.1:5432/postgres

Creates (or recreates) the database ``bench_accuracy`` on that server, migrates it, writes a year
of the seeds' data set with ``gridts seed``'s generator (27 nodes, hourly, 3 revisions collected
12, 11 and 10 hours ahead: 709,560 rows), refreshes the rollups, compresses every chunk but the
newest (as the compression policy would), starts ``gridts serve`` and times warm requests over
HTTP. Prints p50/p99 and the plan of the statistics query (EXPLAIN ANALYZE, BUFFERS).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import psycopg
from psycopg import sql

from gridts.accuracy.schemas import Final
from gridts.accuracy.service import statement
from gridts.db import migrations
from gridts.db.rollups import refresh_all
from gridts.filters import parse_lead
from gridts.ingest.seed import write_seed
from gridts.rollups.schemas import Level
from gridts.seeding import SeedPlan
from gridts.settings import Settings

START = datetime(2025, 1, 1, tzinfo=UTC)
RANGE = {"start_datetime": START.isoformat(), "end_datetime": "2025-12-31T23:00:00+00:00"}


def prepare(server_url: str) -> str:
    """A migrated ``bench_accuracy`` database with the year loaded, refreshed and compressed."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench_accuracy WITH (FORCE)")
        conn.execute("CREATE DATABASE bench_accuracy")
    url = urlsplit(server_url)._replace(path="/bench_accuracy").geturl()
    migrations.upgrade(url, Settings.from_env({}))
    plan = SeedPlan(start=START, span=timedelta(days=365))
    report = asyncio.run(write_seed(url, plan))
    print(f"loaded: {report.summary()}")
    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        refresh_all(conn)
        print(f"refreshed every rollup in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        row = conn.execute(
            "SELECT count(compress_chunk(c, if_not_compressed => true)) "
            "FROM show_chunks('measures', older_than => %s::timestamptz) c",
            (START + timedelta(days=358),),
        ).fetchone()
        print(f"compressed {row[0] if row else 0} chunks in {time.perf_counter() - started:.1f} s")
        conn.execute("VACUUM ANALYZE")
    return url


def explain(url: str, region: int, leads: list[str]) -> None:
    """The plan of the statistics query for one region."""
    with psycopg.connect(url) as conn:
        nodes = [
            n
            for (n,) in conn.execute(
                "SELECT id FROM grid_node WHERE region_id = %s ORDER BY id", (region,)
            )
        ]
        stats = statement(Level.REGION, Final.LATEST, daily=False)
        params = {
            "nodes": nodes,
            "start": START,
            "end": datetime.fromisoformat(RANGE["end_datetime"]),
            "leads": [parse_lead(lead) for lead in leads],
            "limit": 1000,
        }
        plan = conn.execute(
            sql.SQL("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ") + stats, params
        ).fetchall()
    print("\n".join(line for (line,) in plan))


def time_requests(url: str, region: int, leads: list[str], requests: int) -> list[float]:
    """Warm latencies in ms of GET /api/v1/accuracy against a ``gridts serve``."""
    port = 8791
    env = {**os.environ, "GRIDTS_DATABASE_URL": url, "GRIDTS_RATE_LIMIT_PER_MINUTE": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gridts.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        params = {**RANGE, "level": "region", "id": region, "lead": leads}
        with httpx.Client(base_url=base, timeout=60) as client:
            answer = client.get("/api/v1/accuracy", params=params)
            answer.raise_for_status()
            for row in answer.json()["data"]:
                print(
                    f"  lead {row['lead']}: count {row['count']}, bias {row['bias']:.3f}, "
                    f"MAE {row['mae']:.3f}, RMSE {row['rmse']:.3f}, MAPE {row['mape']:.3f} %"
                )
            for _ in range(3):
                client.get("/api/v1/accuracy", params=params)
            latencies = []
            for _ in range(requests):
                started = time.perf_counter()
                client.get("/api/v1/accuracy", params=params).raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)
        return latencies
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    """Load, explain, time."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server-url", required=True, help="a maintenance DB URL on the server")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    url = (
        urlsplit(args.server_url)._replace(path="/bench_accuracy").geturl()
        if args.skip_load
        else prepare(args.server_url)
    )
    region = 1
    for leads in (["PT1H", "PT12H", "PT24H", "PT48H"], ["PT10H", "PT11H", "PT12H", "PT24H"]):
        print(f"\nregion {region}, one year, leads {', '.join(leads)}:")
        latencies = time_requests(url, region, leads, args.requests)
        q = statistics.quantiles(latencies, n=100)
        print(
            f"  {len(latencies)} warm requests: p50 {statistics.median(latencies):.1f} ms, "
            f"p99 {q[98]:.1f} ms"
        )
    explain(url, region, ["PT10H", "PT11H", "PT12H", "PT24H"])


if __name__ == "__main__":
    main()
