"""Storing a checked batch set-wise, all or nothing, in one transaction.

1. The series the rows name are looked up with one query over the batch's distinct ids and
   ``(node_id, kind, subtype)`` keys (``resolve``): unknown series, values out of a series'
   bounds and targets before the retention boundary are refused, naming the rows.
2. Values go in as integers of their kind's smallest unit: stored exactly, never rounded. When
   every value is such an integer, the batch is COPied (binary) straight into ``measures``, in a
   savepoint (``_copy_new``): the common case, a batch of new revisions, is stored in one pass.
3. Otherwise, or when a key is already stored (a resent batch, a conflict: the COPY fails with
   ``unique_violation`` and its savepoint is rolled back), the rows are COPied into a
   per-connection temporary staging table, and one ``INSERT ... SELECT`` moves them into
   ``measures`` (``_insert``: a plain one, or, when a key is already stored, ``... ON CONFLICT
   DO NOTHING``), scaling and checking each value in SQL.
4. Only when it inserted fewer rows than were sent does anything more run: a value with more
   decimals than its kind keeps is refused, naming the rows; keys sent twice with different
   values or qualities, or already stored with another value or quality, are conflicts; either
   rolls the transaction back. The rest were duplicates of stored rows.
5. Rows below a rollup's watermark are announced to ``gridts.refresh`` in the same transaction.
6. After the commit, the primary's WAL position is read on the same connection: the answer's
   ``lsn``, which a read passes as ``min_lsn`` to see this batch on a replica.

A concurrent writer of the same key is serialised by the primary key: the COPY or the INSERT
waits for its commit, then fails on the key (the COPY: the staging path takes over) or skips it,
and step 4 sees its value. Two batches writing the same new keys in opposite orders can each
wait for the other: PostgreSQL rolls one back (a deadlock, after ``deadlock_timeout``) and it is
sent again whole (``WRITE_ATTEMPTS``), when it finds the other's rows stored. The transaction
commits before the caller answers, on a connection with ``synchronous_commit=on``: an
acknowledged batch is durable.
"""

from __future__ import annotations

import asyncio
import random
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
from gridts.ingest.resolve import Batch, Row, check, resolve
from gridts.ingest.schemas import IngestResult
from gridts.observability import INGEST_ROWS
from gridts.quality import BY_CODE
from gridts.retention import Horizon

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence
    from datetime import datetime

    from psycopg import AsyncConnection

    from gridts.ingest.schemas import MeasureRow

Key = tuple[int, "datetime", "datetime"]
#: A row as ``measures`` stores it: its value an integer of the kind's smallest unit.
StoredRow = tuple[int, "datetime", "datetime", int | None, int]

_COPY_TYPES = ("int4", "timestamptz", "timestamptz", "float8", "int2")
_MEASURES_TYPES = ("int4", "timestamptz", "timestamptz", "int8", "int2")
#: The largest ``abs(value) * scale`` stored exactly (float8's integers), as insert.sql has it.
_EXACT_LIMIT = 2**53
#: How often a batch is sent when PostgreSQL rolls it back for a deadlock or serialisation
#: failure with a concurrent batch (``_store``); then the client gets a 503 saying so.
WRITE_ATTEMPTS = 3
#: What PostgreSQL rolls a transaction back with, to be tried again (SQLSTATE 40P01, 40001).
ROLLED_BACK = (errors.DeadlockDetected, errors.SerializationFailure)
#: The pause before sending a batch again is drawn from its own generator, which leaves the
#: global ``random`` of the process (a seeded simulation's, say) as it was.
_JITTER = random.Random()  # noqa: S311 - a pause, not a secret


async def store(
    conn: AsyncConnection, rows: Sequence[Row], *, horizon: Horizon | None = None
) -> IngestResult:
    """Store ``rows`` (series ids known, as ``gridts.dataset`` makes them) whole or not at all.

    ``conn`` must be in autocommit mode (the pool's); the batch gets its own transaction.
    ``horizon`` caches the retention boundary across batches (default: read for this one).
    """

    async def checked(boundary: datetime | None) -> Batch:
        return await check(conn, rows, boundary)

    return await _store(conn, len(rows), checked, horizon)


async def store_measures(
    conn: AsyncConnection, rows: Sequence[MeasureRow], *, horizon: Horizon | None = None
) -> IngestResult:
    """Store parsed rows, which name their series by id or by node, whole or not at all."""

    async def resolved(boundary: datetime | None) -> Batch:
        return await resolve(conn, rows, boundary)

    return await _store(conn, len(rows), resolved, horizon)


