"""Liveness and readiness: ``/health`` = the process answers, ``/ready`` = the database does.

With read replicas, ``/ready`` also lists each one's state and lag (``gridts.db.replicas``); it
stays 200 while the primary answers, since reads fall back to it when no replica qualifies.
"""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.datastructures import State
from litestar.response import Response
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from psycopg_pool import AsyncConnectionPool  # noqa: TC002 - Litestar reads the hints

from gridts.db.replicas import Replicas, format_lsn
from gridts.http_errors import RETRY_AFTER_SECONDS

READY_TIMEOUT_SECONDS = 2.0


@get("/health", operation_id="health", tags=["ops"], sync_to_thread=False)
def health() -> dict[str, str]:
    """The process is alive (it says nothing about the database)."""
    return {"status": "ok"}


@get("/ready", operation_id="ready", tags=["ops"])
async def ready(state: State) -> Response[dict[str, Any]]:
    """The database answers a query within a short timeout; each read replica's state and lag."""
    pool: AsyncConnectionPool = state.pool
    replicas: Replicas | None = state.get("replicas")
    shown: dict[str, Any] = {} if replicas is None else {"replicas": _replicas(replicas)}
    try:
        async with pool.connection(timeout=READY_TIMEOUT_SECONDS) as conn:
            await conn.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure here means "not ready"
        return Response(
            {"status": "unavailable", **shown},
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return Response({"status": "ready", **shown}, status_code=HTTP_200_OK)


def _replicas(replicas: Replicas) -> list[dict[str, Any]]:
    return [
        {
            "replica": r.name,
            "state": r.state.value,
            "lag_seconds": None if r.lag is None else round(r.lag, 3),
            "replay_lsn": format_lsn(r.replay_lsn),
            **({"reason": r.reason} if r.reason else {}),
        }
        for r in replicas.replicas
    ]
