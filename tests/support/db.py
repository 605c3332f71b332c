"""The database side of the tests: emptying the schema, building a hierarchy, writing revisions.

``make_hierarchy`` is the one way tests build grids, regions and nodes with SQL (tests of the
hierarchy endpoints build theirs over HTTP, which is what they test).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from gridts.db.queries import query
from gridts.refresh import ROLLUPS
from gridts.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import timedelta

    from support.reference import Row

#: The kinds migration 0007 ships; tests may add others, and a reset removes them.
DEFAULT_KINDS = (
    "load",
    "generation",
    "interchange",
    "energy",
    "price",
    "co2_intensity",
    "temperature",
)

#: The chunk interval of ``measures`` a migration gives (``GRIDTS_CHUNK_INTERVAL``'s default).
DEFAULT_CHUNK = Settings.from_env({}).chunk_interval

_RESET = sql.SQL(
    "TRUNCATE measures, rollup_refresh_queue; TRUNCATE {rollups}; DELETE FROM grid_node; "
    "DELETE FROM grid_region; DELETE FROM grid; DELETE FROM kind WHERE name <> ALL({kinds}); "
    # Truncating a rollup resets its watermark, but not TimescaleDB's invalidation thresholds,
    # which ingest compares too (refresh/watermark.sql): back to where a migration leaves them.
    "UPDATE _timescaledb_catalog.continuous_aggs_invalidation_threshold "
    "SET watermark = -210866803200000000; "
    # Chunk intervals as the migrations make them: `gridts migrate` fits them to the data
    # (gridts.db.chunks), and a test that runs it must not change them for the tests after it.
    "SELECT set_chunk_time_interval('measures', {raw}::interval); "
    "SELECT set_chunk_time_interval(view, {rollup}::interval) FROM unnest({views}::regclass[]) view"
).format(
    rollups=sql.SQL(", ").join(sql.Identifier(v) for v in ROLLUPS),
    kinds=sql.Literal(list(DEFAULT_KINDS)),
    raw=sql.Literal(f"{DEFAULT_CHUNK.days} days"),
    # TimescaleDB gives each continuous aggregate ten times the raw interval (70 days).
    rollup=sql.Literal(f"{10 * DEFAULT_CHUNK.days} days"),
    views=sql.Literal(list(ROLLUPS)),
)

#: The roles the migrations create; they belong to the server, not to one database.
ROLES = ("gridts_api", "gridts_grafana")

Entity = str | tuple[int, str]
"""A grid, region or node to create: its name (the id is generated), or ``(id, name)``."""

Tree = Mapping[Entity, Mapping[Entity, Iterable[Entity]]]
"""Grids, each with its regions, each with its nodes."""


def reset_database(target: str | psycopg.Connection) -> None:
    """Empty every table and rollup of the gridts schema (a URL, or an autocommit connection)."""
    if isinstance(target, str):
        with psycopg.connect(target, autocommit=True) as conn:
            _reset(conn)
    else:
        _reset(target)


def _reset(conn: psycopg.Connection, attempts: int = 3) -> None:
    """``_RESET``, again if PostgreSQL ended it for a deadlock.

    A TimescaleDB policy job running at that moment (a new database's first runs) can lock the
    rollups and the invalidation threshold in the other order: once, a test's setup failed so.
    """
    for attempt in range(1, attempts + 1):
        try:
            conn.execute(_RESET)
        except psycopg.errors.DeadlockDetected:
            if attempt == attempts:
                raise
        else:
            return


@dataclass
class Hierarchy:
    """Ids of what ``make_hierarchy`` created, in the order of its tree."""

    grids: list[int] = field(default_factory=list)
    regions: list[int] = field(default_factory=list)
    nodes: list[int] = field(default_factory=list)
    region_of: dict[int, int] = field(default_factory=dict)
    """Per node id, its region's id."""
    grid_of_region: dict[int, int] = field(default_factory=dict)
    """Per region id, its grid's id."""


def _insert(conn: psycopg.Connection, table: str, entity: Entity, parent: dict[str, int]) -> int:
    given_id, name = (None, entity) if isinstance(entity, str) else entity
    columns = {**({} if given_id is None else {"id": given_id}), **parent, "name": name}
    statement = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING id").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
    )
    row = conn.execute(statement, tuple(columns.values())).fetchone()
    assert row is not None
    return int(row[0])


def make_hierarchy(conn: psycopg.Connection, tree: Tree) -> Hierarchy:
    """Create the grids, regions and nodes of ``tree`` (one transaction) and return their ids.

    ``{"G": {"R": ["N1", "N2"]}}`` is grid ``G`` with region ``R`` holding nodes ``N1``, ``N2``;
    ``{(1, "g"): {(1, "r"): [(1, "n")]}}`` fixes the ids as well.
    """
    made = Hierarchy()
    with conn.transaction():
        for grid, regions in tree.items():
            grid_id = _insert(conn, "grid", grid, {})
            made.grids.append(grid_id)
            for region, nodes in regions.items():
                region_id = _insert(conn, "grid_region", region, {"grid_id": grid_id})
                made.regions.append(region_id)
                made.grid_of_region[region_id] = grid_id
                for node in nodes:
                    node_id = _insert(conn, "grid_node", node, {"region_id": region_id})
                    made.nodes.append(node_id)
                    made.region_of[node_id] = region_id
    return made


