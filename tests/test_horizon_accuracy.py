"""``/measures/horizon`` and ``/accuracy`` against the reference model, through HTTP."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import msgspec
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

import reference
from gridts.app import create_app
from histories import History, histories, load
from plugins.timescaledb import reset_database

if TYPE_CHECKING:
    from collections.abc import Iterator

    from litestar import Litestar

    from gridts.settings import Settings

# Bases around Europe/Dublin's DST changes of 2031 (30 March, 26 October) and a plain week.
BASES = [
    datetime(2031, 3, 28, tzinfo=UTC),
    datetime(2031, 10, 24, tzinfo=UTC),
    datetime(2031, 1, 6, tzinfo=UTC),
]
ZONES = ["Europe/Dublin", "America/New_York", "UTC"]
# Local times that exist exactly once on every day in those zones (none in a DST gap or overlap).
ISSUED = [time(0, 0), time(6, 0), time(12, 0), time(18, 30), time(23, 59)]


@pytest.fixture
def client(db: str, test_settings: Settings) -> Iterator[TestClient[Litestar]]:
    settings = dataclasses.replace(test_settings, rate_limit_per_minute=0)
    with TestClient(create_app(settings, database_url=db)) as client:
        yield client


def iso(value: timedelta) -> str:
    text: str = msgspec.json.decode(msgspec.json.encode(value))
    return text


def span(history: History) -> dict[str, str]:
    targets = [row[1] for row in history.rows] or [history.base]
    return {
        "start_datetime": min(targets).isoformat(),
        "end_datetime": max(targets).isoformat(),
    }


@st.composite
def loaded(draw: st.DrawFn) -> History:
    history = draw(histories(max_targets=10))
    history.materialise(draw(st.sampled_from(BASES)))
    return history


@st.composite
def leads(draw: st.DrawFn, history: History) -> timedelta:
    """Leads before, at and after revisions: exact target - collected gaps, and round values."""
    exact = [row[1] - row[2] for row in history.rows if row[1] >= row[2]]
    round_ = st.sampled_from(
        [
            timedelta(0),
            timedelta(minutes=15),
            timedelta(hours=1),
            timedelta(hours=12),
            timedelta(days=1),
            timedelta(days=3),
        ]
    )
    value = draw(st.sampled_from(exact) | round_ if exact else round_)
    nudge = draw(
        st.sampled_from([timedelta(0), timedelta(milliseconds=1), -timedelta(milliseconds=1)])
    )
    return max(value + nudge, timedelta(0))


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


@settings(max_examples=40)
@given(data=st.data())
def test_horizon_with_a_lead_matches_the_model(
    client: TestClient[Litestar], db: str, data: st.DataObject
) -> None:
    history = data.draw(loaded())
    lead = data.draw(leads(history))
    reset_database(db)
    with psycopg.connect(db, autocommit=True) as conn:
        load(conn, history)
    response = client.get("/api/v1/measures/horizon", params={**span(history), "lead": iso(lead)})
    assert response.status_code == 200, response.text
    assert as_model(response.json()["data"]) == reference.horizon(history.rows, lead)


@settings(max_examples=40)
@given(data=st.data())
def test_day_ahead_form_matches_the_model_across_dst(
    client: TestClient[Litestar], db: str, data: st.DataObject
) -> None:
    history = data.draw(loaded())
    issued = data.draw(st.sampled_from(ISSUED))
    zone = data.draw(st.sampled_from(ZONES))
    reset_database(db)
    with psycopg.connect(db, autocommit=True) as conn:
        load(conn, history)
    params = {**span(history), "issued_before": issued.strftime("%H:%M"), "timezone": zone}
    response = client.get("/api/v1/measures/horizon", params=params)
    assert response.status_code == 200, response.text
    assert as_model(response.json()["data"]) == reference.day_ahead(history.rows, issued, zone)


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=40)
@given(data=st.data())
def test_accuracy_matches_the_model_at_every_level(
    client: TestClient[Litestar], db: str, data: st.DataObject
) -> None:
    history = data.draw(loaded())
    chosen = data.draw(st.lists(leads(history), min_size=1, max_size=4))
    level = data.draw(st.sampled_from(["node", "region", "grid"]))
    final = data.draw(st.sampled_from(["latest", "at_target"]))
    daily = data.draw(st.booleans())
    reset_database(db)
    with psycopg.connect(db, autocommit=True) as conn:
        load(conn, history)
    params: dict[str, Any] = {
        **span(history),
        "level": level,
        "lead": [iso(lead) for lead in chosen],
        "final": final,
    }
    if daily:
        params["bucket"] = "1d"
    response = client.get("/api/v1/accuracy", params=params)
    assert response.status_code == 200, response.text
    entity_of = {
        "node": {n: n for n in history.region_of},
        "region": history.region_of,
        "grid": history.grid_of_node(),
    }[level]
    expected = reference.accuracy(history.rows, entity_of, sorted(set(chosen)), final, daily=daily)
    got = {
        (
            row["id"],
            msgspec.convert(row["lead"], timedelta),
            datetime.fromisoformat(row["bucket"]) if row["bucket"] else None,
        ): row
        for row in response.json()["data"]
    }
    assert set(got) == set(expected)
    for key, errors in expected.items():
        row = got[key]
        assert row["count"] == errors.count
        for name in ("bias", "mae", "rmse", "mape"):
            assert close(row[name], getattr(errors, name)), (key, name, row, errors)


def test_accuracy_of_a_known_case(client: TestClient[Litestar], conn: psycopg.Connection) -> None:
    """Two nodes of one region; forecasts 12 h ahead off by +10 and -4, finals 100 and 50."""
    conn.execute("INSERT INTO grid (id, name) VALUES (1, 'G')")
    conn.execute("INSERT INTO grid_region (id, grid_id, name) VALUES (1, 1, 'R')")
    conn.execute("INSERT INTO grid_node (id, region_id, name) VALUES (1, 1, 'a'), (2, 1, 'b')")
    t = datetime(2031, 5, 1, 12, tzinfo=UTC)
    rows = [
        (1, t, t - timedelta(hours=12), 110.0),
        (1, t, t - timedelta(hours=1), 100.0),
        (2, t, t - timedelta(hours=12), 46.0),
        (2, t, t - timedelta(hours=1), 50.0),
    ]
    with conn.cursor().copy("COPY measures FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    params = {
        "start_datetime": t.isoformat(),
        "end_datetime": t.isoformat(),
        "lead": ["PT12H", "PT24H"],
    }
    nodes = client.get("/api/v1/accuracy", params={**params, "level": "node"}).json()["data"]
    assert [(r["id"], r["lead"], r["count"], r["bias"], r["mae"]) for r in nodes] == [
        (1, "PT43200S", 1, 10.0, 10.0),
        (2, "PT43200S", 1, -4.0, 4.0),
    ]
    assert nodes[0]["mape"] == pytest.approx(10.0)
    region = client.get("/api/v1/accuracy", params={**params, "level": "region"}).json()
    assert region["final"] == "latest"
    assert [(r["id"], r["count"], r["bias"], r["mae"], r["rmse"]) for r in region["data"]] == [
        (1, 1, 6.0, 6.0, 6.0)
    ]
    assert region["data"][0]["mape"] == pytest.approx(4.0)


@pytest.mark.parametrize(
    ("path", "extra", "key"),
    [
        ("/api/v1/measures/horizon", {}, "lead"),
        ("/api/v1/measures/horizon", {"lead": "PT1H", "issued_before": "12:00"}, "lead"),
        ("/api/v1/measures/horizon", {"lead": "soon"}, "lead"),
        ("/api/v1/measures/horizon", {"lead": "-PT1H"}, "lead"),
        ("/api/v1/measures/horizon", {"lead": "P1M"}, "lead"),
        ("/api/v1/measures/horizon", {"lead": "P9999D"}, "lead"),
        ("/api/v1/measures/horizon", {"issued_before": "12:00"}, "timezone"),
        (
            "/api/v1/measures/horizon",
            {"issued_before": "25:00", "timezone": "UTC"},
            "issued_before",
        ),
        (
            "/api/v1/measures/horizon",
            {"issued_before": "12:00", "timezone": "Mars/Olympus"},
            "timezone",
        ),
        ("/api/v1/measures/horizon", {"lead": "PT1H", "timezone": "UTC"}, "timezone"),
        ("/api/v1/accuracy", {"level": "grid", "lead": "nope"}, "lead"),
        ("/api/v1/accuracy", {"level": "grid", "lead": "-1"}, "lead"),
    ],
)
def test_bad_parameters_are_422_naming_them(
    client: TestClient[Litestar], path: str, extra: dict[str, str], key: str
) -> None:
    params = {"start_datetime": "2031-01-01T00:00:00Z", "end_datetime": "2031-01-02T00:00:00Z"}
    response = client.get(path, params={**params, **extra})
    assert response.status_code == 422, response.text
    assert response.json()["extra"][0]["key"] == key


def test_bad_level_or_final_is_400(client: TestClient[Litestar]) -> None:
    params = {"start_datetime": "2031-01-01T00:00:00Z", "end_datetime": "2031-01-02T00:00:00Z"}
    assert client.get("/api/v1/accuracy", params={**params, "level": "planet"}).status_code == 400
    bad_final = {**params, "level": "grid", "final": "eventually"}
    assert client.get("/api/v1/accuracy", params=bad_final).status_code == 400
