"""Which series each row writes, and whether it may: one query for the whole batch.

A batch names series by id or by ``(node_id, kind, subtype)``; one query fetches every series it
names (``series.sql``), with their bounds, and Python maps the rows to series ids with two dicts.
In the same pass each row is checked against what only the database knows: the series exists
(and agrees with the node, kind and subtype the row also gives), the value lies within the
series' ``min_value``/``max_value`` (only series that have bounds are looked at), and the target
is not before the retention boundary (``gridts.retention``). Every problem is listed, by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gridts.db.queries import query
from gridts.errors import InvalidRowsError, Problem
from gridts.quality import Quality

if TYPE_CHECKING:
    from collections.abc import Container, Iterable, Mapping, Sequence
    from datetime import datetime

    from psycopg import AsyncConnection

    from gridts.ingest.schemas import MeasureRow

#: ``(series_id, timestamp_measured, timestamp_collected, value, quality code)``: a stored row.
Row = tuple[int, "datetime", "datetime", float | None, int]
#: ``(node_id, kind, subtype)``: a series named by its node.
Key = tuple[int | None, str, str | None]

#: A row that names only its node writes the node's default series.
DEFAULT_KIND = "load"
_CODE: dict[Quality | None, int] = {None: Quality.GOOD.code} | {q: q.code for q in Quality}
_FIELD_ORDER = {"series_id": 0, "node_id": 1, "kind": 2, "subtype": 3, "timestamp_measured": 4}


@dataclass(frozen=True, slots=True)
class Series:
    """A series a batch names, as stored."""

    id: int
    node_id: int
    kind: str
    subtype: str | None
    min_value: float | None
    max_value: float | None
    scale: int
    """Values are stored as integers of ``value * scale`` (10 ** the kind's decimals)."""

    @property
    def bounded(self) -> bool:
        """Whether values must lie within bounds."""
        return self.min_value is not None or self.max_value is not None


async def _lookup(
    conn: AsyncConnection,
    ids: Iterable[int],
    keys: Iterable[Key],
    default_nodes: Iterable[int] = (),
) -> list[Series]:
    """The series a batch names, locked against deletion until the batch commits.

    Those with ``ids``, those named by ``keys``, and the default series of ``default_nodes``.
    """
    named = sorted(keys, key=lambda k: (k[0] or 0, k[1], k[2] or ""))
    params = {
        "ids": sorted(ids),
        "nodes": [k[0] for k in named],
        "kinds": [k[1] for k in named],
        "subtypes": [k[2] for k in named],
        "default_nodes": sorted(default_nodes),
        "default_kind": DEFAULT_KIND,
    }
    cursor = await conn.execute(query("ingest", "series"), params)
    return [Series(*found) for found in await cursor.fetchall()]


def _raise(problems: list[Problem]) -> None:
    if problems:
        problems.sort(key=lambda p: (p.row or 0, _FIELD_ORDER.get(p.field or "", 9)))
        raise InvalidRowsError(problems)


def _out_of_bounds(index: int, value: float | None, series: Series) -> Problem | None:
    if value is None:
        return None
    if series.min_value is not None and value < series.min_value:
        return Problem(
            index, "value", f"{value} is below min_value {series.min_value} of series {series.id}"
        )
    if series.max_value is not None and value > series.max_value:
        return Problem(
            index, "value", f"{value} is above max_value {series.max_value} of series {series.id}"
        )
    return None


def too_old(index: int, boundary: datetime) -> Problem:
    """The problem of a target before the retention boundary."""
    return Problem(
        index,
        "timestamp_measured",
        f"is before {boundary.isoformat(timespec='seconds')}, the retention boundary: raw "
        "measures that old are dropped, so no revision can be written there",
    )


@dataclass(frozen=True, slots=True)
class Batch:
    """A batch's rows in stored form, with the scale of every series they write."""

    rows: Sequence[Row]
    scales: Mapping[int, int]


async def resolve(
    conn: AsyncConnection, rows: Sequence[MeasureRow], boundary: datetime | None
) -> Batch:
    """The stored form of ``rows``, or ``InvalidRowsError`` naming every row that cannot be."""
    # Comprehensions, not one loop with branches: this runs for every row of every batch. A row
    # naming only its node (the common case) is looked up by the node id alone.
    nodes = {
        r.node_id
        for r in rows
        if r.series_id is None and r.kind is None and r.node_id is not None  # parse made sure
    }
    keys = {
        (r.node_id, r.kind, r.subtype) for r in rows if r.series_id is None and r.kind is not None
    }
    ids = {r.series_id for r in rows if r.series_id is not None}
    found = {s.id: s for s in await _lookup(conn, ids, keys, nodes)}
    by_key = {(s.node_id, s.kind, s.subtype): i for i, s in found.items()}
    by_node = {s.node_id: i for i, s in found.items() if s.kind == DEFAULT_KIND and not s.subtype}
    out: list[Row] = [
        (
            r.series_id
            if r.series_id is not None
            else by_node.get(r.node_id, _NONE)  # type: ignore[arg-type]
            if r.kind is None
            else by_key.get((r.node_id, r.kind, r.subtype), _NONE),  # type: ignore[arg-type]
            r.timestamp_measured,
            r.timestamp_collected,
            r.value,
            _CODE[r.quality],
        )
        for r in rows
    ]
    problems: list[Problem] = []
    if ids:
        problems.extend(_by_id(rows, found))
    if not nodes <= by_node.keys() or not keys <= by_key.keys():
        problems.extend(await _unknown(conn, rows, by_key))
    _verify(out, found, boundary, problems)
    return Batch(out, {i: s.scale for i, s in found.items()})


async def check(conn: AsyncConnection, rows: Sequence[Row], boundary: datetime | None) -> Batch:
    """Refuse rows already in stored form, as ``resolve`` refuses them."""
    wanted = {r[0] for r in rows}
    found = {s.id: s for s in await _lookup(conn, wanted, ())}
    problems = []
    if len(found) < len(wanted):
        problems = [
            Problem(index, "series_id", f"no series has id {row[0]}")
            for index, row in enumerate(rows)
            if row[0] not in found
        ]
    _verify(rows, found, boundary, problems)
    return Batch(rows, {i: s.scale for i, s in found.items()})


#: The series id of a row whose series does not exist (no series has it).
_NONE = 0


def _by_id(rows: Sequence[MeasureRow], found: dict[int, Series]) -> Iterable[Problem]:
    """Problems of rows naming their series by id.

    No such series, or another node, kind or subtype given than the series'.
    """
    for index, row in enumerate(rows):
        if row.series_id is None:
            continue
        series = found.get(row.series_id)
        if series is None:
            yield Problem(index, "series_id", f"no series has id {row.series_id}")
        elif row.node_id is not None or row.kind is not None or row.subtype is not None:
            yield from _disagreements(index, row, series)


def _verify(
    rows: Sequence[Row],
    found: dict[int, Series],
    boundary: datetime | None,
    problems: list[Problem],
) -> None:
    """Raise ``InvalidRowsError`` if there are ``problems`` or rows out of bounds or too old.

    Rows whose value lies outside their series' bounds or whose target is before the retention
    boundary are added to ``problems``. Only series with bounds are looked at, and targets only
    when one is before the boundary.
    """
    bounded = {i: s for i, s in found.items() if s.bounded}
    cutoff = boundary if boundary is not None and min(r[1] for r in rows) < boundary else None
    if bounded or cutoff is not None:
        for index, (series_id, target, _, value, _) in enumerate(rows):
            if series_id in bounded and (problem := _out_of_bounds(index, value, found[series_id])):
                problems.append(problem)
            if cutoff is not None and target < cutoff:
                problems.append(too_old(index, cutoff))
    _raise(problems)


def _disagreements(index: int, row: MeasureRow, series: Series) -> Iterable[Problem]:
    """A row that gives ``series_id`` and also a node, kind or subtype: they must be the series'."""
    if row.node_id is not None and row.node_id != series.node_id:
        yield Problem(
            index,
            "node_id",
            f"series {series.id} belongs to node {series.node_id}, not {row.node_id}",
        )
    if row.kind is not None and row.kind != series.kind:
        yield Problem(
            index, "kind", f"series {series.id} is of kind {series.kind!r}, not {row.kind!r}"
        )
    if row.subtype is not None and row.subtype != series.subtype:
        yield Problem(
            index,
            "subtype",
            f"series {series.id} has subtype {series.subtype!r}, not {row.subtype!r}",
        )


async def _unknown(
    conn: AsyncConnection, rows: Sequence[MeasureRow], by_key: Container[Key]
) -> list[Problem]:
    """Per row naming a series that does not exist, what is missing: node, kind or subtype."""
    unresolved: dict[int, Key] = {}
    for index, row in enumerate(rows):
        if row.series_id is None:
            key = (row.node_id, row.kind or DEFAULT_KIND, row.subtype)
            if key not in by_key:
                unresolved[index] = key
    nodes = sorted({k[0] for k in unresolved.values() if k[0] is not None})
    cursor = await conn.execute(query("ingest", "node_series"), {"nodes": nodes})
    existing: set[int] = set()
    kinds: set[tuple[int, str]] = set()
    for node, kind, _ in await cursor.fetchall():
        existing.add(node)
        kinds.add((node, kind))
    problems = []
    for index, (node, kind, subtype) in unresolved.items():
        if node not in existing:
            problems.append(Problem(index, "node_id", f"no node has id {node}"))
        elif (node, kind) not in kinds:
            problems.append(
                Problem(index, "kind", f"node {node} has no {kind!r} series: create it first")
            )
        else:
            which = "no subtype" if subtype is None else f"subtype {subtype!r}"
            message = f"node {node} has no {kind!r} series with {which}: create it first"
            problems.append(Problem(index, "subtype", message))
    return problems
