"""Grafana's dashboards: every panel query runs as gridts_grafana and shows what it says.

No Grafana runs here: ``support.dashboards`` fills in each dashboard's variables as Grafana does
on load and computes the interval Grafana gives each panel for the range and its max data points;
``support.grafana_macros`` expands the SQL as Grafana's PostgreSQL data source would (TimescaleDB
option on), and the result runs on the test database (``support.dashboards``' data set) with
``SET ROLE gridts_grafana``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from statistics import mean
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from gridts.cli import main
from gridts.db import migrations
from support.dashboards import (
    DASHBOARDS,
    DAYS,
    GENERATION,
    LATE,
    MISSING_PRICE_AT,
    T0,
    TARGETS,
    ZONES,
    board_named,
    dashboard,
    dashboard_value,
    default_range,
    generation_value,
    panel_context,
    panel_targets,
    price_value,
    resolve_variables,
)
from support.db import connect_as
from support.grafana_macros import Value, expand, format_interval

if TYPE_CHECKING:
    import psycopg

    from gridts.settings import Settings
    from gridts.testing.servers import TimescaleServer

END = T0 + timedelta(days=DAYS)


def _run(
    conn: psycopg.Connection,
    path: str,
    title: str,
    ref: str = "A",
    *,
    chosen: dict[str, Value] | None = None,
    start: datetime = T0,
    end: datetime = END,
) -> list[tuple[Any, ...]]:
    """Rows of query ``ref`` of the panel titled ``title`` (before variables are filled in)."""
    board = board_named(path)
    ctx = resolve_variables(conn, board, start, end, chosen)
    for panel, target in panel_targets(board):
        if panel["title"] == title and target["refId"] == ref:
            return conn.execute(expand(target["rawSql"], panel_context(ctx, panel))).fetchall()
    raise AssertionError(f"no target {ref} in panel {title!r} of {path}")


def _series(rows: list[tuple[Any, ...]]) -> dict[str, dict[datetime, float]]:
    """Time-series rows (time, metric, value) as Grafana splits them: one series per metric."""
    split: dict[str, dict[datetime, float]] = defaultdict(dict)
    for time, metric, value in rows:
        split[metric][time] = value
    return dict(split)


def _ids(conn: psycopg.Connection, table: str) -> dict[str, int]:
    return dict(conn.execute(f"SELECT name, id FROM {table}").fetchall())


def _g1_nodes(conn: psycopg.Connection) -> list[int]:
    """The nodes of grid G1, in the order they were made (N1, N2, N3)."""
    rows = conn.execute(
        "SELECT n.id FROM grid_node n JOIN grid_region r ON r.id = n.region_id "
        "JOIN grid g ON g.id = r.grid_id WHERE g.name = 'G1' ORDER BY n.id"
    ).fetchall()
    return [n for (n,) in rows]


@pytest.mark.parametrize("kind", ["load", "price", "generation"])
def test_every_query_returns_rows_as_gridts_grafana(seeded: str, kind: str) -> None:
    failures = []
    ran = 0
    with connect_as(seeded, "gridts_grafana") as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("gridts_grafana",)
        for path in DASHBOARDS:
            board = dashboard(path)
            # The price and generation series hold one revision each, collected 1 h ahead.
            chosen: dict[str, Value] = (
                {"kind": kind} if kind == "load" else {"kind": kind, "lead": "1"}
            )
            ctx = resolve_variables(conn, board, T0, END, chosen)
            for panel, target in panel_targets(board):
                query = expand(target["rawSql"], panel_context(ctx, panel))
                assert "$" not in query, query
                ran += 1
                if not conn.execute(query).fetchall():
                    failures.append(f"{path.name}: {panel['title']} {target['refId']}")
    assert ran >= 10
    assert not failures


def test_variables_offer_kinds_subtypes_and_units(seeded: str) -> None:
    with connect_as(seeded, "gridts_grafana") as conn:
        board = board_named("grid-overview.json")
        loaded = resolve_variables(conn, board, T0, END)
        generation = resolve_variables(conn, board, T0, END, {"kind": "generation"})
        price = resolve_variables(conn, board, T0, END, {"kind": "price"})
    assert loaded.variables["kind"] == "load"  # the saved default, among the grid's kinds
    assert loaded.variables["subtype"] == ["-"]  # "All": the load series have no subtype
    assert loaded.variables["unit"] == "MW"
    assert generation.variables["subtype"] == ["solar", "wind"]
    assert price.variables["unit"] == "EUR/MWh"


def test_forecast_evolution_shows_latest_and_the_value_known_lead_hours_before(
    seeded: str,
) -> None:
    title = "Latest and as known $lead h before ($unit)"
    path = "forecast-evolution.json"
    with connect_as(seeded, "gridts_grafana") as conn:
        ctx = resolve_variables(conn, board_named(path), T0, END)
        node = int(str(ctx.variables["node"]))
        assert ctx.variables["lead"] == "12"  # the saved default
        latest = dict(_run(conn, path, title, "A"))
        known = {"12": dict(_run(conn, path, title, "B"))}
        for lead in ("36", "48"):
            known[lead] = dict(_run(conn, path, title, "B", chosen={"lead": lead}))
        columns = conn.execute(
            expand(board_named(path)["panels"][0]["targets"][1]["rawSql"], ctx)
        ).description
    assert columns is not None
    assert columns[1].name == "known 12 h before"
    assert latest == {t: dashboard_value(node, t, LATE) for t in TARGETS}
    # Known 12 h before: the revision collected 18 h ahead; 36 h before: the one 36 h ahead.
    assert known["12"] == {t: dashboard_value(node, t, timedelta(hours=18)) for t in TARGETS}
    assert known["36"] == {t: dashboard_value(node, t, timedelta(hours=36)) for t in TARGETS}
    assert known["48"] == {}  # nothing was known that early


def test_mae_by_lead_compares_what_was_known_with_the_latest(seeded: str) -> None:
    title = "MAE by lead ($unit): value known L before each target vs. the latest"
    with connect_as(seeded, "gridts_grafana") as conn:
        rows = _run(conn, "forecast-evolution.json", title)
        with_lead = _run(conn, "forecast-evolution.json", title, chosen={"lead": "36"})
    # Latest 400 + ..., known 6 h before 300 + ..., 18 h before 200 + ..., 36 h before 100 + ...
    expected = [
        ("1 h", 100.0, 24 * DAYS),
        ("6 h", 100.0, 24 * DAYS),
        ("12 h", 200.0, 24 * DAYS),  # the lead variable's 12 is among the fixed leads: once
        ("24 h", 300.0, 24 * DAYS),
    ]  # nothing was known 48 h ahead: that lead is left out
    assert [(lead, pytest.approx(mae), n) for lead, mae, n in rows] == expected
    assert [lead for lead, _, _ in with_lead] == ["1 h", "6 h", "12 h", "24 h", "36 h"]
    assert with_lead[-1][1] == pytest.approx(300.0)


def test_grid_hourly_value_sums_a_sum_kind_and_averages_a_mean_kind(seeded: str) -> None:
    title = "Hourly $kind ($unit)"
    with connect_as(seeded, "gridts_grafana") as conn:
        nodes = _g1_nodes(conn)
        load = _series(_run(conn, "grid-overview.json", title))
        price = _series(_run(conn, "grid-overview.json", title, chosen={"kind": "price"}))
        generation = _series(_run(conn, "grid-overview.json", title, chosen={"kind": "generation"}))
        wind = _series(
            _run(
                conn,
                "grid-overview.json",
                title,
                chosen={"kind": "generation", "subtype": ["wind"]},
            )
        )
    hour = T0 + timedelta(hours=6)
    assert load["load"][hour] == pytest.approx(sum(dashboard_value(n, hour, LATE) for n in nodes))
    assert price["price"][hour] == pytest.approx(mean(price_value(n, hour) for n in nodes))
    # The second node's latest price at MISSING_PRICE_AT is missing: the mean of the other two.
    assert price["price"][MISSING_PRICE_AT] == pytest.approx(
        mean(price_value(n, MISSING_PRICE_AT) for n in (nodes[0], nodes[2]))
    )
    assert generation["generation/solar"][hour] == pytest.approx(
        generation_value(nodes[0], "solar", hour) + generation_value(nodes[2], "solar", hour)
    )
    assert generation["generation/wind"][hour] == pytest.approx(
        generation_value(nodes[0], "wind", hour)
    )
    assert set(wind) == {"generation/wind"}
    assert set(GENERATION) == {"solar", "wind"}


def test_a_wide_range_gets_the_interval_grafana_computes(seeded: str) -> None:
    # Two years on a panel of 1,000 points: 63,072 s per point, Grafana's step is 12 h.
    start, end = datetime(2026, 1, 1, tzinfo=T0.tzinfo), datetime(2028, 1, 1, tzinfo=T0.tzinfo)
    board = board_named("grid-overview.json")
    panel = board["panels"][0]
    with connect_as(seeded, "gridts_grafana") as conn:
        ctx = panel_context(resolve_variables(conn, board, start, end), panel)
        rows = _run(conn, "grid-overview.json", "Hourly $kind ($unit)", start=start, end=end)
        nodes = _g1_nodes(conn)
    assert format_interval(ctx.interval) == "12h"
    half_days = [T0 + timedelta(hours=12 * i) for i in range(2 * DAYS)]
    assert [time for time, _, _ in rows] == half_days
    for time, _, value in rows:
        hours = [time + timedelta(hours=h) for h in range(12)]
        totals = [sum(dashboard_value(n, t, LATE) for n in nodes) for t in hours]
        assert value == pytest.approx(mean(totals))


def _local_days(totals: dict[datetime, float], zone: str) -> dict[datetime, list[float]]:
    days: dict[datetime, list[float]] = defaultdict(list)
    for hour, total in totals.items():
        local = hour.astimezone(ZoneInfo(zone))
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        days[midnight.astimezone(T0.tzinfo)].append(total)
    return dict(days)


def test_daily_panels_use_local_days_of_the_grids_time_zone(seeded: str) -> None:
    with connect_as(seeded, "gridts_grafana") as conn:
        nodes = _g1_nodes(conn)
        daily = _series(_run(conn, "grid-overview.json", "Daily peak and average ($unit)"))
        reporting = _series(_run(conn, "grid-overview.json", "Nodes reporting"))
        price = _series(
            _run(
                conn,
                "grid-overview.json",
                "Daily peak and average ($unit)",
                chosen={"kind": "price"},
            )
        )
    totals = {t: sum(dashboard_value(n, t, LATE) for n in nodes) for t in TARGETS}
    days = _local_days(totals, ZONES["G1"])
    # Berlin is an hour ahead in January: local days start at 23:00 UTC, and the data set's
    # 72 hours fall on four of them (23 + 24 + 24 + 1 hours).
    assert sorted(len(v) for v in days.values()) == [1, 23, 24, 24]
    assert all(day.hour == 23 for day in days)
    assert daily["load peak"] == pytest.approx({d: max(v) for d, v in days.items()})
    assert daily["load average"] == pytest.approx({d: mean(v) for d, v in days.items()})
    assert reporting["load"] == dict.fromkeys(days, len(nodes))
    price_days = _local_days(
        {
            t: mean(
                price_value(n, t)
                for i, n in enumerate(nodes)
                if not (i == 1 and t == MISSING_PRICE_AT)
            )
            for t in TARGETS
        },
        ZONES["G1"],
    )
    assert price["price peak"] == pytest.approx({d: max(v) for d, v in price_days.items()})


def test_region_drilldown_shows_the_region_and_its_nodes(seeded: str) -> None:
    with connect_as(seeded, "gridts_grafana") as conn:
        regions = _ids(conn, "grid_region")
        nodes = _ids(conn, "grid_node")
        # The first region by name of the first grid by name: G1's R1, holding N1 and N2.
        total = _series(_run(conn, "region-drilldown.json", "Region $kind ($unit)"))
        per_node = _series(_run(conn, "region-drilldown.json", "Nodes, hourly ($unit)"))
        daily = _series(
            _run(conn, "region-drilldown.json", "Daily range of the region's $kind ($unit)")
        )
        r3 = _series(
            _run(
                conn,
                "region-drilldown.json",
                "Region $kind ($unit)",
                chosen={"grid": str(_ids(conn, "grid")["G2"]), "region": str(regions["R3"])},
            )
        )
    hour = T0 + timedelta(hours=7)
    n1, n2 = nodes["N1"], nodes["N2"]
    assert total["load"][hour] == pytest.approx(
        dashboard_value(n1, hour, LATE) + dashboard_value(n2, hour, LATE)
    )
    assert per_node["N1"][hour] == pytest.approx(dashboard_value(n1, hour, LATE))
    assert set(per_node) == {"N1", "N2"}
    totals = {t: dashboard_value(n1, t, LATE) + dashboard_value(n2, t, LATE) for t in TARGETS}
    days = _local_days(totals, ZONES["G1"])
    assert daily["load min"] == pytest.approx({d: min(v) for d, v in days.items()})
    assert daily["load max"] == pytest.approx({d: max(v) for d, v in days.items()})
    assert r3["load"][hour] == pytest.approx(dashboard_value(nodes["N4"], hour, LATE))


@pytest.fixture(scope="module")
def demo(timescale_server: TimescaleServer, test_settings: Settings) -> str:
    """A database holding what ``gridts seed`` writes with its default arguments."""
    url = timescale_server.create_database("gridts_test_grafana_demo")
    migrations.upgrade(url, test_settings)
    result = CliRunner().invoke(main, ["seed"], env={"GRIDTS_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return url


def test_the_dashboards_defaults_show_the_seeded_demo(demo: str) -> None:
    # A newcomer's path: `gridts seed`, then Grafana with every dashboard as it opens.
    empty = []
    with connect_as(demo, "gridts_grafana") as conn:
        for path in DASHBOARDS:
            board = dashboard(path)
            ctx = resolve_variables(conn, board, *default_range(board))
            for panel, target in panel_targets(board):
                rows = conn.execute(expand(target["rawSql"], panel_context(ctx, panel)))
                if not rows.fetchall():
                    empty.append(f"{path.name}: {panel['title']} {target['refId']}")
    assert not empty
