"""Metrics and logs an operator can act on.

- ``/metrics`` in Prometheus format: request counts and latencies by route template and status
  (Litestar's middleware), requests no route matched (404, 405) by method and status,
  connection pool usage and time spent waiting for a connection, rows ingested, garbage
  collections and event-loop lag (``gridts.pauses``), and with read replicas each replica's
  state and lag, which server answered the reads, ``min_lsn`` outcomes and retries.
- Structured (JSON) logs, one line per request, each carrying a request id; the id comes from
  the client's ``X-Request-ID`` when it is sane, else a new one, and goes back in the response.
  Request logs carry no headers, cookies or bodies: no API key can end up in a log. Probes and
  scrapers (``/health``, ``/ready``, ``/metrics``) ask every few seconds: their successful
  answers log at ``debug``, below the default ``GRIDTS_LOG_LEVEL``, so they do not drown the
  requests an operator reads logs for. A failing one still logs at ``info``.
"""

from __future__ import annotations

import collections
import logging
import math
import re
import sys
import time
import uuid
import weakref
from typing import TYPE_CHECKING, Any

import psycopg
import structlog
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.logging.config import StructLoggingConfig
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.plugins.structlog import StructlogConfig, StructlogPlugin
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from prometheus_client import REGISTRY, Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from psycopg_pool import PoolTimeout

from gridts.errors import GridtsError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from litestar.types import ASGIApp, Message, Receive, Scope, Send
    from psycopg_pool import AsyncConnectionPool

    from gridts.db.replicas import Replicas

INGEST_ROWS = Counter(
    "gridts_ingest_rows", "Rows received by ingest, by outcome.", labelnames=["outcome"]
)

REPLICA_RETRIES = Counter(
    "gridts_replica_retries",
    "Reads a replica could not finish (replay conflict, lost connection), run again elsewhere.",
)
READS = Counter(
    "gridts_reads", "Reads under /api/v1 by the server that answered them.", labelnames=["server"]
)
SPLIT_READS = Counter(
    "gridts_split_reads",
    "Big reads of measures, and accuracy's reads of revisions, by how many connections read "
    "their parts (1: one block of series, no idle connection in the pool, or a snapshot that "
    "could not be shared).",
    labelnames=["connections"],
)
LATEST_READS = Counter(
    "gridts_latest_reads",
    "Big reads of latest values (as of a time too) by where they took them: series_latest's "
    "materialised rows (for part of the range at least) or measures' revisions alone.",
    labelnames=["source"],
)
UNROUTED = Counter(
    "gridts_unrouted_requests",
    "Requests the router answered itself, before any route (an unknown path: 404; a method the "
    "path has not: 405), by method and status. gridts_requests counts routed requests only, by "
    "route template; an unknown path as a label would have no bound.",
    labelnames=["method", "status"],
)
#: The methods ``gridts_unrouted_requests`` names; any other is counted as "other".
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})
READ_WAITS = Counter(
    "gridts_min_lsn_reads",
    "Reads passing min_lsn by outcome: a replica had replayed it already (ready), got there "
    "within GRIDTS_READ_WAIT (waited), or the primary answered (primary).",
    labelnames=["outcome"],
)

_POOLS: weakref.WeakSet[AsyncConnectionPool] = weakref.WeakSet()
_REPLICAS: weakref.WeakSet[Replicas] = weakref.WeakSet()
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
#: Paths that probes and scrapers ask for every few seconds: a successful answer logs at debug.
_PROBES = frozenset({"/health", "/ready", "/metrics"})
#: The first status that is not a success for ``_PROBES``' logging.
_FAILED = 400


class _PoolCollector:
    """Reads the live pools' statistics at scrape time (no background task)."""

    def collect(self) -> Iterator[Metric]:
        labels = ["pool"]
        size = GaugeMetricFamily("gridts_pool_connections", "Open connections.", labels=labels)
        idle = GaugeMetricFamily(
            "gridts_pool_available", "Idle connections ready for use.", labels=labels
        )
        waiting = GaugeMetricFamily(
            "gridts_pool_waiting", "Requests waiting for a connection.", labels=labels
        )
        borrowed = CounterMetricFamily(
            "gridts_pool_requests", "Connections borrowed from the pool.", labels=labels
        )
        waited = CounterMetricFamily(
            "gridts_pool_wait_seconds",
            "Time requests spent waiting for a connection (none was idle).",
            labels=labels,
        )
        # One sample per pool name: a process that built several apps (tests) adds them up.
        totals: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for pool in list(_POOLS):
            totals[pool.name].update(pool.get_stats())
        for name, stats in totals.items():
            size.add_metric([name], stats["pool_size"])
            idle.add_metric([name], stats["pool_available"])
            waiting.add_metric([name], stats["requests_waiting"])
            borrowed.add_metric([name], stats["requests_num"])
            waited.add_metric([name], stats["requests_wait_ms"] / 1000)
        yield from (size, idle, waiting, borrowed, waited)


