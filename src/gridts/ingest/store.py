"""Storing a checked batch set-wise, all or nothing, in one transaction.

1. The series the rows name are looked up with one query over the batch's distinct ids and
   ``(node_id, kind, subtype)`` keys (``resolve``): unknown series, values out of a series'
   bounds and targets before the retention boundary are refused, naming the rows.
2. The rows are COPied (binary) into a per-connection temporary staging table.
3. One ``INSERT ... SELECT`` moves them into ``measures`` (``_insert``: a plain one, or, when a
   key is already stored, ``... ON CONFLICT DO NOTHING``).
   Values go in as integers of their kind's smallest unit: stored exactly, never rounded.
4. Only when it inserted fewer rows than were sent does anything more run: a value with more
   decimals than its kind keeps is refused, naming the rows; keys sent twice with different
   values or qualities, or already stored with another value or quality, are conflicts; either
   rolls the transaction back. The rest were duplicates of stored rows.
5. Rows below a rollup's watermark are announced to ``gridts.refresh`` in the same transaction.
6. After the commit, the primary's WAL position is read on the same connection: the answer's
   ``lsn``, which a read passes as ``min_lsn`` to see this batch on a replica.

A concurrent writer of the same key is serialised by the primary key: either INSERT waits for
its commit, and step 4 then sees its value. The transaction commits before the caller answers,
on a connection with ``synchronous_commit=on``: an acknowledged batch is durable.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from psycopg import errors

from gridts import refresh
from gridts.db.queries import query
from gridts.errors import (
    MAX_PROBLEMS,
    BatchConflictError,
    BatchRejectedError,
    InvalidRowsError,
    Problem,
)
from gridts.ingest.resolve import Row, check, resolve
from gridts.ingest.schemas import IngestResult
from gridts.observability import INGEST_ROWS
from gridts.quality import BY_CODE
from gridts.retention import Horizon

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence
    from datetime import datetime

    from psycopg import AsyncConnection

    from gridts.ingest.schemas import MeasureRow

Key = tuple[int, "datetime", "datetime"]

_COPY_TYPES = ("int4", "timestamptz", "timestamptz", "float8", "int2")


async def store(
    conn: AsyncConnection, rows: Sequence[Row], *, horizon: Horizon | None = None
) -> IngestResult:
    """Store ``rows`` (series ids known, as ``gridts.dataset`` makes them) whole or not at all.

    ``conn`` must be in autocommit mode (the pool's); the batch gets its own transaction.
    ``horizon`` caches the retention boundary across batches (default: read for this one).
    """

    async def checked(boundary: datetime | None) -> Sequence[Row]:
        await check(conn, rows, boundary)
        return rows

    return await _store(conn, len(rows), checked, horizon)


async def store_measures(
    conn: AsyncConnection, rows: Sequence[MeasureRow], *, horizon: Horizon | None = None
) -> IngestResult:
    """Store parsed rows, which name their series by id or by node, whole or not at all."""

    async def resolved(boundary: datetime | None) -> Sequence[Row]:
        return await resolve(conn, rows, boundary)

    return await _store(conn, len(rows), resolved, horizon)


async def _store(
    conn: AsyncConnection,
    count: int,
    prepare: Callable[[datetime | None], Awaitable[Sequence[Row]]],
    horizon: Horizon | None,
) -> IngestResult:
    try:
        async with conn.transaction():
            boundary = await (horizon or Horizon(0)).boundary(conn)
            rows = await prepare(boundary)
            await conn.execute(query("ingest", "staging"))
            cursor = conn.cursor()
            async with cursor.copy(query("ingest", "copy")) as copy:
                copy.set_types(_COPY_TYPES)
                for row in rows:
                    await copy.write_row(row)
            inserted = await _insert(conn)
            first = min(r[1] for r in rows)
            last = max(r[1] for r in rows)
            if inserted < count:
                await _check_exact(conn, rows)
                await _check_conflicts(conn, rows, first, last)
            if inserted:
                await refresh.changed(conn, first, last)
    except BatchRejectedError:
        INGEST_ROWS.labels(outcome="rejected").inc(count)
        raise
    INGEST_ROWS.labels(outcome="inserted").inc(inserted)
    INGEST_ROWS.labels(outcome="duplicate").inc(count - inserted)
    position = await (await conn.execute(query("ingest", "commit_lsn"))).fetchone()
    lsn = str(position[0]) if position else None
    return IngestResult(inserted=inserted, duplicates=count - inserted, lsn=lsn)


async def _insert(conn: AsyncConnection) -> int:
    """Move the staged batch into ``measures``; how many rows were new.

    A plain ``INSERT`` first, in a savepoint: a batch of new revisions (the common case) skips
    the speculative insertion ``ON CONFLICT`` pays per row. A key already stored (a resent
    batch, a conflict) fails it with ``unique_violation``; the savepoint is rolled back and the
    ``ON CONFLICT DO NOTHING`` form stores what is new, leaving the rest to the checks.
    """
    try:
        async with conn.transaction():
            return (await conn.execute(query("ingest", "insert_new"))).rowcount
    except errors.UniqueViolation:
        return (await conn.execute(query("ingest", "insert"))).rowcount


async def _check_exact(conn: AsyncConnection, rows: Sequence[Row]) -> None:
    """Refuse the batch if a value has more decimals than its kind keeps (never rounded)."""
    cursor = await conn.execute(query("ingest", "inexact"), {"limit": MAX_PROBLEMS + 1})
    found = {(s, tm, tc): (kind, decimals) for s, tm, tc, kind, decimals in await cursor.fetchall()}
    if not found:
        return
    problems = []
    for index, row in enumerate(rows):
        if (inexact := found.get((row[0], row[1], row[2]))) is not None:
            problems.append(Problem(index, "value", _inexact(row[3], *inexact)))
    raise InvalidRowsError(problems[:MAX_PROBLEMS])


def _inexact(value: float | None, kind: str, decimals: int) -> str:
    """Why ``value`` cannot be stored exactly with ``decimals`` decimals."""
    largest = 2**53 / 10**decimals
    if value is not None and abs(value) > largest:
        return (
            f"{value!r} is too large to keep {decimals} decimals exactly (kind {kind!r}): "
            f"at most {largest:,.0f} in magnitude"
        )
    return (
        f"{value!r} has more decimals than kind {kind!r} keeps ({decimals}); values are stored "
        "exactly and never rounded: send it rounded as you mean it"
    )


def _stored(value: float | None, quality: int) -> str:
    shown = "null" if value is None else str(value)
    return f"value {shown} and quality {BY_CODE[quality]}"


async def _check_conflicts(
    conn: AsyncConnection, rows: Sequence[Row], first: datetime, last: datetime
) -> None:
    """Refuse the batch if a key comes twice, or is stored, with another value or quality."""
    limit = {"limit": MAX_PROBLEMS + 1}
    cursor = await conn.execute(query("ingest", "batch_conflicts"), limit)
    keys: dict[Key, Any] = dict.fromkeys(await cursor.fetchall())
    if not keys:
        params = {**limit, "first": first, "last": last}
        cursor = await conn.execute(query("ingest", "stored_conflicts"), params)
        keys = {(s, tm, tc): (value, q) for s, tm, tc, value, q in await cursor.fetchall()}
    if not keys:
        return
    at: dict[Key, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        key = (row[0], row[1], row[2])
        if key in keys:
            at[key].append(index)
    problems = []
    for key, stored in keys.items():
        for index in at[key]:
            if stored is None:  # sent twice in the batch
                values = {rows[i][3] for i in at[key]}
                field = "quality" if len(values) == 1 else "value"
                message = f"same key as rows {at[key]} with another {field}"
            else:
                field = "quality" if stored[0] == rows[index][3] else "value"
                message = (
                    f"this key is stored with {_stored(*stored)}; a revision cannot change "
                    "(send a new timestamp_collected)"
                )
            problems.append(Problem(index, field, message))
    detail = (
        "the batch conflicts with stored measures or with itself: the same series, "
        "timestamp_measured and timestamp_collected with another value or quality; "
        "nothing was stored"
    )
    raise BatchConflictError(detail, problems[:MAX_PROBLEMS])
