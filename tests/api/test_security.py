"""Who may do what (``gridts.security`` and the app's CORS): writes need one of the keys (from
the environment or a file), anonymous writes only when asked for, reads optionally keyed, CORS
off unless configured."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from gridts.testing.process import API_KEY
from support.wire import AUTH, measure

if TYPE_CHECKING:
    from pathlib import Path

    import psycopg

    from support.wire import ClientFactory

T0 = datetime(2030, 5, 6, tzinfo=UTC)
READ = {"start_datetime": T0.isoformat(), "end_datetime": (T0 + timedelta(days=1)).isoformat()}


def _batch(node: int, hour: int = 0) -> list[dict[str, object]]:
    target = T0 + timedelta(hours=hour)
    return [measure(node, target, target - timedelta(hours=12), 1.0)]


def _count(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM measures").fetchone()
    assert row is not None
    return int(row[0])


def test_writes_need_one_of_the_keys_and_reads_are_open(
    make_client: ClientFactory, conn: psycopg.Connection, node: int
) -> None:
    client = make_client(api_keys=("other-key", API_KEY))
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
    make_client: ClientFactory, tmp_path: Path, conn: psycopg.Connection, node: int
) -> None:
    keys = tmp_path / "keys"
    keys.write_text("# operators\nfile-key-1  # ops team\n\nfile-key-2\n", encoding="utf-8")
    client = make_client(api_keys=(), api_keys_file=keys)
    for hour, key in enumerate(("file-key-1", "file-key-2")):
        headers = {"Authorization": f"Bearer {key}"}
        response = client.post("/api/v1/measures", json=_batch(node, hour), headers=headers)
        assert response.status_code == 201
    bad = {"Authorization": "Bearer # operators"}
    assert client.post("/api/v1/measures", json=_batch(node, 5), headers=bad).status_code == 401
    assert _count(conn) == 2


def test_without_keys_writes_are_refused(
    make_client: ClientFactory, conn: psycopg.Connection, node: int
) -> None:
    client = make_client(api_keys=())
    response = client.post("/api/v1/measures", json=_batch(node))
    assert response.status_code == 403
    assert "GRIDTS_API_KEYS" in response.json()["detail"]
    assert _count(conn) == 0


def test_anonymous_writes_must_be_asked_for_and_are_logged(
    make_client: ClientFactory, conn: psycopg.Connection, node: int
) -> None:
    warnings: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: warnings.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("gridts.security")
    logger.addHandler(handler)
    try:
        client = make_client(api_keys=(), allow_anonymous_writes=True)
    finally:
        logger.removeHandler(handler)
    assert any("ALLOW_ANONYMOUS_WRITES" in w for w in warnings)
    assert client.post("/api/v1/measures", json=_batch(node)).status_code == 201
    assert _count(conn) == 1


def test_reads_can_require_a_key(make_client: ClientFactory) -> None:
    client = make_client(api_keys=(API_KEY,), read_requires_key=True)
    assert client.get("/api/v1/measures", params=READ).status_code == 401
    assert client.get("/api/v1/measures", params=READ, headers=AUTH).status_code == 200
    assert client.get("/health").status_code == 200  # probes stay open


def test_cors_is_off_by_default_and_configurable(make_client: ClientFactory) -> None:
    origin = {"Origin": "https://grid.example", "Access-Control-Request-Method": "GET"}
    response = make_client().get("/api/v1/measures", params=READ, headers=origin)
    assert "access-control-allow-origin" not in response.headers
    client = make_client(cors_origins=("https://grid.example",))
    response = client.get("/api/v1/measures", params=READ, headers=origin)
    assert response.headers["access-control-allow-origin"] == "https://grid.example"
    other = {"Origin": "https://evil.example"}
    response = client.get("/api/v1/measures", params=READ, headers=other)
    assert response.headers.get("access-control-allow-origin") != "https://evil.example"
