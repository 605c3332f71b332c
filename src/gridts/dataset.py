"""The synthetic data set, made deterministically: ``gridts seed`` and the benchmarks use it.

Its default shape and names are those of the design documents users wrote (3 grids x 3 regions
x 3 nodes, 3 revisions per target), so figures stay comparable across runs. Hierarchy:
``Grid1..G`` with ``Region1_G1..`` per grid and ``Node1_R1..`` per region. Each node reports a
target every ``resolution`` over ``span`` from ``start``, each target revised ``revisions``
times, collected 12, 11, 10 ... hours before it.

Values look like a grid: every node has its own size, a daily load shape (a morning and an
evening peak, lower at night and on weekends), and noise; forecasts start off by a few per cent
and converge on the final value as the collection time nears the target (the last revision is
the final value). A node's values depend only on ``random_seed`` and the node's position, never
on how rows are batched, so a re-run with the same arguments writes exactly the same rows.

That is the default, ``values="noisy"``: every value carries independent noise, so the figures of
the benchmarks stay comparable across runs. ``values="realistic"`` is what grids send: a smooth
load shape (a daily and a weekly cycle, a season, and a slow weather drift of about 1 %), and
forecasts whose error drifts slowly from hour to hour (about 2 % at the first revision) and
shrinks at each revision, the last one being the measured value. Both are rounded to 3 decimals
(kW in MW values).

``collection="leads"`` (the default) collects the revisions of a target 12, 11, 10 ... hours
before it; ``collection="day_ahead"`` is a small system operator's history: two revisions per
target, a day-ahead forecast collected at 12:00 UTC the day before and the measured value
collected an hour after the target.

By default every node has its default series only (load). ``extra_series`` adds, per node,
generation by fuel (``gas``, ``wind``, ``solar``) and a price: solar is zero at night with a
midday bell (longer days in summer, a cloudiness drawn per day), wind drifts slowly, gas fills
what the node's load leaves uncovered, and the price (EUR/MWh, a mean kind) has a morning and an
evening peak. They draw from random streams of their own, so the load rows are the same with or
without them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from gridts.db.queries import query

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from psycopg import AsyncConnection

#: ``(series_id, timestamp_measured, timestamp_collected, value, quality code)``, as stored.
Row = tuple[int, datetime, datetime, float, int]
SeriesName = tuple[str, str | None]

#: Every node's default series: the only one of the default data set.
LOAD: SeriesName = ("load", None)
#: The series ``extra_series`` adds to every node, in the order rows are written.
EXTRA_SERIES: tuple[SeriesName, ...] = (
    ("generation", "gas"),
    ("generation", "wind"),
    ("generation", "solar"),
    ("price", None),
)

FIRST_LEAD = timedelta(hours=12)
LEAD_STEP = timedelta(hours=1)

#: ``collection="day_ahead"``: the forecast's collection hour (UTC, the day before the target's
#: day) and how long after its target a measured value is collected.
DAY_AHEAD_HOUR = timedelta(hours=12)
MEASURED_AFTER = timedelta(hours=1)

Values = Literal["noisy", "realistic"]
Collection = Literal["leads", "day_ahead"]


@dataclass(frozen=True)
class DatasetPlan:
    """What to generate."""

    grids: int = 3
    regions_per_grid: int = 3
    nodes_per_region: int = 3
    revisions: int = 3
    start: datetime = datetime(2025, 7, 1, tzinfo=UTC)
    span: timedelta = timedelta(weeks=1)
    resolution: timedelta = timedelta(hours=1)
    random_seed: int = 0
    extra_series: bool = False
    """Also generation (gas, wind, solar) and a price per node, besides the load."""
    values: Values = "noisy"
    """``noisy`` (independent noise on every value) or ``realistic`` (smooth, small revisions)."""
    collection: Collection = "leads"
    """When revisions are collected: ``leads`` (12, 11, ... h before) or ``day_ahead``."""

    def __post_init__(self) -> None:
        if self.values not in ("noisy", "realistic"):
            raise ValueError(f"values must be noisy or realistic, not {self.values!r}")
        if self.collection not in ("leads", "day_ahead"):
            raise ValueError(f"collection must be leads or day_ahead, not {self.collection!r}")
        if self.collection == "day_ahead" and self.revisions != 2:  # noqa: PLR2004
            raise ValueError("collection day_ahead has 2 revisions: a forecast and the measure")

    def collected(self, target: datetime) -> list[datetime]:
        """When each revision of ``target`` is collected, first to last."""
        if self.collection == "day_ahead":
            midnight = target.replace(hour=0, minute=0, second=0, microsecond=0)
            return [midnight - timedelta(days=1) + DAY_AHEAD_HOUR, target + MEASURED_AFTER]
        return [target - FIRST_LEAD + k * LEAD_STEP for k in range(self.revisions)]

    @property
    def series(self) -> tuple[SeriesName, ...]:
        """``(kind, subtype)`` of every node's series, the default one first."""
        return (LOAD, *EXTRA_SERIES) if self.extra_series else (LOAD,)

    @property
    def nodes(self) -> int:
        """Nodes in all."""
        return self.grids * self.regions_per_grid * self.nodes_per_region

    @property
    def targets(self) -> int:
        """Target timestamps per node."""
        return int(self.span / self.resolution)

    @property
    def rows(self) -> int:
        """Rows the plan writes."""
        return self.nodes * len(self.series) * self.targets * self.revisions

    @property
    def end(self) -> datetime:
        """The last target timestamp."""
        return self.start + (self.targets - 1) * self.resolution

    def names(self) -> Iterator[tuple[str, str, str]]:
        """``(grid, region, node)`` names of every node, in node-index order."""
        region_number = 0
        for g in range(1, self.grids + 1):
            for r in range(1, self.regions_per_grid + 1):
                region_number += 1
                for n in range(1, self.nodes_per_region + 1):
                    yield f"Grid{g}", f"Region{r}_G{g}", f"Node{n}_R{region_number}"


