"""Reads on hot-standby replicas: how far behind each one is, and which one may answer a read.

gridts scales reads on PostgreSQL's own streaming replication. Each replica named in
``GRIDTS_READ_DATABASE_URLS`` gets its own connection pool; a background task (owned by the
app's lifespan) measures every ``CHECK_INTERVAL`` each replica's replay position
(``pg_last_wal_replay_lsn()``) and its lag behind the primary:

- the primary's ``pg_current_wal_lsn()`` is sampled first; a replica that has replayed up to the
  newest sample lags 0 (this is what makes an idle primary read as "no lag": its last commit may
  be hours old, but the replica has all of it);
- otherwise the lag is at most the age of the newest primary sample the replica has reached, and
  at most ``now() - pg_last_xact_replay_timestamp()`` (the replica shows the primary as of that
  commit); the smaller bound is taken.

A replica further behind than ``GRIDTS_MAX_REPLICA_LAG``, or that does not answer, gets no reads
until a later check finds it back (``ReplicaState``). Reads then go to the other replicas in turn,
else to the primary, so a replica never makes a read fail that the primary could answer.

Read-your-writes: a write's answer carries the primary's WAL position after its commit (``lsn``);
a read passing it as ``min_lsn`` is served by a replica known to have replayed that far, or by
one that gets there within ``GRIDTS_READ_WAIT`` (polled on the connection that will then serve
the read), or else by the primary.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from gridts.db.pool import create_pool
from gridts.db.ready import where
from gridts.observability import READ_WAITS, READS, watch_pool

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Collection, Sequence

    from psycopg import AsyncConnection

    from gridts.settings import Settings

log = logging.getLogger(__name__)

#: Seconds between two measurements of the replicas' lag.
CHECK_INTERVAL = 0.5
#: Longest one measurement may take (connect or query) before its server counts as unreachable.
CHECK_TIMEOUT = 2.0
#: Longest a read waits for a connection of a replica before it goes elsewhere.
BORROW_TIMEOUT = 0.5
#: How often a read with ``min_lsn`` asks its replica how far it has replayed.
WAIT_POLL = 0.01
#: Primary positions kept to bound the lag (5 minutes of samples).
SAMPLES = 600

#: What a replica (or the primary, once a replica was promoted) says about its position.
_POSITION = (
    "SELECT pg_is_in_recovery(), "
    "(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
    "ELSE pg_current_wal_lsn() END)::text, "
    "extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8"
)
_REPLAYED = (
    "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
    "ELSE pg_current_wal_lsn() END)::text"
)

#: ``min_lsn`` as PostgreSQL writes a ``pg_lsn``: two hexadecimal halves.
LSN_PATTERN = r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$"


def parse_lsn(text: str) -> int:
    """``16/B374D848`` as one integer (positions compare as integers)."""
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def format_lsn(position: int) -> str:
    """The ``pg_lsn`` text of ``position``."""
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


class ReplicaState(enum.StrEnum):
    """Whether a replica receives reads."""

    UNKNOWN = "unknown"
    """Not measured yet: no reads."""
    HEALTHY = "healthy"
    """Answers, and lags at most ``GRIDTS_MAX_REPLICA_LAG``: receives reads."""
    LAGGING = "lagging"
    """Answers, but further behind: no reads until it catches up."""
    UNREACHABLE = "unreachable"
    """Did not answer the last measurement, or a read lost its connection: no reads."""


@dataclass(eq=False)
class Replica:
    """One hot standby, its pool, and what the last measurement found."""

    index: int
    name: str
    """``host:port/dbname``, without credentials (for /ready, /metrics and logs)."""
    url: str = field(repr=False)
    pool: AsyncConnectionPool = field(repr=False)
    state: ReplicaState = ReplicaState.UNKNOWN
    lag: float | None = None
    """Seconds behind the primary at the last measurement (None: not known)."""
    replay_lsn: int = 0
    """The highest position the replica was seen to have replayed."""
    reason: str = ""
    """Why the replica is not healthy, for /ready."""


class _Probe:
    """A connection of its own to one server, for measurements (never waits for a busy pool)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: AsyncConnection | None = None

    async def fetch(self, statement: str) -> tuple[object, ...]:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                if self.conn is None or self.conn.closed:
                    self.conn = await psycopg.AsyncConnection.connect(
                        self.url,
                        autocommit=True,
                        connect_timeout=max(1, int(CHECK_TIMEOUT)),
                        application_name="gridts-replica-monitor",
                    )
                cursor = await self.conn.execute(statement)
                row = await cursor.fetchone()
        except (psycopg.Error, TimeoutError, OSError):
            await self.close()
            raise
        assert row is not None  # noqa: S101 - a SELECT of constants returns one row
        return tuple(row)

    async def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                await self.conn.close()
            self.conn = None


