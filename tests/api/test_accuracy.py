"""``GET /api/v1/accuracy`` (``gridts.accuracy``): errors of the value known a lead before each
target against its final value, per node, region or grid, against the model and a known case."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Context
from fractions import Fraction
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import msgspec
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from support import series_model as model
from support.db import make_hierarchy, reset_database, write_measures
from support.read_paths import split_reads
from support.wire import iso_duration

if TYPE_CHECKING:
    import psycopg
    from litestar import Litestar
    from litestar.testing import TestClient


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), world=model.worlds())
def test_accuracy_matches_the_model_at_every_level(
    client: TestClient[Litestar], conn: psycopg.Connection, data: st.DataObject, world: model.World
) -> None:
    model.load(conn, world)
    exact = [row[1] - row[2] for row in world.rows if row[1] >= row[2]]
    round_ = st.sampled_from([timedelta(0), timedelta(hours=1), timedelta(hours=12), model.DAY])
    lead = (st.sampled_from(exact) | round_) if exact else round_
    chosen_leads = data.draw(st.lists(lead, min_size=1, max_size=4))
    level = data.draw(st.sampled_from(["node", "region", "grid"]))
    final = data.draw(st.sampled_from(["latest", "at_target"]))
    daily = data.draw(st.booleans())
    timezone = data.draw(st.none() | st.sampled_from(model.ZONES))
    kinds = data.draw(st.none() | st.lists(st.sampled_from(["load", "generation", "price"])))
    targets = [row[1] for row in world.rows] or [world.base]
    params: dict[str, Any] = {
        "start_datetime": min(targets).isoformat(),
        "end_datetime": max(targets).isoformat(),
        "level": level,
        "lead": [iso_duration(lead) for lead in chosen_leads],
        "final": final,
    }
    if daily:
        params["bucket"] = "1d"
    if timezone:
        params["timezone"] = timezone
    if kinds:
        params["kind"] = kinds
    response = client.get("/api/v1/accuracy", params=params)
    assert response.status_code == 200, response.text
    chosen = {
        s.id
        for s in world.series.values()
        if (s.kind in kinds if kinds else (s.kind == "load" and s.subtype is None))
    }
    expected = model.accuracy(
        world, level, chosen, sorted(set(chosen_leads)), final, daily=daily, timezone=timezone
    )
    got = {
        (
            row["id"],
            row["kind"],
            row["subtype"],
            row.get("series_id"),
            msgspec.convert(row["lead"], timedelta),
            datetime.fromisoformat(row["bucket"]) if row["bucket"] else None,
        ): row
        for row in response.json()["data"]
    }
    assert set(got) == set(expected)
    event(f"{level}, daily={daily}: {'rows' if got else 'empty'}")
    for key, errors in expected.items():
        row = got[key]
        assert row["count"] == errors.count
        assert row["unit"] == model.KINDS[row["kind"]][0]
        if daily:  # local midnight, written with the zone's offset
            assert row["bucket"] == key[5].isoformat().replace("+00:00", "Z"), row
        for name in ("bias", "mae", "rmse", "mape"):
            assert close(row[name], getattr(errors, name)), (key, name, row, errors)


@settings(max_examples=20, deadline=None)
@given(data=st.data(), world=model.worlds())
def test_answers_do_not_depend_on_how_the_work_is_cut(
    client: TestClient[Litestar], conn: psycopg.Connection, data: st.DataObject, world: model.World
) -> None:
    """A wide request reads its series in batches, answers each batch's finished groups, and
    folds a group's per-series totals as they come (to bound its memory): a query per series
    and a fold after every series give the same answer as one query and one fold.

    A batch of more than one series is read over two connections (``gridts.db.split``), a batch
    of one on the request's own: the one query is split, the query per series is not."""
    model.load(conn, world)
    level = data.draw(st.sampled_from(["node", "region", "grid"]))
    targets = [row[1] for row in world.rows] or [world.base]
    params: dict[str, Any] = {
        "start_datetime": min(targets).isoformat(),
        "end_datetime": max(targets).isoformat(),
        "level": level,
        "lead": ["PT1H", "PT12H"],
        "kind": ["load", "generation", "price"],
        "final": data.draw(st.sampled_from(["latest", "at_target"])),
    }
    if data.draw(st.booleans()):  # daily
        params["bucket"] = "1d"
    before = split_reads(2)
    whole = client.get("/api/v1/accuracy", params=params)
    assert split_reads(2) - before == (len(world.series) > 1)
    with (
        patch("gridts.accuracy.service._PENDING", 1),
        patch("gridts.accuracy.service._BATCH_TARGETS", 1),
    ):
        cut = client.get("/api/v1/accuracy", params=params)
    assert split_reads(2) - before == (len(world.series) > 1)
    assert whole.status_code == cut.status_code == 200, whole.text
    assert cut.json() == whole.json()
    event(f"{level}: {'rows' if whole.json()['data'] else 'empty'}")


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
    assert [(r["series_id"], r["kind"], r["subtype"], r["unit"]) for r in nodes] == [
        (1, "load", None, "MW"),
        (2, "load", None, "MW"),
    ]
    assert nodes[0]["mape"] == pytest.approx(10.0)
    region = client.get("/api/v1/accuracy", params={**params, "level": "region"}).json()
    assert region["final"] == "latest"
    assert [(r["id"], r["count"], r["bias"], r["mae"], r["rmse"]) for r in region["data"]] == [
        (1, 1, 6.0, 6.0, 6.0)
    ]
    assert region["data"][0]["mape"] == pytest.approx(4.0)


