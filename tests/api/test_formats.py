"""Every read answers JSON, CSV (``Accept: text/csv``) and Arrow IPC streams
(``Accept: application/vnd.apache.arrow.stream``) holding the same rows and values
(``gridts.formats``); big answers stream; limits and errors are as before.

The comparison is generic, from the wire: each CSV field is the JSON value's text (an empty
field for null or an omitted field), each Arrow value is the JSON value (instants compared as
instants, durations as durations), and the columns are the same in the same order.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

import msgspec
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridts.formats import encoders
from gridts.formats.response import ARROW, CSV
from gridts.formats.tables import header_value, shape_of
from gridts.refresh import refresh_all
from support.db import make_hierarchy, write_measures
from support.histories import History, histories, reload, target_span

if TYPE_CHECKING:
    import httpx
    import psycopg
    from litestar import Litestar
    from litestar.testing import TestClient

    from support.wire import ClientFactory

Read = tuple[str, dict[str, Any]]


def reads(span: dict[str, str]) -> list[Read]:
    """Every read endpoint, with parameters that select the whole history."""
    return [
        ("/api/v1/measures", span),
        ("/api/v1/measures/revisions", span),
        ("/api/v1/measures/horizon", {**span, "lead": "PT1H"}),
        (
            "/api/v1/measures/horizon",
            {**span, "issued_before": "12:00", "timezone": "Europe/Dublin"},
        ),
        ("/api/v1/rollups", {**span, "level": "region", "resolution": "1h"}),
        ("/api/v1/rollups", {**span, "level": "grid", "resolution": "1h"}),
        ("/api/v1/rollups", {**span, "level": "node", "resolution": "raw"}),
        ("/api/v1/rollups", {**span, "level": "grid", "resolution": "1d"}),
        ("/api/v1/accuracy", {**span, "level": "node", "lead": ["PT1H", "PT12H"]}),
        ("/api/v1/accuracy", {**span, "level": "region", "bucket": "1d"}),
        ("/api/v1/grids", {}),
        ("/api/v1/regions", {}),
        ("/api/v1/nodes", {}),
        ("/api/v1/kinds", {}),
        ("/api/v1/series", {}),
    ]


#: Reads that fail before any format is chosen while the rollups and accuracy are rewritten for
#: series (their SQL still names ``measures.node_id``): for these the tests check that every
#: format gets the same error, and compare rows as soon as they answer.
#: Fields the JSON leaves out when they hold their default, and that default when it is not null.
OMITTED_DEFAULTS: dict[str, Any] = {"filled": False}


def get(client: TestClient[Litestar], read: Read, accept: str | None) -> httpx.Response:
    path, params = read
    headers = {} if accept is None else {"Accept": accept}
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, (read, response.text)
    return response


def answers(client: TestClient[Litestar], read: Read) -> bool:
    """Whether ``read`` answers 200 in every format (every read must)."""
    path, params = read
    statuses = {
        client.get(path, params=params, headers={"Accept": accept}).status_code
        for accept in ("application/json", CSV, ARROW)
    }
    assert statuses == {200}, (read, statuses)
    return True


def json_rows(response: httpx.Response) -> list[dict[str, Any]]:
    body = response.json()
    rows: list[dict[str, Any]] = body if isinstance(body, list) else body["data"]
    return rows


def csv_table(response: httpx.Response) -> tuple[list[str], list[list[str]]]:
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    header, *rows = csv.reader(io.StringIO(response.content.decode()))
    return header, rows


def arrow_table(response: httpx.Response) -> pa.Table:
    assert response.headers["content-type"] == ARROW
    return pa.ipc.open_stream(response.content).read_all()


def csv_text(value: Any) -> str:
    """What the CSV holds for a JSON value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def close(a: float, b: float) -> bool:
    """Equal but for the last bits: each format is its own query, and a float8 sum over the same
    values in another order (a hash aggregate's) may differ there."""
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def same_rows(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x.keys() != y.keys():
            return False
        for key, value in x.items():
            other = y[key]
            if isinstance(value, float) and isinstance(other, float):
                if not close(value, other):
                    return False
            elif value != other:
                return False
    return True


def same_cell(cell: str, value: Any) -> bool:
    if isinstance(value, float):  # the same double, whichever shortest form was written
        return close(float(cell), value)
    return cell == csv_text(value)


def same_arrow(value: Any, arrow_type: pa.DataType, wire: Any) -> bool:
    """An Arrow value is the JSON one: instants and durations compared as such."""
    if wire is None or value is None:
        return wire is None and value is None
    if pa.types.is_timestamp(arrow_type):
        return bool(value == datetime.fromisoformat(wire))
    if pa.types.is_duration(arrow_type):
        return bool(value == msgspec.convert(wire, timedelta))
    if isinstance(value, float) and isinstance(wire, float):
        return close(value, wire)
    return bool(value == wire)


def assert_same_answers(client: TestClient[Litestar], read: Read) -> int | None:
    """JSON, CSV and Arrow answers to ``read`` hold the same rows; how many (``None``: failed)."""
    if not answers(client, read):
        return None
    rows = json_rows(get(client, read, None))
    assert same_rows(json_rows(get(client, read, "application/json")), rows)
    header, cells = csv_table(get(client, read, CSV))
    table = arrow_table(get(client, read, ARROW))
    assert table.column_names == header
    assert len(cells) == table.num_rows == len(rows)
    assert all(set(row) <= set(header) for row in rows)  # omitted (default) fields only
    arrow_rows = table.to_pylist()
    for row, line, arrow_row in zip(rows, cells, arrow_rows, strict=True):
        for name, cell in zip(header, line, strict=True):
            wire = row.get(name, OMITTED_DEFAULTS.get(name))
            assert same_cell(cell, wire), (read, name, cell, wire)
            field_type = table.schema.field(name).type
            assert same_arrow(arrow_row[name], field_type, wire), (read, name, arrow_row, wire)
    return len(rows)


@settings(max_examples=15)
@given(history=histories(max_targets=8))
def test_every_read_answers_the_same_rows_in_json_csv_and_arrow(
    conn: psycopg.Connection, client: TestClient[Litestar], history: History
) -> None:
    history.materialise()
    reload(conn, history)
    span = target_span(history)
    counts = [assert_same_answers(client, read) for read in reads(span)]
    assert counts[1] == len(history.rows)  # revisions: every row, so the data went through
    assert counts[4] is not None  # region rollups from the aggregates' real-time part
    refresh_all(conn)
    for read in reads(span)[4:8]:  # rollups from the materialised aggregates
        assert_same_answers(client, read)


def test_empty_answers_are_a_header_and_an_empty_stream(client: TestClient[Litestar]) -> None:
    span = target_span(History({}, {}, timedelta(hours=1), timedelta(0), {}, {}))
    for read in reads(span):
        if not answers(client, read):
            continue
        header, cells = csv_table(get(client, read, CSV))
        table = arrow_table(get(client, read, ARROW))
        if read[0] == "/api/v1/kinds":  # the migrations' kinds are always there
            assert_same_answers(client, read)
            continue
        assert cells == []
        assert header == table.column_names
        assert header
        assert table.num_rows == 0
        assert json_rows(get(client, read, None)) == []
        frame = pd.read_csv(io.BytesIO(get(client, read, CSV).content))
        assert list(frame.columns) == header
        assert frame.empty


def test_the_page_fields_are_headers_and_arrow_metadata(
    conn: psycopg.Connection, client: TestClient[Litestar]
) -> None:
    node = make_hierarchy(conn, {"G": {"R": ["N1"]}}).nodes[0]
    t0 = datetime(2031, 1, 6, tzinfo=UTC)
    write_measures(conn, [(node, t0, t0 - timedelta(hours=1), 1.5)])
    read = (
        "/api/v1/rollups",
        {
            "start_datetime": t0.isoformat(),
            "end_datetime": t0.isoformat(),
            "level": "region",
            "resolution": "1h",
        },
    )
    page = get(client, read, None).json()
    for accept in (None, CSV, ARROW):
        response = get(client, read, accept)
        assert response.headers["vary"] == "Accept"
        assert response.headers["x-gridts-level"] == page["level"] == "region"
        assert response.headers["x-gridts-resolution"] == page["resolution"] == "1h"
        assert response.headers["x-gridts-source"] == page["source"]
    metadata = arrow_table(get(client, read, ARROW)).schema.metadata
    assert metadata == {
        b"level": b"region",
        b"resolution": b"1h",
        b"source": page["source"].encode(),
    }
    grids = get(client, ("/api/v1/grids", {}), CSV)
    assert not [h for h in grids.headers if h.startswith("x-gridts-")]  # a list has no page


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("application/xml", "application/json"),  # nothing we write: JSON, not 406
        ("text/*", "text/csv; charset=utf-8"),
        ("text/csv;q=0.5, application/vnd.apache.arrow.stream", ARROW),
        ("application/json;q=0.1, text/csv", "text/csv; charset=utf-8"),
    ],
)
def test_accept_picks_the_format_and_json_is_the_fallback(
    client: TestClient[Litestar], accept: str | None, expected: str
) -> None:
    response = get(client, ("/api/v1/kinds", {}), accept)
    assert response.headers["content-type"] == expected


