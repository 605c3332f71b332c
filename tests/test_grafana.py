"""Grafana: every dashboard query runs as gridts_grafana, and the two roles hold what they should.

No Grafana runs here: ``grafana_macros`` expands each panel's SQL as Grafana's PostgreSQL data
source would (TimescaleDB option on) for a fixed range and interval, and the result runs on the
test database with ``SET ROLE``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
import yaml
from psycopg import sql

from grafana_macros import QueryContext, expand, format_interval, parse_interval
from gridts.db import migrations
from gridts.db.rollups import ROLLUPS, refresh_all
from plugins.timescaledb import TimescaleServer, create_database, reset_database

if TYPE_CHECKING:
    from collections.abc import Iterator

    from gridts.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DASHBOARDS = sorted((ROOT / "grafana" / "dashboards").glob("*.json"))
T0 = datetime(2027, 1, 4, tzinfo=UTC)
DAYS = 3
# Revisions of each hourly target: collected this long before it, and the value they carry.
LEADS = {timedelta(hours=36): 100.0, timedelta(hours=18): 200.0, timedelta(hours=6): 300.0}
LATE = timedelta(hours=-1)  # one revision after the fact: the latest value


def _dashboard(path: Path) -> dict[str, Any]:
    board: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return board


def _as(url: str, role: str) -> psycopg.Connection:
    conn = psycopg.connect(url, autocommit=True)
    conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    return conn


def _value(node: int, target: datetime, lead: timedelta) -> float:
    base = LEADS.get(lead, 400.0)
    return base + node + target.hour / 100


@pytest.fixture(scope="module")
def seeded(database_url: str) -> str:
    """Two grids, three regions, four nodes; three days of hourly targets, four revisions each."""
    reset_database(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        nodes: list[int] = []
        for grid, regions in (("G1", {"R1": ["N1", "N2"], "R2": ["N3"]}), ("G2", {"R3": ["N4"]})):
            row = conn.execute("INSERT INTO grid (name) VALUES (%s) RETURNING id", (grid,))
            grid_id = row.fetchone()[0]  # type: ignore[index]
            for region, names in regions.items():
                row = conn.execute(
                    "INSERT INTO grid_region (grid_id, name) VALUES (%s, %s) RETURNING id",
                    (grid_id, region),
                )
                region_id = row.fetchone()[0]  # type: ignore[index]
                for name in names:
                    row = conn.execute(
                        "INSERT INTO grid_node (region_id, name) VALUES (%s, %s) RETURNING id",
                        (region_id, name),
                    )
                    nodes.append(row.fetchone()[0])  # type: ignore[index]
        targets = [T0 + timedelta(hours=h) for h in range(24 * DAYS)]
        rows = [
            (node, target, target - lead, _value(node, target, lead))
            for node in nodes
            for target in targets
            for lead in (*LEADS, LATE)
        ]
        with (
            conn.cursor() as cursor,
            cursor.copy(
                "COPY measures (node_id, timestamp_measured, timestamp_collected, value) FROM STDIN"
            ) as copy,
        ):
            for record in rows:
                copy.write_row(record)
        refresh_all(conn)
    return database_url


def _context(conn: psycopg.Connection, board: dict[str, Any], interval: timedelta) -> QueryContext:
    """Resolve the dashboard's variables as Grafana does: each query's first option, in order."""
    ctx = QueryContext(T0, T0 + timedelta(days=DAYS), interval)
    for variable in board["templating"]["list"]:
        cursor = conn.execute(expand(variable["query"], ctx))
        columns = [column.name for column in cursor.description or []]
        rows = cursor.fetchall()
        assert rows, f"variable {variable['name']} has no options"
        value = rows[0][columns.index("__value")]
        ctx.variables[variable["name"]] = str(value)
    return ctx


def _targets(board: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for panel in board["panels"]:
        for target in panel["targets"]:
            yield panel, target


def test_dashboards_are_found_and_use_the_provisioned_datasource() -> None:
    assert len(DASHBOARDS) == 3
    provisioned = yaml.safe_load(
        (ROOT / "grafana/provisioning/datasources/gridts.yaml").read_text(encoding="utf-8")
    )["datasources"][0]
    assert provisioned["type"] == "grafana-postgresql-datasource"
    assert provisioned["user"] == "gridts_grafana"
    assert provisioned["jsonData"]["timescaledb"] is True
    # An environment reference, not a password: the secret stays out of the repository.
    assert provisioned["secureJsonData"]["password"] == "$__env{GRIDTS_GRAFANA_PASSWORD}"  # noqa: S105
    uids = set()
    for path in DASHBOARDS:
        board = _dashboard(path)
        uids.add(board["uid"])
        for panel, target in _targets(board):
            for source in (panel["datasource"], target["datasource"]):
                assert source == {"type": provisioned["type"], "uid": provisioned["uid"]}
            assert target["rawQuery"] is True
            assert target["rawSql"]
    assert len(uids) == len(DASHBOARDS)


def test_every_query_returns_rows_as_gridts_grafana(seeded: str) -> None:
    failures = []
    ran = 0
    with _as(seeded, "gridts_grafana") as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("gridts_grafana",)
        for path in DASHBOARDS:
            board = _dashboard(path)
            for panel, target in _targets(board):
                interval = parse_interval(panel.get("interval", "5m"))
                ctx = _context(conn, board, interval)
                query = expand(target["rawSql"], ctx)
                assert "$" not in query, query
                rows = conn.execute(query).fetchall()
                ran += 1
                if not rows:
                    failures.append(f"{path.name}: {panel['title']} {target['refId']}")
    assert ran >= 9
    assert not failures


def _run(conn: psycopg.Connection, path: str, title: str, ref: str) -> list[tuple[Any, ...]]:
    board = _dashboard(ROOT / "grafana" / "dashboards" / path)
    for panel, target in _targets(board):
        if panel["title"] == title and target["refId"] == ref:
            ctx = _context(conn, board, parse_interval(panel.get("interval", "5m")))
            return conn.execute(expand(target["rawSql"], ctx)).fetchall()
    raise AssertionError(f"no target {ref} in panel {title!r} of {path}")


def test_forecast_evolution_shows_latest_and_values_known_earlier(seeded: str) -> None:
    with _as(seeded, "gridts_grafana") as conn:
        board = _dashboard(ROOT / "grafana/dashboards/forecast-evolution.json")
        node = int(_context(conn, board, timedelta(hours=1)).variables["node"])
        series = {
            ref: dict(_run(conn, "forecast-evolution.json", "Latest and as known before", ref))
            for ref in "ABC"
        }
    targets = [T0 + timedelta(hours=h) for h in range(24 * DAYS)]
    assert series["A"] == {t: _value(node, t, LATE) for t in targets}
    assert series["B"] == {t: _value(node, t, timedelta(hours=36)) for t in targets}
    assert series["C"] == {t: _value(node, t, timedelta(hours=18)) for t in targets}


def test_mae_by_lead_compares_what_was_known_with_the_latest(seeded: str) -> None:
    with _as(seeded, "gridts_grafana") as conn:
        title = "MAE by lead (value known L before each target vs. the latest)"
        rows = _run(conn, "forecast-evolution.json", title, "A")
    # Latest 400 + ..., known 6 h before 300 + ..., 18 h before 200 + ..., 36 h before 100 + ...
    assert [(lead, pytest.approx(mae), n) for lead, mae, n in rows] == [
        ("1 h", 100.0, 24 * DAYS),
        ("6 h", 100.0, 24 * DAYS),
        ("12 h", 200.0, 24 * DAYS),
        ("24 h", 300.0, 24 * DAYS),
    ]  # nothing was known 48 h ahead: that lead is left out


def test_grid_hourly_total_is_the_sum_of_its_nodes(seeded: str) -> None:
    with _as(seeded, "gridts_grafana") as conn:
        totals = dict(_run(conn, "grid-overview.json", "Hourly total", "A"))
        grid = conn.execute("SELECT min(id) FROM grid WHERE name = 'G1'").fetchone()
        nodes = conn.execute(
            "SELECT n.id FROM grid_node n JOIN grid_region r ON r.id = n.region_id "
            "WHERE r.grid_id = %s",
            grid,
        ).fetchall()
    hour = T0 + timedelta(hours=5)
    assert totals[hour] == pytest.approx(sum(_value(n, hour, LATE) for (n,) in nodes))


def test_macros_expand_as_grafana_does() -> None:
    ctx = QueryContext(
        datetime(2027, 1, 4, tzinfo=UTC),
        datetime(2027, 1, 5, 12, 30, 0, 500000, tzinfo=UTC),
        timedelta(hours=1),
        {"grid": "7", "name": "O'Hare"},
    )
    assert expand("WHERE $__timeFilter(bucket)", ctx) == (
        "WHERE bucket BETWEEN '2027-01-04T00:00:00Z' AND '2027-01-05T12:30:00.5Z'"
    )
    assert expand("$__timeFrom() $__timeTo()", ctx) == (
        "'2027-01-04T00:00:00Z' '2027-01-05T12:30:00.5Z'"
    )
    assert expand("SELECT $__timeGroupAlias(bucket, $__interval)", ctx) == (
        "SELECT time_bucket('3600.000s',bucket) AS \"time\""
    )
    assert expand("SELECT $__timeGroup(bucket, '5m'), 1", ctx) == (
        "SELECT time_bucket('300.000s',bucket) AS \"time\", 1"
    )
    assert expand("GROUP BY $__timeGroup(bucket, 1d)", ctx) == (
        "GROUP BY time_bucket('86400.000s',bucket)"
    )
    assert expand("$__interval $__interval_ms", ctx) == "1h 3600000"
    assert expand("$__unixEpochFilter(t)", ctx) == "t >= 1799020800 AND t <= 1799152200"
    assert expand("$__unixEpochFrom() $__unixEpochTo()", ctx) == "1799020800 1799152200"
    assert expand("id = $grid AND id = ${grid} AND id = [[grid]] AND $gridx", ctx) == (
        "id = 7 AND id = 7 AND id = 7 AND $gridx"
    )
    assert expand("name = '$name'", ctx) == "name = 'O''Hare'"
    plain = QueryContext(ctx.start, ctx.end, ctx.interval, timescaledb=False)
    assert expand("$__timeGroup(t, 1h)", plain) == "floor(extract(epoch from t)/3600)*3600"
    assert format_interval(timedelta(seconds=90)) == "1m"
    assert format_interval(timedelta(days=8)) == "1w"
    assert format_interval(timedelta(milliseconds=20)) == "20ms"


# gridts_grafana: read only, and only the dashboards' relations.


def _chunk(url: str, relation: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT show_chunks(%s::regclass)::text LIMIT 1", (relation,))
        found = row.fetchone()
    assert found is not None
    return str(found[0])


def _internal(url: str, view: str) -> list[str]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT format('%%I.%%I', h.schema_name, h.table_name), "
            "format('%%I.%%I', c.partial_view_schema, c.partial_view_name), "
            "format('%%I.%%I', c.direct_view_schema, c.direct_view_name) "
            "FROM _timescaledb_catalog.continuous_agg c "
            "JOIN _timescaledb_catalog.hypertable h ON h.id = c.mat_hypertable_id "
            "WHERE c.user_view_name = %s",
            (view,),
        ).fetchone()
    assert row is not None
    return list(row)


FORBIDDEN_TO_GRAFANA = [
    "INSERT INTO grid (name) VALUES ('X')",
    "UPDATE grid_node SET name = 'X'",
    "DELETE FROM grid_region",
    "TRUNCATE grid",
    "TRUNCATE grid_node",
    "INSERT INTO measures VALUES (1, now(), now(), 1)",
    "DELETE FROM measures",
    "UPDATE measures SET value = 0",
    "TRUNCATE measures",
    "SELECT * FROM measures LIMIT 1",
    "TRUNCATE node_1h",
    "TRUNCATE grid_1d",
    "INSERT INTO rollup_refresh_queue (window_start, window_end) VALUES (now(), now() + '1h')",
    "SELECT * FROM rollup_refresh_queue",
    "CREATE TABLE public.grafana_was_here (a int)",
    "CREATE TEMP TABLE grafana_was_here (a int)",
    "CREATE VIEW grafana_was_here AS SELECT 1",
    "SELECT gridts_request_refresh()",
    "CALL refresh_continuous_aggregate('node_1h', NULL, NULL)",
]


@pytest.mark.parametrize("statement", FORBIDDEN_TO_GRAFANA)
def test_grafana_cannot(seeded: str, statement: str) -> None:
    with _as(seeded, "gridts_grafana") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_grafana_cannot_read_timescaledb_internals(seeded: str) -> None:
    relations = [
        _chunk(seeded, "measures"),
        *_internal(seeded, "node_latest"),
        *_internal(seeded, "grid_1d"),
        _chunk(seeded, _internal(seeded, "node_1h")[0]),
    ]
    with _as(seeded, "gridts_grafana") as conn:
        for relation in relations:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM {relation} LIMIT 1")


def test_nobody_writes_a_continuous_aggregate(seeded: str) -> None:
    # A real-time aggregate is a UNION view: not updatable, whoever asks.
    with _as(seeded, "gridts_grafana") as conn:
        for statement in ("INSERT INTO node_1h (node_id) VALUES (1)", "DELETE FROM grid_1h"):
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
                conn.execute(statement)


def test_grafana_logs_in_read_only(seeded: str) -> None:
    with psycopg.connect(seeded) as conn:
        setting = conn.execute(
            "SELECT s.setconfig FROM pg_db_role_setting s "
            "JOIN pg_roles r ON r.oid = s.setrole "
            "JOIN pg_database d ON d.oid = s.setdatabase "
            "WHERE r.rolname = 'gridts_grafana' AND d.datname = current_database()"
        ).fetchone()
    assert setting == (["default_transaction_read_only=on"],)


# gridts_api: what the service does, and no more.


def test_api_ingests_through_a_temporary_table(seeded: str) -> None:
    staging = (ROOT / "sql/queries/ingest/staging.sql").read_text(encoding="utf-8")
    insert = (ROOT / "sql/queries/ingest/insert.sql").read_text(encoding="utf-8")
    at = T0 + timedelta(days=40)
    with _as(seeded, "gridts_api") as conn:
        node = conn.execute("SELECT min(id) FROM grid_node").fetchone()
        assert node is not None
        with conn.transaction():
            conn.execute(staging)
            with (
                conn.cursor() as cursor,
                cursor.copy(
                    "COPY ingest_staging (node_id, timestamp_measured, timestamp_collected, value) "
                    "FROM STDIN"
                ) as copy,
            ):
                copy.write_row((node[0], at, at, 1.5))
            inserted = conn.execute(insert).rowcount
            conn.execute(
                "INSERT INTO rollup_refresh_queue (window_start, window_end) VALUES (%s, %s)",
                (at, at + timedelta(days=1)),
            )
        assert inserted == 1
        latest = conn.execute(
            "SELECT value FROM node_latest WHERE node_id = %s AND target = %s", (node[0], at)
        ).fetchone()
        assert latest == (1.5,)
        for view in ROLLUPS:
            conn.execute(sql.SQL("SELECT * FROM {} LIMIT 1").format(sql.Identifier(view)))
        conn.execute("SELECT id FROM rollup_refresh_queue").fetchall()
        conn.execute("DELETE FROM rollup_refresh_queue")
        conn.execute("DELETE FROM measures WHERE timestamp_measured = %s", (at,))


def test_api_manages_the_hierarchy(seeded: str) -> None:
    with _as(seeded, "gridts_api") as conn, conn.transaction(force_rollback=True):
        grid = conn.execute("INSERT INTO grid (name) VALUES ('api') RETURNING id").fetchone()
        region = conn.execute(
            "INSERT INTO grid_region (grid_id, name) VALUES (%s, 'r') RETURNING id", grid
        ).fetchone()
        node = conn.execute(
            "INSERT INTO grid_node (region_id, name) VALUES (%s, 'n') RETURNING id", region
        ).fetchone()
        conn.execute("UPDATE grid_node SET name = 'm' WHERE id = %s", node)
        conn.execute("DELETE FROM grid_node WHERE id = %s", node)


def test_api_runs_the_dashboard_endpoint_queries(seeded: str) -> None:
    with _as(seeded, "gridts_api") as conn:
        for path in sorted((ROOT / "sql/queries/dashboard").glob("*.sql")):
            conn.execute(path.read_text(encoding="utf-8")).fetchall()


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE public.api_was_here (a int)",
        "CREATE VIEW api_was_here AS SELECT 1",
        "DROP VIEW forecast_revisions",
        "ALTER TABLE measures ADD COLUMN x int",
        "TRUNCATE measures",
        "UPDATE measures SET value = 0",
        "TRUNCATE node_1h",
        "CALL refresh_continuous_aggregate('node_latest', NULL, NULL)",
    ],
)
def test_api_cannot(seeded: str, statement: str) -> None:
    with _as(seeded, "gridts_api") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_api_can_ask_for_a_refresh_which_runs_as_the_owner(seeded: str) -> None:
    with _as(seeded, "gridts_api") as conn:
        asked = conn.execute("SELECT gridts_request_refresh()").fetchone()
    assert asked == (len(ROLLUPS),)
    with psycopg.connect(seeded, autocommit=True) as conn:
        soon = conn.execute(
            "SELECT count(*) FROM timescaledb_information.jobs "
            "WHERE proc_name = 'policy_refresh_continuous_aggregate' "
            "AND next_start <= now() + interval '1 minute'"
        ).fetchone()
        # Put the schedule back: other tests refresh by hand and need no company.
        conn.execute(
            "SELECT alter_job(job_id, next_start => now() + interval '1 hour') "
            "FROM timescaledb_information.jobs "
            "WHERE proc_name = 'policy_refresh_continuous_aggregate'"
        )
    assert soon == (len(ROLLUPS),)


# Roles are cluster-wide: a second database's migration finds them, and its downgrade leaves them
# to the databases that still grant them something.


def test_a_second_database_shares_the_roles_and_sets_a_password(
    timescale_server: TimescaleServer, test_settings: Settings, database_url: str
) -> None:
    url = create_database(timescale_server, "gridts_test_roles")
    settings = replace(test_settings, grafana_password=secrets.token_urlsafe(24))
    try:
        migrations.upgrade(url, settings)
        with psycopg.connect(url) as conn:
            roles = conn.execute(
                "SELECT rolname, rolcanlogin, rolpassword LIKE 'SCRAM-SHA-256$%' "
                "FROM pg_authid WHERE rolname IN ('gridts_grafana', 'gridts_api') ORDER BY 1"
            ).fetchall()
        assert roles == [("gridts_api", False, None), ("gridts_grafana", True, True)]
        migrations.downgrade(url, settings)
        with psycopg.connect(database_url) as conn:
            left = conn.execute(
                "SELECT count(*) FROM pg_roles WHERE rolname IN ('gridts_grafana', 'gridts_api')"
            ).fetchone()
            assert left == (2,), "the session's database still grants them"
            conn.execute("SET ROLE gridts_grafana")
            assert conn.execute("SELECT count(*) FROM grid").fetchone() is not None
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("ALTER ROLE gridts_grafana NOLOGIN PASSWORD NULL")
