"""Creating a rollup's missing chunks before its pieces are refreshed side by side.

TimescaleDB creates a chunk under a ``SHARE UPDATE EXCLUSIVE`` lock on the hypertable and keeps
that lock until the creating transaction ends (``ts_chunk_create_for_point``). A refresh writes
its window in one transaction, so a piece that creates a chunk of the materialisation holds the
lock while it writes the rest, and the piece beside it waits for it to commit before it can
create its own chunk, or cut the invalidation log (which takes the same lock). For
``series_1h`` the writing is most of a piece: in a year's full refresh, its two workers spent a
third of their time waiting (``Lock:relation``, sampled in ``pg_stat_activity``), and one core
stood idle. With its chunks created first, a fresh ``series_1h`` of a year refreshed in
11.5-12.5 s instead of 13.9-18.9 s (``bench/README.md``).

A chunk is created the public way: a row written at an instant it must hold, deleted in the same
transaction, so TimescaleDB aligns it as it aligns every chunk. The chunks that the view's
compression policy has passed are then compressed while empty: a refresh writes compressed
batches into them as into a chunk it created (TimescaleDB marks a chunk it did not create, and
did not find compressed, as partly compressed, which the policy would compress again).
"""

from __future__ import annotations

import bisect
import itertools
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from psycopg import sql
from psycopg.errors import DeadlockDetected

from gridts.db.queries import query

if TYPE_CHECKING:
    from collections.abc import Sequence

    from psycopg import Connection

log = logging.getLogger(__name__)
#: Where TimescaleDB aligns chunks of a fixed interval.
_UNIX = datetime(1970, 1, 1, tzinfo=UTC)


class Materialization(NamedTuple):
    """A rollup's materialisation: the hypertable its chunks belong to, and its time column."""

    schema: str
    table: str
    column: str


def materialization(conn: Connection, view: str) -> Materialization | None:
    """The materialisation of the continuous aggregate ``view``, None if there is none."""
    found = conn.execute(query("refresh", "materialization"), {"view": view}).fetchone()
    return None if found is None else Materialization(*found)


def chunk_starts(lo: datetime, hi: datetime, interval: timedelta) -> list[datetime]:
    """The starts of the chunks ``interval`` wide, aligned on the Unix epoch, over ``[lo, hi)``.

    A chunk wider than the span (a few rows' chunks can span centuries) is the only one.
    """
    if interval <= timedelta(0) or hi <= lo:
        return []
    edge = _UNIX + ((lo - _UNIX) // interval) * interval
    starts = [edge]
    while interval < hi - edge:
        edge += interval
        starts.append(edge)
    return starts


def holding(
    starts: Sequence[datetime], interval: timedelta, raw: Sequence[tuple[datetime, datetime]]
) -> list[datetime]:
    """The ``starts`` of chunks ``interval`` wide that overlap a range of ``raw`` (sorted)."""
    firsts = [first for first, _ in raw]
    furthest = list(itertools.accumulate((end for _, end in raw), max))  # of raw[: i + 1]
    return [
        start
        for start in starts
        if (i := bisect.bisect_left(firsts, start + interval)) > 0 and furthest[i - 1] > start
    ]


def create_chunks(
    conn: Connection,
    target: Materialization,
    span: tuple[datetime, datetime],
    interval: timedelta,
    compressed_before: datetime | None,
    *,
    raw: Sequence[tuple[datetime, datetime]],
) -> int:
    """Create the missing chunks of ``target`` over ``span``; return how many.

    Only where ``raw`` (the ranges of ``measures``' chunks, sorted) may hold revisions: a stray
    row years ahead leaves years of nothing in the span. Those ending by ``compressed_before``
    (the view's compression horizon) are compressed. ``conn`` is an autocommit connection; the
    chunks are created in one short transaction.
    """
    names = {
        "table": sql.Identifier(target.schema, target.table),
        "time": sql.Identifier(target.column),
    }
    where = {"schema": target.schema, "table": target.table}
    with conn.transaction():
        conn.execute(query("refresh", "lock_chunks").format(**names))
        held = conn.execute(
            query("refresh", "chunks_at"),
            {**where, "at": holding(chunk_starts(*span, interval), interval, raw)},
        ).fetchall()
        missing = [at for at, chunk, _, _ in held if chunk is None]
        if not missing:
            return 0
        conn.execute(query("refresh", "create_chunks").format(**names), {"at": missing})
        conn.execute(query("refresh", "drop_placeholders").format(**names), {"at": missing})
        created = conn.execute(query("refresh", "chunks_at"), {**where, "at": missing}).fetchall()
    if compressed_before is not None:
        passed = sorted(
            {chunk for _, chunk, packed, end in created if not packed and end <= compressed_before}
        )
        try:
            conn.execute(query("refresh", "compress_empty"), {"chunks": passed})
        except DeadlockDetected:
            # A refresh policy's job refreshing the view meanwhile planned over the new chunks.
            # Left uncompressed, they are written as partly compressed: the policy compresses
            # them again, as it would had this not been tried.
            log.warning("%s: new chunks left uncompressed (deadlock)", target.table)
    return len(missing)
