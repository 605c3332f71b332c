"""The two database roles hold what they should: gridts_grafana reads the dashboards' relations
and nothing else, gridts_api does what the service does and no more, and both belong to the server.

Roles are shared by every database of a server, so a test that changes one restores it in a
fixture's ``finally`` (``restore_roles``): the tests here pass in any order, alone or after the
others.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import math
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql

from gridts.cli import main
from gridts.db import migrations
from gridts.db.queries import query
from gridts.measures import service
from gridts.reads.filters import Filters
from gridts.refresh import ROLLUPS
from support.dashboards import DAYS, T0, TARGETS
from support.db import connect_as
from support.paths import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator

    from gridts.measures.schemas import Measure
    from gridts.measures.service import Fresh
    from gridts.settings import Settings
    from gridts.testing.servers import TimescaleServer


# gridts_grafana: read only, and only the dashboards' relations.


def _chunk(url: str, relation: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT show_chunks(%s::regclass)::text LIMIT 1", (relation,))
        found = row.fetchone()
    assert found is not None
    return str(found[0])


def _internal(url: str, view: str) -> list[str]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT format('%%I.%%I', h.schema_name, h.table_name), "
            "format('%%I.%%I', c.partial_view_schema, c.partial_view_name), "
            "format('%%I.%%I', c.direct_view_schema, c.direct_view_name) "
            "FROM _timescaledb_catalog.continuous_agg c "
            "JOIN _timescaledb_catalog.hypertable h ON h.id = c.mat_hypertable_id "
            "WHERE c.user_view_name = %s",
            (view,),
        ).fetchone()
    assert row is not None
    return list(row)


FORBIDDEN_TO_GRAFANA = [
    "INSERT INTO grid (name) VALUES ('X')",
    "UPDATE grid_node SET name = 'X'",
    "DELETE FROM grid_region",
    "TRUNCATE grid",
    "TRUNCATE grid_node",
    "INSERT INTO measures VALUES (1, now(), now(), 1)",
    "DELETE FROM measures",
    "UPDATE measures SET value = 0",
    "TRUNCATE measures",
    "SELECT * FROM measures LIMIT 1",
    "TRUNCATE series_1h",
    "TRUNCATE grid_1h",
    "TRUNCATE series",
    "UPDATE kind SET description = 'x'",
    "INSERT INTO series (node_id, kind) VALUES (1, 'price')",
    "INSERT INTO rollup_refresh_queue (window_start, window_end) VALUES (now(), now() + '1h')",
    "SELECT * FROM rollup_refresh_queue",
    "CREATE TABLE public.grafana_was_here (a int)",
    "CREATE TEMP TABLE grafana_was_here (a int)",
    "CREATE VIEW grafana_was_here AS SELECT 1",
    "CALL refresh_continuous_aggregate('series_1h', NULL, NULL)",
]


@pytest.mark.parametrize("statement", FORBIDDEN_TO_GRAFANA)
def test_grafana_cannot(seeded: str, statement: str) -> None:
    with (
        connect_as(seeded, "gridts_grafana") as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(statement)


def test_grafana_cannot_read_timescaledb_internals(seeded: str) -> None:
    relations = [
        _chunk(seeded, "measures"),
        *_internal(seeded, "series_latest"),
        *_internal(seeded, "grid_1h"),
        _chunk(seeded, _internal(seeded, "series_1h")[0]),
    ]
    with connect_as(seeded, "gridts_grafana") as conn:
        for relation in relations:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM {relation} LIMIT 1")


def test_nobody_writes_a_continuous_aggregate(seeded: str) -> None:
    # A real-time aggregate is a UNION view: not updatable, whoever asks.
    with connect_as(seeded, "gridts_grafana") as conn:
        for statement in ("INSERT INTO series_1h (series_id) VALUES (1)", "DELETE FROM grid_1h"):
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
                conn.execute(statement)


def test_grafana_logs_in_read_only(seeded: str) -> None:
    with psycopg.connect(seeded) as conn:
        setting = conn.execute(
            "SELECT s.setconfig FROM pg_db_role_setting s "
            "JOIN pg_roles r ON r.oid = s.setrole "
            "JOIN pg_database d ON d.oid = s.setdatabase "
            "WHERE r.rolname = 'gridts_grafana' AND d.datname = current_database()"
        ).fetchone()
    assert setting == (["default_transaction_read_only=on"],)


# gridts_api: what the service does, and no more.


@pytest.fixture
def cleaned_up(seeded: str) -> Iterator[datetime]:
    """A target 40 days after the data set, whose rows and queued windows go in ``finally``."""
    at = T0 + timedelta(days=40)
    try:
        yield at
    finally:
        with psycopg.connect(seeded, autocommit=True) as conn:
            conn.execute("DELETE FROM rollup_refresh_queue")
            conn.execute("DELETE FROM measures WHERE timestamp_measured = %s", (at,))


def test_api_ingests_through_a_temporary_table(seeded: str, cleaned_up: datetime) -> None:
    # What ingest does (COPY into a temporary table, one INSERT ... SELECT into measures, a window
    # queued for the refresher), with the role's own rights; the service's SQL is tested in
    # tests/api.
    at = cleaned_up
    with connect_as(seeded, "gridts_api") as conn:
        series = conn.execute("SELECT min(id) FROM series").fetchone()
        assert series is not None
        with conn.transaction():
            # The service's own statements: its staging table, and the INSERT that scales values
            # to their kind's unit (reading series and kind).
            conn.execute(query("ingest", "staging"))
            with (
                conn.cursor() as cursor,
                cursor.copy(
                    "COPY ingest_staging (series_id, timestamp_measured, timestamp_collected, "
                    "value, quality) FROM STDIN"
                ) as copy,
            ):
                copy.write_row((series[0], at, at, 1.5, 1))
            inserted = conn.execute(query("ingest", "insert")).rowcount
            conn.execute(
                "INSERT INTO rollup_refresh_queue (window_start, window_end) VALUES (%s, %s)",
                (at, at + timedelta(days=1)),
            )
        assert inserted == 1
        latest = conn.execute(
            "SELECT value_units, quality FROM series_latest WHERE series_id = %s AND target = %s",
            (series[0], at),
        ).fetchone()
        assert latest == (1500, 1)  # value_units: thousandths of the kind's unit
        for view in ROLLUPS:
            conn.execute(sql.SQL("SELECT * FROM {} LIMIT 1").format(sql.Identifier(view)))
        conn.execute("SELECT id FROM rollup_refresh_queue").fetchall()
        # gridts_api may empty the queue (the fixture does it again, as the owner, if this fails).
        conn.execute("DELETE FROM rollup_refresh_queue")
        conn.execute("DELETE FROM measures WHERE timestamp_measured = %s", (at,))


def test_api_manages_the_hierarchy(seeded: str) -> None:
    with connect_as(seeded, "gridts_api") as conn, conn.transaction(force_rollback=True):
        grid = conn.execute("INSERT INTO grid (name) VALUES ('api') RETURNING id").fetchone()
        region = conn.execute(
            "INSERT INTO grid_region (grid_id, name) VALUES (%s, 'r') RETURNING id", grid
        ).fetchone()
        node = conn.execute(
            "INSERT INTO grid_node (region_id, name) VALUES (%s, 'n') RETURNING id", region
        ).fetchone()
        conn.execute("UPDATE grid_node SET name = 'm' WHERE id = %s", node)
        conn.execute("DELETE FROM grid_node WHERE id = %s", node)


def test_api_runs_the_dashboard_endpoint_queries(seeded: str) -> None:
    with connect_as(seeded, "gridts_api") as conn:
        for path in sorted((ROOT / "sql/queries/dashboard").glob("*.sql")):
            conn.execute(path.read_text(encoding="utf-8")).fetchall()


async def _latest_as(
    url: str, role: str | None, as_of: datetime | None
) -> tuple[Fresh | None, list[Measure]]:
    """A big read of the whole data set's latest values (as of a time), as the service makes it."""
    options = "-c TimeZone=UTC -c timescaledb.enable_skipscan=off"  # as gridts.db.pool's
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, options=options) as c:
        if role is not None:
            await c.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        filters = Filters(start=T0, end=T0 + timedelta(days=DAYS))
        part = await service.fresh(c, filters)
        return part, list(await service.latest(c, filters, as_of, 100_000))


