"""Bytes per stored revision under different layouts of ``measures``: the figures for issue 14.

The same rows are loaded into scratch hypertables that differ in one choice at a time from the
current layout (then in the best combinations), every chunk is compressed, and
``hypertable_detailed_size`` (heap, TOAST and indexes of every chunk, compressed or not) is
divided by the rows. Two data shapes, each with both value kinds of ``gridts.dataset``:

- ``seed``: the seed preset's shape, 27 nodes, hourly, 3 revisions collected 12, 11 and 10 h
  ahead (``--seed-days`` of it, a year by default);
- ``history``: the ``history`` preset, few nodes over many years: 8 nodes, hourly, a day-ahead
  forecast collected at 12:00 UTC the day before and the measured value an hour after, 7.7
  years from 2018 (``--history-days`` of it);

and ``noisy`` (the default generator: independent noise on every value) or ``realistic``
(a smooth load shape, small revisions converging on the measure), all rounded to 3 decimals.

The scratch tables stand alone (no rollups, no policies): the schema is not changed. The
``--whole`` part seeds the real schema (``gridts seed``'s writer into a migrated throwaway
database), refreshes the rollups, compresses ``measures``, and reports the whole database per
stored revision, by relation; then it turns the columnstore on for the continuous aggregates'
materialisations, compresses them, and reports again.

    uv run python bench/storage_choices.py                     # everything: ~15 min here
    uv run python bench/storage_choices.py --layout current --layout best_90d --data seed/noisy
    uv run python bench/storage_choices.py --no-layouts --whole history/realistic

``--database-url`` names a maintenance database on a TimescaleDB server (default: a throwaway
local cluster, as ``run.py``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click
import psycopg
from psycopg import sql

from gridts.dataset import DatasetPlan, Values, batches
from gridts.refresh import refresh_all
from gridts.testing.servers import HOW_TO_PROVIDE, find_server
from phases.ingest import seed_database
from presets import HISTORY_START, START

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: The scratch database the layouts are measured in, and the real schema's for ``--whole``.
SCRATCH_DB = "bench_storage"
WHOLE_DB = "bench_storage_whole"


@dataclass(frozen=True)
class Shape:
    """A data set's shape: the plan without its values kind."""

    name: str
    plan: DatasetPlan

    def with_values(self, values: Values) -> DatasetPlan:
        return dataclasses.replace(self.plan, values=values)


def shapes(seed_days: int, history_days: int) -> dict[str, Shape]:
    """The two shapes of issue 14."""
    return {
        "seed": Shape(
            "seed",
            DatasetPlan(
                grids=3,
                regions_per_grid=3,
                nodes_per_region=3,
                revisions=3,
                start=START,
                span=timedelta(days=seed_days),
            ),
        ),
        "history": Shape(
            "history",
            DatasetPlan(
                grids=1,
                regions_per_grid=2,
                nodes_per_region=4,
                revisions=2,
                start=HISTORY_START,
                span=timedelta(days=history_days),
                collection="day_ahead",
            ),
        ),
    }


@dataclass(frozen=True)
class Layout:
    """One way to store ``measures``; ``select`` makes its rows from the source table."""

    name: str
    what: str
    columns: str
    select: str
    segmentby: str = "series_id"
    orderby: str = "timestamp_measured DESC, timestamp_collected DESC"
    primary_key: str = "series_id, timestamp_measured, timestamp_collected"
    chunk_days: int = 7
    auto_sparse: bool = True
    """TimescaleDB's automatic sparse indexes (minmax/bloom on indexed columns) when compressing."""


CURRENT_COLUMNS = """
    series_id integer NOT NULL, timestamp_measured timestamptz NOT NULL,
    timestamp_collected timestamptz NOT NULL, value double precision, quality smallint NOT NULL
"""
CURRENT_SELECT = "series_id, timestamp_measured, timestamp_collected, value, quality"

# The collection time as seconds before the target (negative: collected after it).
OFFSET_COLUMNS = """
    series_id integer NOT NULL, timestamp_measured timestamptz NOT NULL,
    collected_offset integer NOT NULL, value {value} , quality smallint NOT NULL
"""
OFFSET_SELECT = """series_id, timestamp_measured,
    extract(epoch FROM timestamp_measured - timestamp_collected)::integer, {value}, quality"""
