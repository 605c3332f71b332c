"""Accuracy statistics: the revisions from PostgreSQL, the arithmetic in numpy (``compute``).

The series compared are chosen by the shared filters (each node's default series unless the
request names kinds or subtypes; at region and grid level, every series of the level's nodes
of those kinds), so forecasts are always compared with the same series' finals.

The series are read in the answer's order of groups, a batch of them per query (``_per_batch``)
and one series at a time within it, over two connections where the pool has one idle; each
group's per-target totals are folded once they hold ``_PENDING`` targets, and a group is
answered, and its totals dropped, at the end of the query that read its last series. A wide
request's memory is bounded by one series' revisions and one batch's targets, not by all it
reads (every node of 1,000 over a year: 961 MB of peak RSS when every group was held to the
end).
"""

from __future__ import annotations

import itertools
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from gridts.accuracy import compute
from gridts.accuracy.schemas import Accuracy, Final
from gridts.db import split
from gridts.db.chunked import ChunkedCursor
from gridts.db.lease import lease_of
from gridts.db.queries import query
from gridts.errors import AnswerTooLargeError
from gridts.instants import from_postgres
from gridts.reads.levels import Level
from gridts.reads.rows import select_series, series_members
from gridts.rollups.days import local

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from psycopg import AsyncConnection

    from gridts.reads.filters import Filters

_MICROSECOND = timedelta(microseconds=1)
#: PostgreSQL's epoch: its send format counts microseconds from here.
#: Per-series targets a group holds before folding them into its totals (a target holds 2 + 2 x
#: leads integers: 20 MB at four leads).
_PENDING = 250_000
#: Hourly targets of the range times the series of one query: its groups' totals are held until
#: the query ends (then answered and dropped). 57 series for a year, 1 for 57 years and more.
_BATCH_TARGETS = 500_000


@dataclass
class _Group:
    """An entity, kind and subtype: the series compared together, and their totals so far."""

    entity: int
    kind: str
    subtype: str | None
    unit: str
    tz: str
    mean: bool
    scale: int
    series: list[int] = field(default_factory=list)
    pending: list[compute.Totals] = field(default_factory=list)
    held: int = 0

    def add(self, totals: compute.Totals, largest: int) -> None:
        self.pending.append(totals)
        self.held += len(totals.targets)
        if self.held >= _PENDING:
            self.pending = [self.totals(largest)]
            self.held = len(self.pending[0].targets)

    def totals(self, largest: int) -> compute.Totals:
        return compute.combine(self.pending, bound=len(self.series) * largest)


async def accuracy(
    conn: AsyncConnection,
    level: Level,
    filters: Filters,
    leads: list[timedelta],
    final: Final,
    *,
    daily: bool,
    timezone: str | None,
    limit: int,
) -> list[Accuracy]:
    """Error statistics per entity of ``level``, kind, subtype, lead (and local day)."""
    series = await select_series(conn, filters)
    if not series:
        return []
    groups, of_series = await _groups(conn, level, series, timezone)
    ordered = sorted(set(leads))
    steps = np.array(microseconds(ordered), dtype=np.int64)
    chosen = [member for group in groups for member in group.series]  # in the groups' order
    ends = list(itertools.accumulate(len(group.series) for group in groups))
    per_batch = _per_batch(filters)
    lease = lease_of(conn)
    wide = min(per_batch, len(chosen)) > 1  # a query of more than one series
    conns = [conn, *(await lease.helpers() if lease is not None and wide else [])]
    answer: list[Accuracy] = []
    largest, done = 0, 0
    for first in range(0, len(chosen), per_batch):
        batch = chosen[first : first + per_batch]
        async with aclosing(_revisions(conns, batch, filters)) as revisions:
            async for series_id, part in revisions:
                largest = max(largest, part.largest())
                group = groups[of_series[series_id]]
                group.add(compute.known(part, steps, at_target=final is Final.AT_TARGET), largest)
        complete = done
        while complete < len(groups) and ends[complete] <= first + len(batch):
            complete += 1
        finished, done = groups[done:complete], complete
        totals = [group.totals(largest) if group.pending else None for group in finished]
        buckets = await _buckets(conn, finished, totals) if daily else {}
        for index, (group, total) in enumerate(zip(finished, totals, strict=True)):
            group.pending = []  # answered: its totals are no longer needed
            if total is not None and len(total.targets):
                rows = _answer(
                    group, total, buckets.get(index), leads=ordered, level=level, largest=largest
                )
                answer.extend(rows)
                if len(answer) > limit:
                    raise AnswerTooLargeError(limit)
    return answer