async def ensure_hierarchy(conn: AsyncConnection, plan: DatasetPlan) -> list[int]:
    """Create the plan's grids, regions and nodes where missing; node ids in node-index order.

    Only what is missing is inserted, in order, so ids are not spent on what exists: a fresh
    database gets grids 1, 2, 3, regions 1 to 9 and nodes 1 to 27.
    """
    names = list(plan.names())
    grids = list(dict.fromkeys(g for g, _, _ in names))
    regions = list(dict.fromkeys((g, r) for g, r, _ in names))
    params = {
        "grids": [g for g, _, _ in names],
        "regions": [r for _, r, _ in names],
        "nodes": [n for _, _, n in names],
    }
    async with conn.transaction():
        await conn.execute(query("ingest", "seed_grids"), {"grids": grids})
        await conn.execute(
            query("ingest", "seed_regions"),
            {"grids": [g for g, _ in regions], "regions": [r for _, r in regions]},
        )
        await conn.execute(query("ingest", "seed_nodes"), params)
        cursor = await conn.execute(query("ingest", "seed_node_ids"), params)
        return [node for (node,) in await cursor.fetchall()]


async def ensure_series(
    conn: AsyncConnection, plan: DatasetPlan, node_ids: list[int]
) -> list[list[int]]:
    """Per node, the ids of the plan's series (``plan.series``), created where missing."""
    wanted = [(node, kind, subtype) for node in node_ids for kind, subtype in plan.series]
    params = {
        "nodes": [n for n, _, _ in wanted],
        "kinds": [k for _, k, _ in wanted],
        "subtypes": [s for _, _, s in wanted],
    }
    async with conn.transaction():
        await conn.execute(query("ingest", "seed_series"), params)
        cursor = await conn.execute(query("ingest", "seed_series_ids"), params)
        ids = [series for (series,) in await cursor.fetchall()]
    width = len(plan.series)
    return [ids[i : i + width] for i in range(0, len(ids), width)]


