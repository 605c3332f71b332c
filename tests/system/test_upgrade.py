"""A database that already holds data upgrades with ``gridts migrate`` and answers as before.

Every schema change ships with this test. Rows go in with the previous head's schema, by plain
SQL as that schema takes them; the rollups are refreshed over part of the range (so answers mix
materialised buckets and real-time ones) and the older chunks are compressed. The previous
release's code (the commit before the head migration was added, taken from git) then answers
every read; ``gridts migrate`` upgrades to head; and the new code answers the same reads.

Every row answered before is answered after, with the same fields and values; the new code may
add fields (a schema change adds what it is about) and may name its ``source`` differently.
Values read from rollups are compared to 1e-12 relative: a sum over the same values in another
order can differ in its last bit. The answers also equal the reference model's.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tarfile
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import TYPE_CHECKING, Any

import msgspec
import psycopg
import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from litestar.testing import TestClient
from psycopg import sql

from gridts.app import create_app
from gridts.cli import main
from gridts.db import migrations
from gridts.measures.schemas import MeasurePage
from gridts.refresh import refresh_all
from gridts.resources import data_dir
from support import reference
from support.db import make_hierarchy

if TYPE_CHECKING:
    from pathlib import Path

    from gridts.settings import Settings
    from gridts.testing.servers import TimescaleServer

START = datetime(2025, 3, 1, tzinfo=UTC)
GIT = shutil.which("git")
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
SPAN = {
    "start_datetime": START.isoformat(),
    "end_datetime": (START + timedelta(days=DAYS)).isoformat(),
}

#: Run by the previous release's code: every read of READS, bodies as text, one JSON object out.
_READ_BEFORE = """
import json, sys
from litestar.testing import TestClient
from gridts.app import create_app
from gridts.settings import Settings
url, reads, span = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
bodies = {}
with TestClient(create_app(Settings.from_env({}), database_url=url)) as client:
    for name, read in reads.items():
        read = dict(read)
        response = client.get(read.pop("path"), params={**span, **read})
        assert response.status_code == 200, (name, response.text)
        bodies[name] = response.text
print("\\n" + json.dumps(bodies))
"""


def previous_head(settings: Settings) -> str:
    """The revision before head: what a database upgraded by the last release stands at."""
    scripts = ScriptDirectory.from_config(migrations.alembic_config("", settings))
    head = scripts.get_revision(scripts.get_current_head() or "head")
    assert head is not None
    assert isinstance(head.down_revision, str), "head has one parent"
    return head.down_revision


def previous_release(settings: Settings, into: Path) -> Path:
    """The code as it stood before the head migration was added (from git), unpacked in ``into``.

    Returns the directory to put on ``PYTHONPATH``.
    """
    scripts = ScriptDirectory.from_config(migrations.alembic_config("", settings))
    head = scripts.get_revision(scripts.get_current_head() or "head")
    assert head is not None
    root = data_dir("alembic").parent
    assert GIT is not None, "the upgrade test reads the previous release from git"
    added = subprocess.run(  # noqa: S603 - fixed arguments
        [GIT, "log", "--diff-filter=A", "--format=%H", "-1", "--", head.path],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert added, f"git does not know when {head.path} was added"
    archive = subprocess.run(  # noqa: S603 - fixed arguments
        [GIT, "archive", f"{added}^", "src", "sql", "alembic"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


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


def read_before(url: str, code: Path) -> dict[str, Any]:
    """Every read of ``READS``, answered by the previous release's code in ``code``."""
    reads = {
        name: {k: v.isoformat() if isinstance(v, datetime) else v for k, v in read.items()}
        for name, read in READS.items()
    }
    env = {**os.environ, "PYTHONPATH": str(code)}
    env = {k: v for k, v in env.items() if not k.startswith("GRIDTS_")}
    out = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", _READ_BEFORE, url, json.dumps(reads), json.dumps(SPAN)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    bodies = json.loads(out.stdout.splitlines()[-1])  # after the service's own log lines
    return {name: json.loads(body) for name, body in bodies.items()}


def read_after(url: str, settings: Settings) -> dict[str, Any]:
    """Every read of ``READS``, answered by this code."""
    bodies = {}
    with TestClient(create_app(settings, database_url=url)) as client:
        for name, read in READS.items():
            params = {k: str(v) if isinstance(v, datetime) else v for k, v in read.items()}
            response = client.get(params.pop("path"), params={**SPAN, **params})
            assert response.status_code == 200, (name, response.text)
            bodies[name] = response.json()
    return bodies


