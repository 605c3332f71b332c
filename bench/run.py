"""Year-scale load benchmarks of gridts, side by side with the plain-PostgreSQL baseline.

    uv run python bench/run.py --preset quick             # a smoke run, under a minute
    uv run python bench/run.py --preset seed              # 27 nodes, hourly, 3 revisions, 1 year
    uv run python bench/run.py --preset year              # 1,000 nodes, 4 revisions, 1 year (35 M)
    uv run python bench/run.py --preset history --values noisy --storage-only
    uv run python bench/run.py --preset seed --database-url postgresql://postgres@host/postgres

The database URL names a maintenance database on a server with TimescaleDB; the run creates
``bench_gridts`` and ``bench_baseline`` there (dropping earlier ones). Without one, a throwaway
local cluster is started (``gridts.testing.servers``). Phases (``phases/``), each with a progress
bar:

1. ingest through the bulk path (``gridts seed``'s writer, 2 connections), then samples through
   ``POST /api/v1/measures`` (JSON with one ``gridts serve`` worker and with two, then CSV;
   several clients);
2. the continuous aggregates' full refresh, storage before and after compression, and the
   incremental refreshes after one more hour of data and after a batch of late revisions;
3. reads over HTTP against a running ``gridts serve`` (warm, repeated) and a mixed read load;
   then the tail of one node's day, with keep-alive and with a new connection per request, while
   a writer and the background jobs run (``phases/tail.py``);
4. the baseline: the baseline's tables, loaded with the baseline's row-by-row INSERTs for a sample
   (extrapolated, and said so), then bulk-loaded with the same rows, and the baseline's queries.

Output (``--output``, default ``bench/results/<timestamp>/``): ``results.json``, ``report.md``,
``latency_by_width.png``, ``ingest_over_time.png``, and a table on the terminal. Speed is never
asserted: slow machines get slow figures, not failures.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click
from rich import get_console

import report
from cases import read_cases
from gridts.testing.process import start_service
from gridts.testing.servers import HOW_TO_PROVIDE, docker_server, find_server, local_server
from phases import baseline, ingest, reads, storage, tail
from presets import PRESETS, SIZES
from results import Results, machine

if TYPE_CHECKING:
    from gridts.dataset import Values

#: The benchmark's server returns the largest answers and measures slow reads to the end.
SERVICE_ENV = {"GRIDTS_MAX_RESPONSE_ROWS": "20000000", "GRIDTS_STATEMENT_TIMEOUT": "300"}
F = TypeVar("F")
SOURCES = (functools.partial(local_server, prefix="gridts-bench-"), docker_server)


def size_options(command: F) -> F:
    """``--grids``, ``--regions`` ...: override one of the preset's sizes."""
    for name in reversed(SIZES):
        command = click.option(f"--{name}", type=int, help=f"Override the preset's {name}.")(
            command
        )
    return command


@click.command()
@click.option("--preset", "preset_name", type=click.Choice(sorted(PRESETS)), default="quick")
@click.option(
    "--database-url",
    envvar="GRIDTS_BENCH_SERVER_URL",
    help="A maintenance database on a TimescaleDB server (default: a throwaway local cluster).",
)
@click.option("--output", type=click.Path(file_okay=False, path_type=Path))
@size_options
@click.option("--seed", type=int, default=0, help="The generator's seed.")
@click.option(
    "--values",
    type=click.Choice(["noisy", "realistic"]),
    help="Override the preset's values: independent noise, or smooth load with small revisions.",
)
@click.option(
    "--storage-only", is_flag=True, help="Stop after ingest and storage (no HTTP, no baseline)."
)
def main(  # noqa: PLR0917 - one parameter per command-line option
    preset_name: str,
    database_url: str | None,
    output: Path | None,
    seed: int,
    values: Values | None,
    storage_only: bool,
    **sizes: int | None,
) -> None:
    """gridts year-scale benchmarks."""
    preset = PRESETS[preset_name].resized(**sizes)
    if values:
        preset = dataclasses.replace(preset, values=values)
    plan = preset.plan(seed)
    cases = read_cases(plan)
    output = output or Path("bench/results") / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    with contextlib.ExitStack() as stack:
        server = find_server(stack, database_url, sources=SOURCES)
        if server is None:
            raise click.ClickException(HOW_TO_PROVIDE)
        url = server.create_database("bench_gridts")
        results = Results(
            preset_name, {**asdict(preset), "rows": plan.rows, "nodes_total": plan.nodes}, {}
        )
        get_console().print(
            f"[bold]preset {preset_name}[/]: {plan.nodes} nodes, {plan.rows:,} rows"
        )
        try:
            ingest.bulk(url, plan, results)
            results.machine = machine(url)  # the extension exists once the migrations ran
            storage.measure(url, plan, results)
            if storage_only:
                return
            ingest.over_http(url, plan, preset, results)
            service = start_service(url, wait_for="/ready", env=SERVICE_ENV)
            try:
                reads.measure(service, url, cases, preset, results)
                tail.measure(service, url, plan, preset.mixed_seconds, results)
            finally:
                service.stop()
            baseline.measure(server, plan, preset, cases, results)
        finally:
            report.write(results, cases, output)  # what was measured, even if a phase failed


if __name__ == "__main__":
    main()
