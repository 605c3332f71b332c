"""Read answers: rows fetched as tuples straight into msgspec Structs, encoded by msgspec.

Why this way and not JSON built by PostgreSQL: both avoid per-row Python dicts, and we measured
both on the year data set (``bench/encoding_choice.py``: a 9,747-row "latest" answer, warm
medians, 2 cores, three runs): the rows fetched as tuples and dropped take 18-20 ms; fetched over
psycopg's binary protocol into Structs and encoded by msgspec, 20-24 ms (serialisation adds a few
ms); the same answer built with ``json_build_object``/``json_agg`` by the server and passed
through as bytes, 37 ms (the server formats every timestamp and float as text and aggregates
1.7 MB; msgspec's output is 1.5 MB). msgspec wins, and the answer keeps a typed schema (OpenAPI;
the tests decode answers into the same Structs).

``args_row`` builds each Struct from the row's values positionally: no dict, no kwargs.

Row limits: every row query ends in ``LIMIT %(limit)s`` with ``limit = max_response_rows + 1``;
more rows than the limit means the answer is a 422 naming the limit, and the work done stayed
bounded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from psycopg.rows import args_row

from gridts.filters import too_many_rows

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from psycopg import AsyncConnection, sql

T = TypeVar("T")


async def fetch_rows(
    conn: AsyncConnection,
    statement: sql.SQL | sql.Composed,
    params: Mapping[str, object],
    limit: int,
    row: Callable[..., T],
) -> list[T]:
    """Run ``statement`` and build one ``row(*values)`` per row; 422 past ``limit`` rows."""
    cursor = conn.cursor(binary=True, row_factory=args_row(row))
    await cursor.execute(statement, {**params, "limit": limit + 1})
    rows = await cursor.fetchall()
    if len(rows) > limit:
        raise too_many_rows(limit)
    return rows
