"""compose.yaml and the Dockerfile, checked without a Docker engine (none runs here): each point
below is what the images' documented behaviour needs for ``docker compose up`` to work on its
first run and to stay local."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from gridts.settings import Settings
from gridts.testing.servers import DOCKER_IMAGE
from support.paths import ROOT

#: The services that run the gridts image, and the ones that run once and exit.
GRIDTS = {"migrate", "api", "api2", "refresher", "seed"}
ONE_SHOT = {"migrate", "seed"}


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return compose


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    return services


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_services_start_in_order() -> None:
    services = _services()
    assert {"db", "migrate", "api", "refresher", "grafana", "seed"} <= set(services)
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("api", "refresher", "grafana", "seed"):
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy", name
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    assert services["migrate"]["command"] == ["migrate"]
    assert services["api"]["command"][0] == "serve"
    assert services["refresher"]["command"] == ["refresher"]


def test_the_database_is_healthy_only_when_it_answers_over_tcp() -> None:
    # On its first start the image's init server answers on the local socket while it refuses
    # TCP; pg_isready without -h asks the socket and says healthy too early.
    check = _services()["db"]["healthcheck"]
    test = check["test"]
    assert test[0] == "CMD"
    assert test[1] == "pg_isready"
    assert test[test.index("-h") + 1] == "127.0.0.1"
    assert test[test.index("-d") + 1] == _services()["db"]["environment"]["POSTGRES_DB"]
    assert check["start_period"]  # init scripts may take a while; failures then do not count
    assert check["retries"] >= 3


def test_the_api_runs_as_gridts_api_and_the_refresher_as_the_owner() -> None:
    services = _services()
    api = services["api"]["environment"]
    assert urlsplit(api["GRIDTS_DATABASE_URL"]).username == "gridts_api"
    assert api["GRIDTS_REFRESH_IN_PROCESS"] == "false"
    owner = services["migrate"]["environment"]
    for name in ("refresher", "seed"):
        environment = services[name]["environment"]
        assert environment["GRIDTS_DATABASE_URL"] == owner["GRIDTS_DATABASE_URL"], name
        assert environment["PGPASSWORD"] == owner["PGPASSWORD"], name


def test_passwords_stay_out_of_urls() -> None:
    # A password with @ : / # % pasted into a URL breaks it; libpq reads PGPASSWORD instead.
    services = _services()
    for name, service in services.items():
        environment = service.get("environment", {})
        url = environment.get("GRIDTS_DATABASE_URL")
        if url is None:
            continue
        for one in [url, *environment.get("GRIDTS_READ_DATABASE_URLS", "").split(",")]:
            assert urlsplit(one).password is None, name
            assert "PASSWORD" not in one, name
        assert service["environment"]["PGPASSWORD"].startswith("${"), name
    migrate = services["migrate"]["environment"]
    assert services["api"]["environment"]["PGPASSWORD"] == migrate["GRIDTS_API_PASSWORD"]
    assert services["db"]["environment"]["POSTGRES_PASSWORD"] == migrate["PGPASSWORD"]


def test_migrate_gives_the_roles_their_passwords() -> None:
    environment = _services()["migrate"]["environment"]
    assert {"GRIDTS_GRAFANA_PASSWORD", "GRIDTS_API_PASSWORD"} <= set(environment)
    grafana = _services()["grafana"]["environment"]
    assert grafana["GRIDTS_GRAFANA_PASSWORD"] == environment["GRIDTS_GRAFANA_PASSWORD"]


def test_ports_listen_on_loopback_only() -> None:
    published = 0
    for name, service in _services().items():
        for port in service.get("ports", []):
            assert isinstance(port, str), name  # a bare number would listen on every interface
            assert port.startswith("127.0.0.1:"), (name, port)
            published += 1
    assert published == 2  # the API's load balancer and Grafana


def test_restart_policies_are_one_rule() -> None:
    for name, service in _services().items():
        expected = "no" if name in ONE_SHOT else "unless-stopped"
        assert service["restart"] == expected, name


def test_one_image_serves_every_gridts_service() -> None:
    services = _services()
    images = {services[name]["image"] for name in GRIDTS}
    assert len(images) == 1
    builders = [name for name, service in services.items() if "build" in service]
    assert builders == ["migrate"]  # built once; the others start after migrate, from its image
    assert (ROOT / services["migrate"]["build"] / "Dockerfile").exists()


def test_telemetry_is_off() -> None:
    services = _services()
    assert "timescaledb.telemetry_level=off" in services["db"]["command"]
    assert services["db"]["environment"]["TIMESCALEDB_TELEMETRY"] == "off"
    grafana = services["grafana"]["environment"]
    assert grafana["GF_ANALYTICS_REPORTING_ENABLED"] == "false"
    assert grafana["GF_ANALYTICS_CHECK_FOR_UPDATES"] == "false"


def test_images_are_pinned_and_the_tests_docker_fallback_runs_the_same_database() -> None:
    for name, service in _services().items():
        if name in GRIDTS:
            continue
        _, _, tag = service["image"].partition(":")
        assert tag, name
        assert tag != "latest", name
        assert re.search(r"\d+\.\d+", tag), name
    db = _services()["db"]["image"]
    assert db.endswith("-pg17")
    assert db == DOCKER_IMAGE
    assert "PostgreSQL 17 here, 15 where gridts is developed" in (ROOT / "compose.yaml").read_text(
        encoding="utf-8"
    )


def test_environment_names_are_settings() -> None:
    known = {"GRIDTS_" + f.name.upper() for f in fields(Settings)}
    for service in _services().values():
        for key in service.get("environment", {}):
            if key.startswith("GRIDTS_"):
                assert key in known, key


def test_dockerfile_is_pinned_non_root_and_frozen() -> None:
    text = _dockerfile()
    base = re.search(r"^FROM (\S+)", text, re.MULTILINE)
    assert base is not None
    assert re.search(r":\d+\.\d+", base.group(1))
    assert "uv sync --frozen" in text
    user = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert user
    assert user[-1] not in {"root", "0"}
    for copied in re.findall(r"^COPY (\S+)", text, re.MULTILINE):
        assert (ROOT / copied).exists(), copied


def test_dockerfile_installs_dependencies_before_the_source_and_keeps_no_cache() -> None:
    lines = _dockerfile().splitlines()
    no_project = next(i for i, line in enumerate(lines) if "--no-install-project" in line)
    first_source = next(i for i, line in enumerate(lines) if line.startswith("COPY src"))
    assert no_project < first_source  # a source change leaves the dependency layer cached
    runs = " ".join(lines).split("RUN ")
    syncs = [run for run in runs if "uv sync" in run]
    assert len(syncs) == 2
    for run in syncs:
        assert "--mount=type=cache,target=/root/.cache/uv" in run  # never in a layer
    assert "--mount=type=bind,source=uv.lock" in syncs[0]
    assert "pip install --no-cache-dir" in _dockerfile()


def test_grafana_is_pinned_provisioned_read_only_and_waits_for_the_schema() -> None:
    grafana = _services()["grafana"]
    assert re.fullmatch(r"grafana/grafana:\d+\.\d+\.\d+", grafana["image"])
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


def test_seed_runs_only_on_request() -> None:
    seed = _services()["seed"]
    assert seed["profiles"] == ["seed"]
    assert seed["command"] == ["seed", "--weeks", "1"]


def test_the_replica_is_a_streaming_standby_of_db_cloned_with_pg_basebackup() -> None:
    services = _services()
    replica, db = services["replica"], services["db"]
    assert replica["image"] == db["image"]
    assert replica["user"] == "postgres"  # pg_basebackup and postgres refuse to run as root
    script = replica["command"][0]
    assert "pg_basebackup -h db -U postgres" in script
    assert " -R " in script  # standby.signal and primary_conninfo
    assert "-X stream" in script
    assert 'chmod 0700 "$$PGDATA"' in script  # the volume's directory is world-writable
    assert "hot_standby_feedback=on" in script
    assert "exec postgres" in script
    assert replica["environment"]["PGPASSWORD"] == services["migrate"]["environment"]["PGPASSWORD"]
    assert replica["depends_on"]["db"]["condition"] == "service_healthy"
    data = {v.split(":")[0] for v in replica["volumes"]}
    assert data.isdisjoint({v.split(":")[0] for v in db["volumes"]})
    assert "gridts-replica" in _compose()["volumes"]


def test_the_primary_accepts_replication_and_compresses_without_truncating() -> None:
    db = _services()["db"]
    assert "timescaledb.compress_truncate_behaviour=truncate_disabled" in db["command"]
    mounts = [v for v in db["volumes"] if v.startswith("./")]
    assert len(mounts) == 1
    source, target, mode = mounts[0].split(":")
    assert target.startswith("/docker-entrypoint-initdb.d/")
    assert target.endswith(".sh")
    assert mode == "ro"
    script = (ROOT / source).read_text(encoding="utf-8")
    assert "host replication postgres all scram-sha-256" in script
    assert '"$PGDATA/pg_hba.conf"' in script


def test_two_api_instances_read_from_the_replica_behind_one_load_balancer() -> None:
    services = _services()
    assert services["api"] == services["api2"]
    api = services["api"]["environment"]
    reads = urlsplit(api["GRIDTS_READ_DATABASE_URLS"])
    assert (reads.hostname, reads.username) == ("replica", "gridts_api")
    assert reads.path == urlsplit(api["GRIDTS_DATABASE_URL"]).path
    assert "ports" not in services["api"]  # only the load balancer publishes
    lb = services["lb"]
    assert re.fullmatch(r"nginx:\d+\.\d+\.\d+-alpine", lb["image"])
    assert lb["ports"] == ["127.0.0.1:8000:8000"]
    assert set(lb["depends_on"]) == {"api", "api2"}
    source, target, mode = lb["volumes"][0].split(":")
    assert (target, mode) == ("/etc/nginx/conf.d/default.conf", "ro")
    config = (ROOT / source).read_text(encoding="utf-8")
    upstream = re.search(r"upstream gridts \{(.*?)\}", config, re.DOTALL)
    assert upstream is not None
    assert re.findall(r"server (\S+);?", upstream[1]) == ["api:8000", "api2:8000"]
    assert "listen 8000;" in config
    assert "proxy_pass http://gridts;" in config
    assert "non_idempotent" not in config  # nginx never sends a POST twice
