"""Fixtures of the system tests: the Grafana data set, seeded once per module that asks."""

from __future__ import annotations

import pytest

from support.dashboards import seed_dashboard_data


@pytest.fixture(scope="module")
def seeded(database_url: str) -> str:
    """The session's database holding the dashboards' data set (``support.dashboards``)."""
    seed_dashboard_data(database_url)
    return database_url
