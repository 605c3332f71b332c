"""compose.yaml and the Dockerfile, checked without a Docker engine (none runs here)."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import yaml

from gridts.settings import Settings
from support.paths import ROOT


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_services_start_in_order() -> None:
    services = _compose()["services"]
    assert {"db", "migrate", "api"} <= set(services)
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["api"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert "healthcheck" in services["db"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["api"]["command"][0] == "serve"
    assert services["refresher"]["command"] == ["refresher"]
    assert services["refresher"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )


def test_the_api_runs_as_gridts_api_and_the_refresher_as_the_owner() -> None:
    services = _compose()["services"]
    api = services["api"]["environment"]
    assert api["GRIDTS_DATABASE_URL"].startswith("postgresql://gridts_api:")
    assert api["GRIDTS_REFRESH_IN_PROCESS"] == "false"
    owner = services["migrate"]["environment"]["GRIDTS_DATABASE_URL"]
    assert services["refresher"]["environment"]["GRIDTS_DATABASE_URL"] == owner


def test_images_are_pinned_and_build_contexts_exist() -> None:
    for name, service in _compose()["services"].items():
        if "image" in service:
            _, _, tag = service["image"].partition(":")
            assert tag, name
            assert tag != "latest", name
            assert re.search(r"\d+\.\d+", tag), name
        if "build" in service:
            assert (ROOT / service["build"] / "Dockerfile").exists(), name
    assert _compose()["services"]["db"]["image"].endswith("-pg17")


def test_environment_names_are_settings() -> None:
    known = {"GRIDTS_" + f.name.upper() for f in fields(Settings)}
    for service in _compose()["services"].values():
        for key in service.get("environment", {}):
            if key.startswith("GRIDTS_"):
                assert key in known, key


def test_dockerfile_is_pinned_non_root_and_frozen() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    base = re.search(r"^FROM (\S+)", text, re.MULTILINE)
    assert base is not None
    assert re.search(r":\d+\.\d+", base.group(1))
    assert "uv sync --frozen" in text
    user = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert user
    assert user[-1] not in {"root", "0"}
    for copied in re.findall(r"^COPY (\S+)", text, re.MULTILINE):
        assert (ROOT / copied).exists(), copied


def test_grafana_is_pinned_provisioned_read_only_and_waits_for_the_schema() -> None:
    grafana = _compose()["services"]["grafana"]
    assert re.fullmatch(r"grafana/grafana:\d+\.\d+\.\d+", grafana["image"])
    assert grafana["depends_on"]["db"]["condition"] == "service_healthy"
    assert grafana["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "3000:3000" in grafana["ports"]
    assert "GRIDTS_GRAFANA_PASSWORD" in grafana["environment"]
    mounts = {}
    for volume in grafana["volumes"]:
        source, target, *mode = volume.split(":")
        if source.startswith("./"):
            assert (ROOT / source).is_dir(), source
            assert mode == ["ro"], volume
            mounts[target] = ROOT / source
    provisioning = mounts["/etc/grafana/provisioning"]
    assert (provisioning / "datasources" / "gridts.yaml").is_file()
    providers = yaml.safe_load(
        (provisioning / "dashboards" / "gridts.yaml").read_text(encoding="utf-8")
    )["providers"]
    dashboards = mounts[providers[0]["options"]["path"]]
    assert sorted(p.name for p in dashboards.glob("*.json")) == [
        "forecast-evolution.json",
        "grid-overview.json",
        "region-drilldown.json",
    ]
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert (dashboards / Path(home).relative_to(providers[0]["options"]["path"])).is_file()


def test_migrate_gives_the_roles_their_passwords() -> None:
    environment = _compose()["services"]["migrate"]["environment"]
    assert {"GRIDTS_GRAFANA_PASSWORD", "GRIDTS_API_PASSWORD"} <= set(environment)
    grafana = _compose()["services"]["grafana"]["environment"]
    assert grafana["GRIDTS_GRAFANA_PASSWORD"] == environment["GRIDTS_GRAFANA_PASSWORD"]


def test_seed_runs_only_on_request() -> None:
    seed = _compose()["services"]["seed"]
    assert seed["profiles"] == ["seed"]
    assert seed["command"] == ["seed", "--weeks", "1"]
    assert seed["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert (ROOT / seed["build"] / "Dockerfile").exists()
