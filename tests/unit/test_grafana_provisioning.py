"""The Grafana provisioning files and dashboards agree: every panel uses the provisioned data
source, as ``gridts_grafana``, with raw SQL; the dashboards are in Grafana 12.3's current schema,
pick a kind (and its unit) and open on the demo data set (read from the files; no Grafana runs
here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from gridts.cli import seed
from support.dashboards import DASHBOARDS, dashboard, default_range, panel_targets
from support.paths import ROOT

#: Grafana 12.3's dashboard schema version: an older one is migrated on load (v42 hides a field
#: hidden from the visualisation from tooltips too, which the MAE panel does not want).
SCHEMA_VERSION = 42
COUNT_PANELS = {"Nodes reporting", "Revisions per target"}


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
        board = dashboard(path)
        uids.add(board["uid"])
        for panel, target in panel_targets(board):
            for source in (panel["datasource"], target["datasource"]):
                assert source == {"type": provisioned["type"], "uid": provisioned["uid"]}
            assert target["rawQuery"] is True
            assert target["rawSql"]
            # The tests compute the interval Grafana would: from a fixed number of points, not
            # from the width of whatever screen shows the panel.
            assert isinstance(panel["maxDataPoints"], int)
    assert len(uids) == len(DASHBOARDS)


def _hide_from(board: dict[str, Any]) -> list[dict[str, bool]]:
    return [
        prop["value"]
        for panel in board["panels"]
        for override in panel.get("fieldConfig", {}).get("overrides", [])
        for prop in override["properties"]
        if prop["id"] == "custom.hideFrom"
    ]


def test_dashboards_are_in_the_current_schema() -> None:
    for path in DASHBOARDS:
        board = dashboard(path)
        assert board["schemaVersion"] == SCHEMA_VERSION, path.name
        assert isinstance(board["refresh"], str)  # v40
        assert "time_options" not in board.get("timepicker", {})  # v41
        for hidden in _hide_from(board):  # v42 would have set tooltip when viz is hidden
            assert "tooltip" in hidden, path.name
    mae = dashboard(ROOT / "grafana/dashboards/forecast-evolution.json")
    assert _hide_from(mae) == [{"legend": True, "tooltip": False, "viz": True}]


def test_every_dashboard_picks_a_kind_and_shows_its_unit() -> None:
    for path in DASHBOARDS:
        board = dashboard(path)
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert variables["kind"]["current"]["value"] == "load", path.name
        assert "$kind" in variables["subtype"]["query"], path.name
        assert "FROM kind WHERE name = '$kind'" in variables["unit"]["query"], path.name
        assert variables["unit"]["hide"] == 2  # hidden: it only labels panels
        for panel in board["panels"]:
            if panel["title"] not in COUNT_PANELS:
                assert "($unit)" in panel["title"], (path.name, panel["title"])


def test_the_default_time_range_is_the_seeded_demo_week() -> None:
    start = next(p.default for p in seed.params if p.name == "start")
    seeded_from = datetime.fromisoformat(start).replace(tzinfo=UTC)
    for path in DASHBOARDS:
        # README: `gridts seed` writes a week from --start, 2025-07-01 by default.
        assert default_range(dashboard(path)) == (seeded_from, seeded_from + timedelta(days=7))


def test_the_lead_is_a_variable_whose_default_the_demo_has() -> None:
    board = dashboard(ROOT / "grafana/dashboards/forecast-evolution.json")
    lead = next(v for v in board["templating"]["list"] if v["name"] == "lead")
    assert lead["type"] == "custom"
    assert lead["current"]["value"] == "12"  # gridts seed: revisions 12, 11 and 10 h ahead
    assert "12" in lead["query"].split(",")
    for _, target in panel_targets(board):
        assert "24 hours" not in target["rawSql"]
