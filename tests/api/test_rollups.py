"""``GET /api/v1/rollups`` (``gridts.rollups``) against the reference model, at every level and
resolution; and the ``resolution=auto`` routing as the answer reports it.

Each example is checked four times: with nothing materialised (every continuous aggregate
answers in real time from raw data), with only the first day refreshed (materialised rows below
the watermark, real-time ones above it), after a full ``refresh_all``, and with every chunk of
``measures`` compressed (raw and as-of answers read compressed batches). As-of answers are
computed from the raw revisions and must not change with refreshes.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridts.refresh import day_window, refresh_all
from gridts.rollups.schemas import RollupPage
from support import reference
from support.db import compress_all, make_hierarchy
from support.histories import History, histories, instants, ranges, reload

if TYPE_CHECKING:
    import psycopg
    from litestar import Litestar
    from litestar.testing import TestClient

LEVELS = ("node", "region", "grid")
RESOLUTIONS = ("raw", "1h", "1d")
UNKNOWN = 99


def entities(history: History, level: str) -> list[int]:
    if level == "node":
        return sorted(history.region_of)
    if level == "region":
        return sorted(history.grid_of_region)
    return history.grids


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def same(got: RollupPage, want: dict[tuple[int, datetime], reference.Stats]) -> bool:
    keys = [(row.id, row.bucket) for row in got.data]
    if keys != sorted(want):
        return False
    for row in got.data:
        stats = want[(row.id, row.bucket)]
        if not all(close(getattr(row, f), getattr(stats, f)) for f in ("avg", "min", "max", "sum")):
            return False
        if row.count != stats.count or row.nodes != stats.nodes:
            return False
    return True


def get_rollup(client: TestClient[Litestar], query: dict[str, Any]) -> RollupPage:
    response = client.get("/api/v1/rollups", params=query)
    assert response.status_code == 200, response.text
    return msgspec.json.decode(response.content, type=RollupPage)


@settings(max_examples=80)
@given(data=st.data(), history=histories())
def test_every_level_and_resolution_matches_the_model_before_and_after_refresh(
    conn: psycopg.Connection, client: TestClient[Litestar], data: st.DataObject, history: History
) -> None:
    history.materialise()
    reload(conn, history)
    start, end = data.draw(ranges(history))
    as_of = data.draw(instants(history))
    chosen = {
        level: data.draw(
            st.none() | st.lists(st.sampled_from([*entities(history, level), UNKNOWN]), min_size=1)
        )
        for level in LEVELS
    }
    models = {
        None: reference.all_rollups(history.rows, history.region_of, history.grid_of_region),
        as_of: reference.all_rollups(
            history.rows, history.region_of, history.grid_of_region, as_of
        ),
    }
    first_day = day_window(history.base, history.base)
    states = ("nothing materialised", "first day materialised", "all materialised", "compressed")
    for state in states:
        if state == "first day materialised":
            refresh_all(conn, *first_day)
        elif state == "all materialised":
            refresh_all(conn)
        elif state == "compressed":
            compress_all(conn)
        for level in LEVELS:
            ids = chosen[level]
            for resolution in RESOLUTIONS:
                for collected in (None, as_of):
                    query: dict[str, Any] = {
                        "start_datetime": start.isoformat(),
                        "end_datetime": end.isoformat(),
                        "level": level,
                        "resolution": resolution,
                    }
                    if ids is not None:
                        query["id"] = ids
                    if collected is not None:
                        query["collected_datetime"] = collected.isoformat()
                    page = get_rollup(client, query)
                    want = {
                        key: stats
                        for key, stats in models[collected][f"{level}_{resolution}"].items()
                        if start <= key[1] <= end and (ids is None or key[0] in ids)
                    }
                    source = (
                        "measures (as of)"
                        if collected is not None
                        else "measures"
                        if resolution == "raw"
                        else f"{level}_{resolution}"
                    )
                    assert (page.level, page.resolution, page.source) == (
                        level,
                        resolution,
                        source,
                    )
                    assert same(page, want), (state, query, page.data, want)


T0 = datetime(2024, 3, 4, tzinfo=UTC)


def seed(conn: psycopg.Connection) -> None:
    """Nodes 1 and 2 of region 1, grid 1: hourly values 10 and 20 for 100 days from T0."""
    make_hierarchy(conn, {(1, "g"): {(1, "r"): [(1, "a"), (2, "b")]}})
    conn.execute(
        "INSERT INTO measures SELECT n, t, t - interval '1 hour', n * 10 "
        "FROM generate_series(1, 2) n, "
        "generate_series(%s::timestamptz, %s::timestamptz, interval '1 hour') t",
        (T0, T0 + timedelta(days=100)),
    )


@pytest.mark.parametrize(
    ("width", "max_points", "resolution", "source"),
    [
        (timedelta(days=3), None, "raw", "measures"),
        (timedelta(days=3, seconds=1), None, "1h", "region_1h"),
        (timedelta(days=62), None, "1h", "region_1h"),
        (timedelta(days=62, seconds=1), None, "1d", "region_1d"),
        (timedelta(hours=10), 11, "1h", "region_1h"),  # 15-minute estimate: 41 points > 11
        (timedelta(hours=10), 41, "raw", "measures"),
        (timedelta(days=10), 100, "1d", "region_1d"),
    ],
)
def test_auto_routes_by_width_and_max_points_and_says_so(
    *,
    conn: psycopg.Connection,
    client: TestClient[Litestar],
    width: timedelta,
    max_points: int | None,
    resolution: str,
    source: str,
) -> None:
    seed(conn)
    query: dict[str, Any] = {
        "start_datetime": T0.isoformat(),
        "end_datetime": (T0 + width).isoformat(),
        "level": "region",
    }
    if max_points is not None:
        query["max_points"] = max_points
    page = get_rollup(client, query)
    assert (page.resolution, page.source) == (resolution, source)
    assert page.data
    assert all(row.nodes == 2 for row in page.data)
    if max_points is not None:
        assert len(page.data) <= max_points


def test_region_total_at_raw_resolution_sums_its_nodes(
    conn: psycopg.Connection, client: TestClient[Litestar]
) -> None:
    seed(conn)
    response = client.get(
        "/api/v1/rollups",
        params={
            "start_datetime": T0.isoformat(),
            "end_datetime": T0.isoformat(),
            "level": "grid",
        },
    )
    assert response.status_code == 200
    assert response.json() == {
        "level": "grid",
        "resolution": "raw",
        "source": "measures",
        "data": [
            {
                "id": 1,
                "bucket": "2024-03-04T00:00:00Z",
                "avg": 30.0,
                "min": 30.0,
                "max": 30.0,
                "sum": 30.0,
                "count": 1,
                "nodes": 2,
            }
        ],
    }


@pytest.mark.parametrize(
    ("level", "key"), [("region", "node_id"), ("grid", "region_id"), ("grid", "node_id")]
)
def test_filters_below_the_level_are_422(
    client: TestClient[Litestar], level: str, key: str
) -> None:
    response = client.get(
        "/api/v1/rollups",
        params={
            "start_datetime": T0.isoformat(),
            "end_datetime": T0.isoformat(),
            "level": level,
            key: 1,
        },
    )
    assert response.status_code == 422
    assert response.json()["extra"][0]["key"] == key


def test_unknown_level_or_resolution_is_rejected(client: TestClient[Litestar]) -> None:
    base = {"start_datetime": T0.isoformat(), "end_datetime": T0.isoformat()}
    assert client.get("/api/v1/rollups", params={**base, "level": "city"}).status_code == 400
    response = client.get("/api/v1/rollups", params={**base, "level": "node", "resolution": "5m"})
    assert response.status_code == 400
