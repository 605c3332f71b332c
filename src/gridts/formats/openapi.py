"""The OpenAPI document lists CSV and Arrow beside JSON for the reads that answer them.

Applied once to the generated document, right after the app is built: every GET whose handler
answers with ``TableResponse`` and returns a table (the same test the responses use) gets the
two media types in its 200 answer, with the envelope headers it sends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Schema,
)

from gridts.formats.response import ARROW, CSV, TableResponse
from gridts.formats.tables import header_name, shape_of

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.openapi.spec import Operation

CSV_SCHEMA = Schema(
    type=OpenAPIType.STRING,
    description="The rows as CSV (RFC 4180, UTF-8): a header of the field names, an empty field "
    "for null, times as in JSON. The page's other fields are in the X-Gridts-* headers.",
)
ARROW_SCHEMA = Schema(
    type=OpenAPIType.STRING,
    format=OpenAPIFormat.BINARY,
    description="The rows as an Arrow IPC stream, one record batch per 16,384 rows; times as "
    "timestamp[us, UTC], durations as duration[us]; the page's other fields in the schema's "
    "metadata and the X-Gridts-* headers.",
)


def describe_formats(app: Litestar) -> None:
    """Add the CSV and Arrow media types to the table reads of ``app``'s OpenAPI document."""
    paths = app.openapi_schema.paths or {}
    for route in app.routes:
        item = paths.get(route.path_format or "/")
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler) or "GET" not in handler.http_methods:
                continue
            if handler.resolve_response_class() is not TableResponse:
                continue
            shape = shape_of(handler.parsed_fn_signature.return_type.annotation)
            if shape is None or item is None or item.get is None:
                continue
            _add(item.get, [header_name(key) for _, key in shape.envelope])


def _add(operation: Operation, headers: list[str]) -> None:
    answer = (operation.responses or {}).get("200")
    if not isinstance(answer, OpenAPIResponse):
        return
    content = answer.content or {}
    content[CSV] = OpenAPIMediaType(schema=CSV_SCHEMA)
    content[ARROW] = OpenAPIMediaType(schema=ARROW_SCHEMA)
    answer.content = content
    described = dict(answer.headers or {})
    described["Vary"] = OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), description="Accept")
    for name in headers:
        described[name] = OpenAPIHeader(
            schema=Schema(type=OpenAPIType.STRING),
            description="A field of the page, set when it has a value (for CSV and Arrow "
            "answers, which carry only the rows).",
        )
    answer.headers = described
