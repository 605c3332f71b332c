"""Chunk intervals fitted to the data's density (``gridts.db.chunks``, run by ``gridts migrate``).

A database with a few series' hourly data gets wider chunks, and its closed chunks are merged
into windows of that width, without changing a stored row or a rollup's bucket; compressed
chunks stay compressed.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from psycopg import sql

from gridts.dataset import DatasetPlan
from gridts.db import chunks, migrations
from gridts.ingest.bulk import write_dataset
from gridts.refresh import ROLLUPS, refresh_all
from gridts.retention import MIN_CHUNKS

if TYPE_CHECKING:
    from gridts.settings import Settings
    from gridts.testing.servers import TimescaleServer

START = datetime(2025, 1, 6, tzinfo=UTC)
NARROWEST = timedelta(days=7)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_CHUNKS = (
    "SELECT range_start, range_end, is_compressed FROM timescaledb_information.chunks "
    "WHERE hypertable_name = 'measures' ORDER BY range_start"
)

# Each compressed chunk of measures ("schema.table") with its compressed table.
_COMPRESSED = (
    "SELECT k.schema_name || '.' || k.table_name, z.schema_name, z.table_name "
    "FROM _timescaledb_catalog.chunk k "
    "JOIN _timescaledb_catalog.chunk z ON z.id = k.compressed_chunk_id "
    "JOIN _timescaledb_catalog.hypertable h ON h.id = k.hypertable_id "
    "WHERE h.table_name = 'measures'"
)


@pytest.fixture
def url(timescale_server: TimescaleServer, test_settings: Settings) -> str:
    """A database of its own: fitting changes chunk intervals, which a reset would not undo."""
    url = timescale_server.create_database("gridts_test_chunks")
    migrations.upgrade(url, test_settings)
    return url


def four_series(span: timedelta) -> DatasetPlan:
    """Hourly load of four nodes in two regions, two revisions each, over ``span`` from START."""
    return DatasetPlan(
        grids=1,
        regions_per_grid=2,
        nodes_per_region=2,
        revisions=2,
        start=START,
        span=span,
        values="realistic",
    )


def snapshot(conn: psycopg.Connection) -> dict[str, list[tuple[object, ...]]]:
    """Every stored revision and every rollup row, in a fixed order."""
    taken = {"measures": conn.execute("SELECT * FROM measures ORDER BY 1, 2, 3").fetchall()}
    for view in ROLLUPS:
        taken[view] = conn.execute(f"SELECT * FROM {view} ORDER BY 1, 2, 3, 4").fetchall()
    return taken


def batches(conn: psycopg.Connection) -> list[tuple[str, int, int]]:
    """(chunk, series, rows) of every compressed batch of ``measures``."""
    found: list[tuple[str, int, int]] = []
    for chunk, schema, table in conn.execute(_COMPRESSED).fetchall():
        rows = conn.execute(
            sql.SQL("SELECT series_id, _ts_meta_count FROM {} ORDER BY 1").format(
                sql.Identifier(schema, table)
            )
        )
        found.extend((chunk, series, count) for series, count in rows)
    return sorted(found)


def rows_by_series(conn: psycopg.Connection) -> list[tuple[str, int, int]]:
    """(chunk, series, rows) of every compressed chunk of ``measures``."""
    found: list[tuple[str, int, int]] = []
    for chunk, _, _ in conn.execute(_COMPRESSED).fetchall():
        rows = conn.execute(
            sql.SQL("SELECT series_id, count(*) FROM {} GROUP BY 1 ORDER BY 1").format(
                sql.Identifier(*chunk.split("."))
            )
        )
        found.extend((chunk, series, count) for series, count in rows)
    return sorted(found)


def test_fit_widens_chunks_to_the_density_and_merges_closed_ones(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small target so that a small data set spans several windows.
    monkeypatch.setattr(chunks, "TARGET_ROWS", 5_000)
    plan = four_series(timedelta(days=120))
    asyncio.run(write_dataset(url, plan))
    per_day = plan.rows / plan.span.days
    with psycopg.connect(url, autocommit=True) as conn:
        refresh_all(conn)
        conn.execute(
            "SELECT compress_chunk(c) FROM show_chunks('measures', older_than => %s) c",
            (START + timedelta(days=60),),
        )
        before = snapshot(conn)
        chunks_before = conn.execute(_CHUNKS).fetchall()

        fitted = {f.relation: f for f in chunks.fit(conn, NARROWEST, None)}

        measures = fitted["public.measures"]
        assert measures.rows_per_day == pytest.approx(per_day)
        expected = timedelta(days=round(5_000 / per_day))
        assert measures.interval == expected
        interval = conn.execute(
            "SELECT time_interval FROM timescaledb_information.dimensions "
            "WHERE hypertable_name = 'measures'"
        ).fetchone()
        assert interval == (expected,)
        after = conn.execute(_CHUNKS).fetchall()
        assert measures.merged == len(chunks_before) - len(after) > 0
        # No two adjacent chunks start in the same window any more.
        windows = [(start - EPOCH) // expected for start, _, _ in after]
        assert all(
            a != b or after[i][1] != after[i + 1][0]
            for i, (a, b) in enumerate(itertools.pairwise(windows))
        )
        # A chunk that held compressed rows is compressed again, whole.
        for start, end, compressed in after:
            held = [c for s, e, c in chunks_before if start <= s and e <= end]
            assert compressed == any(held), (start, end)
        assert snapshot(conn) == before
        # Compressed batches hold up to 4,000 rows (0011), so each series' rows of a merged
        # chunk (over 1,000 of them) went into one batch.
        assert batches(conn) == rows_by_series(conn)
        assert max(count for (_, _, count) in batches(conn)) > 1_000
        # Fitted once, a second fit has nothing left to merge.
        assert all(f.merged == 0 for f in chunks.fit(conn, NARROWEST, None))
        # New data lands in chunks of the new width.
        last = plan.start + plan.span
    later = DatasetPlan(
        **{**plan.__dict__, "start": last + expected * 2, "span": timedelta(days=1)}
    )
    asyncio.run(write_dataset(url, later))
    with psycopg.connect(url, autocommit=True) as conn:
        newest = conn.execute(_CHUNKS).fetchall()[-1]
        assert newest[1] - newest[0] == expected


@pytest.mark.parametrize("tail", ["a row years ahead", "days posted weeks apart"])
def test_a_sparse_tail_does_not_widen_the_chunks(
    url: str, monkeypatch: pytest.MonkeyPatch, tail: str
) -> None:
    """The density is what a day holds when data comes: a stray forecast years ahead, or a few
    days posted after a pause, once made the last weeks look empty, and the fit widened every
    chunk and merged the stored ones into the wider windows."""
    monkeypatch.setattr(chunks, "TARGET_ROWS", 5_000)
    plan = four_series(timedelta(days=100))
    asyncio.run(write_dataset(url, plan))
    per_day = plan.rows / plan.span.days
    end = plan.start + plan.span
    later = [end + timedelta(days=10), end + timedelta(days=19)]
    if tail == "a row years ahead":
        later = [end + timedelta(days=3 * 365)]
    for start in later:
        day = DatasetPlan(**{**plan.__dict__, "start": start, "span": timedelta(days=1)})
        asyncio.run(write_dataset(url, day))
    with psycopg.connect(url, autocommit=True) as conn:
        if tail == "a row years ahead":  # one revision of one series is all it holds
            conn.execute(
                "DELETE FROM measures WHERE timestamp_measured >= %s "
                "AND (timestamp_measured, series_id, timestamp_collected) > "
                "(SELECT timestamp_measured, series_id, timestamp_collected FROM measures "
                " WHERE timestamp_measured >= %s ORDER BY 1, 2, 3 LIMIT 1)",
                (later[0], later[0]),
            )
        fitted = {f.relation: f for f in chunks.fit(conn, NARROWEST, None)}
    measures = fitted["public.measures"]
    assert measures.rows_per_day == pytest.approx(per_day)
    assert measures.interval == timedelta(days=round(5_000 / per_day))


def test_fit_gives_a_short_history_the_narrowest_interval(url: str) -> None:
    """Too little data to measure: nothing is merged, and every hypertable's new chunks get the
    narrowest interval, the rollups' too (TimescaleDB starts them at ten times measures')."""
    plan = DatasetPlan(
        grids=1, regions_per_grid=1, nodes_per_region=1, start=START, span=timedelta(days=14)
    )
    asyncio.run(write_dataset(url, plan))
    with psycopg.connect(url, autocommit=True) as conn:
        wide = conn.execute(_INTERVALS).fetchall()
        assert any(interval > NARROWEST for _, interval in wide)  # the rollups', before
        fitted = chunks.fit(conn, NARROWEST, None)
        assert {f.relation for f in fitted} == {
            relation for relation, interval in wide if interval > NARROWEST
        }
        assert all(not f.measured and f.merged == 0 for f in fitted)
        assert {interval for _, interval in conn.execute(_INTERVALS).fetchall()} == {NARROWEST}


@pytest.mark.parametrize(
    ("late_rows", "chunk_rows"),
    [
        # 4 series x 4,000-row batches: a late day could decompress more than 2,000 rows, so
        # the rollups' chunks hold 2,000 rows.
        (2_000, 2_000),
        # ... but never more than 50,000, whatever the chunk: chunks hold TARGET_ROWS.
        (50_000, 5_000),
        # 200 rows: two days of the four series, narrower than measures' narrowest (7 days);
        # a rollup may go down to ROLLUP_NARROWEST for it.
        (200, 200),
    ],
)
def test_empty_rollups_get_the_interval_of_the_targets_measures_holds(
    url: str, monkeypatch: pytest.MonkeyPatch, late_rows: int, chunk_rows: int
) -> None:
    """A database whose measures hold weeks while its rollups are still empty (a new one being
    migrated): each rollup's first chunks get the interval for the targets a day of measures
    holds, not the narrowest, so the refresh fills chunks that need no merging afterwards.
    Their rows are fewer when a late revision's refresh could otherwise decompress more than
    ``ROLLUP_TARGET_ROWS``, down to chunks narrower than measures' narrowest."""
    monkeypatch.setattr(chunks, "TARGET_ROWS", 5_000)
    monkeypatch.setattr(chunks, "ROLLUP_TARGET_ROWS", late_rows)
    plan = four_series(chunks.MIN_HISTORY + timedelta(days=7))
    asyncio.run(write_dataset(url, plan))
    series = plan.grids * plan.regions_per_grid * plan.nodes_per_region
    targets_per_day = series * timedelta(days=1) / plan.resolution
    expected = chunks.choose(
        targets_per_day, min(NARROWEST, chunks.ROLLUP_NARROWEST), None, chunk_rows
    )
    assert expected != NARROWEST  # the test means something only if the two differ
    with psycopg.connect(url, autocommit=True) as conn:
        fitted = {f.relation: f for f in chunks.fit(conn, NARROWEST, None)}
        assert not fitted["public.measures"].expected
        for view in ROLLUPS:
            rollup = fitted[f"public.{view}"]
            assert rollup.expected, rollup
            assert rollup.rows_per_day == pytest.approx(targets_per_day)
            assert rollup.interval == expected
        intervals = dict(conn.execute(_INTERVALS).fetchall())
        assert {view: intervals[f"public.{view}"] for view in ROLLUPS} == dict.fromkeys(
            ROLLUPS, expected
        )
        refresh_all(conn)
        # Measured once filled: series_latest and series_1h hold one row per target, as
        # expected, so nothing is merged; the sparser ones may widen.
        refitted = {f.relation: f for f in chunks.fit(conn, NARROWEST, None)}
        for view in ("series_latest", "series_1h"):
            rollup = refitted[f"public.{view}"]
            assert rollup.measured
            assert not rollup.expected
            assert (rollup.interval, rollup.merged) == (expected, 0), rollup
        for view in ("region_1h", "grid_1h"):
            assert refitted[f"public.{view}"].interval >= expected


