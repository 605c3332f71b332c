"""``/api/v1/accuracy`` at year scale: one region, four leads, the default data set for a year.

    uv run python bench/accuracy_year.py --server-url postgresql://postgres@127.0.0.1:5432/postgres

Creates (or recreates) the database ``bench_accuracy`` on that server, migrates it, writes a year
of the default data set with ``gridts seed``'s generator (27 nodes, hourly, 3 revisions collected
12, 11 and 10 hours ahead: 709,560 rows), refreshes the rollups, compresses every chunk but the
newest (as the compression policy would), starts ``gridts serve`` and times warm requests over
HTTP. Prints p50/p99 and the plan of the revisions query (EXPLAIN ANALYZE, BUFFERS). The loading
and timing helpers are ``run.py``'s (``phases``).
"""

from __future__ import annotations

import math
import statistics
from datetime import timedelta

import click
import httpx
import psycopg

from gridts.dataset import DatasetPlan
from gridts.db.queries import query
from gridts.testing.process import start_service
from gridts.testing.servers import TimescaleServer
from phases.ingest import seed_database
from phases.reads import explain, percentile, timed_gets
from phases.storage import refresh_and_compress
from presets import START

DATABASE = "bench_accuracy"
PLAN = DatasetPlan(start=START, span=timedelta(days=365))
LEAD_SETS = (["PT1H", "PT12H", "PT24H", "PT48H"], ["PT10H", "PT11H", "PT12H", "PT24H"])
REGION = 1
#: Chunks that end before this are compressed: all but the newest, as the policy would.
COMPRESS_BEFORE = START + timedelta(days=358)


def prepare(server: TimescaleServer) -> str:
    """A migrated ``bench_accuracy`` database with the year loaded, refreshed and compressed."""
    url = server.create_database(DATABASE)
    report = seed_database(url, PLAN)
    print(f"loaded: {report.summary()}")
    with psycopg.connect(url, autocommit=True) as conn:
        refresh_and_compress(conn, COMPRESS_BEFORE)
    return url


def print_plan(url: str, region: int) -> None:
    """The plan of the revisions query for one region (the rest of the work is numpy's)."""
    with psycopg.connect(url) as conn:
        cursor = conn.execute(  # each node's default series, as the service selects them
            "SELECT s.id FROM series s JOIN grid_node n ON n.id = s.node_id "
            "WHERE n.region_id = %s AND s.kind = 'load' AND s.subtype IS NULL ORDER BY s.id",
            (region,),
        )
        params = {"series": [n for (n,) in cursor], "start": PLAN.start, "end": PLAN.end}
        print("\n".join(explain(conn, query("accuracy", "revisions"), params)))


def time_requests(client: httpx.Client, region: int, leads: list[str], requests: int) -> None:
    """Print the answer and the warm latencies of GET /api/v1/accuracy for ``leads``."""
    params = {
        "start_datetime": PLAN.start.isoformat(),
        "end_datetime": PLAN.end.isoformat(),
        "level": "region",
        "id": region,
        "lead": leads,
    }
    latencies, answer = timed_gets(
        client, "/api/v1/accuracy", params, requests, warmup=3, budget=math.inf
    )
    for row in answer.json()["data"]:
        print(
            f"  lead {row['lead']}: count {row['count']}, bias {row['bias']:.3f}, "
            f"MAE {row['mae']:.3f}, RMSE {row['rmse']:.3f}, MAPE {row['mape']:.3f} %"
        )
    print(
        f"  {len(latencies)} warm requests: p50 {statistics.median(latencies):.1f} ms, "
        f"p99 {percentile(sorted(latencies), 99):.1f} ms"
    )


@click.command(help=__doc__.split("\n")[0])
@click.option("--server-url", required=True, help="A maintenance database URL on the server.")
@click.option("--requests", default=50, show_default=True, type=int)
@click.option("--skip-load", is_flag=True, help="Time the database an earlier run loaded.")
def main(server_url: str, requests: int, skip_load: bool) -> None:
    """Load, time, explain."""
    server = TimescaleServer(server_url, "url")
    url = server.database_url(DATABASE) if skip_load else prepare(server)
    service = start_service(url)
    try:
        with httpx.Client(base_url=service.base_url, timeout=60) as client:
            for leads in LEAD_SETS:
                print(f"\nregion {REGION}, one year, leads {', '.join(leads)}:")
                time_requests(client, REGION, leads, requests)
    finally:
        service.stop()
    print_plan(url, REGION)


if __name__ == "__main__":
    main()
