"""A small, obviously-correct model of rollups and accuracy over several series per node.

A ``World`` is a hierarchy whose grids have time zones, nodes that carry series of kinds that
aggregate by ``sum`` or ``mean``, and revisions ``(series_id, target, collected, value, quality)``
with quality 0 good, 1 estimated, 2 missing (no value). What the model says, in plain Python:

- a target's value is its latest revision (as known at a collection time, if asked); a missing
  one has no value, and with ``good_only`` an estimated one has none either;
- node level, per series: ``raw`` the value; ``1h`` the statistics of a UTC hour's values; ``1d``
  the statistics of the local day's hourly averages, whose hours are the hour-long spans from
  local midnight;
- region and grid level, per kind and subtype: the series' values (``raw``) or hourly averages
  added up for a sum kind, averaged for a mean kind; ``1d`` the statistics of the day's hourly
  values, ``nodes`` the most series in any hour;
- ``estimated`` counts the estimated values that went in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from math import isfinite, sqrt
from statistics import fmean
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from support.db import make_hierarchy, reset_database, write_series_measures

if TYPE_CHECKING:
    import psycopg

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
ZONES = ["UTC", "Europe/Dublin", "America/New_York", "Asia/Kolkata"]
#: Around 2031's DST changes of Europe/Dublin (30 March, 26 October) and America/New_York
#: (9 March, 2 November), and a plain week.
BASES = [
    datetime(2031, 3, 29, tzinfo=UTC),
    datetime(2031, 10, 25, tzinfo=UTC),
    datetime(2031, 3, 8, tzinfo=UTC),
    datetime(2031, 11, 1, tzinfo=UTC),
    datetime(2031, 1, 6, tzinfo=UTC),
]
EXTRA = [("generation", "wind"), ("generation", "solar"), ("price", None)]
KINDS = {"load": ("MW", "sum"), "generation": ("MW", "sum"), "price": ("EUR/MWh", "mean")}

#: (series_id, target, collected, value, quality)
Rev = tuple[int, datetime, datetime, float | None, int]


@dataclass(frozen=True)
class Series:
    id: int
    node: int
    kind: str
    subtype: str | None

    @property
    def unit(self) -> str:
        return KINDS[self.kind][0]

    @property
    def aggregation(self) -> str:
        return KINDS[self.kind][1]


@dataclass
class World:
    """A hierarchy with zones, its series and their revisions."""

    zone_of_grid: dict[int, str]
    grid_of_region: dict[int, int]
    region_of: dict[int, int]
    extra: dict[int, list[tuple[str, str | None]]]
    """Per node, the series beside its default load."""
    revisions: dict[tuple[int, int], list[tuple[int, float | None, int]]]
    """Per (series index, target index): (collected, ms from the target; value; quality)."""
    base: datetime
    step: timedelta
    series: dict[int, Series] = field(default_factory=dict)
    rows: list[Rev] = field(default_factory=list)

    def grid_of(self, series_id: int) -> int:
        return self.grid_of_region[self.region_of[self.series[series_id].node]]

    def entity(self, level: str, series_id: int) -> int:
        node = self.series[series_id].node
        if level == "node":
            return node
        if level == "region":
            return self.region_of[node]
        return self.grid_of_region[self.region_of[node]]

    def zone(self, series_id: int, timezone: str | None) -> str:
        return timezone or self.zone_of_grid[self.grid_of(series_id)]

    def series_keys(self) -> list[tuple[int, str, str | None]]:
        """(node, kind, subtype) of every series, default load first per node."""
        return [
            (node, kind, subtype)
            for node in sorted(self.region_of)
            for kind, subtype in [("load", None), *self.extra[node]]
        ]


@st.composite
def worlds(draw: st.DrawFn, max_targets: int = 8) -> World:
    """1-2 grids in random zones, 1-3 regions, 1-3 nodes with extra series at random, and 1-3
    revisions per target of random quality, around a DST change or not."""
    grids = draw(st.integers(1, 2))
    zone_of_grid = {g: draw(st.sampled_from(ZONES)) for g in range(1, grids + 1)}
    regions = draw(st.integers(1, 3))
    grid_of_region = {r: draw(st.integers(1, grids)) for r in range(1, regions + 1)}
    nodes = draw(st.integers(1, 3))
    region_of = {n: draw(st.integers(1, regions)) for n in range(1, nodes + 1)}
    extra = {n: sorted(draw(st.sets(st.sampled_from(EXTRA))), key=str) for n in region_of}
    step = draw(st.sampled_from([HOUR, timedelta(minutes=30)]))
    count = sum(1 + len(e) for e in extra.values())
    span = int(3 * DAY / step)
    revisions: dict[tuple[int, int], list[tuple[int, float | None, int]]] = {}
    for index in range(count):
        for k in draw(st.sets(st.integers(0, span - 1), max_size=max_targets)):
            revisions[(index, k)] = draw(
                st.lists(
                    st.tuples(
                        st.integers(-2 * 86_400_000, 86_400_000),
                        st.integers(-8000, 8000).map(lambda v: v / 8),
                        st.sampled_from([0, 0, 1, 2]),
                    ).map(lambda r: (r[0], None if r[2] == 2 else r[1], r[2])),
                    min_size=1,
                    max_size=3,
                    unique_by=lambda r: r[0],
                )
            )
    base = draw(st.sampled_from(BASES)) + timedelta(hours=draw(st.integers(0, 23)))
    return World(zone_of_grid, grid_of_region, region_of, extra, revisions, base, step)


def load(conn: psycopg.Connection, world: World) -> None:
    """Empty the database and write the world: hierarchy with zones, series, revisions."""
    reset_database(conn)
    with conn.transaction():
        make_hierarchy(
            conn,
            {
                (grid, f"grid {grid}"): {
                    (region, f"region {region}"): [
                        (node, f"node {node}")
                        for node, parent in sorted(world.region_of.items())
                        if parent == region
                    ]
                    for region, owner in sorted(world.grid_of_region.items())
                    if owner == grid
                }
                for grid in sorted(world.zone_of_grid)
            },
        )
        for grid, zone in world.zone_of_grid.items():
            conn.execute("UPDATE grid SET timezone = %s WHERE id = %s", (zone, grid))
        world.series = {}
        ids = []
        for node, kind, subtype in world.series_keys():
            if kind == "load" and subtype is None:
                sid = node  # a node's default series has the node's id
            else:
                row = conn.execute(
                    "INSERT INTO series (node_id, kind, subtype) VALUES (%s, %s, %s) RETURNING id",
                    (node, kind, subtype),
                ).fetchone()
                assert row is not None
                sid = row[0]
            world.series[sid] = Series(sid, node, kind, subtype)
            ids.append(sid)
        world.rows = [
            (
                ids[index],
                world.base + k * world.step,
                world.base + k * world.step + timedelta(milliseconds=ms),
                value,
                quality,
            )
            for (index, k), revs in world.revisions.items()
            for ms, value, quality in revs
        ]
        write_series_measures(conn, world.rows)


def latest(rows: list[Rev], as_of: datetime | None = None) -> dict[tuple[int, datetime], Rev]:
    """The latest revision of every (series, target), optionally as known at ``as_of``."""
    best: dict[tuple[int, datetime], Rev] = {}
    for row in rows:
        if as_of is not None and row[2] > as_of:
            continue
        key = (row[0], row[1])
        if key not in best or row[2] > best[key][2]:
            best[key] = row
    return best


def floor(ts: datetime, width: timedelta) -> datetime:
    """Start of the UTC ``width`` bucket holding ``ts`` (aligned on 2000-01-01)."""
    return EPOCH + ((ts - EPOCH) // width) * width


def local_day(ts: datetime, zone: str) -> datetime:
    """Local midnight (as an instant written in ``zone``) of the local day holding ``ts``."""
    tz = ZoneInfo(zone)
    return datetime.combine(ts.astimezone(tz).date(), time(), tzinfo=tz)


def local_hour(ts: datetime, zone: str) -> tuple[datetime, datetime]:
    """(local day, start of the hour-long span from its midnight that holds ``ts``)."""
    day = local_day(ts, zone)
    return day, day + ((ts - day) // HOUR) * HOUR


@dataclass(frozen=True)
class Stats:
    avg: float
    min: float
    max: float
    sum: float
    count: int
    estimated: int
    nodes: int | None = None


def stats(values: list[float], estimated: int, nodes: int | None = None) -> Stats:
    return Stats(
        fmean(values), min(values), max(values), sum(values), len(values), estimated, nodes
    )


def one(value: float, estimated: int, nodes: int | None = None) -> Stats:
    return Stats(value, value, value, value, 1, estimated, nodes)


#: (entity, kind, subtype, series_id at node level, bucket)
Key = tuple[int, str, str | None, int | None, datetime]


def rollups(
    world: World,
    level: str,
    resolution: str,
    *,
    chosen: set[int],
    as_of: datetime | None = None,
    good_only: bool = False,
    timezone: str | None = None,
) -> dict[Key, Stats]:
    """What ``/rollups`` answers for the series ``chosen`` (every bucket, unfiltered by range)."""
    values: dict[int, list[tuple[datetime, float, int]]] = defaultdict(list)
    for (sid, target), row in latest(world.rows, as_of).items():
        if sid in chosen and row[3] is not None and row[4] <= (0 if good_only else 1):
            values[sid].append((target, row[3], row[4]))
    # Per series: its buckets (UTC hour, or local hour within a local day) and their values.
    per_series: dict[tuple[int, datetime, datetime | None], list[tuple[float, int]]] = defaultdict(
        list
    )
    for sid, items in values.items():
        for target, value, quality in items:
            if resolution == "raw":
                bucket, day = target, None
            elif resolution == "1h":
                bucket, day = floor(target, HOUR), None
            else:
                day, bucket = local_hour(target, world.zone(sid, timezone))
            per_series[(sid, bucket, day)].append((value, quality))
    if level == "node":
        return _node(world, resolution, per_series)
    return _totals(world, level, resolution, per_series)


def _node(
    world: World,
    resolution: str,
    per_series: dict[tuple[int, datetime, datetime | None], list[tuple[float, int]]],
) -> dict[Key, Stats]:
    result: dict[Key, Stats] = {}
    days: dict[Key, list[tuple[float, int]]] = defaultdict(list)
    for (sid, bucket, day), items in per_series.items():
        s = world.series[sid]
        estimated = sum(q == 1 for _, q in items)
        if resolution == "1d":
            assert day is not None
            days[(s.node, s.kind, s.subtype, sid, day)].append(
                (fmean(v for v, _ in items), estimated)
            )
        else:
            result[(s.node, s.kind, s.subtype, sid, bucket)] = stats(
                [v for v, _ in items], estimated
            )
    for key, hours in days.items():
        result[key] = stats([v for v, _ in hours], sum(e for _, e in hours))
    return result


def _totals(
    world: World,
    level: str,
    resolution: str,
    per_series: dict[tuple[int, datetime, datetime | None], list[tuple[float, int]]],
) -> dict[Key, Stats]:
    groups: dict[tuple[int, str, str | None, datetime, datetime | None], list[tuple[float, int]]]
    groups = defaultdict(list)
    for (sid, bucket, day), items in per_series.items():
        s = world.series[sid]
        estimated = sum(q == 1 for _, q in items)
        groups[(world.entity(level, sid), s.kind, s.subtype, bucket, day)].append(
            (fmean(v for v, _ in items), estimated)
        )
    result: dict[Key, Stats] = {}
    days: dict[Key, list[tuple[float, int, int]]] = defaultdict(list)
    for (entity, kind, subtype, bucket, day), items in groups.items():
        combine = fmean if KINDS[kind][1] == "mean" else sum
        value = combine(v for v, _ in items)
        estimated = sum(e for _, e in items)
        if resolution == "1d":
            assert day is not None
            days[(entity, kind, subtype, None, day)].append((value, estimated, len(items)))
        else:
            result[(entity, kind, subtype, None, bucket)] = one(value, estimated, len(items))
    for key, hours in days.items():
        result[key] = stats(
            [v for v, _, _ in hours], sum(e for _, e, _ in hours), max(n for _, _, n in hours)
        )
    return result


@dataclass(frozen=True)
class Errors:
    count: int
    bias: float
    mae: float
    rmse: float
    mape: float | None


def accuracy(
    world: World,
    level: str,
    chosen: set[int],
    leads: list[timedelta],
    final: str,
    *,
    daily: bool,
    timezone: str | None = None,
) -> dict[tuple[int, str, str | None, int | None, timedelta, datetime | None], Errors]:
    """Errors of the value known ``lead`` before each target against its final value, per
    entity, kind and subtype; a missing observation is no value."""
    rows = [row for row in world.rows if row[0] in chosen]
    if final == "latest":
        finals = {key: row[3] for key, row in latest(rows).items()}
    else:
        first: dict[tuple[int, datetime], Rev] = {}
        for row in rows:
            key = (row[0], row[1])
            if row[2] >= row[1] and (key not in first or row[2] < first[key][2]):
                first[key] = row
        finals = {key: row[3] for key, row in first.items()}
    members: dict[tuple[int, str, str | None, int | None, datetime], list[int]] = defaultdict(list)
    for (sid, target), value in finals.items():
        if value is None:
            continue
        s = world.series[sid]
        one_series = sid if level == "node" else None
        members[(world.entity(level, sid), s.kind, s.subtype, one_series, target)].append(sid)
    pairs: dict[tuple[int, str, str | None, int | None, timedelta, datetime | None], list] = (
        defaultdict(list)
    )
    for lead in leads:
        known = latest([row for row in rows if row[2] <= row[1] - lead])
        for (entity, kind, subtype, one_series, target), sids in members.items():
            forecasts = [known.get((sid, target)) for sid in sids]
            if any(f is None or f[3] is None for f in forecasts):
                continue
            combine = fmean if KINDS[kind][1] == "mean" else sum
            forecast = combine(f[3] for f in forecasts if f is not None and f[3] is not None)
            total = combine(v for sid in sids if (v := finals[(sid, target)]) is not None)
            bucket = local_day(target, world.zone(sids[0], timezone)) if daily else None
            pairs[(entity, kind, subtype, one_series, lead, bucket)].append((forecast, total))
    result = {}
    for key, values in pairs.items():
        errors = [f - t for f, t in values]
        ratios = [abs(f - t) / abs(t) for f, t in values if t != 0]
        mape = 100 * fmean(ratios) if ratios else None
        result[key] = Errors(
            count=len(values),
            bias=fmean(errors),
            mae=fmean(abs(e) for e in errors),
            rmse=sqrt(fmean(e * e for e in errors)),
            mape=mape if mape is None or isfinite(mape) else None,
        )
    return result


def expected_buckets(start: datetime, end: datetime, zone: str | None) -> list[datetime]:
    """UTC hours (``zone`` None) or local midnights of ``zone`` starting in ``[start, end]``."""
    found = []
    t = floor(start, HOUR) - 2 * DAY
    while t <= end + 2 * DAY:
        bucket = t if zone is None else local_day(t, zone)
        if start <= bucket <= end and bucket not in found:
            found.append(bucket)
        t += HOUR
    return found


def filled(
    want: dict[Key, Stats],
    how: str,
    start: datetime,
    end: datetime,
    zone_of: dict[tuple[int, str, str | None, int | None], str | None],
) -> dict[Key, Stats | tuple[float | None, ...]]:
    """``want`` with every missing bucket of each series that has data: ``(avg, min, max, sum)``
    of the fill (``None`` where nothing can be said)."""
    result: dict[Key, Stats | tuple[float | None, ...]] = dict(want)
    for group in {key[:4] for key in want}:
        measured = sorted((key[4], stats) for key, stats in want.items() if key[:4] == group)
        for bucket in expected_buckets(start, end, zone_of[group]):
            if any(b == bucket for b, _ in measured):
                continue
            before = [(b, s) for b, s in measured if b < bucket]
            after = [(b, s) for b, s in measured if b > bucket]
            values: tuple[float | None, ...] = (None, None, None, None)
            if how == "previous" and before:
                s = before[-1][1]
                values = (s.avg, s.min, s.max, s.sum)
            elif how == "linear" and before and after:
                (b0, s0), (b1, s1) = before[-1], after[0]
                share = (bucket - b0) / (b1 - b0)
                values = tuple(
                    getattr(s0, f) + (getattr(s1, f) - getattr(s0, f)) * share
                    for f in ("avg", "min", "max", "sum")
                )
            result[(*group, bucket)] = values
    return result
