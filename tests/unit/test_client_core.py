"""``gridts.client`` against scripted answers (httpx ``MockTransport``): retries, waits, errors,
decoding. What the client decides by itself, without a server; ``tests/system/test_client.py``
runs it against a live ``gridts serve``.

Waits are recorded by a fake ``sleep``, never slept.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
import pandas as pd
import polars as pl
import pytest

from gridts.client import (
    AsyncClient,
    Client,
    ConflictError,
    InvalidRequestError,
    Measure,
    NotFoundError,
    RateLimitedError,
    Retry,
    Row,
    Rows,
    ServerError,
    TransportError,
    UnavailableError,
)
from gridts.client.writing import lsn_position, normalise

T0 = datetime(2030, 1, 1, tzinfo=UTC)
STORED = {"inserted": 2, "duplicates": 0}
UNAVAILABLE = {"status_code": 503, "detail": "the database is unavailable; retry shortly"}


class Script:
    """Answers requests in order from a list; remembers what was asked and how long to wait."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.waits: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def client(self, **options: Any) -> Client:
        return Client(
            "http://gridts.test",
            api_key="k",
            transport=httpx.MockTransport(self),
            sleep=self.sleep,
            **options,
        )

    def async_client(self, **options: Any) -> AsyncClient:
        return AsyncClient(
            "http://gridts.test",
            api_key="k",
            transport=httpx.MockTransport(self),
            sleep=self.async_sleep,
            **options,
        )