@pytest.mark.parametrize("as_of", [None, T0 + timedelta(hours=30)], ids=["latest", "as_of"])
def test_api_reads_latest_values_from_the_materialisation_or_else_through_the_view(
    seeded: str, as_of: datetime | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 0013 grants gridts_api series_latest's materialisation hypertable, which a big latest read
    # takes its materialised rows from; without the grant (a later migration that rebuilds the
    # view and forgets it), the same rows come through the view.
    monkeypatch.setattr(service, "AS_OF_MATERIALISED_HOURS", -math.inf)  # 30 h before as_of
    schema, table = _internal(seeded, "series_latest")[0].split(".")
    owners_part, owners = asyncio.run(_latest_as(seeded, None, as_of))
    assert owners_part is not None
    if as_of is None:
        assert len(owners) == len(TARGETS) * 4  # every node's default series, every target

    part, rows = asyncio.run(_latest_as(seeded, "gridts_api", as_of))
    assert part == owners_part
    assert part.relation == sql.Identifier(schema, table)
    assert rows == owners

    relation = sql.Identifier(schema, table)
    with psycopg.connect(seeded, autocommit=True) as conn:
        conn.execute(sql.SQL("REVOKE SELECT ON {} FROM gridts_api").format(relation))
        try:
            part, rows = asyncio.run(_latest_as(seeded, "gridts_api", as_of))
        finally:
            conn.execute(sql.SQL("GRANT SELECT ON {} TO gridts_api").format(relation))
    assert part == owners_part._replace(relation=sql.Identifier("series_latest"))
    assert rows == owners


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE public.api_was_here (a int)",
        "CREATE VIEW api_was_here AS SELECT 1",
        "DROP VIEW forecast_revisions",
        "ALTER TABLE measures ADD COLUMN x int",
        "TRUNCATE measures",
        "UPDATE measures SET value = 0",
        "TRUNCATE series_1h",
        "TRUNCATE kind",
        "CALL refresh_continuous_aggregate('series_latest', NULL, NULL)",
    ],
)
def test_api_cannot(seeded: str, statement: str) -> None:
    with (
        connect_as(seeded, "gridts_api") as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(statement)


_REFRESH_JOBS = (
    "FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate'"
)


@pytest.fixture
def refresh_schedule_restored(seeded: str) -> Iterator[None]:
    """Put the refresh policies' next run an hour away in ``finally``: other tests refresh by
    hand and need no company."""
    try:
        yield
    finally:
        with psycopg.connect(seeded, autocommit=True) as conn:
            conn.execute(
                "SELECT alter_job(job_id, next_start => now() + interval '1 hour') " + _REFRESH_JOBS
            )


@pytest.mark.usefixtures("refresh_schedule_restored")
# Roles are cluster-wide: a second database's migration finds them, and its downgrade leaves them
# to the databases that still grant them something.


@pytest.mark.usefixtures("restore_roles")
def test_a_second_database_shares_the_roles_and_sets_a_password(
    timescale_server: TimescaleServer, test_settings: Settings, database_url: str
) -> None:
    url = timescale_server.create_database("gridts_test_roles")
    settings = replace(test_settings, grafana_password=secrets.token_urlsafe(24))
    migrations.upgrade(url, settings)
    with psycopg.connect(url) as conn:
        roles = conn.execute(
            "SELECT rolname, rolcanlogin, rolpassword LIKE 'SCRAM-SHA-256$%' "
            "FROM pg_authid WHERE rolname IN ('gridts_grafana', 'gridts_api') ORDER BY 1"
        ).fetchall()
    assert roles == [("gridts_api", False, None), ("gridts_grafana", True, True)]
    migrations.downgrade(url, settings)
    with psycopg.connect(database_url) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname IN ('gridts_grafana', 'gridts_api')"
        ).fetchone()
        assert left == (2,), "the session's database still grants them"
        conn.execute("SET ROLE gridts_grafana")
        assert conn.execute("SELECT count(*) FROM grid").fetchone() is not None


