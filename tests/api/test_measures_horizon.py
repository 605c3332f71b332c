"""``GET /api/v1/measures/horizon`` (``gridts.measures``): what was known a lead before each
target, or day-ahead (before a local time on the day before, across DST), against the model."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support import reference
from support.histories import History, around_dst, leads, reload, target_span
from support.read_paths import draw_read_path
from support.wire import iso_duration

if TYPE_CHECKING:
    import psycopg
    from litestar import Litestar
    from litestar.testing import TestClient

ZONES = ["Europe/Dublin", "America/New_York", "UTC"]
# Local times that exist exactly once on every day in those zones (none in a DST gap or overlap).
ISSUED = [time(0, 0), time(6, 0), time(12, 0), time(18, 30), time(23, 59)]


def as_model(data: list[dict[str, Any]]) -> dict[tuple[int, datetime], reference.Row]:
    return {
        (d["node_id"], datetime.fromisoformat(d["timestamp_measured"])): (
            d["node_id"],
            datetime.fromisoformat(d["timestamp_measured"]),
            datetime.fromisoformat(d["timestamp_collected"]),
            d["value"],
        )
        for d in data
    }


def every_node(
    history: History, monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> dict[str, Any]:
    """Every target's span; read as one statement, by naming every node, or not."""
    if draw_read_path(monkeypatch, data):
        return {**target_span(history), "node_id": sorted(history.region_of)}
    return target_span(history)


@settings(max_examples=40)
@given(data=st.data())
def test_horizon_with_a_lead_matches_the_model(
    client: TestClient[Litestar],
    conn: psycopg.Connection,
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
) -> None:
    history = data.draw(around_dst())
    lead = data.draw(leads(history))
    reload(conn, history)
    params = {**every_node(history, monkeypatch, data), "lead": iso_duration(lead)}
    response = client.get("/api/v1/measures/horizon", params=params)
    assert response.status_code == 200, response.text
    assert as_model(response.json()["data"]) == reference.horizon(history.rows, lead)


@settings(max_examples=40)
@given(data=st.data())
def test_day_ahead_form_matches_the_model_across_dst(
    client: TestClient[Litestar],
    conn: psycopg.Connection,
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
) -> None:
    history = data.draw(around_dst())
    issued = data.draw(st.sampled_from(ISSUED))
    zone = data.draw(st.sampled_from(ZONES))
    reload(conn, history)
    params = {
        **every_node(history, monkeypatch, data),
        "issued_before": issued.strftime("%H:%M"),
        "timezone": zone,
    }
    response = client.get("/api/v1/measures/horizon", params=params)
    assert response.status_code == 200, response.text
    assert as_model(response.json()["data"]) == reference.day_ahead(history.rows, issued, zone)


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ({}, "lead"),
        ({"lead": "PT1H", "issued_before": "12:00"}, "lead"),
        ({"lead": "soon"}, "lead"),
        ({"lead": "-PT1H"}, "lead"),
        ({"lead": "P1M"}, "lead"),
        ({"lead": "P9999D"}, "lead"),
        ({"issued_before": "12:00"}, "timezone"),
        ({"issued_before": "25:00", "timezone": "UTC"}, "issued_before"),
        ({"issued_before": "12:00", "timezone": "Mars/Olympus"}, "timezone"),
        ({"lead": "PT1H", "timezone": "UTC"}, "timezone"),
    ],
)
def test_bad_parameters_are_422_naming_them(
    client: TestClient[Litestar], extra: dict[str, str], key: str
) -> None:
    params = {"start_datetime": "2031-01-01T00:00:00Z", "end_datetime": "2031-01-02T00:00:00Z"}
    response = client.get("/api/v1/measures/horizon", params={**params, **extra})
    assert response.status_code == 422, response.text
    assert response.json()["extra"][0]["key"] == key
