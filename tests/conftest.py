"""Test configuration: the TimescaleDB fixtures live in one plugin, ``plugins/timescaledb.py``."""

from hypothesis import HealthCheck, settings

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
