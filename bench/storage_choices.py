"""Bytes per stored revision of ``measures`` under each storage layout choice (issue 14).

The same data goes into scratch hypertables that differ in one choice at a time, every chunk is
compressed, and the compressed size (heap, TOAST and indexes of the compressed chunks, from
``chunk_compression_stats``) is divided by the rows. Two shapes of data, each with realistic and
noisy values:

- ``seed``: the seed preset's shape, 27 series, 3 revisions per hourly target (collected 12, 11
  and 10 hours ahead), 8 weeks;
- ``few``: a small system operator's history, 8 series, 2 revisions per hourly target (a day-ahead
  forecast collected at 12:00 the day before, the measured value an hour after the target),
  from 2018 for 7.7 years.

Realistic values are a smooth daily and weekly load shape per series in MW with 3 decimals, whose
earlier revisions differ from the final value by a small smooth error; noisy values are uniform
random numbers with 3 decimals. The data is made by SQL (``generate_series``), so a run takes
minutes, not hours. Run:

    uv run python bench/storage_choices.py [--database-url URL]
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from dataclasses import dataclass

import click
import psycopg
from psycopg import sql

from gridts.testing.servers import find_server

#: Per shape: (series, first target, last target (exclusive), revisions as SQL rows of
#: (collected expression, error weight)).
SHAPES = {
    "seed": (
        27,
        "2025-01-01",
        "2025-02-26",
        (
            "(VALUES (t - interval '12 hours', 1.0), (t - interval '11 hours', 0.5), "
            "(t - interval '10 hours', 0.0))"
        ),
    ),
    "few": (
        8,
        "2018-01-01",
        "2025-09-13",
        (
            "(VALUES (date_trunc('day', t) - interval '12 hours', 1.0), "
            "(t + interval '1 hour', 0.0))"
        ),
    ),
}
VALUES = {
    # A smooth load: daily and weekly shape, per-series scale; earlier revisions off by a small
    # smooth error (a few % at most), 3 decimals (kW in MW).
    "realistic": (
        "round(((s * 37.5 + 200) * (1 + 0.2 * sin(2 * pi() * extract(hour FROM t) / 24) "
        "+ 0.05 * sin(2 * pi() * extract(dow FROM t) / 7)) "
        "* (1 + r.w * 0.03 * sin(extract(epoch FROM t) / 86400.0 + s)))::numeric, 3)::float8"
    ),
    "noisy": "round((random() * 1000)::numeric, 3)::float8",
}


@dataclass(frozen=True)
class Layout:
    name: str
    columns: str
    select: str
    """How a row of (s, t, c, v) is stored."""
    orderby: str
    chunk: str = "7 days"
    key: str | None = None
    """A primary key, as ``measures`` has: TimescaleDB 2.28 derives a bloom sparse index from it."""
    auto_sparse: bool = True
    """``timescaledb.auto_sparse_indexes`` while compressing."""


CURRENT = Layout(
    "current: segment by series, order by target DESC, collected DESC, float8, 7-day chunks",
    "series_id int, tm timestamptz, tc timestamptz, value float8, quality smallint",
    "s, t, c, v, 0",
    "tm DESC, tc DESC",
)
LAYOUTS = [
    CURRENT,
    dataclasses.replace(
        CURRENT,
        name="today with its primary key (series, target, collected): automatic bloom index",
        key="series_id, tm, tc",
    ),
    dataclasses.replace(
        CURRENT,
        name="today with its primary key, auto_sparse_indexes off",
        key="series_id, tm, tc",
        auto_sparse=False,
    ),
    Layout(
        "order by lead (collected kept as timestamptz)",
        "series_id int, tm timestamptz, tc timestamptz, lead int, value float8, quality smallint",
        "s, t, c, extract(epoch FROM t - c)::int, v, 0",
        "lead, tm",
    ),
    Layout(
        "collected as an offset (seconds before the target)",
        "series_id int, tm timestamptz, lead int, value float8, quality smallint",
        "s, t, extract(epoch FROM t - c)::int, v, 0",
        "tm DESC, lead",
    ),
    Layout(
        "offset, ordered by lead then target",
        "series_id int, tm timestamptz, lead int, value float8, quality smallint",
        "s, t, extract(epoch FROM t - c)::int, v, 0",
        "lead, tm",
    ),
    Layout(
        "offset, by lead, values as integer thousandths",
        "series_id int, tm timestamptz, lead int, value bigint, quality smallint",
        "s, t, extract(epoch FROM t - c)::int, round(v * 1000)::bigint, 0",
        "lead, tm",
    ),
    Layout(
        "offset, by lead, thousandths, 90-day chunks",
        "series_id int, tm timestamptz, lead int, value bigint, quality smallint",
        "s, t, extract(epoch FROM t - c)::int, round(v * 1000)::bigint, 0",
        "lead, tm",
        chunk="90 days",
    ),
    Layout(
        "offset, by lead, thousandths, 365-day chunks",
        "series_id int, tm timestamptz, lead int, value bigint, quality smallint",
        "s, t, extract(epoch FROM t - c)::int, round(v * 1000)::bigint, 0",
        "lead, tm",
        chunk="365 days",
    ),
    Layout(
        "the same with a primary key (series, target, lead), auto_sparse_indexes off",
        "series_id int, tm timestamptz, lead int, value bigint, quality smallint",
        "s, t, extract(epoch FROM t - c)::int, round(v * 1000)::bigint, 0",
        "lead, tm",
        chunk="365 days",
        key="series_id, tm, lead",
        auto_sparse=False,
    ),
]


def measure(conn: psycopg.Connection, layout: Layout, shape: str, values: str) -> float:
    """Compressed bytes per row of ``shape``'s data with ``values`` stored as ``layout`` says."""
    series, first, last, revisions = SHAPES[shape]
    conn.execute("DROP TABLE IF EXISTS scratch")
    key = f", PRIMARY KEY ({layout.key})" if layout.key else ""
    conn.execute(sql.SQL(f"CREATE TABLE scratch ({layout.columns}{key})"))  # type: ignore[arg-type]
    conn.execute(
        "SELECT set_config('timescaledb.auto_sparse_indexes', %s, false)",
        ("on" if layout.auto_sparse else "off",),
    )
    conn.execute(
        "SELECT create_hypertable('scratch', by_range('tm', %s::interval))", (layout.chunk,)
    )
    conn.execute(
        sql.SQL(
            "ALTER TABLE scratch SET (timescaledb.compress, "
            "timescaledb.compress_segmentby = 'series_id', "
            f"timescaledb.compress_orderby = '{layout.orderby}')"
        )  # type: ignore[arg-type]
    )
    conn.execute(
        sql.SQL(
            f"INSERT INTO scratch SELECT {layout.select} FROM ("
            f"SELECT s, t, r.c, {VALUES[values]} AS v "
            f"FROM generate_series(1, {series}) s, "
            f"generate_series('{first}'::timestamptz, '{last}'::timestamptz - interval '1 hour', "
            f"interval '1 hour') t, LATERAL {revisions} AS r (c, w)) AS d"
        )  # type: ignore[arg-type]
    )
    conn.execute("SELECT compress_chunk(c) FROM show_chunks('scratch') c")
    row = conn.execute(
        "SELECT sum(after_compression_total_bytes), (SELECT count(*) FROM scratch) "
        "FROM chunk_compression_stats('scratch')"
    ).fetchone()
    assert row is not None
    return float(row[0]) / float(row[1])


@click.command()
@click.option("--database-url", default=None, help="A TimescaleDB server (default: a local one).")
def main(database_url: str | None) -> None:
    """Print a Markdown table: bytes per row for each layout, shape and kind of values."""
    with contextlib.ExitStack() as stack:
        server = find_server(stack, database_url)
        if server is None:
            raise click.ClickException("no TimescaleDB server found")
        url = server.create_database("gridts_storage_choices")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
            conn.execute("SELECT setseed(0.42)")
            print("| layout | seed, realistic | seed, noisy | few, realistic | few, noisy |")
            print("|---|---|---|---|---|")
            for layout in LAYOUTS:
                started = time.perf_counter()
                cells = [
                    f"{measure(conn, layout, shape, values):.1f}"
                    for shape in SHAPES
                    for values in VALUES
                ]
                print(
                    f"| {layout.name} | {' | '.join(cells)} |  "
                    f"<!-- {time.perf_counter() - started:.0f} s -->",
                    flush=True,
                )


if __name__ == "__main__":
    main()
