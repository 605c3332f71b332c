"""Year-scale load benchmarks of gridts, side by side with the seeds' plain-PostgreSQL design.

    uv run python bench/run.py --preset quick             # a smoke run, under a minute
    uv run python bench/run.py --preset seed              # 27 nodes, hourly, 3 revisions, 1 year
    uv run python bench/run.py --preset year              # 1,000 nodes, 4 revisions, 1 year (35 M)
    uv run python bench/run.py --preset seed --database-url postgresql://postgres@host/postgres

The database URL names a maintenance database on a server with TimescaleDB; the run creates
``bench_gridts`` and ``bench_baseline`` there (dropping earlier ones). Without one, a throwaway
local cluster is started (``gridts.localdb``). Phases, each with a progress bar:

1. ingest through the bulk path (``gridts seed``'s writer, 2 connections), then a sample through
   ``POST /api/v1/measures`` (JSON and CSV, several clients);
2. the continuous aggregates' full refresh, storage before and after compression, and the
   incremental refreshes after one more hour of data and after a batch of late revisions;
3. reads over HTTP against a running ``gridts serve`` (warm, repeated) and a mixed read load;
4. the baseline: the seeds' tables, loaded with the seeds' row-by-row INSERTs for a sample
   (extrapolated, and said so), then bulk-loaded with the same rows, and the seeds' queries.

Output (``--output``, default ``bench/results/<timestamp>/``): ``results.json``, ``report.md``,
``latency_by_width.png``, ``ingest_over_time.png``, and a table on the terminal. Speed is never
asserted: slow machines get slow figures, not failures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import msgspec
import psycopg
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from gridts import __version__
from gridts.db import migrations
from gridts.db.rollups import day_window, refresh_all
from gridts.ingest.seed import write_seed
from gridts.ingest.store import store
from gridts.localdb import LocalCluster
from gridts.seeding import SeedPlan, batches
from gridts.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

START = datetime(2025, 1, 1, tzinfo=UTC)
API_KEY = "bench-key"
console = Console()


@dataclass(frozen=True)
class Preset:
    """Sizes and repetitions of a run."""

    grids: int
    regions: int
    nodes: int
    revisions: int
    days: int
    repetitions: int
    """Warm repetitions of each HTTP read."""
    baseline_sample: int
    """Rows loaded into the baseline with row-by-row INSERTs (the rest by COPY)."""
    http_days: int
    """Days of extra data posted over HTTP (per format)."""
    clients: int
    mixed_seconds: float
    baseline_timeout: int = 120
    """Seconds after which a baseline query is cancelled (and reported as such)."""


PRESETS = {
    "quick": Preset(2, 2, 2, 3, 3, 10, 500, 1, 4, 2.0, 30),
    "seed": Preset(3, 3, 3, 3, 365, 200, 20_000, 28, 4, 10.0),
    "year": Preset(10, 10, 10, 4, 365, 50, 20_000, 1, 8, 15.0, 300),
}


@dataclass
class Figure:
    """One measured figure, and the baseline's matching one when there is one."""

    name: str
    value: float | None
    unit: str
    higher_is_better: bool = False
    baseline: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """How many times better than the baseline (> 1: gridts is better)."""
        if self.value is None or self.baseline is None or not self.value or not self.baseline:
            return None
        return self.value / self.baseline if self.higher_is_better else self.baseline / self.value


@dataclass
class Results:
    """Everything a run measured."""

    preset: str
    plan: dict[str, Any]
    machine: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    ingest_curve: list[tuple[float, int]] = field(default_factory=list)

    def add(self, name: str, value: float | None, unit: str, **kw: Any) -> Figure:  # noqa: ANN401
        figure = Figure(name, value, unit, **kw)
        self.figures.append(figure)
        return figure

    def get(self, name: str) -> Figure:
        return next(f for f in self.figures if f.name == name)


# --- the database ------------------------------------------------------------------------------