#: A forecast and its final in thousandths of a MW (the load kind's scale: three decimals, as
#: sent), the forecast a few MW off: errors of a few units, whose means in numerics of 16
#: decimals have 17 significant digits, not always enough for the nearest float.
_FINAL_AND_FORECAST = st.tuples(st.integers(-100_000, 100_000), st.integers(-5_000, 5_000)).map(
    lambda pair: (pair[0] + pair[1], pair[0])
)


def _nearest_sqrt(value: Fraction) -> float:
    """The float nearest the square root of ``value`` (60 significant digits, then rounded)."""
    context = Context(prec=60)
    return float(context.divide(value.numerator, value.denominator).sqrt(context))


@settings(max_examples=60, deadline=None)
@given(
    targets=st.lists(
        st.lists(_FINAL_AND_FORECAST, min_size=3, max_size=3),
        min_size=1,
        max_size=30,
    )
)
def test_statistics_are_the_floats_nearest_the_exact_values(
    client: TestClient[Litestar], conn: psycopg.Connection, targets: list[list[tuple[int, int]]]
) -> None:
    """Bias, MAE, RMSE and MAPE of a region's totals are exact until rounded once to a float.

    Values are integers of the kind's unit, so each error is an exact rational; an answer
    computed in float8, or in numerics of 16 significant digits, is off in the last digit for
    some of them (the days of ``bench/accuracy_year.py``'s year: 14 biases and 2 MAEs of 365).
    """
    reset_database(conn)
    make_hierarchy(conn, {(1, "G"): {(1, "R"): [(1, "a"), (2, "b"), (3, "c")]}})
    t0 = datetime(2031, 5, 1, tzinfo=UTC)
    rows = []
    errors: list[tuple[int, int]] = []  # (forecast total - final total, final total) per target
    for hour, values in enumerate(targets):
        t = t0 + timedelta(hours=hour)
        for node, (forecast, final) in enumerate(values, start=1):
            rows.append((node, t, t - timedelta(hours=12), forecast / 1000))
            rows.append((node, t, t - timedelta(hours=1), final / 1000))
        finals = sum(final for _, final in values)
        errors.append((sum(forecast for forecast, _ in values) - finals, finals))
    write_measures(conn, rows)
    params = {
        "start_datetime": t0.isoformat(),
        "end_datetime": (t0 + timedelta(hours=len(targets))).isoformat(),
        "lead": "PT12H",
        "level": "region",
    }
    response = client.get("/api/v1/accuracy", params=params)
    assert response.status_code == 200, response.text
    [row] = response.json()["data"]
    n = len(errors)
    assert row["count"] == n
    assert row["bias"] == float(Fraction(sum(e for e, _ in errors), n * 1000))
    assert row["mae"] == float(Fraction(sum(abs(e) for e, _ in errors), n * 1000))
    assert row["rmse"] == _nearest_sqrt(Fraction(sum(e * e for e, _ in errors), n * 1000**2))
    ratios = [Fraction(abs(e), abs(final)) for e, final in errors if final]
    if ratios:
        assert row["mape"] == float(100 * sum(ratios) / len(ratios))
    else:
        assert row["mape"] is None