async def _store(
    conn: AsyncConnection,
    count: int,
    prepare: Callable[[datetime | None], Awaitable[Batch]],
    horizon: Horizon | None,
) -> IngestResult:
    for attempt in range(1, WRITE_ATTEMPTS):
        try:
            return await _attempt(conn, count, prepare, horizon)
        except ROLLED_BACK:
            # A deadlock with a concurrent batch writing the same new keys in another order, or
            # a serialisation failure: PostgreSQL rolled this one back whole, so it is sent
            # again as it was. The other batch has committed or is about to.
            await asyncio.sleep(_JITTER.uniform(0.0, 0.05 * attempt))
    return await _attempt(conn, count, prepare, horizon)  # its rollback reaches the client


async def _attempt(
    conn: AsyncConnection,
    count: int,
    prepare: Callable[[datetime | None], Awaitable[Batch]],
    horizon: Horizon | None,
) -> IngestResult:
    try:
        async with conn.transaction():
            boundary = await (horizon or Horizon(0)).boundary(conn)
            batch = await prepare(boundary)
            rows = batch.rows
            scaled = _scaled(rows, batch.scales)
            if scaled is not None and await _copy_new(conn, scaled):
                inserted = count
            else:
                await _stage(conn, rows)
                inserted = await _insert(conn, stored_key=scaled is not None)
            first = min(r[1] for r in rows)
            last = max(r[1] for r in rows)
            if inserted < count:
                await _check_exact(conn, rows)
                await _check_conflicts(conn, rows, first, last)
            if inserted:
                await refresh.changed(conn, first, last, (r[1] for r in rows))
    except BatchRejectedError:
        INGEST_ROWS.labels(outcome="rejected").inc(count)
        raise
    INGEST_ROWS.labels(outcome="inserted").inc(inserted)
    INGEST_ROWS.labels(outcome="duplicate").inc(count - inserted)
    position = await (await conn.execute(query("ingest", "commit_lsn"))).fetchone()
    lsn = str(position[0]) if position else None
    return IngestResult(inserted=inserted, duplicates=count - inserted, lsn=lsn)


def _scaled(rows: Sequence[Row], scales: Mapping[int, int]) -> list[StoredRow] | None:
    """``rows`` with their values as stored (``value * scale``), or None if one is not exact.

    The same test as insert.sql's, in the same float8 arithmetic (Python's ``round`` rounds half
    to even, as PostgreSQL's ``round(float8)``): a value it refuses sends the batch through the
    staging table, whose checks name the rows.
    """
    out: list[StoredRow] = []
    append = out.append
    limit = _EXACT_LIMIT
    distinct = set(scales.values())
    shared = distinct.pop() if len(distinct) == 1 else 0  # most batches: one scale for all
    for series_id, measured, collected, value, quality in rows:
        if value is None:
            append((series_id, measured, collected, None, quality))
            continue
        scale = shared or scales[series_id]
        scaled = value * scale  # abs(value) * scale is abs(scaled): IEEE products keep no sign
        if not -limit <= scaled <= limit:  # also NaN and infinities
            return None
        stored = round(scaled)
        if stored / scale != value:
            return None
        append((series_id, measured, collected, stored, quality))
    return out


async def _copy_new(conn: AsyncConnection, rows: Sequence[StoredRow]) -> bool:
    """COPY a batch of new revisions straight into ``measures``; False if a key is stored.

    In a savepoint: a key already stored, or sent twice in the batch, fails the COPY with
    ``unique_violation``, and nothing of it stays. Measured at 1,000 nodes (bench/README.md,
    "Ingest straight into measures"): a fifth more rows per second than staging every batch.
    """
    try:
        async with conn.transaction():
            await _copy(conn, "copy_measures", _MEASURES_TYPES, rows)
    except errors.UniqueViolation:
        return False
    return True


async def _stage(conn: AsyncConnection, rows: Sequence[Row]) -> None:
    """COPY the batch as sent into the connection's staging table."""
    await conn.execute(query("ingest", "staging"))
    await _copy(conn, "copy", _COPY_TYPES, rows)


async def _copy(
    conn: AsyncConnection, statement: str, types: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Run ``sql/queries/ingest/<statement>.sql``, a binary COPY, with ``rows`` of ``types``."""
    async with conn.cursor().copy(query("ingest", statement)) as copy:
        copy.set_types(types)
        for row in rows:
            await copy.write_row(row)


async def _insert(conn: AsyncConnection, *, stored_key: bool) -> int:
    """Move the staged batch into ``measures``; how many rows were new.

    A plain ``INSERT`` first, in a savepoint, unless a key is known to be stored already
    (``stored_key``: the straight COPY failed on one): it skips the speculative insertion
    ``ON CONFLICT`` pays per row. A key already stored (a resent batch, a conflict) fails it
    with ``unique_violation``; the savepoint is rolled back and the ``ON CONFLICT DO NOTHING``
    form stores what is new, leaving the rest to the checks.
    """
    if stored_key:
        return (await conn.execute(query("ingest", "insert"))).rowcount
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
