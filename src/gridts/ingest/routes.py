"""``POST /api/v1/measures``: a JSON array or CSV of revisions, stored whole or not at all.

The body is read as bytes and parsed by ``gridts.ingest.parse`` rather than by Litestar, so a
bad batch is answered with every problem (row index and field), not just the first; the OpenAPI
document still describes both media types (``IngestOperation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.status_codes import HTTP_201_CREATED
from psycopg import AsyncConnection

from gridts.errors import UnsupportedMediaTypeError
from gridts.ingest.parse import parse_csv, parse_json
from gridts.ingest.schemas import FIELDS, IngestResult
from gridts.ingest.store import store
from gridts.settings import Settings

_ROW_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=list(FIELDS),
    additional_properties=False,
    properties={
        "node_id": Schema(type=OpenAPIType.INTEGER, minimum=1, maximum=2**31 - 1),
        "timestamp_measured": Schema(
            type=OpenAPIType.STRING,
            format="date-time",  # type: ignore[arg-type]
            description="Target time, RFC 3339 with an offset, a whole second.",
        ),
        "timestamp_collected": Schema(
            type=OpenAPIType.STRING,
            format="date-time",  # type: ignore[arg-type]
            description="When this revision was known, RFC 3339 with an offset.",
        ),
        "value": Schema(type=OpenAPIType.NUMBER, description="A finite number."),
    },
)


@dataclass
class IngestOperation(Operation):
    """The OpenAPI operation of ingest: a JSON array of measures, or CSV with a header line."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="Revisions to store, all or nothing.",
            content={
                "application/json": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.ARRAY, items=_ROW_SCHEMA, min_items=1)
                ),
                "text/csv": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.STRING,
                        description="Header line " + ",".join(FIELDS) + ", then one row per line.",
                    )
                ),
            },
        )


def _parse(media: str, body: bytes, max_rows: int) -> list[tuple[Any, ...]]:
    """Rows as ``(node_id, timestamp_measured, timestamp_collected, value)`` tuples."""
    if media == "text/csv":
        return [msgspec.structs.astuple(r) for r in parse_csv(body, max_rows)]
    if media in {"application/json", ""}:
        return [msgspec.structs.astuple(r) for r in parse_json(body, max_rows)]
    raise UnsupportedMediaTypeError(
        f"unsupported media type {media!r}: send application/json or text/csv"
    )


class IngestController(Controller):
    """Writes of the ``measures`` hypertable."""

    path = "/measures"
    tags = ["measures"]  # noqa: RUF012 - Litestar's declared attribute type

    @post(
        "",
        operation_id="createMeasures",
        operation_class=IngestOperation,
        status_code=HTTP_201_CREATED,
        responses=None,
    )
    async def ingest(
        self,
        *,
        request: Request[Any, Any, Any],
        conn: NamedDependency[AsyncConnection],
        settings: NamedDependency[Settings],
    ) -> IngestResult:
        """Store a batch of revisions; answered only after the commit.

        A row equal to a stored one (same key and value) counts as a duplicate; the same key with
        another value is a conflict (409). Bad rows give 422 naming each row (0-based) and field.
        """
        media = request.content_type[0].lower()
        body = await request.body()
        rows = _parse(media, body, settings.max_rows_per_request)
        return await store(conn, rows)