@contextlib.contextmanager
def server(url: str | None) -> Iterator[str]:
    """The maintenance URL of the server to use: given, or a throwaway local cluster."""
    if url:
        yield url
        return
    root = Path(tempfile.mkdtemp(prefix="gridts-bench-"))
    root.chmod(0o755)
    cluster = LocalCluster(root / "data", free_port())
    try:
        cluster.init()
        cluster.start()
        yield cluster.url
    finally:
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_database(server_url: str, name: str) -> str:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return urlsplit(server_url)._replace(path=f"/{name}").geturl()


def machine(url: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()
        ts = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
        ).fetchone()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "postgresql": pg[0] if pg else None,
        "timescaledb": ts[0] if ts else None,
        "gridts": __version__,
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "platform": platform.platform(),
    }


# --- phases --------------------------------------------------------------------------------------


def ingest_bulk(url: str, plan: SeedPlan, results: Results) -> None:
    started = time.perf_counter()
    done = 0

    def on_batch(rows: int) -> None:
        nonlocal done
        done += rows
        results.ingest_curve.append((time.perf_counter() - started, done))

    migrations.upgrade(url, Settings.from_env({}))
    report = asyncio.run(write_seed(url, plan, jobs=2, progress=True, on_batch=on_batch))
    results.add(
        "ingest, bulk path (gridts seed writer, 2 connections)",
        report.rows_per_second,
        "rows/s",
        higher_is_better=True,
        note=f"{report.rows:,} rows in {report.seconds:.1f} s",
    )


def rollups_and_storage(url: str, plan: SeedPlan, results: Results) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        refresh_all(conn)
        results.add("continuous aggregates: full refresh", time.perf_counter() - started, "s")
        conn.execute("VACUUM ANALYZE measures")
        before = _size(conn)
        rows = plan.rows
        results.add("storage before compression", before / rows, "bytes/row")
        started = time.perf_counter()
        with Progress(console=console, transient=True) as bar:
            chunks = [c for (c,) in conn.execute("SELECT show_chunks('measures')")]
            task = bar.add_task("compressing chunks", total=len(chunks))
            for chunk in chunks:
                conn.execute("SELECT compress_chunk(%s, if_not_compressed => true)", (chunk,))
                bar.advance(task)
        took = time.perf_counter() - started
        after = _size(conn)
        results.add("storage after compression", after / rows, "bytes/row", note=f"in {took:.1f} s")
        results.add("compression ratio", before / after, "x", higher_is_better=True)
        results.add("compression, all chunks", took, "s")

        nodes = [n for (n,) in conn.execute("SELECT id FROM grid_node ORDER BY id")]
    # One more hour of data after the end, then a day of late revisions a month back.
    hour = plan.start + plan.span
    extra = [
        (node, hour, hour - timedelta(hours=12 - k), 100.0 + k) for node in nodes for k in range(3)
    ]
    asyncio.run(_store(url, extra))
    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        refresh_all(conn, *day_window(hour, hour))
        results.add("incremental refresh after one more hour", time.perf_counter() - started, "s")
    day = plan.start + plan.span - timedelta(days=30)
    rng = random.Random(1)
    targets = [day + timedelta(hours=h) for h in range(24)]
    late = [
        (node, target, target + timedelta(hours=1), round(rng.uniform(50, 150), 3))
        for node in nodes
        for target in targets
        if rng.random() < 0.1
    ] or [(nodes[0], targets[0], targets[0] + timedelta(hours=1), 1.0)]
    started = time.perf_counter()
    asyncio.run(_store(url, late))
    write = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        refresh_all(conn, *day_window(day, day))
        results.add(
            "incremental refresh after late revisions",
            time.perf_counter() - started,
            "s",
            note=f"{len(late)} late revisions of one compressed day, written in {write:.2f} s",
        )


async def _store(url: str, rows: list[tuple[Any, ...]]) -> None:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await store(conn, rows)


def _size(conn: psycopg.Connection) -> float:
    row = conn.execute("SELECT total_bytes FROM hypertable_detailed_size('measures')").fetchone()
    return float(row[0]) if row and row[0] else 0.0


