"""The schema Alembic builds (``sql/schema``, ``alembic/``): what the catalog shows, what the
guards refuse, and the way back (downgrade, then upgrade again)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import psycopg
import pytest

from gridts.db import migrations
from gridts.refresh import ROLLUPS, connector, refresh_all
from support.db import make_hierarchy

if TYPE_CHECKING:
    from gridts.settings import Settings
    from gridts.testing.servers import TimescaleServer

T0 = datetime(2027, 1, 4, tzinfo=UTC)


def _relations(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'p')"
        ).fetchall()
    return {name for (name,) in rows}


def test_catalog_shows_hypertable_compression_and_realtime_rollups(
    conn: psycopg.Connection,
) -> None:
    hypertable = conn.execute(
        "SELECT compression_enabled FROM timescaledb_information.hypertables "
        "WHERE hypertable_name = 'measures'"
    ).fetchone()
    assert hypertable == (True,)
    dimension = conn.execute(
        "SELECT column_name, time_interval FROM timescaledb_information.dimensions "
        "WHERE hypertable_name = 'measures'"
    ).fetchall()
    assert dimension == [("timestamp_measured", timedelta(days=7))]
    compression = dict(
        conn.execute(
            "SELECT attname, coalesce(segmentby_column_index, -orderby_column_index) "
            "FROM timescaledb_information.compression_settings WHERE hypertable_name = 'measures'"
        ).fetchall()
    )
    assert compression["series_id"] == 1  # segment by series
    # Each batch is one lead's run of targets (0009): lead first, then the target.
    assert (compression["lead"], compression["timestamp_measured"]) == (-1, -2)
    policies = conn.execute(
        "SELECT proc_name, hypertable_name FROM timescaledb_information.jobs "
        "WHERE proc_name IN ('policy_compression', 'policy_refresh_continuous_aggregate')"
    ).fetchall()
    assert ("policy_compression", "measures") in policies
    views = dict(
        conn.execute(
            "SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates"
        ).fetchall()
    )
    assert set(views) == set(ROLLUPS)
    assert not any(views.values()), "every rollup aggregates in real time"
    refreshed = conn.execute(
        "SELECT hypertable_name FROM timescaledb_information.jobs "
        "WHERE proc_name = 'policy_refresh_continuous_aggregate'"
    ).fetchall()
    assert sorted(name for (name,) in refreshed) == sorted(ROLLUPS)
    # Every rollup's materialisation is compressed, 45 days back: past its refresh policy's
    # start_offset (35 days), so no policy refresh works on compressed chunks.
    compressed = conn.execute(
        "SELECT view_name, compression_enabled FROM timescaledb_information.continuous_aggregates"
    ).fetchall()
    assert all(enabled for _, enabled in compressed), compressed
    after = conn.execute(
        "SELECT c.user_view_name, j.config ->> 'compress_after' "
        "FROM _timescaledb_config.bgw_job j "
        "JOIN _timescaledb_catalog.continuous_agg c ON c.mat_hypertable_id = j.hypertable_id "
        "WHERE j.proc_name = 'policy_compression'"
    ).fetchall()
    assert sorted(after) == sorted((view, "45 days") for view in ROLLUPS)
    # Hierarchical: every rollup but series_latest is built on another continuous aggregate.
    # Daily rollups are local days in each grid's zone, computed from the hourly ones.
    parents = dict(
        conn.execute(
            "SELECT cagg.user_view_name, parent.user_view_name "
            "FROM _timescaledb_catalog.continuous_agg cagg "
            "LEFT JOIN _timescaledb_catalog.continuous_agg parent "
            "ON parent.mat_hypertable_id = cagg.parent_mat_hypertable_id"
        ).fetchall()
    )
    assert parents == {
        "series_latest": None,
        "series_1h": "series_latest",
        "region_1h": "series_1h",
        "grid_1h": "region_1h",
    }
    # Each materialisation is indexed on what its reads and refreshes filter by: the entity and
    # the bucket, and the bucket alone (0012 dropped region_1h's and grid_1h's kind and subtype
    # indexes, which every row written paid for).
    indexed = conn.execute(
        "SELECT c.view_name, array_agg(a.attname::text ORDER BY a.attname) "
        "FROM timescaledb_information.continuous_aggregates c "
        "JOIN pg_index i ON i.indrelid = format('%I.%I', c.materialization_hypertable_schema, "
        "c.materialization_hypertable_name)::regclass "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
        "GROUP BY 1"
    ).fetchall()
    assert dict(indexed) == {
        "series_latest": ["series_id", "target"],
        "series_1h": ["bucket", "series_id"],
        "region_1h": ["bucket", "region_id"],
        "grid_1h": ["bucket", "grid_id"],
    }


def _hierarchy(conn: psycopg.Connection) -> tuple[int, int, int]:
    """Grid ``G``, region ``R``, node ``N``: their ids."""
    made = make_hierarchy(conn, {"G": {"R": ["N"]}})
    return made.grids[0], made.regions[0], made.nodes[0]


def test_names_are_unique_within_their_parent(conn: psycopg.Connection) -> None:
    grid, region, _ = _hierarchy(conn)
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("INSERT INTO grid_node (region_id, name) VALUES (%s, 'N')", (region,))
    other = conn.execute(
        "INSERT INTO grid_region (grid_id, name) VALUES (%s, 'R2') RETURNING id", (grid,)
    ).fetchone()
    assert other is not None
    conn.execute("INSERT INTO grid_node (region_id, name) VALUES (%s, 'N')", other)


def test_value_must_be_finite(conn: psycopg.Connection) -> None:
    # Values are integers of the kind's smallest unit (0010): no NaN or infinity fits in one.
    _, _, node = _hierarchy(conn)
    for bad in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(psycopg.errors.NumericValueOutOfRange):
            conn.execute(
                "INSERT INTO measures VALUES (%s, %s, %s, %s::float8)", (node, T0, T0, bad)
            )


def test_a_node_with_measures_cannot_vanish_or_move(conn: psycopg.Connection) -> None:
    grid, region, node = _hierarchy(conn)
    other = conn.execute(
        "INSERT INTO grid_region (grid_id, name) VALUES (%s, 'R2') RETURNING id", (grid,)
    ).fetchone()
    conn.execute("INSERT INTO measures VALUES (%s, %s, %s, 1500)", (node, T0, T0))
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="holds measures"):
        conn.execute("DELETE FROM grid_node WHERE id = %s", (node,))
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="holds measures"):
        conn.execute("UPDATE grid_node SET region_id = %s WHERE id = %s", (other[0], node))  # type: ignore[index]
    other_grid = conn.execute("INSERT INTO grid (name) VALUES ('G2') RETURNING id").fetchone()
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="holds measures"):
        conn.execute("UPDATE grid_region SET grid_id = %s WHERE id = %s", (other_grid[0], region))  # type: ignore[index]
    # Renaming is harmless and allowed; so is moving once the measures are gone.
    conn.execute("UPDATE grid_node SET name = 'renamed' WHERE id = %s", (node,))
    conn.execute("DELETE FROM measures WHERE series_id = %s", (node,))
    conn.execute("UPDATE grid_node SET region_id = %s WHERE id = %s", (other[0], node))  # type: ignore[index]
    conn.execute("DELETE FROM grid_node WHERE id = %s", (node,))


def test_writes_into_compressed_chunks_keep_working(conn: psycopg.Connection) -> None:
    _, _, node = _hierarchy(conn)
    conn.execute(
        "INSERT INTO measures SELECT %s, t, t - interval '10 hours', 1.0 "
        "FROM generate_series(%s::timestamptz, %s::timestamptz, interval '1 hour') t",
        (node, T0, T0 + timedelta(days=2)),
    )
    compressed = conn.execute(
        "SELECT count(compress_chunk(c)) FROM show_chunks('measures') c"
    ).fetchone()
    assert compressed is not None
    assert compressed[0] >= 1
    conn.execute("INSERT INTO measures VALUES (%s, %s, %s, 2.0)", (node, T0, T0))
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("INSERT INTO measures VALUES (%s, %s, %s, 3.0)", (node, T0, T0))
    conn.execute(
        "UPDATE measures SET value = 4.0 WHERE series_id = %s AND timestamp_collected = %s",
        (node, T0),
    )
    row = conn.execute(
        "SELECT value FROM measures WHERE series_id = %s AND timestamp_measured = %s "
        "ORDER BY timestamp_collected DESC LIMIT 1",
        (node, T0),
    ).fetchone()
    assert row == (4.0,)


def test_every_session_has_the_settings_gridts_measured(database_url: str) -> None:
    # Set on the database (0011), so a new session, the policies' jobs included, has them:
    # large compressed batches, no JIT, and no generic plans for prepared statements.
    with psycopg.connect(database_url) as conn:
        shown = [
            conn.execute(f"SHOW {name}").fetchone()
            for name in ("timescaledb.compression_batch_size_limit", "jit", "plan_cache_mode")
        ]
    assert shown == [("4000",), ("off",), ("force_custom_plan",)]


def _database_settings(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT unnest(s.setconfig) FROM pg_db_role_setting s "
            "JOIN pg_database d ON d.oid = s.setdatabase "
            "WHERE d.datname = current_database() AND s.setrole = 0"
        ).fetchall()
    return sorted(setting for (setting,) in rows)


def test_upgrade_and_downgrade_round_trip(
    timescale_server: TimescaleServer, test_settings: Settings
) -> None:
    url = timescale_server.create_database("gridts_test_roundtrip")
    migrations.upgrade(url, test_settings)
    built = _relations(url)
    assert {"grid", "grid_region", "grid_node", "measures", *ROLLUPS} <= built
    settings = _database_settings(url)
    assert "jit=off" in settings
    migrations.downgrade(url, test_settings)
    assert _relations(url) == {"alembic_version"}
    assert _database_settings(url) == []
    with psycopg.connect(url) as conn:
        jobs = conn.execute(
            "SELECT count(*) FROM timescaledb_information.jobs WHERE job_id >= 1000"
        )
        assert jobs.fetchone() == (0,)
    migrations.upgrade(url, test_settings)
    assert _relations(url) == built
    assert _database_settings(url) == settings


def _one_region_of_nodes(conn: psycopg.Connection, nodes: int) -> None:
    """A grid of one region of ``nodes`` nodes, each with its load series (no subtype)."""
    grid = conn.execute("INSERT INTO grid (name) VALUES ('g') RETURNING id").fetchone()
    assert grid is not None
    region = conn.execute(
        "INSERT INTO grid_region (grid_id, name) VALUES (%s, 'r') RETURNING id", grid
    ).fetchone()
    assert region is not None
    conn.execute(
        "INSERT INTO grid_node (region_id, name) SELECT %s, 'n' || i FROM generate_series(1, %s) i",
        (region[0], nodes),
    )


def _estimated_groups(conn: psycopg.Connection, *, analyze: bool = True) -> tuple[float, int]:
    """The planner's count of series' (kind, subtype) pairs (after ANALYZE), and the true one."""
    if analyze:
        conn.execute("ANALYZE series")
    plan = conn.execute(
        "EXPLAIN (FORMAT JSON) SELECT kind, subtype FROM series GROUP BY kind, subtype"
    ).fetchone()
    assert plan is not None
    true = conn.execute("SELECT count(*) FROM (SELECT DISTINCT kind, subtype FROM series) p")
    row = true.fetchone()
    assert row is not None
    return plan[0][0]["Plan"]["Plan Rows"], row[0]


def test_the_planner_counts_series_kinds_and_subtypes_as_they_are(
    timescale_server: TimescaleServer, test_settings: Settings
) -> None:
    """region_1h's refresh is planned from this count: with a subtype always NULL it was taken
    as 200 distinct values, ten times the groups, and the refresh sorted on disk (0014)."""
    url = timescale_server.create_database("gridts_test_statistics")
    migrations.upgrade(url, test_settings)
    with psycopg.connect(url, autocommit=True) as conn:
        _one_region_of_nodes(conn, 400)
        assert _estimated_groups(conn) == (1, 1)
        conn.execute(
            "INSERT INTO series (node_id, kind, subtype) "
            "SELECT id, 'generation', (ARRAY['wind', 'solar', 'hydro'])[id % 3 + 1] FROM grid_node"
        )
        assert _estimated_groups(conn) == (4, 4)


def test_a_wide_refresh_right_after_the_nodes_are_created_plans_with_their_statistics(
    timescale_server: TimescaleServer, test_settings: Settings
) -> None:
    """Autovacuum analyzes new nodes a minute later; the first full refresh comes sooner."""
    url = timescale_server.create_database("gridts_test_refresh_statistics")
    migrations.upgrade(url, test_settings)
    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("series", "grid_node"):  # as if autovacuum's next round were far off
            conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        _one_region_of_nodes(conn, 400)
        conn.execute(  # three days of each node's load series: a window refreshed in pieces
            "INSERT INTO measures (series_id, timestamp_measured, timestamp_collected, value) "
            "SELECT s.id, t, t, 1 FROM series s, generate_series("
            "TIMESTAMPTZ '2030-01-01', TIMESTAMPTZ '2030-01-03 23:00', INTERVAL '1 hour') t"
        )
        estimated, true = _estimated_groups(conn, analyze=False)
        assert estimated > 10 * true  # no statistics yet: counted as the planner guesses
        refresh_all(conn, connect=connector(url))
        assert _estimated_groups(conn, analyze=False) == (1, 1)
        regions = conn.execute("SELECT count(*) FROM region_1h").fetchone()
        assert regions == (72,)  # the refresh itself went on as ever
