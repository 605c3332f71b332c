"""``GET /api/v1/measures`` and ``GET /api/v1/measures/revisions``.

Only GET lives here: writing measures (POST on the same path) is ``gridts.ingest``'s controller.
"""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - Litestar reads the hints at runtime
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from psycopg import AsyncConnection  # noqa: TC002

from gridts.filters import Filters, invalid, provide_filters, require_aware
from gridts.measures import service
from gridts.measures.schemas import MeasurePage
from gridts.settings import Settings  # noqa: TC001


class MeasureReadController(Controller):
    """Reads of the ``measures`` hypertable."""

    path = "/measures"
    tags = ["measures"]  # noqa: RUF012 - Litestar's declared attribute type
    dependencies = {"filters": Provide(provide_filters, sync_to_thread=False)}  # noqa: RUF012

    @get("", operation_id="listMeasures")
    async def latest(
        self,
        *,
        conn: NamedDependency[AsyncConnection],
        settings: NamedDependency[Settings],
        filters: NamedDependency[Filters],
        collected_datetime: Annotated[
            datetime | None,
            QueryParameter(
                description="As of this collection time: per target, the latest revision "
                "collected at or before it; targets unknown by then are left out."
            ),
        ] = None,
    ) -> MeasurePage:
        """One value per node and target timestamp: the latest revision, or the one known then."""
        require_aware(collected_datetime, "collected_datetime")
        data = await service.latest(conn, filters, collected_datetime, settings.max_response_rows)
        return MeasurePage(data)

    @get("/revisions", operation_id="listMeasureRevisions")
    async def revisions(
        self,
        *,
        conn: NamedDependency[AsyncConnection],
        settings: NamedDependency[Settings],
        filters: NamedDependency[Filters],
        collected_from: Annotated[
            datetime | None,
            QueryParameter(description="Only revisions collected at or after this."),
        ] = None,
        collected_to: Annotated[
            datetime | None,
            QueryParameter(description="Only revisions collected at or before this."),
        ] = None,
    ) -> MeasurePage:
        """Every stored revision, ordered by node, target, then collection time."""
        require_aware(collected_from, "collected_from")
        require_aware(collected_to, "collected_to")
        if collected_from and collected_to and collected_to < collected_from:
            raise invalid(
                "collected_to is before collected_from",
                "collected_to",
                "the collection window is inclusive: collected_to must be >= collected_from",
            )
        data = await service.revisions(
            conn, filters, collected_from, collected_to, settings.max_response_rows
        )
        return MeasurePage(data)