def write_measures(conn: psycopg.Connection, rows: Iterable[Row]) -> None:
    """Store ``(node_id, timestamp_measured, timestamp_collected, value)`` rows (quality good)
    in each node's default series, with SQL: no check, no refresh."""
    with conn.transaction():
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS test_rows (node_id integer, tm timestamptz, "
            "tc timestamptz, value float8) ON COMMIT DELETE ROWS"
        )
        with conn.cursor().copy("COPY test_rows FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.execute(query("ingest", "staging"))
        conn.execute(
            "INSERT INTO ingest_staging "
            "SELECT s.id, t.tm, t.tc, t.value, 0 FROM test_rows t JOIN series s "
            "ON s.node_id = t.node_id AND s.kind = 'load' AND s.subtype IS NULL"
        )
        conn.execute(query("ingest", "insert"))
        _all_exact(conn)


def write_series_measures(conn: psycopg.Connection, rows: Iterable[tuple[object, ...]]) -> None:
    """Store ``(series_id, timestamp_measured, timestamp_collected, value, quality)`` rows
    (quality as stored: 0 good, 1 estimated, 2 missing) with ingest's SQL, values in their
    kind's unit: no check, no refresh; keys already stored are skipped."""
    with conn.transaction():
        conn.execute(query("ingest", "staging"))
        with conn.cursor().copy(
            "COPY ingest_staging (series_id, timestamp_measured, timestamp_collected, value, "
            "quality) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        conn.execute(query("ingest", "insert"))
        _all_exact(conn)


def _all_exact(conn: psycopg.Connection) -> None:
    """Ingest's SQL leaves out values with more decimals than their kind keeps (the service then
    refuses the batch): a test that writes one has a mistake in it."""
    inexact = conn.execute(query("ingest", "inexact"), {"limit": 5}).fetchall()
    assert not inexact, f"values with more decimals than their kind keeps: {inexact}"


def default_series(conn: psycopg.Connection, node_id: int) -> int:
    """The id of ``node_id``'s default series (kind load, no subtype)."""
    row = conn.execute(
        "SELECT id FROM series WHERE node_id = %s AND kind = 'load' AND subtype IS NULL",
        (node_id,),
    ).fetchone()
    assert row is not None
    return int(row[0])


def compress_all(conn: psycopg.Connection) -> int:
    """Compress every chunk of ``measures`` and of the rollups' materialisations; reads must
    answer the same from compressed batches, and refreshes write into them."""
    row = conn.execute(
        "SELECT count(compress_chunk(c, if_not_compressed => true)) "
        "FROM (VALUES ('measures'), ('series_latest'), ('series_1h'), ('region_1h'), "
        "('grid_1h')) AS v (name), LATERAL show_chunks(name::regclass) AS c"
    ).fetchone()
    assert row is not None
    return int(row[0])


def connect_as(url: str, role: str) -> psycopg.Connection:
    """An autocommit connection that has done ``SET ROLE role``."""
    conn = psycopg.connect(url, autocommit=True)
    conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    return conn


@contextlib.contextmanager
def roles_restored(url: str) -> Iterator[None]:
    """Put the server's gridts roles back as they were (login and password), whatever happens.

    Roles are shared by every database of the server: a test that changes one changes it for the
    tests after it, so each such test restores them in ``finally``.
    """
    query = "SELECT rolname, rolcanlogin, rolpassword FROM pg_authid WHERE rolname = ANY(%s)"
    with psycopg.connect(url, autocommit=True) as conn:
        before = conn.execute(query, (list(ROLES),)).fetchall()
    try:
        yield
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            for role, can_login, password in before:
                conn.execute(
                    sql.SQL("ALTER ROLE {} {} PASSWORD {}").format(
                        sql.Identifier(role),
                        sql.SQL("LOGIN" if can_login else "NOLOGIN"),
                        sql.Literal(password),
                    )
                )


#: The rollups whose compressed chunks a bounded refresh recomputes whole when narrow enough.
PER_SERIES_ROLLUPS = ("series_latest", "series_1h")


@contextlib.contextmanager
def rollup_chunks(conn: psycopg.Connection, width: timedelta | None) -> Iterator[None]:
    """New chunks of the per-series rollups ``width`` wide (``None``: as they are), then put
    back: a migrated but empty test database gives them TimescaleDB's default of 70 days, where
    many series' data gets them a few days (``gridts.db.chunks``)."""
    if width is None:
        yield
        return
    before = {
        view: conn.execute(query("refresh", "chunk_interval"), {"view": view}).fetchone()
        for view in PER_SERIES_ROLLUPS
    }
    try:
        for view in PER_SERIES_ROLLUPS:
            conn.execute("SELECT set_chunk_time_interval(%s::regclass, %s)", (view, width))
        yield
    finally:
        for view, row in before.items():
            assert row is not None
            conn.execute("SELECT set_chunk_time_interval(%s::regclass, %s)", (view, row[0]))
