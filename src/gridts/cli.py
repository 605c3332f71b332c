"""The ``gridts`` command: migrate, refresh, serve, seed, and a local database for newcomers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Literal

import click
import psycopg

from gridts.dataset import DatasetPlan
from gridts.db import chunks, migrations
from gridts.db.ready import (
    DatabaseUnavailableError,
    SchemaNotCurrentError,
    ensure_schema,
    wait_for_database,
)
from gridts.db.roles import apply_roles
from gridts.db.url import local_cluster, resolve_database_url
from gridts.errors import BatchConflictError, BatchRejectedError
from gridts.ingest.bulk import write_dataset
from gridts.localdb import LocalClusterUnavailableError
from gridts.refresh import Refresher, connector, day_window, refresh_all
from gridts.refresh.worker import drain
from gridts.retention import RetentionError, apply_policy
from gridts.settings import Settings, SettingsError


def database_url(settings: Settings) -> str:
    """The configured database, or the embedded one, once it answers (or a plain message).

    A server that is still starting is waited for, up to ``GRIDTS_DATABASE_WAIT``.
    """
    try:
        url = resolve_database_url(settings)
        wait_for_database(url, settings.database_wait, lambda line: click.echo(line, err=True))
    except (LocalClusterUnavailableError, DatabaseUnavailableError) as error:
        raise click.ClickException(str(error)) from None
    return url


def current_database_url(settings: Settings) -> str:
    """``database_url``, at this gridts' schema (or a one-line message saying what to run).

    The embedded cluster is migrated here; any other database only by ``gridts migrate``.
    """
    url = database_url(settings)
    try:
        migrated = ensure_schema(url, settings, migrate=settings.database_url is None)
    except SchemaNotCurrentError as error:
        raise click.ClickException(str(error)) from None
    if migrated:
        click.echo(migrated, err=True)
    return url


@click.group()
@click.version_option(package_name="gridts")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Energy-grid time series with every forecast revision, on TimescaleDB."""
    try:
        ctx.obj = Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@main.command()
@click.option("--revision", default="head", show_default=True, help="Alembic revision.")
@click.pass_obj
def migrate(settings: Settings, revision: str) -> None:
    """Bring the database schema up to date (alembic upgrade), then roles and retention.

    A migration that rebuilds rollups queues the stored days for refresh; they are refreshed
    here, before this returns, so reads after an upgrade come from materialised rollups.
    """
    url = database_url(settings)
    migrations.upgrade(url, settings, revision, quiet=False)
    apply_roles(url, settings)  # passwords (GRIDTS_*_PASSWORD) on every run, not only 0005's
    click.echo(f"database at revision {revision}")
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            click.echo(apply_policy(conn, settings.retention))
        except RetentionError as error:
            raise click.ClickException(str(error)) from None
        # Empty rollups (a new database, or rebuilt by a migration) get the interval for the
        # targets a day of measures holds before the drain fills them (the narrowest while
        # measures is short too); then what it refreshed is history to fit.
        before = chunks.fit(conn, settings.chunk_interval, settings.retention)
        started = time.perf_counter()
        if drained := drain(conn, connector(url)):
            took = time.perf_counter() - started
            click.echo(f"refreshed the rollups over {drained} queued window(s) in {took:.1f} s")
        after = chunks.fit(conn, settings.chunk_interval, settings.retention)
        shown = {fitted.relation for fitted in after}
        for fitted in [*(f for f in before if f.relation not in shown), *after]:
            click.echo(fitted.line())


@main.command()
@click.pass_obj
def refresh(settings: Settings) -> None:
    """Refresh every continuous aggregate over its whole range, now."""
    started = time.perf_counter()
    url = database_url(settings)
    with psycopg.connect(url, autocommit=True) as conn:
        refresh_all(conn, connect=connector(url))
    click.echo(f"refreshed every rollup in {time.perf_counter() - started:.1f} s")


@main.command()
@click.pass_obj
def refresher(settings: Settings) -> None:
    """Refresh the rollups after late writes, as the aggregates' owner (runs until stopped).

    For deployments where the service connects as ``gridts_api``, which may not refresh.
    """
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(message)s"
    )
    worker = Refresher(database_url(settings), settings.refresh_poll.total_seconds())
    # SIGTERM (docker compose down, a Kubernetes pod's end) stops it like Ctrl-C does: after the
    # current refresh, leaving what is still queued for the next start.
    signal.signal(signal.SIGTERM, lambda *_: worker.stop(timeout=0))
    with contextlib.suppress(KeyboardInterrupt):
        worker.run()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.pass_obj
