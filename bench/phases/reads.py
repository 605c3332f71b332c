"""Reads phase: warm reads over HTTP against a running ``gridts serve``, then a mixed load.

Also how every benchmark times a read (``repeat``, ``percentile``, ``timed_gets``) and shows its
plan (``explain``): the baseline and the year-scale scripts use the same helpers.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from typing import TYPE_CHECKING, Any

import httpx
import psycopg
from psycopg import sql
from rich.progress import Progress

from cases import Entities
from cpu import Meter, postmaster

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from cases import ReadCase
    from cpu import Share
    from gridts.testing.process import ServiceProcess
    from presets import Preset
    from results import Results

#: The first node, region and grid of a gridts database: what one-entity reads ask for.
FIRST_ENTITIES = """
SELECT (SELECT min(id) FROM grid_node), (SELECT min(id) FROM grid_region),
       (SELECT min(id) FROM grid)
"""


#: Requests ``timed_gets`` sends before the timed ones at its default ``warmup``: the answer it
#: returns, then one more.
_WARM_REQUESTS = 2


def repeat(
    call: Callable[[], object], repetitions: int, *, budget: float = 30.0, warmup: int = 2
) -> list[float]:
    """Warm up, then time ``call`` up to ``repetitions`` times within ``budget`` seconds (ms).

    At least three timed runs, however long they take.
    """
    for _ in range(warmup):
        call()
    latencies: list[float] = []
    deadline = time.perf_counter() + budget
    while len(latencies) < repetitions and (len(latencies) < 3 or time.perf_counter() < deadline):
        started = time.perf_counter()
        call()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def percentile(ordered: Sequence[float], p: float) -> float:
    """The ``p``-th percentile of sorted ``ordered``: the nearest rank."""
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed_gets(
    http: httpx.Client,
    path: str,
    params: Mapping[str, Any],
    repetitions: int,
    *,
    warmup: int = 2,
    budget: float = 30.0,
) -> tuple[list[float], httpx.Response]:
    """Latencies (ms) of warm ``GET path?params`` to the last byte, and the first answer.

    The first warm-up request is read whole and returned (the caller checks it). The timed ones
    are read as they arrive and dropped, as ``curl -o /dev/null`` does: holding each 157 MB
    answer whole made the client the slowest part of the read (``bench/README.md``, "Latest and
    as of: one DISTINCT ON per series").
    """
    first = http.get(path, params=params)
    first.raise_for_status()

    def get() -> None:
        with http.stream("GET", path, params=params) as response:
            response.raise_for_status()
            for _ in response.iter_raw():
                pass

    latencies = repeat(get, repetitions, warmup=max(warmup - 1, 0), budget=budget)
    return latencies, first


def explain(
    conn: psycopg.Connection, statement: sql.Composable, params: Mapping[str, Any], runs: int = 1
) -> list[str]:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of ``statement``, run ``runs`` times: the last plan."""
    full = sql.SQL("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ") + statement
    rows: list[tuple[str]] = []
    for _ in range(runs):
        rows = conn.execute(full, params).fetchall()
    return [line for (line,) in rows]


def measure(
    service: ServiceProcess, url: str, cases: list[ReadCase], preset: Preset, results: Results
) -> None:
    """Every case, warm and sequential; then several clients on the mixed cases for a while."""
    with psycopg.connect(url) as conn:
        row = conn.execute(FIRST_ENTITIES).fetchone()
        meter = Meter(service.process.pid, postmaster(conn))
    ids = Entities(*row)  # type: ignore[misc]
    with (
        Progress(transient=True) as bar,
        httpx.Client(base_url=service.base_url, timeout=600) as http,
    ):
        task = bar.add_task("reads over HTTP", total=len(cases))
        for case in cases:
            try:
                meter.start()
                latencies, answer = timed_gets(
                    http, case.path, case.params(ids), preset.repetitions
                )
                share = meter.stop(len(latencies) + _WARM_REQUESTS)
            except httpx.HTTPError as error:
                # Reported, not fatal: a benchmark says what happened and goes on.
                results.add(
                    case.figure_id("p50"),
                    case.figure_name("p50"),
                    None,
                    "ms",
                    note=f"failed: {error}"[:200],
                )
            else:
                extra = str(share)
                if case.kind == "rollup":
                    body = answer.json()
                    extra = f"{body['resolution']} from {body['source']}; {extra}"
                _add_latency(results, case, latencies, note=extra)
                if case.scope == "all_nodes":
                    _add_cpu(results, case, share)
            bar.advance(task)
    mixed = [case for case in cases if case.mixed]
    count, errors, took = asyncio.run(_mixed(service.base_url, mixed, ids, preset))
    results.add(
        "mixed.rate",
        f"mixed reads, {preset.clients} concurrent clients",
        count / took,
        "requests/s",
        higher_is_better=True,
        note=f"{count} requests in {took:.1f} s, {errors} errors",
    )
    results.add("mixed.errors", "mixed reads, errors", errors, "count")


def _add_cpu(results: Results, case: ReadCase, share: Share) -> None:
    """A big read's CPU seconds, all processes together: on N cores, its wall time's bound."""
    if share.database is None:
        return
    total = share.service + share.database + share.client
    results.add(
        case.figure_id("cpu"),
        f"{case.name}: CPU seconds a read, all processes",
        total,
        "s",
        note=f"{share}; {total / (os.cpu_count() or 1) * 1000:.0f} ms of wall time at least",
    )


def _add_latency(results: Results, case: ReadCase, latencies: list[float], note: str) -> None:
    ordered = sorted(latencies)
    note = f"{len(ordered)} runs" + (f"; {note}" if note else "")
    results.add(
        case.figure_id("p50"), case.figure_name("p50"), statistics.median(ordered), "ms", note=note
    )
    for p in (95, 99):
        results.add(
            case.figure_id(f"p{p}"), case.figure_name(f"p{p}"), percentile(ordered, p), "ms"
        )


async def _mixed(
    base: str, cases: list[ReadCase], ids: Entities, preset: Preset
) -> tuple[int, int, float]:
    requests = [(case.path, case.params(ids)) for case in cases]
    count = errors = 0
    deadline = time.perf_counter() + preset.mixed_seconds

    async def client(seed: int) -> None:
        nonlocal count, errors
        rng = random.Random(seed)
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            while time.perf_counter() < deadline:
                path, params = rng.choice(requests)
                response = await http.get(path, params=params)
                count += 1
                errors += response.status_code != 200

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(preset.clients)))
    return count, errors, time.perf_counter() - started
