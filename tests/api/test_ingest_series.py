"""``POST /api/v1/measures`` with series and quality: a row names its series by ``series_id``, by
``node_id`` + ``kind`` (+ ``subtype``) or by ``node_id`` alone (the default series); ``quality``
is good unless given, and only a missing observation may come without a value. What the
database knows (the series, their bounds) is checked for the whole batch, naming every row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from support.db import default_series
from support.wire import AUTH, counts

if TYPE_CHECKING:
    import httpx
    import psycopg
    from litestar import Litestar
    from litestar.testing import TestClient

CSV = {**AUTH, "Content-Type": "text/csv"}
T0 = datetime(2030, 3, 4, tzinfo=UTC)


def make_series(
    conn: psycopg.Connection,
    node: int,
    kind: str,
    subtype: str | None = None,
    *,
    min_value: float | None = None,
    max_value: float | None = None,
) -> int:
    found = conn.execute(
        "INSERT INTO series (node_id, kind, subtype, min_value, max_value) "
        "VALUES (%s, %s, %s, %s, %s) RETURNING id",
        (node, kind, subtype, min_value, max_value),
    ).fetchone()
    assert found is not None
    return int(found[0])


def row(hours: int = 0, value: float | None = 1.5, **names: Any) -> dict[str, Any]:
    """A JSON row: target ``hours`` after T0, collected 12 hours before, naming its series by
    ``names`` (series_id, node_id, kind, subtype) and maybe a quality."""
    target = T0 + timedelta(hours=hours)
    collected = target - timedelta(hours=12)
    return {
        **names,
        "timestamp_measured": target.isoformat(),
        "timestamp_collected": collected.isoformat(),
        **({} if value is None else {"value": value}),
    }


def stored(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    """``(series_id, hours after T0, value, quality name)`` of every stored row."""
    rows = conn.execute(
        "SELECT series_id, timestamp_measured, value::float8 / 1000, quality_name(quality) "
        "FROM measures "
        "ORDER BY 1, 2"
    ).fetchall()
    return [(s, (tm - T0) // timedelta(hours=1), v, q) for s, tm, v, q in rows]


def problems(response: httpx.Response) -> list[tuple[int | None, str | None]]:
    return [(p.get("row"), p.get("field")) for p in response.json()["extra"]]


def messages(response: httpx.Response) -> list[str]:
    return [p["message"] for p in response.json()["extra"]]


def post(client: TestClient[Litestar], batch: list[dict[str, Any]]) -> httpx.Response:
    return client.post("/api/v1/measures", json=batch, headers=AUTH)


# --- naming the series ------------------------------------------------------------------------


def test_rows_name_their_series_by_id_by_node_and_kind_or_by_node_alone(
    client: TestClient[Litestar], conn: psycopg.Connection, node: int
) -> None:
    load = default_series(conn, node)
    wind = make_series(conn, node, "generation", "wind")
    solar = make_series(conn, node, "generation", "solar")
    price = make_series(conn, node, "price")
    batch = [
        row(0, 10.0, node_id=node),
        row(1, 11.0, node_id=node, kind="load"),
        row(2, 12.0, series_id=load),
        row(0, 5.0, node_id=node, kind="generation", subtype="wind"),
        row(0, 0.0, series_id=solar),
        row(0, 61.5, node_id=node, kind="price"),
        row(1, 62.5, series_id=price, node_id=node, kind="price"),  # consistent: accepted
    ]
    response = post(client, batch)
    assert response.status_code == 201, response.text
    assert counts(response.json()) == {"inserted": 7, "duplicates": 0}
    assert stored(conn) == sorted(
        [
            (load, 0, 10.0, "good"),
            (load, 1, 11.0, "good"),
            (load, 2, 12.0, "good"),
            (wind, 0, 5.0, "good"),
            (solar, 0, 0.0, "good"),
            (price, 0, 61.5, "good"),
            (price, 1, 62.5, "good"),
        ]
    )


def test_csv_names_only_the_columns_it_has_in_any_order_and_empty_cells_are_null(
    client: TestClient[Litestar], conn: psycopg.Connection, node: int
) -> None:
    wind = make_series(conn, node, "generation", "wind")
    load = default_series(conn, node)
    body = (
        "quality,value,timestamp_collected,kind,timestamp_measured,node_id,subtype\n"
        "estimated,4.5,2030-03-03T12:00:00Z,generation,2030-03-04T00:00:00Z,1,wind\n"
        ",7.25,2030-03-03T12:00:00Z,,2030-03-04T00:00:00Z,1,\n"
        "missing,,2030-03-03T13:00:00Z,,2030-03-04T01:00:00Z,1,\n"
    ).replace(",1,", f",{node},")
    response = client.post("/api/v1/measures", content=body.encode(), headers=CSV)
    assert response.status_code == 201, response.text
    assert stored(conn) == sorted(
        [(wind, 0, 4.5, "estimated"), (load, 0, 7.25, "good"), (load, 1, None, "missing")]
    )
    by_id = (
        "series_id,timestamp_measured,timestamp_collected,value\n"
        f"{wind},2030-03-04T05:00:00Z,2030-03-04T00:00:00Z,3\n"
    )
    response = client.post("/api/v1/measures", content=by_id.encode(), headers=CSV)
    assert response.status_code == 201, response.text
    assert (wind, 5, 3.0, "good") in stored(conn)


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("node_id,timestamp_measured,value", "timestamp_collected"),
        ("kind,timestamp_measured,timestamp_collected,value", "series_id or node_id"),
        ("node_id,node_id,timestamp_measured,timestamp_collected", "once"),
        ("node_id,timestamp_measured,timestamp_collected,colour", "colour"),
    ],
)
def test_a_csv_header_that_cannot_name_a_series_is_a_422(
    client: TestClient[Litestar], conn: psycopg.Connection, node: int, header: str, fragment: str
) -> None:
    body = f"{header}\n{node},2030-03-04T00:00:00Z,2030-03-03T12:00:00Z,1\n"
    response = client.post("/api/v1/measures", content=body.encode(), headers=CSV)
    assert response.status_code == 422, response.text
    assert problems(response) == [(None, None)]
    assert fragment in messages(response)[0]
    assert stored(conn) == []


def test_series_that_do_not_exist_are_422_naming_row_and_field(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    wind = make_series(conn, nodes[0], "generation", "wind")
    make_series(conn, nodes[0], "price")
    unknown_node = max(nodes) + 100
    batch = [
        row(0, node_id=nodes[0]),  # fine
        row(0, series_id=wind + 1000),  # no such series
        row(0, node_id=unknown_node),  # no such node
        row(0, node_id=nodes[1], kind="price"),  # the node has no price series
        row(0, node_id=nodes[0], kind="generation", subtype="solar"),  # not this subtype
        row(0, node_id=nodes[0], kind="generation"),  # nor without one
        row(0, node_id=nodes[0], kind="no_such_kind"),
        row(0, series_id=wind, node_id=nodes[1]),  # the series is another node's
        row(0, series_id=wind, kind="price"),
        row(0, series_id=wind, subtype="gas"),
    ]
    response = post(client, batch)
    assert response.status_code == 422, response.text
    assert problems(response) == [
        (1, "series_id"),
        (2, "node_id"),
        (3, "kind"),
        (4, "subtype"),
        (5, "subtype"),
        (6, "kind"),
        (7, "node_id"),
        (8, "kind"),
        (9, "subtype"),
    ]
    said = messages(response)
    assert str(wind + 1000) in said[0]
    assert str(unknown_node) in said[1]
    assert "price" in said[2]
    assert "solar" in said[3]
    assert "no subtype" in said[4]
    assert f"node {nodes[0]}" in said[6]
    assert stored(conn) == []


def test_rows_that_name_no_series_are_422_before_any_lookup(
    client: TestClient[Litestar], conn: psycopg.Connection, node: int
) -> None:
    batch = [
        row(0, node_id=node),
        row(0, node_id=node, subtype="wind"),  # a subtype needs its kind
        row(0, kind="load"),  # no series_id, no node_id
        row(0, node_id=node, kind="Not A Name"),
    ]
    response = post(client, batch)
    assert response.status_code == 422, response.text
    assert problems(response) == [(1, "kind"), (2, "node_id"), (3, "kind")]
    assert stored(conn) == []


def test_both_a_series_id_and_a_node_must_agree(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    theirs = default_series(conn, nodes[1])
    response = post(client, [row(0, series_id=theirs, node_id=nodes[0])])
    assert response.status_code == 422
    assert problems(response) == [(0, "node_id")]
    assert f"belongs to node {nodes[1]}" in messages(response)[0]
    assert post(client, [row(0, series_id=theirs, node_id=nodes[1])]).status_code == 201


# --- quality ------------------------------------------------------------------------------------


def test_quality_defaults_to_good_and_a_missing_observation_may_have_no_value(
    client: TestClient[Litestar], conn: psycopg.Connection, node: int
) -> None:
    load = default_series(conn, node)
    batch = [
        row(0, 1.0, node_id=node),
        row(1, 2.0, node_id=node, quality="good"),
        row(2, 3.0, node_id=node, quality="estimated"),
        row(3, None, node_id=node, quality="missing"),
        {**row(4, None, node_id=node, quality="missing"), "value": None},
        row(5, 6.0, node_id=node, quality="missing"),  # a missing flag may keep a value
        row(6, 7.0, node_id=node, quality=None),
    ]
    assert post(client, batch).status_code == 201
    assert stored(conn) == [
        (load, 0, 1.0, "good"),
        (load, 1, 2.0, "good"),
        (load, 2, 3.0, "estimated"),
        (load, 3, None, "missing"),
        (load, 4, None, "missing"),
        (load, 5, 6.0, "missing"),
        (load, 6, 7.0, "good"),
    ]


def test_no_value_unless_missing_and_unknown_qualities_are_422(
    client: TestClient[Litestar], conn: psycopg.Connection, node: int
) -> None:
    batch = [
        row(0, None, node_id=node),
        {**row(1, None, node_id=node, quality="estimated"), "value": None},
        row(2, 1.0, node_id=node, quality="bad"),
        row(3, 1.0, node_id=node, quality="GOOD"),
        row(4, 1.0, node_id=node),
    ]
    response = post(client, batch)
    assert response.status_code == 422
    assert problems(response) == [(0, "value"), (1, "value"), (2, "quality"), (3, "quality")]
    assert "missing" in messages(response)[0]
    csv = (
        f"node_id,timestamp_measured,timestamp_collected,value,quality\n"
        f"{node},2030-03-04T00:00:00Z,2030-03-03T12:00:00Z,,good\n"
        f"{node},2030-03-04T01:00:00Z,2030-03-03T12:00:00Z,1,excellent\n"
    )
    response = client.post("/api/v1/measures", content=csv.encode(), headers=CSV)
    assert response.status_code == 422
    assert problems(response) == [(0, "value"), (1, "quality")]
    assert stored(conn) == []


# --- bounds ---------------------------------------------------------------------------------------


def test_values_outside_a_series_bounds_are_422_naming_the_bound(
    client: TestClient[Litestar], conn: psycopg.Connection, node: int
) -> None:
    solar = make_series(conn, node, "generation", "solar", min_value=0, max_value=50)
    floor = make_series(conn, node, "generation", "gas", min_value=-1)
    batch = [
        row(0, 0.0, series_id=solar),
        row(1, 50.0, series_id=solar),
        row(2, -0.5, series_id=solar),
        row(3, 50.5, series_id=solar),
        row(4, None, series_id=solar, quality="missing"),
        row(5, 1e6, series_id=floor),
        row(6, -2.0, series_id=floor),
        row(7, -2.0, node_id=node),  # the default series has no bounds
    ]
    response = post(client, batch)
    assert response.status_code == 422
    assert problems(response) == [(2, "value"), (3, "value"), (6, "value")]
    said = messages(response)
    assert "min_value 0" in said[0]
    assert "max_value 50" in said[1]
    assert "min_value -1" in said[2]
    assert stored(conn) == []
    within = [r for i, r in enumerate(batch) if i not in {2, 3, 6}]
    assert post(client, within).status_code == 201
    assert len(stored(conn)) == len(within)


# --- duplicates and conflicts --------------------------------------------------------------------


def test_the_same_value_with_another_quality_is_a_conflict(
    client: TestClient[Litestar], conn: psycopg.Connection, node: int
) -> None:
    assert post(client, [row(0, 5.0, node_id=node, quality="estimated")]).status_code == 201
    before = stored(conn)
    response = post(client, [row(1, 1.0, node_id=node), row(0, 5.0, node_id=node)])
    assert response.status_code == 409
    assert problems(response) == [(1, "quality")]
    assert "quality estimated" in messages(response)[0]
    assert stored(conn) == before
    same = post(client, [row(0, 5.0, node_id=node, quality="estimated")])
    assert counts(same.json()) == {"inserted": 0, "duplicates": 1}


def test_inside_one_batch_another_quality_is_a_conflict(
    client: TestClient[Litestar], conn: psycopg.Connection, node: int
) -> None:
    batch = [row(0, 5.0, node_id=node), row(0, 5.0, node_id=node, quality="estimated")]
    response = post(client, batch)
    assert response.status_code == 409
    assert problems(response) == [(0, "quality"), (1, "quality")]
    assert stored(conn) == []


def test_missing_observations_without_a_value_are_duplicates_of_each_other(
    client: TestClient[Litestar], conn: psycopg.Connection, node: int
) -> None:
    gap = row(0, None, node_id=node, quality="missing")
    response = post(client, [gap, gap])
    assert counts(response.json()) == {"inserted": 1, "duplicates": 1}
    assert counts(post(client, [gap]).json()) == {"inserted": 0, "duplicates": 1}
    # A value where a null is stored (and the reverse) is another revision: a conflict.
    response = post(client, [{**gap, "value": 3.0}])
    assert response.status_code == 409
    assert problems(response) == [(0, "value")]
    assert "value null" in messages(response)[0]
    response = post(client, [{**gap, "value": 3.0}, gap])
    assert response.status_code == 409
    assert problems(response) == [(0, "value"), (1, "value")]
    assert len(stored(conn)) == 1


def test_the_same_key_in_two_series_is_two_rows(
    client: TestClient[Litestar], conn: psycopg.Connection, node: int
) -> None:
    wind = make_series(conn, node, "generation", "wind")
    batch = [row(0, 1.0, node_id=node), row(0, 2.0, series_id=wind)]
    assert counts(post(client, batch).json()) == {"inserted": 2, "duplicates": 0}