OFFSET_KEY = "series_id, timestamp_measured, collected_offset"
LEAD_FIRST = "collected_offset, timestamp_measured"

BIGINT = ("bigint", "round(value * 1000)::bigint")
FLOAT = ("double precision", "value")


def _offset(name: str, what: str, value: tuple[str, str], **options: Any) -> Layout:  # noqa: ANN401
    return Layout(
        name,
        what,
        OFFSET_COLUMNS.format(value=value[0]),
        OFFSET_SELECT.format(value=value[1]),
        primary_key=OFFSET_KEY,
        **options,
    )


LAYOUTS = [
    Layout(
        "current",
        "today's: orderby measured DESC, collected DESC; float8; 7-day chunks; auto sparse",
        CURRENT_COLUMNS,
        CURRENT_SELECT,
    ),
    Layout(
        "lead_first",
        "+ a stored lead (int seconds); orderby lead, measured",
        CURRENT_COLUMNS + ", lead integer NOT NULL",
        CURRENT_SELECT + ", extract(epoch FROM timestamp_measured - timestamp_collected)::integer",
        orderby="lead, timestamp_measured",
    ),
    _offset(
        "offset",
        "collected stored as int seconds before the target (no timestamptz); current order",
        FLOAT,
        orderby="timestamp_measured DESC, collected_offset",
    ),
    Layout(
        "no_sparse",
        "auto sparse indexes off (no bloom/minmax beyond orderby's)",
        CURRENT_COLUMNS,
        CURRENT_SELECT,
        auto_sparse=False,
    ),
    *(
        Layout(
            f"chunk_{days}d",
            f"{days}-day chunks",
            CURRENT_COLUMNS,
            CURRENT_SELECT,
            chunk_days=days,
        )
        for days in (30, 90, 365)
    ),
    Layout(
        "bigint",
        "values as integer thousandths (bigint)",
        CURRENT_COLUMNS.replace("value double precision", "value bigint"),
        CURRENT_SELECT.replace("value,", "round(value * 1000)::bigint,"),
    ),
    Layout(
        "numeric",
        "values as numeric(15, 3)",
        CURRENT_COLUMNS.replace("value double precision", "value numeric(15, 3)"),
        CURRENT_SELECT.replace("value,", "value::numeric(15, 3),"),
    ),
    _offset(
        "offset_lead_first",
        "offset, orderby offset (= lead), measured",
        FLOAT,
        orderby=LEAD_FIRST,
    ),
    *(
        _offset(
            f"best_{days}d",
            f"offset, orderby lead first, bigint thousandths, no auto sparse, {days}-day chunks",
            BIGINT,
            orderby=LEAD_FIRST,
            chunk_days=days,
            auto_sparse=False,
        )
        for days in (7, 30, 90, 365, 730)
    ),
    *(
        _offset(
            f"best_float_{days}d",
            f"best_{days}d with float8 values",
            FLOAT,
            orderby=LEAD_FIRST,
            chunk_days=days,
            auto_sparse=False,
        )
        for days in (7, 90)
    ),
    *(
        Layout(
            f"best_keep_collected_{days}d",
            f"best_{days}d but collected kept as timestamptz, beside a stored lead (int seconds)",
            CURRENT_COLUMNS.replace("value double precision", "value bigint")
            + ", lead integer NOT NULL",
            CURRENT_SELECT.replace("value,", "round(value * 1000)::bigint,")
            + ", extract(epoch FROM timestamp_measured - timestamp_collected)::integer",
            orderby="lead, timestamp_measured",
            chunk_days=days,
            auto_sparse=False,
        )
        for days in (90, 365, 730)
    ),
    _offset(
        "best_measured_first_90d",
        "best_90d but orderby measured DESC, offset (latest reads' order)",
        BIGINT,
        orderby="timestamp_measured DESC, collected_offset",
        chunk_days=90,
        auto_sparse=False,
    ),
]