def same(before: Any, after: Any, where: str) -> None:
    """``after`` answers what ``before`` did: same keys and values; new keys allowed in objects."""
    if isinstance(before, dict):
        assert isinstance(after, dict), where
        for key, value in before.items():
            if key == "source":
                continue
            assert key in after, f"{where}.{key} is gone"
            same(value, after[key], f"{where}.{key}")
    elif isinstance(before, list):
        assert isinstance(after, list), where
        assert len(after) == len(before), f"{where}: {len(before)} rows before, {len(after)} after"
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            same(old, new, f"{where}[{index}]")
    elif isinstance(before, float) and isinstance(after, float):
        assert math.isclose(before, after, rel_tol=1e-12, abs_tol=1e-9), (where, before, after)
    else:
        assert before == after, (where, before, after)


@pytest.fixture
def upgraded_from_previous(
    timescale_server: TimescaleServer, test_settings: Settings, tmp_path: Path
) -> tuple[str, list[reference.Row], dict[str, Any]]:
    """A database written at the previous head, its rows, its answers then; then upgraded."""
    url = timescale_server.create_database("gridts_test_upgrade")
    migrations.upgrade(url, test_settings, previous_head(test_settings))
    with psycopg.connect(url, autocommit=True) as conn:
        made = make_hierarchy(conn, {"G": {"R1": ["N1", "N2"], "R2": ["N3"]}})
        rows = history(made.nodes)
        # As the previous schema takes them: by node before 0007, by series since (a node's
        # default series has the node's id).
        key = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'measures' "
            "AND column_name IN ('node_id', 'series_id')"
        ).fetchone()
        assert key is not None
        # Values as the previous schema stores them: floats before 0010, integers of the kind's
        # smallest unit since (the default series' kind, load, keeps 3 decimals).
        scale = conn.execute(
            "SELECT k.scale FROM kind k WHERE k.name = 'load'"
            if _has_column(conn, "kind", "scale")
            else "SELECT NULL"
        ).fetchone()
        assert scale is not None
        with conn.cursor().copy(
            sql.SQL(
                "COPY measures ({}, timestamp_measured, timestamp_collected, value) FROM STDIN"
            ).format(sql.Identifier(key[0]))
        ) as copy:
            for node, measured, collected, value in rows:
                stored = value if scale[0] is None else round(value * scale[0])
                copy.write_row((node, measured, collected, stored))
        refresh_all_before(conn)
        compress_all_but_newest(conn)
    before = read_before(url, previous_release(test_settings, tmp_path))
    result = CliRunner().invoke(main, ["migrate"], env={"GRIDTS_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return url, rows, before


def _has_column(conn: psycopg.Connection, table: str, column: str) -> bool:
    found = conn.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = %s AND column_name = %s",
        (table, column),
    ).fetchone()
    return found is not None


def refresh_all_before(conn: psycopg.Connection) -> None:
    """Refresh the previous schema's aggregates over the first half of the range.

    In one pass per view (as ``gridts.refresh`` does): by default TimescaleDB commits every ten
    buckets, which for one-second buckets means thousands of transactions.
    """
    views = conn.execute(
        "SELECT view_name FROM timescaledb_information.continuous_aggregates "
        "ORDER BY materialization_hypertable_name"
    ).fetchall()
    for (view,) in views:
        conn.execute(
            "CALL refresh_continuous_aggregate(%s, %s, %s, "
            "options => '{\"buckets_per_batch\": 0}')",
            (view, START, START + timedelta(days=DAYS // 2)),
        )


def compress_all_but_newest(conn: psycopg.Connection) -> None:
    """Compress the chunks before the last week: answers must come from both kinds of chunk."""
    conn.execute(
        "SELECT compress_chunk(c) FROM show_chunks('measures', older_than => %s::timestamptz) c",
        (START + timedelta(days=DAYS - 7),),
    )


def test_every_read_answers_as_before_the_upgrade_and_as_the_model_says(
    upgraded_from_previous: tuple[str, list[reference.Row], dict[str, Any]],
    test_settings: Settings,
) -> None:
    url, rows, before = upgraded_from_previous
    after = read_after(url, test_settings)
    assert after.keys() == before.keys()
    for name in before:
        same(before[name], after[name], name)
    with psycopg.connect(url, autocommit=True) as conn:
        refresh_all(conn)  # materialised now: the same answers again
    again = read_after(url, test_settings)
    for name in after:
        same(after[name], again[name], name)
    latest = msgspec.convert(after["latest"], MeasurePage, strict=False).data
    got = {(m.node_id, m.timestamp_measured): m.value for m in latest}
    assert len(got) == 3 * DAYS * 24  # every target of the three nodes: the reads saw data
    assert got == {key: row[3] for key, row in reference.latest(rows).items()}
    revisions = msgspec.convert(after["revisions"], MeasurePage, strict=False).data
    assert [
        (m.node_id, m.timestamp_measured, m.timestamp_collected, m.value) for m in revisions
    ] == reference.revisions(rows)