@contextlib.contextmanager
def gridts_serve(url: str, workers: int = 1) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "GRIDTS_DATABASE_URL": url,
        "GRIDTS_API_KEYS": API_KEY,
        "GRIDTS_RATE_LIMIT_PER_MINUTE": "0",
        "GRIDTS_MAX_RESPONSE_ROWS": "20000000",
        "GRIDTS_STATEMENT_TIMEOUT": "300",  # measure slow reads instead of cutting them off
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gridts.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def ingest_http(url: str, base: str, plan: SeedPlan, preset: Preset, results: Results) -> None:
    for number, kind in enumerate(("json", "csv")):
        sample = SeedPlan(
            grids=plan.grids,
            regions_per_grid=plan.regions_per_grid,
            nodes_per_region=plan.nodes_per_region,
            revisions=plan.revisions,
            start=plan.start + plan.span + timedelta(days=2 + number * (preset.http_days + 1)),
            span=timedelta(days=preset.http_days),
        )
        with psycopg.connect(url) as conn:
            ids = [n for (n,) in conn.execute("SELECT id FROM grid_node ORDER BY id")]
        bodies = [_body(kind, b) for b in batches(sample, ids, 20_000)]
        rows = asyncio.run(_post_all(base, bodies, kind, preset.clients))
        results.add(
            f"ingest over HTTP, {kind.upper()} ({preset.clients} clients, 20k-row batches)",
            rows[0] / rows[1],
            "rows/s",
            higher_is_better=True,
            note=f"{rows[0]:,} rows",
        )


def _body(kind: str, batch: list[tuple[Any, ...]]) -> bytes:
    if kind == "json":
        return msgspec.json.encode(
            [
                {"node_id": n, "timestamp_measured": tm, "timestamp_collected": tc, "value": v}
                for n, tm, tc, v in batch
            ]
        )
    lines = "".join(f"{n},{tm.isoformat()},{tc.isoformat()},{v!r}\n" for n, tm, tc, v in batch)
    return ("node_id,timestamp_measured,timestamp_collected,value\n" + lines).encode()


async def _post_all(base: str, bodies: list[bytes], kind: str, clients: int) -> tuple[int, float]:
    headers = {
        "Authorization": f"Bearer {API_KEY}",
        "Content-Type": "application/json" if kind == "json" else "text/csv",
    }
    pending = iter(bodies)
    stored = 0

    async def client() -> None:
        nonlocal stored
        async with httpx.AsyncClient(base_url=base, timeout=300) as http:
            for body in pending:
                response = await http.post("/api/v1/measures", content=body, headers=headers)
                response.raise_for_status()
                stored += response.json()["inserted"]

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return stored, time.perf_counter() - started


