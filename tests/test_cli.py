"""The ``gridts`` command: migrate and refresh against a configured or an embedded database."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from gridts.cli import main
from gridts.db.url import local_cluster
from gridts.settings import Settings
from plugins.timescaledb import TimescaleServer, create_database, free_port


def test_migrate_then_refresh_materialises_the_rollups(timescale_server: TimescaleServer) -> None:
    url = create_database(timescale_server, "gridts_test_cli")
    runner = CliRunner()
    migrated = runner.invoke(main, ["migrate"], env={"GRIDTS_DATABASE_URL": url})
    assert migrated.exit_code == 0, migrated.output
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO grid (name) VALUES ('G')")
        conn.execute("INSERT INTO grid_region (grid_id, name) SELECT id, 'R' FROM grid")
        conn.execute("INSERT INTO grid_node (region_id, name) SELECT id, 'N' FROM grid_region")
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
