"""Year-scale read benchmark: load the default data set, show query plans, time reads over HTTP.

The data set is the default shape: 27 nodes (3 grids x 3 regions x 3 nodes), hourly targets for
one year ending at the current hour, and 3 revisions per target collected 12, 11 and 10 hours
before it: 709,560 rows. Steps (each a subcommand, against ``GRIDTS_DATABASE_URL`` or
``--database-url``, a migrated database that the ``load`` step empties first):

    uv run python bench/read_year.py load      # COPY the rows, refresh every rollup, compress
    uv run python bench/read_year.py plans     # EXPLAIN (ANALYZE, BUFFERS) of the main queries
    uv run python bench/read_year.py latency   # p50/p99 over HTTP (a `gridts serve` it starts)
    uv run python bench/read_year.py latency --server http://127.0.0.1:8000  # a running service
    uv run python bench/read_year.py routing --server http://127.0.0.1:8000 --requests 30

``load`` refreshes like ``gridts refresh`` (every rollup, whole range) and then compresses every
chunk whose range ends more than a week before the newest target, as the policy would. The reads
are ``cases.year_cases`` and ``cases.routing_cases``; they are timed as ``run.py`` times its own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import random
import statistics
import sys
import time
from datetime import timedelta
from typing import TYPE_CHECKING

import click
import httpx
import psycopg
from psycopg import sql

from cases import ROUTING_WIDTHS, YEAR_ENTITIES, routing_cases, year_cases, year_end
from gridts.db.queries import query
from gridts.measures.service import compose
from gridts.reads.levels import Level
from gridts.rollups.resolution import Resolution
from gridts.rollups.service import _from_aggregate, _from_measures
from gridts.testing.process import start_service
from phases.ingest import copy_rows
from phases.reads import explain, percentile, timed_gets
from phases.storage import refresh_and_compress

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from cases import ReadCase

GRIDS, REGIONS, NODES = 3, 3, 3
HOURS = 365 * 24
LEADS = (12, 11, 10)
LIMIT = 1_000_001


def _rows(start: datetime, nodes: int) -> Iterator[tuple[int, datetime, datetime, float]]:
    rng = random.Random(4)
    for n in range(1, nodes + 1):
        for h in range(HOURS):
            target = start + timedelta(hours=h)
            base = 100 + 50 * rng.random()
            for lead in LEADS:
                yield n, target, target - timedelta(hours=lead), base + rng.random()


def _hierarchy(conn: psycopg.Connection) -> int:
    """Grids, regions and nodes numbered from 1 (``YEAR_ENTITIES`` names them); the node count."""
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
    return node


def _nodes(conn: psycopg.Connection, case: ReadCase) -> list[int]:
    if case.scope == "one_node":
        return [YEAR_ENTITIES.node]
    cursor = conn.execute(
        "SELECT id FROM grid_node WHERE region_id = %s ORDER BY id", (YEAR_ENTITIES.region,)
    )
    return [n for (n,) in cursor]


def _print_plan(
    conn: psycopg.Connection, name: str, statement: sql.Composable, params: dict
) -> None:  # type: ignore[type-arg]
    lines = explain(conn, statement, params, runs=2)  # warm: the second run is shown
    print(f"### {name}\n\n```")
    print("\n".join(lines))
    print("```\n")


@click.group()
@click.option("--database-url", envvar="GRIDTS_DATABASE_URL", required=True)
@click.pass_context
def main(ctx: click.Context, database_url: str) -> None:
    """Load a year of the default data set, show plans, time reads over HTTP."""
    ctx.obj = database_url


@main.command()
@click.pass_obj
def load(url: str) -> None:
    """COPY the rows, refresh every rollup, compress chunks older than a week."""
    end = year_end()
    with psycopg.connect(url, autocommit=True) as conn:
        nodes = _hierarchy(conn)
        started = time.perf_counter()
        copied = copy_rows(conn, _rows(end - timedelta(hours=HOURS - 1), nodes))
        print(f"copied {copied} rows in {time.perf_counter() - started:.1f} s")
        refresh_and_compress(conn, end - timedelta(days=7))


@main.command()
@click.pass_obj
def plans(url: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the main reads, as markdown."""
    end = year_end()
    cases = year_cases(end)
    recent = end - timedelta(days=2)
    measures = [
        *((case.name, case) for case in cases[:3]),
        (
            "latest, one node, one day, in the uncompressed newest chunk",
            dataclasses.replace(cases[0], start=recent, end=recent + timedelta(hours=23)),
        ),
    ]
    # The service's sessions turn SkipScan off (gridts.db.pool); latest.sql is only right so.
    with psycopg.connect(
        url, autocommit=True, options="-c timescaledb.enable_skipscan=off"
    ) as conn:
        for name, case in measures:
            params = {
                "series": _nodes(conn, case),  # a node's default series has the node's id
                "start": case.start,
                "end": case.end,
                "collected": case.collected,
                "limit": LIMIT,
            }
            latest = compose("latest", small=False, known=query("measures", "known_at"))
            _print_plan(conn, name, latest, params)
        envelope = query("rollups", "envelope")
        nodes_field = sql.SQL("rows.nodes")
        year, region_day = cases[3], cases[5]
        _, rows = _from_aggregate(Level.GRID, Resolution.DAY)
        _print_plan(
            conn,
            "grid rollup, one year, 1d local days from grid_1h",
            envelope.format(rows=rows, nodes=nodes_field),
            {"ids": [1, 2, 3], "start": year.start, "end": year.end, "limit": LIMIT},
        )
        _print_plan(
            conn,
            "region rollup, one day, raw (from measures)",
            envelope.format(rows=_from_measures(Level.REGION, Resolution.RAW), nodes=nodes_field),
            {
                "ids": [YEAR_ENTITIES.region],
                "nodes": _nodes(conn, region_day),
                "start": region_day.start,
                "end": region_day.end,
                "until": region_day.end + timedelta(seconds=1),
                "collected": None,
                "limit": LIMIT,
            },
        )


