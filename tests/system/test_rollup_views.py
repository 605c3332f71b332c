"""Every continuous aggregate equals the reference model, for random revision histories.

The views are read with SQL (no HTTP: ``tests/api/test_rollups.py`` covers the endpoint); they
are what the schema defines. Histories have several revisions per target, collected before and
after it, written out of order, on hourly or 15-minute targets, starting anywhere in two weeks (so
across chunk boundaries). A second delivery of revisions lands in ranges that are already
materialised and already compressed; after ``refresh_all`` the rollups must show it.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from hypothesis import given
from hypothesis import strategies as st

from gridts.refresh import refresh_all
from support import reference
from support.db import compress_all, write_measures
from support.histories import History, histories, reload

if TYPE_CHECKING:
    import psycopg

BASE = datetime(2027, 3, 1, tzinfo=UTC)


_VIEWS = {
    "node_1h": "SELECT node_id, bucket, avg, min, max, sum, count, NULL FROM node_1h",
    "node_1d": "SELECT node_id, bucket, avg, min, max, sum, count, NULL FROM node_1d",
    "region_1h": "SELECT region_id, bucket, total, total, total, total, 1, nodes FROM region_1h",
    "grid_1h": "SELECT grid_id, bucket, total, total, total, total, 1, nodes FROM grid_1h",
    "region_1d": "SELECT region_id, bucket, avg, min, max, sum, count, nodes FROM region_1d",
    "grid_1d": "SELECT grid_id, bucket, avg, min, max, sum, count, nodes FROM grid_1d",
}


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def assert_rollups_match(
    conn: psycopg.Connection,
    rows: list[reference.Row],
    region_of: dict[int, int],
    grid_of_region: dict[int, int],
) -> None:
    expected = reference.rollups(rows, region_of, grid_of_region)
    for view, query in _VIEWS.items():
        got = {
            (entity, bucket): reference.Stats(*stats)
            for entity, bucket, *stats in conn.execute(query).fetchall()
        }
        want = expected[view]
        assert got.keys() == want.keys(), view
        for key, stats in want.items():
            actual = got[key]
            assert actual.count == stats.count, (view, key)
            assert actual.nodes == stats.nodes, (view, key)
            for field in ("avg", "min", "max", "sum"):
                assert _close(getattr(actual, field), getattr(stats, field)), (view, key, field)
    latest = reference.latest(rows)
    stored = conn.execute("SELECT node_id, target, value, timestamp_collected FROM node_latest")
    assert {(node, target): (value, collected) for node, target, value, collected in stored} == {
        key: (row[3], row[2]) for key, row in latest.items()
    }


@given(
    data=st.data(),
    history=histories(max_targets=8, values=(-1e4, 1e6)),
    start=st.integers(0, 24 * 14).map(lambda hours: BASE + timedelta(hours=hours)),
)
def test_rollups_equal_the_model_with_late_revisions(
    conn: psycopg.Connection, data: st.DataObject, history: History, start: datetime
) -> None:
    history.materialise(start)
    rows = data.draw(st.permutations(history.rows))  # out of order on the wire
    split = data.draw(st.integers(min(1, len(rows)), len(rows)))
    first, late = rows[:split], rows[split:]
    history.rows = first
    reload(conn, history)
    # Nothing materialised yet: real-time aggregation answers from raw data.
    assert_rollups_match(conn, first, history.region_of, history.grid_of_region)

    refresh_all(conn)
    assert_rollups_match(conn, first, history.region_of, history.grid_of_region)

    # Late revisions into materialised and compressed ranges.
    compress_all(conn)
    write_measures(conn, late)
    refresh_all(conn)
    assert_rollups_match(conn, first + late, history.region_of, history.grid_of_region)