def reads(base: str, url: str, plan: SeedPlan, preset: Preset, results: Results) -> None:
    with psycopg.connect(url) as conn:
        node = conn.execute("SELECT min(id) FROM grid_node").fetchone()[0]  # type: ignore[index]
        region = conn.execute("SELECT min(id) FROM grid_region").fetchone()[0]  # type: ignore[index]
        grid = conn.execute("SELECT min(id) FROM grid").fetchone()[0]  # type: ignore[index]
    end = plan.start + plan.span - timedelta(hours=1)

    def window(days: int) -> dict[str, str]:
        return {
            "start_datetime": (end - timedelta(days=days) + timedelta(hours=1)).isoformat(),
            "end_datetime": end.isoformat(),
        }

    days = [d for d in (1, 30, 365) if d <= plan.span.days] or [plan.span.days]
    asof = (end - timedelta(days=3, hours=11)).isoformat()
    cases: list[tuple[str, str, dict[str, Any]]] = [
        (f"latest, one node, {d} d", "/api/v1/measures", {**window(d), "node_id": node})
        for d in days
    ]
    for d in days[:2]:
        cases.append((f"latest, all nodes, {d} d", "/api/v1/measures", window(d)))
        cases.append(
            (
                f"as of, all nodes, {d} d",
                "/api/v1/measures",
                {**window(d), "collected_datetime": asof},
            )
        )
    cases.append(
        (
            "as of, one region, 7 d",
            "/api/v1/measures",
            {**window(min(7, plan.span.days)), "region_id": region, "collected_datetime": asof},
        )
    )
    for level, entity in (("region", region), ("grid", grid)):
        for d in days:
            for resolution in ("auto", "raw"):
                params = {**window(d), "level": level, "id": entity, "resolution": resolution}
                cases.append((f"{level} rollup, {d} d, {resolution}", "/api/v1/rollups", params))
    cases.append(
        ("revisions, one node, 1 d", "/api/v1/measures/revisions", {**window(1), "node_id": node})
    )

    with (
        Progress(console=console, transient=True) as bar,
        httpx.Client(base_url=base, timeout=600) as http,
    ):
        task = bar.add_task("reads over HTTP", total=len(cases))
        for name, path, params in cases:
            try:
                latencies = _repeat(lambda p=path, q=params: _get(http, p, q), preset.repetitions)
            except httpx.HTTPError as error:
                # Reported, not fatal: a benchmark says what happened and goes on.
                results.add(f"{name}: p50", None, "ms", note=f"failed: {error}"[:200])
                bar.advance(task)
                continue
            extra = ""
            if path == "/api/v1/rollups":
                answer = http.get(path, params=params).json()
                extra = f"{answer['resolution']} from {answer['source']}"
            _add_latency(results, name, latencies, note=extra)
            bar.advance(task)
    # A mixed read load: several clients for a fixed time.
    mixed = [
        c for c in cases if "365" not in c[0] and "raw" not in c[0] and "all nodes, 30" not in c[0]
    ]
    count, errors, took = asyncio.run(_mixed(base, mixed, preset))
    results.add(
        f"mixed reads, {preset.clients} concurrent clients",
        count / took,
        "requests/s",
        higher_is_better=True,
        note=f"{count} requests in {took:.1f} s, {errors} errors",
    )
    results.add("mixed reads, errors", errors, "count")


def _get(http: httpx.Client, path: str, params: dict[str, Any]) -> None:
    response = http.get(path, params=params)
    response.raise_for_status()


def _repeat(call: Any, repetitions: int, budget: float = 30.0) -> list[float]:  # noqa: ANN401
    """Warm up, then time ``call`` up to ``repetitions`` times within ``budget`` seconds."""
    for _ in range(2):
        call()
    latencies: list[float] = []
    deadline = time.perf_counter() + budget
    while len(latencies) < repetitions and (len(latencies) < 3 or time.perf_counter() < deadline):
        started = time.perf_counter()
        call()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _add_latency(results: Results, name: str, latencies: list[float], note: str = "") -> None:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    note = f"{len(ordered)} runs" + (f"; {note}" if note else "")
    results.add(f"{name}: p50", statistics.median(ordered), "ms", note=note)
    results.add(f"{name}: p95", pct(95), "ms")
    results.add(f"{name}: p99", pct(99), "ms")


async def _mixed(
    base: str, cases: list[tuple[str, str, dict[str, Any]]], preset: Preset
) -> tuple[int, int, float]:
    count = errors = 0
    deadline = time.perf_counter() + preset.mixed_seconds

    async def client(seed: int) -> None:
        nonlocal count, errors
        rng = random.Random(seed)
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            while time.perf_counter() < deadline:
                _, path, params = rng.choice(cases)
                response = await http.get(path, params=params)
                count += 1
                errors += response.status_code != 200

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(preset.clients)))
    return count, errors, time.perf_counter() - started


# --- the baseline: the seeds' design -------------------------------------------------------------

