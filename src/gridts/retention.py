"""Retention of raw measures: old chunks of ``measures`` are dropped, the rollups keep history.

``GRIDTS_RETENTION`` (unset: keep everything) becomes TimescaleDB's retention policy on
``measures`` when ``gridts migrate`` runs (``apply_policy``). Dropping raw chunks leaves the
continuous aggregates' materialised buckets alone, but a refresh over a window whose raw data
is gone recomputes its buckets from nothing and erases them. So everything that refreshes stays
after the retention boundary (``now() - retention``, read from the policy in the database, not
from the setting):

- the refresh policies reach back at most ``retention`` (their ``start_offset``, set here);
- ``gridts.refresh.refresh_all`` (the queue's refresher, ``gridts refresh``, ``gridts seed``)
  clips its window to ``refresh_floor``;
- ingest refuses a late write before the boundary (``Horizon``, a briefly cached boundary), so
  nothing is queued there.

Raw reads of a range before ``raw_dropped_before`` can say so; rollups over it answer as before.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from gridts.db.queries import query

if TYPE_CHECKING:
    import psycopg
    from litestar.datastructures import State
    from psycopg import AsyncConnection

#: How far back the refresh policies reach without retention (as migration 0007 sets them).
DEFAULT_START_OFFSET = timedelta(days=35)
#: Shortest retention ``apply_policy`` accepts, in chunk intervals of ``measures``: with fewer,
#: the policy would drop the chunk that late revisions of the last days still land in.
MIN_CHUNKS = 2
#: Seconds a service trusts the retention it last read (``gridts migrate`` may change it).
HORIZON_SECONDS = 30.0


class RetentionError(ValueError):
    """A retention ``gridts migrate`` cannot apply; the message says why, in one line."""


def _interval(span: timedelta) -> str:
    """``90 days``, ``36 hours``, ``5400 seconds``: a setting as people write it."""
    seconds = int(span.total_seconds())
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{span.total_seconds():g} seconds"


def apply_policy(conn: psycopg.Connection, retention: timedelta | None) -> str:
    """Set the retention policy on ``measures`` to ``retention`` (``None``: no policy).

    The rollups' refresh policies are made to never reach past it. Returns one line saying what
    is set. ``conn`` is an autocommit connection as the schema's owner. Refuses a retention
    shorter than ``MIN_CHUNKS`` chunk intervals (``RetentionError``) and changes nothing then.
    """
    exists = conn.execute(query("retention", "measures_exists")).fetchone()
    if not exists or not exists[0]:
        return "retention: no measures table at this revision"
    row = conn.execute(query("retention", "policy")).fetchone()
    if retention is None:
        # The policy goes first: the refresh policies reach further back only once nothing
        # drops raw data any more.
        conn.execute(query("retention", "remove"))
        conn.execute(
            query("retention", "set_start_offsets"),
            {"start_offset": DEFAULT_START_OFFSET},
        )
        return "retention: none (raw measures are kept)"
    chunk = conn.execute(query("retention", "chunk_interval")).fetchone()
    if chunk is not None and retention < MIN_CHUNKS * chunk[0]:
        raise RetentionError(
            f"GRIDTS_RETENTION={_interval(retention)} is shorter than {MIN_CHUNKS} chunks of "
            f"measures ({_interval(MIN_CHUNKS * chunk[0])}): keep raw data longer"
        )
    # The refresh policies are shortened before anything is dropped.
    conn.execute(
        query("retention", "set_start_offsets"),
        {"start_offset": min(retention, DEFAULT_START_OFFSET)},
    )
    if row is None:
        conn.execute(query("retention", "add"), {"keep": retention})
    elif row[1] != retention:
        conn.execute(query("retention", "alter"), {"keep": retention, "job_id": row[0]})
    return f"retention: raw measures older than {_interval(retention)} are dropped"


async def retention(conn: AsyncConnection) -> timedelta | None:
    """How long raw measures are kept, as the policy in the database says (``None``: forever)."""
    row = await (await conn.execute(query("retention", "policy"))).fetchone()
    return None if row is None else row[1]


def refresh_floor(conn: psycopg.Connection) -> datetime | None:
    """The earliest instant a rollup refresh may reach back to (``None``: any).

    The retention boundary, ``now() - retention``: raw data before it is, or may any moment
    be, dropped.
    """
    row = conn.execute(query("retention", "policy")).fetchone()
    return None if row is None else datetime.now(UTC) - row[1]


async def raw_dropped_before(conn: AsyncConnection) -> datetime | None:
    """Before this instant raw measures are dropped by the retention policy (``None``: none).

    The policy's boundary, or the start of the oldest chunk still stored when that is earlier
    (the policy drops whole chunks, on its own schedule). Rollups keep their history before it.
    """
    row = await (await conn.execute(query("retention", "dropped_before"))).fetchone()
    return None if row is None else row[0]


class Horizon:
    """The retention boundary for writes, read from the database at most every ``seconds``.

    One per service (and per bulk write): a policy ``gridts migrate`` sets or changes applies to
    writes within ``seconds``.
    """

    def __init__(self, seconds: float = HORIZON_SECONDS) -> None:
        self._seconds = seconds
        self._expires = float("-inf")
        self._keep: timedelta | None = None

    async def boundary(self, conn: AsyncConnection) -> datetime | None:
        """Targets before this are refused (``None``: no retention policy)."""
        now = time.monotonic()
        if now >= self._expires:
            self._keep = await retention(conn)
            self._expires = now + self._seconds
        return None if self._keep is None else datetime.now(UTC) - self._keep


def horizon_of(state: State) -> Horizon:
    """The application's cached retention boundary (one per application)."""
    horizon: Horizon | None = state.get("retention_horizon")
    if horizon is None:
        horizon = state["retention_horizon"] = Horizon()
    return horizon


async def dropped_note(
    conn: AsyncConnection, state: State, start: datetime
) -> tuple[datetime, str] | None:
    """For a raw read from ``start``: ``(instant, note)`` when raw data before it is dropped.

    Costs nothing while no retention policy exists (the cached boundary says so).
    """
    boundary = await horizon_of(state).boundary(conn)
    if boundary is None or start >= boundary:
        return None
    dropped = await raw_dropped_before(conn)
    if dropped is None or start >= dropped:
        return None
    note = (
        f"raw measures before {dropped.isoformat()} have been dropped by the retention policy "
        "(GRIDTS_RETENTION); rollups keep their history"
    )
    return dropped, note