class _ReplicaCollector:
    """Each replica's state and lag, as the last measurement found them."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "gridts_replica_healthy",
            "1 when the replica receives reads, else 0 (see the state label).",
            labels=["replica", "state"],
        )
        lag = GaugeMetricFamily(
            "gridts_replica_lag_seconds",
            "Seconds the replica is behind the primary, at most (NaN: unknown).",
            labels=["replica"],
        )
        for replicas in list(_REPLICAS):
            for replica in replicas.replicas:
                healthy = replica.state == "healthy"
                up.add_metric([replica.name, replica.state.value], 1.0 if healthy else 0.0)
                lag.add_metric([replica.name], replica.lag if replica.lag is not None else math.nan)
        yield from (up, lag)


REGISTRY.register(_PoolCollector())
REGISTRY.register(_ReplicaCollector())


def watch_pool(pool: AsyncConnectionPool) -> None:
    """Report ``pool`` in the metrics while it lives."""
    _POOLS.add(pool)


def watch_replicas(replicas: Replicas) -> None:
    """Report ``replicas`` in the metrics while they live."""
    _REPLICAS.add(replicas)


class MetricsController(PrometheusController):
    """``GET /metrics``."""

    path = "/metrics"
    include_in_schema = False


def prometheus_config() -> PrometheusConfig:
    """Request metrics by route template (not raw path: ids would explode the label set)."""
    return PrometheusConfig(
        app_name="gridts", prefix="gridts", group_path=True, exclude=["/metrics"]
    )


def _log_exception(logger: Any, scope: Scope, traceback: list[str]) -> None:  # noqa: ANN401
    """Log what became a 500, with its traceback (never in the response).

    Client errors (4xx) are the client's business, and a database that is away is answered 503
    and logged as one warning line by ``gridts.http_errors``: neither gets a traceback here.
    """
    error = sys.exc_info()[1]
    if isinstance(error, GridtsError):
        return
    if isinstance(error, HTTPException) and error.status_code < HTTP_500_INTERNAL_SERVER_ERROR:
        return
    if isinstance(error, psycopg.OperationalError | PoolTimeout):
        return
    logger.error("uncaught exception", path=scope.get("path"), traceback="".join(traceback))


def logging_plugin(level: str = "info") -> StructlogPlugin:
    """JSON logs from ``level`` up (``Settings.log_level``), structlog's and the stdlib's.

    A request's line (``RequestLogMiddleware``) has no headers, cookies or bodies.
    """
    number = logging.getLevelNamesMapping()[level.upper()]
    config = StructLoggingConfig(
        log_exceptions="always",
        exception_logging_handler=_log_exception,
        wrapper_class=structlog.make_filtering_bound_logger(number),
    )
    if config.standard_lib_logging_config is not None:  # Litestar's own, made in __post_init__
        config.standard_lib_logging_config.root["level"] = logging.getLevelName(number)
    return StructlogPlugin(
        StructlogConfig(
            structlog_logging_config=config,
            enable_middleware_logging=False,  # RequestLogMiddleware logs each request
        )
    )


class RequestLogMiddleware:
    """Give every request an id for its logs and its ``X-Request-ID``; log it in one line.

    It also counts the answers no route gave (``gridts_unrouted_requests``): Litestar's router
    answers an unknown path or method before any route's middleware, Prometheus' included.

    The line comes at ``info`` (at ``debug`` for a probe's success: ``_PROBES``) when the
    answer has gone: method, path, query, status, whether the answer
    was sent to its end (``complete``), and milliseconds. A streamed answer's status goes out
    with its first bytes, so a 200 whose client left, or whose rows passed the limit after it
    began, is told apart only by ``complete: false``.

    Litestar's logging middleware wrote two lines a request (the request, then the response),
    each from fields it extracted first: 0.1-0.13 ms of the worker's 0.9 ms of CPU for a small
    read (``bench/README.md``, "A small read's worker overhead"). A streamed answer's line
    comes after its last byte, so its milliseconds are the whole answer's.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Each app's own: structlog binds the output stream on first use (tests capture it).
        self.log = structlog.get_logger("gridts.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        text = incoming.decode("latin-1")
        request_id = text if _REQUEST_ID.fullmatch(text) else uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 0
        complete = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, complete
            if message["type"] == "http.response.start":
                status = message["status"]
                headers: list[Any] = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                complete = True

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if "route_handler" not in scope:  # Litestar's router answered: no route matched
                method = scope["method"] if scope["method"] in _METHODS else "other"
                UNROUTED.labels(method, str(status)).inc()
            quiet = scope["path"] in _PROBES and 0 < status < _FAILED
            (self.log.debug if quiet else self.log.info)(
                "request",
                method=scope["method"],
                path=scope["path"],
                query=scope["query_string"].decode("latin-1"),
                status=status,
                complete=complete,
                ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")
