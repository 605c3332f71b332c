"""Every continuous aggregate equals the reference model, for random revision histories.

The views are read with SQL (no HTTP: ``tests/api/test_rollups.py`` covers the endpoint); they
are what the schema defines. Worlds (``support.series_model``) have several series per node of
sum and mean kinds, several revisions per target of random quality, collected before and after
it, written out of order. A second delivery of revisions lands in ranges that are already
materialised and already compressed; after ``refresh_all`` the rollups must show it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import psycopg
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg import sql

from gridts.dataset import DatasetPlan
from gridts.db.queries import query as named_query
from gridts.ingest.bulk import write_dataset
from gridts.ingest.store import store
from gridts.refresh import connector, day_window, refresh_all
from gridts.refresh.views import Recomputed
from gridts.refresh.worker import drain
from support import series_model as model
from support.db import compress_all, rollup_chunks, write_series_measures

_SERIES_1H = """
SELECT s.node_id, s.kind, s.subtype, v.series_id, v.bucket,
       v.sum_units / (v.count * k.scale), v.min_units::float8 / k.scale,
       v.max_units::float8 / k.scale, v.sum_units / k.scale, v.count, v.estimated, NULL
FROM series_1h v JOIN series s ON s.id = v.series_id JOIN kind k ON k.name = s.kind
WHERE v.count > 0
"""
_TOTAL_1H = """
SELECT v.{key}, v.kind, v.subtype, NULL, v.bucket, x.value, x.value, x.value, x.value, 1,
       v.estimated, v.nodes
FROM {view} v JOIN kind k ON k.name = v.kind,
LATERAL (
    SELECT v.total_units / (k.scale * CASE WHEN k.aggregation = 'mean' THEN v.nodes ELSE 1 END)
) x (value)
WHERE v.nodes > 0
"""
_VIEWS = {
    "node": _SERIES_1H,
    "region": _TOTAL_1H.format(key="region_id", view="region_1h"),
    "grid": _TOTAL_1H.format(key="grid_id", view="grid_1h"),
}


_DAY = timedelta(days=1)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def assert_rollups_match(conn: psycopg.Connection, world: model.World) -> None:
    chosen = set(world.series)
    for level, query in _VIEWS.items():
        got = {
            (entity, kind, subtype, sid, bucket): model.Stats(*stats)
            for entity, kind, subtype, sid, bucket, *stats in conn.execute(query).fetchall()
        }
        want = model.rollups(world, level, "1h", chosen=chosen)
        assert got.keys() == want.keys(), level
        for key, stats in want.items():
            actual = got[key]
            assert (actual.count, actual.estimated, actual.nodes) == (
                stats.count,
                stats.estimated,
                stats.nodes,
            ), (level, key)
            for field in ("avg", "min", "max", "sum"):
                assert _close(getattr(actual, field), getattr(stats, field)), (level, key, field)
    stored = conn.execute(
        "SELECT l.series_id, l.target, l.value_units::float8 / k.scale, l.quality "
        "FROM series_latest l JOIN series s ON s.id = l.series_id JOIN kind k ON k.name = s.kind"
    )
    assert {(sid, target): (value, quality) for sid, target, value, quality in stored} == {
        key: (row[3], row[4]) for key, row in model.latest(world.rows).items()
    }


@settings(max_examples=40, deadline=None)
@given(data=st.data(), world=model.worlds())
def test_rollups_equal_the_model_with_late_revisions(
    conn: psycopg.Connection, db: str, data: st.DataObject, world: model.World
) -> None:
    narrow = data.draw(st.booleans(), label="per-series rollups in one-day chunks")
    with rollup_chunks(conn, timedelta(days=1) if narrow else None):
        model.load(conn, world)
        # A copy of the world some days later: late revisions then fall on days far apart,
        # which the refresh queue keeps apart where the days between are materialised.
        shift = data.draw(st.sampled_from([0, 10, 40]), label="a copy this many days later")
        copy = [(s, t + shift * _DAY, c + shift * _DAY, v, q) for s, t, c, v, q in world.rows]
        rows = data.draw(st.permutations(world.rows + (copy if shift else [])))  # out of order
        split = data.draw(st.integers(min(1, len(rows)), len(rows)))
        first, late = rows[:split], rows[split:]
        conn.execute("TRUNCATE measures")
        write_series_measures(conn, first)
        world.rows = first
        # Nothing materialised yet: real-time aggregation answers from raw data.
        assert_rollups_match(conn, world)

        refresh_all(conn)
        assert_rollups_match(conn, world)

        # Late revisions into materialised and compressed ranges, refreshed whole or, as the
        # service does, written by ingest, which queues the days they fall in, and refreshed
        # by the refresher's drain: narrow compressed chunks of the per-series rollups are
        # then recomputed whole (gridts.refresh.views), the rest is refreshed over those days.
        compress_all(conn)
        if late and data.draw(st.booleans(), label="through ingest and the refresher"):
            asyncio.run(_ingest(db, late))
            drain(conn)
            assert conn.execute("SELECT count(*) FROM rollup_refresh_queue").fetchone() == (0,)
        else:
            write_series_measures(conn, late)
            refresh_all(conn)
        world.rows = first + late
        assert_rollups_match(conn, world)


async def _ingest(url: str, rows: list[tuple[Any, ...]]) -> None:
    """Store ``rows`` as the service does: checked, in one transaction, refreshes queued."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await store(conn, rows)


