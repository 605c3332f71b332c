"""``GET /api/v1/dashboard``."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from psycopg import AsyncConnection

from gridts.dashboard import service
from gridts.dashboard.schemas import Dashboard


@get("/dashboard", operation_id="getDashboard", tags=["dashboard"])
async def dashboard(conn: NamedDependency[AsyncConnection]) -> Dashboard:
    """Counts, each grid's summary, covered ranges, compression state and rollup watermarks."""
    return await service.dashboard(conn)