BASELINE_SCHEMA = """
CREATE TABLE Grid (grid_id SERIAL PRIMARY KEY, grid_name VARCHAR(50) UNIQUE NOT NULL);
CREATE TABLE GridRegion (region_id SERIAL PRIMARY KEY, region_name VARCHAR(50) NOT NULL,
                         grid_id INT REFERENCES Grid (grid_id));
CREATE TABLE GridNode (node_id SERIAL PRIMARY KEY, node_name VARCHAR(50) NOT NULL,
                       region_id INT REFERENCES GridRegion (region_id));
CREATE TABLE Measures (measure_id SERIAL PRIMARY KEY, node_id INT REFERENCES GridNode (node_id),
                       timestamp_measured TIMESTAMPTZ NOT NULL,
                       timestamp_collected TIMESTAMPTZ NOT NULL, value FLOAT NOT NULL);
CREATE UNIQUE INDEX measures_key ON Measures (node_id, timestamp_measured, timestamp_collected);
"""
LATEST = """
SELECT m.node_id, n.node_name, m.timestamp_measured, m.value
FROM Measures m JOIN GridNode n ON m.node_id = n.node_id
WHERE m.timestamp_measured BETWEEN %(start)s AND %(end)s {filter}
  AND m.timestamp_collected = (
      SELECT MAX(timestamp_collected) FROM Measures m2
      WHERE m2.node_id = m.node_id AND m2.timestamp_measured = m.timestamp_measured)
ORDER BY m.node_id, m.timestamp_measured
"""
AS_OF = """
SELECT m.node_id, n.node_name, m.timestamp_measured, m.value
FROM Measures m JOIN GridNode n ON m.node_id = n.node_id
WHERE m.timestamp_measured BETWEEN %(start)s AND %(end)s {filter}
  AND m.timestamp_collected = %(collected)s
ORDER BY m.node_id, m.timestamp_measured
"""
ROLLUP = """
SELECT {key}, date_trunc('{unit}', m.timestamp_measured) AS bucket, AVG(m.value), SUM(m.value)
FROM Measures m JOIN GridNode n ON m.node_id = n.node_id
JOIN GridRegion gr ON n.region_id = gr.region_id
WHERE m.timestamp_measured BETWEEN %(start)s AND %(end)s AND {key} = %(entity)s
  AND m.timestamp_collected = (
      SELECT MAX(timestamp_collected) FROM Measures m2
      WHERE m2.node_id = m.node_id AND m2.timestamp_measured = m.timestamp_measured)
GROUP BY 1, 2 ORDER BY 1, 2
"""