def _answer(
    group: _Group,
    totals: compute.Totals,
    buckets: compute.Ints | None,
    *,
    leads: list[timedelta],
    level: Level,
    largest: int,
) -> list[Accuracy]:
    """One group's answer rows, from its totals."""
    return [
        Accuracy(
            group.entity,
            leads[row.lead],
            None if row.bucket is None else local(from_postgres(row.bucket), group.tz),
            row.count,
            row.bias,
            row.mae,
            row.rmse,
            row.mape,
            group.kind,
            group.subtype,
            group.unit,
            group.series[0] if level is Level.NODE else None,
        )
        for row in compute.statistics(
            totals,
            mean=group.mean,
            scale=group.scale,
            buckets=buckets,
            bound=len(group.series) * largest,
        )
    ]


def _per_batch(filters: Filters) -> int:
    """Series per query: ``_BATCH_TARGETS`` hourly targets of the range's (at least one series)."""
    hours = (filters.end - filters.start) // timedelta(hours=1) + 1
    return max(1, _BATCH_TARGETS // max(hours, 1))


def microseconds(leads: list[timedelta]) -> list[int]:
    """The leads in microseconds, the unit of the revisions' times."""
    return [lead // _MICROSECOND for lead in leads]


async def _groups(
    conn: AsyncConnection, level: Level, series: list[int], timezone: str | None
) -> tuple[list[_Group], dict[int, int]]:
    """The groups of ``series`` in the answer's order, and each series' group (its index)."""
    cursor = await conn.execute(
        query("accuracy", "members").format(members=series_members(level)),
        {"series": series, "timezone": timezone},
    )
    groups: list[_Group] = []
    index: dict[tuple[int, str, str | None], int] = {}
    of_series: dict[int, int] = {}
    for series_id, entity, kind, subtype, unit, aggregation, scale, tz in await cursor.fetchall():
        key = (entity, kind, subtype)
        if key not in index:
            index[key] = len(groups)
            groups.append(_Group(entity, kind, subtype, unit, tz, mean=True, scale=scale))
        group = groups[index[key]]
        group.series.append(series_id)
        group.mean = group.mean and aggregation == "mean"
        group.unit, group.tz, group.scale = min(group.unit, unit), min(group.tz, tz), scale
        of_series[series_id] = index[key]
    return groups, of_series


async def _revisions(
    conns: list[AsyncConnection], series: list[int], filters: Filters
) -> AsyncGenerator[tuple[int, compute.Revisions]]:
    """Each series' revisions in the filters' range, one series at a time, in any order.

    With more than one connection, the series are dealt to them in turn and read side by side,
    in one snapshot (``gridts.db.split``): PostgreSQL packs each series on one core, and that
    packing is most of a wide request's time ("Accuracy over two connections").
    """
    statement = query("accuracy", "revisions")
    params = {"series": series, "start": filters.start, "end": filters.end}
    dealt = split.parts(series, len(conns), 1)
    if len(dealt) > 1:
        rank = {series_id: position for position, series_id in enumerate(series)}
        rows = split.split_chunks(
            conns[: len(dealt)],
            statement,
            [{**params, "series": part} for part in dealt],
            params,
            key=lambda row: rank[row[0]],
            size=1,
        )
    else:
        rows = ChunkedCursor[Any](conns[0]).chunks(statement, params, size=1)
    try:
        async for chunk in rows:
            for series_id, revisions, missing in chunk:
                if revisions is not None:  # None: no revisions in range
                    yield series_id, compute.Revisions.decode(revisions, missing)
    finally:
        await rows.aclose()


async def _buckets(
    conn: AsyncConnection, groups: list[_Group], totals: list[compute.Totals | None]
) -> dict[int, compute.Ints]:
    """Each group's targets' local days (time_bucket in its zone), by the group's index."""
    zones: dict[str, list[int]] = {}
    for index, (group, total) in enumerate(zip(groups, totals, strict=True)):
        if total is not None and len(total.targets):
            zones.setdefault(group.tz, []).append(index)
    buckets: dict[int, compute.Ints] = {}
    for zone, members in zones.items():
        targets = np.unique(np.concatenate([totals[i].targets for i in members]))  # type: ignore[union-attr]
        cursor = conn.cursor(binary=True)
        await cursor.execute(
            query("accuracy", "buckets"), {"targets": targets.tolist(), "timezone": zone}
        )
        row = await cursor.fetchone()
        days = np.frombuffer(row[0] if row else b"", dtype=">i8").astype(np.int64)
        for i in members:
            buckets[i] = days[np.searchsorted(targets, totals[i].targets)]  # type: ignore[union-attr]
    return buckets
