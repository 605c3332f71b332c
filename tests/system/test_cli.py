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
            "INSERT INTO measures (series_id, timestamp_measured, timestamp_collected, value) "
            "SELECT s.id, %s, %s, 42000 FROM series s",
            (datetime(2027, 5, 1, 10, tzinfo=UTC), datetime(2027, 5, 1, tzinfo=UTC)),
        )
        refreshed = runner.invoke(main, ["refresh"], env={"GRIDTS_DATABASE_URL": url})
        assert refreshed.exit_code == 0, refreshed.output
        # Materialised: the grid_1h view's own table holds the day now.
        materialised = conn.execute(
            "SELECT count(*) FROM _timescaledb_catalog.continuous_agg c "
            "JOIN _timescaledb_catalog.hypertable h ON h.id = c.mat_hypertable_id "
            "WHERE c.user_view_name = 'grid_1h' AND "
            "_timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(h.id)) "
            "> %s",
            (datetime(2027, 5, 1, tzinfo=UTC),),
        ).fetchone()
        assert materialised == (1,)
        total = conn.execute(
            "SELECT h.total_units / k.scale, h.nodes FROM grid_1h h JOIN kind k ON k.name = h.kind"
        ).fetchall()
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


def _seeded(url: str, kind: str = "load") -> list[tuple[object, ...]]:
    """``(grid, region, node, subtype, target, collected, value)`` of every row of ``kind``."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT g.name, r.name, n.name, s.subtype, m.timestamp_measured, "
            "m.timestamp_collected, m.value::float8 / 1000 "
            "FROM measures m JOIN series s ON s.id = m.series_id "
            "JOIN grid_node n ON n.id = s.node_id "
            "JOIN grid_region r ON r.id = n.region_id JOIN grid g ON g.id = r.grid_id "
            "WHERE s.kind = %s AND m.quality = 0 ORDER BY 1, 2, 3, 4, 5, 6",
            (kind,),
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
    targets = sorted({r[4] for r in rows})
    assert targets[0] == datetime(2026, 3, 28, tzinfo=UTC)
    assert targets[1] - targets[0] == timedelta(minutes=15)
    assert len(targets) == 2 * 96
    leads = {r[4] - r[5] for r in rows}
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
                WHERE series_id = m.series_id AND timestamp_measured = m.timestamp_measured
            ) f ON true
            WHERE m.timestamp_measured - m.timestamp_collected = interval '10 hours'
            """
        ).fetchone()
        assert errors is not None
        assert errors[0] > errors[1] > 0
        # A daily load shape: evenings above nights, and every value a positive load.
        shape = conn.execute(
            """
            SELECT avg(value::float8) FILTER (WHERE extract(hour FROM timestamp_measured)
                                                IN (18, 19, 20)),
                   avg(value::float8) FILTER (WHERE extract(hour FROM timestamp_measured)
                                                IN (2, 3, 4)),
                   min(value)
            FROM measures
            """
        ).fetchone()
        assert shape is not None
        assert shape[0] > 1.1 * shape[1]
        assert shape[2] > 0
        # --refresh (the default) materialised the rollups over the seeded days.
        grid_hours = conn.execute("SELECT count(*) FROM grid_1h").fetchone()
        assert grid_hours == (3 * 7 * 24,)


def test_seed_spends_no_ids_on_what_exists(timescale_server: TimescaleServer) -> None:
    url = timescale_server.create_database("gridts_test_seed_ids")
    runner = CliRunner()
    env = {"GRIDTS_DATABASE_URL": url}
    assert runner.invoke(main, ["migrate"], env=env).exit_code == 0
    for args in (
        ["seed", "--days", "1"],
        ["seed", "--days", "1"],
        ["seed", "--days", "1", "--series"],
    ):
        result = runner.invoke(main, [*args, "--no-refresh"], env=env)
        assert result.exit_code == 0, result.output
    with psycopg.connect(url, autocommit=True) as conn:
        ids = {
            table: [i for (i,) in conn.execute(f"SELECT id FROM {table} ORDER BY id")]
            for table in ("grid", "grid_region", "grid_node", "series")
        }
        assert ids["grid"] == [1, 2, 3]
        assert ids["grid_region"] == list(range(1, 10))
        assert ids["grid_node"] == list(range(1, 28))
        assert ids["series"] == list(range(1, 28 + 4 * 27))  # 27 loads, then 4 more per node
        # Nothing was spent either: the next grid and region take the next ids, and the next
        # node the next id of the sequence nodes share with series (a node's default series
        # has the node's id).
        made = make_hierarchy(conn, {"G4": {"R10": ["N"]}})
        assert (made.grids, made.regions, made.nodes) == ([4], [10], [28 + 4 * 27])


