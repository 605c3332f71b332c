"""The ``gridts`` command (``gridts.cli``): migrate, refresh and seed against a configured or an
embedded database, and a plain message when the server lacks the extension."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from click.testing import CliRunner

from gridts.cli import main
from gridts.db.url import local_cluster
from gridts.settings import Settings
from gridts.testing.ports import free_port
from support.db import make_hierarchy

if TYPE_CHECKING:
    from gridts.testing.servers import TimescaleServer


def test_migrate_then_refresh_materialises_the_rollups(timescale_server: TimescaleServer) -> None:
    url = timescale_server.create_database("gridts_test_cli")
    runner = CliRunner()
    migrated = runner.invoke(main, ["migrate"], env={"GRIDTS_DATABASE_URL": url})
    assert migrated.exit_code == 0, migrated.output
    with psycopg.connect(url, autocommit=True) as conn:
        make_hierarchy(conn, {"G": {"R": ["N"]}})
        conn.execute(
            "INSERT INTO measures SELECT n.id, %s, %s, 42.0 FROM grid_node n",
            (datetime(2027, 5, 1, 10, tzinfo=UTC), datetime(2027, 5, 1, tzinfo=UTC)),
        )
        refreshed = runner.invoke(main, ["refresh"], env={"GRIDTS_DATABASE_URL": url})
        assert refreshed.exit_code == 0, refreshed.output
        # Materialised: the grid_1d view's own table holds the day now.
        materialised = conn.execute(
            "SELECT count(*) FROM _timescaledb_catalog.continuous_agg c "
            "JOIN _timescaledb_catalog.hypertable h ON h.id = c.mat_hypertable_id "
            "WHERE c.user_view_name = 'grid_1d' AND "
            "_timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(h.id)) "
            "> %s",
            (datetime(2027, 5, 1, tzinfo=UTC),),
        ).fetchone()
        assert materialised == (1,)
        total = conn.execute("SELECT total, nodes FROM grid_1h").fetchall()
        assert total == [(42.0, 1)]


def test_without_a_url_the_commands_run_an_embedded_cluster() -> None:
    root = Path(tempfile.mkdtemp(prefix="gridts-test-embedded-"))
    root.chmod(0o755)
    env = {
        "GRIDTS_DATABASE_URL": "",
        "GRIDTS_DATA_DIR": str(root),
        "GRIDTS_LOCAL_PORT": str(free_port()),
    }
    runner = CliRunner()
    try:
        result = runner.invoke(main, ["migrate"], env=env)
        assert result.exit_code == 0, result.output
        result = runner.invoke(main, ["db", "start"], env=env)
        assert result.exit_code == 0, result.output
        with psycopg.connect(result.output.strip()) as conn:
            tables = conn.execute("SELECT count(*) FROM timescaledb_information.hypertables")
            assert tables.fetchone() == (1,)
    finally:
        local_cluster(Settings.from_env(env)).destroy()


def test_a_server_without_the_extension_loaded_gets_a_plain_message(
    timescale_server: TimescaleServer,
) -> None:
    if timescale_server.cluster is None:
        pytest.fail("this test needs the local cluster source (set no GRIDTS_TEST_DATABASE_URL)")
    root = Path(tempfile.mkdtemp(prefix="gridts-test-plain-cli-"))
    root.chmod(0o755)
    plain = local_cluster(Settings(data_dir=root, local_port=free_port()))
    plain.preload_timescaledb = False
    try:
        plain.init()
        plain.start()
        result = CliRunner().invoke(main, ["migrate"], env={"GRIDTS_DATABASE_URL": plain.url})
        assert result.exit_code != 0
        assert "shared_preload_libraries = 'timescaledb'" in result.output
        assert "Traceback" not in result.output
    finally:
        plain.destroy()


SEED_ARGS = ["seed", "--days", "2", "--grids", "2", "--regions", "2", "--nodes", "2"]


def _seeded(url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT g.name, r.name, n.name, m.timestamp_measured, m.timestamp_collected, m.value "
            "FROM measures m JOIN grid_node n ON n.id = m.node_id "
            "JOIN grid_region r ON r.id = n.region_id JOIN grid g ON g.id = r.grid_id "
            "ORDER BY 1, 2, 3, 4, 5"
        ).fetchall()


def test_seed_writes_the_seeds_data_set_once_and_deterministically(
    timescale_server: TimescaleServer,
) -> None:
    runner = CliRunner()
    urls = [timescale_server.create_database(f"gridts_test_seed_{i}") for i in (1, 2)]
    for url in urls:
        assert runner.invoke(main, ["migrate"], env={"GRIDTS_DATABASE_URL": url}).exit_code == 0
    args = [*SEED_ARGS, "--resolution", "15", "--seed", "7", "--start", "2026-03-28"]
    first = runner.invoke(main, args, env={"GRIDTS_DATABASE_URL": urls[0]})
    assert first.exit_code == 0, first.output
    expected_rows = 8 * 2 * 96 * 3  # nodes x days x 15-minute targets x revisions
    assert f"{expected_rows:,} rows ({expected_rows:,} inserted, 0 already stored)" in first.output
    assert "rows/s" in first.output
    rows = _seeded(urls[0])
    assert len(rows) == expected_rows
    assert {r[:3] for r in rows} == {
        (f"Grid{g}", f"Region{r}_G{g}", f"Node{n}_R{2 * (g - 1) + r}")
        for g in (1, 2)
        for r in (1, 2)
        for n in (1, 2)
    }
    targets = sorted({r[3] for r in rows})
    assert targets[0] == datetime(2026, 3, 28, tzinfo=UTC)
    assert targets[1] - targets[0] == timedelta(minutes=15)
    assert len(targets) == 2 * 96
    leads = {r[3] - r[4] for r in rows}
    assert leads == {timedelta(hours=h) for h in (12, 11, 10)}

    again = runner.invoke(main, args, env={"GRIDTS_DATABASE_URL": urls[0]})
    assert again.exit_code == 0, again.output
    assert f"(0 inserted, {expected_rows:,} already stored)" in again.output
    assert _seeded(urls[0]) == rows

    elsewhere = runner.invoke(main, args, env={"GRIDTS_DATABASE_URL": urls[1]})
    assert elsewhere.exit_code == 0, elsewhere.output
    assert _seeded(urls[1]) == rows  # the same arguments write the same values

    other_seed = runner.invoke(
        main, [*args[:-4], "--seed", "8", *args[-2:]], env={"GRIDTS_DATABASE_URL": urls[1]}
    )
    assert other_seed.exit_code != 0  # other values for stored keys: a clear refusal
    assert "another --seed" in other_seed.output
    assert "Traceback" not in other_seed.output


def test_seeded_values_look_like_a_grid(timescale_server: TimescaleServer) -> None:
    url = timescale_server.create_database("gridts_test_seed_shape")
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"], env={"GRIDTS_DATABASE_URL": url}).exit_code == 0
    result = runner.invoke(main, ["seed", "--weeks", "1"], env={"GRIDTS_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "13,608 rows" in result.output  # 27 nodes x 168 hours x 3 revisions
    with psycopg.connect(url) as conn:
        # Forecasts converge: the later a revision, the closer to the final (last) value.
        errors = conn.execute(
            """
            SELECT avg(abs(m.value - f.value)) FILTER (WHERE f.lead_hours = 12),
                   avg(abs(m.value - f.value)) FILTER (WHERE f.lead_hours = 11)
            FROM measures m
            JOIN LATERAL (
                SELECT value, extract(epoch FROM m.timestamp_measured - timestamp_collected) / 3600
                       AS lead_hours
                FROM measures
                WHERE node_id = m.node_id AND timestamp_measured = m.timestamp_measured
            ) f ON true
            WHERE m.timestamp_measured - m.timestamp_collected = interval '10 hours'
            """
        ).fetchone()
        assert errors is not None
        assert errors[0] > errors[1] > 0
        # A daily load shape: evenings above nights, and every value a positive load.
        shape = conn.execute(
            """
            SELECT avg(value) FILTER (WHERE extract(hour FROM timestamp_measured) IN (18, 19, 20)),
                   avg(value) FILTER (WHERE extract(hour FROM timestamp_measured) IN (2, 3, 4)),
                   min(value)
            FROM measures
            """
        ).fetchone()
        assert shape is not None
        assert shape[0] > 1.1 * shape[1]
        assert shape[2] > 0
        # --refresh (the default) materialised the rollups over the seeded days.
        grid_days = conn.execute("SELECT count(*) FROM grid_1d").fetchone()
        assert grid_days == (3 * 7,)
