"""CPU seconds a read costs the service and PostgreSQL: what bounds a big read on a small machine.

A year run's big read (latest values of 1,000 nodes over 30 days) keeps both cores of the bench
machine busy, so its wall time is at least its CPU time divided by the cores. The figures say how
far a goal is from that bound: the processes' user and system time (``psutil``), summed over the
process tree, children already reaped included (PostgreSQL's backends that ended, a worker
process of ``gridts serve``).

PostgreSQL is counted only where it runs on this machine and says where its data directory is
(``data_directory``: a superuser or ``pg_read_all_settings``); elsewhere its figure is None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg


def tree_seconds(pid: int) -> float:
    """User and system CPU seconds of ``pid`` and its descendants, reaped ones included."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue  # ended between the listing and now: its parent counts it once reaped
        total += times.user + times.system + times.children_user + times.children_system
    return total


def postmaster(conn: psycopg.Connection) -> int | None:
    """The pid of the PostgreSQL server ``conn`` is on, if it runs here and can be found."""
    try:
        row = conn.execute("SELECT current_setting('data_directory')").fetchone()
    except psycopg.errors.InsufficientPrivilege:  # no figure, not a failure
        conn.rollback()
        return None
    if row is None:
        return None
    try:
        first = (Path(row[0]) / "postmaster.pid").read_text().split("\n", 1)[0]
        pid = int(first)
    except (OSError, ValueError):
        return None
    return pid if psutil.pid_exists(pid) else None


def own_seconds() -> float:
    """User and system CPU seconds of this process alone (the bench's client)."""
    times = psutil.Process().cpu_times()
    return times.user + times.system


@dataclass(frozen=True)
class Share:
    """CPU seconds per request: the service's, PostgreSQL's (None if not measured), the client's."""

    service: float
    database: float | None
    client: float

    def __str__(self) -> str:
        database = "not measured" if self.database is None else f"{self.database:.3f} s"
        return (
            f"CPU a read: service {self.service:.3f} s, PostgreSQL {database}, "
            f"client {self.client:.3f} s"
        )


@dataclass
class Meter:
    """CPU seconds of the service, PostgreSQL and this client between ``start`` and ``stop``.

    PostgreSQL's figure is every process of the server: the reads' backends, and whatever else
    runs meanwhile (autovacuum, TimescaleDB's jobs, the checkpointer).
    """

    service: int
    database: int | None
    _readings: tuple[float, float, float] = field(default=(0.0, 0.0, 0.0), init=False)

    def start(self) -> None:
        """Take the first reading."""
        self._readings = self._read()

    def stop(self, requests: int) -> Share:
        """CPU seconds per request since ``start``."""
        before, after = self._readings, self._read()
        service, database, client = ((b - a) / requests for a, b in zip(before, after, strict=True))
        return Share(service, database if self.database else None, client)

    def _read(self) -> tuple[float, float, float]:
        database = tree_seconds(self.database) if self.database else 0.0
        return tree_seconds(self.service), database, own_seconds()
