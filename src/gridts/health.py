"""Liveness and readiness: ``/health`` = the process answers, ``/ready`` = the database does."""

from __future__ import annotations

from litestar import get
from litestar.datastructures import State
from litestar.response import Response
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from psycopg_pool import AsyncConnectionPool  # noqa: TC002 - Litestar reads the hints

from gridts.http_errors import RETRY_AFTER_SECONDS

READY_TIMEOUT_SECONDS = 2.0


@get("/health", operation_id="health", tags=["ops"], sync_to_thread=False)
def health() -> dict[str, str]:
    """The process is alive (it says nothing about the database)."""
    return {"status": "ok"}


@get("/ready", operation_id="ready", tags=["ops"])
async def ready(state: State) -> Response[dict[str, str]]:
    """The database answers a query within a short timeout."""
    pool: AsyncConnectionPool = state.pool
    try:
        async with pool.connection(timeout=READY_TIMEOUT_SECONDS) as conn:
            await conn.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure here means "not ready"
        return Response(
            {"status": "unavailable"},
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return Response({"status": "ready"}, status_code=HTTP_200_OK)
