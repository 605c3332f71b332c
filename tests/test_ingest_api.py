"""``POST /api/v1/measures``: validated, all-or-nothing bulk ingest, through HTTP."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

import reference
from gridts.app import create_app
from gridts.db.rollups import refresh_all
from histories import History, histories, load_hierarchy
from plugins.live_server import API_KEY, report_figure
from plugins.timescaledb import make_nodes, reset_database

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from litestar import Litestar

    from gridts.settings import Settings
    from plugins.live_server import LiveServer

AUTH = {"Authorization": f"Bearer {API_KEY}"}
CSV = {**AUTH, "Content-Type": "text/csv"}
T0 = datetime(2030, 3, 4, tzinfo=UTC)
HEADER = "node_id,timestamp_measured,timestamp_collected,value"


@pytest.fixture
def app_settings(test_settings: Settings) -> Settings:
    return dataclasses.replace(
        test_settings, api_keys=API_KEY, rate_limit_per_minute=0, max_rows_per_request=1000
    )


@pytest.fixture
def client(db: str, app_settings: Settings) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(app_settings, database_url=db)) as client:
        yield client


@pytest.fixture
def nodes(conn: psycopg.Connection) -> list[int]:
    """Two nodes in one region of one grid."""
    return make_nodes(conn, 2)


def stored(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    return conn.execute("SELECT * FROM measures ORDER BY 1, 2, 3").fetchall()


def row(node: int, hours: int = 0, lead: int = 12, value: float = 1.5) -> dict[str, Any]:
    target = T0 + timedelta(hours=hours)
    return {
        "node_id": node,
        "timestamp_measured": target.isoformat(),
        "timestamp_collected": (target - timedelta(hours=lead)).isoformat(),
        "value": value,
    }


def as_csv(rows: list[dict[str, Any]], header: str = HEADER) -> bytes:
    names = header.split(",")
    lines = [header] + [",".join(str(r[n]) for n in names) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def problems(response: httpx.Response) -> list[tuple[int | None, str | None]]:
    return [(p.get("row"), p.get("field")) for p in response.json()["extra"]]


# --- success ------------------------------------------------------------------------------


def test_json_batch_is_stored_and_read_back(
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
    assert response.json() == {"inserted": len(batch), "duplicates": 0}
    got = client.get(
        "/api/v1/measures/revisions",
        params={
            "start_datetime": T0.isoformat(),
            "end_datetime": (T0 + timedelta(hours=2)).isoformat(),
        },
    ).json()["data"]
    sent = {
        (r["node_id"], r["timestamp_measured"], r["timestamp_collected"], r["value"]) for r in batch
    }
    read = {
        (
            r["node_id"],
            datetime.fromisoformat(r["timestamp_measured"]).isoformat(),
            datetime.fromisoformat(r["timestamp_collected"]).isoformat(),
            r["value"],
        )
        for r in got
    }
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
    assert response.json() == {"inserted": 4, "duplicates": 0}
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
    assert client.post("/api/v1/measures", json=batch, headers=AUTH).json() == {
        "inserted": 10,
        "duplicates": 0,
    }
    before = stored(conn)
    # The same rows again, plus two new ones, plus a row repeated inside the batch.
    again = [*batch, row(nodes[0], 9), row(nodes[1], 9), row(nodes[1], 9)]
    response = client.post("/api/v1/measures", json=again, headers=AUTH)
    assert response.status_code == 201
    assert response.json() == {"inserted": 2, "duplicates": 11}
    assert len(stored(conn)) == len(before) + 2


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


def test_too_large_a_body_is_413(db: str, app_settings: Settings, nodes: list[int]) -> None:
    small = dataclasses.replace(app_settings, max_body_bytes=2000)
    with TestClient(create_app(small, database_url=db)) as client:
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


# --- rollups after a write ---------------------------------------------------------------------


def test_a_late_revision_in_a_materialised_day_reaches_the_rollups(
    live_server: Callable[..., LiveServer], conn: psycopg.Connection, nodes: list[int]
) -> None:
    server = live_server(GRIDTS_REFRESH_POLL="60")
    day = [row(n, h, 12, 10.0) for n in nodes for h in range(24)]
    assert (
        httpx.post(f"{server.base_url}/api/v1/measures", json=day, headers=AUTH).status_code == 201
    )
    refresh_all(conn)  # the day is materialised now: real-time aggregation no longer covers it
    params = {
        "level": "grid",
        "resolution": "1d",
        "start_datetime": T0.isoformat(),
        "end_datetime": (T0 + timedelta(hours=23)).isoformat(),
    }

    def grid_day_sum() -> float:
        response = httpx.get(f"{server.base_url}/api/v1/rollups", params=params)
        return float(response.json()["data"][0]["sum"])

    assert grid_day_sum() == 480.0
    lags = []
    for step in range(5):
        late = [row(nodes[0], 5, 10 - step, 20.0 + step)]  # a newer revision of 05:00
        response = httpx.post(f"{server.base_url}/api/v1/measures", json=late, headers=AUTH)
        acknowledged = time.perf_counter()
        assert response.status_code == 201
        expected = 480.0 + 10.0 + step
        while grid_day_sum() != expected:
            assert time.perf_counter() - acknowledged < 15, "the rollup did not follow the write"
            time.sleep(0.01)
        lags.append(time.perf_counter() - acknowledged)
    queued = conn.execute("SELECT count(*) FROM rollup_refresh_queue").fetchone()
    assert queued == (0,)
    report_figure(
        "rollup freshness after a write below the watermark: "
        f"median {sorted(lags)[2] * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms over 5 writes"
    )


def test_a_queued_refresh_survives_a_restart_of_the_service(
    live_server: Callable[..., LiveServer], conn: psycopg.Connection, nodes: list[int]
) -> None:
    """A window queued by a process that died before refreshing is refreshed by the next one."""
    day = [row(n, h, 12, 10.0) for n in nodes for h in range(24)]
    server = live_server()
    assert (
        httpx.post(f"{server.base_url}/api/v1/measures", json=day, headers=AUTH).status_code == 201
    )
    refresh_all(conn)
    server.process.kill()
    server.process.wait()
    # What a crashed process leaves behind: the rows committed and the window queued.
    conn.execute(
        "INSERT INTO measures VALUES (%s, %s, %s, 99.0)",
        (nodes[0], T0, T0 - timedelta(hours=1)),
    )
    conn.execute(
        "INSERT INTO rollup_refresh_queue (window_start, window_end) VALUES (%s, %s)",
        (T0, T0 + timedelta(days=1)),
    )
    server = live_server()
    deadline = time.monotonic() + 15
    while conn.execute("SELECT count(*) FROM rollup_refresh_queue").fetchone() != (0,):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    total = conn.execute("SELECT sum FROM grid_1d WHERE bucket = %s", (T0,)).fetchone()
    assert total == (480.0 - 10.0 + 99.0,)


# --- property: batches in any order and split, read back row for row ---------------------------


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
    db: str,
    delivery: tuple[History, list[list[reference.Row]], list[bool]],
) -> None:
    history, batches, as_csv_flags = delivery
    reset_database(db)
    with psycopg.connect(db, autocommit=True) as conn:
        load_hierarchy(conn, history)
        inserted = duplicates = 0
        for batch, use_csv in zip(batches, as_csv_flags, strict=True):
            dicts = [
                {
                    "node_id": n,
                    "timestamp_measured": tm.isoformat(),
                    "timestamp_collected": tc.isoformat(),
                    "value": v,
                }
                for n, tm, tc, v in batch
            ]
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
        assert sorted(stored(conn)) == sorted(history.rows)
    if history.rows:
        first = min(r[1] for r in history.rows)
        last = max(r[1] for r in history.rows)
        params = {"start_datetime": first.isoformat(), "end_datetime": last.isoformat()}
        latest = client.get("/api/v1/measures", params=params).json()["data"]
        expected = reference.latest(history.rows)
        assert {
            (r["node_id"], datetime.fromisoformat(r["timestamp_measured"])): r["value"]
            for r in latest
        } == {key: value[3] for key, value in expected.items()}


def test_the_service_as_gridts_api_with_a_refresher_process_as_owner(
    live_server: Callable[..., LiveServer], db: str, conn: psycopg.Connection, nodes: list[int]
) -> None:
    """The deployment of compose.yaml: no refresh right in the service, a refresher beside it."""
    conn.execute("ALTER ROLE gridts_api LOGIN")
    api_url = db.replace("://postgres@", "://gridts_api@", 1)
    assert api_url != db
    server = live_server(GRIDTS_DATABASE_URL=api_url, GRIDTS_REFRESH_IN_PROCESS="false")
    day = [row(n, h, 12, 10.0) for n in nodes for h in range(24)]
    response = httpx.post(f"{server.base_url}/api/v1/measures", json=day, headers=AUTH)
    assert response.status_code == 201, response.text
    refresh_all(conn)
    late = [row(nodes[0], 5, 6, 30.0)]
    response = httpx.post(f"{server.base_url}/api/v1/measures", json=late, headers=AUTH)
    assert response.status_code == 201, response.text
    time.sleep(0.5)  # the service itself must not (and cannot) refresh: the window stays queued
    assert conn.execute("SELECT count(*) FROM rollup_refresh_queue").fetchone() == (1,)
    assert conn.execute("SELECT sum FROM grid_1d WHERE bucket = %s", (T0,)).fetchone() == (480.0,)

    refresher = subprocess.Popen(
        [sys.executable, "-m", "gridts.cli", "refresher"],
        env={**os.environ, "GRIDTS_DATABASE_URL": db},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while conn.execute("SELECT count(*) FROM rollup_refresh_queue").fetchone() != (0,):
            assert time.monotonic() < deadline, "the refresher drained nothing"
            time.sleep(0.05)
        # Woken by NOTIFY, not by its 30 s poll: a second late write is refreshed at once.
        late = [row(nodes[1], 7, 6, 40.0)]
        response = httpx.post(f"{server.base_url}/api/v1/measures", json=late, headers=AUTH)
        acknowledged = time.perf_counter()
        while conn.execute("SELECT sum FROM grid_1d WHERE bucket = %s", (T0,)).fetchone() != (
            480.0 + 20.0 + 30.0,
        ):
            assert time.perf_counter() - acknowledged < 10, "the refresher missed the NOTIFY"
            time.sleep(0.02)
        report_figure(
            "rollup freshness with a separate refresher process (LISTEN/NOTIFY): "
            f"{(time.perf_counter() - acknowledged) * 1000:.0f} ms after the 201"
        )
    finally:
        refresher.terminate()
        refresher.wait(timeout=10)
