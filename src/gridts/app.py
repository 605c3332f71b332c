"""The Litestar application: ``create_app(settings)`` wires routes, the pool and error handling.

The lifespan owns the connection pool; requests borrow a connection through the ``conn``
dependency (``gridts.db.deps``). Resource packages contribute their route handlers via ``ROUTES``.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin

from gridts import __version__
from gridts.db.deps import provide_connection
from gridts.db.pool import create_pool
from gridts.errors import EXCEPTION_HANDLERS
from gridts.health import health, ready
from gridts.settings import Settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from litestar.types import ControllerRouterHandler


def create_app(settings: Settings | None = None, database_url: str | None = None) -> Litestar:
    """Build the service for ``settings`` (default: from the environment)."""
    settings = settings or Settings.from_env()
    url = database_url or settings.database_url
    if url is None:
        raise ValueError("no database: set GRIDTS_DATABASE_URL")
    pool = create_pool(url, settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # Open without waiting: the service starts (and /health answers) while the database
        # is still coming up; requests get 503 until it is reachable.
        await pool.open(wait=False)
        app.state.pool = pool
        try:
            yield
        finally:
            await pool.close()

    api = Router(path="/api/v1", route_handlers=_api_routes())
    return Litestar(
        route_handlers=[api, health, ready],
        dependencies={
            "conn": Provide(provide_connection),
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan],
        openapi_config=OpenAPIConfig(
            title="gridts",
            version=__version__,
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        request_max_body_size=settings.max_body_bytes,
        signature_namespace={"Settings": Settings},
    )


def _api_routes() -> list[ControllerRouterHandler]:
    """Every resource's handlers, mounted under ``/api/v1``."""
    from gridts.dashboard.routes import dashboard  # noqa: PLC0415 - keeps imports acyclic
    from gridts.measures.routes import MeasureReadController  # noqa: PLC0415
    from gridts.rollups.routes import RollupController  # noqa: PLC0415

    return [MeasureReadController, RollupController, dashboard]
