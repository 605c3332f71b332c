"""What a per-row foreign key from ``measures`` to ``grid_node`` costs on ingest.

Compares, on the same server and rows, two ways to guarantee every ``node_id`` names a node:

- ``fk``: a FOREIGN KEY on the hypertable, checked row by row by PostgreSQL;
- ``setwise``: no key; one anti-join of the batch against ``grid_node`` before the insert
  (what gridts' ingest does), plus the guard trigger on ``grid_node`` (cost paid on delete only).

Both load the batch through COPY into a staging table and ``INSERT ... SELECT`` into a fresh
``measures`` hypertable, as the ingest path does. Run:

    GRIDTS_DATABASE_URL=postgresql://... uv run python bench/integrity_cost.py --rows 2000000

The database must have the timescaledb extension; the script works in a scratch schema and
drops it afterwards.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import click
import psycopg
from psycopg import sql

from phases.ingest import copy_rows
from presets import START

if TYPE_CHECKING:
    from collections.abc import Iterator

NODES = 27
SCHEMA = "integrity_bench"


def setup(conn: psycopg.Connection, *, fk: bool) -> None:
    conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    conn.execute(f"CREATE SCHEMA {SCHEMA}")
    conn.execute(f"CREATE TABLE {SCHEMA}.grid_node (id int PRIMARY KEY)")
    conn.execute(f"INSERT INTO {SCHEMA}.grid_node SELECT generate_series(1, {NODES})")
    reference = f" REFERENCES {SCHEMA}.grid_node (id)" if fk else ""
    conn.execute(
        f"CREATE TABLE {SCHEMA}.measures (node_id int NOT NULL{reference}, "
        "timestamp_measured timestamptz NOT NULL, timestamp_collected timestamptz NOT NULL, "
        "value float8 NOT NULL, PRIMARY KEY (node_id, timestamp_measured, timestamp_collected))"
    )
    conn.execute(
        f"SELECT create_hypertable('{SCHEMA}.measures', "
        "by_range('timestamp_measured', INTERVAL '7 days'))"
    )
    conn.execute(
        f"CREATE UNLOGGED TABLE {SCHEMA}.staging (node_id int, timestamp_measured timestamptz, "
        "timestamp_collected timestamptz, value float8)"
    )


def _rows(hours: int) -> Iterator[tuple[int, datetime, datetime, float]]:
    for h in range(hours):
        target = START + timedelta(hours=h)
        for node in range(1, NODES + 1):
            for lead in (12, 11, 10):
                yield node, target, target - timedelta(hours=lead), float(h % 97)


def stage(conn: psycopg.Connection, rows: int) -> None:
    copy_rows(conn, _rows(rows // (NODES * 3)), table=sql.Identifier(SCHEMA, "staging"))


def load(conn: psycopg.Connection, *, fk: bool) -> float:
    started = time.perf_counter()
    with conn.transaction():
        if not fk:
            unknown = conn.execute(
                f"SELECT count(*) FROM {SCHEMA}.staging s WHERE NOT EXISTS "
                f"(SELECT 1 FROM {SCHEMA}.grid_node n WHERE n.id = s.node_id)"
            ).fetchone()
            assert unknown == (0,)
        conn.execute(f"INSERT INTO {SCHEMA}.measures SELECT * FROM {SCHEMA}.staging")
    return time.perf_counter() - started


@click.command(help=__doc__.splitlines()[0])
@click.option("--database-url", envvar="GRIDTS_DATABASE_URL", required=True)
@click.option("--rows", default=2_000_000, show_default=True, type=int)
@click.option("--repeat", default=2, show_default=True, type=int)
def main(database_url: str, rows: int, repeat: int) -> None:
    """Load the same rows both ways, ``repeat`` times; print the rates and the best of each."""
    results: dict[str, list[float]] = {"fk": [], "setwise": []}
    with psycopg.connect(database_url, autocommit=True) as conn:
        for _ in range(repeat):
            for variant in ("fk", "setwise"):
                setup(conn, fk=variant == "fk")
                stage(conn, rows)
                staged = conn.execute(f"SELECT count(*) FROM {SCHEMA}.staging").fetchone()
                assert staged is not None
                seconds = load(conn, fk=variant == "fk")
                results[variant].append(staged[0] / seconds)
                print(
                    f"{variant:8} {staged[0]:>10,} rows in {seconds:6.2f} s = "
                    f"{staged[0] / seconds:>10,.0f} rows/s"
                )
        conn.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
    best = {k: max(v) for k, v in results.items()}
    print(
        f"best: fk {best['fk']:,.0f} rows/s, set-wise {best['setwise']:,.0f} rows/s, "
        f"set-wise/fk = {best['setwise'] / best['fk']:.2f}x"
    )


if __name__ == "__main__":
    main()
