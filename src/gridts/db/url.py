"""Which database the commands use: ``GRIDTS_DATABASE_URL``, else an embedded local cluster."""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from gridts.localdb import LocalCluster, LocalClusterUnavailableError

if TYPE_CHECKING:
    from gridts.settings import Settings

LOCAL_DATABASE = "gridts"


def local_cluster(settings: Settings) -> LocalCluster:
    """The embedded cluster kept under ``settings.data_dir``."""
    return LocalCluster(settings.data_dir.resolve() / "pg", settings.local_port)


def resolve_database_url(settings: Settings) -> str:
    """Return the database to use, starting the embedded cluster when none is configured.

    Raises ``LocalClusterUnavailableError`` with what to do when neither is possible.
    """
    if settings.database_url:
        return settings.database_url
    cluster = local_cluster(settings)
    try:
        cluster.init()
        cluster.start()
    except LocalClusterUnavailableError as error:
        raise LocalClusterUnavailableError(
            f"GRIDTS_DATABASE_URL is not set and no local cluster can run here: {error}"
        ) from None
    with psycopg.connect(cluster.url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (LOCAL_DATABASE,)
        ).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(LOCAL_DATABASE)))
    return cluster.url.rsplit("/", 1)[0] + "/" + LOCAL_DATABASE
