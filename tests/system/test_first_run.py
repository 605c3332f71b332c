"""The first run, as a newcomer meets it: commands before ``gridts migrate``, with and without
``GRIDTS_DATABASE_URL``, and ``gridts migrate`` started before its database is up (what
``docker compose up`` does on its first start)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from click.testing import CliRunner

from gridts.cli import main
from gridts.db import migrations
from gridts.db.ready import revisions
from gridts.db.url import local_cluster
from gridts.localdb import LocalCluster
from gridts.settings import Settings
from gridts.testing.ports import free_port
from gridts.testing.process import start_service

if TYPE_CHECKING:
    from collections.abc import Iterator

    from gridts.testing.servers import TimescaleServer


def _one_line_error(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("Error: "), output
    assert "Traceback" not in output
    return lines[0]


@pytest.fixture
def fresh_url(timescale_server: TimescaleServer) -> str:
    """An empty database: no gridts schema yet."""
    return timescale_server.create_database("gridts_test_first_run")


@pytest.mark.parametrize(
    "command", [["seed", "--weeks", "4"], ["serve", "--port", str(free_port())]]
)
def test_before_migrate_a_configured_database_gets_one_line(
    fresh_url: str, command: list[str]
) -> None:
    result = CliRunner().invoke(main, command, env={"GRIDTS_DATABASE_URL": fresh_url})
    assert result.exit_code == 1
    line = _one_line_error(result.output)
    assert "has no gridts schema yet: run `gridts migrate` first" in line
    assert "/gridts_test_first_run" in line
    with psycopg.connect(fresh_url) as conn:  # nothing was created behind the user's back
        tables = conn.execute("SELECT to_regclass('grid'), to_regclass('alembic_version')")
        assert tables.fetchone() == (None, None)


def test_an_older_schema_is_named_with_the_one_needed(
    fresh_url: str, test_settings: Settings
) -> None:
    migrations.upgrade(fresh_url, test_settings, "0006")
    result = CliRunner().invoke(main, ["seed"], env={"GRIDTS_DATABASE_URL": fresh_url})
    assert result.exit_code == 1
    current, heads = revisions(fresh_url, test_settings)
    assert current == ("0006",)
    line = _one_line_error(result.output)
    assert f"is at schema revision 0006 and this gridts needs {heads[0]}" in line
    assert "run `gridts migrate` first" in line


@pytest.fixture
def embedded() -> Iterator[dict[str, str]]:
    """The environment of a newcomer with no GRIDTS_DATABASE_URL: an embedded cluster, new."""
    root = Path(tempfile.mkdtemp(prefix="gridts-test-first-run-"))
    root.chmod(0o755)
    env = {
        "GRIDTS_DATABASE_URL": "",
        "GRIDTS_DATA_DIR": str(root),
        "GRIDTS_LOCAL_PORT": str(free_port()),
    }
    try:
        yield env
    finally:
        local_cluster(Settings.from_env(env)).destroy()


def test_without_a_url_serve_brings_the_embedded_cluster_up_to_date(
    embedded: dict[str, str], test_settings: Settings
) -> None:
    # initdb, the extension and every migration on the way: give it time.
    server = start_service("", wait_for="/ready", timeout=180, env=embedded)
    try:
        url = CliRunner().invoke(main, ["db", "start"], env=embedded).output.strip()
        current, heads = revisions(url, test_settings)
        assert current == heads
        assert "migrated the local database" in server.log_tail(200)
    finally:
        server.stop()


def test_migrate_waits_for_a_database_that_is_starting() -> None:
    root = Path(tempfile.mkdtemp(prefix="gridts-test-wait-"))
    root.chmod(0o755)
    cluster = LocalCluster(root / "data", free_port())
    cluster.init()  # created, not started: like a database container still initialising
    url = cluster.url
    env = {**os.environ, "GRIDTS_DATABASE_URL": url, "GRIDTS_DATABASE_WAIT": "300"}
    migrate = subprocess.Popen(
        [sys.executable, "-m", "gridts.cli", "migrate"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert migrate.stderr is not None
        waiting = migrate.stderr.readline()  # migrate tried, was refused, and says it waits
        assert waiting.startswith("waiting up to 300 s for the database at 127.0.0.1:"), waiting
        assert "Connection refused" in waiting
        cluster.start()
        out, err = migrate.communicate(timeout=300)
        assert migrate.returncode == 0, err
        assert "database at revision head" in out
        current, heads = revisions(url, Settings())
        assert current == heads
    finally:
        if migrate.poll() is None:
            migrate.kill()
            migrate.wait()
        cluster.destroy()


def test_migrate_gives_up_after_the_bound_with_one_line() -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/gridts"  # nothing listens there
    result = CliRunner().invoke(
        main, ["migrate"], env={"GRIDTS_DATABASE_URL": url, "GRIDTS_DATABASE_WAIT": "1"}
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("waiting up to 1 s for the database at 127.0.0.1:")
    assert lines[1].startswith("Error: the database at 127.0.0.1:")
    assert "did not answer within 1 s (GRIDTS_DATABASE_WAIT)" in lines[1]
    assert "Traceback" not in result.output


def test_what_waiting_cannot_fix_is_said_at_once(timescale_server: TimescaleServer) -> None:
    url = timescale_server.database_url("gridts_no_such_database")
    result = CliRunner().invoke(main, ["migrate"], env={"GRIDTS_DATABASE_URL": url})
    assert result.exit_code == 1
    line = _one_line_error(result.output)
    assert 'database "gridts_no_such_database" does not exist' in line
