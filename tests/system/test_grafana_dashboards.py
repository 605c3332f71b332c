"""Grafana's dashboards: every panel query runs as gridts_grafana and shows what it says.

No Grafana runs here: ``support.grafana_macros`` expands each panel's SQL as Grafana's PostgreSQL
data source would (TimescaleDB option on) for a fixed range and interval, and the result runs on
the test database (``support.dashboards``' data set) with ``SET ROLE gridts_grafana``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from support.dashboards import (
    DASHBOARDS,
    DAYS,
    LATE,
    T0,
    dashboard,
    dashboard_value,
    panel_targets,
)
from support.db import connect_as
from support.grafana_macros import QueryContext, expand, parse_interval
from support.paths import ROOT

if TYPE_CHECKING:
    import psycopg


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


def test_every_query_returns_rows_as_gridts_grafana(seeded: str) -> None:
    failures = []
    ran = 0
    with connect_as(seeded, "gridts_grafana") as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("gridts_grafana",)
        for path in DASHBOARDS:
            board = dashboard(path)
            for panel, target in panel_targets(board):
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
    board = dashboard(ROOT / "grafana" / "dashboards" / path)
    for panel, target in panel_targets(board):
        if panel["title"] == title and target["refId"] == ref:
            ctx = _context(conn, board, parse_interval(panel.get("interval", "5m")))
            return conn.execute(expand(target["rawSql"], ctx)).fetchall()
    raise AssertionError(f"no target {ref} in panel {title!r} of {path}")


def test_forecast_evolution_shows_latest_and_values_known_earlier(seeded: str) -> None:
    with connect_as(seeded, "gridts_grafana") as conn:
        board = dashboard(ROOT / "grafana/dashboards/forecast-evolution.json")
        node = int(_context(conn, board, timedelta(hours=1)).variables["node"])
        series = {
            ref: dict(_run(conn, "forecast-evolution.json", "Latest and as known before", ref))
            for ref in "ABC"
        }
    targets = [T0 + timedelta(hours=h) for h in range(24 * DAYS)]
    assert series["A"] == {t: dashboard_value(node, t, LATE) for t in targets}
    assert series["B"] == {t: dashboard_value(node, t, timedelta(hours=36)) for t in targets}
    assert series["C"] == {t: dashboard_value(node, t, timedelta(hours=18)) for t in targets}


def test_mae_by_lead_compares_what_was_known_with_the_latest(seeded: str) -> None:
    with connect_as(seeded, "gridts_grafana") as conn:
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
    with connect_as(seeded, "gridts_grafana") as conn:
        totals = dict(_run(conn, "grid-overview.json", "Hourly total", "A"))
        grid = conn.execute("SELECT min(id) FROM grid WHERE name = 'G1'").fetchone()
        nodes = conn.execute(
            "SELECT n.id FROM grid_node n JOIN grid_region r ON r.id = n.region_id "
            "WHERE r.grid_id = %s",
            grid,
        ).fetchall()
    hour = T0 + timedelta(hours=5)
    assert totals[hour] == pytest.approx(sum(dashboard_value(n, hour, LATE) for (n,) in nodes))
