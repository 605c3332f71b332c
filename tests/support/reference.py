"""A small, obviously-correct model of what gridts answers, in pure Python.

Rows are ``(node_id, timestamp_measured, timestamp_collected, value)``; the hierarchy maps a
node to its region and a region to its grid. Every rollup counts each target once, with its
latest revision (by collection time), exactly as the continuous aggregates are defined.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from math import isfinite, sqrt
from statistics import fmean
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from collections.abc import Callable

Row = tuple[int, datetime, datetime, float]
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def floor(ts: datetime, width: timedelta) -> datetime:
    """Start of the ``width`` bucket holding ``ts`` (buckets aligned on 2000-01-01 UTC)."""
    return EPOCH + ((ts - EPOCH) // width) * width


@dataclass(frozen=True)
class Stats:
    """One rollup row."""

    avg: float
    min: float
    max: float
    sum: float
    count: int
    nodes: int | None = None

    @classmethod
    def of(cls, values: list[float], nodes: int | None = None) -> Stats:
        return cls(fmean(values), min(values), max(values), sum(values), len(values), nodes)


def latest(rows: list[Row], as_of: datetime | None = None) -> dict[tuple[int, datetime], Row]:
    """The latest revision of every (node, target), optionally as known at ``as_of``."""
    best: dict[tuple[int, datetime], Row] = {}
    for row in rows:
        node, target, collected, _ = row
        if as_of is not None and collected > as_of:
            continue
        key = (node, target)
        if key not in best or collected > best[key][2]:
            best[key] = row
    return best


def node_hourly(
    rows: list[Row], as_of: datetime | None = None
) -> dict[tuple[int, datetime], Stats]:
    """``node_1h``: per node and hour, statistics of the hour's latest target values."""
    groups: dict[tuple[int, datetime], list[float]] = defaultdict(list)
    for (node, target), row in latest(rows, as_of).items():
        groups[(node, floor(target, timedelta(hours=1)))].append(row[3])
    return {key: Stats.of(values) for key, values in groups.items()}


def totals(
    hourly: dict[tuple[int, datetime], Stats], parent: dict[int, int]
) -> dict[tuple[int, datetime], Stats]:
    """Region or grid hourly totals: the sum of the children's hourly averages.

    ``parent`` maps a node to its region (or a node to its grid). The total is in ``sum``
    (and ``avg``/``min``/``max``, one value per hour); ``nodes`` counts reporting nodes.
    """
    groups: dict[tuple[int, datetime], list[float]] = defaultdict(list)
    for (node, hour), stats in hourly.items():
        groups[(parent[node], hour)].append(stats.avg)
    return {key: Stats(sum(v), sum(v), sum(v), sum(v), 1, len(v)) for key, v in groups.items()}


def daily(
    hourly: dict[tuple[int, datetime], Stats], *, value: str, with_nodes: bool
) -> dict[tuple[int, datetime], Stats]:
    """Daily statistics over an hourly series (``value`` names the hourly field used)."""
    groups: dict[tuple[int, datetime], list[Stats]] = defaultdict(list)
    for (entity, hour), stats in hourly.items():
        groups[(entity, floor(hour, timedelta(days=1)))].append(stats)
    return {
        key: Stats.of(
            [getattr(s, value) for s in items],
            max(s.nodes or 0 for s in items) if with_nodes else None,
        )
        for key, items in groups.items()
    }


def rollups(
    rows: list[Row], region_of: dict[int, int], grid_of_region: dict[int, int]
) -> dict[str, dict[tuple[int, datetime], Stats]]:
    """Every continuous aggregate (the ``1h`` and ``1d`` views), as the model computes it."""
    every = all_rollups(rows, region_of, grid_of_region)
    return {name: stats for name, stats in every.items() if not name.endswith("_raw")}


def revisions(
    rows: list[Row], collected_from: datetime | None = None, collected_to: datetime | None = None
) -> list[Row]:
    """Revisions collected in ``[collected_from, collected_to]``, by node, target, collected."""
    return sorted(
        row
        for row in rows
        if (collected_from is None or row[2] >= collected_from)
        and (collected_to is None or row[2] <= collected_to)
    )


def raw(
    rows: list[Row], parent: dict[int, int] | None = None, as_of: datetime | None = None
) -> dict[tuple[int, datetime], Stats]:
    """Per target: a node's latest value, or (``parent`` given) the total over the nodes'.

    One value per target, so avg = min = max = sum = it and count = 1; ``nodes`` counts the
    nodes that had a value (``None`` at node level).
    """
    groups: dict[tuple[int, datetime], list[float]] = defaultdict(list)
    for (node, target), row in latest(rows, as_of).items():
        groups[(node if parent is None else parent[node], target)].append(row[3])
    return {
        key: Stats(sum(v), sum(v), sum(v), sum(v), 1, None if parent is None else len(v))
        for key, v in groups.items()
    }


