"""The ``gridts`` command: migrate, refresh, serve, seed, and a local database for newcomers."""

from __future__ import annotations

import os
import sys
import time

import click
import psycopg

from gridts.db import migrations
from gridts.db.rollups import refresh_all
from gridts.db.url import local_cluster, resolve_database_url
from gridts.localdb import LocalClusterUnavailableError
from gridts.settings import Settings


def database_url(settings: Settings) -> str:
    """The configured database, or the embedded one; a plain message when neither works."""
    try:
        return resolve_database_url(settings)
    except LocalClusterUnavailableError as error:
        raise click.ClickException(str(error)) from None


@click.group()
@click.version_option(package_name="gridts")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Energy-grid time series with every forecast revision, on TimescaleDB."""
    ctx.obj = Settings.from_env()


@main.command()
@click.option("--revision", default="head", show_default=True, help="Alembic revision.")
@click.pass_obj
def migrate(settings: Settings, revision: str) -> None:
    """Bring the database schema up to date (alembic upgrade)."""
    migrations.upgrade(database_url(settings), settings, revision, quiet=False)
    click.echo(f"database at revision {revision}")


@main.command()
@click.pass_obj
def refresh(settings: Settings) -> None:
    """Refresh every continuous aggregate over its whole range, now."""
    started = time.perf_counter()
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        refresh_all(conn)
    click.echo(f"refreshed every rollup in {time.perf_counter() - started:.1f} s")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.pass_obj
def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Run the HTTP service (uvicorn, one or more worker processes)."""
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    # Workers are separate processes that read settings from the environment.
    os.environ["GRIDTS_DATABASE_URL"] = database_url(settings)
    uvicorn.run(
        "gridts.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
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
