"""``/api/v1/grids``, ``/regions``, ``/nodes`` (``gridts.hierarchy``) through HTTP against the
real database: CRUD, parent filters, grid time zones, and the 409/422/404 rules.

These tests build their hierarchies over HTTP (``make``), since that is what they test; every
other test builds one with ``support.db.make_hierarchy``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from gridts.refresh import refresh_all
from support.db import write_series_measures
from support.wire import AUTH

if TYPE_CHECKING:
    import psycopg
    from litestar import Litestar
    from litestar.testing import TestClient

T0 = datetime(2030, 7, 1, tzinfo=UTC)


def make(client: TestClient[Litestar], path: str, **body: Any) -> dict[str, Any]:
    """Create a grid, region or node through the API (asserting the 201); its JSON."""
    response = client.post(f"/api/v1/{path}", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def add_measures(conn: psycopg.Connection, series: int, value: float = 5.0) -> None:
    """One day of hourly revisions (quality good) in ``series``."""
    hours = (T0 + timedelta(hours=h) for h in range(24))
    write_series_measures(conn, ((series, t, t - timedelta(hours=12), value, 0) for t in hours))


def add_series(client: TestClient[Litestar], node: int, kind: str, subtype: str) -> int:
    """Another series of ``node`` (over the API); its id."""
    body = {"node_id": node, "kind": kind, "subtype": subtype}
    response = client.post("/api/v1/series", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    series: int = response.json()["id"]
    return series


def test_create_read_list_update_delete_each_level(client: TestClient[Litestar]) -> None:
    grid = make(client, "grids", name="Grid1")
    assert grid == {"id": grid["id"], "name": "Grid1", "timezone": "UTC"}
    region = make(client, "regions", name="Region1", grid_id=grid["id"])
    assert region["grid_id"] == grid["id"]
    node = make(client, "nodes", name="Node1", region_id=region["id"])
    assert set(node) == {"id", "name", "region_id", "grid_id", "default_series_id"}
    assert node == {**node, "region_id": region["id"], "grid_id": grid["id"]}
    for path, entity in (("grids", grid), ("regions", region), ("nodes", node)):
        assert client.get(f"/api/v1/{path}/{entity['id']}").json() == entity
        assert client.get(f"/api/v1/{path}").json() == [entity]
        renamed = client.patch(
            f"/api/v1/{path}/{entity['id']}", json={"name": "renamed"}, headers=AUTH
        )
        assert renamed.status_code == 200
        assert renamed.json() == {**entity, "name": "renamed"}
        assert client.get(f"/api/v1/{path}/{entity['id']}").json()["name"] == "renamed"
    for path, entity in (("nodes", node), ("regions", region), ("grids", grid)):
        response = client.delete(f"/api/v1/{path}/{entity['id']}", headers=AUTH)
        assert response.status_code == 204
        assert client.get(f"/api/v1/{path}/{entity['id']}").status_code == 404
        assert client.get(f"/api/v1/{path}").json() == []


def test_lists_filter_by_parent(client: TestClient[Litestar]) -> None:
    grids = [make(client, "grids", name=f"G{i}") for i in range(2)]
    regions = [make(client, "regions", name=f"R{i}", grid_id=g["id"]) for i, g in enumerate(grids)]
    extra = make(client, "regions", name="R9", grid_id=grids[0]["id"])
    nodes = [make(client, "nodes", name="N", region_id=r["id"]) for r in [*regions, extra]]
    by_grid = client.get("/api/v1/regions", params={"grid_id": grids[0]["id"]}).json()
    assert [r["id"] for r in by_grid] == [regions[0]["id"], extra["id"]]
    in_region = client.get("/api/v1/nodes", params={"region_id": extra["id"]}).json()
    assert [n["id"] for n in in_region] == [nodes[2]["id"]]
    in_grid = client.get("/api/v1/nodes", params={"grid_id": grids[0]["id"]}).json()
    assert [n["id"] for n in in_grid] == [nodes[0]["id"], nodes[2]["id"]]
    both = client.get(
        "/api/v1/nodes", params={"grid_id": grids[1]["id"], "region_id": extra["id"]}
    ).json()
    assert both == []
    assert client.get("/api/v1/regions", params={"grid_id": 99999}).json() == []


def test_names_are_unique_within_a_parent_only(client: TestClient[Litestar]) -> None:
    grid = make(client, "grids", name="G")
    other = make(client, "grids", name="H")
    response = client.post("/api/v1/grids", json={"name": "G"}, headers=AUTH)
    assert response.status_code == 409
    assert "'G'" in response.json()["detail"]
    make(client, "regions", name="R", grid_id=grid["id"])
    make(client, "regions", name="R", grid_id=other["id"])  # same name, another grid: fine
    duplicate = client.post(
        "/api/v1/regions", json={"name": "R", "grid_id": grid["id"]}, headers=AUTH
    )
    assert duplicate.status_code == 409
    second = make(client, "regions", name="S", grid_id=grid["id"])
    renamed = client.patch(f"/api/v1/regions/{second['id']}", json={"name": "R"}, headers=AUTH)
    assert renamed.status_code == 409


def test_unknown_parents_are_422_and_unknown_ids_404(client: TestClient[Litestar]) -> None:
    response = client.post("/api/v1/regions", json={"name": "R", "grid_id": 424242}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["extra"][0]["key"] == "grid_id"
    response = client.post("/api/v1/nodes", json={"name": "N", "region_id": 424242}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["extra"][0]["key"] == "region_id"
    grid = make(client, "grids", name="G")
    region = make(client, "regions", name="R", grid_id=grid["id"])
    moved = client.patch(f"/api/v1/regions/{region['id']}", json={"grid_id": 424242}, headers=AUTH)
    assert moved.status_code == 422
    for path in ("grids", "regions", "nodes"):
        assert client.get(f"/api/v1/{path}/424242").status_code == 404
        assert (
            client.patch(f"/api/v1/{path}/424242", json={"name": "x"}, headers=AUTH).status_code
            == 404
        )
        assert client.delete(f"/api/v1/{path}/424242", headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("grids", {"name": ""}),
        ("grids", {"name": "nul\u0000byte"}),
        ("grids", {"name": "line\nbreak"}),
        ("grids", {}),
        ("grids", {"name": "G", "colour": "red"}),
        ("grids", {"name": 5}),
        ("regions", {"name": "R", "grid_id": -1}),
        ("regions", {"name": "R", "grid_id": 2**31}),
        ("nodes", {"name": "N"}),
    ],
)
def test_bad_bodies_are_400(client: TestClient[Litestar], path: str, body: dict[str, Any]) -> None:
    response = client.post(f"/api/v1/{path}", json=body, headers=AUTH)
    assert response.status_code == 400, response.text  # the body's shape: litestar's validation
    assert response.json()["detail"]
    assert client.get(f"/api/v1/{path}").json() == []


def test_huge_negative_and_non_numeric_ids_are_4xx(client: TestClient[Litestar]) -> None:
    # An integer out of range is a bad parameter (400); text is no integer, so no route (404).
    expected = {"0": 400, "-1": 400, str(2**31): 400, str(2**70): 400}
    expected |= {"1;DROP TABLE grid": 404, "abc": 404}
    for bad, status in expected.items():
        response = client.get(f"/api/v1/grids/{bad}")
        assert response.status_code == status, (bad, response.status_code)
    assert client.get("/api/v1/nodes", params={"grid_id": str(2**40)}).status_code == 400


def test_deleting_a_parent_with_children_is_409(client: TestClient[Litestar]) -> None:
    grid = make(client, "grids", name="G")
    region = make(client, "regions", name="R", grid_id=grid["id"])
    make(client, "nodes", name="N", region_id=region["id"])
    response = client.delete(f"/api/v1/grids/{grid['id']}", headers=AUTH)
    assert response.status_code == 409
    assert "regions" in response.json()["detail"]
    response = client.delete(f"/api/v1/regions/{region['id']}", headers=AUTH)
    assert response.status_code == 409
    assert "nodes" in response.json()["detail"]
    assert client.get(f"/api/v1/regions/{region['id']}").status_code == 200


def test_a_node_with_measures_is_deleted_only_when_asked_explicitly(
    client: TestClient[Litestar], conn: psycopg.Connection
) -> None:
    grid = make(client, "grids", name="G")
    region = make(client, "regions", name="R", grid_id=grid["id"])
    keep = make(client, "nodes", name="keep", region_id=region["id"])
    drop = make(client, "nodes", name="drop", region_id=region["id"])
    wind = add_series(client, drop["id"], "generation", "wind")
    add_measures(conn, keep["default_series_id"], 1.0)
    add_measures(conn, drop["default_series_id"], 10.0)
    add_measures(conn, wind, 3.0)
    refresh_all(conn)  # materialised: the deletion must reach the rollups through a refresh
    response = client.delete(f"/api/v1/nodes/{drop['id']}", headers=AUTH)
    assert response.status_code == 409
    assert "holds measures" in response.json()["detail"]
    assert "cascade=true" in response.text
    assert conn.execute("SELECT count(*) FROM measures").fetchone() == (72,)
    response = client.delete(f"/api/v1/nodes/{drop['id']}?cascade=true", headers=AUTH)
    assert response.status_code == 204
    assert client.get(f"/api/v1/nodes/{drop['id']}").status_code == 404
    # Every series of the node went, with the revisions of each.
    assert client.get(f"/api/v1/series/{wind}").status_code == 404
    assert client.get("/api/v1/series", params={"node_id": drop["id"]}).json() == []
    stored = conn.execute("SELECT DISTINCT series_id FROM measures").fetchall()
    assert stored == [(keep["default_series_id"],)]
    # The refresher runs right after the commit; the grid's hourly rollup loses the deleted
    # node's loads (materialised before the deletion, so only a refresh can take them out).
    totals = (
        "SELECT sum(h.total_units / k.scale), max(h.nodes) FROM grid_1h h "
        "JOIN kind k ON k.name = h.kind WHERE h.grid_id = %s AND h.kind = 'load'"
    )
    for _ in range(200):
        day = conn.execute(totals, (grid["id"],)).fetchone()
        if day == (24.0, 1):
            break
        conn.execute("SELECT pg_sleep(0.05)")
    assert day == (24.0, 1)
    generation = "SELECT count(*) FROM grid_1h WHERE kind = 'generation'"
    assert conn.execute(generation).fetchone() == (0,)


def test_moving_a_node_follows_the_foundation_rule(
    client: TestClient[Litestar], conn: psycopg.Connection
) -> None:
    grids = [make(client, "grids", name=f"G{i}") for i in range(2)]
    regions = [make(client, "regions", name="R", grid_id=g["id"]) for g in grids]
    node = make(client, "nodes", name="N", region_id=regions[0]["id"])
    moved = client.patch(
        f"/api/v1/nodes/{node['id']}", json={"region_id": regions[1]["id"]}, headers=AUTH
    )
    assert moved.status_code == 200
    assert moved.json()["grid_id"] == grids[1]["id"]  # the node's grid follows its region
    add_measures(conn, add_series(client, node["id"], "price", "day_ahead"))  # not its default
    back = client.patch(
        f"/api/v1/nodes/{node['id']}", json={"region_id": regions[0]["id"]}, headers=AUTH
    )
    assert back.status_code == 409
    assert "holds measures" in back.json()["detail"]
    assert client.get(f"/api/v1/nodes/{node['id']}").json()["region_id"] == regions[1]["id"]
    renamed = client.patch(f"/api/v1/nodes/{node['id']}", json={"name": "N2"}, headers=AUTH)
    assert renamed.status_code == 200  # renaming is always fine
    region_move = client.patch(
        f"/api/v1/regions/{regions[1]['id']}", json={"grid_id": grids[0]["id"]}, headers=AUTH
    )
    assert region_move.status_code == 409


def test_hierarchy_writes_need_a_key(client: TestClient[Litestar]) -> None:
    assert client.post("/api/v1/grids", json={"name": "G"}).status_code == 401
    grid = make(client, "grids", name="G")
    assert client.patch(f"/api/v1/grids/{grid['id']}", json={"name": "H"}).status_code == 401
    assert client.delete(f"/api/v1/grids/{grid['id']}").status_code == 401
    assert client.get(f"/api/v1/grids/{grid['id']}").json()["name"] == "G"


def test_openapi_lists_every_endpoint(client: TestClient[Litestar]) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    expected = {
        "/api/v1/grids": {"get", "post"},
        "/api/v1/grids/{grid_id}": {"get", "patch", "delete"},
        "/api/v1/regions": {"get", "post"},
        "/api/v1/regions/{region_id}": {"get", "patch", "delete"},
        "/api/v1/nodes": {"get", "post"},
        "/api/v1/nodes/{node_id}": {"get", "patch", "delete"},
        "/api/v1/kinds": {"get", "post"},
        "/api/v1/kinds/{name}": {"get", "patch", "delete"},
        "/api/v1/series": {"get", "post"},
        "/api/v1/series/{series_id}": {"get", "patch", "delete"},
        "/api/v1/measures": {"get", "post"},
        "/api/v1/measures/revisions": {"get"},
        "/api/v1/rollups": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    assert client.get("/schema").status_code == 200  # the interactive docs page


def test_a_grid_has_a_time_zone_checked_by_python_and_postgresql(
    client: TestClient[Litestar],
) -> None:
    grid = make(client, "grids", name="EirGrid", timezone="Europe/Dublin")
    assert grid["timezone"] == "Europe/Dublin"
    assert client.get(f"/api/v1/grids/{grid['id']}").json() == grid
    assert client.get("/api/v1/grids").json() == [grid]
    moved = client.patch(
        f"/api/v1/grids/{grid['id']}", json={"timezone": "Asia/Kolkata"}, headers=AUTH
    )
    assert moved.status_code == 200
    assert moved.json() == {**grid, "timezone": "Asia/Kolkata"}
    renamed = client.patch(f"/api/v1/grids/{grid['id']}", json={"name": "EG"}, headers=AUTH)
    assert renamed.json()["timezone"] == "Asia/Kolkata"  # left out: kept
    # Not IANA names: unknown, a name spelled in another case (PostgreSQL would take it), an
    # abbreviation (PostgreSQL would take it too), a POSIX rule, a path, the empty string.
    for bad in ("Mars/Olympus", "europe/dublin", "CEST", "UTC+5", "../etc/passwd", "", "a\x00"):
        for response in (
            client.post("/api/v1/grids", json={"name": "X", "timezone": bad}, headers=AUTH),
            client.patch(f"/api/v1/grids/{grid['id']}", json={"timezone": bad}, headers=AUTH),
        ):
            assert response.status_code == 422, (bad, response.text)
            assert response.json()["extra"][0]["key"] == "timezone"
    assert client.get(f"/api/v1/grids/{grid['id']}").json()["timezone"] == "Asia/Kolkata"
    assert [g["name"] for g in client.get("/api/v1/grids").json()] == ["EG"]
