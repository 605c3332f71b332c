"""``gridts.db.split``: a read over several connections answers as one statement would.

Every row once, in the answer's order; one snapshot for all parts; every part cancelled and
every transaction ended when the read is closed early; and the read on one connection when the
snapshot cannot be shared. Run against the real server: the snapshot is PostgreSQL's.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING

import psycopg
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg import pq

from gridts.db import split
from support.read_paths import split_reads

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

#: Keys 1..n, each with the key's square: the rows ``key`` orders.
_QUERY = "SELECT k, k * k FROM unnest(%(keys)s::int[]) AS k ORDER BY k"  # each part in its order


#: Sorted keys, how many parts to deal them to, and how many a block holds.
_DEALT = {
    "keys": st.lists(st.integers(1, 10_000), unique=True, max_size=100).map(sorted),
    "count": st.integers(1, 4),
    "block": st.integers(1, 16),
}


@settings(max_examples=60, deadline=None)
@given(**_DEALT)
def test_parts_deal_blocks_in_turn_and_hold_every_key_once(
    keys: list[int], count: int, block: int
) -> None:
    dealt = split.parts(keys, count, block)
    assert sorted(k for part in dealt for k in part) == keys
    assert all(part for part in dealt)
    assert len(dealt) <= count
    for start in range(0, len(keys), block):  # each block whole, in the part of its turn
        assert set(keys[start : start + block]) <= set(dealt[start // block % count])


async def _stream(chunks: list[list[int]]) -> AsyncIterator[list[int]]:
    for chunk in chunks:
        await asyncio.sleep(0)
        yield chunk


def _cut(keys: list[int], cuts: list[int]) -> list[list[int]]:
    bounds = sorted({0, len(keys), *(c % (len(keys) + 1) for c in cuts)})
    return [keys[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=80, deadline=None)
@given(
    keys=st.lists(st.integers(0, 500), unique=True, max_size=60),
    owner=st.lists(st.integers(0, 2), min_size=60, max_size=60),
    cuts=st.lists(st.integers(0, 60), max_size=12),
    size=st.integers(1, 7),
)
def test_merged_streams_are_every_row_once_in_key_order(
    keys: list[int], owner: list[int], cuts: list[int], size: int
) -> None:
    parts = [sorted(k for i, k in enumerate(keys) if owner[i] == part) for part in range(3)]
    streams = [_stream(_cut(part, cuts)) for part in parts]

    async def read() -> list[list[int]]:
        return [rows async for rows in split.merged(streams, key=lambda k: k, size=size)]

    chunks = asyncio.run(read())
    assert [k for chunk in chunks for k in chunk] == sorted(keys)
    assert all(len(chunk) == size for chunk in chunks[:-1])
    assert all(0 < len(chunk) <= size for chunk in chunks)


async def _split_read(db: str, keys: list[int], count: int, block: int) -> list[tuple[int, int]]:
    conns = [await psycopg.AsyncConnection.connect(db, autocommit=True) for _ in range(count)]
    try:
        dealt = split.parts(keys, count, block)
        result = split.split_chunks(
            conns[: max(len(dealt), 1)],
            _QUERY,
            [{"keys": part} for part in dealt] or [{"keys": keys}],
            {"keys": keys},
            key=lambda row: row[0],
            size=block,
        )
        rows = [row async for chunk in result for row in chunk]
        assert all(c.info.transaction_status == pq.TransactionStatus.IDLE for c in conns)
        return rows
    finally:
        for conn in conns:
            await conn.close()


@settings(max_examples=15, deadline=None)
@given(**_DEALT)
def test_a_split_read_is_the_whole_query_in_order(
    db: str, keys: list[int], count: int, block: int
) -> None:
    rows = asyncio.run(_split_read(db, keys, count, block))
    assert rows == [(k, k * k) for k in keys]


async def _snapshots(db: str) -> tuple[int, int, int]:
    """Rows a shared snapshot's second part sees after a write, and a fresh transaction."""
    connect = psycopg.AsyncConnection.connect
    async with (
        await connect(db, autocommit=True) as first,
        await connect(db, autocommit=True) as second,
        await connect(db, autocommit=True) as writer,
        await connect(db, autocommit=True) as fresh,
    ):
        await writer.execute("DROP TABLE IF EXISTS split_probe")
        await writer.execute("CREATE TABLE split_probe (k int)")
        assert await split._share_snapshot([first, second])
        await fresh.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        await writer.execute("INSERT INTO split_probe VALUES (1)")  # committed: autocommit
        counts = []
        for conn in (first, second, fresh):  # each one's first query after the write
            row = await (await conn.execute("SELECT count(*) FROM split_probe")).fetchone()
            assert row is not None
            counts.append(row[0])
            await conn.rollback()
        await writer.execute("DROP TABLE split_probe")
        return counts[0], counts[1], counts[2]


