"""schemathesis against the service's own OpenAPI document: no 5xx, answers match the schema.

A bounded number of generated requests per operation (valid and invalid parameters and bodies),
sent to a real ``gridts serve`` on a database that holds a small hierarchy and some measures, with
an API key so that writes get past the guard and reach the handlers.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from gridts.db import migrations
from plugins.live_server import serving
from support.db import make_hierarchy
from support.wire import AUTH

if TYPE_CHECKING:
    from collections.abc import Iterator

    from gridts.settings import Settings
    from gridts.testing.servers import TimescaleServer

EXAMPLES = 25  # per operation and mode: bounded, for .ci/run's time budget


@pytest.fixture(scope="module")
def fuzz_server(timescale_server: TimescaleServer, test_settings: Settings) -> Iterator[str]:
    """A ``gridts serve`` on its own database, seeded with a little of everything."""
    url = timescale_server.create_database("gridts_test_fuzz")
    migrations.upgrade(url, test_settings)
    with psycopg.connect(url, autocommit=True) as conn:
        make_hierarchy(
            conn, {(1, "G1"): {(1, "R1"): [(1, "N1")]}, (2, "G2"): {(2, "R2"): [(2, "N2")]}}
        )
        conn.execute(
            "INSERT INTO measures SELECT n, t, t - interval '12 hours', n * 10 "
            "FROM generate_series(1, 2) n, "
            "generate_series(%s::timestamptz, %s::timestamptz, interval '1 hour') t",
            (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC)),
        )
    with serving(url) as server:
        yield server.base_url


def test_no_server_errors_and_answers_match_the_documented_schema(fuzz_server: str) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzz_server}/schema/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    calls: Counter[str] = Counter()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck), deadline=None)
            def call(case: schemathesis.Case) -> None:
                response = case.call_and_validate(
                    base_url=fuzz_server,
                    headers=AUTH,
                    checks=[not_a_server_error, response_schema_conformance],
                    timeout=30,
                )
                calls[f"{case.operation.label} {response.status_code}"] += 1

            try:
                call()
            except Unsatisfiable:
                # Nothing in this operation can be made invalid (no parameters, no body).
                assert mode is GenerationMode.NEGATIVE, operation.label
    statuses = Counter(key.rsplit(" ", 1)[1] for key in calls)
    assert not any(status.startswith("5") for status in statuses)
    assert statuses["200"] + statuses["201"] + statuses["204"] > 0  # some requests got through
