"""``GET /api/v1/dashboard`` (``gridts.dashboard``): counts, covered ranges, compression and
rollup materialisation, on an empty database and on a known one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import msgspec

from gridts.dashboard.schemas import Dashboard
from gridts.refresh import ROLLUPS, refresh_all
from support.db import make_hierarchy

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
        {"grids": 0, "regions": 0, "nodes": 0, "revisions": 0}, type=type(board.counts)
    )
    assert board.ranges.target_first is None
    assert board.compression.compressed_chunks == 0
    assert sorted(r.view for r in board.rollups) == sorted(ROLLUPS)
    assert all(r.materialized_until is None for r in board.rollups)


def test_counts_ranges_compression_and_watermarks(
    client: TestClient[Litestar], conn: psycopg.Connection
) -> None:
    make_hierarchy(conn, {(1, "g"): {(1, "r"): [(1, "a")]}, (2, "h"): {(2, "s"): [(2, "b")]}})
    last = T0 + timedelta(days=20) - timedelta(hours=1)
    conn.execute(
        "INSERT INTO measures SELECT n, t, t - interval '12 hours' + k * interval '1 hour', k "
        "FROM generate_series(1, 2) n, generate_series(0, 2) k, "
        "generate_series(%s::timestamptz, %s::timestamptz, interval '1 hour') t",
        (T0, last),
    )
    refresh_all(conn)
    conn.execute("ANALYZE measures")
    conn.execute(
        "SELECT compress_chunk(c) FROM show_chunks('measures', older_than => %s::timestamptz) c",
        (T0 + timedelta(days=10),),
    )
    board = get(client)
    assert (board.counts.grids, board.counts.regions, board.counts.nodes) == (2, 2, 2)
    stored = 2 * 3 * 20 * 24
    assert 0.5 * stored <= board.counts.revisions <= 1.5 * stored  # an estimate
    assert board.ranges.target_first == T0
    assert board.ranges.target_last == last
    assert board.ranges.collected_first == T0 - timedelta(hours=12)
    assert board.ranges.collected_last == last - timedelta(hours=10)
    assert board.compression.chunks >= 3
    assert board.compression.compressed_chunks >= 1
    assert board.compression.bytes_before
    assert board.compression.bytes_after
    watermarks = {r.view: r.materialized_until for r in board.rollups}
    assert watermarks["node_latest"] == last + timedelta(seconds=1)
    assert watermarks["node_1h"] == last + timedelta(hours=1)
    assert watermarks["grid_1d"] == T0 + timedelta(days=20)