# Passwords: applied on every `gridts migrate`, whatever characters they hold.


def _scram_matches(verifier: str, password: str) -> bool:
    """Whether a SCRAM-SHA-256 verifier from pg_authid was made from ``password`` (RFC 5802)."""
    method, iterations_salt, keys = verifier.split("$")
    assert method == "SCRAM-SHA-256"
    iterations, salt = iterations_salt.split(":")
    stored_key = keys.split(":")[0]
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return base64.b64encode(hashlib.sha256(client_key).digest()).decode() == stored_key


def _verifier(url: str, role: str) -> tuple[bool, str]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = %s", (role,)
        ).fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.mark.usefixtures("restore_roles")
def test_every_migrate_applies_the_passwords(timescale_server: TimescaleServer) -> None:
    url = timescale_server.create_database("gridts_test_passwords")
    runner = CliRunner()
    first, second = "p@ss:/w#rd%20'\"", "another one @:/#%"
    env = {"GRIDTS_DATABASE_URL": url, "GRIDTS_API_PASSWORD": first}
    assert runner.invoke(main, ["migrate"], env=env).exit_code == 0
    can_login, verifier = _verifier(url, "gridts_api")
    assert can_login
    assert _scram_matches(verifier, first)
    # The database is at head already: only the post-upgrade step can change the password.
    result = runner.invoke(main, ["migrate"], env={**env, "GRIDTS_API_PASSWORD": second})
    assert result.exit_code == 0, result.output
    _, verifier = _verifier(url, "gridts_api")
    assert _scram_matches(verifier, second)
    assert not _scram_matches(verifier, first)
    assert second not in result.output
    # And gridts_api may read the schema revision, which `gridts serve` checks at start.
    with connect_as(url, "gridts_api") as conn:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
