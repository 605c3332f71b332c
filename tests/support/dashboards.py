"""The Grafana dashboards of ``grafana/``, how Grafana fills in their variables, and the data set
their queries are run on.

``seed_dashboard_data`` writes two grids (``G1`` in Europe/Berlin, ``G2`` in UTC), three regions,
four nodes and three days of hourly targets: each node's default (load) series with four
revisions per target, whose values say which revision they are (``dashboard_value``); a price
series (a mean kind) on the three nodes of ``G1``, one of whose latest values is reported missing;
and generation series with the subtypes solar and wind.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import yaml

from gridts.refresh import refresh_all
from support.db import make_hierarchy, reset_database, write_measures, write_series_measures
from support.grafana_macros import QueryContext, Value, calculate_interval, expand
from support.paths import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

DASHBOARDS = sorted((ROOT / "grafana" / "dashboards").glob("*.json"))
DATASOURCE = yaml.safe_load(
    (ROOT / "grafana/provisioning/datasources/gridts.yaml").read_text(encoding="utf-8")
)["datasources"][0]

T0 = datetime(2027, 1, 4, tzinfo=UTC)
DAYS = 3
TARGETS = [T0 + timedelta(hours=h) for h in range(24 * DAYS)]
# Revisions of each hourly load target: collected this long before it, and the value they carry.
LEADS = {timedelta(hours=36): 100.0, timedelta(hours=18): 200.0, timedelta(hours=6): 300.0}
LATE = timedelta(hours=-1)  # one revision after the fact: the latest value
ZONES = {"G1": "Europe/Berlin", "G2": "UTC"}
#: The target whose latest price at the second node of ``G1`` is reported missing.
MISSING_PRICE_AT = T0 + timedelta(hours=5)
GENERATION = {"solar": 1.0, "wind": 2.0}


def dashboard(path: Path) -> dict[str, Any]:
    """A dashboard's JSON model."""
    board: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return board


def board_named(name: str) -> dict[str, Any]:
    """The dashboard ``grafana/dashboards/<name>``."""
    return dashboard(ROOT / "grafana" / "dashboards" / name)


def panel_targets(board: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Every (panel, query target) of a dashboard."""
    for panel in board["panels"]:
        for target in panel["targets"]:
            yield panel, target


def default_range(board: dict[str, Any]) -> tuple[datetime, datetime]:
    """The dashboard's default time range, which must be absolute (see the README)."""
    return tuple(  # type: ignore[return-value]
        datetime.fromisoformat(board["time"][end]) for end in ("from", "to")
    )


def _options(conn: psycopg.Connection, variable: dict[str, Any], ctx: QueryContext) -> list[str]:
    if variable["type"] == "custom":
        return [option.strip() for option in variable["query"].split(",")]
    cursor = conn.execute(expand(variable["query"], ctx))
    columns = [column.name for column in cursor.description or []]
    return [str(row[columns.index("__value")]) for row in cursor.fetchall()]


def resolve_variables(
    conn: psycopg.Connection,
    board: dict[str, Any],
    start: datetime,
    end: datetime,
    chosen: Mapping[str, Value] | None = None,
) -> QueryContext:
    """The dashboard's variables as Grafana sets them when it loads, in order.

    Each takes the value ``chosen`` gives it (as a user would pick it), else its saved
    ``current`` value when that is among its options, else its first option; a variable with
    "All" saved as current (or none) and ``includeAll`` takes every option. A later variable's
    query sees the earlier ones' values.
    """
    chosen = chosen or {}
    ctx = QueryContext(start, end)
    for variable in board["templating"]["list"]:
        name = variable["name"]
        options = _options(conn, variable, ctx)
        assert options, f"variable {name} has no options"
        saved = variable.get("current", {}).get("value")
        value: Value
        if name in chosen:
            value = chosen[name]
        elif variable.get("includeAll") and saved in (None, ["$__all"], "$__all"):
            value = options
        elif isinstance(saved, str) and saved in options:
            value = saved
        else:
            value = [options[0]] if variable.get("multi") else options[0]
        ctx.variables[name] = value
    return ctx


def panel_context(ctx: QueryContext, panel: dict[str, Any]) -> QueryContext:
    """``ctx`` with the interval Grafana gives ``panel``'s queries over ``ctx``'s range."""
    floor = panel.get("interval") or DATASOURCE["jsonData"].get("timeInterval")
    interval = calculate_interval(ctx.start, ctx.end, panel["maxDataPoints"], floor)
    return replace(ctx, interval=interval)


def dashboard_value(node: int, target: datetime, lead: timedelta) -> float:
    """The value of ``node``'s load revision of ``target`` collected ``lead`` before it."""
    base = LEADS.get(lead, 400.0)
    return base + node + target.hour / 100


def price_value(node: int, target: datetime) -> float:
    """``node``'s price at ``target`` (one revision, collected an hour before)."""
    return 50.0 + node + target.hour / 100


def generation_value(node: int, subtype: str, target: datetime) -> float:
    """``node``'s generation of ``subtype`` at ``target`` (one revision)."""
    return 10.0 * node + GENERATION[subtype] + target.hour / 100


def _series(conn: psycopg.Connection, node: int, kind: str, subtype: str | None) -> int:
    row = conn.execute(
        "INSERT INTO series (node_id, kind, subtype) VALUES (%s, %s, %s) RETURNING id",
        (node, kind, subtype),
    ).fetchone()
    assert row is not None
    return int(row[0])


def seed_dashboard_data(url: str) -> None:
    """Empty the database at ``url`` and write the dashboards' data set, refreshed."""
    reset_database(url)
    with psycopg.connect(url, autocommit=True) as conn:
        tree = {"G1": {"R1": ["N1", "N2"], "R2": ["N3"]}, "G2": {"R3": ["N4"]}}
        made = make_hierarchy(conn, tree)
        for name, zone in ZONES.items():
            conn.execute("UPDATE grid SET timezone = %s WHERE name = %s", (zone, name))
        write_measures(
            conn,
            [
                (node, target, target - lead, dashboard_value(node, target, lead))
                for node in made.nodes
                for target in TARGETS
                for lead in (*LEADS, LATE)
            ],
        )
        g1_nodes = made.nodes[:3]
        rows: list[tuple[object, ...]] = []
        for position, node in enumerate(g1_nodes):
            price = _series(conn, node, "price", None)
            rows += [(price, t, t - timedelta(hours=1), price_value(node, t), 0) for t in TARGETS]
            if position == 1:  # a later revision says the value is missing
                rows.append((price, MISSING_PRICE_AT, MISSING_PRICE_AT, None, 2))
        for node, subtype in (
            (g1_nodes[0], "solar"),
            (g1_nodes[0], "wind"),
            (g1_nodes[2], "solar"),
        ):
            generation = _series(conn, node, "generation", subtype)
            rows += [
                (generation, t, t - timedelta(hours=1), generation_value(node, subtype, t), 0)
                for t in TARGETS
            ]
        write_series_measures(conn, rows)
        refresh_all(conn)
