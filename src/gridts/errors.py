"""Errors the database raises, turned into HTTP answers a client can act on.

An unreachable database, a full pool or a statement timeout is a 503 with ``Retry-After``:
the client should try again, and the service must never show a stack trace for it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import psycopg
from litestar import MediaType, Response
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE
from psycopg_pool import PoolTimeout

if TYPE_CHECKING:
    from litestar import Request
    from litestar.types import ExceptionHandlersMap

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2


def _unavailable(detail: str) -> Response[dict[str, object]]:
    return Response(
        {"status_code": HTTP_503_SERVICE_UNAVAILABLE, "detail": detail},
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
        media_type=MediaType.JSON,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def database_unavailable(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, object]]:
    """The database cannot be reached (down, restarting, pool exhausted)."""
    log.warning(
        "database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__
    )
    return _unavailable("the database is unavailable; retry shortly")


def query_timed_out(request: Request[Any, Any, Any], _: Exception) -> Response[dict[str, object]]:
    """A statement hit ``statement_timeout``."""
    log.warning("query timed out on %s %s", request.method, request.url.path)
    return _unavailable("the query took too long and was cancelled; narrow the request or retry")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    psycopg.errors.QueryCanceled: query_timed_out,
    psycopg.OperationalError: database_unavailable,
    PoolTimeout: database_unavailable,
}