class _Node:
    """One node's deterministic signal."""

    def __init__(self, plan: DatasetPlan, index: int) -> None:
        self.rng = random.Random(f"{plan.random_seed}:{index}")  # noqa: S311 - not cryptographic
        self.size = round(self.rng.uniform(20, 500), 1)  # kW at the daily mean
        self.phase = self.rng.uniform(-1.0, 1.0)  # hours: nodes peak at slightly different times

    def final(self, target: datetime) -> float:
        hour = target.hour + target.minute / 60 + self.phase
        shape = (
            1.0
            + 0.18 * math.cos(2 * math.pi * (hour - 19) / 24)
            + 0.08 * math.cos(4 * math.pi * (hour - 8) / 24)
        )
        if target.weekday() >= 5:  # noqa: PLR2004 - Saturday and Sunday
            shape *= 0.85
        return self.size * shape * (1 + self.rng.gauss(0, 0.02))


def _weekend(target: datetime) -> float:
    """1 from Saturday to Sunday, 0 from Monday to Friday, easing over a few hours between."""
    hours = target.weekday() * 24 + target.hour + target.minute / 60  # since Monday 00:00
    rise = 1 / (1 + math.exp(-(hours - 120) / 1.5))  # Saturday 00:00
    fall = 1 / (1 + math.exp((hours - 168) / 1.5))  # Monday 00:00, at the week's end...
    return rise * fall + 1 / (1 + math.exp(hours / 1.5))  # ...and at its start


@dataclass(frozen=True, slots=True)
class _Moment:
    """What every node's load shares at a target: computed once per target, not once per node."""

    hour: float
    weekly: float
    season: float

    @classmethod
    def at(cls, target: datetime) -> _Moment:
        season = 0.1 * math.cos(2 * math.pi * (target.timetuple().tm_yday - 15) / 365.25)
        return cls(target.hour + target.minute / 60, -0.12 * _weekend(target), season)


class _SmoothNode:
    """One node's realistic signal: a smooth load shape and forecast errors that drift slowly.

    Its own random stream (apart from the noisy generator's), advanced once per target in time
    order, so values depend only on the seed, the node and the target.
    """

    def __init__(self, plan: DatasetPlan, index: int) -> None:
        self.rng = random.Random(f"{plan.random_seed}:{index}:realistic")  # noqa: S311
        self.size = round(self.rng.uniform(20, 500), 1)  # MW at the yearly mean
        self.phase = self.rng.uniform(-1.0, 1.0)  # hours: nodes peak at slightly different times
        self.weather = 0.0  # relative drift of the load (temperature, say), hours to days long
        self.error = self.rng.gauss(0, 0.02)  # the first forecast's relative error, drifting
        hours = plan.resolution / timedelta(hours=1)
        # AR(1) drifts: what each keeps of its last value per target, and how much new noise
        # enters (the weather: about a 1 % standard deviation; the forecast error: about 2 %).
        self.weather_keep = 0.99**hours
        self.weather_noise = math.sqrt(1 - self.weather_keep**2)
        self.error_keep = 0.9**hours
        self.error_noise = math.sqrt(1 - self.error_keep**2)

    def final(self, moment: _Moment) -> float:
        """The measured value: daily and weekly cycles, a season, the weather's slow drift."""
        hour = moment.hour + self.phase
        daily = 0.15 * math.sin(2 * math.pi * (hour - 9) / 24) + 0.05 * math.sin(
            4 * math.pi * (hour - 7) / 24
        )
        self.weather = self.weather_keep * self.weather + self.weather_noise * self.rng.gauss(
            0, 0.01
        )
        return self.size * (1 + daily + moment.weekly + moment.season + self.weather)

    def forecast_error(self) -> float:
        """The first revision's relative error at the next target: about 2 %, drifting."""
        self.error = self.error_keep * self.error + self.error_noise * self.rng.gauss(0, 0.02)
        return self.error