def test_the_parts_share_one_snapshot_taken_before_either_reads(db: str) -> None:
    first, second, fresh = asyncio.run(_snapshots(db))
    assert fresh == 1  # a transaction of its own: its snapshot is its first query's
    assert (first, second) == (0, 0)  # both parts: the first one's snapshot


async def _closed_early(db: str) -> tuple[list[pq.TransactionStatus], list[int]]:
    conns = [await psycopg.AsyncConnection.connect(db, autocommit=True) for _ in range(2)]
    try:
        query = "SELECT g FROM generate_series(%(a)s::int, 100000000, 2) AS g"  # minutes whole
        result = split.split_chunks(
            conns, query, [{"a": 1}, {"a": 2}], {"a": 1}, key=lambda row: row[0], size=1000
        )
        first = await anext(result)
        await result.aclose()
        answers = []
        for conn in conns:
            row = await (await conn.execute("SELECT 42")).fetchone()
            assert row is not None
            answers.append(row[0])
        assert [g for (g,) in first] == list(range(1, 1001))
        return [conn.info.transaction_status for conn in conns], answers
    finally:
        for conn in conns:
            await conn.close()


def test_closing_a_split_read_early_cancels_every_part_and_ends_its_transactions(
    db: str,
) -> None:
    statuses, answers = asyncio.run(_closed_early(db))
    assert statuses == [pq.TransactionStatus.IDLE] * 2
    assert answers == [42, 42]


async def _unshared(db: str, keys: list[int]) -> list[tuple[int, int]]:
    first = await psycopg.AsyncConnection.connect(db, autocommit=True)
    gone = await psycopg.AsyncConnection.connect(db, autocommit=True)
    await gone.close()  # its snapshot cannot be imported
    try:
        result = split.split_chunks(
            [first, gone],
            _QUERY,
            [{"keys": keys[::2]}, {"keys": keys[1::2]}],
            {"keys": keys},
            key=lambda row: row[0],
            size=3,
        )
        rows = [row async for chunk in result for row in chunk]
        assert first.info.transaction_status == pq.TransactionStatus.IDLE
        return rows
    finally:
        await first.close()


def test_a_read_whose_snapshot_cannot_be_shared_runs_whole_on_its_first_connection(
    db: str,
) -> None:
    before = split_reads(1)
    keys = list(range(1, 30))
    assert asyncio.run(_unshared(db, keys)) == [(k, k * k) for k in keys]
    assert split_reads(1) == before + 1


async def _unshared_closed_early(db: str) -> pq.TransactionStatus:
    first = await psycopg.AsyncConnection.connect(db, autocommit=True)
    gone = await psycopg.AsyncConnection.connect(db, autocommit=True)
    await gone.close()
    try:
        query = "SELECT g FROM generate_series(%(a)s::int, 100000000) AS g"  # minutes whole
        result = split.split_chunks(
            [first, gone], query, [{"a": 1}, {"a": 2}], {"a": 1}, key=lambda r: r[0], size=1000
        )
        await anext(result)
        await result.aclose()
        return first.info.transaction_status
    finally:
        await first.close()


def test_closing_early_a_read_run_whole_on_one_connection_cancels_it_too(db: str) -> None:
    assert asyncio.run(_unshared_closed_early(db)) == pq.TransactionStatus.IDLE
