"""Access, limits and observability of the service, through HTTP against the real database."""

from __future__ import annotations

import dataclasses
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import TestClient

from gridts.app import create_app
from plugins.live_server import API_KEY

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import psycopg
    from litestar import Litestar

    from gridts.settings import Settings

T0 = datetime(2030, 5, 6, tzinfo=UTC)
READ = {"start_datetime": T0.isoformat(), "end_datetime": (T0 + timedelta(days=1)).isoformat()}


def _client(db: str, settings: Settings, **changes: Any) -> TestClient[Litestar]:
    changes.setdefault("rate_limit_per_minute", 0)
    return TestClient(create_app(dataclasses.replace(settings, **changes), database_url=db))


def _batch(node: int, hour: int = 0) -> list[dict[str, Any]]:
    target = T0 + timedelta(hours=hour)
    return [
        {
            "node_id": node,
            "timestamp_measured": target.isoformat(),
            "timestamp_collected": (target - timedelta(hours=12)).isoformat(),
            "value": 1.0,
        }
    ]


def _count(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM measures").fetchone()
    assert row is not None
    return int(row[0])


# --- keys ----------------------------------------------------------------------------------


def test_writes_need_one_of_the_keys_and_reads_are_open(
    db: str, test_settings: Settings, conn: psycopg.Connection, node: int
) -> None:
    with _client(db, test_settings, api_keys=f"other-key, {API_KEY}") as client:
        assert client.get("/api/v1/measures", params=READ).status_code == 200
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": f"Basic {API_KEY}"},
            {"Authorization": API_KEY},
            {"Authorization": f"Bearer {API_KEY}x"},
        ):
            response = client.post("/api/v1/measures", json=_batch(node), headers=headers)
            assert response.status_code == 401, headers
            assert response.json()["detail"] == "a valid API key is required"  # no hint which
            assert API_KEY not in response.text
        assert _count(conn) == 0
        for number, key in enumerate(("other-key", API_KEY)):
            headers = {"Authorization": f"Bearer {key}"}
            response = client.post("/api/v1/measures", json=_batch(node, number), headers=headers)
            assert response.status_code == 201
        assert _count(conn) == 2


def test_keys_can_come_from_a_file(
    db: str, test_settings: Settings, tmp_path: Path, conn: psycopg.Connection, node: int
) -> None:
    keys = tmp_path / "keys"
    keys.write_text("# operators\nfile-key-1  # ops team\n\nfile-key-2\n", encoding="utf-8")
    with _client(db, test_settings, api_keys="", api_keys_file=keys) as client:
        for hour, key in enumerate(("file-key-1", "file-key-2")):
            headers = {"Authorization": f"Bearer {key}"}
            assert (
                client.post(
                    "/api/v1/measures", json=_batch(node, hour), headers=headers
                ).status_code
                == 201
            )
        bad = {"Authorization": "Bearer # operators"}
        assert client.post("/api/v1/measures", json=_batch(node, 5), headers=bad).status_code == 401
    assert _count(conn) == 2


def test_without_keys_writes_are_refused(
    db: str, test_settings: Settings, conn: psycopg.Connection, node: int
) -> None:
    with _client(db, test_settings, api_keys="") as client:
        response = client.post("/api/v1/measures", json=_batch(node))
        assert response.status_code == 403
        assert "GRIDTS_API_KEYS" in response.json()["detail"]
    assert _count(conn) == 0


def test_anonymous_writes_must_be_asked_for_and_are_logged(
    db: str, test_settings: Settings, conn: psycopg.Connection, node: int
) -> None:
    warnings: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: warnings.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("gridts.security")
    logger.addHandler(handler)
    try:
        app = create_app(
            dataclasses.replace(
                test_settings, api_keys="", allow_anonymous_writes=True, rate_limit_per_minute=0
            ),
            database_url=db,
        )
    finally:
        logger.removeHandler(handler)
    assert any("ALLOW_ANONYMOUS_WRITES" in w for w in warnings)
    with TestClient(app) as client:
        assert client.post("/api/v1/measures", json=_batch(node)).status_code == 201
    assert _count(conn) == 1


def test_reads_can_require_a_key(db: str, test_settings: Settings) -> None:
    with _client(db, test_settings, api_keys=API_KEY, read_requires_key=True) as client:
        assert client.get("/api/v1/measures", params=READ).status_code == 401
        headers = {"Authorization": f"Bearer {API_KEY}"}
        assert client.get("/api/v1/measures", params=READ, headers=headers).status_code == 200
        assert client.get("/health").status_code == 200  # probes stay open


