"""The Litestar application: ``create_app(settings)`` wires routes, the pool and error handling.

Where a request goes: middleware (request id and log, metrics, lease guard, rate limit) -> the
API-key guard (under ``/api/v1``) -> a resource's controller (``<resource>/routes.py``), which
takes its connection from the ``conn`` dependency (``gridts.db.deps``) and, for reads, the
checked parameters from the ``filters``/``selection`` dependencies (``gridts.reads``) -> the
resource's service and its named SQL. Errors raised anywhere become answers in
``gridts.http_errors``.

The lifespan owns the connection pool, the read replicas' pools and their lag measurements
(``gridts.db.replicas``, when ``GRIDTS_READ_DATABASE_URLS`` names any) and, when the service
refreshes rollups itself, the refresher thread (``gridts.refresh``), which stays on the primary.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig

from gridts import __version__
from gridts.accuracy.routes import AccuracyController
from gridts.contract import (
    UNLIMITED_PATHS,
    ContractConfig,
    Policy,
    StrictStructSchemaPlugin,
    fix_allow,
    refuse_repeated_values,
)
from gridts.dashboard.routes import dashboard
from gridts.db.deps import LeaseGuardMiddleware, ReplicaRetryMiddleware, provide_connection
from gridts.db.pool import create_pool
from gridts.db.replicas import Replicas
from gridts.docs import docs_assets, docs_page
from gridts.formats import TableResponse, describe_formats
from gridts.health import health, ready
from gridts.hierarchy.routes import GridController, NodeController, RegionController
from gridts.http_errors import EXCEPTION_HANDLERS
from gridts.ingest.routes import IngestController
from gridts.kinds.routes import KindController
from gridts.measures.routes import MeasureReadController
from gridts.observability import (
    MetricsController,
    RequestLogMiddleware,
    logging_plugin,
    prometheus_config,
    watch_pool,
    watch_replicas,
)
from gridts.pauses import freeze_startup, probe_loop_lag, watch_gc
from gridts.reads.filters import provide_filters
from gridts.reads.levels import provide_selection
from gridts.refresh import Refresher
from gridts.rollups.routes import RollupController
from gridts.security import KeyGuard
from gridts.series.routes import SeriesController
from gridts.settings import Settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from litestar.types import ControllerRouterHandler, Middleware
    from psycopg_pool import AsyncConnectionPool


def create_app(settings: Settings | None = None, database_url: str | None = None) -> Litestar:
    """Build the service for ``settings`` (default: from the environment)."""
    settings = settings or Settings.from_env()
    url = database_url or settings.database_url
    if url is None:
        raise ValueError("no database: set GRIDTS_DATABASE_URL")
    pool = create_pool(url, settings)
    watch_pool(pool)
    replicas = _replicas(settings, pool, url)
    refresher = Refresher(url, settings.refresh_poll.total_seconds())

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # Open without waiting: the service starts (and /health answers) while the database
        # is still coming up; requests get 503 until it is reachable.
        await pool.open(wait=False)
        app.state.pool = pool
        app.state.read_connections = settings.read_connections  # gridts.db.deps
        if replicas is not None:
            await replicas.open()
            app.state.replicas = replicas
        if settings.refresh_in_process:
            refresher.start()
        freeze_startup()  # before watch_gc: its collection is not a request's pause
        watch_gc()
        lag = asyncio.create_task(probe_loop_lag(), name="gridts event loop lag")
        try:
            yield
        finally:
            lag.cancel()
            await asyncio.to_thread(refresher.stop)
            if replicas is not None:
                await replicas.close()
            await pool.close()

    api = Router(
        path="/api/v1",
        route_handlers=_api_routes(),
        guards=[KeyGuard.from_settings(settings)],
        response_class=TableResponse,  # reads answer JSON, CSV or Arrow by Accept (formats)
    )
    app = Litestar(
        route_handlers=[api, health, ready, MetricsController, docs_assets()],
        dependencies={
            "conn": Provide(provide_connection),
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "filters": Provide(provide_filters, sync_to_thread=False),
            "selection": Provide(provide_selection, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan],
        middleware=_middleware(settings),
        plugins=[logging_plugin(settings.log_level), StrictStructSchemaPlugin()],
        before_send=[fix_allow],
        before_request=refuse_repeated_values,
        cors_config=_cors(settings),
        openapi_config=ContractConfig(  # every status and field, exact: gridts.contract
            policy=Policy.from_settings(settings),
            title="gridts",
            version=__version__,
            path="/schema",
            render_plugins=[docs_page()],  # offline: assets served by docs_assets()
        ),
        request_max_body_size=settings.max_body_bytes,
        signature_namespace={"Settings": Settings},
    )
    describe_formats(app)
    # The access line and the request id for every answer: Litestar's router answers an unknown
    # path (404) or method (405) before the middleware it is given, so this wraps the router,
    # its exception handling and CORS, as its own handler (``Litestar.__call__`` calls it).
    app.asgi_handler = RequestLogMiddleware(app.asgi_handler)
    return app


def _middleware(settings: Settings) -> list[Middleware]:
    middleware: list[Middleware] = [
        prometheus_config().middleware,
        DefineMiddleware(LeaseGuardMiddleware),
    ]
    if settings.rate_limit_per_minute > 0:
        limit = RateLimitConfig(
            rate_limit=("minute", settings.rate_limit_per_minute),
            exclude=list(UNLIMITED_PATHS),
        )
        middleware.append(limit.middleware)
    if settings.read_database_urls:
        middleware.append(DefineMiddleware(ReplicaRetryMiddleware))
    return middleware


def _replicas(settings: Settings, primary: AsyncConnectionPool, url: str) -> Replicas | None:
    """The read replicas, when ``GRIDTS_READ_DATABASE_URLS`` names any."""
    if not settings.read_database_urls:
        return None
    replicas = Replicas(settings.read_database_urls, settings, primary, url)
    watch_replicas(replicas)
    return replicas


def _cors(settings: Settings) -> CORSConfig | None:
    return CORSConfig(allow_origins=list(settings.cors_origins)) if settings.cors_origins else None


def _api_routes() -> list[ControllerRouterHandler]:
    """Every resource's handlers, mounted under ``/api/v1``."""
    return [
        GridController,
        RegionController,
        NodeController,
        KindController,
        SeriesController,
        MeasureReadController,
        IngestController,
        RollupController,
        AccuracyController,
        dashboard,
    ]
