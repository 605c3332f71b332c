"""Values are stored exactly (migration 0010): each kind keeps a number of decimals, ``measures``
holds value * 10^decimals as an integer, and ingest refuses a value with more decimals (a 422
naming the row) instead of rounding it. What is read back is the float that was sent, whatever
the decimals, in raw and compressed chunks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
from hypothesis import given, settings
from hypothesis import strategies as st

from gridts.ingest.parse import MAX_MAGNITUDE
from gridts.ingest.store import _scaled
from gridts.refresh import refresh_all
from support.db import compress_all, make_hierarchy, reset_database
from support.wire import AUTH, measure

if TYPE_CHECKING:
    import httpx
    from litestar import Litestar
    from litestar.testing import TestClient

T0 = datetime(2031, 5, 4, tzinfo=UTC)
LARGEST = 2**53  # integers a float8 holds exactly

#: insert.sql's test of a value, and the integer it stores: what the staging path does.
SQL_SCALED = """
SELECT CASE WHEN abs(v) * s <= 2 ^ 53 AND round(v * s) / s = v THEN CAST(round(v * s) AS bigint)
       END
FROM (SELECT %(value)s::float8 AS v, %(scale)s::bigint AS s) AS sent
"""


def problems(response: httpx.Response) -> list[tuple[int | None, str | None]]:
    return [(p.get("row"), p.get("field")) for p in response.json()["extra"]]


def stored(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM measures").fetchone()
    assert row is not None
    return int(row[0])


def row(node: int, hours: int, value: float | None, **extra: Any) -> dict[str, Any]:
    target = T0 + timedelta(hours=hours)
    return {**measure(node, target, target - timedelta(hours=12), value), **extra}  # type: ignore[arg-type]


def test_more_decimals_than_the_kind_keeps_is_a_422_naming_the_rows_and_nothing_is_stored(
    client: TestClient[Litestar], conn: psycopg.Connection, nodes: list[int]
) -> None:
    batch = [
        row(nodes[0], 0, 1.5),
        row(nodes[0], 1, 1.2345),
        row(nodes[1], 0, 0.1 + 0.2),  # 0.30000000000000004
        row(nodes[1], 1, -7.125),
    ]
    response = client.post("/api/v1/measures", json=batch, headers=AUTH)
    assert response.status_code == 422, response.text
    assert problems(response) == [(1, "value"), (2, "value")]
    message = response.json()["extra"][0]["message"]
    assert "1.2345" in message
    assert "'load'" in message
    assert "(3)" in message
    assert stored(conn) == 0
    # The same rows as CSV.
    lines = ["node_id,timestamp_measured,timestamp_collected,value"] + [
        f"{r['node_id']},{r['timestamp_measured']},{r['timestamp_collected']},{r['value']!r}"
        for r in batch
    ]
    csv = client.post(
        "/api/v1/measures",
        content="\n".join(lines) + "\n",
        headers={**AUTH, "Content-Type": "text/csv"},
    )
    assert csv.status_code == 422, csv.text
    assert problems(csv) == [(1, "value"), (2, "value")]
    assert stored(conn) == 0
    # Without them, the batch goes in.
    good = [batch[0], batch[3]]
    assert client.post("/api/v1/measures", json=good, headers=AUTH).status_code == 201
    assert stored(conn) == len(good)


def test_a_value_too_large_for_its_decimals_is_refused(
    client: TestClient[Litestar], conn: psycopg.Connection, node: int
) -> None:
    largest = (LARGEST - 1) / 1000  # 9,007,199,254,740.991: the largest load in kW units
    fits = [row(node, 0, float(int(largest))), row(node, 1, -float(int(largest)))]
    assert client.post("/api/v1/measures", json=fits, headers=AUTH).status_code == 201
    response = client.post("/api/v1/measures", json=[row(node, 2, 1e13)], headers=AUTH)
    assert response.status_code == 422
    assert problems(response) == [(0, "value")]
    assert "too large" in response.json()["extra"][0]["message"]
    assert stored(conn) == len(fits)


@settings(max_examples=300)
@given(
    value=st.floats(-MAX_MAGNITUDE, MAX_MAGNITUDE)  # what parsing lets through
    | st.integers(-(10**18), 10**18).map(lambda u: u / 1000)
    | st.decimals(-(10**6), 10**6, places=4).map(float),
    decimals=st.integers(0, 6),
)
def test_a_batch_copied_straight_in_takes_the_values_the_staging_path_takes(
    conn: psycopg.Connection, value: float, decimals: int
) -> None:
    """A batch goes straight into ``measures`` only if PostgreSQL would store every value the
    same way: the same values refused (then the staging path names them), the same integers."""
    scale = 10**decimals
    expected = conn.execute(SQL_SCALED, {"value": value, "scale": scale}).fetchone()
    assert expected is not None
    scaled = _scaled([(1, T0, T0, value, 0)], {1: scale})
    assert (None if scaled is None else scaled[0][3]) == expected[0]


@settings(max_examples=40)
@given(
    decimals=st.integers(0, 6),
    data=st.data(),
)
def test_every_value_with_its_kinds_decimals_reads_back_as_sent(
    db: str, client: TestClient[Litestar], decimals: int, data: st.DataObject
) -> None:
    reset_database(db)
    with psycopg.connect(db, autocommit=True) as conn:
        node = make_hierarchy(conn, {"G": {"R": ["N"]}}).nodes[0]
        kind = {"name": "gauge", "unit": "u", "aggregation": "mean", "decimals": decimals}
        assert client.post("/api/v1/kinds", json=kind, headers=AUTH).status_code == 201
        made = client.post("/api/v1/series", json={"node_id": node, "kind": "gauge"}, headers=AUTH)
        assert made.status_code == 201, made.text
        series = made.json()["id"]
        bound = min(LARGEST, int(MAX_MAGNITUDE) * 10**decimals)
        units = data.draw(
            st.lists(st.integers(-bound, bound) | st.integers(-999, 999), min_size=1, max_size=24)
        )
        values = [u / 10**decimals for u in units]  # the nearest float to each decimal
        batch = [
            {**row(node, h, v), "series_id": series, "kind": "gauge"} for h, v in enumerate(values)
        ]
        posted = client.post("/api/v1/measures", json=batch, headers=AUTH)
        assert posted.status_code == 201, posted.text
        # More decimals than the kind keeps: refused.
        finer = {**batch[0], "timestamp_collected": T0.isoformat(), "value": 0.5 / 10**decimals}
        refused = client.post("/api/v1/measures", json=[finer], headers=AUTH)
        assert refused.status_code == 422, refused.text
        span = {
            "start_datetime": T0.isoformat(),
            "end_datetime": (T0 + timedelta(days=2)).isoformat(),
            "series_id": series,
        }
        for state in ("raw", "compressed"):
            if state == "compressed":
                refresh_all(conn)
                compress_all(conn)
            for path in ("/api/v1/measures", "/api/v1/measures/revisions"):
                page = client.get(path, params=span).json()["data"]
                assert [m["value"] for m in page] == values, (state, path)
