"""``GET /api/v1/rollups`` (``gridts.rollups``) against the reference model, at every level and
resolution, over several series per node; and the ``resolution=auto`` routing as the answer
reports it.

Each example is a random world (``support.series_model``): grids in zones with DST changes and a
half-hour offset, nodes with load, generation by fuel and a price, revisions of random quality.
It is checked four times: with nothing materialised (every continuous aggregate answers in real
time from raw data), with only the first day refreshed, after a full ``refresh_all``, and with
every chunk of ``measures`` compressed. Each request draws its own filters, ``quality``,
``timezone`` and as-of time.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from gridts.refresh import day_window, refresh_all
from gridts.rollups.days import whole_hour_midnights
from gridts.rollups.schemas import RollupPage
from support import series_model as model
from support.db import compress_all, make_hierarchy, write_series_measures

if TYPE_CHECKING:
    import psycopg
    from litestar import Litestar
    from litestar.testing import TestClient

T = TypeVar("T")
HOUR = timedelta(hours=1)
LEVELS = ("node", "region", "grid")
RESOLUTIONS = ("raw", "1h", "1d")
UNKNOWN = 99


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def same(
    got: RollupPage,
    want: dict[model.Key, model.Stats | tuple[float | None, ...]],
    world: model.World,
) -> None:
    """The page holds exactly the model's rows, in order, with the model's figures; a tuple in
    ``want`` is a filled bucket's (avg, min, max, sum)."""
    keys = [(r.id, r.kind, r.subtype, r.series_id, r.bucket) for r in got.data]
    order = sorted(want, key=lambda k: (k[0], k[1], k[2] is not None, k[2] or "", k[4]))
    assert keys == order
    for row in got.data:
        stats = want[(row.id, row.kind, row.subtype, row.series_id, row.bucket)]
        if isinstance(stats, tuple):
            assert (row.filled, row.count, row.estimated) == (True, 0, 0), row
            for name, value in zip(("avg", "min", "max", "sum"), stats, strict=True):
                got_value = getattr(row, name)
                assert (got_value is None) == (value is None), (row, stats)
                assert value is None or close(got_value, value), (row, stats)
            continue
        assert not row.filled
        for name in ("avg", "min", "max", "sum"):
            assert close(getattr(row, name), getattr(stats, name)), (row, stats)
        assert (row.count, row.estimated, row.nodes) == (stats.count, stats.estimated, stats.nodes)
        assert row.unit == model.KINDS[row.kind][0]
        if got.resolution == "1d":
            # Written at local midnight with the zone's offset, not as a UTC instant.
            assert row.bucket.isoformat() == stats_bucket(want, row).isoformat()


def stats_bucket(want: dict[model.Key, Any], row: Any) -> datetime:
    return next(
        k[4]
        for k in want
        if k[:4] == (row.id, row.kind, row.subtype, row.series_id) and k[4] == row.bucket
    )


def get_rollup(client: TestClient[Litestar], query: dict[str, Any]) -> RollupPage:
    response = client.get("/api/v1/rollups", params=query)
    assert response.status_code == 200, response.text
    return msgspec.json.decode(response.content, type=RollupPage)


