"""The Grafana provisioning files and dashboards agree: every panel uses the provisioned data
source, as ``gridts_grafana``, with raw SQL (read from the files; no Grafana runs here)."""

from __future__ import annotations

import yaml

from support.dashboards import DASHBOARDS, dashboard, panel_targets
from support.paths import ROOT


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
    assert len(uids) == len(DASHBOARDS)
