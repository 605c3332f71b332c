"""Storage phase: the continuous aggregates' refreshes, storage per row, and compression.

A full refresh of every rollup; the chunk intervals fitted to the data's density (what ``gridts
migrate`` does, ``gridts.db.chunks``); the hypertable's size before and after compressing every
chunk, and the whole database's (measures, every rollup and index) per stored revision; then the
incremental refreshes after one more hour of data and after a batch of late revisions in a
compressed chunk. ``refresh_and_compress`` is the same preparation for the year-scale scripts.
"""

from __future__ import annotations

import asyncio
import collections
import random
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql
from rich.progress import Progress

from gridts.db import chunks
from gridts.ingest.store import store
from gridts.refresh import ROLLUPS, connector, day_window, refresh_all
from phases.tail import SAMPLE_EVERY, Sampler

if TYPE_CHECKING:
    from gridts.dataset import DatasetPlan
    from results import Results

#: Figure ids of the storage per row (the baseline adds its own to them).
BEFORE = "storage.before_compression"
AFTER = "storage.after_compression"
# Every hypertable of the schema (measures, the rollups' materialisations, named by their view)
# with its size, then everything else in the database that is not TimescaleDB's catalogue.
_SIZES = """
SELECT coalesce(c.view_name, h.table_name), hypertable_size(format('%I.%I', h.schema_name,
       h.table_name)::regclass)::float8
FROM _timescaledb_catalog.hypertable h
LEFT JOIN timescaledb_information.continuous_aggregates c
       ON c.materialization_hypertable_name = h.table_name
WHERE h.compression_state <> 2 AND (h.schema_name = current_schema() OR c.view_name IS NOT NULL)
UNION ALL
SELECT 'other tables', coalesce(sum(pg_total_relation_size(c.oid)), 0)::float8
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')
  AND c.relname NOT IN (SELECT table_name FROM _timescaledb_catalog.hypertable)
ORDER BY 1
"""
_COMPRESS_ROLLUPS = """
SELECT count(compress_chunk(c, if_not_compressed => true))
FROM (SELECT format('%I.%I', hypertable_schema, hypertable_name)::regclass AS relation
      FROM timescaledb_information.hypertables
      WHERE hypertable_schema = current_schema() AND compression_enabled
        AND hypertable_name <> 'measures'
      UNION ALL
      SELECT format('%I.%I', view_schema, view_name)::regclass
      FROM timescaledb_information.continuous_aggregates
      WHERE view_schema = current_schema() AND compression_enabled) AS h,
     LATERAL show_chunks(h.relation) AS c
"""
# The compressed chunks of every hypertable above (named as there), for the bytes per column.
_COMPRESSED = """
SELECT coalesce(c.view_name, h.table_name), z.schema_name, z.table_name
FROM _timescaledb_catalog.hypertable h
JOIN _timescaledb_catalog.chunk k ON k.hypertable_id = h.id
JOIN _timescaledb_catalog.chunk z ON z.id = k.compressed_chunk_id
LEFT JOIN timescaledb_information.continuous_aggregates c
       ON c.materialization_hypertable_name = h.table_name
WHERE h.schema_name = current_schema() OR c.view_name IS NOT NULL
ORDER BY 1, 2
"""
#: The narrowest chunk interval (``GRIDTS_CHUNK_INTERVAL``'s default).
NARROWEST = timedelta(days=7)


def compress_chunks(
    conn: psycopg.Connection, older_than: datetime | None = None, *, progress: bool = False
) -> int:
    """Compress every chunk of ``measures`` (ending before ``older_than``); how many there were."""
    if older_than is None:
        found = conn.execute("SELECT show_chunks('measures')")
    else:
        found = conn.execute("SELECT show_chunks('measures', older_than => %s)", (older_than,))
    chunks = [c for (c,) in found]
    with Progress(transient=True, disable=not progress) as bar:
        task = bar.add_task("compressing chunks", total=len(chunks))
        for chunk in chunks:
            conn.execute("SELECT compress_chunk(%s, if_not_compressed => true)", (chunk,))
            bar.advance(task)
    return len(chunks)


