"""Every continuous aggregate equals the reference model, for random revision histories.

Histories have several revisions per target, collected before and after it, written out of
order, on hourly or 15-minute targets. A second batch of late revisions lands in ranges that are
already materialised and already compressed; after ``refresh_all`` the rollups must show it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
from hypothesis import given
from hypothesis import strategies as st

import reference
from gridts.db.rollups import refresh_all
from plugins.timescaledb import reset_database

BASE = datetime(2027, 3, 1, tzinfo=UTC)


@dataclass
class History:
    """A hierarchy (region of each node, grid of each region) and two batches of revisions."""

    shape: list[list[int]]  # per grid, per region: the number of nodes
    first: list[tuple[int, int, int, float]]  # (node index, target index, collected offset, value)
    late: list[tuple[int, int, int, float]]
    resolution: timedelta
    start: datetime


@st.composite
def histories(draw: st.DrawFn) -> History:
    shape = draw(
        st.lists(st.lists(st.integers(1, 3), min_size=1, max_size=2), min_size=1, max_size=2)
    )
    nodes = sum(sum(regions) for regions in shape)
    resolution = timedelta(minutes=draw(st.sampled_from([15, 60])))
    targets = int(timedelta(days=3) / resolution)
    revision = st.tuples(
        st.integers(0, nodes - 1),
        st.integers(0, targets - 1),
        st.integers(-48 * 60, 24 * 60),  # minutes from the target to its collection
        st.floats(-1e4, 1e6, allow_nan=False, allow_infinity=False),
    )
    keyed = st.lists(revision, min_size=1, max_size=60, unique_by=lambda r: r[:3])
    rows = draw(keyed)
    split = draw(st.integers(1, len(rows)))
    start = BASE + timedelta(hours=draw(st.integers(0, 24 * 14)))
    return History(shape, rows[:split], rows[split:], resolution, start)


def _create_hierarchy(
    conn: psycopg.Connection, shape: list[list[int]]
) -> tuple[list[int], dict[int, int], dict[int, int]]:
    node_ids: list[int] = []
    region_of: dict[int, int] = {}
    grid_of_region: dict[int, int] = {}
    for g, regions in enumerate(shape):
        grid = conn.execute("INSERT INTO grid (name) VALUES (%s) RETURNING id", (f"G{g}",))
        grid_id = grid.fetchone()[0]  # type: ignore[index]
        for r, count in enumerate(regions):
            region = conn.execute(
                "INSERT INTO grid_region (grid_id, name) VALUES (%s, %s) RETURNING id",
                (grid_id, f"R{r}"),
            )
            region_id = region.fetchone()[0]  # type: ignore[index]
            grid_of_region[region_id] = grid_id
            for n in range(count):
                node = conn.execute(
                    "INSERT INTO grid_node (region_id, name) VALUES (%s, %s) RETURNING id",
                    (region_id, f"N{n}"),
                )
                node_id = node.fetchone()[0]  # type: ignore[index]
                node_ids.append(node_id)
                region_of[node_id] = region_id
    return node_ids, region_of, grid_of_region


def _rows(history: History, node_ids: list[int], batch: list) -> list[reference.Row]:
    rows = []
    for node, target, offset, value in batch:
        measured = history.start + target * history.resolution
        rows.append((node_ids[node], measured, measured + timedelta(minutes=offset), value))
    random.Random(len(rows)).shuffle(rows)  # out of order on the wire
    return rows


def _write(conn: psycopg.Connection, rows: list[reference.Row]) -> None:
    with conn.cursor().copy(
        "COPY measures (node_id, timestamp_measured, timestamp_collected, value) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(row)


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


@given(history=histories())
def test_rollups_equal_the_model_with_late_revisions(database_url: str, history: History) -> None:
    reset_database(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        node_ids, region_of, grid_of_region = _create_hierarchy(conn, history.shape)
        first = _rows(history, node_ids, history.first)
        _write(conn, first)
        # Nothing materialised yet: real-time aggregation answers from raw data.
        assert_rollups_match(conn, first, region_of, grid_of_region)

        refresh_all(conn)
        assert_rollups_match(conn, first, region_of, grid_of_region)

        # Late revisions into materialised and compressed ranges.
        conn.execute(
            "SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks('measures') c"
        )
        late = _rows(history, node_ids, history.late)
        _write(conn, late)
        refresh_all(conn)
        assert_rollups_match(conn, first + late, region_of, grid_of_region)