def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Run the HTTP service (uvicorn, one or more worker processes)."""
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    # Workers are separate processes that read settings from the environment.
    os.environ["GRIDTS_DATABASE_URL"] = current_database_url(settings)
    # The app logs each request as JSON with its id (gridts.observability); uvicorn's access log
    # would repeat it in plain text: a third line per request, 0.05 ms of a worker's CPU each.
    uvicorn.run(
        "gridts.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        access_log=False,
    )


@main.command()
@click.option("--grids", default=3, show_default=True, type=click.IntRange(1))
@click.option("--regions", default=3, show_default=True, type=click.IntRange(1), help="Per grid.")
@click.option("--nodes", default=3, show_default=True, type=click.IntRange(1), help="Per region.")
@click.option("--revisions", default=3, show_default=True, type=click.IntRange(1, 12))
@click.option("--days", type=click.IntRange(1), help="Span in days.")
@click.option("--weeks", type=click.IntRange(1), help="Span in weeks (default 1).")
@click.option("--years", type=click.IntRange(1), help="Span in years of 365 days.")
@click.option(
    "--start",
    default="2025-07-01",
    show_default=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="First target day (UTC).",
)
@click.option(
    "--resolution",
    default="60",
    show_default=True,
    type=click.Choice(["60", "15"]),
    help="Minutes between targets.",
)
@click.option("--seed", "seed_", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--batch-rows", default=100_000, show_default=True, type=click.IntRange(1))
@click.option("--jobs", default=2, show_default=True, type=click.IntRange(1), help="Connections.")
@click.option("--refresh/--no-refresh", default=True, show_default=True, help="Refresh rollups.")
@click.option(
    "--series",
    "extra_series",
    is_flag=True,
    help="Also generation (gas, wind, solar) and a price per node, besides the load.",
)
@click.option(
    "--values",
    default="noisy",
    show_default=True,
    type=click.Choice(["noisy", "realistic"]),
    help="noisy: independent noise on every value; realistic: a smooth load, small revisions.",
)
@click.option(
    "--collection",
    default="leads",
    show_default=True,
    type=click.Choice(["leads", "day_ahead"]),
    help="leads: revisions 12, 11, ... h before the target; day_ahead: a forecast at 12:00 UTC "
    "the day before and the measure an hour after (needs --revisions 2).",
)
@click.pass_obj
def seed(
    settings: Settings,
    *,
    grids: int,
    regions: int,
    nodes: int,
    revisions: int,
    days: int | None,
    weeks: int | None,
    years: int | None,
    start: datetime,
    resolution: str,
    seed_: int,
    batch_rows: int,
    jobs: int,
    refresh: bool,
    extra_series: bool,
    values: Literal["noisy", "realistic"],
    collection: Literal["leads", "day_ahead"],
) -> None:
    """Write a synthetic data set (3 grids x 3 regions x 3 nodes, 3 revisions) through ingest."""
    given = [s for s in (days, weeks, years) if s is not None]
    if len(given) > 1:
        raise click.UsageError("give one of --days, --weeks, --years")
    span = timedelta(days=days or 7 * (weeks or 0) or 365 * (years or 0) or 7)
    if collection == "day_ahead" and revisions != 2:  # noqa: PLR2004
        raise click.UsageError("--collection day_ahead needs --revisions 2")
    plan = DatasetPlan(
        grids=grids,
        regions_per_grid=regions,
        nodes_per_region=nodes,
        revisions=revisions,
        start=start.replace(tzinfo=UTC),
        span=span,
        resolution=timedelta(minutes=int(resolution)),
        random_seed=seed_,
        extra_series=extra_series,
        values=values,
        collection=collection,
    )
    url = current_database_url(settings)
    try:
        report = asyncio.run(
            write_dataset(url, plan, batch_rows, jobs=jobs, progress=sys.stdout.isatty())
        )
    except* BatchRejectedError as group:
        error = group.exceptions[0]
        why = ""
        if isinstance(error, BatchConflictError):
            why = " (was this range seeded before with another --seed?)"
        elif isinstance(error, BatchRejectedError):  # its first problem (a target too old, say)
            why = "".join(f": {p.field}: {p.message}" for p in error.problems[:1])
        raise click.ClickException(f"{error}{why}") from None
    click.echo(report.summary())
    if refresh:
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            refresh_all(conn, *day_window(plan.start, plan.end), connect=connector(url))
        click.echo(
            f"refreshed the rollups over the seeded days in {time.perf_counter() - started:.1f} s"
        )


@main.group()
def db() -> None:
    """The embedded local cluster used when GRIDTS_DATABASE_URL is unset."""


@db.command("start")
@click.pass_obj
def db_start(settings: Settings) -> None:
    """Create (if needed) and start the local cluster; print its URL."""
    click.echo(database_url(settings))


@db.command("stop")
@click.pass_obj
def db_stop(settings: Settings) -> None:
    """Stop the local cluster."""
    local_cluster(settings).stop()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