def load_source(conn: psycopg.Connection, table: str, plan: DatasetPlan) -> int:
    """(Re)create ``table`` holding ``plan``'s rows (series ids 1..nodes); how many rows."""
    name = sql.Identifier(table)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(name))
    conn.execute(
        sql.SQL(
            "CREATE UNLOGGED TABLE {} (series_id integer, timestamp_measured timestamptz, "
            "timestamp_collected timestamptz, value double precision, quality smallint)"
        ).format(name)
    )
    ids = [[i + 1] for i in range(plan.nodes)]
    rows = 0
    with conn.cursor() as cur, cur.copy(sql.SQL("COPY {} FROM STDIN").format(name)) as copy:
        for batch in batches(plan, ids, 100_000):
            for row in batch:
                copy.write_row(row)
            rows += len(batch)
    conn.execute(sql.SQL("ANALYZE {}").format(name))
    return rows


@dataclass
class Measured:
    """One layout on one data set."""

    data: str
    layout: str
    rows: int
    chunks: int
    total: int
    heap: int
    index: int
    toast: int
    sparse: str
    seconds: float

    @property
    def per_row(self) -> float:
        return self.total / self.rows


def measure_layout(conn: psycopg.Connection, source: str, layout: Layout, data: str) -> Measured:
    """Load ``source`` into a scratch hypertable laid out as ``layout``, compress, measure."""
    started = time.perf_counter()
    table = sql.Identifier("m")
    conn.execute("DROP TABLE IF EXISTS m")
    conn.execute(
        sql.SQL("CREATE TABLE m ({}, PRIMARY KEY ({}))").format(
            sql.SQL(layout.columns), sql.SQL(layout.primary_key)
        )
    )
    conn.execute(
        "SELECT create_hypertable('m', by_range('timestamp_measured', %s::interval))",
        (timedelta(days=layout.chunk_days),),
    )
    conn.execute(
        "SELECT set_config('timescaledb.auto_sparse_indexes', %s, false)",
        ("on" if layout.auto_sparse else "off",),
    )
    conn.execute(
        sql.SQL(
            "ALTER TABLE m SET (timescaledb.compress, timescaledb.compress_segmentby = {}, "
            "timescaledb.compress_orderby = {})"
        ).format(sql.Literal(layout.segmentby), sql.Literal(layout.orderby))
    )
    conn.execute(
        sql.SQL("INSERT INTO m SELECT {} FROM {}").format(
            sql.SQL(layout.select), sql.Identifier(source)
        )
    )
    chunks = [c for (c,) in conn.execute("SELECT show_chunks('m')")]
    for chunk in chunks:
        conn.execute("SELECT compress_chunk(%s)", (chunk,))
    conn.execute("VACUUM ANALYZE m")
    heap, index, toast, total = conn.execute(
        "SELECT sum(table_bytes), sum(index_bytes), sum(toast_bytes), sum(total_bytes) "
        "FROM hypertable_detailed_size('m')"
    ).fetchone() or (0, 0, 0, 0)
    rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()
    # Bloom filters are not listed in the settings' ``index`` when TimescaleDB made them itself
    # (a composite one over the primary key's columns, say): read them off a compressed chunk.
    sparse = conn.execute(
        """
        SELECT coalesce(string_agg(a.attname, ' '), '')
        FROM _timescaledb_catalog.chunk c
        JOIN _timescaledb_catalog.chunk cc ON cc.id = c.compressed_chunk_id
        JOIN pg_attribute a
          ON a.attrelid = format('%I.%I', cc.schema_name, cc.table_name)::regclass
         AND a.attname LIKE '%bloom%'
        WHERE c.id = (SELECT min(x.id) FROM _timescaledb_catalog.chunk x
                      JOIN _timescaledb_catalog.hypertable h ON h.id = x.hypertable_id
                      WHERE h.table_name = 'm' AND x.compressed_chunk_id IS NOT NULL)
        """
    ).fetchone()
    conn.execute("SELECT set_config('timescaledb.auto_sparse_indexes', 'on', false)")
    return Measured(
        data,
        layout.name,
        rows[0] if rows else 0,
        len(chunks),
        int(total),
        int(heap),
        int(index),
        int(toast),
        sparse[0] if sparse else "",
        time.perf_counter() - started,
    )


