"""``/api/v1/kinds`` (``gridts.kinds``) through HTTP against the real database: the shipped
catalogue, CRUD, the value rules (422), and a kind in use keeping its unit, aggregation and
decimals.

Tests change only kinds they create: a reset deletes added kinds but does not restore the
shipped ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from support.db import DEFAULT_KINDS, make_hierarchy
from support.wire import AUTH

if TYPE_CHECKING:
    import psycopg
    from litestar import Litestar
    from litestar.testing import TestClient

SHIPPED = {
    "load": ("MW", "sum"),
    "generation": ("MW", "sum"),
    "interchange": ("MW", "sum"),
    "energy": ("MWh", "sum"),
    "price": ("EUR/MWh", "mean"),
    "co2_intensity": ("g/kWh", "mean"),
    "temperature": ("degC", "mean"),
}
HUMIDITY = {
    "name": "humidity",
    "unit": "%",
    "aggregation": "mean",
    "description": "Relative.",
    "decimals": 1,
}


def create(client: TestClient[Litestar], **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/kinds", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_the_shipped_kinds(client: TestClient[Litestar]) -> None:
    kinds = client.get("/api/v1/kinds").json()
    assert [k["name"] for k in kinds] == sorted(SHIPPED)
    assert {k["name"]: (k["unit"], k["aggregation"]) for k in kinds} == SHIPPED
    assert set(SHIPPED) == set(DEFAULT_KINDS)
    assert all(k["description"] for k in kinds)
    assert {k["decimals"] for k in kinds} == {3}  # kilowatts in MW, and so on
    load = client.get("/api/v1/kinds/load")
    assert load.status_code == 200
    assert load.json() == next(k for k in kinds if k["name"] == "load")


def test_create_read_update_delete(client: TestClient[Litestar]) -> None:
    created = create(client, **HUMIDITY)
    assert created == HUMIDITY
    assert client.get("/api/v1/kinds/humidity").json() == HUMIDITY
    assert HUMIDITY in client.get("/api/v1/kinds").json()
    minimal = create(client, name="wind_speed", unit="m/s", aggregation="mean")
    assert minimal["description"] == ""
    assert minimal["decimals"] == 3
    # Unused: unit, aggregation and decimals may change; what is left out stays.
    changed = client.patch(
        "/api/v1/kinds/humidity",
        json={"unit": "percent", "aggregation": "sum", "decimals": 0},
        headers=AUTH,
    )
    assert changed.status_code == 200
    assert changed.json() == {**HUMIDITY, "unit": "percent", "aggregation": "sum", "decimals": 0}
    described = client.patch("/api/v1/kinds/humidity", json={"description": "x"}, headers=AUTH)
    assert described.json() == {**changed.json(), "description": "x"}
    assert client.delete("/api/v1/kinds/humidity", headers=AUTH).status_code == 204
    assert client.get("/api/v1/kinds/humidity").status_code == 404
    assert "humidity" not in {k["name"] for k in client.get("/api/v1/kinds").json()}


def test_unknown_kinds_are_404(client: TestClient[Litestar]) -> None:
    for name in ("nope", "Not-A-Name", "x" * 80):
        assert client.get(f"/api/v1/kinds/{name}").status_code == 404
        patched = client.patch(f"/api/v1/kinds/{name}", json={"description": "d"}, headers=AUTH)
        assert patched.status_code == 404
        assert client.delete(f"/api/v1/kinds/{name}", headers=AUTH).status_code == 404


def test_a_taken_name_is_409(client: TestClient[Litestar]) -> None:
    create(client, **HUMIDITY)
    for name in ("humidity", "load"):
        response = client.post("/api/v1/kinds", json={**HUMIDITY, "name": name}, headers=AUTH)
        assert response.status_code == 409
        assert repr(name) in response.json()["detail"]
    assert client.get("/api/v1/kinds/load").json()["unit"] == "MW"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Humidity"),
        ("name", "2nd"),
        ("name", "_x"),
        ("name", "wind-speed"),
        ("name", ""),
        ("name", "a" * 64),
        ("unit", ""),
        ("unit", "u" * 33),
        ("unit", "M\nW"),
        ("aggregation", "max"),
        ("aggregation", "SUM"),
        ("decimals", -1),
        ("decimals", 7),
    ],
)
def test_malformed_values_are_422_naming_the_field(
    client: TestClient[Litestar], field: str, value: object
) -> None:
    response = client.post("/api/v1/kinds", json={**HUMIDITY, field: value}, headers=AUTH)
    assert response.status_code == 422, response.text
    assert response.json()["extra"][0]["key"] == field
    if field != "name":
        create(client, **HUMIDITY)
        patched = client.patch("/api/v1/kinds/humidity", json={field: value}, headers=AUTH)
        assert patched.status_code == 422
        assert patched.json()["extra"][0]["key"] == field
    assert len(client.get("/api/v1/kinds").json()) == len(SHIPPED) + (field != "name")


def test_the_longest_name_is_accepted(client: TestClient[Litestar]) -> None:
    name = "a" + "_9" * 31
    assert len(name) == 63
    assert create(client, **{**HUMIDITY, "name": name})["name"] == name


@pytest.mark.parametrize(
    "body",
    [
        {"name": "humidity", "unit": "%"},
        {**HUMIDITY, "colour": "red"},
        {**HUMIDITY, "unit": 5},
        {**HUMIDITY, "decimals": 1.5},
        {**HUMIDITY, "description": "nul\u0000"},
    ],
)
def test_bodies_of_the_wrong_shape_are_400(
    client: TestClient[Litestar], body: dict[str, Any]
) -> None:
    response = client.post("/api/v1/kinds", json=body, headers=AUTH)
    assert response.status_code == 400, response.text
    assert client.get("/api/v1/kinds/humidity").status_code == 404


def test_a_kind_in_use_keeps_its_unit_aggregation_and_decimals_and_stays(
    client: TestClient[Litestar], conn: psycopg.Connection
) -> None:
    made = make_hierarchy(conn, {"G": {"R": ["N"]}})
    create(client, **HUMIDITY)
    series = client.post(
        "/api/v1/series", json={"node_id": made.nodes[0], "kind": "humidity"}, headers=AUTH
    )
    assert series.status_code == 201
    for change in ({"unit": "percent"}, {"aggregation": "sum"}, {"decimals": 2}):
        response = client.patch("/api/v1/kinds/humidity", json=change, headers=AUTH)
        assert response.status_code == 409, response.text
        assert "in use" in response.json()["detail"]
        assert response.json()["extra"][0]["message"]  # what to do instead
    same = client.patch(
        "/api/v1/kinds/humidity", json={"unit": "%", "description": "new"}, headers=AUTH
    )
    assert same.status_code == 200  # the same unit, and a description: not a change of meaning
    assert same.json() == {**HUMIDITY, "description": "new"}
    deleted = client.delete("/api/v1/kinds/humidity", headers=AUTH)
    assert deleted.status_code == 409
    assert "series?kind=humidity" in deleted.text
    # The shipped load kind is used by every node's default series.
    assert client.patch("/api/v1/kinds/load", json={"unit": "kW"}, headers=AUTH).status_code == 409
    assert client.get("/api/v1/kinds/load").json()["unit"] == "MW"
    # Once its series is gone, the kind can change and go.
    assert client.delete(f"/api/v1/series/{series.json()['id']}", headers=AUTH).status_code == 204
    freed = client.patch("/api/v1/kinds/humidity", json={"unit": "percent"}, headers=AUTH)
    assert freed.status_code == 200
    assert client.delete("/api/v1/kinds/humidity", headers=AUTH).status_code == 204


def test_load_is_never_deleted(client: TestClient[Litestar]) -> None:
    assert client.get("/api/v1/nodes").json() == []  # not in use, still kept
    response = client.delete("/api/v1/kinds/load", headers=AUTH)
    assert response.status_code == 409
    assert "default series" in response.json()["detail"]
    assert client.get("/api/v1/kinds/load").status_code == 200


def test_kind_writes_need_a_key(client: TestClient[Litestar]) -> None:
    assert client.post("/api/v1/kinds", json=HUMIDITY).status_code == 401
    create(client, **HUMIDITY)
    wrong = {"Authorization": "Bearer not-the-key"}
    assert client.patch("/api/v1/kinds/humidity", json={"unit": "x"}).status_code == 401
    assert (
        client.patch("/api/v1/kinds/humidity", json={"unit": "x"}, headers=wrong).status_code == 401
    )
    assert client.delete("/api/v1/kinds/humidity").status_code == 401
    assert client.get("/api/v1/kinds/humidity").json() == HUMIDITY