@settings(max_examples=25, deadline=None)
@given(data=st.data(), world=model.worlds(), days_ago=st.integers(20, 120))
def test_rollups_refreshed_in_pieces_into_the_columnstore_equal_the_model(
    conn: psycopg.Connection, db: str, data: st.DataObject, world: model.World, days_ago: int
) -> None:
    """The full refresh of ``gridts refresh`` and ``gridts migrate``: pieces side by side, and
    what the compression policy has passed written compressed. The worlds lie 20-120 days back,
    so their days fall before, across and after the rollups' 45-day compression horizon."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    world = dataclasses.replace(world, base=now - timedelta(days=days_ago))
    model.load(conn, world)
    rows = data.draw(st.permutations(world.rows))
    split = data.draw(st.integers(min(1, len(rows)), len(rows)))
    first, late = rows[:split], rows[split:]
    conn.execute("TRUNCATE measures")
    write_series_measures(conn, first)
    world.rows = first

    refresh_all(conn, connect=connector(db))
    assert_rollups_match(conn, world)
    wrong = conn.execute(_COMPRESSED_WRONG).fetchall()
    assert not wrong, "chunks inside the compression policy's horizon were written compressed"

    # Late revisions into what was written compressed, refreshed the same way.
    write_series_measures(conn, late)
    refresh_all(conn, connect=connector(db))
    world.rows = first + late
    assert_rollups_match(conn, world)


# Chunks of the rollups' materialisations compressed though not wholly before the compression
# policy's horizon: late revisions there must stay cheap to refresh. (Before it, TimescaleDB may
# still write rows uncompressed: it does when it plans fewer than 10 rows.)
_COMPRESSED_WRONG = sql.SQL("""
SELECT c.view_name, k.range_start, k.range_end, k.is_compressed
FROM ({horizons}) AS h
JOIN timescaledb_information.continuous_aggregates c ON c.view_name = h.view_name
JOIN timescaledb_information.chunks k
  ON k.hypertable_schema = c.materialization_hypertable_schema
 AND k.hypertable_name = c.materialization_hypertable_name
WHERE k.is_compressed AND k.range_end > h.compressed_before
""").format(horizons=named_query("refresh", "compressed_before"))


class _LosesOneRace(psycopg.Connection[Any]):
    """A connection whose first refresh of ``series_latest`` fails as if another refresh had
    won TimescaleDB's race over an invalidation log row (the error is raised before the call)."""

    lost: ClassVar[list[str]] = []

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        text = query.as_string(self) if isinstance(query, sql.Composable) else str(query)
        if "refresh_continuous_aggregate('series_latest'" in text and not self.lost:
            self.lost.append(text)
            raise psycopg.errors.InternalError_("tuple concurrently deleted")
        return super().execute(query, params, **kwargs)


@settings(max_examples=5, deadline=None)
@given(world=model.worlds(), days_ago=st.integers(20, 120))
def test_a_piece_that_loses_a_race_between_refreshes_is_refreshed_again(
    conn: psycopg.Connection, db: str, world: model.World, days_ago: int
) -> None:
    """Pieces refreshed side by side can race inside TimescaleDB ("tuple concurrently deleted",
    ``gridts.refresh.views``): the losing piece is refreshed again and the rollups are whole."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    world = dataclasses.replace(world, base=now - timedelta(days=days_ago))
    model.load(conn, world)
    _LosesOneRace.lost.clear()

    def connect() -> psycopg.Connection:
        return _LosesOneRace.connect(db, autocommit=True)

    refresh_all(conn, connect=connect)
    assert len(_LosesOneRace.lost) == 1  # the race was lost once, and the refresh went on
    assert_rollups_match(conn, world)


# The chunks of a rollup's materialisation, each with its status as TimescaleDB names it
# (COMPRESSED; PARTIAL too when some of its rows are in the rowstore), its width and its start.
_CHUNK_STATES = """
SELECT c::text, _timescaledb_functions.chunk_status_text(c), k.range_end - k.range_start,
       k.range_start
