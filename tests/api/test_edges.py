"""Bad and odd input across every endpoint, systematically: SQL-looking strings, extreme ids,
timestamps at the edges of time, leap seconds, DST (one module, since no endpoint owns these)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from support.wire import AUTH

if TYPE_CHECKING:
    import psycopg
    from litestar import Litestar
    from litestar.testing import TestClient

SQLISH = [
    "1; DROP TABLE measures; --",
    "1' OR '1'='1",
    "') UNION SELECT * FROM pg_shadow --",
    "$$; SELECT pg_sleep(10); $$",
    "1)::int; TRUNCATE grid; --",
]
RANGE = {"start_datetime": "2030-01-01T00:00:00Z", "end_datetime": "2030-01-02T00:00:00Z"}
READS: list[tuple[str, dict[str, Any]]] = [
    ("/api/v1/measures", RANGE),
    ("/api/v1/measures/revisions", RANGE),
    ("/api/v1/rollups", {**RANGE, "level": "grid"}),
    ("/api/v1/regions", {}),
    ("/api/v1/nodes", {}),
]
FILTERS = {"start_datetime", "end_datetime", "node_id", "region_id", "grid_id"}
# The parameters each read takes: text that is not a valid value for one of them is a 400;
# a parameter the endpoint does not take is ignored (200).
ACCEPTS = {
    "/api/v1/measures": {*FILTERS, "collected_datetime"},
    "/api/v1/measures/revisions": {*FILTERS, "collected_from", "collected_to"},
    "/api/v1/rollups": {*FILTERS, "level", "id", "resolution", "collected_datetime", "max_points"},
    "/api/v1/regions": {"grid_id"},
    "/api/v1/nodes": {"region_id", "grid_id"},
}


def _tables_intact(conn: psycopg.Connection) -> tuple[Any, ...]:
    row = conn.execute(
        "SELECT (SELECT count(*) FROM grid), (SELECT count(*) FROM grid_node), "
        "(SELECT count(*) FROM measures)"
    ).fetchone()
    assert row is not None
    return tuple(row)


def test_sql_looking_strings_in_every_parameter_are_plain_4xx(
    client: TestClient[Litestar], conn: psycopg.Connection, node: int
) -> None:
    before = _tables_intact(conn)
    names = [
        "start_datetime",
        "end_datetime",
        "node_id",
        "region_id",
        "grid_id",
        "level",
        "id",
        "resolution",
        "collected_datetime",
        "collected_from",
        "max_points",
    ]
    for path, params in READS:
        for name in names:
            expected = 400 if name in ACCEPTS[path] else 200
            for text in SQLISH:
                response = client.get(path, params={**params, name: text})
                assert response.status_code == expected, (path, name, text)
                assert "Traceback" not in response.text
    for text in SQLISH:
        # Not an integer, so no route matches: 404.
        assert client.get(f"/api/v1/nodes/{text}").status_code == 404
        created = client.post("/api/v1/grids", json={"name": text}, headers=AUTH)
        assert created.status_code == 201  # a name is just text, stored as such
        assert client.get(f"/api/v1/grids/{created.json()['id']}").json()["name"] == text
    assert _tables_intact(conn)[1:] == before[1:]


@pytest.mark.parametrize("value", [0, -1, 2**31, 2**63, -(2**63), 10**30])
def test_huge_and_negative_ids_select_nothing_or_are_4xx(
    client: TestClient[Litestar], node: int, value: int
) -> None:
    # As filters, impossible ids select nothing; as a path id, one out of range is a 400.
    for key in ("node_id", "region_id", "grid_id"):
        response = client.get("/api/v1/measures", params={**RANGE, key: value})
        assert response.status_code == 200, (key, response.text)
        assert response.json()["data"] == []
    response = client.get("/api/v1/rollups", params={**RANGE, "level": "node", "id": value})
    assert response.status_code == 200
    assert client.get(f"/api/v1/nodes/{value}").status_code == 400
    body = [
        {
            "node_id": value,
            "timestamp_measured": "2030-01-01T00:00:00Z",
            "timestamp_collected": "2030-01-01T00:00:00Z",
            "value": 1,
        }
    ]
    response = client.post("/api/v1/measures", json=body, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == "node_id"


@pytest.mark.parametrize(
    "instant", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z"]
)
def test_reads_at_the_edges_of_time_answer_cleanly(
    client: TestClient[Litestar], node: int, instant: str
) -> None:
    for path, params in READS[:3]:
        response = client.get(
            path, params={**params, "start_datetime": instant, "end_datetime": instant}
        )
        assert response.status_code == 200, (path, response.text)
        assert response.json()["data"] == []
    wide = {"start_datetime": "0001-01-01T00:00:00Z", "end_datetime": "9999-12-31T23:59:59Z"}
    response = client.get("/api/v1/measures", params=wide)
    assert response.status_code == 422  # wider than GRIDTS_MAX_RANGE, and says so
    assert "too wide" in response.json()["detail"]


def test_leap_seconds_and_impossible_timestamps_are_rejected_cleanly(
    client: TestClient[Litestar], node: int
) -> None:
    for bad in ("2016-12-31T23:59:60Z", "2030-02-30T00:00:00Z", "2030-01-01T24:00:00Z", "now"):
        response = client.get("/api/v1/measures", params={**RANGE, "start_datetime": bad})
        assert response.status_code == 400, bad
        body = [
            {
                "node_id": node,
                "timestamp_measured": bad,
                "timestamp_collected": "2030-01-01T00:00:00Z",
                "value": 1,
            }
        ]
        response = client.post("/api/v1/measures", json=body, headers=AUTH)
        assert response.status_code == 422, bad
        assert response.json()["extra"][0] == {
            **response.json()["extra"][0],
            "row": 0,
            "field": "timestamp_measured",
        }


def test_dst_transitions_are_just_instants(
    client: TestClient[Litestar], conn: psycopg.Connection, node: int
) -> None:
    """Europe/Dublin falls back on 2030-10-27: 01:00-02:00 local happens twice (+01, then +00).

    Targets given with either offset are distinct UTC instants; reads in local offsets find them.
    """
    local = [
        "2030-10-27T00:30:00+01:00",
        "2030-10-27T01:00:00+01:00",
        "2030-10-27T01:00:00+00:00",
        "2030-10-27T02:00:00+00:00",
        "2030-03-31T00:59:59+00:00",
        "2030-03-31T02:00:00+01:00",
    ]
    body = [
        {
            "node_id": node,
            "timestamp_measured": t,
            "timestamp_collected": "2030-01-01T00:00:00Z",
            "value": float(i),
        }
        for i, t in enumerate(local)
    ]
    response = client.post("/api/v1/measures", json=body, headers=AUTH)
    assert response.status_code == 201
    assert response.json()["inserted"] == 6
    stored = [r[0] for r in conn.execute("SELECT timestamp_measured FROM measures ORDER BY 1")]
    assert stored == sorted(datetime.fromisoformat(t).astimezone(UTC) for t in local)
    # 01:00+01:00 and 01:00+00:00 are an hour apart: a read over the repeated hour finds both.
    params = {
        "start_datetime": "2030-10-27T01:00:00+01:00",
        "end_datetime": "2030-10-27T01:00:00+00:00",
    }
    data = client.get("/api/v1/measures", params=params).json()["data"]
    assert [d["value"] for d in data] == [1.0, 2.0]
    assert datetime.fromisoformat(data[1]["timestamp_measured"]) - datetime.fromisoformat(
        data[0]["timestamp_measured"]
    ) == timedelta(hours=1)
