"""A primary and a streaming hot standby for the replica tests (``gridts.testing.replication``).

``replicated`` is one pair per module, its ``gridts`` database migrated on the primary and
replayed by the standby; ``make_replicated`` makes a fresh pair for a test that destroys one
(failover). Without PostgreSQL's server binaries here, the tests are skipped, or the run stops
when ``GRIDTS_REQUIRE_TIMESCALEDB=1`` (``plugins.timescaledb.no_server``).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from gridts.db import migrations
from gridts.settings import Settings
from gridts.testing.replication import ReplicatedPair, replicated_pair
from gridts.testing.servers import TimescaleServer
from plugins.timescaledb import no_server

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

DATABASE = "gridts"


@dataclass
class Replicated:
    """A pair whose ``gridts`` database is migrated: URLs of the primary and the replica."""

    pair: ReplicatedPair
    primary_url: str
    replica_url: str


def _make(stack: contextlib.ExitStack, standby_settings: dict[str, str] | None) -> Replicated:
    if os.environ.get("GRIDTS_TEST_DATABASE_URL"):
        pytest.skip("the replica tests start their own primary and standby on this machine")
    pair = replicated_pair(stack, standby_settings=standby_settings)
    if pair is None:
        no_server(os.environ)
    primary = TimescaleServer(pair.primary.url, "local", pair.primary)
    url = primary.create_database(DATABASE)
    migrations.upgrade(url, Settings.from_env({}))
    pair.wait_caught_up()
    return Replicated(pair, url, pair.url(pair.standby, DATABASE))


@pytest.fixture(scope="module")
def replicated() -> Iterator[Replicated]:
    """A migrated primary and its standby, shared by a module's tests."""
    with contextlib.ExitStack() as stack:
        yield _make(stack, None)


@pytest.fixture
def make_replicated() -> Iterator[Callable[..., Replicated]]:
    """``make_replicated(**standby_settings)``: a fresh migrated pair, destroyed after the test."""
    with contextlib.ExitStack() as stack:
        yield lambda **settings: _make(stack, settings)
