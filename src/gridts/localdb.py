"""A throwaway or embedded PostgreSQL cluster with TimescaleDB, driven by Debian's binaries.

Why not pytest-postgresql's process fixture: ``initdb`` and ``pg_ctl`` refuse to run as root, and
these machines (and their CI) run as root. Here the server runs as the ``postgres`` system user when
we are root, which is what Debian's own ``pg_ctlcluster`` does. Tests and the ``gridts`` commands
(when ``GRIDTS_DATABASE_URL`` is unset) both use this one class.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


class LocalClusterUnavailableError(RuntimeError):
    """This machine cannot run a local TimescaleDB cluster; the message says why."""


def _pg_config(option: str) -> str:
    exe = shutil.which("pg_config")
    if exe is None:
        raise LocalClusterUnavailableError(
            "no PostgreSQL server here (pg_config not found): install Debian's postgresql "
            "package, or set GRIDTS_DATABASE_URL to an existing TimescaleDB"
        )
    return subprocess.run(  # noqa: S603
        [exe, option], check=True, capture_output=True, text=True
    ).stdout.strip()


def find_binaries() -> Path:
    """Return the server's bin directory, or say plainly what is missing."""
    bindir = Path(_pg_config("--bindir"))
    if not (bindir / "initdb").exists() or not (bindir / "pg_ctl").exists():
        raise LocalClusterUnavailableError(
            f"PostgreSQL server binaries (initdb, pg_ctl) are missing from {bindir}: "
            "install Debian's postgresql package"
        )
    libdir = Path(_pg_config("--pkglibdir"))
    if not any(libdir.glob("timescaledb*.so")):
        raise LocalClusterUnavailableError(
            f"the timescaledb extension is not installed in {libdir}: build it from "
            "timescale/timescaledb (the newest release supporting this PostgreSQL) as its "
            "README describes, or set GRIDTS_DATABASE_URL to an existing TimescaleDB"
        )
    return bindir


@dataclass
class LocalCluster:
    """A cluster under ``datadir`` listening on loopback ``port``, trusting local connections."""

    datadir: Path
    port: int
    preload_timescaledb: bool = True

    @property
    def url(self) -> str:
        """Libpq URL of the cluster's ``postgres`` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(find_binaries() / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(  # noqa: S603
            command, check=True, capture_output=True, text=True
        )

    def init(self) -> None:
        """Create the cluster if ``datadir`` holds none yet."""
        if (self.datadir / "PG_VERSION").exists():
            return
        self.datadir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.datadir, user.pw_uid, user.pw_gid)
            self.datadir.chmod(0o700)
            for parent in self.datadir.resolve().parents:
                if not parent.stat().st_mode & 0o001:
                    raise LocalClusterUnavailableError(
                        f"the postgres user cannot reach {self.datadir}: {parent} is not "
                        "searchable by others (chmod o+x it, or choose another data_dir)"
                    )
        self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        config = self.datadir / "postgresql.conf"
        with config.open("a", encoding="utf-8") as f:
            f.write(
                "\n# gridts local cluster\n"
                + ("shared_preload_libraries = 'timescaledb'\n" if self.preload_timescaledb else "")
                + "listen_addresses = '127.0.0.1'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.datadir}'\n"
                "timescaledb.telemetry_level = off\n"
                "max_connections = 200\n"
            )

    def is_running(self) -> bool:
        """Whether the server of ``datadir`` is up."""
        try:
            self._run("pg_ctl", "-D", str(self.datadir), "status")
        except subprocess.CalledProcessError:
            return False
        return True

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        if self.is_running():
            return
        log = self.datadir / "server.log"
        self._run("pg_ctl", "-D", str(self.datadir), "-l", str(log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast`` rolls back open transactions; ``immediate`` crashes it)."""
        if self.is_running():
            self._run("pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        """Stop the server and delete its files."""
        self.stop("immediate")
        shutil.rmtree(self.datadir, ignore_errors=True)
