"""What operators see (``gridts.observability``): Prometheus metrics by route template and
status, pool and ingest figures, garbage collections and event-loop lag, and a request id on
every response and in every log line."""

from __future__ import annotations

import dataclasses
import gc
import json
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from gridts.app import create_app
from gridts.pauses import LAG_TICK
from gridts.testing.process import API_KEY
from support.wire import AUTH, measure

if TYPE_CHECKING:
    import pytest
    from litestar import Litestar

    from gridts.settings import Settings
    from support.wire import ClientFactory

T0 = datetime(2030, 5, 6, tzinfo=UTC)
READ = {"start_datetime": T0.isoformat(), "end_datetime": (T0 + timedelta(days=1)).isoformat()}


def _batch(node: int) -> list[dict[str, object]]:
    return [measure(node, T0, T0 - timedelta(hours=12), 1.0)]


def test_metrics_count_requests_by_route_and_status_pool_and_ingest_rows(
    client: TestClient[Litestar], node: int
) -> None:
    client.get("/api/v1/measures", params={**READ, "node_id": node})
    client.get("/api/v1/measures", params={"start_datetime": "nope"})
    assert client.post("/api/v1/measures", json=_batch(node), headers=AUTH).status_code == 201
    text = client.get("/metrics").text
    assert 'path="/api/v1/measures"' in text
    assert 'status_code="200"' in text
    assert 'status_code="400"' in text
    assert "gridts_requests_duration_seconds_bucket" in text or "_duration_" in text
    assert "gridts_pool_connections" in text
    assert 'gridts_ingest_rows_total{outcome="inserted"}' in text


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of sample ``name`` with ``labels`` in a Prometheus text page (0 if absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def test_metrics_time_collections_loop_lag_and_pool_waits(
    client: TestClient[Litestar], node: int
) -> None:
    gc.collect()  # apps of earlier tests go now, not between the two scrapes (their pools too)
    before = client.get("/metrics").text
    for _ in range(3):
        client.get("/api/v1/measures", params={**READ, "node_id": node})
    gc.collect()  # the service runs in this process: a full collection is one of its own
    time.sleep(3 * LAG_TICK)
    after = client.get("/metrics").text
    collections = "gridts_gc_pause_seconds_count"
    assert _sample(after, collections, generation="2") > _sample(
        before, collections, generation="2"
    )
    assert _sample(after, "gridts_event_loop_lag_seconds_count") > _sample(
        before, "gridts_event_loop_lag_seconds_count"
    )
    borrowed = "gridts_pool_requests_total"
    assert _sample(after, borrowed, pool="primary") >= _sample(before, borrowed, pool="primary") + 3
    assert "gridts_pool_wait_seconds_total" in after


def test_a_started_service_leaves_its_startup_objects_out_of_full_collections(
    make_client: ClientFactory,
) -> None:
    # A full collection walks every tracked object; the ones a started worker holds (routes,
    # schemas, modules) are never garbage, and walking them stalled every request ~100 ms.
    gc.unfreeze()  # an earlier test's app froze this process already
    assert gc.get_freeze_count() == 0
    client = make_client()
    assert gc.get_freeze_count() > 10_000
    assert client.get("/health").status_code == 200


def test_every_response_carries_a_request_id_that_the_logs_carry_too(
    client: TestClient[Litestar], capsys: pytest.CaptureFixture[str], node: int
) -> None:
    response = client.get("/api/v1/measures", params=READ, headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    generated = client.get("/api/v1/measures", params=READ).headers["x-request-id"]
    assert len(generated) == 32
    hostile = client.get("/api/v1/measures", params=READ, headers={"X-Request-ID": 'a"b c{}'})
    assert hostile.headers["x-request-id"] != 'a"b c{}'
    headers = {**AUTH, "X-Request-ID": "write-1"}
    client.post("/api/v1/measures", json=_batch(node), headers=headers)
    logs = capsys.readouterr().out
    assert '"request_id":"abc-123"' in logs
    assert '"request_id":"write-1"' in logs
    assert logs.count('"complete":true') == 4  # each answer went out to its end
    assert API_KEY not in logs  # no secret in any log line


def test_answers_of_the_router_itself_are_logged_with_a_request_id(
    client: TestClient[Litestar], capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown path (404) and a method a path has not (405) get their line and id too."""
    capsys.readouterr()
    missing = client.get("/api/v1/nothing-here", headers={"X-Request-ID": "lost-1"})
    wrong = client.delete("/api/v1/measures", headers={"X-Request-ID": "lost-2"})
    assert (missing.status_code, wrong.status_code) == (404, 405)
    assert missing.headers["x-request-id"] == "lost-1"
    assert wrong.headers["x-request-id"] == "lost-2"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "lost-" in line]
    logged = {(line["request_id"], line["path"], line["status"]) for line in lines}
    assert logged == {
        ("lost-1", "/api/v1/nothing-here", 404),
        ("lost-2", "/api/v1/measures", 405),
    }


def test_metrics_count_the_answers_of_the_router_itself_by_method_and_status(
    client: TestClient[Litestar], node: int
) -> None:
    """404s of unknown paths and 405s of wrong methods are counted, without the path."""
    name = "gridts_unrouted_requests_total"
    before = client.get("/metrics").text
    for path in ("/api/v1/nothing-here", "/api/v1/nothing/else", "/favicon.ico"):
        assert client.get(path).status_code == 404
    assert client.delete("/api/v1/measures").status_code == 405
    assert client.get("/api/v1/measures", params={**READ, "node_id": node}).status_code == 200
    after = client.get("/metrics").text
    counted = {
        (method, status): _sample(after, name, method=method, status=status)
        - _sample(before, name, method=method, status=status)
        for method, status in (("GET", "404"), ("DELETE", "405"), ("GET", "200"))
    }
    assert counted == {("GET", "404"): 3, ("DELETE", "405"): 1, ("GET", "200"): 0}
    assert "nothing-here" not in after  # no path as a label: unknown paths have no bound


def _lines(logs: str, marker: str) -> set[tuple[str, int, str]]:
    """Path, status and level of the access lines whose request id starts with ``marker``."""
    found = [json.loads(line) for line in logs.splitlines() if f'"request_id":"{marker}' in line]
    return {(line["path"], line["status"], line["level"]) for line in found if "path" in line}


def test_probes_log_their_answers_at_debug_unless_they_fail(
    make_client: ClientFactory, app_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """A health check or a scrape every few seconds would drown the lines an operator reads."""
    probes = ("/health", "/ready", "/metrics")
    client = make_client()
    capsys.readouterr()
    for path in probes:
        assert client.get(path, headers={"X-Request-ID": "probe-1"}).status_code == 200
    client.get("/api/v1/measures", params=READ, headers={"X-Request-ID": "read-1"})
    logs = capsys.readouterr().out
    assert _lines(logs, "probe-") == set()
    assert _lines(logs, "read-") == {("/api/v1/measures", 200, "info")}

    everything = make_client(log_level="debug")
    capsys.readouterr()
    for path in probes:
        everything.get(path, headers={"X-Request-ID": "probe-2"})
    assert _lines(capsys.readouterr().out, "probe-") == {(p, 200, "debug") for p in probes}

    settings = dataclasses.replace(app_settings, refresh_in_process=False, pool_min_size=0)
    nowhere = create_app(settings, database_url="postgresql://gridts@127.0.0.1:1/gridts")
    with TestClient(nowhere) as down:
        capsys.readouterr()
        assert down.get("/ready", headers={"X-Request-ID": "probe-3"}).status_code == 503
        assert down.get("/health", headers={"X-Request-ID": "probe-3"}).status_code == 200
        assert _lines(capsys.readouterr().out, "probe-") == {("/ready", 503, "info")}