class _Extra:
    """A node's generation and price signals, on random streams apart from its load's."""

    def __init__(self, plan: DatasetPlan, index: int, size: float) -> None:
        self.rng = random.Random(f"{plan.random_seed}:{index}:extra")  # noqa: S311 - not crypto
        self.solar_peak = size * self.rng.uniform(0.3, 0.8)
        self.wind_capacity = size * self.rng.uniform(0.2, 0.6)
        self.gas_capacity = size * 1.2
        self.price_offset = self.rng.uniform(-5.0, 5.0)  # EUR/MWh: nodes' prices differ a bit
        self.wind = self.rng.uniform(0.2, 0.6)  # share of capacity, drifts target by target
        self.day: datetime | None = None
        self.clouds = 1.0
        self.hours = plan.resolution / timedelta(hours=1)

    def solar(self, target: datetime) -> float:
        """Zero at night, a bell around 12:30 UTC, wider in summer, dimmed by the day's clouds."""
        day = target.replace(hour=0, minute=0, second=0)
        if day != self.day:
            self.day = day
            self.clouds = self.rng.uniform(0.3, 1.0)
        season = math.cos(2 * math.pi * (target.timetuple().tm_yday - 172) / 365.25)
        daylight = 12.0 + 4.0 * season  # hours from sunrise to sunset
        hour = target.hour + target.minute / 60
        phase = (hour - (12.5 - daylight / 2)) / daylight
        if not 0.0 < phase < 1.0:
            return 0.0
        bell = math.pow(math.sin(math.pi * phase), 1.5)
        return self.solar_peak * (0.75 + 0.25 * season) * self.clouds * bell

    def wind_power(self) -> float:
        """A share of capacity that drifts back towards its mean: weather over hours and days."""
        step = 0.04 * self.hours * (0.35 - self.wind) + 0.05 * math.sqrt(self.hours) * (
            self.rng.gauss(0, 1)
        )
        self.wind = min(max(self.wind + step, 0.0), 1.0)
        return self.wind_capacity * self.wind

    def price(self, target: datetime, solar_share: float) -> float:
        """EUR/MWh: a morning and an evening peak, cheaper at weekends and in sunny middays."""
        hour = target.hour + target.minute / 60
        shape = (
            45.0
            + 30.0 * math.exp(-((hour - 8.0) ** 2) / 4.5)
            + 40.0 * math.exp(-((hour - 19.0) ** 2) / 8.0)
        )
        if target.weekday() >= 5:  # noqa: PLR2004 - Saturday and Sunday
            shape *= 0.85
        return shape + self.price_offset - 15.0 * solar_share + self.rng.gauss(0, 2.0)

    def finals(self, target: datetime, load: float) -> tuple[float, float, float, float]:
        """``(gas, wind, solar, price)`` at ``target``, given the node's final load there."""
        solar = self.solar(target)
        wind = self.wind_power()
        gas = min(max(load - solar - wind, 0.1 * self.gas_capacity), self.gas_capacity)
        return gas, wind, solar, self.price(target, solar / self.solar_peak)


#: Per extra series (gas, wind, solar, price): the first revision's relative forecast error,
#: and the lowest value a forecast may take (generation is never negative; a price may be).
_EXTRA_ERRORS = (0.05, 0.2, 0.1, 0.08)
_EXTRA_FLOORS = (0.0, 0.0, 0.0, -math.inf)