def test_a_single_entity_stays_json(client: TestClient[Litestar]) -> None:
    response = client.get("/api/v1/kinds/load", headers={"Accept": CSV})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["name"] == "load"


def test_the_row_limit_and_errors_answer_json_whatever_the_format(
    conn: psycopg.Connection, make_client: ClientFactory
) -> None:
    node = make_hierarchy(conn, {"G": {"R": ["N1"]}}).nodes[0]
    t0 = datetime(2031, 1, 6, tzinfo=UTC)
    write_measures(conn, [(node, t0 + timedelta(hours=h), t0, 1.0) for h in range(2)])
    client = make_client(max_response_rows=1)
    span = {"start_datetime": t0.isoformat(), "end_datetime": (t0 + timedelta(hours=1)).isoformat()}
    for accept in (CSV, ARROW):
        response = client.get("/api/v1/measures", params=span, headers={"Accept": accept})
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/json"
        assert "more than 1 rows" in response.json()["detail"]
        bad = client.get(
            "/api/v1/rollups", params={**span, "level": "city"}, headers={"Accept": accept}
        )
        assert bad.status_code == 400
        assert bad.headers["content-type"] == "application/json"


def test_big_answers_stream_in_chunks_with_the_same_bytes(
    conn: psycopg.Connection, client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    nodes = make_hierarchy(conn, {"G": {"R": ["N1", "N2"]}}).nodes
    t0 = datetime(2031, 1, 6, tzinfo=UTC)
    write_measures(
        conn,
        [(n, t0 + timedelta(hours=h), t0, round(h / 7, 3)) for n in nodes for h in range(10)],
    )
    read = (
        "/api/v1/measures",
        {"start_datetime": t0.isoformat(), "end_datetime": "2031-01-07T00:00:00Z"},
    )
    whole = {accept: get(client, read, accept) for accept in (None, CSV, ARROW)}
    assert "content-length" in whole[None].headers  # small JSON: one body
    monkeypatch.setattr(encoders, "CHUNK_ROWS", 3)
    chunked = {accept: get(client, read, accept) for accept in (None, CSV, ARROW)}
    for accept, response in chunked.items():
        assert "content-length" not in response.headers, accept
        if accept != ARROW:  # Arrow's batches are framed differently, not the same bytes
            assert response.content == whole[accept].content, accept
    batches = list(pa.ipc.open_stream(chunked[ARROW].content))
    assert [b.num_rows for b in batches] == [3] * 6 + [2]
    assert pa.Table.from_batches(batches).equals(arrow_table(whole[ARROW]))


def test_the_openapi_document_lists_the_formats_of_reads_only(
    client: TestClient[Litestar],
) -> None:
    schema = client.get("/schema/openapi.json").json()
    operations = {
        op["operationId"]: op
        for item in schema["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    tables = [
        "listMeasures",
        "listMeasureRevisions",
        "listMeasuresAtHorizon",
        "listRollups",
        "getAccuracy",
        "listGrids",
        "listRegions",
        "listNodes",
        "listKinds",
        "listSeries",
    ]
    for operation_id in tables:
        answer = operations[operation_id]["responses"]["200"]
        assert set(answer["content"]) == {"application/json", CSV, ARROW}, operation_id
        assert "Vary" in answer["headers"]
    rollups = operations["listRollups"]["responses"]["200"]["headers"]
    assert {"X-Gridts-Level", "X-Gridts-Resolution", "X-Gridts-Source"} <= set(rollups)
    for operation_id in ("getGrid", "createGrid", "getDashboard"):
        answers = operations[operation_id]["responses"]
        for answer in answers.values():
            assert set(answer.get("content", {})) <= {"application/json"}, operation_id


# Encoding on its own: types the reads will carry (the rollups are gaining local-day buckets,
# string fields and more), checked without a database.


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


class Row(msgspec.Struct, frozen=True, omit_defaults=True):
    id: int
    bucket: datetime
    kind: str
    subtype: str | None
    lead: timedelta
    colour: Colour
    flag: bool
    tags: list[str]
    unit: Literal["MW", "MWh"] = "MW"
    value: float | None = None


class Page(msgspec.Struct, frozen=True):
    level: str
    timezone: str
    leads: list[timedelta]
    data: list[Row]


DUBLIN_WINTER, DUBLIN_SUMMER = timezone(timedelta(0)), timezone(timedelta(hours=1))
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)
ROWS = st.builds(
    Row,
    id=st.integers(-(2**63), 2**63 - 1),
    bucket=st.datetimes(
        min_value=datetime(1970, 1, 2),  # noqa: DTZ001 - hypothesis takes naive bounds
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from(
            [UTC, DUBLIN_WINTER, DUBLIN_SUMMER, timezone(timedelta(hours=-5, minutes=-30))]
        ),
    ).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)),
    kind=TEXT,
    subtype=st.none() | TEXT.filter(bool),
    lead=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
    colour=st.sampled_from(Colour),
    flag=st.booleans(),
    tags=st.lists(TEXT, max_size=2),
    unit=st.sampled_from(["MW", "MWh"]),
    value=st.none() | st.floats(allow_nan=False, allow_infinity=False),
)


