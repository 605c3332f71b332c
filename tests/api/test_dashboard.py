"""``GET /api/v1/dashboard`` (``gridts.dashboard``): counts, each grid's summary, covered
ranges, compression and rollup materialisation, on an empty database and on a known one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import msgspec

from gridts.dashboard.schemas import Dashboard
from gridts.refresh import ROLLUPS, refresh_all
from support.db import default_series, make_hierarchy, write_series_measures

if TYPE_CHECKING:
    import psycopg
    from litestar import Litestar
    from litestar.testing import TestClient

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def get(client: TestClient[Litestar]) -> Dashboard:
    response = client.get("/api/v1/dashboard")
    assert response.status_code == 200, response.text
    return msgspec.json.decode(response.content, type=Dashboard)


def test_an_empty_database(client: TestClient[Litestar]) -> None:
    board = get(client)
    assert board.counts == msgspec.convert(
        {"grids": 0, "regions": 0, "nodes": 0, "series": 0, "revisions": 0},
        type=type(board.counts),
    )
    assert board.grids == []
    assert board.ranges.target_first is None
    assert board.compression.compressed_chunks == 0
    assert sorted(r.view for r in board.rollups) == sorted(ROLLUPS)
    assert all(r.materialized_until is None for r in board.rollups)


def test_counts_ranges_compression_and_watermarks(
    client: TestClient[Litestar], conn: psycopg.Connection
) -> None:
    made = make_hierarchy(
        conn, {(1, "g"): {(1, "r"): [(1, "a")]}, (2, "h"): {(2, "s"): [(2, "b")]}}
    )
    conn.execute("UPDATE grid SET timezone = 'Europe/Dublin' WHERE id = 2")
    last = T0 + timedelta(days=20) - timedelta(hours=1)
    conn.execute(
        "INSERT INTO measures (series_id, timestamp_measured, timestamp_collected, value) "
        "SELECT s.id, t, t - interval '12 hours' + k * interval '1 hour', k * 1000 "
        "FROM series s, generate_series(0, 2) k, "
        "generate_series(%s::timestamptz, %s::timestamptz, interval '1 hour') t",
        (T0, last),
    )
    # Grid 2's node gets a price series (empty), and its load is missing (quality 2, no value)
    # for two more hours: its latest target with data stays `last`.
    conn.execute("INSERT INTO series (node_id, kind) VALUES (%s, 'price')", (made.nodes[1],))
    load = default_series(conn, made.nodes[1])
    hours = (last + timedelta(hours=h) for h in (1, 2))
    write_series_measures(conn, ((load, t, t - timedelta(hours=1), None, 2) for t in hours))
    refresh_all(conn)
    conn.execute(
        "SELECT compress_chunk(c) FROM show_chunks('measures', older_than => %s::timestamptz) c",
        (T0 + timedelta(days=10),),
    )
    board = get(client)
    assert (board.counts.grids, board.counts.regions, board.counts.nodes) == (2, 2, 2)
    assert board.counts.series == 3
    # Exact, without ANALYZE: compressed chunks counted from their batches' metadata.
    assert board.counts.revisions == 2 * 3 * 20 * 24 + 2
    assert [(g.id, g.name, g.timezone, g.series) for g in board.grids] == [
        (1, "g", "UTC", 1),
        (2, "h", "Europe/Dublin", 2),
    ]
    assert [g.latest_target for g in board.grids] == [last, last]
    assert board.ranges.target_first == T0
    assert board.ranges.target_last == last + timedelta(hours=2)
    assert board.ranges.collected_first == T0 - timedelta(hours=12)
    assert board.ranges.collected_last == last + timedelta(hours=1)
    assert board.compression.chunks >= 3
    assert board.compression.compressed_chunks >= 1
    assert board.compression.bytes_before
    assert board.compression.bytes_after
    watermarks = {r.view: r.materialized_until for r in board.rollups}
    assert set(watermarks) == {"series_latest", "series_1h", "region_1h", "grid_1h"}
    assert watermarks["series_latest"] == last + timedelta(hours=2, seconds=1)
    assert watermarks["series_1h"] == last + timedelta(hours=3)
    assert watermarks["grid_1h"] == last + timedelta(hours=3)
