"""The service's limits, each answered with a status that says what to do: requests per minute
per client (429 and when to come back), the width of a read's range (422 naming the limit), and
the statement timeout (503 with ``Retry-After``)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

    from support.wire import ClientFactory

T0 = datetime(2030, 5, 6, tzinfo=UTC)
READ = {"start_datetime": T0.isoformat(), "end_datetime": (T0 + timedelta(days=1)).isoformat()}


def test_the_rate_limit_is_per_client_and_answers_429(make_client: ClientFactory) -> None:
    client = make_client(rate_limit_per_minute=5)
    statuses = [client.get("/api/v1/measures", params=READ).status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429, 429]
    limited = client.get("/api/v1/measures", params=READ)
    assert int(limited.headers["ratelimit-reset"]) > 0  # when to come back
    assert client.get("/health").status_code == 200  # probes are not limited


def test_a_range_wider_than_the_limit_is_422_saying_the_limit(make_client: ClientFactory) -> None:
    client = make_client(max_range=timedelta(days=31))
    wide = {**READ, "end_datetime": (T0 + timedelta(days=32)).isoformat()}
    response = client.get("/api/v1/measures", params=wide)
    assert response.status_code == 422
    assert "31" in response.text
    assert client.get("/api/v1/measures", params=READ).status_code == 200


def test_a_query_past_the_statement_timeout_is_503_with_a_retry_hint(
    make_client: ClientFactory, conn: psycopg.Connection, node: int
) -> None:
    # Hold a lock the read needs: the read waits and hits the (tiny) statement timeout.
    client = make_client(statement_timeout=timedelta(milliseconds=300))
    with conn.transaction():
        conn.execute("LOCK TABLE grid_node IN ACCESS EXCLUSIVE MODE")
        started = time.perf_counter()
        response = client.get("/api/v1/measures", params={**READ, "node_id": node})
        waited = time.perf_counter() - started
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert "narrow the request or retry" in response.json()["detail"]
    assert "Traceback" not in response.text
    assert waited < 5
    assert client.get("/api/v1/measures", params={**READ, "node_id": node}).status_code == 200