def answer(status: int, body: Any = None, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def rows(count: int) -> list[Row]:
    return [
        Row(
            node_id=1,
            timestamp_measured=T0 + timedelta(hours=i),
            timestamp_collected=T0,
            value=float(i),
        )
        for i in range(count)
    ]


# --- retries ---------------------------------------------------------------------------------


def test_a_503_is_retried_after_its_retry_after() -> None:
    script = Script(answer(503, UNAVAILABLE, **{"Retry-After": "2"}), answer(201, STORED))
    with script.client() as client:
        result = client.write(rows(2))
    assert script.waits == [2.0]
    assert len(script.requests) == 2
    assert script.requests[0].content == script.requests[1].content
    assert (result.inserted, result.duplicates, result.batches) == (2, 0, 1)
    assert result.resent == 0  # the server said it did nothing: not a lost answer


def test_the_async_client_waits_the_same() -> None:
    script = Script(answer(503, UNAVAILABLE, **{"Retry-After": "3"}), answer(201, STORED))

    async def run() -> int:
        async with script.async_client() as client:
            return (await client.write(rows(2))).inserted

    assert asyncio.run(run()) == 2
    assert script.waits == [3.0]


def test_a_429_without_retry_after_waits_for_the_rate_limit_reset() -> None:
    limited = answer(
        429, {"status_code": 429, "detail": "Too Many Requests"}, **{"RateLimit-Reset": "7"}
    )
    script = Script(limited, answer(200, []))
    with script.client() as client:
        assert client.list_grids() == []
    assert script.waits == [7.0]


def test_retry_after_as_an_http_date_is_honoured() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    date = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    script = Script(answer(503, UNAVAILABLE, **{"Retry-After": date}), answer(200, []))
    with script.client() as client:
        client.list_grids()
    assert 25 < script.waits[0] <= 30


def test_without_retry_after_the_waits_back_off() -> None:
    script = Script(*[answer(503, UNAVAILABLE)] * 3, answer(200, []))
    with script.client(retry=Retry(attempts=4, backoff=0.5)) as client:
        client.list_grids()
    assert script.waits == [0.5, 1.0, 2.0]


def test_attempts_are_bounded_and_the_last_answer_is_raised() -> None:
    script = Script(*[answer(503, UNAVAILABLE, **{"Retry-After": "1"})] * 3)
    with (
        script.client(retry=Retry(attempts=3)) as client,
        pytest.raises(UnavailableError) as caught,
    ):
        client.list_grids()
    assert len(script.requests) == 3
    assert script.waits == [1.0, 1.0]
    assert caught.value.status == 503
    assert caught.value.detail == UNAVAILABLE["detail"]
    assert caught.value.retry_after == 1.0


def test_a_wait_longer_than_max_wait_is_raised_at_once() -> None:
    limited = answer(
        429, {"status_code": 429, "detail": "Too Many Requests"}, **{"Retry-After": "600"}
    )
    script = Script(limited)
    with (
        script.client(retry=Retry(max_wait=60)) as client,
        pytest.raises(RateLimitedError) as caught,
    ):
        client.list_grids()
    assert script.waits == []
    assert caught.value.retry_after == 600.0


def test_a_write_whose_answer_was_lost_is_sent_again() -> None:
    script = Script(httpx.ReadTimeout("lost"), answer(201, {"inserted": 0, "duplicates": 2}))
    with script.client() as client:
        result = client.write(rows(2))
    assert len(script.requests) == 2
    assert script.requests[0].content == script.requests[1].content
    assert (result.inserted, result.duplicates, result.resent) == (0, 2, 1)


class BrokenBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that breaks off after its first bytes, as gridts ends an answer that passes its
    row limit after the first chunk has gone."""

    first = b'{"data":[{"node_id":1'

    def __iter__(self) -> Any:
        yield self.first
        raise httpx.RemoteProtocolError("incomplete chunked read")

    async def __aiter__(self) -> Any:
        yield self.first
        raise httpx.RemoteProtocolError("incomplete chunked read")


def test_a_read_whose_answer_broke_off_is_not_sent_again() -> None:
    script = Script(httpx.Response(200, stream=BrokenBody()), answer(200, {"data": []}))
    with script.client() as client, pytest.raises(TransportError) as caught:
        client.latest(T0, T0 + timedelta(days=1))
    assert len(script.requests) == 1  # a resend would be cut off at the same place
    assert script.waits == []
    assert "broke off after 21 bytes" in str(caught.value)
    assert "GRIDTS_MAX_RESPONSE_ROWS" in str(caught.value)
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)

    script = Script(httpx.Response(200, stream=BrokenBody()), answer(200, {"data": []}))

    async def run() -> None:
        async with script.async_client() as client:
            await client.latest(T0, T0 + timedelta(days=1))

    with pytest.raises(TransportError, match="broke off after 21 bytes"):
        asyncio.run(run())
    assert len(script.requests) == 1


def test_a_write_whose_answer_broke_off_is_sent_again_as_a_lost_one() -> None:
    script = Script(
        httpx.Response(201, stream=BrokenBody()), answer(201, {"inserted": 0, "duplicates": 2})
    )
    with script.client() as client:
        result = client.write(rows(2))
    assert len(script.requests) == 2
    assert script.requests[0].content == script.requests[1].content
    assert (result.inserted, result.duplicates, result.resent) == (0, 2, 1)


def test_a_read_that_got_no_answer_is_still_sent_again() -> None:
    script = Script(httpx.ReadTimeout("lost"), answer(200, {"data": []}))
    with script.client() as client:
        assert len(client.latest(T0, T0 + timedelta(days=1), frame="structs")) == 0
    assert len(script.requests) == 2


def test_a_create_whose_answer_was_lost_is_not_sent_again() -> None:
    script = Script(httpx.ReadError("connection reset"))
    with script.client() as client, pytest.raises(TransportError) as caught:
        client.create_grid("Grid1")
    assert len(script.requests) == 1  # a resend could only say 409: the name is taken
    assert isinstance(caught.value.__cause__, httpx.ReadError)


def test_a_create_that_never_connected_is_sent_again() -> None:
    created = answer(201, {"id": 1, "name": "Grid1", "timezone": "UTC"})
    script = Script(httpx.ConnectError("refused"), created)
    with script.client() as client:
        assert client.create_grid("Grid1").id == 1
    assert len(script.requests) == 2


def test_a_delete_whose_answer_was_lost_is_done_when_the_resend_finds_nothing() -> None:
    script = Script(httpx.ReadError("reset"), answer(404, {"status_code": 404, "detail": "gone"}))
    with script.client() as client:
        client.delete_node(5)  # the first send deleted it
    assert len(script.requests) == 2


def test_a_delete_of_nothing_is_not_found() -> None:
    script = Script(answer(404, {"status_code": 404, "detail": "no node has id 5"}))
    with script.client() as client, pytest.raises(NotFoundError, match="no node has id 5"):
        client.delete_node(5)


def test_ready_asks_once() -> None:
    script = Script(answer(503, {"status": "unavailable"}, **{"Retry-After": "2"}))
    with script.client() as client:
        assert client.ready() is False
    assert script.waits == []


# --- writing ---------------------------------------------------------------------------------


def test_writes_are_split_into_batches_of_batch_rows() -> None:
    script = Script(*[answer(201, {"inserted": 2, "duplicates": 0})] * 2, answer(201, STORED))
    with script.client(batch_rows=2) as client:
        script.answers[-1] = answer(201, {"inserted": 1, "duplicates": 0})
        result = client.write(rows(5))
    sizes = [len(json.loads(r.content)) for r in script.requests]
    assert sizes == [2, 2, 1]
    assert (result.inserted, result.batches) == (5, 3)


def test_a_413_halves_the_batch() -> None:
    too_large = answer(413, {"status_code": 413, "detail": "the batch holds 4 rows; at most 2"})
    script = Script(too_large, answer(201, STORED), answer(201, STORED))
    with script.client(batch_rows=4) as client:
        result = client.write(rows(4))
    sizes = [len(json.loads(r.content)) for r in script.requests]
    assert sizes == [4, 2, 2]
    assert result.inserted == 4


def test_a_refused_batch_names_rows_of_the_whole_write() -> None:
    refused = answer(
        422,
        {
            "status_code": 422,
            "detail": "1 problem(s) in the batch, nothing was stored",
            "extra": [{"row": 1, "field": "value", "message": "must be a finite number"}],
        },
    )
    script = Script(answer(201, STORED), refused)
    with script.client(batch_rows=2) as client, pytest.raises(InvalidRequestError) as caught:
        client.write(rows(4))
    error = caught.value
    assert [(p.row, p.field) for p in error.problems] == [(3, "value")]
    assert error.first_row == 2
    assert error.written is not None
    assert error.written.inserted == 2
    assert "row 3 value: must be a finite number" in str(error)


def test_a_conflict_carries_its_rows() -> None:
    conflict = answer(
        409,
        {
            "status_code": 409,
            "detail": "the batch conflicts with stored measures",
            "extra": [{"row": 0, "field": "value", "message": "stored with value 3.0"}],
        },
    )
    script = Script(conflict)
    with script.client() as client, pytest.raises(ConflictError) as caught:
        client.write(rows(1))
    assert caught.value.problems[0].message == "stored with value 3.0"


def test_an_answer_that_is_not_json_still_becomes_an_error() -> None:
    script = Script(httpx.Response(502, text="<html>Bad Gateway</html>"))
    with (
        script.client(retry=Retry(attempts=1)) as client,
        pytest.raises(ServerError, match="Bad Gateway") as caught,
    ):
        client.list_grids()
    assert caught.value.status == 502


def test_dataframe_rows_become_wire_rows() -> None:
    frame = pd.DataFrame(
        {
            "series_id": [None, 7.0],
            "node_id": [3, 3],
            "kind": ["generation", "generation"],
            "subtype": ["wind", None],
            "timestamp_measured": pd.to_datetime(["2030-01-01T01:00+01:00"] * 2),
            "timestamp_collected": pd.to_datetime(["2029-12-31T12:00Z"] * 2),
            "value": [1.5, float("nan")],
            "quality": [None, "missing"],
            "unit": ["MW", "MW"],  # a column of a read: ignored
        }
    )
    first, second = normalise(frame)
    assert first == {
        "node_id": 3,
        "kind": "generation",
        "subtype": "wind",
        "timestamp_measured": "2030-01-01T00:00:00.000000Z",
        "timestamp_collected": "2029-12-31T12:00:00.000000Z",
        "value": 1.5,
    }
    # A row with a series_id names its series by it alone; NaN is sent as null.
    assert second.keys() == {
        "series_id",
        "timestamp_measured",
        "timestamp_collected",
        "value",
        "quality",
    }
    assert second["series_id"] == 7
    assert second["quality"] == "missing"
    assert msgspec.json.encode(second["value"]) == b"null"


def test_polars_rows_become_wire_rows() -> None:
    frame = pl.DataFrame(
        {
            "node_id": [3],
            "timestamp_measured": [T0],
            "timestamp_collected": [T0 - timedelta(hours=1)],
            "value": [2.0],
        }
    )
    [row] = normalise(frame)
    assert row == {
        "node_id": 3,
        "timestamp_measured": T0,
        "timestamp_collected": T0 - timedelta(hours=1),
        "value": 2.0,
    }


def test_naive_frame_timestamps_are_refused_before_sending() -> None:
    frame = pd.DataFrame(
        {
            "node_id": [1],
            "timestamp_measured": pd.to_datetime(["2030-01-01T00:00"]),
            "timestamp_collected": pd.to_datetime(["2030-01-01T00:00"]),
            "value": [1.0],
        }
    )
    with pytest.raises(ValueError, match="timestamp_measured has no time zone"):
        normalise(frame)


def test_infinite_values_are_refused_before_sending() -> None:
    """JSON has no infinity: sent as null, the server would call it a missing value."""
    frame = pd.DataFrame(
        {
            "node_id": [1, 1],
            "timestamp_measured": [pd.Timestamp(T0), pd.Timestamp(T0 + timedelta(hours=1))],
            "timestamp_collected": [pd.Timestamp(T0)] * 2,
            "value": [1.0, float("-inf")],
        }
    )
    with pytest.raises(ValueError, match="row 1 value: -inf cannot be sent"):
        normalise(frame)


def test_mapping_rows_are_sent_as_given() -> None:
    """A misspelt key reaches the server, which names it, instead of being dropped here."""
    [row] = normalise([{"node_id": 1, "qualty": "good", "kind": None}])
    assert row == {"node_id": 1, "qualty": "good"}


# --- reads -----------------------------------------------------------------------------------

PAGE = {
    "level": "node",
    "resolution": "1d",
    "source": "series_1h",
    "note": "a field this client does not know",
    "data": [
        {
            "id": 4,
            "bucket": "2025-03-30T00:00:00+01:00",
            "avg": 2.5,
            "min": 1.0,
            "max": 4.0,
            "sum": 10.0,
            "count": 4,
            "kind": "load",
            "subtype": None,
            "unit": "MW",
            "estimated": 1,
            "filled": False,
        }
    ],
}


def test_reads_become_pandas_frames_keeping_what_a_newer_server_adds() -> None:
    script = Script(answer(200, PAGE))
    with script.client(frame="pandas") as client:
        frame = client.rollups(T0, T0, "node", ids=4, resolution="1d")
    assert dict(script.requests[0].url.params.multi_items()) == {
        "start_datetime": T0.isoformat(),
        "end_datetime": T0.isoformat(),
        "level": "node",
        "id": "4",
        "resolution": "1d",
    }
    assert frame["bucket"].iloc[0] == pd.Timestamp("2025-03-29T23:00:00Z")
    assert frame["filled"].tolist() == [False]  # unknown to the client, kept
    assert frame.attrs["source"] == "series_1h"
    assert list(frame.columns[:3]) == ["id", "bucket", "avg"]


def test_reads_become_polars_frames() -> None:
    script = Script(answer(200, PAGE))
    with script.client(frame="polars") as client:
        frame = client.rollups(T0, T0, "node")
    assert frame["bucket"].to_list() == [datetime(2025, 3, 29, 23, tzinfo=UTC)]
    assert frame["unit"].to_list() == ["MW"]


def test_reads_become_structs_keeping_offsets() -> None:
    script = Script(answer(200, PAGE))
    with script.client(frame="structs") as client:
        rows_ = client.rollups(T0, T0, "node")
    assert isinstance(rows_, Rows)
    assert rows_[0].bucket.utcoffset() == timedelta(hours=1)
    assert rows_[0].estimated == 1
    assert rows_.meta["resolution"] == "1d"


def test_an_empty_answer_still_has_the_columns() -> None:
    script = Script(answer(200, {"data": []}), answer(200, {"data": []}))
    with script.client() as client:
        frame = client.latest(T0, T0, frame="pandas")
        lazy = client.latest(T0, T0, frame="polars")
    assert {"node_id", "timestamp_measured", "value", "quality"} <= set(frame.columns)
    assert str(frame["timestamp_measured"].dtype) == "datetime64[us, UTC]"
    assert lazy.columns == list(Measure.__struct_fields__)


def test_an_older_servers_rows_get_the_defaults() -> None:
    old = {
        "node_id": 1,
        "node_name": "N",
        "timestamp_measured": "2030-01-01T00:00:00Z",
        "timestamp_collected": "2029-12-31T12:00:00Z",
        "value": 1.0,
    }
    script = Script(answer(200, {"data": [old]}), answer(200, {"data": [old]}))
    with script.client() as client:
        [measure] = client.latest(T0, T0, frame="structs")
        frame = client.latest(T0, T0, frame="pandas")
    assert measure.quality == "good"
    assert measure.series_id is None
    assert frame["quality"].tolist() == ["good"]


def test_accuracy_leads_are_durations_and_parameters_repeat() -> None:
    body = {
        "level": "node",
        "final": "latest",
        "data": [
            {
                "id": 1,
                "lead": "PT3600S",
                "bucket": None,
                "count": 3,
                "bias": 0.5,
                "mae": 1.0,
                "rmse": 1.2,
                "mape": None,
            },
        ],
    }
    script = Script(answer(200, body), answer(200, body))
    with script.client() as client:
        frame = client.accuracy(T0, T0, "node", lead=[timedelta(hours=1), "PT24H", 48], kind="load")
        lazy = client.accuracy(T0, T0, frame="polars")
    assert script.requests[0].url.params.get_list("lead") == ["PT3600S", "PT24H", "48"]
    assert script.requests[0].url.params.get_list("kind") == ["load"]
    assert frame["lead"].tolist() == [pd.Timedelta(hours=1)]
    assert lazy["lead"].to_list() == [timedelta(hours=1)]


def test_filters_take_one_value_or_many() -> None:
    script = Script(answer(200, {"data": []}))
    with script.client() as client:
        client.revisions(T0, T0, node_id=[1, 2], subtype="wind", collected_to=T0)
    params = script.requests[0].url.params
    assert params.get_list("node_id") == ["1", "2"]
    assert params.get_list("subtype") == ["wind"]
    assert params["collected_to"] == T0.isoformat()


def test_naive_datetimes_and_unknown_options_are_refused_before_sending() -> None:
    script = Script()
    with script.client() as client:
        with pytest.raises(ValueError, match="start has no time zone"):
            client.latest(datetime(2030, 1, 1), T0)  # noqa: DTZ001
        with pytest.raises(TypeError, match="collected_datetime"):
            client.latest(T0, T0, collected_datetime=T0)  # type: ignore[call-arg]
    assert script.requests == []


def test_the_key_goes_in_the_authorization_header() -> None:
    script = Script(answer(200, []))
    with script.client() as client:
        client.list_grids()
    assert script.requests[0].headers["authorization"] == "Bearer k"
    assert str(script.requests[0].url) == "http://gridts.test/api/v1/grids"


# --- the two clients -------------------------------------------------------------------------


def _public(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if callable(member) and not name.startswith("_")
    }


def test_both_clients_have_the_same_methods() -> None:
    sync, aio = _public(Client), _public(AsyncClient)
    assert sync.keys() - {"close"} == aio.keys() - {"aclose"}
    for name in sync.keys() - {"close", "__init__"}:
        assert sync[name].parameters.keys() == aio[name].parameters.keys(), name
        assert inspect.iscoroutinefunction(getattr(AsyncClient, name)), name


def test_a_write_result_keeps_the_furthest_commit_position() -> None:
    assert lsn_position("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert lsn_position("1/0") > lsn_position("0/FFFFFFFF")