FROM show_chunks(%(view)s::regclass) AS c
JOIN timescaledb_information.chunks k ON format('%%I.%%I', k.chunk_schema, k.chunk_name) = c::text
"""
# A late day's latest values in series_latest and the hour's mean in series_1h, in the unit.
_LATE_DAY = """
SELECT l.series_id, l.target, l.value_units::float8 / k.scale,
       h.sum_units / (h.count * k.scale)
FROM series_latest l
JOIN series_1h h ON h.series_id = l.series_id AND h.bucket = l.target
JOIN series s ON s.id = l.series_id JOIN kind k ON k.name = s.kind
WHERE l.target >= %(day)s AND l.target < %(day)s + INTERVAL '1 day'
"""


def test_a_late_day_recomputes_compressed_per_series_chunks_whole(
    conn: psycopg.Connection, db: str
) -> None:
    """Late revisions of one day in compressed chunks of ``series_latest`` and ``series_1h``,
    refreshed over that day as the refresher does: each chunk is recomputed whole into
    compressed batches (``gridts.refresh.views``), so it stays wholly compressed instead of
    having every series' batch decompressed into the rowstore, and it shows the revisions."""
    start = _compressed_weeks(conn, db)

    day = start + timedelta(days=11)  # inside a 4-day chunk (from the Unix epoch: Jan 13-17)
    series = [sid for (sid,) in conn.execute("SELECT id FROM series ORDER BY id")]
    late = [
        (sid, day + timedelta(hours=h), day + timedelta(hours=h + 2), 100.0 + sid + h / 8, 0)
        for sid in series
        for h in range(24)
    ]
    write_series_measures(conn, late)
    refresh_all(conn, *day_window(day, day))

    for view in ("series_latest", "series_1h"):
        states = conn.execute(_CHUNK_STATES, {"view": view}).fetchall()
        assert all(status == ["COMPRESSED"] for _, status, *_ in states), (view, states)
    assert _rowstore_rows(conn) == 0
    shown = conn.execute(_LATE_DAY, {"day": day}).fetchall()
    assert sorted(shown) == [(sid, target, value, value) for sid, target, _, value, _ in late]


def test_late_days_that_keep_coming_recompute_a_chunk_whole_once(
    conn: psycopg.Connection, db: str
) -> None:
    """Late days into one compressed chunk, drained one after another: the chunk is recomputed
    whole once, then refreshed the usual way (its batches decompressed, the chunk partly
    compressed), not recomputed whole on every drain."""
    start = _compressed_weeks(conn, db)
    series = [sid for (sid,) in conn.execute("SELECT id FROM series ORDER BY id")]
    recomputed = Recomputed()
    for n, day in enumerate(start + timedelta(days=d) for d in (7, 8, 9)):  # one 4-day chunk
        late = [
            (sid, day + timedelta(hours=h), day + timedelta(hours=h + 2), 200.0 + sid + n, 0)
            for sid in series
            for h in range(24)
        ]
        write_series_measures(conn, late)
        # The third by a refresher that has not seen the first: the chunk is partly compressed
        # by then, which is reason enough to refresh it the usual way.
        memory = recomputed if n < 2 else Recomputed()
        refresh_all(conn, *day_window(day, day), recomputed=memory)
        shown = conn.execute(_LATE_DAY, {"day": day}).fetchall()
        assert sorted(shown) == [(sid, target, value, value) for sid, target, _, value, _ in late]
        # Whole the first time: no row left in the rowstore. Then the usual way, which
        # decompresses the chunk's batches into it.
        assert (_rowstore_rows(conn) > 0) == (n > 0), n