@settings(max_examples=30, deadline=None)
@given(
    data=st.data(),
    magnitude=st.sampled_from([10**12, 3 * 10**18]),
    mean=st.booleans(),
)
def test_statistics_of_values_near_the_integer_limits_are_exact(
    client: TestClient[Litestar],
    conn: psycopg.Connection,
    data: st.DataObject,
    magnitude: int,
    mean: bool,
) -> None:
    """Stored integers up to 3e18 units: totals, errors and squares past int64, still exact.

    10**12 units make the squares of a region's errors pass 2**63; 3 * 10**18 its totals and
    errors too (and their quotients pass 2**53, where floats are no longer exact).
    """
    reset_database(conn)
    make_hierarchy(conn, {(1, "G"): {(1, "R"): [(1, "a"), (2, "b"), (3, "c")]}})
    kind = "price" if mean else "load"  # price averages across nodes: totals over the count
    if mean:
        for node in (1, 2, 3):
            conn.execute("INSERT INTO series (node_id, kind) VALUES (%s, 'price')", (node,))
    series = [
        row[0]
        for row in conn.execute("SELECT id FROM series WHERE kind = %s ORDER BY node_id", (kind,))
    ]
    value = st.integers(-magnitude, magnitude)
    targets = data.draw(
        st.lists(st.lists(st.tuples(value, value), min_size=3, max_size=3), max_size=8)
    )
    t0 = datetime(2031, 5, 1, tzinfo=UTC)
    errors: list[tuple[Fraction, int]] = []  # (forecast total - final total) / divisor, final
    with conn.transaction():
        for hour, values in enumerate(targets):
            t = t0 + timedelta(hours=hour)
            for series_id, (forecast, final) in zip(series, values, strict=True):
                for ahead, stored in ((12, forecast), (1, final)):
                    conn.execute(
                        "INSERT INTO measures (series_id, timestamp_measured, "
                        "timestamp_collected, value) VALUES (%s, %s, %s, %s)",
                        (series_id, t, t - timedelta(hours=ahead), stored),
                    )
            finals = sum(final for _, final in values)
            diff = sum(forecast for forecast, _ in values) - finals
            errors.append((Fraction(diff, 3 if mean else 1), finals))
    scale = conn.execute("SELECT scale FROM kind WHERE name = %s", (kind,)).fetchone()
    assert scale is not None
    params = {
        "start_datetime": t0.isoformat(),
        "end_datetime": (t0 + timedelta(hours=max(len(targets), 1))).isoformat(),
        "lead": "PT12H",
        "level": "region",
        "kind": kind,
    }
    response = client.get("/api/v1/accuracy", params=params)
    assert response.status_code == 200, response.text
    rows = response.json()["data"]
    if not errors:
        assert rows == []
        return
    [row] = rows
    n, units = len(errors), scale[0]
    assert row["count"] == n
    assert row["bias"] == float(sum(e for e, _ in errors) / (n * units))
    assert row["mae"] == float(sum(abs(e) for e, _ in errors) / (n * units))
    assert row["rmse"] == _nearest_sqrt(sum(e * e for e, _ in errors) / (n * units**2))
    ratios = [abs(e) / abs(final) * (3 if mean else 1) for e, final in errors if final]
    if ratios:
        assert row["mape"] == float(100 * sum(ratios) / len(ratios))
    else:
        assert row["mape"] is None


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