def compress_rollups(conn: psycopg.Connection) -> int:
    """Compress every chunk of the rollups (``series_latest``, the aggregates' materialisations),
    as their policies would in time."""
    row = conn.execute(_COMPRESS_ROLLUPS).fetchone()
    return int(row[0]) if row else 0


def refresh_and_compress(conn: psycopg.Connection, older_than: datetime) -> None:
    """Refresh every rollup, compress chunks older than ``older_than`` as the policy would."""
    started = time.perf_counter()
    refresh_all(conn)
    print(f"refreshed every rollup in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    count = compress_chunks(conn, older_than)
    print(f"compressed {count} chunks in {time.perf_counter() - started:.1f} s")
    conn.execute("VACUUM ANALYZE")


def measure(url: str, plan: DatasetPlan, results: Results) -> None:
    """Full refresh, storage before and after compression, then the incremental refreshes."""
    with psycopg.connect(url, autocommit=True) as conn:
        chunks.fit(conn, NARROWEST, None)  # as `gridts migrate` does before its refresh
        started = time.perf_counter()
        done = refresh_all(conn, connect=connector(url))
        results.add(
            "refresh.full",
            "continuous aggregates: full refresh",
            time.perf_counter() - started,
            "s",
            note="seconds per view: "
            + ", ".join(f"{view} {took:.1f}" for view, took in done.seconds.items()),
        )
        for fitted in chunks.fit(conn, NARROWEST, None):
            short = fitted.relation.removeprefix("public.")
            results.add(
                f"chunks.{short}",
                f"chunk interval, {short}",
                fitted.interval.days,
                "days",
                note=f"{fitted.rows_per_day:,.0f} rows/day, {fitted.merged} chunks merged",
            )
        conn.execute("VACUUM ANALYZE measures")
        before = _size(conn)
        rows = plan.rows
        results.add(BEFORE, "storage before compression", before / rows, "bytes/row")
        started = time.perf_counter()
        compress_chunks(conn, progress=True)
        took = time.perf_counter() - started
        after = _size(conn)
        results.add(
            AFTER, "storage after compression", after / rows, "bytes/row", note=f"in {took:.1f} s"
        )
        results.add(
            "compression.ratio", "compression ratio", before / after, "x", higher_is_better=True
        )
        results.add("compression.seconds", "compression, all chunks", took, "s")
        compress_rollups(conn)
        conn.execute("VACUUM ANALYZE")
        whole = 0.0
        for relation, size in conn.execute(_SIZES).fetchall():
            whole += size
            results.add(
                f"storage.whole.{relation}", f"storage, {relation}", size / rows, "bytes/row"
            )
        results.add("storage.whole", "storage, whole database", whole / rows, "bytes/row")
        for (relation, column), size in sorted(_column_sizes(conn).items()):
            results.add(
                f"storage.column.{relation}.{column}",
                f"column, {relation}.{column}",
                size / rows,
                "bytes/row",
                note="compressed values, without tuple and page overheads",
            )
        nodes = [
            n
            for (n,) in conn.execute(
                "SELECT id FROM series WHERE kind = 'load' AND subtype IS NULL ORDER BY node_id"
            )
        ]
    # One more hour of data after the end, then a day of late revisions a month back.
    hour = plan.start + plan.span
    extra = [
        (node, hour, hour - timedelta(hours=12 - k), 100.0 + k, 0)
        for node in nodes
        for k in range(3)
    ]
    asyncio.run(_store(url, extra))
    took, said = _refresh_day(url, hour)
    results.add(
        "refresh.after_hour", "incremental refresh after one more hour", took, "s", note=said
    )
    end = plan.start + plan.span
    _late_revisions(
        url,
        nodes,
        end - timedelta(days=30),
        suffix="",
        state="every chunk compressed",
        results=results,
    )
    # As the policies leave a database: measures compressed after 7 days, the rollups only
    # after 45 (ROLLUP_COMPRESS_AFTER), so a revision a month late finds their chunks plain.
    with psycopg.connect(url, autocommit=True) as conn:
        for view in ROLLUPS:
            conn.execute(
                "SELECT count(decompress_chunk(c, if_compressed => true)) "
                "FROM show_chunks(%s::regclass, newer_than => %s::timestamptz) c",
                (view, end - ROLLUP_COMPRESS_AFTER),
            )
    _late_revisions(
        url,
        nodes,
        end - timedelta(days=31),
        suffix=".policy",
        state="rollups' chunks of the last 45 days uncompressed, as their policy leaves them",
        results=results,
    )


#: The rollups' compression policy (``sql/schema/0010_exact_values.policies.sql``).
ROLLUP_COMPRESS_AFTER = timedelta(days=45)


def _late_revisions(
    url: str, nodes: list[int], day: datetime, *, suffix: str, state: str, results: Results
) -> None:
    """Write revisions of 10 % of the targets of ``day`` (a compressed ``measures`` chunk),
    collected after every earlier one, then time the refresh of every rollup over that day."""
    rng = random.Random(day.toordinal())
    targets = [day + timedelta(hours=h) for h in range(24)]
    late = [
        # Collected 2 h after the target: after every revision of every preset (the history
        # preset's measure comes 1 h after).
        (node, target, target + timedelta(hours=2), round(rng.uniform(50, 150), 3), 0)
        for node in nodes
        for target in targets
        if rng.random() < 0.1
    ] or [(nodes[0], targets[0], targets[0] + timedelta(hours=2), 1.0, 0)]
    started = time.perf_counter()
    asyncio.run(_store(url, late))
    write = time.perf_counter() - started
    took, said = _refresh_day(url, day)
    results.add(
        f"refresh.after_late_revisions{suffix}",
        f"incremental refresh after late revisions ({state})",
        took,
        "s",
        note=f"{len(late)} late revisions of one compressed day, written in {write:.2f} s; {said}",
    )


def _refresh_day(url: str, instant: datetime) -> tuple[float, str]:
    """Seconds to refresh every rollup over the day of ``instant`` (on a new connection), and
    what to say of it: each view's seconds, those spent waiting for a refresh policy
    (TimescaleDB's job) on the same view, and what else PostgreSQL ran meanwhile."""
    with psycopg.connect(url, autocommit=True) as conn:
        sampler = Sampler(url, ignore=conn.info.backend_pid)
        sampler.start()
        try:
            started = time.perf_counter()
            done = refresh_all(conn, *day_window(instant, instant))
            took = time.perf_counter() - started
        finally:
            sampler.stop.set()
            sampler.join()
    seen = collections.Counter(what for _, active in sampler.samples for what in active)
    views = ", ".join(f"{view} {seconds:.2f}" for view, seconds in done.seconds.items())
    meanwhile = ", ".join(f"{what} x{n}" for what, n in seen.most_common(3)) or "nothing"
    return took, (
        f"seconds per view: {views}; {done.waited:.1f} s waiting for refresh policies; also "
        f"active in PostgreSQL (samples every {SAMPLE_EVERY * 1000:.0f} ms): {meanwhile}"
    )


async def _store(url: str, rows: list[tuple[Any, ...]]) -> None:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await store(conn, rows)


def _column_sizes(conn: psycopg.Connection) -> dict[tuple[str, str], float]:
    """Bytes of each column of every compressed chunk, by hypertable (or view) and column.

    The compressed chunks' own columns: each original column's compressed values, the segment
    columns and the batches' min/max metadata (``_ts_meta_*``), as ``pg_column_size`` sees them.
    """
    sizes: dict[tuple[str, str], float] = {}
    for relation, schema, table in conn.execute(_COMPRESSED).fetchall():
        chunk = sql.Identifier(schema, table)
        columns = [
            name
            for (name,) in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND NOT attisdropped ORDER BY attnum",
                (chunk.as_string(conn),),
            )
        ]
        totals = sql.SQL(", ").join(
            sql.SQL("coalesce(sum(pg_column_size({})), 0)::float8").format(sql.Identifier(c))
            for c in columns
        )
        row = conn.execute(sql.SQL("SELECT {} FROM {}").format(totals, chunk)).fetchone()
        for column, size in zip(columns, row or (), strict=True):
            sizes[(relation, column)] = sizes.get((relation, column), 0.0) + size
    return sizes


def _size(conn: psycopg.Connection) -> float:
    row = conn.execute("SELECT total_bytes FROM hypertable_detailed_size('measures')").fetchone()
    return float(row[0]) if row and row[0] else 0.0