def run_layouts(url: str, plans: dict[str, DatasetPlan], layouts: list[Layout]) -> list[Measured]:
    """Every layout on every data set; prints a line per measurement as it comes."""
    out = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        conn.execute("SET TimeZone = 'UTC'")
        for data, plan in plans.items():
            started = time.perf_counter()
            source = "src_" + data.replace("/", "_")
            rows = load_source(conn, source, plan)
            click.echo(f"{data}: {rows:,} rows generated in {time.perf_counter() - started:.1f} s")
            for layout in layouts:
                m = measure_layout(conn, source, layout, data)
                out.append(m)
                click.echo(
                    f"  {layout.name:24} {m.per_row:6.2f} B/row  (heap {m.heap / m.rows:.2f}, "
                    f"toast {m.toast / m.rows:.2f}, index {m.index / m.rows:.2f}; "
                    f"{m.chunks} chunks; {m.seconds:.1f} s)  sparse: {m.sparse}"
                )
            conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(source)))
    return out


#: The real schema's relations, by what they hold (hypertables' sizes include their chunks).
HYPERTABLES = ("measures", "series_latest", "series_1h", "region_1h", "grid_1h")


#: Compression settings of the rollups segmented by their entity (the defaults segment by none).
ROLLUP_SEGMENTS = {
    "series_latest": ("series_id", "target"),
    "series_1h": ("series_id", "bucket"),
    "region_1h": ("region_id, kind, subtype", "bucket"),
    "grid_1h": ("grid_id, kind, subtype", "bucket"),
}


def _sizes(conn: psycopg.Connection) -> dict[str, int]:
    """Bytes of ``measures``, of each continuous aggregate (its materialisation), and the rest."""
    sizes = {}
    for name in HYPERTABLES:
        row = conn.execute(
            """
            SELECT (hypertable_detailed_size(
                        format('%%I.%%I', h.schema_name, h.table_name))).total_bytes
            FROM _timescaledb_catalog.hypertable h
            LEFT JOIN _timescaledb_catalog.continuous_agg c ON c.mat_hypertable_id = h.id
            WHERE coalesce(c.user_view_name, h.table_name) = %s
              AND (c.user_view_name IS NOT NULL OR h.schema_name = 'public')
            """,
            (name,),
        ).fetchone()
        sizes[name] = int(row[0] or 0) if row else 0
    database = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    sizes["database"] = int(database[0]) if database else 0
    return sizes


def _compress_all(conn: psycopg.Connection, relation: str) -> int:
    chunks = [c for (c,) in conn.execute("SELECT show_chunks(%s::regclass)", (relation,))]
    for chunk in chunks:
        conn.execute("SELECT compress_chunk(%s, if_not_compressed => true)", (chunk,))
    return len(chunks)


def run_whole(create: Callable[[str], str], data: str, plan: DatasetPlan) -> None:
    """The real schema, seeded and refreshed: bytes per stored revision, by relation."""
    empty_url = create(WHOLE_DB + "_empty")
    seed_database(empty_url, dataclasses.replace(plan, span=timedelta(hours=1)))
    with psycopg.connect(empty_url, autocommit=True) as conn:
        conn.execute("DELETE FROM measures")
        conn.execute("VACUUM FULL")
        empty = _sizes(conn)["database"]
    url = create(WHOLE_DB)
    started = time.perf_counter()
    report = seed_database(url, plan)
    click.echo(f"whole database, {data}: {report.rows:,} rows seeded")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs"
        )
        refresh_all(conn)
        click.echo(f"  seeded and refreshed in {time.perf_counter() - started:.1f} s")
        _compress_all(conn, "measures")
        conn.execute("VACUUM ANALYZE")
        rows = report.rows
        _print_sizes("rollups stored as today (uncompressed)", _sizes(conn), empty, rows)
        for view in HYPERTABLES[1:]:
            conn.execute(
                sql.SQL(
                    "ALTER MATERIALIZED VIEW {} SET (timescaledb.enable_columnstore = true)"
                ).format(sql.Identifier(view))
            )
            _compress_all(conn, view)
        conn.execute("VACUUM ANALYZE")
        for view, segmentby, orderby in conn.execute(
            """
            SELECT c.user_view_name, s.segmentby, s.orderby
            FROM timescaledb_information.hypertable_columnstore_settings s
            JOIN _timescaledb_catalog.hypertable h
              ON format('%I.%I', h.schema_name, h.table_name)::regclass = s.hypertable
            JOIN _timescaledb_catalog.continuous_agg c ON c.mat_hypertable_id = h.id
            ORDER BY 1
            """
        ).fetchall():
            click.echo(f"  {view}: segmentby {segmentby}, orderby {orderby}")
        _print_sizes("rollups compressed (columnstore on, every chunk)", _sizes(conn), empty, rows)
        for view, (segmentby, orderby) in ROLLUP_SEGMENTS.items():
            for (chunk,) in conn.execute("SELECT show_chunks(%s::regclass)", (view,)).fetchall():
                conn.execute("SELECT decompress_chunk(%s, if_compressed => true)", (chunk,))
            conn.execute(
                sql.SQL(
                    "ALTER MATERIALIZED VIEW {} SET (timescaledb.compress_segmentby = {}, "
                    "timescaledb.compress_orderby = {})"
                ).format(sql.Identifier(view), sql.Literal(segmentby), sql.Literal(orderby))
            )
            _compress_all(conn, view)
        conn.execute("VACUUM ANALYZE")
        _print_sizes("rollups compressed, segmented by their entity", _sizes(conn), empty, rows)


