"""``POST /api/v1/measures``: a JSON array or CSV of revisions, stored whole or not at all.

The body is read as bytes and parsed by ``gridts.ingest.parse`` rather than by Litestar, so a
bad batch is answered with every problem (row index and field), not just the first; the OpenAPI
document still describes both media types (``IngestOperation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from litestar import Controller, Request, post
from litestar.datastructures import State
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
from gridts.ingest.schemas import FIELDS, REQUIRED, IngestResult
from gridts.ingest.store import store_measures
from gridts.quality import Quality
from gridts.retention import horizon_of
from gridts.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from gridts.ingest.schemas import MeasureRow


def _id(description: str) -> Schema:
    return Schema(type=OpenAPIType.INTEGER, minimum=1, maximum=2**31 - 1, description=description)


def _name(description: str) -> Schema:
    return Schema(
        type=OpenAPIType.STRING, pattern="^[a-z][a-z0-9_]{0,62}$", description=description
    )


_ROW_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=list(REQUIRED),
    additional_properties=False,
    description=(
        "One revision. Name its series by series_id, or by node_id with kind and subtype "
        "(node_id alone: the node's default series, kind load with no subtype)."
    ),
    properties={
        "series_id": _id("Id of an existing series."),
        "node_id": _id("Id of an existing node."),
        "kind": _name("The series' kind, with node_id (default load)."),
        "subtype": _name("The series' subtype, with node_id and kind (default none)."),
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
        "value": Schema(
            one_of=[Schema(type=OpenAPIType.NUMBER), Schema(type=OpenAPIType.NULL)],
            description="A finite number within the series' bounds; null only when missing.",
        ),
        "quality": Schema(
            type=OpenAPIType.STRING,
            enum=[q.value for q in Quality],
            description="good (default), estimated, or missing.",
        ),
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
                        description=(
                            "A header line naming the columns present (from "
                            + ",".join(FIELDS)
                            + "), then one row per line; an empty cell is null."
                        ),
                    )
                ),
            },
        )


def _parse(media: str, body: bytes, max_rows: int) -> Sequence[MeasureRow]:
    if media == "text/csv":
        return parse_csv(body, max_rows)
    if media in {"application/json", ""}:
        return parse_json(body, max_rows)
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
        state: State,
    ) -> IngestResult:
        """Store a batch of revisions; answered only after the commit.

        A row equal to a stored one (same series, target, collection time, value and quality)
        counts as a duplicate; the same key with another value or quality is a conflict (409).
        Bad rows give 422 naming each row (0-based) and field.
        """
        media = request.content_type[0].lower()
        body = await request.body()
        rows = _parse(media, body, settings.max_rows_per_request)
        return await store_measures(conn, rows, horizon=horizon_of(state))
