"""Finding a TimescaleDB server to run against, and making throwaway databases on it.

Where the server comes from, first match wins (``find_server``):

1. a URL given by the caller (``GRIDTS_TEST_DATABASE_URL`` for the tests, ``--database-url``
   for the benchmarks): a server whose user may create databases;
2. a throwaway local cluster, when this machine has PostgreSQL's server binaries and the
   timescaledb extension (``gridts.localdb``, which also works as root);
3. Docker, through testcontainers and the ``timescale/timescaledb`` image, when an engine answers.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from gridts.localdb import LocalCluster, LocalClusterUnavailableError, find_binaries
from gridts.testing.ports import free_port

if TYPE_CHECKING:
    import contextlib
    from collections.abc import Callable

#: The image the Docker fallback runs: the same line ``compose.yaml`` pins.
DOCKER_IMAGE = "timescale/timescaledb:2.28.3-pg17"

HOW_TO_PROVIDE = (
    "no TimescaleDB found: set GRIDTS_TEST_DATABASE_URL to a server with the timescaledb "
    "extension, or install PostgreSQL's server and the extension locally (see README), or run a "
    "Docker engine"
)

Source = Literal["url", "local", "docker"]


@dataclass
class TimescaleServer:
    """A server on which the caller may create databases."""

    url: str
    """URL of a maintenance database on the server, as a role that can create databases."""
    source: Source
    """Where it came from."""
    cluster: LocalCluster | None = None
    """The local cluster, when one was started (fault tests stop and start it)."""

    def database_url(self, name: str) -> str:
        """URL of database ``name`` on this server."""
        return urlsplit(self.url)._replace(path=f"/{name}").geturl()

    def create_database(self, name: str) -> str:
        """(Re)create an empty database ``name`` and return its URL."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            name_sql = sql.Identifier(name)
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name_sql))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name_sql))
        return self.database_url(name)


def local_server(stack: contextlib.ExitStack, prefix: str = "gridts-") -> TimescaleServer | None:
    """A throwaway local cluster, stopped and deleted when ``stack`` closes; None if impossible."""
    try:
        find_binaries()
    except LocalClusterUnavailableError:
        return None
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o755)  # the postgres user must reach the data directory when we are root
    stack.callback(shutil.rmtree, root, ignore_errors=True)
    cluster = LocalCluster(root / "data", free_port())
    stack.callback(cluster.destroy)
    cluster.init()
    cluster.start()
    return TimescaleServer(cluster.url, "local", cluster)


def docker_server(stack: contextlib.ExitStack) -> TimescaleServer | None:
    """A ``timescale/timescaledb`` container, when testcontainers finds an engine; else None."""
    try:
        from testcontainers.postgres import PostgresContainer  # noqa: PLC0415 - optional
    except ImportError:
        return None
    try:
        container = PostgresContainer(DOCKER_IMAGE, driver=None)
        stack.enter_context(container)
    except Exception:  # noqa: BLE001 - no engine, no image: not an available source
        return None
    return TimescaleServer(container.get_connection_url(), "docker")


def find_server(
    stack: contextlib.ExitStack,
    url: str | None,
    *,
    sources: tuple[Callable[[contextlib.ExitStack], TimescaleServer | None], ...] = (
        local_server,
        docker_server,
    ),
) -> TimescaleServer | None:
    """The first server available: ``url`` if given, else each of ``sources`` in turn."""
    if url:
        return TimescaleServer(url, "url")
    for source in sources:
        if (server := source(stack)) is not None:
            return server
    return None