class Replicas:
    """The configured replicas, their measurement task, and the choice of a server per read."""

    def __init__(
        self,
        urls: Sequence[str],
        settings: Settings,
        primary: AsyncConnectionPool,
        primary_url: str,
    ) -> None:
        self.primary = primary
        names = [where(url) for url in urls]
        self.replicas = [
            Replica(
                i,
                f"{name}#{i}" if names.count(name) > 1 else name,
                url,
                create_pool(url, settings, application_name="gridts-read", name=pool_name(name)),
            )
            for i, (name, url) in enumerate(zip(names, urls, strict=True))
        ]
        self.settings = settings
        self._closing: set[asyncio.Task[None]] = set()
        self.max_lag = settings.max_replica_lag.total_seconds()
        self.read_wait = settings.read_wait.total_seconds()
        self._primary_probe = _Probe(primary_url)
        self._probes = [_Probe(url) for url in urls]
        self._samples: deque[tuple[float, int]] = deque(maxlen=SAMPLES)
        self._turn = 0
        self._task: asyncio.Task[None] | None = None
        self.checks = 0
        """Measurements done (tests wait for a new one)."""

    async def open(self) -> None:
        """Open the pools without waiting, measure once, and start the measurement task."""
        for replica in self.replicas:
            watch_pool(replica.pool)
            await replica.pool.open(wait=False)
        await self.check()
        self._task = asyncio.create_task(self._run(), name="gridts-replica-monitor")

    async def close(self) -> None:
        """Stop measuring and close every connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for probe in (self._primary_probe, *self._probes):
            await probe.close()
        for replica in self.replicas:
            await replica.pool.close()
        await asyncio.gather(*self._closing, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(CHECK_INTERVAL)
            try:
                await self.check()
            except Exception:  # a bug here must not end the measurements for good
                log.exception("replica measurement failed")

    async def check(self) -> None:
        """Measure the primary's position, then every replica's."""
        try:
            row = await self._primary_probe.fetch("SELECT pg_current_wal_lsn()::text")
        except (psycopg.Error, TimeoutError, OSError):
            pass  # the primary is away or in recovery: the replicas keep their last samples
        else:
            self._samples.append((time.monotonic(), parse_lsn(str(row[0]))))
        pairs = zip(self.replicas, self._probes, strict=True)
        await asyncio.gather(*(self._check(replica, probe) for replica, probe in pairs))
        self.checks += 1

    async def _check(self, replica: Replica, probe: _Probe) -> None:
        try:
            in_recovery, replayed, age = await probe.fetch(_POSITION)
        except (psycopg.Error, TimeoutError, OSError) as error:
            self._set(replica, ReplicaState.UNREACHABLE, None, _reason(error))
            return
        if replica.state is ReplicaState.UNREACHABLE:
            await self._renew_pool(replica)
        position = parse_lsn(str(replayed)) if replayed is not None else 0
        replica.replay_lsn = max(replica.replay_lsn, position)
        if not in_recovery:  # promoted: it is a primary now, and lags nobody
            self._set(replica, ReplicaState.HEALTHY, 0.0, "")
            return
        lag = self._lag(position, age if isinstance(age, float) else None)
        if lag is None:
            self._set(replica, ReplicaState.UNKNOWN, None, "its lag is not known yet")
        elif lag > self.max_lag:
            reason = f"{lag:.1f} s behind the primary (GRIDTS_MAX_REPLICA_LAG {self.max_lag:g} s)"
            self._set(replica, ReplicaState.LAGGING, lag, reason)
        else:
            self._set(replica, ReplicaState.HEALTHY, lag, "")

    async def _renew_pool(self, replica: Replica) -> None:
        """Give a replica that is back a new pool.

        The old one may still be backing off between reconnection attempts (for up to
        ``GRIDTS_POOL_RECONNECT_TIMEOUT``). Reads holding its connections finish first.
        """
        old, replica.pool = (
            replica.pool,
            create_pool(
                replica.url,
                self.settings,
                application_name="gridts-read",
                name=pool_name(replica.name),
            ),
        )
        watch_pool(replica.pool)
        await replica.pool.open(wait=False)
        closing = asyncio.create_task(old.close(timeout=self.settings.statement_timeout.seconds))
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)

    def _lag(self, position: int, replay_age: float | None) -> float | None:
        """Seconds the replica at ``position`` is behind at most (module docstring)."""
        now = time.monotonic()
        if self._samples and self._samples[-1][1] <= position:
            return 0.0
        bound = math.inf
        for at, primary_position in reversed(self._samples):
            if primary_position <= position:
                bound = now - at
                break
        if replay_age is not None:
            bound = min(bound, max(0.0, replay_age))
        return None if math.isinf(bound) else bound

    def _set(self, replica: Replica, state: ReplicaState, lag: float | None, reason: str) -> None:
        if state is not replica.state:
            log.warning(
                "read replica %s: %s -> %s%s",
                replica.name,
                replica.state.value,
                state.value,
                f" ({reason})" if reason else "",
            )
        replica.state, replica.lag, replica.reason = state, lag, reason

    def failed(self, replica: Replica, error: BaseException) -> None:
        """A read lost its connection to ``replica``: no reads until a measurement finds it."""
        self._set(replica, ReplicaState.UNREACHABLE, None, _reason(error))

    def usable(self, avoid: Collection[int] = ()) -> list[Replica]:
        """Healthy replicas not in ``avoid``, starting with the next one in turn."""
        healthy = [
            r for r in self.replicas if r.state is ReplicaState.HEALTHY and r.index not in avoid
        ]
        if not healthy:
            return []
        self._turn = (self._turn + 1) % len(healthy)
        return healthy[self._turn :] + healthy[: self._turn]

    @contextlib.asynccontextmanager
    async def borrow(
        self, min_lsn: int | None, avoid: set[int]
    ) -> AsyncIterator[tuple[AsyncConnection, Replica | None, AsyncConnectionPool]]:
        """A connection for one read, its replica (None: the primary), and the pool it is from."""
        chosen = await self._choose(min_lsn, avoid)
        READS.labels(server="primary" if chosen is None else chosen[0].name).inc()
        if chosen is None:
            async with self.primary.connection() as conn:
                yield conn, None, self.primary
            return
        replica, pool, conn = chosen
        try:
            yield conn, replica, pool
        finally:
            await pool.putconn(conn)  # the pool it came from, even if the replica's was renewed

    async def _choose(
        self, min_lsn: int | None, avoid: set[int]
    ) -> tuple[Replica, AsyncConnectionPool, AsyncConnection] | None:
        usable = self.usable(avoid)
        if min_lsn is not None:
            ready = [r for r in usable if r.replay_lsn >= min_lsn]
            behind = sorted(
                (r for r in usable if r.replay_lsn < min_lsn), key=lambda r: -r.replay_lsn
            )
            usable = ready
        for replica in usable:
            if (got := await self._get(replica)) is not None:
                if min_lsn is not None:
                    READ_WAITS.labels(outcome="ready").inc()
                return replica, *got
        if min_lsn is None:
            return None
        deadline = time.monotonic() + self.read_wait
        for replica in behind:
            if time.monotonic() >= deadline:
                break
            if (got := await self._get(replica)) is None:
                continue
            if polls := await self._wait_for(replica, got[1], min_lsn, deadline):
                READ_WAITS.labels(outcome="ready" if polls == 1 else "waited").inc()
                return replica, *got
            await got[0].putconn(got[1])
        READ_WAITS.labels(outcome="primary").inc()
        return None

    async def _get(self, replica: Replica) -> tuple[AsyncConnectionPool, AsyncConnection] | None:
        pool = replica.pool
        try:
            return pool, await pool.getconn(timeout=BORROW_TIMEOUT)
        except PoolTimeout:
            return None  # busy or away: another server answers (a measurement will tell which)
        except psycopg.OperationalError as error:
            self.failed(replica, error)
            return None

    async def _wait_for(
        self, replica: Replica, conn: AsyncConnection, min_lsn: int, deadline: float
    ) -> int:
        """Poll ``conn``'s server until it has replayed ``min_lsn``.

        Returns how many polls it took (1: it had already), or 0 when ``deadline`` came first.
        """
        polls = 0
        try:
            while True:
                polls += 1
                row = await (await conn.execute(_REPLAYED)).fetchone()
                position = parse_lsn(row[0]) if row and row[0] else 0
                replica.replay_lsn = max(replica.replay_lsn, position)
                if position >= min_lsn:
                    return polls
                left = deadline - time.monotonic()
                if left <= 0:
                    return 0
                await asyncio.sleep(min(WAIT_POLL, left))  # the last poll falls on the deadline
        except psycopg.OperationalError as error:
            self.failed(replica, error)
            return 0


def pool_name(replica_name: str) -> str:
    """The name of a replica's pool (``gridts_pool_*`` metrics)."""
    return f"replica {replica_name}"


def lost(error: BaseException, conn: AsyncConnection) -> bool:
    """Whether ``error`` means that ``conn``'s server is gone for now.

    The connection is closed, or the server said it ends the session: SQLSTATE 57P01-57P05
    (shutdown, crash, "cannot connect now", idle timeouts), or a connection exception (class
    08). A replica stopped "fast" sends 57P01 with the query's error and then closes the
    socket, and libpq may not have seen the close when psycopg raises: the connection still
    looks open. A read taken that way got a 503 (``tests/system/test_replicas.py``, once in
    CI).
    """
    sqlstate = getattr(error, "sqlstate", None) or ""
    return conn.closed or conn.broken or sqlstate.startswith(("57P", "08"))


def retryable(error: BaseException, conn: AsyncConnection) -> bool:
    """Whether a read that failed on a replica should be answered by another server.

    A query cancelled by a replay conflict (SQLSTATE 40001, e.g. while the primary compresses
    or drops chunks the query reads) or a lost connection (``lost``); not a statement timeout
    (57014), which another server would only repeat.
    """
    if isinstance(error, psycopg.errors.SerializationFailure):
        return True
    return isinstance(error, psycopg.OperationalError) and lost(error, conn)


def _reason(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    return text.removeprefix("connection failed: ")
