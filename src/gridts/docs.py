"""The API docs page at ``/schema``, whole without the internet.

Grid operators' networks often block CDNs, and Litestar's render plugins load their JavaScript,
CSS and favicon from one by default. So the page is Swagger UI (it reads OpenAPI 3.1) served from
the files the ``swagger-ui-py`` package ships (Swagger UI's own dist files, kept current by that
package), under ``/schema/static``. The page embeds the schema itself, so it fetches nothing else.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

if TYPE_CHECKING:
    from litestar import Router

ASSETS_PATH = "/schema/static"


def _assets_dir() -> Path:
    # The package's __init__ imports its framework adapters; only its files are needed here.
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("swagger-ui-py is missing: it ships the /schema page's assets")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def docs_page() -> SwaggerRenderPlugin:
    """Swagger UI at ``/schema``, every asset from ``ASSETS_PATH``."""
    return SwaggerRenderPlugin(
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
        path="/",
    )


def docs_assets() -> Router:
    """The static files the page loads."""
    return create_static_files_router(
        path=ASSETS_PATH, directories=[_assets_dir()], name="docs_assets"
    )
