"""The service does what its document says (``gridts.contract``): unknown fields refused and
named, every method in ``Allow``, a single-valued parameter given once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from support.wire import AUTH

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import TestClient

#: Every JSON body (method, path, a valid body) the document closes.
BODIES = [
    ("POST", "/api/v1/grids", {"name": "G9"}),
    ("PATCH", "/api/v1/grids/1", {"name": "G9"}),
    ("POST", "/api/v1/regions", {"name": "R9", "grid_id": 1}),
    ("PATCH", "/api/v1/regions/1", {"name": "R9"}),
    ("POST", "/api/v1/nodes", {"name": "N9", "region_id": 1}),
    ("PATCH", "/api/v1/nodes/1", {"name": "N9"}),
    ("POST", "/api/v1/kinds", {"name": "wind", "unit": "MW", "aggregation": "sum"}),
    ("PATCH", "/api/v1/kinds/load", {"description": "x"}),
    ("POST", "/api/v1/series", {"node_id": 1, "kind": "load", "subtype": "p50"}),
    ("PATCH", "/api/v1/series/1", {"description": "x"}),
]


@pytest.mark.parametrize(("method", "path", "body"), BODIES)
def test_an_unknown_field_is_refused_by_name(
    client: TestClient[Litestar], method: str, path: str, body: dict[str, object]
) -> None:
    answer = client.request(method, path, json={**body, "colour": "red"}, headers=AUTH)
    assert answer.status_code == 400, answer.text
    assert "colour" in answer.json()["extra"][0]["message"]
    assert client.get("/api/v1/grids").json() == []  # nothing was written


def test_an_unknown_field_in_a_measure_row_is_refused_by_name(
    client: TestClient[Litestar],
) -> None:
    row = {
        "node_id": 1,
        "timestamp_measured": "2030-01-01T00:00:00Z",
        "timestamp_collected": "2030-01-01T00:00:00Z",
        "value": 1.0,
        "colour": "red",
    }
    answer = client.post("/api/v1/measures", json=[row], headers=AUTH)
    assert answer.status_code in {400, 422}, answer.text
    assert "colour" in answer.text


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/grids", "GET, OPTIONS, POST"),
        ("/api/v1/grids/1", "DELETE, GET, OPTIONS, PATCH"),
        ("/api/v1/measures", "GET, OPTIONS, POST"),
        ("/api/v1/kinds/load", "DELETE, GET, OPTIONS, PATCH"),
    ],
)
def test_allow_lists_every_method_of_the_path(
    client: TestClient[Litestar], path: str, methods: str
) -> None:
    assert client.options(path).headers["allow"] == methods
    refused = client.put(path, headers=AUTH)
    assert refused.status_code == 405
    assert set(refused.headers["allow"].split(", ")) == set(methods.split(", "))


def test_a_single_valued_parameter_given_twice_is_refused(client: TestClient[Litestar]) -> None:
    answer = client.get("/api/v1/nodes", params=[("region_id", "1"), ("region_id", "2")])
    assert answer.status_code == 400
    assert answer.json()["extra"] == [
        {"key": "region_id", "source": "query", "message": "give it once"}
    ]
    repeatable = client.get("/api/v1/series", params=[("node_id", "1"), ("node_id", "2")])
    assert repeatable.status_code == 200
