"""A real TimescaleDB for the tests, found or started once per session, migrated by Alembic.

Where the server comes from, first match wins:

1. ``GRIDTS_TEST_DATABASE_URL``: a server you run (its user must be able to create databases);
2. a throwaway local cluster, when this machine has PostgreSQL's server binaries and the
   timescaledb extension (``gridts.localdb``, which also works as root);
3. Docker, through testcontainers and the ``timescale/timescaledb`` image, when an engine answers.

With none of them the database tests are skipped with a reason that says how to provide one,
unless ``GRIDTS_REQUIRE_TIMESCALEDB=1``, in which case the run stops at once with an error.
The schema is built by ``alembic upgrade head``, never by ``create_all``; each test that asks for
``db`` starts from empty tables.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from gridts.db import migrations
from gridts.db.rollups import ROLLUPS
from gridts.localdb import LocalCluster, LocalClusterUnavailableError, find_binaries
from gridts.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

HOW_TO_PROVIDE = (
    "no TimescaleDB for the tests: set GRIDTS_TEST_DATABASE_URL to a server with the timescaledb "
    "extension, or install PostgreSQL's server and the extension locally (see README), or run a "
    "Docker engine"
)


@dataclass
class TimescaleServer:
    """A server the tests may create databases on."""

    url: str
    """URL of a maintenance database on the server, as a role that can create databases."""
    source: str
    """Where it came from: ``env``, ``local`` or ``docker``."""
    cluster: LocalCluster | None = None
    """The local cluster, when the tests started one (fault tests stop and start it)."""

    def database_url(self, name: str) -> str:
        """URL of database ``name`` on this server."""
        return urlsplit(self.url)._replace(path=f"/{name}").geturl()


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _local_server(stack: contextlib.ExitStack) -> TimescaleServer | None:
    try:
        find_binaries()
    except LocalClusterUnavailableError:
        return None
    root = Path(tempfile.mkdtemp(prefix="gridts-test-pg-"))
    root.chmod(0o755)
    stack.callback(shutil.rmtree, root, ignore_errors=True)
    cluster = LocalCluster(root / "data", free_port())
    stack.callback(cluster.destroy)
    cluster.init()
    cluster.start()
    return TimescaleServer(cluster.url, "local", cluster)


def _docker_server(stack: contextlib.ExitStack) -> TimescaleServer | None:
    try:
        from testcontainers.postgres import PostgresContainer  # noqa: PLC0415
    except ImportError:
        return None
    try:
        container = PostgresContainer("timescale/timescaledb:2.28.3-pg17", driver=None)
        stack.enter_context(container)
    except Exception:  # noqa: BLE001 - no engine, no image: not an available source
        return None
    return TimescaleServer(container.get_connection_url(), "docker")


@pytest.fixture(scope="session")
def timescale_server() -> Iterator[TimescaleServer]:
    """The TimescaleDB server of this test session."""
    with contextlib.ExitStack() as stack:
        server: TimescaleServer | None = None
        if url := os.environ.get("GRIDTS_TEST_DATABASE_URL"):
            server = TimescaleServer(url, "env")
        server = server or _local_server(stack) or _docker_server(stack)
        if server is None:
            if os.environ.get("GRIDTS_REQUIRE_TIMESCALEDB") == "1":
                pytest.exit(f"GRIDTS_REQUIRE_TIMESCALEDB=1 and {HOW_TO_PROVIDE}", returncode=3)
            pytest.skip(HOW_TO_PROVIDE)
        try:
            with psycopg.connect(server.url, connect_timeout=10) as conn:
                conn.execute("SELECT 1")
        except psycopg.OperationalError as error:
            pytest.exit(f"the test database server does not answer: {error}", returncode=3)
        yield server


def create_database(server: TimescaleServer, name: str) -> str:
    """(Re)create an empty database ``name`` and return its URL."""
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return server.database_url(name)


@pytest.fixture(scope="session")
def test_settings() -> Settings:
    """Settings of the service under test (no environment leaks in)."""
    return Settings.from_env({})


@pytest.fixture(scope="session")
def database_url(timescale_server: TimescaleServer, test_settings: Settings) -> str:
    """A database built by ``alembic upgrade head``, shared by the session's tests."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = create_database(timescale_server, f"gridts_test_{worker}")
    migrations.upgrade(url, test_settings)
    return url


_RESET = sql.SQL(
    "TRUNCATE measures, rollup_refresh_queue; TRUNCATE {rollups}; DELETE FROM grid_node; "
    "DELETE FROM grid_region; DELETE FROM grid"
).format(rollups=sql.SQL(", ").join(sql.Identifier(v) for v in ROLLUPS))


def reset_database(url: str) -> None:
    """Empty every table and rollup of the gridts schema at ``url``."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(_RESET)


@pytest.fixture
def db(database_url: str) -> str:
    """The migrated database, emptied before the test; its URL."""
    reset_database(database_url)
    return database_url


@pytest.fixture
def conn(db: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the emptied database."""
    with psycopg.connect(db, autocommit=True) as connection:
        yield connection


def make_nodes(conn: psycopg.Connection, count: int = 1) -> list[int]:
    """A grid ``G`` with one region ``R`` holding ``count`` nodes; their ids, ascending."""
    conn.execute("INSERT INTO grid (name) VALUES ('G')")
    conn.execute("INSERT INTO grid_region (grid_id, name) SELECT id, 'R' FROM grid")
    rows = conn.execute(
        "INSERT INTO grid_node (region_id, name) SELECT r.id, 'N' || i "
        "FROM grid_region r, generate_series(1, %s) i RETURNING id",
        (count,),
    ).fetchall()
    return sorted(int(r[0]) for r in rows)


@pytest.fixture
def node(conn: psycopg.Connection) -> int:
    """One node (in grid ``G``, region ``R``) of the emptied database."""
    return make_nodes(conn)[0]