def _print_sizes(title: str, sizes: dict[str, int], empty: int, rows: int) -> None:
    click.echo(f"  {title}:")
    for name in HYPERTABLES:
        click.echo(f"    {name:14} {sizes[name] / rows:7.2f} B/revision")
    known = sum(sizes[n] for n in HYPERTABLES)
    click.echo(f"    {'hypertables':14} {known / rows:7.2f} B/revision")
    whole = sizes["database"] - empty
    click.echo(
        f"    {'database':14} {whole / rows:7.2f} B/revision "
        f"(pg_database_size less a migrated empty database's, {empty / 2**20:.1f} MiB)"
    )


def _iter_data(names: tuple[str, ...], all_shapes: dict[str, Shape]) -> Iterator[str]:
    for name in names or (f"{s}/{v}" for s in all_shapes for v in ("realistic", "noisy")):
        shape, _, values = name.partition("/")
        if shape not in all_shapes or values not in ("realistic", "noisy"):
            raise click.BadParameter(f"{name}: expected seed|history / realistic|noisy")
        yield name


@click.command()
@click.option("--database-url", envvar="GRIDTS_BENCH_SERVER_URL")
@click.option("--seed-days", default=365, show_default=True, type=click.IntRange(1))
@click.option("--history-days", default=2_812, show_default=True, type=click.IntRange(1))
@click.option("--data", "data_names", multiple=True, help="shape/values, e.g. history/realistic")
@click.option(
    "--layout", "layout_names", multiple=True, type=click.Choice([x.name for x in LAYOUTS])
)
@click.option("--layouts/--no-layouts", default=True, help="Measure the scratch layouts.")
@click.option(
    "--whole", "whole_names", multiple=True, help="shape/values to seed the real schema with."
)
def main(  # noqa: PLR0917 - click passes every option
    database_url: str | None,
    seed_days: int,
    history_days: int,
    data_names: tuple[str, ...],
    layout_names: tuple[str, ...],
    layouts: bool,
    whole_names: tuple[str, ...],
) -> None:
    """Bytes per row of measures under each layout choice, and of the whole database."""
    all_shapes = shapes(seed_days, history_days)
    chosen = [x for x in LAYOUTS if not layout_names or x.name in layout_names]
    with contextlib.ExitStack() as stack:
        server = find_server(stack, database_url)
        if server is None:
            raise click.ClickException(HOW_TO_PROVIDE)
        with psycopg.connect(server.url) as conn:
            version = conn.execute(
                "SELECT current_setting('server_version'), default_version "
                "FROM pg_available_extensions WHERE name = 'timescaledb'"
            ).fetchone()
        click.echo(f"PostgreSQL {version[0]}, TimescaleDB {version[1]}" if version else "?")
        if layouts:
            plans = {}
            for name in _iter_data(data_names, all_shapes):
                shape, _, values = name.partition("/")
                plans[name] = all_shapes[shape].with_values(values)  # type: ignore[arg-type]
            url = server.create_database(SCRATCH_DB)
            run_layouts(url, plans, chosen)
        for name in whole_names:
            shape, _, values = name.partition("/")
            list(_iter_data((name,), all_shapes))
            run_whole(
                server.create_database,
                name,
                all_shapes[shape].with_values(values),  # type: ignore[arg-type]
            )


if __name__ == "__main__":
    main()
