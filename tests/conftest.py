"""Test configuration shared by every kind of test.

The TimescaleDB fixtures live in ``plugins/timescaledb.py``, the ``gridts serve`` ones in
``plugins/live_server.py``; here are the app under test (``app_settings``, ``make_client``,
``client``) and the Hypothesis profiles.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import time
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, core, settings
from litestar.testing import TestClient

from gridts.app import create_app
from gridts.testing.process import API_KEY

if TYPE_CHECKING:
    from collections.abc import Iterator

    from litestar import Litestar

    from gridts.settings import Settings
    from support.wire import ClientFactory

pytest_plugins = ["pytester", "plugins.timescaledb", "plugins.live_server", "plugins.replication"]

# Each example writes to a real database: no per-example deadline, and fixtures are reset
# inside the test body, so the function-scoped fixture warning does not apply.
settings.register_profile(
    "gridts",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# CI keeps no example database between runs: a failure prints the @reproduce_failure blob that
# replays it, and the run's seed (chosen below, shown in the header) replays the whole run.
settings.register_profile("ci", settings.get_profile("gridts"), print_blob=True)
IN_CI = bool(os.environ.get("CI")) or os.environ.get("GRIDTS_REQUIRE_TIMESCALEDB") == "1"
settings.load_profile("ci" if IN_CI else "gridts")


def pytest_configure(config: pytest.Config) -> None:
    """In CI, run Hypothesis from one seed this run chose, unless ``--hypothesis-seed`` gave one."""
    if IN_CI and config.getoption("--hypothesis-seed", None) is None:
        core.global_force_seed = secrets.randbits(32)


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say which seed to pass to replay this run's Hypothesis examples."""
    seed = config.getoption("--hypothesis-seed", None) or core.global_force_seed
    if seed is None:
        return None
    return f"hypothesis seed {seed}: replay with --hypothesis-seed={seed}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Repeat the seed after failures, where CI logs are read."""
    seed = core.global_force_seed
    if seed is not None and terminalreporter.stats.get("failed"):
        terminalreporter.write_line(f"hypothesis seed {seed}: replay with --hypothesis-seed={seed}")


@pytest.fixture
def app_settings(test_settings: Settings) -> Settings:
    """Settings of the app under test: the test key accepted, no rate limit.

    The rate limit is under test in one place only (which asks for it); property tests send
    thousands of requests a minute. A module overrides this fixture to change a setting for all
    its tests; ``make_client`` changes it for one.
    """
    return dataclasses.replace(test_settings, api_keys=(API_KEY,), rate_limit_per_minute=0)


@pytest.fixture
def make_client(db: str, app_settings: Settings) -> Iterator[ClientFactory]:
    """``make_client(**overrides)``: a started ``TestClient`` over ``create_app`` on the emptied
    database, with ``app_settings`` changed by ``overrides``; closed after the test."""
    with contextlib.ExitStack() as stack:

        def make(**overrides: Any) -> TestClient[Litestar]:
            settings = dataclasses.replace(app_settings, **overrides)
            app = create_app(settings, database_url=db)
            client = stack.enter_context(TestClient(app))
            _wait_for_pool(app, settings.pool_min_size)
            return client

        yield make


def _wait_for_pool(app: Litestar, size: int) -> None:
    """Return once the app's pool holds its first ``size`` connections (at most 5 s).

    The pool opens them in the background, and psycopg_pool draws each one's expiry jitter from
    the global ``random``: inside a property test's first data generation, hypothesis takes that
    for a strategy using ``random`` and fails the test (seen in CI, once).
    """
    pool = app.state.get("pool")
    deadline = time.monotonic() + 5
    while pool is not None and time.monotonic() < deadline:
        if pool.get_stats().get("pool_available", 0) >= size:
            return
        time.sleep(0.01)


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient[Litestar]:
    """A client of the app with ``app_settings``."""
    return make_client()