def sometimes(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    """``None`` three times in four: most requests leave a parameter out."""
    return st.sampled_from([False, False, False, True]).flatmap(
        lambda given: strategy if given else st.none()
    )


@st.composite
def requests(
    draw: st.DrawFn, world: model.World, level: str
) -> tuple[dict[str, Any], set[int], datetime | None, bool, str | None]:
    """Query parameters for one read, and what they mean: the series chosen, as of, good only,
    zone override."""
    instants = st.integers(-86_400, 4 * 86_400).map(lambda s: world.base + timedelta(seconds=s))
    a, b = draw(instants), draw(instants)
    if draw(st.booleans()):  # often the whole span, so most answers hold rows
        a, b = world.base - model.DAY, world.base + 4 * model.DAY
    query: dict[str, Any] = {
        "start_datetime": min(a, b).isoformat(),
        "end_datetime": max(a, b).isoformat(),
        "level": level,
    }
    entities = {
        "node": sorted(world.region_of),
        "region": sorted(world.grid_of_region),
        "grid": sorted(world.zone_of_grid),
    }[level]
    ids = draw(sometimes(st.lists(st.sampled_from([*entities, UNKNOWN]), min_size=1)))
    if ids is not None:
        query["id"] = ids
    kinds = draw(
        sometimes(
            st.lists(st.sampled_from(["load", "generation", "price"]), min_size=1, max_size=2)
        )
    )
    subtypes = draw(sometimes(st.lists(st.sampled_from(["wind", "solar"]), min_size=1, max_size=2)))
    series_ids = None
    if level == "node":
        series_ids = draw(
            sometimes(st.lists(st.sampled_from([*world.series, UNKNOWN]), min_size=1, max_size=3))
        )
    named = {"kind": kinds, "subtype": subtypes, "series_id": series_ids}
    query.update({key: value for key, value in named.items() if value is not None})
    as_of = draw(sometimes(instants))
    if as_of is not None:
        query["collected_datetime"] = as_of.isoformat()
    good_only = draw(sometimes(st.just("good"))) is not None
    if good_only:
        query["quality"] = "good"
    timezone = draw(sometimes(st.sampled_from(model.ZONES)))
    if timezone is not None:
        query["timezone"] = timezone
    chosen = {
        s.id
        for s in world.series.values()
        if (kinds or subtypes or series_ids or (s.kind == "load" and s.subtype is None))
        and (kinds is None or s.kind in kinds)
        and (subtypes is None or s.subtype in subtypes)
        and (series_ids is None or s.id in series_ids)
        and (ids is None or world.entity(level, s.id) in ids)
    }
    return query, chosen, as_of, good_only, timezone


def expected_source(
    world: model.World, level: str, resolution: str, query: dict[str, Any], chosen: set[int]
) -> str:
    if "collected_datetime" in query:
        return "measures (as of)"
    hourly = "series_1h" if level == "node" else f"{level}_1h"
    if resolution == "raw" or "quality" in query:
        return "series_latest"
    if resolution == "1h":
        return hourly
    ids = query.get("id")
    if "timezone" in query:
        zones = {query["timezone"]}
    elif level == "node":
        zones = {world.zone(sid, None) for sid in chosen}
    elif level == "region":
        zones = {
            world.zone_of_grid[grid]
            for region, grid in world.grid_of_region.items()
            if ids is None or region in ids
        }
    else:
        zones = {zone for grid, zone in world.zone_of_grid.items() if ids is None or grid in ids}
    start = datetime.fromisoformat(query["start_datetime"])
    end = datetime.fromisoformat(query["end_datetime"])
    return hourly if whole_hour_midnights(zones, start, end) else "series_latest"


def zone_of_entity(world: model.World, level: str, entity: int, series_id: int | None) -> str:
    if level == "node":
        assert series_id is not None
        return world.zone(series_id, None)
    grid = world.grid_of_region[entity] if level == "region" else entity
    return world.zone_of_grid[grid]


@settings(max_examples=40, deadline=None)
@given(data=st.data(), world=model.worlds())
def test_every_level_and_resolution_matches_the_model_before_and_after_refresh(
    conn: psycopg.Connection, client: TestClient[Litestar], data: st.DataObject, world: model.World
) -> None:
    model.load(conn, world)
    states = ("nothing materialised", "first day materialised", "all materialised", "compressed")
    for state in states:
        if state == "first day materialised":
            refresh_all(conn, *day_window(world.base, world.base))
        elif state == "all materialised":
            refresh_all(conn)
        elif state == "compressed":
            compress_all(conn)
        for level in LEVELS:
            for resolution in RESOLUTIONS:
                query, chosen, as_of, good_only, timezone = data.draw(requests(world, level))
                query["resolution"] = resolution
                fill = "none"
                if resolution != "raw":
                    fill = data.draw(
                        st.sampled_from(["none", "none", "null", "previous", "linear"])
                    )
                    query["fill"] = fill
                page = get_rollup(client, query)
                start = datetime.fromisoformat(query["start_datetime"])
                end = datetime.fromisoformat(query["end_datetime"])
                want = {
                    key: stats
                    for key, stats in model.rollups(
                        world,
                        level,
                        resolution,
                        chosen=chosen,
                        as_of=as_of,
                        good_only=good_only,
                        timezone=timezone,
                    ).items()
                    if start <= key[4] <= end
                }
                if fill != "none":
                    zone_of = {
                        key[:4]: (
                            None
                            if resolution == "1h"
                            else timezone or zone_of_entity(world, level, key[0], key[3])
                        )
                        for key in want
                    }
                    want = model.filled(want, fill, start, end, zone_of)  # type: ignore[assignment]
                assert (page.level, page.resolution) == (level, resolution)
                if (chosen and level == "node") or page.data:
                    source = expected_source(world, level, resolution, query, chosen)
                    assert page.source == source, (state, query)
                same(page, want, world)
                event(f"{resolution} from {page.source}: {'rows' if page.data else 'empty'}")


T0 = datetime(2024, 3, 4, tzinfo=UTC)


def seed(conn: psycopg.Connection) -> None:
    """Nodes 1 and 2 of region 1, grid 1: hourly values 10 and 20 for 100 days from T0."""
    make_hierarchy(conn, {(1, "g"): {(1, "r"): [(1, "a"), (2, "b")]}})
    conn.execute(
        "INSERT INTO measures SELECT n, t, t - interval '1 hour', n * 10 * 1000 "
        "FROM generate_series(1, 2) n, "
        "generate_series(%s::timestamptz, %s::timestamptz, interval '1 hour') t",
        (T0, T0 + timedelta(days=100)),
    )


@pytest.mark.parametrize(
    ("width", "max_points", "resolution", "source"),
    [
        (timedelta(days=3), None, "raw", "series_latest"),
        (timedelta(days=3, seconds=1), None, "1h", "region_1h"),
        (timedelta(days=62), None, "1h", "region_1h"),
        (timedelta(days=62, seconds=1), None, "1d", "region_1h"),
        (timedelta(hours=10), 11, "1h", "region_1h"),  # 15-minute estimate: 41 points > 11
        (timedelta(hours=10), 41, "raw", "series_latest"),
        (timedelta(days=10), 100, "1d", "region_1h"),
    ],
)
def test_auto_routes_by_width_and_max_points_and_says_so(
    *,
    conn: psycopg.Connection,
    client: TestClient[Litestar],
    width: timedelta,
    max_points: int | None,
    resolution: str,
    source: str,
) -> None:
    seed(conn)
    query: dict[str, Any] = {
        "start_datetime": T0.isoformat(),
        "end_datetime": (T0 + width).isoformat(),
        "level": "region",
    }
    if max_points is not None:
        query["max_points"] = max_points
    page = get_rollup(client, query)
    assert (page.resolution, page.source) == (resolution, source)
    assert page.data
    assert all(row.nodes == 2 for row in page.data)
    if max_points is not None:
        assert len(page.data) <= max_points


def test_region_total_at_raw_resolution_sums_its_nodes(
    conn: psycopg.Connection, client: TestClient[Litestar]
) -> None:
    seed(conn)
    response = client.get(
        "/api/v1/rollups",
        params={
            "start_datetime": T0.isoformat(),
            "end_datetime": T0.isoformat(),
            "level": "grid",
        },
    )
    assert response.status_code == 200
    assert response.json() == {
        "level": "grid",
        "resolution": "raw",
        "source": "series_latest",
        "data": [
            {
                "id": 1,
                "bucket": "2024-03-04T00:00:00Z",
                "avg": 30.0,
                "min": 30.0,
                "max": 30.0,
                "sum": 30.0,
                "count": 1,
                "kind": "load",
                "subtype": None,
                "unit": "MW",
                "estimated": 0,
                "nodes": 2,
            }
        ],
    }


@pytest.mark.parametrize(
    ("level", "key"),
    [
        ("region", "node_id"),
        ("grid", "region_id"),
        ("grid", "node_id"),
        ("region", "series_id"),
        ("grid", "series_id"),
    ],
)
def test_filters_below_the_level_are_422(
    client: TestClient[Litestar], level: str, key: str
) -> None:
    response = client.get(
        "/api/v1/rollups",
        params={
            "start_datetime": T0.isoformat(),
            "end_datetime": T0.isoformat(),
            "level": level,
            key: 1,
        },
    )
    assert response.status_code == 422
    assert response.json()["extra"][0]["key"] == key


def test_unknown_level_or_resolution_is_rejected(client: TestClient[Litestar]) -> None:
    base = {"start_datetime": T0.isoformat(), "end_datetime": T0.isoformat()}
    assert client.get("/api/v1/rollups", params={**base, "level": "city"}).status_code == 400
    response = client.get("/api/v1/rollups", params={**base, "level": "node", "resolution": "5m"})
    assert response.status_code == 400


def test_an_unknown_timezone_is_422(client: TestClient[Litestar]) -> None:
    base = {"start_datetime": T0.isoformat(), "end_datetime": T0.isoformat(), "level": "grid"}
    response = client.get("/api/v1/rollups", params={**base, "timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert response.json()["extra"][0]["key"] == "timezone"


def two_days(conn: psycopg.Connection, zone: str, first: datetime) -> None:
    """Grid 1 in ``zone``: node 1 (load 10 MW, price 40 + hour of day EUR/MWh) and node 2 (load
    20 MW, price 60), hourly for three days from ``first``."""
    make_hierarchy(conn, {(1, "g"): {(1, "r"): [(1, "a"), (2, "b")]}})
    conn.execute("UPDATE grid SET timezone = %s", (zone,))
    for node in (1, 2):
        conn.execute("INSERT INTO series (node_id, kind) VALUES (%s, 'price')", (node,))
    conn.execute(
        "INSERT INTO measures (series_id, timestamp_measured, timestamp_collected, value) "
        "SELECT s.id, t, t, 1000 * CASE s.kind WHEN 'load' THEN s.node_id * 10 "
        "  ELSE 40 + 20 * (s.node_id - 1) END "
        "FROM series s, generate_series(%s::timestamptz, %s::timestamptz - interval '1 hour', "
        "interval '1 hour') t",
        (first, first + timedelta(days=3)),
    )


@pytest.mark.parametrize(
    ("zone", "first", "days"),
    [
        # Europe/Dublin: GMT to IST on 2031-03-30 (23 h), back on 2031-10-26 (25 h).
        (
            "Europe/Dublin",
            datetime(2031, 3, 29, tzinfo=UTC),
            [("2031-03-29T00:00:00+00:00", 24), ("2031-03-30T00:00:00+00:00", 23)],
        ),
        (
            "Europe/Dublin",
            datetime(2031, 10, 24, 23, tzinfo=UTC),
            [("2031-10-25T00:00:00+01:00", 24), ("2031-10-26T00:00:00+01:00", 25)],
        ),
        # America/New_York: EST to EDT on 2031-03-09, back on 2031-11-02.
        (
            "America/New_York",
            datetime(2031, 3, 8, 5, tzinfo=UTC),
            [("2031-03-08T00:00:00-05:00", 24), ("2031-03-09T00:00:00-05:00", 23)],
        ),
        (
            "America/New_York",
            datetime(2031, 11, 1, 4, tzinfo=UTC),
            [("2031-11-01T00:00:00-04:00", 24), ("2031-11-02T00:00:00-04:00", 25)],
        ),
        # Asia/Kolkata, +05:30: local days start at 18:30 UTC, half-way through a UTC hour.
        (
            "Asia/Kolkata",
            datetime(2031, 5, 4, 18, 30, tzinfo=UTC),
            [("2031-05-05T00:00:00+05:30", 24), ("2031-05-06T00:00:00+05:30", 24)],
        ),
    ],
)
def test_daily_buckets_are_local_days_with_their_offset(
    conn: psycopg.Connection,
    client: TestClient[Litestar],
    zone: str,
    first: datetime,
    days: list[tuple[str, int]],
) -> None:
    two_days(conn, zone, first)
    refresh_all(conn)
    start = datetime.fromisoformat(days[0][0])
    end = datetime.fromisoformat(days[-1][0])
    query = {
        "start_datetime": start.isoformat(),
        "end_datetime": end.isoformat(),
        "resolution": "1d",
    }
    grid = get_rollup(client, {**query, "level": "grid", "kind": ["load", "price"]})
    # Served by the hourly aggregate where local days are whole UTC hours, else computed from
    # the latest values (never by shifting UTC hours).
    assert grid.source == ("series_latest" if zone == "Asia/Kolkata" else "grid_1h")
    load = [(r.bucket.isoformat(), r.count, r.sum, r.nodes) for r in grid.data if r.kind == "load"]
    assert load == [(day, hours, 30.0 * hours, 2) for day, hours in days]
    price = [(r.avg, r.unit, r.nodes) for r in grid.data if r.kind == "price"]
    assert price == [(50.0, "EUR/MWh", 2)] * len(days)  # a mean kind: the mean of 40 and 60
    node = get_rollup(client, {**query, "level": "node", "id": 1})
    assert [(r.bucket.isoformat(), r.count, r.avg, r.series_id) for r in node.data] == [
        (day, hours, 10.0, 1) for day, hours in days
    ]
    # Raw and hourly answers stay UTC instants.
    hourly = get_rollup(client, {**query, "level": "grid", "resolution": "1h"})
    assert hourly.data[0].bucket.utcoffset() == timedelta(0)
    assert {r.bucket.minute for r in hourly.data} == {0}


def test_the_timezone_parameter_overrides_the_grids_zone(
    conn: psycopg.Connection, client: TestClient[Litestar]
) -> None:
    two_days(conn, "Asia/Kolkata", datetime(2031, 5, 5, tzinfo=UTC))
    query = {
        "start_datetime": "2031-05-05T00:00:00Z",
        "end_datetime": "2031-05-06T00:00:00Z",
        "level": "region",
        "resolution": "1d",
    }
    utc = get_rollup(client, {**query, "timezone": "UTC"})
    assert utc.source == "region_1h"
    assert [(r.bucket.isoformat(), r.count) for r in utc.data] == [
        ("2031-05-05T00:00:00+00:00", 24),
        ("2031-05-06T00:00:00+00:00", 24),
    ]
    dublin = get_rollup(client, {**query, "timezone": "Europe/Dublin"})
    # 5 May in Dublin starts at 23:00 UTC on the 4th, before the range: only the 6th is in it.
    assert [r.bucket.isoformat() for r in dublin.data] == ["2031-05-06T00:00:00+01:00"]


def test_missing_values_are_left_out_and_estimated_ones_counted(
    conn: psycopg.Connection, client: TestClient[Litestar]
) -> None:
    """Node 1: 10 good, 12 estimated, then missing; node 2: 20 good in the same hour."""
    make_hierarchy(conn, {(1, "g"): {(1, "r"): [(1, "a"), (2, "b")]}})
    t = datetime(2031, 6, 1, tzinfo=UTC)
    rows = [
        (1, t, t, 10.0, 0),
        (1, t + timedelta(minutes=15), t, 12.0, 1),
        (1, t + timedelta(minutes=30), t, None, 2),
        (2, t, t, 20.0, 0),
    ]
    write_series_measures(conn, rows)
    query = {"start_datetime": t.isoformat(), "end_datetime": t.isoformat(), "resolution": "1h"}
    node = get_rollup(client, {**query, "level": "node", "id": 1})
    assert [(r.avg, r.count, r.estimated) for r in node.data] == [(11.0, 2, 1)]
    region = get_rollup(client, {**query, "level": "region"})
    assert [(r.sum, r.nodes, r.estimated) for r in region.data] == [(31.0, 2, 1)]
    good = get_rollup(client, {**query, "level": "region", "quality": "good"})
    assert good.source == "series_latest"
    assert [(r.sum, r.nodes, r.estimated) for r in good.data] == [(30.0, 2, 0)]


@pytest.mark.parametrize(
    ("fill", "values"),
    [
        ("none", [(10.0, False), (40.0, False)]),
        ("null", [(10.0, False), (None, True), (None, True), (40.0, False), (None, True)]),
        ("previous", [(10.0, False), (10.0, True), (10.0, True), (40.0, False), (40.0, True)]),
        ("linear", [(10.0, False), (20.0, True), (30.0, True), (40.0, False), (None, True)]),
    ],
)
def test_fill_adds_every_missing_bucket_and_marks_it(
    conn: psycopg.Connection,
    client: TestClient[Litestar],
    fill: str,
    values: list[tuple[float | None, bool]],
) -> None:
    """Node 1 has 10 at 00:00 and 40 at 03:00; the range runs to 04:00."""
    make_hierarchy(conn, {(1, "g"): {(1, "r"): [(1, "a")]}})
    t = datetime(2031, 6, 1, tzinfo=UTC)
    conn.execute(
        "INSERT INTO measures (series_id, timestamp_measured, timestamp_collected, value) "
        "VALUES (1, %s, %s, 10000), (1, %s, %s, 40000)",
        (t, t, t + 3 * HOUR, t + 3 * HOUR),
    )
    page = get_rollup(
        client,
        {
            "start_datetime": t.isoformat(),
            "end_datetime": (t + 4 * HOUR).isoformat(),
            "level": "node",
            "resolution": "1h",
            "fill": fill,
        },
    )
    assert [(row.avg, row.filled) for row in page.data] == values
    assert all(row.count == 0 for row in page.data if row.filled)


def test_fill_needs_a_bucketed_resolution(client: TestClient[Litestar]) -> None:
    params = {"start_datetime": T0.isoformat(), "end_datetime": T0.isoformat(), "level": "node"}
    response = client.get("/api/v1/rollups", params={**params, "fill": "linear"})
    assert response.status_code == 422  # auto picks raw for a single instant
    assert response.json()["extra"][0]["key"] == "fill"
