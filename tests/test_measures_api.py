"""``GET /api/v1/measures`` (latest, as of) and ``/measures/revisions`` against the model."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

import reference
from gridts.app import create_app
from gridts.db.rollups import refresh_all
from gridts.measures.schemas import MeasurePage
from histories import History, compress_all, histories, instants, load, node_name, ranges
from plugins.timescaledb import reset_database

if TYPE_CHECKING:
    from collections.abc import Iterator

    import psycopg
    from litestar import Litestar

    from gridts.settings import Settings

UNKNOWN = 99


@pytest.fixture
def client(db: str, test_settings: Settings) -> Iterator[TestClient[Litestar]]:
    # Property tests send thousands of requests a minute; the rate limit is not under test.
    unlimited = dataclasses.replace(test_settings, rate_limit_per_minute=0)
    with TestClient(create_app(unlimited, database_url=db)) as client:
        yield client


def iso(ts: datetime) -> str:
    return ts.isoformat()


@st.composite
def node_filters(draw: st.DrawFn, history: History) -> dict[str, list[int]]:
    """Some of node_id / region_id / grid_id, sometimes with an id that does not exist."""
    choices = {
        "node_id": sorted(history.region_of),
        "region_id": sorted(history.grid_of_region),
        "grid_id": history.grids,
    }
    chosen: dict[str, list[int]] = {}
    for key in draw(st.sets(st.sampled_from(sorted(choices)), max_size=2)):
        chosen[key] = draw(
            st.lists(st.sampled_from([*choices[key], UNKNOWN]), min_size=1, max_size=3)
        )
    return chosen


def selected(history: History, filters: dict[str, list[int]]) -> set[int]:
    grid_of = history.grid_of_node()
    return {
        node
        for node, region in history.region_of.items()
        if node in filters.get("node_id", [node])
        and region in filters.get("region_id", [region])
        and grid_of[node] in filters.get("grid_id", [grid_of[node]])
    }


def params(start: datetime, end: datetime, filters: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"start_datetime": iso(start), "end_datetime": iso(end), **filters, **more}


def as_rows(page: MeasurePage) -> list[tuple[int, str, datetime, datetime, float]]:
    return [
        (m.node_id, m.node_name, m.timestamp_measured, m.timestamp_collected, m.value)
        for m in page.data
    ]


def expected_latest(
    history: History, nodes: set[int], start: datetime, end: datetime, as_of: datetime | None
) -> list[tuple[int, str, datetime, datetime, float]]:
    return sorted(
        (node, node_name(node), target, collected, value)
        for (node, target), (_, _, collected, value) in reference.latest(
            history.rows, as_of
        ).items()
        if node in nodes and start <= target <= end
    )


def get_page(client: TestClient[Litestar], path: str, query: dict[str, Any]) -> MeasurePage:
    response = client.get(path, params=query)
    assert response.status_code == 200, response.text
    return msgspec.json.decode(response.content, type=MeasurePage)


@settings(max_examples=100)
@given(data=st.data(), history=histories())
def test_latest_and_as_of_match_the_model_before_and_after_refresh_and_compression(
    db: str,
    conn: psycopg.Connection,
    client: TestClient[Litestar],
    data: st.DataObject,
    history: History,
) -> None:
    reset_database(db)
    history.materialise()
    load(conn, history)
    start, end = data.draw(st.composite(ranges)(history))
    filters = data.draw(node_filters(history))
    as_of = data.draw(st.none() | st.composite(instants)(history))
    nodes = selected(history, filters)
    extra = {} if as_of is None else {"collected_datetime": iso(as_of)}
    want = expected_latest(history, nodes, start, end, as_of)
    for state in ("raw", "refreshed", "compressed"):
        if state == "refreshed":
            refresh_all(conn)
        elif state == "compressed":
            compress_all(conn)
        page = get_page(client, "/api/v1/measures", params(start, end, filters, **extra))
        assert as_rows(page) == want


@settings(max_examples=60)
@given(data=st.data(), history=histories())
def test_revisions_match_the_model(
    db: str,
    conn: psycopg.Connection,
    client: TestClient[Litestar],
    data: st.DataObject,
    history: History,
) -> None:
    reset_database(db)
    history.materialise()
    load(conn, history)
    start, end = data.draw(st.composite(ranges)(history))
    filters = data.draw(node_filters(history))
    collected_from = data.draw(st.none() | st.composite(instants)(history))
    collected_to = data.draw(st.none() | st.composite(instants)(history))
    if collected_from and collected_to and collected_to < collected_from:
        collected_from, collected_to = collected_to, collected_from
    extra = {}
    if collected_from is not None:
        extra["collected_from"] = iso(collected_from)
    if collected_to is not None:
        extra["collected_to"] = iso(collected_to)
    nodes = selected(history, filters)
    want = [
        (node, node_name(node), target, collected, value)
        for node, target, collected, value in reference.revisions(
            history.rows, collected_from, collected_to
        )
        if node in nodes and start <= target <= end
    ]
    path = "/api/v1/measures/revisions"
    assert as_rows(get_page(client, path, params(start, end, filters, **extra))) == want
    compress_all(conn)
    assert as_rows(get_page(client, path, params(start, end, filters, **extra))) == want


T0 = datetime(2024, 3, 4, tzinfo=UTC)


def seed_one(conn: psycopg.Connection) -> None:
    conn.execute("INSERT INTO grid (id, name) VALUES (1, 'g')")
    conn.execute("INSERT INTO grid_region (id, grid_id, name) VALUES (1, 1, 'r')")
    conn.execute("INSERT INTO grid_node (id, region_id, name) VALUES (1, 1, 'n')")
    conn.execute(
        "INSERT INTO measures VALUES (1, %s, %s, 1.5), (1, %s, %s, 2.5), (1, %s, %s, 3.5)",
        (T0, T0 - timedelta(hours=12), T0, T0 - timedelta(hours=10), T0 + timedelta(hours=1), T0),
    )


def test_both_ends_are_inclusive_and_rows_carry_every_field(
    conn: psycopg.Connection, client: TestClient[Litestar]
) -> None:
    seed_one(conn)
    one_hour = T0 + timedelta(hours=1)
    response = client.get(
        "/api/v1/measures", params={"start_datetime": iso(T0), "end_datetime": iso(one_hour)}
    )
    assert response.status_code == 200
    assert response.json() == {
        "data": [
            {
                "node_id": 1,
                "node_name": "n",
                "timestamp_measured": "2024-03-04T00:00:00Z",
                "timestamp_collected": "2024-03-03T14:00:00Z",
                "value": 2.5,
            },
            {
                "node_id": 1,
                "node_name": "n",
                "timestamp_measured": "2024-03-04T01:00:00Z",
                "timestamp_collected": "2024-03-04T00:00:00Z",
                "value": 3.5,
            },
        ]
    }


@pytest.mark.parametrize(
    ("query", "key"),
    [
        (
            {"start_datetime": "2024-03-04T00:00:00", "end_datetime": "2024-03-05T00:00:00Z"},
            "start_datetime",
        ),
        (
            {"start_datetime": "2024-03-05T00:00:00Z", "end_datetime": "2024-03-04T00:00:00Z"},
            "end_datetime",
        ),
        (
            {"start_datetime": "2000-01-01T00:00:00Z", "end_datetime": "2024-03-04T00:00:00Z"},
            "end_datetime",
        ),
        (
            {
                "start_datetime": "2024-03-04T00:00:00Z",
                "end_datetime": "2024-03-05T00:00:00Z",
                "collected_datetime": "2024-03-04T00:00:00",
            },
            "collected_datetime",
        ),
    ],
    ids=["naive", "reversed", "too-wide", "naive-collected"],
)
def test_bad_ranges_are_422_naming_the_parameter(
    client: TestClient[Litestar], query: dict[str, str], key: str
) -> None:
    response = client.get("/api/v1/measures", params=query)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["status_code"] == 422
    assert body["extra"][0]["key"] == key


def test_unknown_ids_give_an_empty_result(
    conn: psycopg.Connection, client: TestClient[Litestar]
) -> None:
    seed_one(conn)
    for key in ("node_id", "region_id", "grid_id"):
        response = client.get(
            "/api/v1/measures",
            params={"start_datetime": iso(T0), "end_datetime": iso(T0), key: UNKNOWN},
        )
        assert response.status_code == 200
        assert response.json() == {"data": []}


def test_answers_past_the_row_limit_are_422_saying_how_to_narrow(
    db: str, conn: psycopg.Connection, test_settings: Settings
) -> None:
    seed_one(conn)
    small = dataclasses.replace(test_settings, max_response_rows=1)
    with TestClient(create_app(small, database_url=db)) as client:
        query = {"start_datetime": iso(T0), "end_datetime": iso(T0 + timedelta(hours=1))}
        response = client.get("/api/v1/measures", params=query)
        assert response.status_code == 422
        assert "more than 1 rows" in response.json()["detail"]
        assert "narrow" in response.json()["extra"][0]["message"]
        response = client.get("/api/v1/measures", params={**query, "end_datetime": iso(T0)})
        assert response.status_code == 200


def test_a_reversed_collection_window_is_422(client: TestClient[Litestar]) -> None:
    response = client.get(
        "/api/v1/measures/revisions",
        params={
            "start_datetime": iso(T0),
            "end_datetime": iso(T0),
            "collected_from": iso(T0),
            "collected_to": iso(T0 - timedelta(seconds=1)),
        },
    )
    assert response.status_code == 422
    assert response.json()["extra"][0]["key"] == "collected_to"


def test_missing_range_is_rejected(client: TestClient[Litestar]) -> None:
    response = client.get("/api/v1/measures", params={"start_datetime": iso(T0)})
    assert response.status_code == 400
    assert "end_datetime" in response.text