def test_seed_series_adds_generation_and_price_and_keeps_the_load(
    timescale_server: TimescaleServer,
) -> None:
    runner = CliRunner()
    urls = [timescale_server.create_database(f"gridts_test_seed_series_{i}") for i in (1, 2)]
    for url, extra in zip(urls, ([], ["--series"]), strict=True):
        env = {"GRIDTS_DATABASE_URL": url}
        assert runner.invoke(main, ["migrate"], env=env).exit_code == 0
        result = runner.invoke(main, ["seed", "--days", "3", *extra], env=env)
        assert result.exit_code == 0, result.output
    assert f"{27 * 72 * 3 * 5:,} rows" in result.output
    plain, series = urls
    assert _seeded(series, "load") == _seeded(plain, "load")  # the default data set, unchanged
    with psycopg.connect(series) as conn:
        kinds = conn.execute(
            "SELECT kind, subtype, count(*), min(min_value) FROM series "
            "GROUP BY kind, subtype ORDER BY 1, 2"
        ).fetchall()
        assert kinds == [
            ("generation", "gas", 27, 0.0),
            ("generation", "solar", 27, 0.0),
            ("generation", "wind", 27, 0.0),
            ("load", None, 27, None),
            ("price", None, 27, None),
        ]
        # Per node, series and hour: the final revision (collected 10 hours before its target).
        conn.execute(
            """
            CREATE TEMP VIEW final AS
            SELECT s.node_id, coalesce(s.subtype, s.kind) AS name, m.timestamp_measured AS target,
                   extract(hour FROM m.timestamp_measured) AS hour,
                   m.value::float8 / 1000 AS value
            FROM measures m JOIN series s ON s.id = m.series_id
            WHERE m.timestamp_measured - m.timestamp_collected = interval '10 hours'
            """
        )

        def avg(name: str, hours: tuple[int, ...]) -> float:
            found = conn.execute(
                "SELECT avg(value) FROM final WHERE name = %s AND hour = ANY(%s)",
                (name, list(hours)),
            ).fetchone()
            assert found is not None
            return float(found[0])

        # Solar: nothing at night, a bell at midday.
        night = conn.execute(
            "SELECT max(value) FROM final WHERE name = 'solar' AND hour IN (22, 23, 0, 1, 2)"
        ).fetchone()
        assert night == (0.0,)
        assert avg("solar", (11, 12, 13)) > 1.5 * avg("solar", (7, 8, 17, 18)) > 0
        # Wind drifts: hour to hour it moves little compared with how far it goes in three days.
        drift = conn.execute(
            """
            SELECT avg(step) / avg(span) FROM (
                SELECT node_id, avg(abs(value - previous)) AS step, max(value) - min(value) AS span
                FROM (SELECT node_id, value,
                             lag(value) OVER (PARTITION BY node_id ORDER BY target) AS previous
                      FROM final WHERE name = 'wind') AS w
                GROUP BY node_id
            ) AS per_node
            """
        ).fetchone()
        assert drift is not None
        assert 0 < drift[0] < 0.25
        # Gas fills what wind and solar leave of the load.
        cover = conn.execute(
            """
            SELECT avg(g.total / l.value) FROM final l
            JOIN (SELECT node_id, target, sum(value) AS total FROM final
                  WHERE name IN ('gas', 'wind', 'solar') GROUP BY node_id, target) g
              USING (node_id, target)
            WHERE l.name = 'load'
            """
        ).fetchone()
        assert cover is not None
        assert 0.9 < cover[0] < 1.3
        # Price: a morning and an evening peak over a night and midday trough.
        morning, evening = avg("price", (7, 8, 9)), avg("price", (18, 19, 20))
        assert min(morning, evening) > max(avg("price", (2, 3, 4)), avg("price", (12, 13, 14))) + 10


def test_seed_writes_a_realistic_day_ahead_history(timescale_server: TimescaleServer) -> None:
    """``--values realistic --collection day_ahead``: the few-nodes history shape of the bench."""
    url = timescale_server.create_database("gridts_test_seed_history")
    runner = CliRunner()
    env = {"GRIDTS_DATABASE_URL": url}
    assert runner.invoke(main, ["migrate"], env=env).exit_code == 0
    args = ["seed", "--grids", "1", "--regions", "1", "--nodes", "2", "--revisions", "2"]
    args += ["--days", "2", "--values", "realistic", "--collection", "day_ahead", "--no-refresh"]
    result = runner.invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    with psycopg.connect(url) as conn:
        leads = conn.execute(
            "SELECT DISTINCT CASE WHEN timestamp_collected < timestamp_measured "
            "THEN timestamp_collected - date_trunc('day', timestamp_measured, 'UTC') END, "
            "CASE WHEN timestamp_collected > timestamp_measured "
            "THEN timestamp_collected - timestamp_measured END FROM measures"
        ).fetchall()
        # The forecast at 12:00 UTC the day before, the measure an hour after its target.
        assert {forecast for forecast, _ in leads if forecast is not None} == {timedelta(hours=-12)}
        assert {measured for _, measured in leads if measured is not None} == {timedelta(hours=1)}
        # Small revisions: each forecast within 5 % of its measured value.
        worst = conn.execute(
            "SELECT max(abs(f.value - m.value)::float8 / abs(m.value)) "
            "FROM measures f JOIN measures m USING (series_id, timestamp_measured) "
            "WHERE f.timestamp_collected < f.timestamp_measured "
            "AND m.timestamp_collected > m.timestamp_measured"
        ).fetchone()
        assert worst is not None
        assert 0 < worst[0] < 0.05