def batches(
    plan: DatasetPlan, series: Sequence[Sequence[int]], batch_rows: int
) -> Iterator[list[Row]]:
    """The plan's rows in time order (every node's series and revisions of a target together).

    ``series`` holds, per node, the ids of its ``plan.series`` in that order (``ensure_series``).
    """
    if plan.values == "realistic":
        yield from _realistic_batches(plan, series, batch_rows)
        return
    nodes = [_Node(plan, i) for i in range(len(series))]
    extras = (
        [_Extra(plan, i, node.size) for i, node in enumerate(nodes)] if plan.extra_series else []
    )
    leads = [FIRST_LEAD - k * LEAD_STEP for k in range(plan.revisions)]
    day_ahead = plan.collection == "day_ahead"
    # Forecast error shrinks to zero at the last revision: the last one is the final value.
    weights = [(plan.revisions - 1 - k) / max(plan.revisions - 1, 1) for k in range(plan.revisions)]
    revised = list(zip(leads, weights, strict=True))
    batch: list[Row] = []
    for step in range(plan.targets):
        target = plan.start + step * plan.resolution
        for index, (ids, node) in enumerate(zip(series, nodes, strict=True)):
            final = node.final(target)
            error = node.rng.gauss(0, 0.05) * final
            series_id = ids[0]
            collected = plan.collected(target) if day_ahead else [target - lead for lead in leads]
            for at, (_, weight) in zip(collected, revised, strict=True):
                batch.append((series_id, target, at, round(final + weight * error, 3), 0))
            if extras:
                extra = extras[index]
                for series_id, value, spread, floor in zip(
                    ids[1:], extra.finals(target, final), _EXTRA_ERRORS, _EXTRA_FLOORS, strict=True
                ):
                    error = extra.rng.gauss(0, spread) * value
                    for at, (_, weight) in zip(collected, revised, strict=True):
                        forecast = round(max(value + weight * error, floor), 3)
                        batch.append((series_id, target, at, forecast, 0))
        if len(batch) >= batch_rows:
            yield batch
            batch = []
    if batch:
        yield batch


def _realistic_batches(
    plan: DatasetPlan, series: Sequence[Sequence[int]], batch_rows: int
) -> Iterator[list[Row]]:
    """``batches`` for ``values="realistic"``: smooth values, revisions converging on the final.

    The first revision is off by the node's slowly drifting forecast error, each later one by
    less (linearly down to zero), the last is the measured value. Extra series take their shapes
    from the noisy generator's (on their own streams) and revise the same way.
    """
    nodes = [_SmoothNode(plan, i) for i in range(len(series))]
    extras = (
        [_Extra(plan, i, node.size) for i, node in enumerate(nodes)] if plan.extra_series else []
    )
    drifts = [[0.0] * len(EXTRA_SERIES) for _ in extras]
    weights = [(plan.revisions - 1 - k) / max(plan.revisions - 1, 1) for k in range(plan.revisions)]
    batch: list[Row] = []
    for step in range(plan.targets):
        target = plan.start + step * plan.resolution
        collected = list(zip(plan.collected(target), weights, strict=True))
        moment = _Moment.at(target)
        for index, (ids, node) in enumerate(zip(series, nodes, strict=True)):
            final = node.final(moment)
            error = node.forecast_error()
            series_id = ids[0]
            for at, weight in collected:
                batch.append((series_id, target, at, round(final * (1 + weight * error), 3), 0))
            if extras:
                extra, drift = extras[index], drifts[index]
                for k, (series_id, value, spread, floor) in enumerate(
                    zip(
                        ids[1:],
                        extra.finals(target, final),
                        _EXTRA_ERRORS,
                        _EXTRA_FLOORS,
                        strict=True,
                    )
                ):
                    drift[k] = 0.9 * drift[k] + 0.44 * extra.rng.gauss(0, spread)
                    batch.extend(
                        (series_id, target, at, round(max(value * (1 + w * drift[k]), floor), 3), 0)
                        for at, w in collected
                    )
        if len(batch) >= batch_rows:
            yield batch
            batch = []
    if batch:
        yield batch