# Every fitted hypertable's relation (as fit names it) and chunk interval.
_INTERVALS = """
SELECT CASE WHEN c.view_name IS NULL THEN format('%I.%I', d.hypertable_schema, d.hypertable_name)
            ELSE format('%I.%I', c.view_schema, c.view_name) END, d.time_interval
FROM timescaledb_information.dimensions d
LEFT JOIN timescaledb_information.continuous_aggregates c
       ON c.materialization_hypertable_name = d.hypertable_name
WHERE d.dimension_number = 1 AND d.time_interval IS NOT NULL
"""


@given(
    rows_per_day=st.floats(0, 1e8, allow_nan=False),
    narrowest=st.integers(1, 30).map(lambda d: timedelta(days=d)),
    retention=st.none() | st.integers(1, 3000).map(lambda d: timedelta(days=d)),
    target=st.none() | st.sampled_from([chunks.ROLLUP_TARGET_ROWS]) | st.integers(1, 10**7),
)
def test_the_interval_holds_the_target_rows_within_its_bounds(
    rows_per_day: float, narrowest: timedelta, retention: timedelta | None, target: int | None
) -> None:
    chosen = chunks.choose(rows_per_day, narrowest, retention, target)
    widest = chunks.LONGEST if retention is None else min(chunks.LONGEST, retention / MIN_CHUNKS)
    assert chosen >= narrowest
    assert chosen <= max(narrowest, widest)
    unclamped = narrowest < chosen < widest
    if unclamped:
        rows = target or chunks.TARGET_ROWS
        assert abs(chosen.days * rows_per_day - rows) <= rows_per_day / 2 + 1e-6