def baseline(server_url: str, plan: SeedPlan, preset: Preset, results: Results) -> None:
    url = fresh_database(server_url, "bench_baseline")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(BASELINE_SCHEMA)
        for grid, region, node in plan.names():
            conn.execute("INSERT INTO Grid (grid_name) VALUES (%s) ON CONFLICT DO NOTHING", (grid,))
            row = conn.execute(
                "SELECT region_id FROM GridRegion r JOIN Grid g USING (grid_id) "
                "WHERE g.grid_name = %s AND r.region_name = %s",
                (grid, region),
            ).fetchone()
            if row is None:
                row = conn.execute(
                    "INSERT INTO GridRegion (region_name, grid_id) SELECT %s, grid_id FROM Grid "
                    "WHERE grid_name = %s RETURNING region_id",
                    (region, grid),
                ).fetchone()
            conn.execute(
                "INSERT INTO GridNode (node_name, region_id) VALUES (%s, %s)",
                (node, row[0]),  # type: ignore[index]
            )
        ids = [n for (n,) in conn.execute("SELECT node_id FROM GridNode ORDER BY node_id")]
    # Streamed: a sample for the seeds' row-by-row load, the rest straight into COPY, so a
    # 35 M-row preset never holds its rows in memory.
    records = itertools.chain.from_iterable(batches(plan, ids, 50_000))
    sample = list(itertools.islice(records, preset.baseline_sample))
    # The seeds' load: one INSERT per row, one commit at the end; timed on the sample.
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        started = time.perf_counter()
        for record in sample:
            cursor.execute(
                "INSERT INTO Measures (node_id, timestamp_measured, timestamp_collected, value) "
                "VALUES (%s, %s, %s, %s)",
                record,
            )
        conn.commit()
        took = time.perf_counter() - started
    rate = len(sample) / took
    results.get("ingest, bulk path (gridts seed writer, 2 connections)").baseline = rate
    results.add(
        "baseline ingest, row-by-row INSERTs (the seeds')",
        rate,
        "rows/s",
        higher_is_better=True,
        note=f"timed on {len(sample):,} rows; the full {plan.rows:,} would take "
        f"{plan.rows / rate / 60:.0f} min (extrapolated); the rest was loaded by COPY",
    )
    with psycopg.connect(url, autocommit=True) as conn:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("baseline: COPY the rest", total=plan.rows - len(sample))
            with conn.cursor().copy(
                "COPY Measures (node_id, timestamp_measured, timestamp_collected, value) "
                "FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["int4", "timestamptz", "timestamptz", "float8"])
                for number, record in enumerate(records, 1):
                    copy.write_row(record)
                    if number % 50_000 == 0:
                        bar.advance(task, 50_000)
        conn.execute("VACUUM ANALYZE")
        size = conn.execute("SELECT pg_total_relation_size('measures')").fetchone()[0]  # type: ignore[index]
    per_row = size / plan.rows
    results.get("storage after compression").baseline = per_row
    results.get("storage before compression").baseline = per_row
    baseline_queries(url, plan, preset, results)


def baseline_queries(url: str, plan: SeedPlan, preset: Preset, results: Results) -> None:
    end = plan.start + plan.span - timedelta(hours=1)
    asof = end - timedelta(days=3, hours=11)
    days = [d for d in (1, 30, 365) if d <= plan.span.days] or [plan.span.days]

    def window(d: int) -> dict[str, Any]:
        return {"start": end - timedelta(days=d) + timedelta(hours=1), "end": end}

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"SET statement_timeout = '{preset.baseline_timeout}s'")
        node = conn.execute("SELECT min(node_id) FROM GridNode").fetchone()[0]  # type: ignore[index]
        region = conn.execute("SELECT min(region_id) FROM GridRegion").fetchone()[0]  # type: ignore[index]
        grid = conn.execute("SELECT min(grid_id) FROM Grid").fetchone()[0]  # type: ignore[index]
        cases: list[tuple[str, str, dict[str, Any]]] = []
        for d in days:
            sql_text = LATEST.format(filter="AND m.node_id = %(node)s")
            cases.append((f"latest, one node, {d} d", sql_text, {**window(d), "node": node}))
        for d in days[:2]:
            cases.append((f"latest, all nodes, {d} d", LATEST.format(filter=""), window(d)))
            cases.append(
                (
                    f"as of, all nodes, {d} d",
                    AS_OF.format(filter=""),
                    {**window(d), "collected": asof},
                )
            )
        cases.append(
            (
                "as of, one region, 7 d",
                AS_OF.format(filter="AND n.region_id = %(region)s"),
                {**window(min(7, plan.span.days)), "region": region, "collected": asof},
            )
        )
        for level, key, entity in (("region", "n.region_id", region), ("grid", "gr.grid_id", grid)):
            for d in days:
                unit = "hour" if d <= 62 else "day"
                cases.append(
                    (
                        f"{level} rollup, {d} d, auto",
                        ROLLUP.format(key=key, unit=unit),
                        {**window(d), "entity": entity},
                    )
                )
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("baseline: the seeds' queries", total=len(cases))
            for name, sql_text, params in cases:
                try:
                    latencies = _repeat(
                        lambda s=sql_text, p=params: conn.execute(s, p).fetchall(),
                        preset.repetitions,
                        budget=20.0,
                    )
                    p50: float | None = statistics.median(latencies)
                except psycopg.errors.QueryCanceled:
                    p50 = None
                with contextlib.suppress(StopIteration):
                    figure = results.get(f"{name}: p50")
                    figure.baseline = p50
                    if p50 is None:
                        figure.note += f"; baseline cancelled after {preset.baseline_timeout} s"
                bar.advance(task)


# --- output --------------------------------------------------------------------------------


