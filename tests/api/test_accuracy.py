"""``GET /api/v1/accuracy`` (``gridts.accuracy``): errors of the value known a lead before each
target against its final value, per node, region or grid, against the model and a known case."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support import reference
from support.db import make_hierarchy, write_measures
from support.histories import around_dst, leads, reload, target_span
from support.wire import iso_duration

if TYPE_CHECKING:
    import psycopg
    from litestar import Litestar
    from litestar.testing import TestClient


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=40)
@given(data=st.data())
def test_accuracy_matches_the_model_at_every_level(
    client: TestClient[Litestar], conn: psycopg.Connection, data: st.DataObject
) -> None:
    history = data.draw(around_dst())
    chosen = data.draw(st.lists(leads(history), min_size=1, max_size=4))
    level = data.draw(st.sampled_from(["node", "region", "grid"]))
    final = data.draw(st.sampled_from(["latest", "at_target"]))
    daily = data.draw(st.booleans())
    reload(conn, history)
    params: dict[str, Any] = {
        **target_span(history),
        "level": level,
        "lead": [iso_duration(lead) for lead in chosen],
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
    make_hierarchy(conn, {(1, "G"): {(1, "R"): [(1, "a"), (2, "b")]}})
    t = datetime(2031, 5, 1, 12, tzinfo=UTC)
    rows = [
        (1, t, t - timedelta(hours=12), 110.0),
        (1, t, t - timedelta(hours=1), 100.0),
        (2, t, t - timedelta(hours=12), 46.0),
        (2, t, t - timedelta(hours=1), 50.0),
    ]
    write_measures(conn, rows)
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
    ("extra", "key"),
    [
        ({"level": "grid", "lead": "nope"}, "lead"),
        ({"level": "grid", "lead": "-1"}, "lead"),
    ],
)
def test_bad_parameters_are_422_naming_them(
    client: TestClient[Litestar], extra: dict[str, str], key: str
) -> None:
    params = {"start_datetime": "2031-01-01T00:00:00Z", "end_datetime": "2031-01-02T00:00:00Z"}
    response = client.get("/api/v1/accuracy", params={**params, **extra})
    assert response.status_code == 422, response.text
    assert response.json()["extra"][0]["key"] == key


def test_bad_level_or_final_is_400(client: TestClient[Litestar]) -> None:
    params = {"start_datetime": "2031-01-01T00:00:00Z", "end_datetime": "2031-01-02T00:00:00Z"}
    assert client.get("/api/v1/accuracy", params={**params, "level": "planet"}).status_code == 400
    bad_final = {**params, "level": "grid", "final": "eventually"}
    assert client.get("/api/v1/accuracy", params=bad_final).status_code == 400
