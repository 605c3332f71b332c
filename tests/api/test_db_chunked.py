"""``ChunkedCursor.chunks``: every row, in order, a server chunk at a time; and a clean stop.

Every streamed read goes through it (``gridts.reads.rows``), and it drives psycopg's own
generators, so these run it against the real server directly.
"""

from __future__ import annotations

import asyncio

import psycopg
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg import pq

from gridts.db.chunked import ChunkedCursor


async def _chunks(db: str, rows: int, size: int) -> list[list[tuple[int]]]:
    async with await psycopg.AsyncConnection.connect(db) as conn:
        cursor = ChunkedCursor(conn)
        query = "SELECT g FROM generate_series(1, %(n)s) AS g ORDER BY g"
        got = [chunk async for chunk in cursor.chunks(query, {"n": rows}, size=size)]
        assert conn.info.transaction_status == pq.TransactionStatus.INTRANS  # usable again
        return got


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(0, 60), size=st.integers(1, 16))
def test_chunks_hold_every_row_in_order_size_rows_each_but_the_last(
    db: str, rows: int, size: int
) -> None:
    chunks = asyncio.run(_chunks(db, rows, size))
    assert [value for chunk in chunks for (value,) in chunk] == list(range(1, rows + 1))
    assert all(len(chunk) == size for chunk in chunks[:-1])
    assert all(0 < len(chunk) <= size for chunk in chunks)


async def _stop_early(db: str) -> tuple[list[tuple[int]], pq.TransactionStatus, int]:
    async with await psycopg.AsyncConnection.connect(db, autocommit=True) as conn:
        cursor = ChunkedCursor(conn)
        query = "SELECT g FROM generate_series(1, 100000000) AS g"  # minutes to read whole
        chunks = cursor.chunks(query, {}, size=1000)
        first = await anext(chunks)
        await chunks.aclose()
        status = conn.info.transaction_status
        row = await (await conn.execute("SELECT 42")).fetchone()
        assert row is not None
        return first, status, row[0]


def test_closing_the_chunks_early_cancels_the_query_and_frees_the_connection(db: str) -> None:
    first, status, answer = asyncio.run(_stop_early(db))
    assert [value for (value,) in first] == list(range(1, 1001))
    assert status == pq.TransactionStatus.IDLE
    assert answer == 42


async def _in_pipeline(db: str) -> str:
    async with await psycopg.AsyncConnection.connect(db) as conn, conn.pipeline():
        try:
            await anext(ChunkedCursor(conn).chunks("SELECT 1", {}, size=10))
        except psycopg.ProgrammingError as error:
            return str(error)
        return "no error"


def test_chunks_are_refused_in_pipeline_mode_as_stream_is(db: str) -> None:
    assert asyncio.run(_in_pipeline(db)) == "chunks() cannot be used in pipeline mode"