def all_rollups(
    rows: list[Row],
    region_of: dict[int, int],
    grid_of_region: dict[int, int],
    as_of: datetime | None = None,
) -> dict[str, dict[tuple[int, datetime], Stats]]:
    """Every level at every resolution (``<level>_<raw|1h|1d>``), optionally as of a time."""
    node_1h = node_hourly(rows, as_of)
    grid_of_node = {node: grid_of_region[region] for node, region in region_of.items()}
    region_1h = totals(node_1h, region_of)
    grid_1h = totals(node_1h, grid_of_node)
    return {
        "node_raw": raw(rows, None, as_of),
        "region_raw": raw(rows, region_of, as_of),
        "grid_raw": raw(rows, grid_of_node, as_of),
        "node_1h": node_1h,
        "region_1h": region_1h,
        "grid_1h": grid_1h,
        "node_1d": daily(node_1h, value="avg", with_nodes=False),
        "region_1d": daily(region_1h, value="sum", with_nodes=True),
        "grid_1d": daily(grid_1h, value="sum", with_nodes=True),
    }


def known_by(rows: list[Row], cutoff: Callable[[Row], bool]) -> dict[tuple[int, datetime], Row]:
    """Per (node, target), the latest revision for which ``cutoff(row)`` holds."""
    return latest([row for row in rows if cutoff(row)])


def horizon(rows: list[Row], lead: timedelta) -> dict[tuple[int, datetime], Row]:
    """What was known ``lead`` before each target: collected at or before ``target - lead``."""
    return known_by(rows, lambda row: row[2] <= row[1] - lead)


def day_ahead(rows: list[Row], issued: time, zone: str) -> dict[tuple[int, datetime], Row]:
    """For targets of local day D in ``zone``: collected before ``issued`` local time on D-1."""
    tz = ZoneInfo(zone)

    def cutoff(row: Row) -> bool:
        day = row[1].astimezone(tz).date() - timedelta(days=1)
        return row[2] < datetime.combine(day, issued, tzinfo=tz)

    return known_by(rows, cutoff)


def finals(rows: list[Row], final: str) -> dict[tuple[int, datetime], float]:
    """Per (node, target) the final value: the latest revision, or (``at_target``) the first
    revision collected at or after the target (targets without one have no final)."""
    if final == "latest":
        return {key: row[3] for key, row in latest(rows).items()}
    first: dict[tuple[int, datetime], Row] = {}
    for row in rows:
        key = (row[0], row[1])
        if row[2] >= row[1] and (key not in first or row[2] < first[key][2]):
            first[key] = row
    return {key: row[3] for key, row in first.items()}


@dataclass(frozen=True)
class Errors:
    """Accuracy statistics of one entity, lead and bucket."""

    count: int
    bias: float
    mae: float
    rmse: float
    mape: float | None


def accuracy(
    rows: list[Row],
    entity_of: dict[int, int],
    leads: list[timedelta],
    final: str,
    *,
    daily: bool,
) -> dict[tuple[int, timedelta, datetime | None], Errors]:
    """Errors of the value known ``lead`` before each target against its final value.

    ``entity_of`` maps a node to the entity compared (itself, its region or its grid); an
    entity's target counts at a lead only if every node with a final there had a forecast.
    """
    final_of = finals(rows, final)
    members: dict[tuple[int, datetime], list[int]] = defaultdict(list)
    for node, target in final_of:
        members[(entity_of[node], target)].append(node)
    pairs: dict[tuple[int, timedelta, datetime | None], list[tuple[float, float]]] = defaultdict(
        list
    )
    for lead in leads:
        known = horizon(rows, lead)
        for (entity, target), nodes in members.items():
            if all((node, target) in known for node in nodes):
                forecast = sum(known[(node, target)][3] for node in nodes)
                total = sum(final_of[(node, target)] for node in nodes)
                bucket = floor(target, timedelta(days=1)) if daily else None
                pairs[(entity, lead, bucket)].append((forecast, total))
    result = {}
    for key, values in pairs.items():
        errors = [f - t for f, t in values]
        ratios = [abs(f - t) / abs(t) for f, t in values if t != 0]
        result[key] = Errors(
            count=len(values),
            bias=fmean(errors),
            mae=fmean(abs(e) for e in errors),
            rmse=sqrt(fmean(e * e for e in errors)),
            mape=_finite(100 * fmean(ratios)) if ratios else None,
        )
    return result


def _finite(value: float) -> float | None:
    """JSON has no infinity: an infinite statistic is answered as null."""
    return value if isfinite(value) else None
