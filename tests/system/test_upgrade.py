"""A database that already holds data upgrades with ``gridts migrate`` and answers as before.

Every schema change ships with this test. Rows go in with the previous head's schema, by plain
SQL as that schema takes them; the rollups are refreshed over part of the range (so answers mix
materialised buckets and real-time ones) and the older chunks are compressed. Then
``gridts migrate`` upgrades to head, and every read answers byte for byte what it answered
before, which is also what the reference model says of the rows written.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec
import psycopg
import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from litestar.testing import TestClient

from gridts.app import create_app
from gridts.cli import main
from gridts.db import migrations
from gridts.measures.schemas import MeasurePage
from gridts.refresh import refresh_all
from support import reference
from support.db import make_hierarchy, write_measures

if TYPE_CHECKING:
    from gridts.settings import Settings
    from gridts.testing.servers import TimescaleServer

START = datetime(2025, 3, 1, tzinfo=UTC)
DAYS = 20
READS: dict[str, dict[str, Any]] = {
    "latest": {"path": "/api/v1/measures"},
    "as_of": {"path": "/api/v1/measures", "collected_datetime": START + timedelta(days=9)},
    "revisions": {"path": "/api/v1/measures/revisions"},
    **{
        f"{level}_{resolution}": {
            "path": "/api/v1/rollups",
            "level": level,
            "resolution": resolution,
        }
        for level in ("node", "region", "grid")
        for resolution in ("raw", "1h", "1d")
    },
    "accuracy": {"path": "/api/v1/accuracy", "level": "region", "bucket": "1d"},
    "horizon": {"path": "/api/v1/measures/horizon", "lead": "PT11H"},
}


def previous_head(settings: Settings) -> str:
    """The revision before head: what a database upgraded by the last release stands at."""
    scripts = ScriptDirectory.from_config(migrations.alembic_config("", settings))
    head = scripts.get_revision(scripts.get_current_head())
    assert head is not None
    assert isinstance(head.down_revision, str), "head has one parent"
    return head.down_revision


def history(nodes: list[int]) -> list[reference.Row]:
    """Hourly targets, three revisions each (12, 11 and 10 h ahead), a smooth daily shape."""
    rows = []
    for index, node in enumerate(nodes):
        for hour in range(DAYS * 24):
            target = START + timedelta(hours=hour)
            final = round(100 + 10 * index + 30 * ((hour % 24) / 24), 3)
            for lead in (12, 11, 10):
                value = round(final * (1 + (lead - 10) / 100), 3)
                rows.append((node, target, target - timedelta(hours=lead), value))
    return rows


def read_everything(url: str, settings: Settings) -> dict[str, bytes]:
    """The body of every read in ``READS`` over the whole range."""
    span = {
        "start_datetime": START.isoformat(),
        "end_datetime": (START + timedelta(days=DAYS)).isoformat(),
    }
    bodies = {}
    with TestClient(create_app(settings, database_url=url)) as client:
        for name, read in READS.items():
            params = {k: str(v) if isinstance(v, datetime) else v for k, v in read.items()}
            response = client.get(params.pop("path"), params={**span, **params})
            assert response.status_code == 200, (name, response.text)
            bodies[name] = response.content
    return bodies


@pytest.fixture
def upgraded_from_previous(
    timescale_server: TimescaleServer, test_settings: Settings
) -> tuple[str, list[reference.Row], dict[str, bytes]]:
    """A database written at the previous head, its rows, its answers then; then upgraded."""
    url = timescale_server.create_database("gridts_test_upgrade")
    migrations.upgrade(url, test_settings, previous_head(test_settings))
    with psycopg.connect(url, autocommit=True) as conn:
        made = make_hierarchy(conn, {"G": {"R1": ["N1", "N2"], "R2": ["N3"]}})
        rows = history(made.nodes)
        write_measures(conn, rows)
        refresh_all(conn, START, START + timedelta(days=DAYS // 2))
        compress_all_but_newest(conn)
    before = read_everything(url, test_settings)
    result = CliRunner().invoke(main, ["migrate"], env={"GRIDTS_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return url, rows, before


def compress_all_but_newest(conn: psycopg.Connection) -> None:
    """Compress the chunks before the last week: answers must come from both kinds of chunk."""
    conn.execute(
        "SELECT compress_chunk(c) FROM show_chunks('measures', older_than => %s::timestamptz) c",
        (START + timedelta(days=DAYS - 7),),
    )


def test_every_read_answers_as_before_the_upgrade_and_as_the_model_says(
    upgraded_from_previous: tuple[str, list[reference.Row], dict[str, bytes]],
    test_settings: Settings,
) -> None:
    url, rows, before = upgraded_from_previous
    after = read_everything(url, test_settings)
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], f"{name} changed across the upgrade"
    latest = msgspec.json.decode(after["latest"], type=MeasurePage).data
    got = {(m.node_id, m.timestamp_measured): m.value for m in latest}
    assert len(got) == 3 * DAYS * 24  # every target of the three nodes: the reads saw data
    assert got == {key: row[3] for key, row in reference.latest(rows).items()}
    revisions = msgspec.json.decode(after["revisions"], type=MeasurePage).data
    assert [
        (m.node_id, m.timestamp_measured, m.timestamp_collected, m.value) for m in revisions
    ] == reference.revisions(rows)
