"""Reads on streaming replicas: throughput with 0, 1 and 2 replicas, lag under bulk ingest, and
the cost of ``min_lsn``.

Everything runs on this machine: a throwaway primary and two hot standbys cloned from it with
``pg_basebackup -R`` (``gridts.testing.replication``), the data written by ``gridts seed``, and
``gridts serve`` started once per configuration. It prints one line per figure and writes them
to ``--output`` as JSON. It is a tool, not a test: nothing fails because the machine is slow.

    uv run python bench/replicas.py                      # 27 nodes, 8 weeks; a few minutes
    uv run python bench/replicas.py --weeks 52 --ingest-weeks 8 --clients 16

What to expect where: on a machine of two cores the service, the primary and every standby share
the same two cores, so a replica adds no CPU and read throughput cannot grow with replicas here;
the figures show the routing's cost, not the scale-out. On real hardware each standby brings its
own cores, disks and buffer cache, so read throughput grows with replicas as long as the API
processes (``gridts serve --workers``, more instances behind the load balancer) keep up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import httpx
import psycopg

from gridts.db import migrations
from gridts.settings import Settings
from gridts.testing.process import ServiceProcess, start_service
from gridts.testing.replication import ReplicatedPair, clone_standby, replicated_pair
from gridts.testing.servers import TimescaleServer

START = datetime(2025, 7, 1, tzinfo=UTC)


#: ``gridts seed``'s sizes of the year preset (``bench/presets.py``): 1,000 nodes, 4 revisions.
YEAR = {"grids": 10, "regions": 10, "nodes": 10, "revisions": 4, "days": 365}


def _seed(url: str, *, weeks: int, start: datetime, refresh: bool, year: bool = False) -> float:
    """``gridts seed`` into ``url`` (``year``: the year preset's shape); its rows per second."""
    began = time.perf_counter()
    command = [sys.executable, "-m", "gridts.cli", "seed"]
    if year:
        command += [f"--{name}={value}" for name, value in YEAR.items()]
    else:
        command += ["--weeks", str(weeks)]
    command += ["--start", start.date().isoformat(), "--refresh" if refresh else "--no-refresh"]
    subprocess.run(
        command,
        env={**os.environ, "GRIDTS_DATABASE_URL": url},
        check=True,
        capture_output=True,
    )
    rows = 1000 * 4 * 24 * 365 if year else 27 * 3 * 24 * 7 * weeks
    return rows / (time.perf_counter() - began)


def _mixed_reads(weeks: int) -> list[tuple[str, dict[str, Any]]]:
    end = START + timedelta(weeks=weeks)
    day = {"start_datetime": (end - timedelta(days=1)).isoformat(), "end_datetime": end.isoformat()}
    week = {
        "start_datetime": (end - timedelta(days=7)).isoformat(),
        "end_datetime": end.isoformat(),
    }
    return [
        ("/api/v1/measures", {**day, "node_id": 1}),
        ("/api/v1/measures", {**day, "region_id": 2}),
        ("/api/v1/measures/horizon", {**day, "node_id": 3, "lead": "PT12H"}),
        ("/api/v1/rollups", {**week, "level": "grid", "resolution": "1h"}),
        ("/api/v1/rollups", {**week, "level": "region", "resolution": "1h"}),
        ("/api/v1/dashboard", {}),
        ("/api/v1/series", {}),
    ]


async def _throughput(
    base_url: str, reads: list[tuple[str, dict[str, Any]]], clients: int, seconds: float
) -> tuple[float, int, float]:
    """Reads per second of ``clients`` concurrent clients, errors, and p95 latency (ms)."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(offset: int) -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
            number = offset
            while time.perf_counter() < deadline:
                path, params = reads[number % len(reads)]
                number += 1
                began = time.perf_counter()
                response = await http.get(path, params=params)
                latencies.append((time.perf_counter() - began) * 1000)
                errors += response.status_code != 200

    began = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    took = time.perf_counter() - began
    latencies.sort()
    return len(latencies) / took, errors, latencies[int(len(latencies) * 0.95)]


def _wait_healthy(service: ServiceProcess, count: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        replicas = httpx.get(service.base_url + "/ready").json().get("replicas", [])
        if sum(r["state"] == "healthy" for r in replicas) == count:
            return
        time.sleep(0.1)
    raise RuntimeError("the replicas did not become healthy")


class LagSampler(threading.Thread):
    """Samples the lag gridts reports in /ready, and the standby's distance in WAL bytes."""

    def __init__(self, service: ServiceProcess, primary_url: str, standby_url: str) -> None:
        super().__init__(daemon=True)
        self.service, self.primary_url, self.standby_url = service, primary_url, standby_url
        self.stop = threading.Event()
        self.seconds: list[float] = []
        self.bytes: list[int] = []
        self.states: dict[str, int] = {}

    def run(self) -> None:
        with (
            psycopg.connect(self.primary_url, autocommit=True) as primary,
            psycopg.connect(self.standby_url, autocommit=True) as standby,
        ):
            while not self.stop.is_set():
                replica = httpx.get(self.service.base_url + "/ready").json()["replicas"][0]
                self.states[replica["state"]] = self.states.get(replica["state"], 0) + 1
                if replica["lag_seconds"] is not None:
                    self.seconds.append(replica["lag_seconds"])
                written = primary.execute("SELECT pg_current_wal_lsn()::text").fetchone()
                behind = standby.execute(
                    "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())::bigint",
                    (written[0] if written else "0/0",),
                ).fetchone()
                self.bytes.append(max(0, int(behind[0])) if behind else 0)
                time.sleep(0.2)


def _min_lsn_cost(service: ServiceProcess, pairs: int) -> dict[str, float]:
    """Write-then-read pairs: read latency with and without ``min_lsn``, and the misses without."""
    with_lsn, without, stale = [], [], 0
    target0 = START - timedelta(days=400)
    with httpx.Client(base_url=service.base_url, headers=service.headers, timeout=60) as http:
        for i in range(pairs):
            target = target0 + timedelta(hours=i)
            body = [
                {
                    "node_id": 1,
                    "timestamp_measured": target.isoformat(),
                    "timestamp_collected": target.isoformat(),
                    "value": float(i),
                }
            ]
            lsn = http.post("/api/v1/measures", json=body).json()["lsn"]
            params = {"start_datetime": target.isoformat(), "end_datetime": target.isoformat()}
            params["node_id"] = "1"
            began = time.perf_counter()
            plain = http.get("/api/v1/measures", params=params).json()
            without.append((time.perf_counter() - began) * 1000)
            stale += not plain["data"]
            began = time.perf_counter()
            http.get("/api/v1/measures", params={**params, "min_lsn": lsn})
            with_lsn.append((time.perf_counter() - began) * 1000)
    return {
        "read_without_min_lsn_p50_ms": statistics.median(without),
        "read_with_min_lsn_p50_ms": statistics.median(with_lsn),
        "read_with_min_lsn_p95_ms": sorted(with_lsn)[int(pairs * 0.95)],
        "reads_without_min_lsn_missing_the_write": stale,
        "pairs": pairs,
    }


def _read_runs(
    url: str, replicas: list[str], reads: list[tuple[str, dict[str, Any]]], options: Options
) -> dict[str, Any]:
    """The mixed read load on gridts with 0, 1 and 2 replicas, each after a warm-up run."""
    figures: dict[str, Any] = {}
    for count in (0, 1, 2):
        env = {"GRIDTS_RATE_LIMIT_PER_MINUTE": "0", "GRIDTS_REFRESH_IN_PROCESS": "0"}
        if count:
            env["GRIDTS_READ_DATABASE_URLS"] = ",".join(replicas[:count])
        service = start_service(url, env=env)
        try:
            if count:
                _wait_healthy(service, count)
            asyncio.run(_throughput(service.base_url, reads, options.clients, 3))  # warm caches
            rate, errors, p95 = asyncio.run(
                _throughput(service.base_url, reads, options.clients, options.seconds)
            )
        finally:
            service.stop()
        figures[f"mixed_reads_{count}_replicas"] = {
            "reads_per_s": round(rate, 1),
            "errors": errors,
            "p95_ms": round(p95, 1),
        }
        click.echo(f"{count} replicas: {rate:,.1f} reads/s, p95 {p95:.1f} ms, {errors} errors")
    return figures


def _ingest_runs(url: str, replica: str, pair: ReplicatedPair, options: Options) -> dict[str, Any]:
    """min_lsn's cost on an idle primary, then lag and min_lsn during a bulk ingest."""
    figures: dict[str, Any] = {}
    env = {
        "GRIDTS_READ_DATABASE_URLS": replica,
        "GRIDTS_REFRESH_IN_PROCESS": "0",
        "GRIDTS_RATE_LIMIT_PER_MINUTE": "0",
    }
    service = start_service(url, env=env)
    try:
        _wait_healthy(service, 1)
        figures["min_lsn_idle"] = _min_lsn_cost(service, options.pairs)
        click.echo(f"min_lsn, idle primary: {figures['min_lsn_idle']}")
        sampler = LagSampler(service, pair.primary.url, pair.standby.url)
        sampler.start()
        start = START + timedelta(weeks=options.weeks)

        def ingest() -> None:
            rate = _seed(
                url,
                weeks=options.ingest_weeks,
                start=start,
                refresh=False,
                year=options.ingest_year,
            )
            figures["bulk_ingest_rows_per_s"] = round(rate)

        writer = threading.Thread(target=ingest)
        writer.start()
        time.sleep(2)
        figures["min_lsn_during_ingest"] = _min_lsn_cost(service, options.pairs // 2)
        writer.join()
        sampler.stop.set()
        sampler.join()
    finally:
        service.stop()
    lag = sorted(sampler.seconds) or [0.0]
    figures["lag_during_bulk_ingest"] = {
        "ingest": "year preset" if options.ingest_year else f"{options.ingest_weeks} weeks",
        "samples": len(sampler.seconds),
        "seconds_p50": lag[len(lag) // 2],
        "seconds_max": lag[-1],
        "wal_bytes_max": max(sampler.bytes or [0]),
        "states": sampler.states,
    }
    click.echo(f"min_lsn during bulk ingest: {figures['min_lsn_during_ingest']}")
    click.echo(f"lag during bulk ingest: {figures['lag_during_bulk_ingest']}")
    click.echo(f"bulk ingest: {figures.get('bulk_ingest_rows_per_s')} rows/s")
    return figures


@dataclass(frozen=True)
class Options:
    """The command line's sizes."""

    weeks: int
    ingest_weeks: int
    clients: int
    seconds: float
    pairs: int
    ingest_year: bool
    lag_only: bool


@click.command()
@click.option("--weeks", default=8, show_default=True, help="Data set span (27 nodes, hourly).")
@click.option("--ingest-weeks", default=4, show_default=True, help="Bulk ingest during lag run.")
@click.option("--clients", default=8, show_default=True, help="Concurrent readers.")
@click.option("--seconds", default=15.0, show_default=True, help="Length of each read run.")
@click.option("--pairs", default=200, show_default=True, help="min_lsn write-then-read pairs.")
@click.option(
    "--ingest-year", is_flag=True, help="The lag run ingests the year preset (35 M rows)."
)
@click.option("--lag-only", is_flag=True, help="Skip the read throughput runs.")
@click.option("--output", type=click.Path(path_type=Path), default=None)
def main(output: Path | None, **sizes: Any) -> None:  # noqa: ANN401
    """Measure reads on 0, 1 and 2 replicas, lag under bulk ingest, and min_lsn's cost."""
    options = Options(**sizes)
    figures: dict[str, Any] = {**sizes, "cores": os.cpu_count()}
    with contextlib.ExitStack() as stack:
        pair = replicated_pair(stack)
        if pair is None:
            raise click.ClickException("no PostgreSQL server binaries here")
        second = clone_standby(pair.primary, pair.standby.datadir.parent / "standby2")
        stack.callback(second.destroy)
        url = TimescaleServer(pair.primary.url, "local", pair.primary).create_database("gridts")
        migrations.upgrade(url, Settings.from_env({}))
        rate = _seed(url, weeks=options.weeks, start=START, refresh=True)
        click.echo(f"seeded {options.weeks} weeks at {rate:,.0f} rows/s")
        pair.wait_caught_up(120)
        replicas = [pair.url(pair.standby, "gridts"), pair.url(second, "gridts")]
        if not options.lag_only:
            figures |= _read_runs(url, replicas, _mixed_reads(options.weeks), options)
        figures |= _ingest_runs(url, replicas[0], pair, options)
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
        (output / "replicas.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
