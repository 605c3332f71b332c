"""``/api/v1/series`` (``gridts.series``) through HTTP against the real database: every node's
default series, CRUD, filters, and the rules that keep a series' meaning (409/422/404)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from support.db import Hierarchy, default_series, make_hierarchy, write_series_measures
from support.wire import AUTH

if TYPE_CHECKING:
    import psycopg
    from litestar import Litestar
    from litestar.testing import TestClient

T0 = datetime(2030, 1, 1, tzinfo=UTC)
SERIES_KEYS = {
    "id",
    "node_id",
    "kind",
    "subtype",
    "unit",
    "aggregation",
    "min_value",
    "max_value",
    "description",
}


@pytest.fixture
def tree(conn: psycopg.Connection) -> Hierarchy:
    """Two grids: g (regions r1 with nodes a, b; r2 with c) and h (region s with node d)."""
    return make_hierarchy(conn, {"g": {"r1": ["a", "b"], "r2": ["c"]}, "h": {"s": ["d"]}})


def create(client: TestClient[Litestar], **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/series", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def store_one(conn: psycopg.Connection, series: int) -> None:
    """One good revision in ``series``."""
    write_series_measures(conn, [(series, T0, T0 - timedelta(hours=1), 1.0, 0)])


def test_every_node_has_a_default_series(
    client: TestClient[Litestar], conn: psycopg.Connection, tree: Hierarchy
) -> None:
    listed = client.get("/api/v1/series").json()
    assert [s["node_id"] for s in listed] == tree.nodes
    for series in listed:
        assert set(series) == SERIES_KEYS
        assert series == {
            **series,
            "kind": "load",
            "subtype": None,
            "unit": "MW",
            "aggregation": "sum",
            "min_value": None,
            "max_value": None,
            "description": "",
        }
        assert series["id"] == default_series(conn, series["node_id"])
    # A node made over the API names its default series.
    node = client.post(
        "/api/v1/nodes", json={"name": "e", "region_id": tree.regions[0]}, headers=AUTH
    ).json()
    own = client.get("/api/v1/series", params={"node_id": node["id"]}).json()
    assert [s["id"] for s in own] == [node["default_series_id"]]
    assert client.get(f"/api/v1/nodes/{node['id']}").json() == node
    listed_node = client.get("/api/v1/nodes", params={"region_id": tree.regions[0]}).json()[-1]
    assert listed_node == node


def test_create_read_update_delete(client: TestClient[Litestar], tree: Hierarchy) -> None:
    body = {
        "node_id": tree.nodes[0],
        "kind": "price",
        "subtype": "day_ahead",
        "min_value": -500,
        "max_value": 4000.5,
        "description": "EPEX day-ahead",
    }
    created = create(client, **body)
    assert created == {
        **body,
        "id": created["id"],
        "min_value": -500.0,
        "unit": "EUR/MWh",  # the kind's, read-only
        "aggregation": "mean",
    }
    assert client.get(f"/api/v1/series/{created['id']}").json() == created
    minimal = create(client, node_id=tree.nodes[0], kind="generation")
    assert (minimal["subtype"], minimal["min_value"], minimal["description"]) == (None, None, "")
    # A field left out stays; null clears a bound.
    patched = client.patch(
        f"/api/v1/series/{created['id']}",
        json={"max_value": None, "description": "bounded below only"},
        headers=AUTH,
    )
    assert patched.status_code == 200
    assert patched.json() == {**created, "max_value": None, "description": "bounded below only"}
    # Without measures the series may still be moved or retyped.
    moved = client.patch(
        f"/api/v1/series/{created['id']}",
        json={"node_id": tree.nodes[1], "kind": "co2_intensity", "subtype": None},
        headers=AUTH,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json() == {
        **patched.json(),
        "node_id": tree.nodes[1],
        "kind": "co2_intensity",
        "subtype": None,
        "unit": "g/kWh",
    }
    assert client.delete(f"/api/v1/series/{created['id']}", headers=AUTH).status_code == 204
    assert client.get(f"/api/v1/series/{created['id']}").status_code == 404
    assert len(client.get("/api/v1/series").json()) == len(tree.nodes) + 1


def test_lists_filter_like_the_reads(client: TestClient[Litestar], tree: Hierarchy) -> None:
    a, b, c, d = tree.nodes
    wind_a = create(client, node_id=a, kind="generation", subtype="wind")["id"]
    solar_c = create(client, node_id=c, kind="generation", subtype="solar")["id"]
    wind_d = create(client, node_id=d, kind="generation", subtype="wind")["id"]
    price_b = create(client, node_id=b, kind="price")["id"]

    def ids(**params: Any) -> list[int]:
        response = client.get("/api/v1/series", params=params)
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()]

    loads = [s["id"] for s in client.get("/api/v1/series", params={"kind": "load"}).json()]
    assert len(loads) == 4
    assert ids(kind="generation") == [wind_a, solar_c, wind_d]  # every subtype
    assert ids(kind=["price", "generation"], subtype="wind") == [wind_a, wind_d]
    assert ids(subtype=["wind", "solar"]) == [wind_a, solar_c, wind_d]
    assert ids(node_id=[b, d]) == [loads[1], loads[3], wind_d, price_b]
    assert ids(region_id=tree.regions[1]) == [loads[2], solar_c]
    assert ids(grid_id=tree.grids[0], kind="generation") == [wind_a, solar_c]
    assert ids(grid_id=tree.grids[1], node_id=a) == []  # filters intersect
    # Unknown, impossible or malformed values match nothing.
    assert ids(node_id=424242) == []
    assert ids(node_id=-1) == []
    assert ids(grid_id=2**40) == []
    assert ids(kind="nope") == []
    assert ids(kind="Bad-Name\u0000") == []
    assert ids(subtype="") == []


def test_unknown_series_are_404(client: TestClient[Litestar], tree: Hierarchy) -> None:
    assert tree.nodes
    assert client.get("/api/v1/series/424242").status_code == 404
    patched = client.patch("/api/v1/series/424242", json={"description": "x"}, headers=AUTH)
    assert patched.status_code == 404
    assert client.delete("/api/v1/series/424242", headers=AUTH).status_code == 404
    assert client.get("/api/v1/series/0").status_code == 400
    assert client.get(f"/api/v1/series/{2**31}").status_code == 400


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"node_id": 424242}, "node_id"),
        ({"kind": "nope"}, "kind"),
        ({"kind": "Load"}, "kind"),
        ({"kind": "nul\u0000"}, "kind"),
        ({"subtype": "Wind"}, "subtype"),
        ({"subtype": "on-shore"}, "subtype"),
        ({"subtype": ""}, "subtype"),
        ({"subtype": "w" * 64}, "subtype"),
        ({"min_value": 10, "max_value": 9.5}, "min_value"),
    ],
)
def test_values_that_break_a_rule_are_422_naming_the_field(
    client: TestClient[Litestar], tree: Hierarchy, change: dict[str, Any], field: str
) -> None:
    body = {"node_id": tree.nodes[0], "kind": "generation", "subtype": "wind", **change}
    response = client.post("/api/v1/series", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    assert response.json()["extra"][0]["key"] == field
    assert len(client.get("/api/v1/series").json()) == len(tree.nodes)
    # The same values in an update of an existing series.
    series = create(client, node_id=tree.nodes[0], kind="generation", subtype="wind")
    patched = client.patch(f"/api/v1/series/{series['id']}", json=change, headers=AUTH)
    assert patched.status_code == 422, patched.text
    assert patched.json()["extra"][0]["key"] == field
    assert client.get(f"/api/v1/series/{series['id']}").json() == series


def test_bounds_are_checked_after_an_update_merges_them(
    client: TestClient[Litestar], tree: Hierarchy
) -> None:
    series = create(client, node_id=tree.nodes[0], kind="temperature", min_value=-40, max_value=50)
    url = f"/api/v1/series/{series['id']}"
    low = client.patch(url, json={"max_value": -50}, headers=AUTH)
    assert low.status_code == 422
    assert low.json()["extra"][0]["key"] == "max_value"
    high = client.patch(url, json={"min_value": 60}, headers=AUTH)
    assert high.status_code == 422
    assert high.json()["extra"][0]["key"] == "min_value"
    equal = client.patch(url, json={"min_value": 50}, headers=AUTH)
    assert equal.status_code == 200  # min_value = max_value is a constant series: fine
    assert client.get(url).json()["min_value"] == 50.0


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_value", "Infinity"), ("max_value", "-Infinity"), ("max_value", "NaN")],
)
def test_non_finite_bounds_are_422(
    client: TestClient[Litestar], tree: Hierarchy, field: str, value: str
) -> None:
    # JSON numbers cannot be infinite or NaN, but the body decoder turns these strings into
    # floats: the rule then refuses them, naming the field.
    body = {"node_id": tree.nodes[0], "kind": "price", field: value}
    response = client.post("/api/v1/series", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    assert response.json()["extra"][0]["key"] == field
    series = create(client, node_id=tree.nodes[0], kind="price")
    patched = client.patch(f"/api/v1/series/{series['id']}", json={field: value}, headers=AUTH)
    assert patched.status_code == 422
    assert patched.json()["extra"][0]["key"] == field
    assert client.get("/api/v1/series", params={"kind": "price"}).json() == [series]


@pytest.mark.parametrize(
    "content",
    [
        b'{"node_id": NODE, "kind": "price", "min_value": 1e999}',
        b'{"node_id": NODE, "kind": "price", "max_value": NaN}',
        b'{"node_id": NODE, "kind": "price", "max_value": -Infinity}',
    ],
)
def test_numbers_json_cannot_hold_are_400(
    client: TestClient[Litestar], tree: Hierarchy, content: bytes
) -> None:
    # Out of a float's range, or not JSON at all: refused while the body is read.
    body = content.replace(b"NODE", str(tree.nodes[0]).encode())
    headers = {**AUTH, "Content-Type": "application/json"}
    response = client.post("/api/v1/series", content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert client.get("/api/v1/series", params={"kind": "price"}).json() == []


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "price"},
        {"node_id": 1, "kind": "price", "unit": "EUR/MWh"},  # read-only: the kind's
        {"node_id": 1, "kind": "price", "aggregation": "sum"},
        {"node_id": [1], "kind": "price"},
        {"node_id": 1, "kind": "price", "min_value": "five"},
        {"node_id": 1, "kind": 5},
    ],
)
def test_bodies_of_the_wrong_shape_are_400(
    client: TestClient[Litestar], tree: Hierarchy, body: dict[str, Any]
) -> None:
    body = {**body, "node_id": tree.nodes[0]} if body.get("node_id") == 1 else body
    response = client.post("/api/v1/series", json=body, headers=AUTH)
    assert response.status_code == 400, response.text


def test_the_unit_is_the_kind_and_read_only(client: TestClient[Litestar], tree: Hierarchy) -> None:
    series = create(client, node_id=tree.nodes[0], kind="energy")
    assert (series["unit"], series["aggregation"]) == ("MWh", "sum")
    url = f"/api/v1/series/{series['id']}"
    for field, value in (("unit", "kWh"), ("aggregation", "mean")):
        response = client.patch(url, json={field: value}, headers=AUTH)
        assert response.status_code == 400
    assert client.get(url).json() == series


def test_one_series_per_node_kind_and_subtype(
    client: TestClient[Litestar], tree: Hierarchy
) -> None:
    a, b = tree.nodes[:2]
    wind = create(client, node_id=a, kind="generation", subtype="wind")
    create(client, node_id=b, kind="generation", subtype="wind")  # another node: fine
    create(client, node_id=a, kind="generation")  # no subtype is a subtype of its own
    for body in (
        {"node_id": a, "kind": "generation", "subtype": "wind"},
        {"node_id": a, "kind": "generation"},
        {"node_id": a, "kind": "load"},  # the default series is (load, no subtype)
    ):
        response = client.post("/api/v1/series", json=body, headers=AUTH)
        assert response.status_code == 409, body
        assert "already has" in response.json()["detail"]
    clash = client.patch(f"/api/v1/series/{wind['id']}", json={"subtype": None}, headers=AUTH)
    assert clash.status_code == 409
    assert client.get(f"/api/v1/series/{wind['id']}").json() == wind


def test_the_default_series_goes_only_with_its_node(
    client: TestClient[Litestar], conn: psycopg.Connection, tree: Hierarchy
) -> None:
    node = tree.nodes[0]
    default = default_series(conn, node)
    deleted = client.delete(f"/api/v1/series/{default}", headers=AUTH)
    assert deleted.status_code == 409
    assert "default series" in deleted.json()["detail"]
    for change in ({"kind": "generation"}, {"subtype": "x"}, {"node_id": tree.nodes[1]}):
        response = client.patch(f"/api/v1/series/{default}", json=change, headers=AUTH)
        assert response.status_code == 409, change
    bounded = client.patch(f"/api/v1/series/{default}", json={"min_value": 0}, headers=AUTH)
    assert bounded.status_code == 200  # bounds and description are not its meaning
    assert client.delete(f"/api/v1/nodes/{node}", headers=AUTH).status_code == 204
    assert client.get(f"/api/v1/series/{default}").status_code == 404


def test_a_series_holding_measures_keeps_its_meaning_and_stays(
    client: TestClient[Litestar], conn: psycopg.Connection, tree: Hierarchy
) -> None:
    series = create(client, node_id=tree.nodes[0], kind="generation", subtype="wind")
    url = f"/api/v1/series/{series['id']}"
    store_one(conn, series["id"])
    deleted = client.delete(url, headers=AUTH)
    assert deleted.status_code == 409
    assert "holds measures" in deleted.json()["detail"]
    assert "cascade=true" in deleted.text  # the one way its measures go
    for change in ({"kind": "interchange"}, {"subtype": "solar"}, {"node_id": tree.nodes[1]}):
        response = client.patch(url, json=change, headers=AUTH)
        assert response.status_code == 409, change
        assert "holds measures" in response.json()["detail"]
    assert client.get(url).json() == series
    described = client.patch(url, json={"description": "offshore", "max_value": 900}, headers=AUTH)
    assert described.status_code == 200
    assert conn.execute("SELECT count(*) FROM measures").fetchone() == (1,)


def test_series_writes_need_a_key(client: TestClient[Litestar], tree: Hierarchy) -> None:
    body = {"node_id": tree.nodes[0], "kind": "price"}
    assert client.post("/api/v1/series", json=body).status_code == 401
    series = create(client, **body)
    url = f"/api/v1/series/{series['id']}"
    assert client.patch(url, json={"description": "x"}).status_code == 401
    assert client.delete(url).status_code == 401
    assert client.get(url).json() == series
