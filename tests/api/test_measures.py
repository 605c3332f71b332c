"""``GET /api/v1/measures`` (latest, as of) and ``/measures/revisions`` (``gridts.measures``)
against the reference model, before and after refresh and compression; and their parameter rules.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridts.measures import service
from gridts.measures.schemas import MeasurePage
from gridts.refresh import refresh_all
from gridts.refresh.worker import drain
from support import reference
from support.db import compress_all, make_hierarchy, write_measures
from support.histories import History, histories, instants, node_name, ranges, reload
from support.read_paths import draw_read_path, draw_series_at_once, latest_reads
from support.wire import AUTH, iso_instant, measure

if TYPE_CHECKING:
    import psycopg
    from litestar import Litestar
    from litestar.testing import TestClient

    from support.reference import Row
    from support.wire import ClientFactory

UNKNOWN = 99
SECOND = timedelta(seconds=1)


@st.composite
def node_filters(draw: st.DrawFn, history: History) -> dict[str, list[int]]:
    """Some of node_id / region_id / grid_id, sometimes with an id that does not exist."""
    choices = {
        "node_id": sorted(history.region_of),
        "region_id": sorted(history.grid_of_region),
        "grid_id": history.grids,
    }
    chosen: dict[str, list[int]] = {}
    for key in draw(st.sets(st.sampled_from(sorted(choices)), max_size=2)):
        chosen[key] = draw(
            st.lists(st.sampled_from([*choices[key], UNKNOWN]), min_size=1, max_size=3)
        )
    return chosen


def selected(history: History, filters: dict[str, list[int]]) -> set[int]:
    grid_of = history.grid_of_node()
    return {
        node
        for node, region in history.region_of.items()
        if node in filters.get("node_id", [node])
        and region in filters.get("region_id", [region])
        and grid_of[node] in filters.get("grid_id", [grid_of[node]])
    }


def params(start: datetime, end: datetime, filters: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "start_datetime": iso_instant(start),
        "end_datetime": iso_instant(end),
        **filters,
        **more,
    }


def as_rows(page: MeasurePage) -> list[tuple[int, str, datetime, datetime, float]]:
    return [
        (m.node_id, m.node_name, m.timestamp_measured, m.timestamp_collected, m.value)
        for m in page.data
    ]


def expected_latest(
    history: History, nodes: set[int], start: datetime, end: datetime, as_of: datetime | None
) -> list[tuple[int, str, datetime, datetime, float]]:
    return sorted(
        (node, node_name(node), target, collected, value)
        for (node, target), (_, _, collected, value) in reference.latest(
            history.rows, as_of
        ).items()
        if node in nodes and start <= target <= end
    )


def get_page(client: TestClient[Litestar], path: str, query: dict[str, Any]) -> MeasurePage:
    response = client.get(path, params=query)
    assert response.status_code == 200, response.text
    return msgspec.json.decode(response.content, type=MeasurePage)


def loaded_query(
    conn: psycopg.Connection, data: st.DataObject, history: History
) -> tuple[datetime, datetime, dict[str, list[int]], set[int]]:
    """Load the history; draw a target range and node filters; the nodes the filters select."""
    history.materialise()
    reload(conn, history)
    start, end = data.draw(ranges(history))
    filters = data.draw(node_filters(history))
    return start, end, filters, selected(history, filters)


@settings(max_examples=100)
@given(data=st.data(), history=histories())
def test_latest_and_as_of_match_the_model_before_and_after_refresh_and_compression(
    conn: psycopg.Connection,
    client: TestClient[Litestar],
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
    history: History,
) -> None:
    start, end, filters, nodes = loaded_query(conn, data, history)
    draw_read_path(monkeypatch, data)
    as_of = data.draw(st.none() | instants(history))
    extra = {} if as_of is None else {"collected_datetime": iso_instant(as_of)}
    want = expected_latest(history, nodes, start, end, as_of)
    for state in ("raw", "analysed", "refreshed", "compressed"):
        if state == "analysed":
            # With statistics the planner may take the first revision of each target straight
            # from the primary key (TimescaleDB's SkipScan): it must be the newest one.
            conn.execute("ANALYZE measures")
        elif state == "refreshed":
            refresh_all(conn)
        elif state == "compressed":
            compress_all(conn)
        page = get_page(client, "/api/v1/measures", params(start, end, filters, **extra))
        assert as_rows(page) == want, state


def test_latest_is_the_newest_revision_when_the_planner_skips_along_the_primary_key(
    conn: psycopg.Connection, client: TestClient[Litestar]
) -> None:
    """Fresh uncompressed chunks (no statistics yet): the planner may take each target's first
    revision straight from the primary key (TimescaleDB's SkipScan). It must be the newest (as
    of the cutoff), whatever order the query sorts in afterwards. (With ``ORDER BY
    timestamp_measured, timestamp_collected DESC`` per series, TimescaleDB 2.28 skipped forward
    along the key under the sort and kept the oldest revision: caught by the upgrade test, not by
    the smaller random histories. The queries sort that way again, and gridts' sessions turn
    SkipScan off, ``gridts.db.pool``: with it on, this test fails.)
    """
    made = make_hierarchy(conn, {"G": {"R": [(node, node_name(node)) for node in (1, 2, 3)]}})
    start = datetime(2025, 3, 1, tzinfo=UTC)
    rows = [
        (node, start + timedelta(hours=hour), start + timedelta(hours=hour - lead),
         round(100 + 10 * index + hour % 24 + (lead - 10) / 4, 3))
        for index, node in enumerate(made.nodes)
        for hour in range(20 * 24)
        for lead in (12, 11, 10)
    ]  # fmt: skip
    write_measures(conn, rows)
    end = start + timedelta(days=20)
    conn.execute(  # the older chunks compressed, the last week's not: both kinds answer
        "SELECT compress_chunk(c) FROM show_chunks('measures', older_than => %s::timestamptz) c",
        (end - timedelta(days=7),),
    )
    for as_of in (None, start + timedelta(days=10, hours=3, minutes=30)):
        extra = {} if as_of is None else {"collected_datetime": iso_instant(as_of)}
        page = get_page(client, "/api/v1/measures", params(start, end, {}, **extra))
        want = expected_latest_rows(reference.latest(rows, as_of))
        assert as_rows(page) == want, as_of
    page = get_page(client, "/api/v1/measures/horizon", params(start, end, {}, lead="PT11H"))
    assert as_rows(page) == expected_latest_rows(reference.horizon(rows, timedelta(hours=11)))
    as_of = start + timedelta(days=19, hours=5, minutes=30)  # within the uncompressed chunks
    response = client.get(
        "/api/v1/rollups",
        params=params(
            start, end, {}, level="node", resolution="raw", collected_datetime=iso_instant(as_of)
        ),
    )
    assert response.status_code == 200, response.text
    raw = {
        (row["id"], datetime.fromisoformat(row["bucket"])): row["avg"]
        for row in response.json()["data"]
    }
    assert raw == {key: row[3] for key, row in reference.latest(rows, as_of).items()}


def expected_latest_rows(
    chosen: dict[tuple[int, datetime], reference.Row],
) -> list[tuple[int, str, datetime, datetime, float]]:
    return sorted(
        (node, node_name(node), target, collected, value)
        for (node, target), (_, _, collected, value) in chosen.items()
    )


@pytest.fixture
def queueing_client(make_client: ClientFactory) -> TestClient[Litestar]:
    """A client of an app without the refresher: queued windows wait for ``drain``."""
    return make_client(refresh_in_process=False)


@settings(max_examples=60)
@given(data=st.data(), history=histories())
def test_latest_from_series_latest_matches_the_model_with_late_writes_queued_and_refreshed(
    conn: psycopg.Connection,
    queueing_client: TestClient[Litestar],
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
    history: History,
) -> None:
    """A big latest read takes series_latest's materialised rows wherever they are exact; as of a
    time, up to the first target revised after it.

    Late revisions posted into materialised (and compressed) days are queued for the refresher:
    until it has refreshed them the read takes those days from measures, after it from
    series_latest again. Every answer equals the model's.
    """
    client = queueing_client
    monkeypatch.setattr(service, "SMALL_READ_ROWS", 0)  # every read a big one
    monkeypatch.setattr(service, "AS_OF_MATERIALISED_HOURS", -math.inf)  # as of too
    draw_series_at_once(monkeypatch, data)
    start, end, filters, nodes = loaded_query(conn, data, history)
    rows = data.draw(st.permutations(history.rows), label="rows in the order they come")
    split = data.draw(st.integers(0, len(rows)), label="rows stored before the refresh")
    first, late = rows[:split], rows[split:]
    conn.execute("TRUNCATE measures")
    write_measures(conn, first)
    refresh_all(conn)
    if data.draw(st.booleans(), label="compressed"):
        compress_all(conn)
    query = params(start, end, filters)
    # series_latest's watermark is the end of its last one-second bucket: the read takes
    # materialised rows if the range starts below it.
    materialised = bool(nodes and first) and start < max(r[1] for r in first) + SECOND

    as_of = data.draw(instants(history), label="as of")
    as_of_query = params(start, end, filters, collected_datetime=iso_instant(as_of))

    def read(rows: list[Row], *, from_series_latest: bool | None) -> None:
        before = latest_reads("series_latest")
        page = get_page(client, "/api/v1/measures", query)
        known = dataclasses.replace(history, rows=rows)
        assert as_rows(page) == expected_latest(known, nodes, start, end, None)
        if from_series_latest is not None:
            assert latest_reads("series_latest") - before == from_series_latest
        # As of a time: the materialised rows up to the first target revised after it.
        page = get_page(client, "/api/v1/measures", as_of_query)
        assert as_rows(page) == expected_latest(known, nodes, start, end, as_of)

    read(first, from_series_latest=materialised)
    if late:
        batch = [measure(*row) for row in late]
        assert client.post("/api/v1/measures", json=batch, headers=AUTH).status_code == 201
        read(first + late, from_series_latest=None)  # days queued below the watermark: measures
        drain(conn)
        read(first + late, from_series_latest=materialised or None)


@settings(max_examples=60)
@given(data=st.data(), history=histories())
def test_revisions_match_the_model(
    conn: psycopg.Connection,
    client: TestClient[Litestar],
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
    history: History,
) -> None:
    start, end, filters, nodes = loaded_query(conn, data, history)
    draw_read_path(monkeypatch, data)
    collected_from = data.draw(st.none() | instants(history))
    collected_to = data.draw(st.none() | instants(history))
    if collected_from and collected_to and collected_to < collected_from:
        collected_from, collected_to = collected_to, collected_from
    extra = {}
    if collected_from is not None:
        extra["collected_from"] = iso_instant(collected_from)
    if collected_to is not None:
        extra["collected_to"] = iso_instant(collected_to)
    want = [
        (node, node_name(node), target, collected, value)
        for node, target, collected, value in reference.revisions(
            history.rows, collected_from, collected_to
        )
        if node in nodes and start <= target <= end
    ]
    path = "/api/v1/measures/revisions"
    assert as_rows(get_page(client, path, params(start, end, filters, **extra))) == want
    compress_all(conn)
    assert as_rows(get_page(client, path, params(start, end, filters, **extra))) == want


T0 = datetime(2024, 3, 4, tzinfo=UTC)


def seed_one(conn: psycopg.Connection) -> None:
    """Node 1 ``n``: two revisions of T0 (the later 2.5) and one of T0 + 1 h (3.5)."""
    make_hierarchy(conn, {(1, "g"): {(1, "r"): [(1, "n")]}})
    conn.execute(
        "INSERT INTO measures VALUES (1, %s, %s, 1500), (1, %s, %s, 2500), (1, %s, %s, 3500)",
        (T0, T0 - timedelta(hours=12), T0, T0 - timedelta(hours=10), T0 + timedelta(hours=1), T0),
    )


def test_both_ends_are_inclusive_and_rows_carry_every_field(
    conn: psycopg.Connection, client: TestClient[Litestar]
) -> None:
    seed_one(conn)
    one_hour = T0 + timedelta(hours=1)
    response = client.get(
        "/api/v1/measures",
        params={"start_datetime": iso_instant(T0), "end_datetime": iso_instant(one_hour)},
    )
    assert response.status_code == 200
    assert response.json() == {
        "data": [
            {
                "node_id": 1,
                "node_name": "n",
                "series_id": 1,
                "kind": "load",
                "subtype": None,
                "unit": "MW",
                "timestamp_measured": "2024-03-04T00:00:00Z",
                "timestamp_collected": "2024-03-03T14:00:00Z",
                "value": 2.5,
                "quality": "good",
            },
            {
                "node_id": 1,
                "node_name": "n",
                "series_id": 1,
                "kind": "load",
                "subtype": None,
                "unit": "MW",
                "timestamp_measured": "2024-03-04T01:00:00Z",
                "timestamp_collected": "2024-03-04T00:00:00Z",
                "value": 3.5,
                "quality": "good",
            },
        ]
    }


@pytest.mark.parametrize(
    ("query", "key"),
    [
        (
            {"start_datetime": "2024-03-04T00:00:00", "end_datetime": "2024-03-05T00:00:00Z"},
            "start_datetime",
        ),
        (
            {"start_datetime": "2024-03-05T00:00:00Z", "end_datetime": "2024-03-04T00:00:00Z"},
            "end_datetime",
        ),
        (
            {"start_datetime": "2000-01-01T00:00:00Z", "end_datetime": "2024-03-04T00:00:00Z"},
            "end_datetime",
        ),
        (
            {
                "start_datetime": "2024-03-04T00:00:00Z",
                "end_datetime": "2024-03-05T00:00:00Z",
                "collected_datetime": "2024-03-04T00:00:00",
            },
            "collected_datetime",
        ),
    ],
    ids=["naive", "reversed", "too-wide", "naive-collected"],
)
def test_bad_ranges_are_422_naming_the_parameter(
    client: TestClient[Litestar], query: dict[str, str], key: str
) -> None:
    response = client.get("/api/v1/measures", params=query)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["status_code"] == 422
    assert body["extra"][0]["key"] == key


def test_unknown_ids_give_an_empty_result(
    conn: psycopg.Connection, client: TestClient[Litestar]
) -> None:
    seed_one(conn)
    for key in ("node_id", "region_id", "grid_id"):
        response = client.get(
            "/api/v1/measures",
            params={
                "start_datetime": iso_instant(T0),
                "end_datetime": iso_instant(T0),
                key: UNKNOWN,
            },
        )
        assert response.status_code == 200
        assert response.json() == {"data": []}


def test_answers_past_the_row_limit_are_422_saying_how_to_narrow(
    conn: psycopg.Connection, make_client: ClientFactory
) -> None:
    seed_one(conn)
    client = make_client(max_response_rows=1)
    query = {
        "start_datetime": iso_instant(T0),
        "end_datetime": iso_instant(T0 + timedelta(hours=1)),
    }
    response = client.get("/api/v1/measures", params=query)
    assert response.status_code == 422
    assert "more than 1 rows" in response.json()["detail"]
    assert "narrow" in response.json()["extra"][0]["message"]
    response = client.get("/api/v1/measures", params={**query, "end_datetime": iso_instant(T0)})
    assert response.status_code == 200


def test_a_reversed_collection_window_is_422(client: TestClient[Litestar]) -> None:
    response = client.get(
        "/api/v1/measures/revisions",
        params={
            "start_datetime": iso_instant(T0),
            "end_datetime": iso_instant(T0),
            "collected_from": iso_instant(T0),
            "collected_to": iso_instant(T0 - timedelta(seconds=1)),
        },
    )
    assert response.status_code == 422
    assert response.json()["extra"][0]["key"] == "collected_to"


def test_missing_range_is_rejected(client: TestClient[Litestar]) -> None:
    response = client.get("/api/v1/measures", params={"start_datetime": iso_instant(T0)})
    assert response.status_code == 400
    assert "end_datetime" in response.text
