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

import argparse
import os
import time
from datetime import UTC, datetime, timedelta

import psycopg

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


def stage(conn: psycopg.Connection, rows: int) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    hours = rows // (NODES * 3)
    with conn.cursor().copy(f"COPY {SCHEMA}.staging FROM STDIN (FORMAT binary)") as copy:
        copy.set_types(["int4", "timestamptz", "timestamptz", "float8"])
        for h in range(hours):
            target = start + timedelta(hours=h)
            for node in range(1, NODES + 1):
                for lead in (12, 11, 10):
                    copy.write_row((node, target, target - timedelta(hours=lead), float(h % 97)))


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    url = os.environ["GRIDTS_DATABASE_URL"]
    results: dict[str, list[float]] = {"fk": [], "setwise": []}
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(args.repeat):
            for variant in ("fk", "setwise"):
                setup(conn, fk=variant == "fk")
                stage(conn, args.rows)
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