def write_outputs(results: Results, output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    document = {
        "preset": results.preset,
        "plan": results.plan,
        "machine": results.machine,
        "figures": [{**asdict(f), "ratio": f.ratio} for f in results.figures],
        "ingest_curve": results.ingest_curve,
    }
    (output / "results.json").write_text(json.dumps(document, indent=2, default=str), "utf-8")
    lines = [
        f"# gridts benchmark, preset `{results.preset}`",
        "",
        ", ".join(f"{k}: {v}" for k, v in results.machine.items()),
        "",
        "| figure | gridts | unit | baseline | x better | note |",
        "|---|---:|---|---:|---:|---|",
    ]
    lines += [
        f"| {f.name} | {_fmt(f.value)} | {f.unit} | {_fmt(f.baseline)} | "
        f"{_fmt(f.ratio)} | {f.note} |"
        for f in results.figures
    ]
    (output / "report.md").write_text("\n".join(lines) + "\n", "utf-8")
    _plots(results, output)
    table = Table(title=f"gridts, preset {results.preset}")
    for column in ("figure", "gridts", "unit", "baseline", "x better"):
        table.add_column(column, justify="left" if column in {"figure", "unit"} else "right")
    for f in results.figures:
        table.add_row(f.name, _fmt(f.value), f.unit, _fmt(f.baseline), _fmt(f.ratio))
    console.print(table)
    console.print(f"written to {output}")


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def _plots(results: Results, output: Path) -> None:
    import matplotlib as mpl  # noqa: PLC0415 - only the report needs it

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, ax = plt.subplots(figsize=(7, 4))
    for level in ("region", "grid"):
        for resolution in ("auto", "raw"):
            points = []
            for f in results.figures:
                prefix = f"{level} rollup, "
                if f.name.startswith(prefix) and f.name.endswith(f", {resolution}: p50"):
                    width = int(f.name[len(prefix) :].split(" d,")[0])
                    points.append((width, f.value))
            if points:
                xs, ys = zip(*sorted(points), strict=True)
                ax.plot(xs, ys, marker="o", label=f"{level}, {resolution}")
    ax.set(xscale="log", yscale="log", xlabel="range width (days)", ylabel="p50 over HTTP (ms)")
    ax.set_title("Rollup latency by range width: raw vs continuous aggregates")
    ax.legend()
    fig.tight_layout()
    fig.savefig(output / "latency_by_width.png", dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 4))
    curve = results.ingest_curve
    rates = [
        (t1, (r1 - r0) / (t1 - t0)) for (t0, r0), (t1, r1) in itertools.pairwise(curve) if t1 > t0
    ]
    if rates:
        ax.plot([t for t, _ in rates], [r for _, r in rates])
    ax.set(xlabel="seconds", ylabel="rows/s", title="Bulk ingest rate over time")
    fig.tight_layout()
    fig.savefig(output / "ingest_over_time.png", dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description="gridts year-scale benchmarks")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    parser.add_argument("--database-url", default=os.environ.get("GRIDTS_BENCH_SERVER_URL"))
    parser.add_argument("--output", type=Path)
    for name in ("grids", "regions", "nodes", "revisions", "days", "clients"):
        parser.add_argument(f"--{name}", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    preset = PRESETS[args.preset]
    overrides = {
        k: getattr(args, k)
        for k in ("grids", "regions", "nodes", "revisions", "days", "clients")
        if getattr(args, k) is not None
    }
    if overrides:
        preset = Preset(**{**asdict(preset), **overrides})
    plan = SeedPlan(
        grids=preset.grids,
        regions_per_grid=preset.regions,
        nodes_per_region=preset.nodes,
        revisions=preset.revisions,
        start=START,
        span=timedelta(days=preset.days),
        seed=args.seed,
    )
    output = args.output or Path("bench/results") / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    with server(args.database_url) as server_url:
        url = fresh_database(server_url, "bench_gridts")
        results = Results(
            args.preset,
            {**asdict(preset), "rows": plan.rows, "nodes_total": plan.nodes},
            {},
        )
        console.print(f"[bold]preset {args.preset}[/]: {plan.nodes} nodes, {plan.rows:,} rows")
        try:
            ingest_bulk(url, plan, results)
            results.machine = machine(url)  # the extension exists once the migrations ran
            rollups_and_storage(url, plan, results)
            with gridts_serve(url) as base:
                ingest_http(url, base, plan, preset, results)
                reads(base, url, plan, preset, results)
            baseline(server_url, plan, preset, results)
        finally:
            write_outputs(results, output)  # what was measured, even if a phase failed


if __name__ == "__main__":
    main()
