"""Storing a checked batch set-wise, all or nothing, in one transaction.

1. Node ids are checked with one query over the batch's distinct ids (refused, naming the rows).
2. The rows are COPied (binary) into a per-connection temporary staging table.
3. One ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` moves them into ``measures``.
4. Only when it inserted fewer rows than were sent does anything more run: keys sent twice with
   different values, or already stored with another value, are conflicts (and the transaction
   rolls back); the rest were duplicates of stored rows.
5. Rows below a rollup's watermark are announced to ``gridts.refresh`` in the same transaction.

A concurrent writer of the same key is serialised by the primary key: ``ON CONFLICT`` waits for
its commit, and step 4 then sees its value. The transaction commits before the caller answers,
on a connection with ``synchronous_commit=on``: an acknowledged batch is durable.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from gridts import refresh
from gridts.db.queries import query
from gridts.errors import (
    MAX_PROBLEMS,
    BatchConflictError,
    BatchRejectedError,
    InvalidRowsError,
    Problem,
)
from gridts.ingest.schemas import IngestResult
from gridts.observability import INGEST_ROWS

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from psycopg import AsyncConnection

Key = tuple[int, "datetime", "datetime"]
#: ``(node_id, timestamp_measured, timestamp_collected, value)``
Row = tuple[Any, ...]

_COPY_TYPES = ("int4", "timestamptz", "timestamptz", "float8")


async def store(conn: AsyncConnection, rows: Sequence[Row]) -> IngestResult:
    """Store ``rows`` whole or not at all.

    ``conn`` must be in autocommit mode (the pool's); the batch gets its own transaction.
    """
    first = min(r[1] for r in rows)
    last = max(r[1] for r in rows)
    try:
        async with conn.transaction():
            await _check_nodes(conn, rows)
            await conn.execute(query("ingest", "staging"))
            cursor = conn.cursor()
            async with cursor.copy(query("ingest", "copy")) as copy:
                copy.set_types(_COPY_TYPES)
                for row in rows:
                    await copy.write_row(row)
            inserted = (await conn.execute(query("ingest", "insert"))).rowcount
            if inserted < len(rows):
                await _check_conflicts(conn, rows, first, last)
            if inserted:
                await refresh.changed(conn, first, last)
    except BatchRejectedError:
        INGEST_ROWS.labels(outcome="rejected").inc(len(rows))
        raise
    INGEST_ROWS.labels(outcome="inserted").inc(inserted)
    INGEST_ROWS.labels(outcome="duplicate").inc(len(rows) - inserted)
    return IngestResult(inserted=inserted, duplicates=len(rows) - inserted)


async def _check_nodes(conn: AsyncConnection, rows: Sequence[Row]) -> None:
    wanted = sorted({r[0] for r in rows})
    cursor = await conn.execute(query("ingest", "known_nodes"), {"nodes": wanted})
    known = {node for (node,) in await cursor.fetchall()}
    if len(known) == len(wanted):
        return
    problems = [
        Problem(index, "node_id", f"no node has id {row[0]}")
        for index, row in enumerate(rows)
        if row[0] not in known
    ]
    raise InvalidRowsError(problems)


async def _check_conflicts(
    conn: AsyncConnection, rows: Sequence[Row], first: datetime, last: datetime
) -> None:
    """Refuse the batch when a key was sent twice with two values, or is stored with another."""
    limit = {"limit": MAX_PROBLEMS + 1}
    cursor = await conn.execute(query("ingest", "batch_conflicts"), limit)
    keys: dict[Key, Any] = dict.fromkeys(await cursor.fetchall())
    if not keys:
        params = {**limit, "first": first, "last": last}
        cursor = await conn.execute(query("ingest", "stored_conflicts"), params)
        keys = {(n, tm, tc): stored for n, tm, tc, stored in await cursor.fetchall()}
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
            if stored is None:
                message = f"same key as rows {at[key]} with another value"
            else:
                message = f"this key is stored with value {stored}; a revision cannot change"
            problems.append(Problem(index, "value", message))
    detail = (
        "the batch conflicts with stored measures or with itself: the same node, "
        "timestamp_measured and timestamp_collected with another value; nothing was stored"
    )
    raise BatchConflictError(detail, problems[:MAX_PROBLEMS])
