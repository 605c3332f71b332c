"""The dashboard's figures: five cheap catalog and aggregate queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridts.dashboard.schemas import (
    Compression,
    Counts,
    Dashboard,
    GridSummary,
    Ranges,
    RollupState,
)
from gridts.db.queries import query

if TYPE_CHECKING:
    from psycopg import AsyncConnection


async def dashboard(conn: AsyncConnection) -> Dashboard:
    """Counts, each grid's summary, covered ranges, compression and rollup materialisation."""
    counts = await (await conn.execute(query("dashboard", "counts"))).fetchone()
    grids = await (await conn.execute(query("dashboard", "grids"))).fetchall()
    ranges = await (await conn.execute(query("dashboard", "ranges"))).fetchone()
    compression = await (await conn.execute(query("dashboard", "compression"))).fetchone()
    rollups = await (await conn.execute(query("dashboard", "rollups"))).fetchall()
    assert counts and ranges and compression  # noqa: PT018, S101 - aggregates return a row
    return Dashboard(
        counts=Counts(*counts),
        grids=[GridSummary(*row) for row in grids],
        ranges=Ranges(*ranges),
        compression=Compression(*compression),
        rollups=[RollupState(*row) for row in rollups],
    )
