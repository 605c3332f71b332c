"""A real TimescaleDB for the tests: pytest fixtures over ``gridts.testing.servers``.

The server is found or started once per session by ``gridts.testing.servers.find_server`` (its
docstring gives the order: ``GRIDTS_TEST_DATABASE_URL``, a throwaway local cluster, Docker).
With none of them the database tests are skipped with a reason that says how to provide one,
unless ``GRIDTS_REQUIRE_TIMESCALEDB=1``, in which case the run stops at once with an error
(``no_server``). The schema is built by ``alembic upgrade head``, never by ``create_all``; each
test that asks for ``db`` starts from empty tables.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, NoReturn

import psycopg
import pytest

from gridts.db import migrations
from gridts.settings import Settings
from gridts.testing.servers import (
    HOW_TO_PROVIDE,
    TimescaleServer,
    docker_server,
    find_server,
    local_server,
)
from support.db import make_hierarchy, reset_database, roles_restored

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

#: Where a server may come from when no URL is given, in order (tests replace it with fakes).
SOURCES = (local_server, docker_server)


def no_server(environ: Mapping[str, str]) -> NoReturn:
    """What to do when no server was found: stop the run if one is required, else skip."""
    if environ.get("GRIDTS_REQUIRE_TIMESCALEDB") == "1":
        pytest.exit(f"GRIDTS_REQUIRE_TIMESCALEDB=1 and {HOW_TO_PROVIDE}", returncode=3)
    pytest.skip(HOW_TO_PROVIDE)


@pytest.fixture(scope="session")
def timescale_server() -> Iterator[TimescaleServer]:
    """The TimescaleDB server of this test session."""
    with contextlib.ExitStack() as stack:
        url = os.environ.get("GRIDTS_TEST_DATABASE_URL")
        server = find_server(stack, url, sources=SOURCES)
        if server is None:
            no_server(os.environ)
        try:
            with psycopg.connect(server.url, connect_timeout=10) as conn:
                conn.execute("SELECT 1")
        except psycopg.OperationalError as error:
            pytest.exit(f"the test database server does not answer: {error}", returncode=3)
        yield server


@pytest.fixture(scope="session")
def test_settings() -> Settings:
    """Settings of the service under test (no environment leaks in)."""
    return Settings.from_env({})


@pytest.fixture(scope="session")
def database_url(timescale_server: TimescaleServer, test_settings: Settings) -> str:
    """A database built by ``alembic upgrade head``, shared by the session's tests."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = timescale_server.create_database(f"gridts_test_{worker}")
    migrations.upgrade(url, test_settings)
    return url


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


@pytest.fixture
def node(conn: psycopg.Connection) -> int:
    """One node (``N1`` in grid ``G``, region ``R``) of the emptied database."""
    return make_hierarchy(conn, {"G": {"R": ["N1"]}}).nodes[0]


@pytest.fixture
def restore_roles(database_url: str) -> Iterator[None]:
    """For tests that change the server's gridts roles: they are put back in ``finally``."""
    with roles_restored(database_url):
        yield


@pytest.fixture
def nodes(conn: psycopg.Connection) -> list[int]:
    """Two nodes (``N1``, ``N2`` in grid ``G``, region ``R``) of the emptied database."""
    return make_hierarchy(conn, {"G": {"R": ["N1", "N2"]}}).nodes
