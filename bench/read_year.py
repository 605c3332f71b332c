"""Year-scale read benchmark: load the seeds' data set, show query plans, time reads over HTTP.

The data set is the seeds' shape: 27 nodes (3 grids x 3 regions x 3 nodes), hourly targets for
one year ending at the current hour, and 3 revisions per target collected 12, 11 and 10 hours
before it: 709,560 rows. Steps (each a subcommand, against ``GRIDTS_DATABASE_URL``, a migrated
database that the ``load`` step empties first):

    uv run python bench/read_year.py load      # COPY the rows, refresh every rollup, compress
    uv run python bench/read_year.py plans     # EXPLAIN (ANALYZE, BUFFERS) of the main queries
    uv run python bench/read_year.py latency   # p50/p99 over HTTP (uvicorn in-process, httpx)
    uv run python bench/read_year.py latency --server http://127.0.0.1:8000  # a `gridts serve`
    uv run python bench/read_year.py routing --server http://127.0.0.1:8000 --requests 30

``load`` refreshes like ``gridts refresh`` (every rollup, whole range) and then compresses every
chunk whose range ends more than a week before the newest target, as the policy would.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import socket
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import uvicorn

from gridts.app import create_app
from gridts.db.queries import query
from gridts.db.rollups import refresh_all
from gridts.settings import Settings

GRIDS, REGIONS, NODES = 3, 3, 3
HOURS = 365 * 24
LEADS = (12, 11, 10)


def year_end() -> datetime:
    now = datetime.now(UTC)
    return now.replace(minute=0, second=0, microsecond=0)


def load(url: str) -> None:
    end = year_end()
    start = end - timedelta(hours=HOURS - 1)
    rng = random.Random(4)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE measures; DELETE FROM grid_node; DELETE FROM grid_region")
        conn.execute("DELETE FROM grid")
        node = 0
        for g in range(1, GRIDS + 1):
            conn.execute("INSERT INTO grid (id, name) VALUES (%s, %s)", (g, f"grid {g}"))
            for r in range(1, REGIONS + 1):
                region = (g - 1) * REGIONS + r
                conn.execute(
                    "INSERT INTO grid_region (id, grid_id, name) VALUES (%s, %s, %s)",
                    (region, g, f"region {region}"),
                )
                for _ in range(NODES):
                    node += 1
                    conn.execute(
                        "INSERT INTO grid_node (id, region_id, name) VALUES (%s, %s, %s)",
                        (node, region, f"node {node}"),
                    )
        started = time.perf_counter()
        with conn.cursor().copy(
            "COPY measures (node_id, timestamp_measured, timestamp_collected, value) "
            "FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int4", "timestamptz", "timestamptz", "float8"])
            for n in range(1, node + 1):
                for h in range(HOURS):
                    target = start + timedelta(hours=h)
                    base = 100 + 50 * rng.random()
                    for lead in LEADS:
                        copy.write_row(
                            (n, target, target - timedelta(hours=lead), base + rng.random())
                        )
        print(f"copied {node * HOURS * len(LEADS)} rows in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        refresh_all(conn)
        print(f"refreshed every rollup in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        conn.execute(
            "SELECT count(compress_chunk(c)) FROM show_chunks('measures', older_than => %s) c",
            (end - timedelta(days=7),),
        )
        conn.execute("VACUUM ANALYZE measures")
        print(f"compressed old chunks in {time.perf_counter() - started:.1f} s")


def cases(end: datetime) -> dict[str, tuple[str, dict[str, object]]]:
    """The timed reads: name -> (path, query parameters)."""
    day = end - timedelta(days=40)
    return {
        "latest, one node, one day": (
            "/api/v1/measures",
            {"node_id": 5, "start_datetime": day, "end_datetime": day + timedelta(hours=23)},
        ),
        "latest, one node, 30 days": (
            "/api/v1/measures",
            {"node_id": 5, "start_datetime": day, "end_datetime": day + timedelta(days=30)},
        ),
        "as of, one region, 7 days": (
            "/api/v1/measures",
            {
                "region_id": 2,
                "start_datetime": day,
                "end_datetime": day + timedelta(days=7),
                "collected_datetime": day + timedelta(days=3, hours=13, minutes=30),
            },
        ),
        "grid rollup, one year (auto -> grid_1d)": (
            "/api/v1/rollups",
            {
                "level": "grid",
                "start_datetime": end - timedelta(days=365),
                "end_datetime": end,
            },
        ),
        "latest, all 27 nodes, 15 days (~10k rows)": (
            "/api/v1/measures",
            {"start_datetime": day, "end_datetime": day + timedelta(days=15)},
        ),
        "region rollup, one day (auto -> raw)": (
            "/api/v1/rollups",
            {
                "level": "region",
                "id": 2,
                "start_datetime": day,
                "end_datetime": day + timedelta(hours=23),
            },
        ),
    }


def _iso(params: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in params.items()}


PLANS = {
    "latest, one node, one day": ("measures", "latest", 1, timedelta(hours=23), None),
    "latest, one node, 30 days": ("measures", "latest", 1, timedelta(days=30), None),
    "as of, one region, 7 days": ("measures", "latest", 3, timedelta(days=7), "asof"),
}


def plans(url: str) -> None:
    end = year_end()
    day = end - timedelta(days=40)
    with psycopg.connect(url, autocommit=True) as conn:
        for name, (group, name_sql, nodes, width, asof) in PLANS.items():
            params = {
                "nodes": list(range(4, 4 + nodes)) if nodes > 1 else [5],
                "start": day,
                "end": day + width,
                "collected": day + timedelta(days=3, hours=13, minutes=30) if asof else None,
                "limit": 1_000_001,
            }
            explain(conn, name, query(group, name_sql), params)
        recent = end - timedelta(days=2)
        explain(
            conn,
            "latest, one node, one day, in the uncompressed newest chunk",
            query("measures", "latest"),
            {
                "nodes": [5],
                "start": recent,
                "end": recent + timedelta(hours=23),
                "collected": None,
                "limit": 1_000_001,
            },
        )
        from psycopg import sql  # noqa: PLC0415

        from gridts.rollups.routing import Resolution  # noqa: PLC0415
        from gridts.rollups.schemas import Level  # noqa: PLC0415
        from gridts.rollups.service import _from_aggregate, _from_measures  # noqa: PLC0415

        envelope = query("rollups", "envelope")
        nodes_field = sql.SQL("rows.nodes")
        _, rows = _from_aggregate(Level.GRID, Resolution.DAY)
        explain(
            conn,
            "grid rollup, one year, grid_1d",
            envelope.format(rows=rows, nodes=nodes_field),
            {
                "ids": [1, 2, 3],
                "start": end - timedelta(days=365),
                "end": end,
                "limit": 1_000_001,
            },
        )
        rows = _from_measures(Level.REGION, Resolution.RAW)
        explain(
            conn,
            "region rollup, one day, raw (from measures)",
            envelope.format(rows=rows, nodes=nodes_field),
            {
                "ids": [2],
                "nodes": [4, 5, 6],
                "start": day,
                "end": day + timedelta(hours=23),
                "until": day + timedelta(hours=23, seconds=1),
                "collected": None,
                "limit": 1_000_001,
            },
        )


def explain(conn: psycopg.Connection, name: str, statement: object, params: dict) -> None:
    from psycopg import sql  # noqa: PLC0415

    full = sql.SQL("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ") + statement  # type: ignore[operator]
    for _ in range(2):  # warm: the second run is shown
        rows = conn.execute(full, params).fetchall()
    print(f"### {name}\n\n```")
    for (line,) in rows:
        print(line)
    print("```\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def latency(url: str, requests: int, server_url: str | None) -> None:
    if server_url:
        asyncio.run(_measure(server_url, requests))
        return
    settings = Settings.from_env({}, rate_limit_per_minute=0)
    app = create_app(settings, database_url=url)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        asyncio.run(_measure(f"http://127.0.0.1:{port}", requests))
    finally:
        server.should_exit = True
        thread.join()


async def _measure(base: str, requests: int) -> None:
    end = year_end()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    report = ["| read | rows | bytes | p50 ms | p99 ms | mean ms |", "|---|---|---|---|---|---|"]
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for name, (path, params) in cases(end).items():
            times = []
            for i in range(requests + 20):
                started = time.perf_counter()
                response = await client.get(path, params=_iso(params))
                elapsed = time.perf_counter() - started
                response.raise_for_status()
                if i >= 20:  # the first 20 warm the pool, caches and plans
                    times.append(elapsed * 1000)
            body = response.json()
            times.sort()
            p50 = statistics.median(times)
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            report.append(
                f"| {name} | {len(body['data'])} | {len(response.content)} | {p50:.1f} | "
                f"{p99:.1f} | {statistics.fmean(times):.1f} |"
            )
    # The service logs every request to stdout; the table goes to stderr, apart from them.
    print("\n".join(report), file=sys.stderr)


async def _routing_sweep(base: str, requests: int) -> None:
    """p50 of one region's rollup at each resolution and width: the figures behind ``auto``."""
    end = year_end()
    widths = {"1 day": 1, "3 days": 3, "7 days": 7, "31 days": 31, "62 days": 62, "365 days": 365}
    report = [
        "| width | raw p50 ms (rows) | 1h p50 ms (rows) | 1d p50 ms (rows) |",
        "|---|---|---|---|",
    ]
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for label, days in widths.items():
            cells = []
            for resolution in ("raw", "1h", "1d"):
                params = {
                    "level": "region",
                    "id": 2,
                    "resolution": resolution,
                    "start_datetime": (end - timedelta(days=days)).isoformat(),
                    "end_datetime": end.isoformat(),
                }
                times = []
                for i in range(requests + 5):
                    started = time.perf_counter()
                    response = await client.get("/api/v1/rollups", params=params)
                    response.raise_for_status()
                    if i >= 5:
                        times.append((time.perf_counter() - started) * 1000)
                rows = len(response.json()["data"])
                cells.append(f"{statistics.median(times):.1f} ({rows})")
            report.append(f"| {label} | " + " | ".join(cells) + " |")
    print("\n".join(report), file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=["load", "plans", "latency", "routing"])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--server", help="time this running service (e.g. `gridts serve`) instead of in-process"
    )
    args = parser.parse_args()
    url = os.environ["GRIDTS_DATABASE_URL"]
    if args.step == "load":
        load(url)
    elif args.step == "plans":
        plans(url)
    elif args.step == "routing":
        asyncio.run(_routing_sweep(args.server, args.requests))
    else:
        with contextlib.suppress(KeyboardInterrupt):
            latency(url, args.requests, args.server)


if __name__ == "__main__":
    main()
