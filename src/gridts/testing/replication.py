"""A throwaway primary and a streaming hot standby on this machine, for tests and benchmarks.

The primary is a ``gridts.localdb.LocalCluster``; the standby is cloned from it with
``pg_basebackup -R`` (which writes ``standby.signal`` and ``primary_conninfo``), run as the
``postgres`` user like the primary, on its own loopback port. The standby runs with
``hot_standby_feedback = on`` (README: reads on replicas) and names itself ``gridts_standby``
(``cluster_name``), the name ``synchronous_standby_names`` uses to make replication synchronous.
"""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from gridts.localdb import LocalCluster, LocalClusterUnavailableError, find_binaries
from gridts.testing.ports import free_port

if TYPE_CHECKING:
    import contextlib

STANDBY_NAME = "gridts_standby"


def _own(directory: Path) -> None:
    """Give ``directory`` to the postgres user when we are root, as ``initdb`` needs."""
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(directory, user.pw_uid, user.pw_gid)
    directory.chmod(0o700)


@dataclass
class ReplicatedPair:
    """A primary and its streaming standby."""

    primary: LocalCluster
    standby: LocalCluster

    def url(self, cluster: LocalCluster, database: str) -> str:
        """URL of ``database`` on ``cluster``."""
        return f"postgresql://postgres@127.0.0.1:{cluster.port}/{database}"

    def failover_url(self, database: str) -> str:
        """A libpq multi-host URL that finds whichever of the two accepts writes."""
        hosts = f"127.0.0.1:{self.primary.port},127.0.0.1:{self.standby.port}"
        return (
            f"postgresql://postgres@{hosts}/{database}"
            "?target_session_attrs=read-write&connect_timeout=2"
        )

    def set_synchronous(self, on: bool) -> None:
        """Make commits on the primary wait for the standby's flush (or stop waiting)."""
        names = STANDBY_NAME if on else ""
        with psycopg.connect(self.primary.url, autocommit=True) as conn:
            conn.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{names}'")
            conn.execute("SELECT pg_reload_conf()")

    def replay_lsn(self) -> str | None:
        """How far the standby has replayed."""
        with psycopg.connect(self.standby.url, autocommit=True) as conn:
            row = conn.execute("SELECT pg_last_wal_replay_lsn()::text").fetchone()
        return None if row is None else row[0]

    def wait_caught_up(self, timeout: float = 30) -> None:
        """Return once the standby has replayed everything the primary has written so far."""
        with psycopg.connect(self.primary.url, autocommit=True) as conn:
            row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        assert row is not None  # noqa: S101
        target = row[0]
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.standby.url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                done = conn.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)
                ).fetchone()
                if done and done[0]:
                    return
                time.sleep(0.02)
        raise TimeoutError(f"the standby did not replay up to {target} within {timeout} s")

    def promote(self) -> None:
        """Turn the standby into a primary (``pg_ctl promote``), waiting until it accepts writes."""
        self.standby._run("pg_ctl", "-D", str(self.standby.datadir), "-w", "promote")  # noqa: SLF001


def clone_standby(primary: LocalCluster, datadir: Path, **settings: str) -> LocalCluster:
    """``pg_basebackup -R`` of ``primary`` into ``datadir``, configured and started as a standby."""
    _own(datadir)
    standby = LocalCluster(datadir, free_port())
    standby._run(  # noqa: SLF001 - the same runner (as postgres when root)
        "pg_basebackup",
        "-D",
        str(datadir),
        "-h",
        "127.0.0.1",
        "-p",
        str(primary.port),
        "-U",
        "postgres",
        "-R",
        "-X",
        "stream",
        "-c",
        "fast",
        "--no-sync",
    )
    values = {
        "port": str(standby.port),
        "unix_socket_directories": f"'{datadir}'",
        "cluster_name": f"'{STANDBY_NAME}'",
        "hot_standby_feedback": "on",
        **settings,
    }
    (datadir / "server.log").unlink(missing_ok=True)
    with (datadir / "postgresql.conf").open("a", encoding="utf-8") as f:
        f.write("\n# gridts streaming standby\n")
        f.writelines(f"{name} = {value}\n" for name, value in values.items())
    standby.start()
    return standby


def replicated_pair(
    stack: contextlib.ExitStack, *, standby_settings: dict[str, str] | None = None
) -> ReplicatedPair | None:
    """A fresh primary and standby, destroyed when ``stack`` closes; None if impossible here."""
    try:
        find_binaries()
    except LocalClusterUnavailableError:
        return None
    root = Path(tempfile.mkdtemp(prefix="gridts-replicas-"))
    root.chmod(0o755)
    stack.callback(shutil.rmtree, root, ignore_errors=True)
    primary = LocalCluster(root / "primary", free_port())
    stack.callback(primary.destroy)
    primary.init()
    with (primary.datadir / "postgresql.conf").open("a", encoding="utf-8") as f:
        f.write("wal_level = replica\nmax_wal_senders = 10\nwal_keep_size = '512MB'\n")
    primary.start()
    standby_dir = root / "standby"
    stack.callback(shutil.rmtree, standby_dir, ignore_errors=True)
    standby = clone_standby(primary, standby_dir, **(standby_settings or {}))
    stack.callback(standby.destroy)
    return ReplicatedPair(primary, standby)
