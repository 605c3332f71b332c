"""The one place where errors become HTTP answers.

Domain errors (``gridts.errors``) get their status code here and Litestar's standard error body
(``status_code``, ``detail``, and ``extra`` naming the parameter or the rows to fix). An
unreachable database, a full pool or a statement timeout is a 503 with ``Retry-After``: the
client should try again, and the service must never show a stack trace for it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import msgspec
import psycopg
from litestar import MediaType, Response
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from psycopg_pool import PoolTimeout

from gridts.errors import (
    BatchConflictError,
    BatchRejectedError,
    BatchTooLargeError,
    ConflictError,
    GridtsError,
    InvalidParameterError,
    InvalidRowsError,
    MalformedBodyError,
    NotFoundError,
    UnsupportedMediaTypeError,
)

if TYPE_CHECKING:
    from litestar import Request
    from litestar.types import ExceptionHandlersMap

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2

#: The status of each domain error (the most specific class listed wins).
STATUS: dict[type[GridtsError], int] = {
    NotFoundError: HTTP_404_NOT_FOUND,
    ConflictError: HTTP_409_CONFLICT,
    BatchConflictError: HTTP_409_CONFLICT,
    InvalidParameterError: HTTP_422_UNPROCESSABLE_ENTITY,
    InvalidRowsError: HTTP_422_UNPROCESSABLE_ENTITY,
    BatchTooLargeError: HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    UnsupportedMediaTypeError: HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    MalformedBodyError: HTTP_400_BAD_REQUEST,
}


def status_of(error: GridtsError) -> int:
    """The HTTP status that answers ``error``."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return HTTP_422_UNPROCESSABLE_ENTITY


def _extra(error: GridtsError) -> Any:  # noqa: ANN401 - JSON
    """What the client should fix: the parameter, the rows, or a hint."""
    if isinstance(error, InvalidParameterError):
        return [{"key": error.key, "message": error.message}]
    if isinstance(error, BatchRejectedError):
        return msgspec.to_builtins(error.problems)  # a batch answer always lists its problems
    if isinstance(error, ConflictError) and error.hint:
        return [{"message": error.hint}]
    return None


def domain_error(_: Request[Any, Any, Any], error: GridtsError) -> Response[dict[str, Any]]:
    """A refused request: its status and Litestar's standard error body."""
    status = status_of(error)
    body: dict[str, Any] = {"status_code": status, "detail": error.detail}
    if (extra := _extra(error)) is not None:
        body["extra"] = extra
    return Response(body, status_code=status, media_type=MediaType.JSON)


def _unavailable(detail: str) -> Response[dict[str, Any]]:
    return Response(
        {"status_code": HTTP_503_SERVICE_UNAVAILABLE, "detail": detail},
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
        media_type=MediaType.JSON,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def database_unavailable(
    request: Request[Any, Any, Any], error: Exception
) -> Response[dict[str, Any]]:
    """The database cannot be reached (down, restarting, pool exhausted)."""
    # The cause's class and first line, for whoever reads the log (the client gets neither).
    cause = str(error).strip().splitlines()[:1]
    log.warning(
        "database unavailable on %s %s: %s %s",
        request.method,
        request.url.path,
        type(error).__name__,
        cause[0] if cause else "",
    )
    return _unavailable("the database is unavailable; retry shortly")


def query_timed_out(request: Request[Any, Any, Any], _: Exception) -> Response[dict[str, Any]]:
    """A statement hit ``statement_timeout``."""
    log.warning("query timed out on %s %s", request.method, request.url.path)
    return _unavailable("the query took too long and was cancelled; narrow the request or retry")


def write_collided(request: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    """A transaction PostgreSQL rolled back (deadlock, serialisation failure) after retries.

    Ingest sends a batch again itself before it gets here (``gridts.ingest.store``).
    """
    log.warning(
        "write rolled back on %s %s: %s", request.method, request.url.path, type(error).__name__
    )
    return _unavailable(
        "the database rolled this request back (a deadlock or serialisation failure with "
        "concurrent writes of the same rows); nothing of it is stored: send it again"
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    GridtsError: domain_error,
    psycopg.errors.DeadlockDetected: write_collided,
    psycopg.errors.SerializationFailure: write_collided,
    psycopg.errors.QueryCanceled: query_timed_out,
    psycopg.OperationalError: database_unavailable,
    PoolTimeout: database_unavailable,
}