@contextlib.contextmanager
def _service(url: str, server: str | None) -> Iterator[str]:
    """The base URL of ``server``, or of a ``gridts serve`` started for the run."""
    if server:
        yield server
        return
    service = start_service(url)
    try:
        yield service.base_url
    finally:
        service.stop()


def _time(
    client: httpx.Client, case: ReadCase, requests: int, warmup: int
) -> tuple[list[float], httpx.Response]:
    """``requests`` latencies (ms) of ``case`` after ``warmup`` requests, and the last answer."""
    params = case.params(YEAR_ENTITIES)
    return timed_gets(client, case.path, params, requests, warmup=warmup, budget=math.inf)


server_option = click.option(
    "--server", help="Time this running service (e.g. `gridts serve`) instead of starting one."
)
requests_option = click.option("--requests", default=200, show_default=True, type=int)


@main.command()
@server_option
@requests_option
@click.pass_obj
def latency(url: str, server: str | None, requests: int) -> None:
    """p50/p99 of each read over HTTP, after 20 warm-up requests (a table on stderr)."""
    report = ["| read | rows | bytes | p50 ms | p99 ms | mean ms |", "|---|---|---|---|---|---|"]
    with (
        contextlib.suppress(KeyboardInterrupt),
        _service(url, server) as base,
        httpx.Client(base_url=base, timeout=60) as client,
    ):
        for case in year_cases(year_end()):
            times, response = _time(client, case, requests, warmup=20)
            times.sort()
            report.append(
                f"| {case.name} | {len(response.json()['data'])} | {len(response.content)} | "
                f"{statistics.median(times):.1f} | {percentile(times, 99):.1f} | "
                f"{statistics.fmean(times):.1f} |"
            )
    # The service logs every request to stdout; the table goes to stderr, apart from them.
    print("\n".join(report), file=sys.stderr)


@main.command()
@server_option
@requests_option
@click.pass_obj
def routing(url: str, server: str | None, requests: int) -> None:
    """p50 of one region's rollup at each resolution and width: the figures behind ``auto``."""
    end = year_end()
    report = [
        "| width | raw p50 ms (rows) | 1h p50 ms (rows) | 1d p50 ms (rows) |",
        "|---|---|---|---|",
    ]
    with _service(url, server) as base, httpx.Client(base_url=base, timeout=60) as client:
        for days in ROUTING_WIDTHS:
            cells = []
            for case in routing_cases(end, days):
                times, response = _time(client, case, requests, warmup=5)
                cells.append(f"{statistics.median(times):.1f} ({len(response.json()['data'])})")
            label = f"{days} day" if days == 1 else f"{days} days"
            report.append(f"| {label} | " + " | ".join(cells) + " |")
    print("\n".join(report), file=sys.stderr)


if __name__ == "__main__":
    main()