def test_cors_is_off_by_default_and_configurable(db: str, test_settings: Settings) -> None:
    origin = {"Origin": "https://grid.example", "Access-Control-Request-Method": "GET"}
    with _client(db, test_settings) as client:
        response = client.get("/api/v1/measures", params=READ, headers=origin)
        assert "access-control-allow-origin" not in response.headers
    with _client(db, test_settings, cors_origins="https://grid.example") as client:
        response = client.get("/api/v1/measures", params=READ, headers=origin)
        assert response.headers["access-control-allow-origin"] == "https://grid.example"
        other = {"Origin": "https://evil.example"}
        response = client.get("/api/v1/measures", params=READ, headers=other)
        assert response.headers.get("access-control-allow-origin") != "https://evil.example"


# --- limits --------------------------------------------------------------------------------


def test_the_rate_limit_is_per_client_and_answers_429(db: str, test_settings: Settings) -> None:
    with _client(db, test_settings, rate_limit_per_minute=5) as client:
        statuses = [client.get("/api/v1/measures", params=READ).status_code for _ in range(7)]
        assert statuses[:5] == [200] * 5
        assert statuses[5:] == [429, 429]
        limited = client.get("/api/v1/measures", params=READ)
        assert int(limited.headers["ratelimit-reset"]) > 0  # when to come back
        assert client.get("/health").status_code == 200  # probes are not limited


def test_a_range_wider_than_the_limit_is_422_saying_the_limit(
    db: str, test_settings: Settings
) -> None:
    with _client(db, test_settings, max_range=timedelta(days=31)) as client:
        wide = {**READ, "end_datetime": (T0 + timedelta(days=32)).isoformat()}
        response = client.get("/api/v1/measures", params=wide)
        assert response.status_code == 422
        assert "31" in response.text
        assert client.get("/api/v1/measures", params=READ).status_code == 200


def test_a_query_past_the_statement_timeout_is_503_with_a_retry_hint(
    db: str, test_settings: Settings, conn: psycopg.Connection, node: int
) -> None:
    # Hold a lock the read needs: the read waits and hits the (tiny) statement timeout.
    with _client(db, test_settings, statement_timeout=timedelta(milliseconds=300)) as client:
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


def test_the_database_settings_keep_commits_durable(db: str, test_settings: Settings) -> None:
    with _client(db, test_settings) as client:
        app = client.app
        pool = app.state.pool

        async def settings_of_a_pooled_connection() -> tuple[Any, ...]:
            async with pool.connection() as conn:
                cursor = await conn.execute(
                    "SELECT current_setting('synchronous_commit'), current_setting('fsync'), "
                    "current_setting('statement_timeout')"
                )
                row = await cursor.fetchone()
                assert row is not None
                return tuple(row)

        with client.portal() as portal:
            durable = portal.call(settings_of_a_pooled_connection)
        assert durable[:2] == ("on", "on")
        assert durable[2] == "30s"


# --- observability ---------------------------------------------------------------------------


@pytest.fixture
def client(db: str, test_settings: Settings) -> Iterator[TestClient[Litestar]]:
    with _client(db, test_settings, api_keys=API_KEY) as client:
        yield client


def test_metrics_count_requests_by_route_and_status_pool_and_ingest_rows(
    client: TestClient[Litestar], node: int
) -> None:
    client.get("/api/v1/measures", params={**READ, "node_id": node})
    client.get("/api/v1/measures", params={"start_datetime": "nope"})
    headers = {"Authorization": f"Bearer {API_KEY}"}
    assert client.post("/api/v1/measures", json=_batch(node), headers=headers).status_code == 201
    text = client.get("/metrics").text
    assert 'path="/api/v1/measures"' in text
    assert 'status_code="200"' in text
    assert 'status_code="400"' in text
    assert "gridts_requests_duration_seconds_bucket" in text or "_duration_" in text
    assert "gridts_pool_connections" in text
    assert 'gridts_ingest_rows_total{outcome="inserted"}' in text


def test_every_response_carries_a_request_id_that_the_logs_carry_too(
    client: TestClient[Litestar], capsys: pytest.CaptureFixture[str], node: int
) -> None:
    response = client.get("/api/v1/measures", params=READ, headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    generated = client.get("/api/v1/measures", params=READ).headers["x-request-id"]
    assert len(generated) == 32
    hostile = client.get("/api/v1/measures", params=READ, headers={"X-Request-ID": 'a"b c{}'})
    assert hostile.headers["x-request-id"] != 'a"b c{}'
    headers = {"Authorization": f"Bearer {API_KEY}", "X-Request-ID": "write-1"}
    client.post("/api/v1/measures", json=_batch(node), headers=headers)
    logs = capsys.readouterr().out
    assert '"request_id":"abc-123"' in logs
    assert '"request_id":"write-1"' in logs
    assert API_KEY not in logs  # no secret in any log line
