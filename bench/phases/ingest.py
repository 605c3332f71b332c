"""Ingest phase: the bulk path (``gridts seed``'s writer), then ``POST /api/v1/measures``.

Also the loaders the other phases and scripts share: a migrated database with a seed plan
written into it, and a binary COPY of rows into a measures table.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx
import msgspec
import psycopg
from psycopg import sql

from gridts.dataset import DatasetPlan, batches
from gridts.db import migrations
from gridts.ingest.bulk import BulkReport, write_dataset
from gridts.settings import Settings
from gridts.testing.process import start_service

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from gridts.testing.process import ServiceProcess
    from presets import Preset
    from results import Results

#: Figure id of the bulk path's rate (the baseline adds its row-by-row rate to it).
BULK = "ingest.bulk"
HTTP_BATCH_ROWS = 20_000

MEASURES = sql.Identifier("measures")
_COPY = sql.SQL(
    "COPY {} (node_id, timestamp_measured, timestamp_collected, value) FROM STDIN (FORMAT BINARY)"
)


def seed_database(
    url: str,
    plan: DatasetPlan,
    *,
    progress: bool = False,
    on_batch: Callable[[int], None] | None = None,
) -> BulkReport:
    """Migrate the database at ``url`` and write ``plan``'s rows with ``gridts seed``'s writer.

    Two connections, as ``gridts seed`` (one leaves a core idle).
    """
    migrations.upgrade(url, Settings.from_env({}))
    return asyncio.run(write_dataset(url, plan, jobs=2, progress=progress, on_batch=on_batch))


def copy_rows(
    conn: psycopg.Connection,
    rows: Iterable[tuple[Any, ...]],
    *,
    table: sql.Composable = MEASURES,
    on_rows: Callable[[int], None] | None = None,
    every: int = 50_000,
) -> int:
    """COPY ``(node_id, timestamp_measured, timestamp_collected, value)`` rows into ``table``.

    ``on_rows`` hears every ``every`` rows (a progress bar). Returns the number of rows.
    """
    count = 0
    with conn.cursor().copy(_COPY.format(table)) as copy:
        copy.set_types(["int4", "timestamptz", "timestamptz", "float8"])
        for count, row in enumerate(rows, 1):
            copy.write_row(row)
            if on_rows is not None and count % every == 0:
                on_rows(every)
    return count


def bulk(url: str, plan: DatasetPlan, results: Results) -> None:
    """Migrate, then time ``plan`` through the bulk path, two connections (the ingest curve)."""
    started = time.perf_counter()
    done = 0

    def on_batch(rows: int) -> None:
        nonlocal done
        done += rows
        results.ingest_curve.append((time.perf_counter() - started, done))

    report = seed_database(url, plan, progress=True, on_batch=on_batch)
    results.add(
        BULK,
        "ingest, bulk path (gridts seed writer, 2 connections)",
        report.rows_per_second,
        "rows/s",
        higher_is_better=True,
        note=(
            f"{report.rows:,} rows in {report.seconds:.1f} s, {report.generating:.1f} s of it "
            "generating them (gridts.dataset)"
        ),
    )


#: What ``over_http`` posts: format, ``gridts serve`` workers, figure id (1 worker: as before).
HTTP_RUNS = (
    ("json", 1, "ingest.http.json"),
    ("json", 2, "ingest.http.json.2"),
    ("csv", 1, "ingest.http.csv"),
)


def over_http(url: str, plan: DatasetPlan, preset: Preset, results: Results) -> None:
    """Post further spans of the same nodes as JSON (one worker, then two), then as CSV.

    Each run starts its own ``gridts serve`` (``--workers`` as the run says) and posts
    ``preset.http_days`` new days from ``preset.clients`` clients in 20,000-row batches.
    """
    with psycopg.connect(url) as conn:
        ids = [n for (n,) in conn.execute("SELECT id FROM grid_node ORDER BY id")]
    # Rows name their node (its default series), as clients written before series did.
    nodes = [[node] for node in ids]
    for number, (kind, workers, figure) in enumerate(HTTP_RUNS):
        sample = dataclasses.replace(  # the same nodes, revisions and values, later
            plan,
            start=plan.start + plan.span + timedelta(days=2 + number * (preset.http_days + 1)),
            span=timedelta(days=preset.http_days),
            random_seed=0,
            extra_series=False,
        )
        bodies = [_body(kind, b) for b in batches(sample, nodes, HTTP_BATCH_ROWS)]
        service = start_service(url, workers=workers, wait_for="/ready")
        try:
            stored, seconds = asyncio.run(_post_all(service, bodies, kind, preset.clients))
        finally:
            service.stop()
        results.add(
            figure,
            f"ingest over HTTP, {kind.upper()}, {workers} worker{'s' * (workers > 1)} "
            f"({preset.clients} clients, 20k-row batches)",
            stored / seconds,
            "rows/s",
            higher_is_better=True,
            note=f"{stored:,} rows",
        )


def _body(kind: str, batch: list[tuple[Any, ...]]) -> bytes:
    if kind == "json":
        return msgspec.json.encode(
            [
                {"node_id": n, "timestamp_measured": tm, "timestamp_collected": tc, "value": v}
                for n, tm, tc, v, _ in batch
            ]
        )
    lines = "".join(f"{n},{tm.isoformat()},{tc.isoformat()},{v!r}\n" for n, tm, tc, v, _ in batch)
    return ("node_id,timestamp_measured,timestamp_collected,value\n" + lines).encode()


async def _post_all(
    service: ServiceProcess, bodies: list[bytes], kind: str, clients: int
) -> tuple[int, float]:
    headers = {
        **service.headers,
        "Content-Type": "application/json" if kind == "json" else "text/csv",
    }
    pending = iter(bodies)
    stored = 0

    async def client() -> None:
        nonlocal stored
        async with httpx.AsyncClient(base_url=service.base_url, timeout=300) as http:
            for body in pending:
                response = await http.post("/api/v1/measures", content=body, headers=headers)
                response.raise_for_status()
                stored += response.json()["inserted"]

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return stored, time.perf_counter() - started
