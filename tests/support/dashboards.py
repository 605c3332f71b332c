"""The Grafana dashboards of ``grafana/``, and the data set their queries are run on.

``seed_dashboard_data`` writes two grids, three regions, four nodes and three days of hourly
targets with four revisions each, whose values say which revision they are (``dashboard_value``),
so a test can tell which one a panel shows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg

from gridts.refresh import refresh_all
from support.db import make_hierarchy, reset_database, write_measures
from support.paths import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

DASHBOARDS = sorted((ROOT / "grafana" / "dashboards").glob("*.json"))
T0 = datetime(2027, 1, 4, tzinfo=UTC)
DAYS = 3
# Revisions of each hourly target: collected this long before it, and the value they carry.
LEADS = {timedelta(hours=36): 100.0, timedelta(hours=18): 200.0, timedelta(hours=6): 300.0}
LATE = timedelta(hours=-1)  # one revision after the fact: the latest value


def dashboard(path: Path) -> dict[str, Any]:
    """A dashboard's JSON model."""
    board: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return board


def panel_targets(board: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Every (panel, query target) of a dashboard."""
    for panel in board["panels"]:
        for target in panel["targets"]:
            yield panel, target


def dashboard_value(node: int, target: datetime, lead: timedelta) -> float:
    """The value of ``node``'s revision of ``target`` collected ``lead`` before it."""
    base = LEADS.get(lead, 400.0)
    return base + node + target.hour / 100


def seed_dashboard_data(url: str) -> None:
    """Empty the database at ``url`` and write the dashboards' data set, refreshed."""
    reset_database(url)
    with psycopg.connect(url, autocommit=True) as conn:
        tree = {"G1": {"R1": ["N1", "N2"], "R2": ["N3"]}, "G2": {"R3": ["N4"]}}
        nodes = make_hierarchy(conn, tree).nodes
        targets = [T0 + timedelta(hours=h) for h in range(24 * DAYS)]
        write_measures(
            conn,
            [
                (node, target, target - lead, dashboard_value(node, target, lead))
                for node in nodes
                for target in targets
                for lead in (*LEADS, LATE)
            ],
        )
        refresh_all(conn)