def encoded(page: Page, size: int) -> tuple[bytes, bytes, bytes]:
    shape = shape_of(Page)
    assert shape is not None
    json = encoders.json_chunks(shape, page, msgspec.json.encode, size)
    assert json is not None
    return (
        b"".join(json),
        b"".join(encoders.csv_chunks(shape, page, size)),
        b"".join(encoders.arrow_chunks(shape, page, shape.envelope_text(page), size)),
    )


@settings(max_examples=200)
@given(rows=st.lists(ROWS, max_size=12), size=st.integers(1, 5))
def test_offset_aware_times_strings_and_nested_values_encode_as_json_says(
    rows: list[Row], size: int
) -> None:
    page = Page("grid", "Europe/Dublin", [timedelta(hours=1)], rows)
    json, text, arrow = encoded(page, size)
    assert json == msgspec.json.encode(page)
    # Every field's JSON value, defaults included (JSON omits a field equal to its default).
    wire = [{k: msgspec.to_builtins(v) for k, v in msgspec.structs.asdict(r).items()} for r in rows]
    header, *cells = csv.reader(io.StringIO(text.decode(), newline=""))
    table = pa.ipc.open_stream(arrow).read_all()
    assert header == table.column_names == list(Row.__struct_fields__)
    assert table.schema.metadata == {
        b"level": b"grid",
        b"timezone": b"Europe/Dublin",
        b"leads": b'["PT3600S"]',
    }
    assert table.schema.field("bucket").type == pa.timestamp("us", tz="UTC")
    assert len(cells) == table.num_rows == len(rows)
    for row, line, arrow_row in zip(wire, cells, table.to_pylist(), strict=True):
        for name, cell in zip(header, line, strict=True):
            value = row.get(name)
            if name == "tags":  # a nested value: its JSON text in both
                assert msgspec.json.decode(cell) == value == msgspec.json.decode(arrow_row[name])
                continue
            assert same_cell(cell, value), (name, cell, value)
            assert same_arrow(arrow_row[name], table.schema.field(name).type, value), name
    # The offset as JSON writes it survives in CSV: local days stay local days.
    for row, line in zip(wire, cells, strict=True):
        assert line[header.index("bucket")] == row["bucket"]


