"""``/api/v1/grids``, ``/regions``, ``/nodes`` (``gridts.hierarchy``) through HTTP against the
real database: CRUD, parent filters, and the 409/422/404 rules.

These tests build their hierarchies over HTTP (``make``), since that is what they test; every
other test builds one with ``support.db.make_hierarchy``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from gridts.refresh import refresh_all
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


def add_measures(conn: psycopg.Connection, node: int, value: float = 5.0, days: int = 1) -> None:
    conn.execute(
        "INSERT INTO measures SELECT %s, t, t - interval '12 hours', %s "
        "FROM generate_series(%s::timestamptz, %s::timestamptz, interval '1 hour') t",
        (node, value, T0, T0 + timedelta(days=days) - timedelta(hours=1)),
    )


def test_create_read_list_update_delete_each_level(client: TestClient[Litestar]) -> None:
    grid = make(client, "grids", name="Grid1")
    assert set(grid) == {"id", "name"}
    region = make(client, "regions", name="Region1", grid_id=grid["id"])
    assert region["grid_id"] == grid["id"]
    node = make(client, "nodes", name="Node1", region_id=region["id"])
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
    add_measures(conn, keep["id"], 1.0)
    add_measures(conn, drop["id"], 10.0)
    refresh_all(conn)  # materialised: the deletion must reach the rollups through a refresh
    response = client.delete(f"/api/v1/nodes/{drop['id']}", headers=AUTH)
    assert response.status_code == 409
    assert "holds measures" in response.json()["detail"]
    assert "cascade=true" in response.text
    assert conn.execute("SELECT count(*) FROM measures").fetchone() == (48,)
    response = client.delete(f"/api/v1/nodes/{drop['id']}?cascade=true", headers=AUTH)
    assert response.status_code == 204
    assert client.get(f"/api/v1/nodes/{drop['id']}").status_code == 404
    assert conn.execute("SELECT DISTINCT node_id FROM measures").fetchall() == [(keep["id"],)]
    params = {
        "level": "grid",
        "resolution": "1d",
        "start_datetime": T0.isoformat(),
        "end_datetime": (T0 + timedelta(hours=23)).isoformat(),
    }
    # The refresher runs right after the commit; the rollup loses the deleted node's values.
    for _ in range(200):
        day = client.get("/api/v1/rollups", params=params).json()["data"]
        if day and day[0]["sum"] == 24.0:
            break
        conn.execute("SELECT pg_sleep(0.05)")
    assert day[0]["sum"] == 24.0
    assert day[0]["nodes"] == 1


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
    add_measures(conn, node["id"])
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
        "/api/v1/measures": {"get", "post"},
        "/api/v1/measures/revisions": {"get"},
        "/api/v1/rollups": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    assert client.get("/schema").status_code == 200  # the interactive docs page
