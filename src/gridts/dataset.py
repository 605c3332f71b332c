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
from typing import TYPE_CHECKING

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
    nodes = [_Node(plan, i) for i in range(len(series))]
    extras = (
        [_Extra(plan, i, node.size) for i, node in enumerate(nodes)] if plan.extra_series else []
    )
    leads = [FIRST_LEAD - k * LEAD_STEP for k in range(plan.revisions)]
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
            for lead, weight in revised:
                batch.append(
                    (series_id, target, target - lead, round(final + weight * error, 3), 0)
                )
            if extras:
                extra = extras[index]
                for series_id, value, spread, floor in zip(
                    ids[1:], extra.finals(target, final), _EXTRA_ERRORS, _EXTRA_FLOORS, strict=True
                ):
                    error = extra.rng.gauss(0, spread) * value
                    for lead, weight in revised:
                        forecast = round(max(value + weight * error, floor), 3)
                        batch.append((series_id, target, target - lead, forecast, 0))
        if len(batch) >= batch_rows:
            yield batch
            batch = []
    if batch:
        yield batch
