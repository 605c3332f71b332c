"""Server-side JSON (json_agg, bytes passed through) versus rows fetched into Python and msgspec.

The same 10,000-row "latest" answer (27 nodes, 15 days of the year data set that
``bench/read_year.py load`` writes), built two ways, each timed warm, median of 30 runs:

- ``json_agg``: PostgreSQL builds the JSON (``json_build_object``/``json_agg``); one value,
  passed through as bytes without parsing;
- ``tuples+msgspec``: what gridts does (``gridts.encoding``): rows over psycopg's binary
  protocol, built positionally into msgspec Structs and encoded with ``msgspec.json``;
- ``sql only``: the row query alone, rows fetched and dropped, for the database's share.

    GRIDTS_DATABASE_URL=postgresql://... uv run python bench/encoding_choice.py

The range is ``read_year.py``'s "latest, all 27 nodes, 15 days" read (``cases.year_cases``).
"""

from __future__ import annotations

import asyncio
import statistics
import time

import click
import msgspec
import psycopg
from psycopg.adapt import Loader
from psycopg.rows import args_row

from cases import year_case, year_end
from gridts.measures.schemas import Measure

#: ``read_year.py load``'s nodes.
NODES = list(range(1, 28))

ROWS_SQL = """
SELECT l.node_id, n.name, l.timestamp_measured, l.timestamp_collected, l.value
FROM (
    SELECT DISTINCT ON (m.node_id, m.timestamp_measured)
           m.node_id, m.timestamp_measured, m.timestamp_collected, m.value
    FROM measures m
    WHERE m.node_id = ANY(%(nodes)s) AND m.timestamp_measured >= %(start)s
      AND m.timestamp_measured <= %(end)s
    ORDER BY m.node_id DESC, m.timestamp_measured DESC, m.timestamp_collected DESC
) l JOIN grid_node n ON n.id = l.node_id
ORDER BY l.node_id, l.timestamp_measured
"""


JSON_SQL = f"""
SELECT coalesce(json_agg(json_build_object(
    'node_id', r.node_id, 'node_name', r.name, 'timestamp_measured', r.timestamp_measured,
    'timestamp_collected', r.timestamp_collected, 'value', r.value
) ORDER BY r.node_id, r.timestamp_measured), '[]'::json)
FROM ({ROWS_SQL}) AS r
"""


class RawJson(Loader):
    def load(self, data: object) -> bytes:
        return bytes(data)  # type: ignore[call-overload]


class Page(msgspec.Struct):
    data: list[Measure]


async def compare(url: str) -> None:
    """Time the three ways and print a line each."""
    case = year_case(year_end(), "year.latest.all_nodes.15d")
    params = {"nodes": NODES, "start": case.start, "end": case.end}
    async with await psycopg.AsyncConnection.connect(
        url, autocommit=True, options="-c TimeZone=UTC"
    ) as conn:

        async def server_json() -> int:
            cursor = conn.cursor()
            cursor.adapters.register_loader("json", RawJson)
            await cursor.execute(JSON_SQL, params)
            row = await cursor.fetchone()
            assert row is not None
            return len(b'{"data":' + row[0] + b"}")

        async def python_msgspec() -> int:
            cursor = conn.cursor(binary=True, row_factory=args_row(Measure))
            await cursor.execute(ROWS_SQL, params)
            return len(msgspec.json.encode(Page(await cursor.fetchall())))

        async def sql_only() -> int:
            cursor = conn.cursor(binary=True)
            await cursor.execute(ROWS_SQL, params)
            return len(await cursor.fetchall())

        for name, fn in (
            ("json_agg", server_json),
            ("tuples+msgspec", python_msgspec),
            ("sql only", sql_only),
        ):
            times = []
            for _ in range(35):
                started = time.perf_counter()
                size = await fn()
                times.append((time.perf_counter() - started) * 1000)
            print(f"{name:16} {statistics.median(times[5:]):7.1f} ms  ({size} bytes or rows)")


@click.command()
@click.option("--database-url", envvar="GRIDTS_DATABASE_URL", required=True)
def main(database_url: str) -> None:
    """Server-side JSON versus rows and msgspec, on the year data set."""
    asyncio.run(compare(database_url))


if __name__ == "__main__":
    main()