def test_a_header_value_that_is_not_ascii_is_percent_encoded() -> None:
    assert header_value("plain text: ok") == "plain text: ok"
    assert header_value("Zürich 5 €") == "Z%C3%BCrich 5 %E2%82%AC"


def test_pandas_loads_the_same_frame_from_csv_and_arrow(
    conn: psycopg.Connection, client: TestClient[Litestar]
) -> None:
    nodes = make_hierarchy(conn, {"G": {"R": ["N1", "N2"]}}).nodes
    t0 = datetime(2031, 1, 6, tzinfo=UTC)
    write_measures(
        conn, [(n, t0 + timedelta(hours=h), t0, round(h * 1.1, 1)) for n in nodes for h in range(5)]
    )
    read = (
        "/api/v1/measures",
        {"start_datetime": t0.isoformat(), "end_datetime": "2031-01-07T00:00:00Z"},
    )
    times = ["timestamp_measured", "timestamp_collected"]
    from_csv = pd.read_csv(io.BytesIO(get(client, read, CSV).content), parse_dates=times)
    from_arrow = arrow_table(get(client, read, ARROW)).to_pandas()
    from_json = pd.DataFrame(json_rows(get(client, read, None)))
    for column in times:
        from_json[column] = pd.to_datetime(from_json[column])
        from_arrow[column] = from_arrow[column].astype(from_csv[column].dtype)
    numeric = ["node_id", "series_id", "value"]
    pd.testing.assert_frame_equal(from_csv[numeric + times], from_arrow[numeric + times])
    pd.testing.assert_frame_equal(from_json[numeric + times], from_csv[numeric + times])
