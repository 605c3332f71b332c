"""Test configuration shared by every kind of test.

The TimescaleDB fixtures live in ``plugins/timescaledb.py``, the ``gridts serve`` ones in
``plugins/live_server.py``; here are the app under test (``app_settings``, ``make_client``,
``client``) and the Hypothesis profile.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings
from litestar.testing import TestClient

from gridts.app import create_app
from gridts.testing.process import API_KEY

if TYPE_CHECKING:
    from collections.abc import Iterator

    from litestar import Litestar

    from gridts.settings import Settings
    from support.wire import ClientFactory

pytest_plugins = ["plugins.timescaledb", "plugins.live_server"]

# Each example writes to a real database: no per-example deadline, and fixtures are reset
# inside the test body, so the function-scoped fixture warning does not apply.
settings.register_profile(
    "gridts",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("gridts")


@pytest.fixture
def app_settings(test_settings: Settings) -> Settings:
    """Settings of the app under test: the test key accepted, no rate limit.

    The rate limit is under test in one place only (which asks for it); property tests send
    thousands of requests a minute. A module overrides this fixture to change a setting for all
    its tests; ``make_client`` changes it for one.
    """
    return dataclasses.replace(test_settings, api_keys=API_KEY, rate_limit_per_minute=0)


@pytest.fixture
def make_client(db: str, app_settings: Settings) -> Iterator[ClientFactory]:
    """``make_client(**overrides)``: a started ``TestClient`` over ``create_app`` on the emptied
    database, with ``app_settings`` changed by ``overrides``; closed after the test."""
    with contextlib.ExitStack() as stack:

        def make(**overrides: Any) -> TestClient[Litestar]:
            app = create_app(dataclasses.replace(app_settings, **overrides), database_url=db)
            return stack.enter_context(TestClient(app))

        yield make


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient[Litestar]:
    """A client of the app with ``app_settings``."""
    return make_client()
