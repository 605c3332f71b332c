"""Retention (``gridts.retention``): ``GRIDTS_RETENTION`` applied by ``gridts migrate`` drops old
raw chunks of ``measures`` while the rollups keep their history, through the drop and through
every later refresh (the refresher's queue, ``gridts refresh``, the refresh policies); writes
into the dropped period are refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from click.testing import CliRunner

from gridts.cli import main
from gridts.refresh import refresh_all
from gridts.refresh.worker import drain
from gridts.retention import DEFAULT_START_OFFSET, apply_policy, raw_dropped_before
from support.db import make_hierarchy
from support.wire import AUTH, iso_instant, measure

if TYPE_CHECKING:
    from collections.abc import Iterator

    from litestar import Litestar
    from litestar.testing import TestClient

    from support.wire import ClientFactory

RETENTION = timedelta(days=21)  # three chunks of measures (7 days each)
HOUR = timedelta(hours=1)
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
OLD = NOW - timedelta(days=60)  # three days from here on: chunks the policy drops
NEW = NOW - timedelta(days=3)  # two days from here on: kept


@pytest.fixture
def no_retention(conn: psycopg.Connection) -> Iterator[None]:
    """Whatever a test sets, the shared test database has no retention policy afterwards."""
    try:
        yield
    finally:
        apply_policy(conn, None)


def policy_jobs(conn: psycopg.Connection, proc: str) -> dict[str, tuple[int, Any]]:
    """Per hypertable (or continuous aggregate), the job id and config of ``proc`` jobs."""
    rows = conn.execute(
        "SELECT hypertable_name, job_id, config FROM timescaledb_information.jobs "
        "WHERE proc_name = %s AND hypertable_schema = current_schema()",
        (proc,),
    ).fetchall()
    return {name: (job, config) for name, job, config in rows}


def migrate(db: str, retention: str | None) -> Any:
    env = {"GRIDTS_DATABASE_URL": db, "GRIDTS_RETENTION": retention or ""}
    return CliRunner().invoke(main, ["migrate"], env=env)


def rollups(client: TestClient[Litestar], level: str) -> list[dict[str, Any]]:
    """The hourly rollups of ``level`` over the old period, as the service answers them."""
    params = {
        "level": level,
        "resolution": "1h",
        "start_datetime": OLD.isoformat(),
        "end_datetime": (OLD + timedelta(days=3) - HOUR).isoformat(),
    }
    response = client.get("/api/v1/rollups", params=params)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


@pytest.mark.usefixtures("no_retention")
def test_rollups_keep_their_history_when_retention_drops_the_raw_data(
    make_client: ClientFactory, db: str, conn: psycopg.Connection
) -> None:
    tree = make_hierarchy(conn, {"G": {"R1": ["N1", "N2"], "R2": ["N3"]}})
    client = make_client()
    batch = [
        measure(node, start + k * HOUR, start + k * HOUR - 12 * HOUR, 10.0 * i + k % 24)
        for i, node in enumerate(tree.nodes, 1)
        for start, hours in ((OLD, 72), (NEW, 48))
        for k in range(hours)
    ]
    assert client.post("/api/v1/measures", json=batch, headers=AUTH).status_code == 201
    refresh_all(conn)
    before = {level: rollups(client, level) for level in ("region", "grid")}
    assert len(before["region"]) == 2 * 72
    assert len(before["grid"]) == 72

    result = migrate(db, "21 days")
    assert result.exit_code == 0, result.output
    assert "21 days" in result.output
    (job, config), *_ = policy_jobs(conn, "policy_retention").values()
    assert config["drop_after"] == "21 days"
    # Every refresh policy reaches back no further than the raw data is kept.
    for _, config in policy_jobs(conn, "policy_refresh_continuous_aggregate").values():
        assert config["start_offset"] == "21 days"

    conn.execute("CALL run_job(%s)", (job,))
    old_chunks = conn.execute(
        "SELECT count(*) FROM show_chunks('measures', older_than => %s)", (NOW - RETENTION,)
    ).fetchone()
    assert old_chunks == (0,)
    counts = conn.execute(
        "SELECT count(*) FILTER (WHERE timestamp_measured < %s), count(*) FROM measures",
        (NOW - RETENTION,),
    ).fetchone()
    assert counts == (0, 3 * 48)
    dropped_before = asyncio.run(_dropped_before(db))
    assert dropped_before is not None
    assert OLD + timedelta(days=3) <= dropped_before <= datetime.now(UTC) - RETENTION
    assert {level: rollups(client, level) for level in before} == before

    # Every way a refresh happens, over every window, leaves the old period's rollups as they
    # were: a queued window (the refresher), a full refresh (gridts refresh), the policies.
    conn.execute(
        "INSERT INTO rollup_refresh_queue (window_start, window_end) VALUES (%s, %s)",
        (OLD - timedelta(days=1), NOW),
    )
    assert drain(conn) == 1
    refresh_all(conn)
    for job, _ in policy_jobs(conn, "policy_refresh_continuous_aggregate").values():
        conn.execute("CALL run_job(%s)", (job,))
    assert {level: rollups(client, level) for level in before} == before
    assert conn.execute(
        "SELECT count(*) FROM series_1h WHERE bucket < %s", (NOW - RETENTION,)
    ).fetchone() == (3 * 72,)

    # A late revision into the dropped period is refused, naming the boundary; one into the
    # kept period is stored. (A new app: the first one trusts the retention it read for 30 s.)
    client = make_client()
    late = [
        measure(tree.nodes[0], NEW, NEW, 99.0),
        measure(tree.nodes[0], OLD + HOUR, NOW - HOUR, 99.0),
    ]
    response = client.post("/api/v1/measures", json=late, headers=AUTH)
    assert response.status_code == 422, response.text
    (problem,) = response.json()["extra"]
    assert (problem["row"], problem["field"]) == (1, "timestamp_measured")
    assert "retention boundary" in problem["message"]
    boundary = datetime.fromisoformat(problem["message"].split()[2].rstrip(","))
    assert abs(boundary - (datetime.now(UTC) - RETENTION)) < timedelta(minutes=1)
    response = client.post("/api/v1/measures", json=late[:1], headers=AUTH)
    assert response.status_code == 201, response.text

    # A raw read over the dropped period returns what remains and says from when on it does.
    for path in ("/api/v1/measures", "/api/v1/measures/revisions"):
        span = {"start_datetime": iso_instant(OLD), "end_datetime": iso_instant(NEW + HOUR)}
        body = client.get(path, params=span).json()
        targets = {datetime.fromisoformat(m["timestamp_measured"]) for m in body["data"]}
        assert targets == {NEW, NEW + HOUR}
        said = datetime.fromisoformat(body["raw_dropped_before"])
        assert abs(said - dropped_before) < timedelta(minutes=1)  # now() - retention, later
        assert "dropped by the retention policy" in body["note"]
        recent = client.get(path, params={**span, "start_datetime": iso_instant(NEW)}).json()
        assert "note" not in recent
        assert "raw_dropped_before" not in recent


async def _dropped_before(db: str) -> datetime | None:
    async with await psycopg.AsyncConnection.connect(db) as conn:
        return await raw_dropped_before(conn)


@pytest.mark.usefixtures("no_retention")
def test_migrate_sets_changes_and_removes_the_policy(db: str, conn: psycopg.Connection) -> None:
    assert asyncio.run(_dropped_before(db)) is None
    assert migrate(db, "90 days").exit_code == 0
    ((job, config),) = policy_jobs(conn, "policy_retention").values()
    assert config["drop_after"] == "90 days"
    offsets = {
        c["start_offset"]
        for _, c in policy_jobs(conn, "policy_refresh_continuous_aggregate").values()
    }
    assert offsets == {"35 days"}  # shorter than the retention already: left as they are

    result = migrate(db, "30 days")
    assert result.exit_code == 0, result.output
    ((same_job, config),) = policy_jobs(conn, "policy_retention").values()
    assert (same_job, config["drop_after"]) == (job, "30 days")
    offsets = {
        c["start_offset"]
        for _, c in policy_jobs(conn, "policy_refresh_continuous_aggregate").values()
    }
    assert offsets == {"30 days"}
    assert asyncio.run(_dropped_before(db)) is not None

    result = migrate(db, None)
    assert result.exit_code == 0, result.output
    assert policy_jobs(conn, "policy_retention") == {}
    offsets = {
        c["start_offset"]
        for _, c in policy_jobs(conn, "policy_refresh_continuous_aggregate").values()
    }
    assert offsets == {f"{DEFAULT_START_OFFSET.days} days"}
    assert asyncio.run(_dropped_before(db)) is None


@pytest.mark.usefixtures("no_retention")
def test_migrate_refuses_a_retention_shorter_than_two_chunks(
    db: str, conn: psycopg.Connection
) -> None:
    assert migrate(db, "30 days").exit_code == 0
    result = migrate(db, "10 days")
    assert result.exit_code != 0
    assert "GRIDTS_RETENTION=10 days" in result.output
    assert "2 chunks" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 2  # the revision, then the one-line error
    ((_, config),) = policy_jobs(conn, "policy_retention").values()
    assert config["drop_after"] == "30 days"  # unchanged


@pytest.mark.usefixtures("no_retention")
def test_seeding_before_the_retention_boundary_is_refused_saying_why(
    db: str, conn: psycopg.Connection
) -> None:
    assert migrate(db, "21 days").exit_code == 0
    start = (NOW - timedelta(days=40)).strftime("%Y-%m-%d")
    env = {"GRIDTS_DATABASE_URL": db}
    result = CliRunner().invoke(main, ["seed", "--days", "1", "--start", start], env=env)
    assert result.exit_code != 0
    assert "timestamp_measured" in result.output
    assert "retention boundary" in result.output
    assert "another --seed" not in result.output
    assert conn.execute("SELECT count(*) FROM measures").fetchone() == (0,)
