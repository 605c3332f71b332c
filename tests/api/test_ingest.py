"""``POST /api/v1/measures`` (``gridts.ingest``): validated, all-or-nothing bulk ingest, in JSON
and CSV, through HTTP; rows naming their node (its default series) as clients did before series
existed. Series, quality and bounds are ``test_ingest_series.py``'s; what reaches the rollups
afterwards is ``test_ingest_refresher.py``'s."""

from __future__ import annotations

import dataclasses
import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support import reference
from support.db import compress_all, reset_database
from support.histories import History, histories, load_hierarchy
from support.wire import AUTH, counts, measure

if TYPE_CHECKING:
    import httpx
    import psycopg
    from litestar import Litestar
    from litestar.testing import TestClient

    from gridts.settings import Settings
    from support.wire import ClientFactory

CSV = {**AUTH, "Content-Type": "text/csv"}
T0 = datetime(2030, 3, 4, tzinfo=UTC)
HEADER = "node_id,timestamp_measured,timestamp_collected,value"


@pytest.fixture
def app_settings(app_settings: Settings) -> Settings:
    """A limit of 1000 rows per request, so the 413 is cheap to reach."""
    return dataclasses.replace(app_settings, max_rows_per_request=1000)


def stored(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    """Every stored row: ``(series_id, target, collected, value, quality)``."""
    return conn.execute(
        "SELECT series_id, timestamp_measured, timestamp_collected, value::float8 / 1000, quality "
        "FROM measures ORDER BY 1, 2, 3"
    ).fetchall()


def stored_by_node(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    """Stored rows of the nodes' default series as ``(node_id, target, collected, value)``,
    each stored with quality good."""
    return conn.execute(
        "SELECT s.node_id, m.timestamp_measured, m.timestamp_collected, m.value::float8 / 1000 "
        "FROM measures m JOIN series s ON s.id = m.series_id "
        "WHERE s.kind = 'load' AND s.subtype IS NULL AND m.quality = 0 ORDER BY 1, 2, 3"
    ).fetchall()


def row(node: int, hours: int = 0, lead: int = 12, value: float = 1.5) -> dict[str, Any]:
    """A JSON row: target ``hours`` after T0, collected ``lead`` hours before it."""
    target = T0 + timedelta(hours=hours)
    return measure(node, target, target - timedelta(hours=lead), value)


def as_csv(rows: list[dict[str, Any]], header: str = HEADER) -> bytes:
    names = header.split(",")
    lines = [header] + [",".join(str(r[n]) for n in names) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def problems(response: httpx.Response) -> list[tuple[int | None, str | None]]:
    return [(p.get("row"), p.get("field")) for p in response.json()["extra"]]


# --- success ------------------------------------------------------------------------------


def test_json_batch_is_stored_in_each_nodes_default_series(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    batch = [
        row(n, h, lead, 100 * n + h + lead / 10)
        for n in nodes
        for h in range(3)
        for lead in (12, 11)
    ]
    response = client.post("/api/v1/measures", json=batch, headers=AUTH)
    assert response.status_code == 201, response.text
    assert counts(response.json()) == {"inserted": len(batch), "duplicates": 0}
    sent = {
        (r["node_id"], r["timestamp_measured"], r["timestamp_collected"], r["value"]) for r in batch
    }
    read = {(n, tm.isoformat(), tc.isoformat(), v) for n, tm, tc, v in stored_by_node(conn)}
    assert read == sent
    assert len(stored(conn)) == len(batch)


def test_csv_batch_with_bom_and_columns_in_another_order(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    batch = [row(nodes[0], h, 12, h * 1.25) for h in range(4)]
    header = "value,timestamp_collected,node_id,timestamp_measured"
    body = b"\xef\xbb\xbf" + as_csv(batch, header).replace(b"\n", b"\r\n")
    response = client.post("/api/v1/measures", content=body, headers=CSV)
    assert response.status_code == 201, response.text
    assert counts(response.json()) == {"inserted": 4, "duplicates": 0}
    assert [r[3] for r in stored(conn)] == [0.0, 1.25, 2.5, 3.75]


def test_offsets_other_than_utc_name_the_same_instant(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    sent = row(nodes[0])
    sent["timestamp_measured"] = "2030-03-04T01:00:00+01:00"  # == T0
    assert client.post("/api/v1/measures", json=[sent], headers=AUTH).status_code == 201
    assert stored(conn)[0][1] == T0


def test_a_resent_batch_counts_duplicates_and_adds_nothing(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    batch = [row(n, h) for n in nodes for h in range(5)]
    assert counts(client.post("/api/v1/measures", json=batch, headers=AUTH).json()) == {
        "inserted": 10,
        "duplicates": 0,
    }
    before = stored(conn)
    # The same rows again, plus two new ones, plus a row repeated inside the batch.
    again = [*batch, row(nodes[0], 9), row(nodes[1], 9), row(nodes[1], 9)]
    response = client.post("/api/v1/measures", json=again, headers=AUTH)
    assert response.status_code == 201
    assert counts(response.json()) == {"inserted": 2, "duplicates": 11}
    assert len(stored(conn)) == len(before) + 2


def test_resent_and_conflicting_rows_are_caught_in_compressed_chunks(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    """A batch of new exact values is COPied straight into ``measures``: a key already stored in
    a compressed batch must fail that COPY as it fails the staging path's INSERT."""
    batch = [row(n, h) for n in nodes for h in range(5)]
    assert client.post("/api/v1/measures", json=batch, headers=AUTH).status_code == 201
    assert compress_all(conn) > 0
    before = stored(conn)
    resent = client.post("/api/v1/measures", json=batch, headers=AUTH)
    assert resent.status_code == 201
    assert counts(resent.json()) == {"inserted": 0, "duplicates": 10}
    assert stored(conn) == before
    partly = client.post("/api/v1/measures", json=[*batch[:3], row(nodes[0], 7)], headers=AUTH)
    assert counts(partly.json()) == {"inserted": 1, "duplicates": 3}
    after = stored(conn)
    assert len(after) == len(before) + 1
    changed = [row(nodes[1], 8), {**batch[4], "value": 99.5}]
    conflict = client.post("/api/v1/measures", json=changed, headers=AUTH)
    assert conflict.status_code == 409
    assert problems(conflict) == [(1, "value")]
    assert "1.5" in conflict.json()["extra"][0]["message"]
    assert stored(conn) == after


# --- conflicts: all or nothing --------------------------------------------------------------


def test_same_key_with_another_value_is_a_409_naming_the_row(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    client.post("/api/v1/measures", json=[row(nodes[0], 0, value=1.0)], headers=AUTH)
    before = stored(conn)
    batch = [row(nodes[1], 1), row(nodes[0], 2), row(nodes[0], 0, value=2.0)]
    response = client.post("/api/v1/measures", json=batch, headers=AUTH)
    assert response.status_code == 409
    assert problems(response) == [(2, "value")]
    assert "1.0" in response.json()["extra"][0]["message"]
    assert stored(conn) == before  # nothing of the batch, not even its new rows


def test_a_conflict_inside_one_batch_names_both_rows(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    batch = [row(nodes[0], 0, value=1.0), row(nodes[1], 0), row(nodes[0], 0, value=3.0)]
    response = client.post("/api/v1/measures", json=batch, headers=AUTH)
    assert response.status_code == 409
    assert problems(response) == [(0, "value"), (2, "value")]
    assert stored(conn) == []


# --- bad input ----------------------------------------------------------------------------


def _bad_json_rows(node: int) -> list[tuple[dict[str, Any], str]]:
    """(row, the field named in the error) for every kind of bad JSON row."""
    good = row(node)
    missing = [({k: v for k, v in good.items() if k != name}, name) for name in good]
    return [
        *missing,
        ({**good, "colour": "red"}, "colour"),
        ({**good, "timestamp_measured": "2030-03-04T00:00:00"}, "timestamp_measured"),
        ({**good, "timestamp_collected": "yesterday"}, "timestamp_collected"),
        ({**good, "timestamp_collected": "2030-03-03T23:59:60Z"}, "timestamp_collected"),
        ({**good, "timestamp_measured": "2030-03-04T00:00:00.5Z"}, "timestamp_measured"),
        ({**good, "timestamp_measured": "0001-01-01T00:00:00Z"}, "timestamp_measured"),
        ({**good, "timestamp_collected": "9999-12-31T23:59:59Z"}, "timestamp_collected"),
        ({**good, "value": "12"}, "value"),
        ({**good, "value": 1e16}, "value"),
        ({**good, "value": -2e15}, "value"),
        ({**good, "value": None}, "value"),
        ({**good, "node_id": 2**31}, "node_id"),
        ({**good, "node_id": -1}, "node_id"),
        ({**good, "node_id": "1; DROP TABLE measures"}, "node_id"),
    ]


def test_every_kind_of_bad_json_row_is_a_422_naming_row_and_field(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    for bad, field in _bad_json_rows(nodes[0]):
        batch = [row(nodes[0], 1), row(nodes[1], 1), bad]
        response = client.post("/api/v1/measures", json=batch, headers=AUTH)
        assert response.status_code == 422, (bad, response.text)
        assert (2, field) in problems(response), (bad, response.json())
        assert {p[0] for p in problems(response)} == {2}
    assert stored(conn) == []


def test_json_values_out_of_range_are_422(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    good = json.dumps(row(nodes[0]))
    assert '"value": 1.5' in good
    for literal in ("1e400", "-1e400"):
        body = f"[{good}, {good.replace('1.5', literal)}]"
        response = client.post("/api/v1/measures", content=body.encode(), headers=AUTH)
        assert response.status_code == 422, response.text
        assert problems(response) == [(1, "value")]
    for literal in ("NaN", "Infinity"):  # not JSON at all
        body = f"[{good.replace('1.5', literal)}]"
        response = client.post("/api/v1/measures", content=body.encode(), headers=AUTH)
        assert response.status_code == 400
    assert stored(conn) == []


def test_unknown_nodes_are_422_naming_every_row(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    unknown = max(nodes) + 100
    batch = [row(nodes[0], 0), row(unknown, 0), row(nodes[1], 0), row(unknown, 1)]
    response = client.post("/api/v1/measures", json=batch, headers=AUTH)
    assert response.status_code == 422
    assert problems(response) == [(1, "node_id"), (3, "node_id")]
    assert stored(conn) == []


def test_at_least_the_first_hundred_problems_are_listed(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    batch = [{**row(nodes[0], h), "value": "x"} for h in range(150)]
    response = client.post("/api/v1/measures", json=batch, headers=AUTH)
    assert response.status_code == 422
    assert problems(response) == [(i, "value") for i in range(100)]
    assert "150" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 400),
        (b"{", 400),
        (b'{"node_id": 1}', 422),
        (b"[]", 422),
        (b"[1, 2]", 422),
        (b'["a"]', 422),
        (b"\xff\xfe[]", 400),
    ],
)
def test_json_bodies_that_are_not_batches(
    client: TestClient[Litestar], conn: psycopg.Connection, body: bytes, status: int
) -> None:
    response = client.post("/api/v1/measures", content=body, headers=AUTH)
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert stored(conn) == []


def test_bad_csv_rows_are_422_naming_row_and_field(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    good = as_csv([row(nodes[0], 0)]).decode().splitlines()[1]
    cases = {
        good.rsplit(",", 1)[0] + ",NaN": (1, "value"),
        good.rsplit(",", 1)[0] + ",inf": (1, "value"),
        good.rsplit(",", 1)[0] + ",-Infinity": (1, "value"),
        good.rsplit(",", 1)[0] + ",": (1, "value"),
        good.rsplit(",", 1)[0] + ",1,2": (1, None),
        "x," + good.split(",", 1)[1]: (1, "node_id"),
        good.replace("+00:00", "", 1): (1, "timestamp_measured"),
        good + ",extra": (1, None),
    }
    for line, expected in cases.items():
        body = f"{HEADER}\n{good.replace('00:00:00', '01:00:00', 1)}\n{line}\n".encode()
        response = client.post("/api/v1/measures", content=body, headers=CSV)
        assert response.status_code == 422, (line, response.text)
        assert expected in problems(response), (line, response.json())
    assert stored(conn) == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 422),  # no header
        (b"1,2030-03-04T00:00:00Z,2030-03-03T12:00:00Z,1.5\n", 422),  # no header
        (HEADER.replace(",", ";").encode() + b"\n1;2030-03-04T00:00:00Z;x;1\n", 422),
        (HEADER.encode() + b"\n", 422),  # no rows
        (HEADER.encode() + b"\n\xff\xfe,1\n", 400),  # not UTF-8
        (HEADER.encode().decode().encode("utf-16"), 400),
    ],
)
def test_csv_bodies_that_are_not_batches(
    client: TestClient[Litestar], conn: psycopg.Connection, body: bytes, status: int
) -> None:
    response = client.post("/api/v1/measures", content=body, headers=CSV)
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert stored(conn) == []


def test_unsupported_media_type_is_415(client: TestClient[Litestar]) -> None:
    response = client.post(
        "/api/v1/measures", content=b"<measures/>", headers={**AUTH, "Content-Type": "text/xml"}
    )
    assert response.status_code == 415


# --- limits and access ----------------------------------------------------------------------


def test_too_many_rows_is_413_and_says_how_to_page(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    batch = [row(nodes[0], h) for h in range(1001)]  # the fixture's limit is 1000
    response = client.post("/api/v1/measures", json=batch, headers=AUTH)
    assert response.status_code == 413
    assert "1000" in response.json()["detail"]
    assert "split" in response.json()["detail"]
    response = client.post("/api/v1/measures", content=as_csv(batch), headers=CSV)
    assert response.status_code == 413
    assert client.post("/api/v1/measures", json=batch[:1000], headers=AUTH).status_code == 201


def test_too_large_a_body_is_413(make_client: ClientFactory, nodes: list[int]) -> None:
    client = make_client(max_body_bytes=2000)
    batch = [row(nodes[0], h) for h in range(40)]
    response = client.post("/api/v1/measures", json=batch, headers=AUTH)
    assert response.status_code == 413
    assert client.post("/api/v1/measures", json=batch[:5], headers=AUTH).status_code == 201


def test_writes_need_a_key(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    batch = [row(nodes[0])]
    assert client.post("/api/v1/measures", json=batch).status_code == 401
    wrong = {"Authorization": "Bearer not-the-key"}
    assert client.post("/api/v1/measures", json=batch, headers=wrong).status_code == 401
    assert stored(conn) == []


def test_openapi_documents_ingest_with_both_media_types(client: TestClient[Litestar]) -> None:
    document = client.get("/schema/openapi.json").json()
    post = document["paths"]["/api/v1/measures"]["post"]
    assert set(post["requestBody"]["content"]) == {"application/json", "text/csv"}
    assert "201" in post["responses"]


# --- property: batches in any order and split, read back row for row -----------------------


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[History, list[list[reference.Row]], list[bool]]:
    """A history, its rows shuffled and split into batches (some rows sent twice), and a
    per-batch choice of JSON or CSV."""
    history = draw(histories(max_targets=8))
    history.materialise()
    rows = draw(st.permutations(history.rows))
    resent = draw(st.lists(st.sampled_from(rows), max_size=5)) if rows else []
    sequence = rows + resent
    cuts = sorted(draw(st.lists(st.integers(0, len(sequence)), max_size=4)))
    bounds = [0, *cuts, len(sequence)]
    batches = [sequence[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    csv = [draw(st.booleans()) for _ in batches]
    return history, batches, csv


@settings(max_examples=40)
@given(delivery=deliveries())
def test_batches_in_any_order_and_split_read_back_row_for_row(
    client: TestClient[Litestar],
    conn: psycopg.Connection,
    delivery: tuple[History, list[list[reference.Row]], list[bool]],
) -> None:
    history, batches, as_csv_flags = delivery
    reset_database(conn)
    load_hierarchy(conn, history)
    inserted = duplicates = 0
    for batch, use_csv in zip(batches, as_csv_flags, strict=True):
        dicts = [measure(*r) for r in batch]
        if use_csv:
            body = as_csv([{**d, "value": repr(d["value"])} for d in dicts])
            response = client.post("/api/v1/measures", content=body, headers=CSV)
        else:
            response = client.post("/api/v1/measures", json=dicts, headers=AUTH)
        assert response.status_code == 201, response.text
        inserted += response.json()["inserted"]
        duplicates += response.json()["duplicates"]
    assert inserted == len(history.rows)
    assert duplicates == sum(map(len, batches)) - len(history.rows)
    assert sorted(stored_by_node(conn)) == sorted(history.rows)
    # The latest revision of every target, as the (real-time) rollups see it.
    latest = conn.execute(
        "SELECT s.node_id, l.target, l.value_units::float8 / k.scale "
        "FROM series_latest l JOIN series s ON s.id = l.series_id JOIN kind k ON k.name = s.kind"
    ).fetchall()
    expected = reference.latest(history.rows)
    assert {(n, target): value for n, target, value in latest} == {
        key: value[3] for key, value in expected.items()
    }