def test_a_full_refresh_creates_the_per_series_chunks_first_and_leaves_them_compressed(
    conn: psycopg.Connection, db: str
) -> None:
    """``gridts refresh`` and ``gridts migrate`` create the per-series rollups' chunks before
    their pieces run side by side (``gridts.refresh.precreate``). The chunks the compression
    policy has passed are written wholly compressed, as when the refresh creates them: not
    marked partly compressed, for the policy to compress again; and no placeholder row is left.

    Except the first piece's chunk: TimescaleDB writes a piece into the rowstore when it plans
    fewer than 10 rows for it, which it does for this small data set's first piece (left
    uncompressed before, partly compressed now: the policy compresses it either way).
    """
    # From a 4-day chunk's start, refreshed as `gridts refresh` does.
    _three_weeks(conn, db, datetime(2025, 1, 4, tzinfo=UTC), regions=1, side_by_side=True)

    for view in ("series_latest", "series_1h"):
        states = sorted(conn.execute(_CHUNK_STATES, {"view": view}).fetchall(), key=lambda s: s[3])
        assert [width for _, _, width, _ in states] == [timedelta(days=4)] * 6, (view, states)
        assert "COMPRESSED" in states[0][1], (view, states)
        assert all(status == ["COMPRESSED"] for _, status, *_ in states[1:]), (view, states)
    targets = conn.execute(
        "SELECT count(DISTINCT (series_id, timestamp_measured)) FROM measures"
    ).fetchone()
    latest = conn.execute("SELECT count(*), count(series_id) FROM series_latest").fetchone()
    assert targets is not None
    assert latest == (targets[0], targets[0])


def test_a_full_refresh_creates_no_chunks_where_nothing_is_stored(
    conn: psycopg.Connection, db: str
) -> None:
    """A stray row years ahead (a year-ahead forecast, a typo in the year) makes the span of a
    full refresh decades long: the per-series rollups get chunks where ``measures`` has them,
    not one every four days in between (2,700 of each at year scale)."""
    start, ahead = datetime(2025, 1, 4, tzinfo=UTC), datetime(2055, 1, 1, tzinfo=UTC)
    plan = DatasetPlan(
        grids=1, regions_per_grid=1, nodes_per_region=3, revisions=2, start=start,
        span=timedelta(days=21), values="realistic",
    )  # fmt: skip
    with rollup_chunks(conn, timedelta(days=4)):
        asyncio.run(write_dataset(db, plan))
        conn.execute(
            "INSERT INTO measures (series_id, timestamp_measured, timestamp_collected, value) "
            "SELECT min(id), %(at)s, %(at)s, 1 FROM series",
            {"at": ahead},
        )
        refresh_all(conn, connect=connector(db))

    raw = conn.execute(
        "SELECT range_start, range_end FROM timescaledb_information.chunks "
        "WHERE hypertable_name = 'measures'"
    ).fetchall()
    for view in ("series_latest", "series_1h"):
        starts = sorted(s for *_, s in conn.execute(_CHUNK_STATES, {"view": view}).fetchall())
        # The three weeks' six 4-day chunks, and the stray row's.
        assert {start + timedelta(days=4 * k) for k in range(6)} <= set(starts), view
        assert datetime(2054, 12, 30, tzinfo=UTC) in starts, view
        # Each beside a chunk of measures (three 7-day ones, and the stray row's): none between.
        width = timedelta(days=4)
        assert all(any(lo < s + width and s < hi for lo, hi in raw) for s in starts), view
        assert len(starts) < 10, view
    targets = conn.execute("SELECT count(DISTINCT (series_id, timestamp_measured)) FROM measures")
    latest = conn.execute("SELECT count(*) FROM series_latest").fetchone()
    assert latest == targets.fetchone()


def _rowstore_rows(conn: psycopg.Connection) -> int:
    """Rows of the per-series rollups' chunks held in the rowstore, not in compressed batches."""
    total = 0
    for view in ("series_latest", "series_1h"):
        for chunk, *_ in conn.execute(_CHUNK_STATES, {"view": view}).fetchall():
            schema, name = chunk.split(".")
            statement = sql.SQL("SELECT count(*) FROM ONLY {}").format(sql.Identifier(schema, name))
            row = conn.execute(statement).fetchone()
            assert row is not None
            total += row[0]
    return total


def _compressed_weeks(conn: psycopg.Connection, db: str) -> datetime:
    """Three weeks of six nodes' hourly load, refreshed into 4-day rollup chunks (as a thousand
    hourly series give them) and compressed, measures and rollups; the first day."""
    start = datetime(2025, 1, 6, tzinfo=UTC)
    _three_weeks(conn, db, start, regions=2, side_by_side=False)
    compress_all(conn)
    return start


def _three_weeks(
    conn: psycopg.Connection, db: str, start: datetime, *, regions: int, side_by_side: bool
) -> None:
    """Three weeks of three nodes a region, hourly load from ``start``, refreshed into 4-day
    rollup chunks (as a thousand hourly series give them): in pieces side by side or not."""
    plan = DatasetPlan(
        grids=1,
        regions_per_grid=regions,
        nodes_per_region=3,
        revisions=2,
        start=start,
        span=timedelta(days=21),
        values="realistic",
    )
    with rollup_chunks(conn, timedelta(days=4)):
        asyncio.run(write_dataset(db, plan))
        refresh_all(conn, connect=connector(db) if side_by_side else None)
