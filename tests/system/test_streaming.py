"""Big answers are read from PostgreSQL while they are sent (``gridts.db.lease``), over real HTTP.

An answer of more than one chunk (``CHUNK_ROWS``, 16,384 rows) holds the request's connection
until its last byte: these tests give the service a pool of one connection, so a connection not
given back shows as the next request's 503. Whole answers, abandoned answers and answers cut
off at the row limit all give it back, and leave no query running.
"""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pyarrow as pa
import pytest

from gridts.client import Client
from gridts.client import TransportError as ClientTransportError
from gridts.formats.encoders import CHUNK_ROWS
from gridts.formats.response import ARROW, CSV
from gridts.testing.process import API_KEY
from support.db import make_hierarchy, write_measures

if TYPE_CHECKING:
    from collections.abc import Callable

    import psycopg

    from gridts.testing.process import ServiceProcess

T0 = datetime(2032, 3, 1, tzinfo=UTC)
MINUTES = 10_000  # per node: two nodes make 20,000 rows, a chunk and a bit
ROWS = 2 * MINUTES
READ = {
    "start_datetime": T0.isoformat(),
    "end_datetime": (T0 + timedelta(minutes=MINUTES)).isoformat(),
}
#: One connection, and a short wait for it: a connection kept shows as the next request's 503.
ONE_CONNECTION = {
    "GRIDTS_POOL_MIN_SIZE": "1",
    "GRIDTS_POOL_MAX_SIZE": "1",
    "GRIDTS_POOL_TIMEOUT": "2",
}


@pytest.fixture
def stored(conn: psycopg.Connection) -> list[int]:
    """Two nodes with a value every minute (one revision each), more rows than one chunk."""
    nodes = make_hierarchy(conn, {"G": {"R": ["N1", "N2"]}}).nodes
    write_measures(
        conn,
        [
            (n, T0 + timedelta(minutes=m), T0 - timedelta(hours=1), round(m / 1000, 3))
            for n in nodes
            for m in range(MINUTES)
        ],
    )
    assert ROWS > CHUNK_ROWS
    return nodes


def _still_served(server: ServiceProcess) -> None:
    """The service's one connection is back: a small read answers at once."""
    small = {**READ, "end_datetime": (T0 + timedelta(minutes=5)).isoformat()}
    response = httpx.get(
        f"{server.base_url}/api/v1/measures", params=small, headers=server.headers, timeout=10
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]) == 2 * 6


def _no_query_left(conn: psycopg.Connection) -> None:
    """No statement of the service is still running (a stream left behind would be)."""
    deadline = time.monotonic() + 5
    while True:
        running = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gridts' "
            "AND state = 'active' AND pid <> pg_backend_pid()"
        ).fetchone()
        if running == (0,):
            return
        assert time.monotonic() < deadline, "a streamed query is still running"
        time.sleep(0.05)


def test_a_big_answer_streams_whole_in_every_format_and_gives_its_connection_back(
    stored: list[int],
    conn: psycopg.Connection,
    live_server: Callable[..., ServiceProcess],
) -> None:
    server = live_server(**ONE_CONNECTION)
    url = f"{server.base_url}/api/v1/measures"
    expected = [
        (node, (T0 + timedelta(minutes=m)).isoformat().replace("+00:00", "Z"), round(m / 1000, 3))
        for node in stored
        for m in range(MINUTES)
    ]
    with httpx.Client(headers=server.headers, timeout=60) as http:
        answer = http.get(url, params=READ)
        assert answer.status_code == 200
        assert "content-length" not in answer.headers  # chunked: sent while it was read
        rows = answer.json()["data"]
        assert [(r["node_id"], r["timestamp_measured"], r["value"]) for r in rows] == expected

        text = http.get(url, params=READ, headers={"Accept": CSV})
        header, *lines = csv.reader(io.StringIO(text.text))
        assert len(lines) == ROWS
        column = header.index("timestamp_measured")
        assert [line[column] for line in lines] == [target for _, target, _ in expected]

        table = pa.ipc.open_stream(http.get(url, params=READ, headers={"Accept": ARROW}).content)
        batches = list(table)
        assert [b.num_rows for b in batches] == [CHUNK_ROWS] * (ROWS // CHUNK_ROWS) + [
            ROWS % CHUNK_ROWS
        ]
        values = pa.Table.from_batches(batches).column("value").to_pylist()
        assert values == [value for _, _, value in expected]
    _still_served(server)
    _no_query_left(conn)


def test_a_client_that_leaves_mid_answer_frees_the_connection_and_the_query(
    stored: list[int],
    conn: psycopg.Connection,
    live_server: Callable[..., ServiceProcess],
) -> None:
    server = live_server(**ONE_CONNECTION)
    for accept in (None, CSV, ARROW):
        headers = {**server.headers, **({"Accept": accept} if accept else {})}
        with httpx.stream(
            "GET", f"{server.base_url}/api/v1/measures", params=READ, headers=headers, timeout=30
        ) as answer:
            assert answer.status_code == 200
            next(answer.iter_raw(4096))  # the first bytes, then hang up
        _still_served(server)
        _no_query_left(conn)
    # Each went out as a 200; the access log says which stopped before their end.
    assert server.wait_for_log('"complete":false', 3) == 3
    reads = [line for line in server.log().splitlines() if '"path":"/api/v1/measures"' in line]
    whole = ['"complete":true' in line for line in reads]
    assert sorted(whole) == [False] * 3 + [True] * 3  # the small reads went out whole


def test_an_answer_that_passes_the_row_limit_after_its_first_chunk_is_cut_off(
    stored: list[int],
    conn: psycopg.Connection,
    live_server: Callable[..., ServiceProcess],
) -> None:
    limit = CHUNK_ROWS + 1_000
    server = live_server(**ONE_CONNECTION, GRIDTS_MAX_RESPONSE_ROWS=str(limit))
    for accept in (None, CSV):
        headers = {**server.headers, **({"Accept": accept} if accept else {})}
        with pytest.raises(httpx.RemoteProtocolError):  # never a short answer that looks whole
            httpx.get(
                f"{server.base_url}/api/v1/measures", params=READ, headers=headers, timeout=30
            )
        _still_served(server)
    cut_off = "answer cut off after it began: AnswerTooLargeError"
    assert server.wait_for_log(cut_off, 2) == 2  # JSON, then CSV
    assert server.wait_for_log('"status":200,"complete":false', 2) == 2
    _no_query_left(conn)
    # gridts' client says so, and does not redo the read to be cut off again.
    with (
        Client(server.base_url, api_key=API_KEY) as client,
        pytest.raises(ClientTransportError, match="GRIDTS_MAX_RESPONSE_ROWS"),
    ):
        client.latest(T0, T0 + timedelta(minutes=MINUTES), frame="structs")
    # Once more, and no fourth time: waiting a second for one that never comes.
    assert server.wait_for_log(cut_off, 4, timeout=1) == 3
    _still_served(server)
    within = {**READ, "end_datetime": (T0 + timedelta(minutes=CHUNK_ROWS // 4)).isoformat()}
    whole = httpx.get(
        f"{server.base_url}/api/v1/measures", params=within, headers=server.headers, timeout=30
    )
    assert len(whole.json()["data"]) == 2 * (CHUNK_ROWS // 4 + 1)
