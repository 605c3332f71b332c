"""Read answers built as JSON by PostgreSQL and passed through as bytes.

Why PostgreSQL builds the JSON: a read may return up to ``settings.max_response_rows`` rows. Going
through Python costs, per row, a tuple and a ``datetime``/``float`` object per column on the
psycopg side plus a Struct or dict on ours before msgspec encodes it; ``json_agg`` in the server
emits the same text in C while it reads the rows, and psycopg hands over one value that we pass
on untouched (``RawJsonLoader`` returns the bytes without decoding them). Measured on the year
data set (``docs/query-plans.md``): for a 10,000-row answer the server-side JSON costs a few
milliseconds and nothing in Python grows with the number of rows. The documented shapes live in
each resource's ``schemas.py`` as msgspec Structs, which the tests decode every answer into.

Session time zone is UTC (``gridts.db.pool``), so timestamps come out as ``...+00:00``; float8
is printed with the shortest text that round-trips (PostgreSQL 12+).

Row limits: the row query carries ``LIMIT %(limit)s`` = ``max_response_rows + 1``; when the
count reaches it, the answer is a 422 naming the limit, and the work done stayed bounded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from psycopg.adapt import Loader

from gridts.filters import too_many_rows

if TYPE_CHECKING:
    from collections.abc import Mapping

    from psycopg import AsyncConnection, sql
    from psycopg.abc import Buffer


class RawJsonLoader(Loader):
    """Load ``json`` values as the server's bytes, without parsing them."""

    def load(self, data: Buffer) -> bytes:
        """Return the JSON text as bytes."""
        return bytes(data)


async def fetch_json_rows(
    conn: AsyncConnection,
    statement: sql.SQL | sql.Composed,
    params: Mapping[str, object],
    limit: int,
) -> bytes:
    """Run ``statement`` (one row: ``count``, ``json`` array) and return the array's bytes.

    ``params`` gets ``limit`` = ``limit + 1``; a count past ``limit`` raises the 422.
    """
    cursor = conn.cursor()
    cursor.adapters.register_loader("json", RawJsonLoader)
    await cursor.execute(statement, {**params, "limit": limit + 1})
    row = await cursor.fetchone()
    if row is None:  # pragma: no cover - an aggregate always returns one row
        return b"[]"
    count, data = row
    if count > limit:
        raise too_many_rows(limit)
    return bytes(data)