def test_rollups_refreshed_by_the_day_get_chunks_a_late_day_may_decompress(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``region_1h`` and ``grid_1h`` refresh a late day by decompressing every batch the day
    falls in: their measured chunks hold about ``ROLLUP_DECOMPRESSED_ROWS`` (their segments
    times the batch limit exceeds it). The per-series rollups, whose compressed chunks a late
    day recomputes whole (``gridts.refresh.views``), keep ``ROLLUP_TARGET_ROWS``."""
    monkeypatch.setattr(chunks, "TARGET_ROWS", 5_000)
    monkeypatch.setattr(chunks, "ROLLUP_TARGET_ROWS", 2_000)
    monkeypatch.setattr(chunks, "ROLLUP_DECOMPRESSED_ROWS", 200)
    asyncio.run(write_dataset(url, four_series(chunks.MIN_HISTORY + timedelta(days=7))))
    with psycopg.connect(url, autocommit=True) as conn:
        chunks.fit(conn, NARROWEST, None)
        refresh_all(conn)
        fitted = {f.relation.removeprefix("public."): f for f in chunks.fit(conn, NARROWEST, None)}
    for view, rows in (
        ("series_latest", 2_000),
        ("series_1h", 2_000),
        ("region_1h", 200),
        ("grid_1h", 200),
    ):
        held = fitted[view].rows_per_day * fitted[view].interval.days
        assert rows / 2 <= held <= rows * 1.5, (view, fitted[view])
