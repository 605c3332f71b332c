"""``GET /api/v1/rollups``: a level's entities bucketed at a resolution, ``auto`` by range."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from psycopg import AsyncConnection

from gridts.errors import InvalidParameterError
from gridts.hierarchy.service import check_timezone
from gridts.reads.filters import require_aware
from gridts.reads.levels import Selection
from gridts.retention import dropped_note
from gridts.rollups import service
from gridts.rollups.fill import Fill
from gridts.rollups.resolution import Resolution, route
from gridts.rollups.schemas import RollupPage
from gridts.settings import Settings


class RollupController(Controller):
    """Node, region and grid rollups."""

    path = "/rollups"
    tags = ["rollups"]  # noqa: RUF012 - Litestar's declared attribute type

    @get("", operation_id="listRollups")
    async def rollups(
        self,
        *,
        conn: NamedDependency[AsyncConnection],
        state: State,
        settings: NamedDependency[Settings],
        selection: NamedDependency[Selection],
        resolution: Annotated[
            Resolution,
            QueryParameter(
                description="raw, 1h, 1d, or auto (chosen by range width and max_points)."
            ),
        ] = Resolution.AUTO,
        collected_datetime: Annotated[
            datetime | None,
            QueryParameter(description="Compute from the revisions known at this collection time."),
        ] = None,
        max_points: Annotated[
            int | None,
            QueryParameter(ge=1, description="auto: at most this many buckets per entity."),
        ] = None,
        quality: Annotated[
            Literal["good"] | None,
            QueryParameter(
                description="good: only good values (estimated ones left out too); computed "
                "from the latest values. Default: good and estimated values; missing ones never "
                "count."
            ),
        ] = None,
        timezone: Annotated[
            str | None,
            QueryParameter(
                description="IANA zone of the 1d buckets' local days. Default: each entity's "
                "grid's zone. Raw and hourly buckets are UTC instants whatever the zone."
            ),
        ] = None,
        fill: Annotated[
            Fill,
            QueryParameter(
                description="Buckets without data (1h and 1d): none leaves them out; null adds "
                "them with null values; previous carries the last measured values forward; "
                "linear interpolates between the measured buckets either side. Added rows say "
                "filled: true and count 0."
            ),
        ] = Fill.NONE,
    ) -> RollupPage:
        """Buckets of a level's entities per kind and subtype, from the source the body names.

        Daily buckets are local days (see ``timezone``).
        """
        require_aware(collected_datetime, "collected_datetime")
        await check_timezone(conn, timezone)
        level, filters = selection.level, selection.filters
        if resolution is Resolution.AUTO:
            resolution = route(
                filters.end - filters.start,
                raw_max_range=settings.raw_max_range,
                hourly_max_range=settings.hourly_max_range,
                max_points=max_points,
            )
        if fill is not Fill.NONE and resolution is Resolution.RAW:
            raise InvalidParameterError(
                "raw targets have no regular step to fill",
                "fill",
                "use resolution=1h or 1d with fill, or fill=none",
            )
        source, data = await service.rollups(
            conn,
            level,
            resolution,
            filters,
            collected=collected_datetime,
            good_only=quality == "good",
            timezone=timezone,
            fill=fill,
            limit=settings.max_response_rows,
        )
        if collected_datetime is not None:
            dropped = await dropped_note(conn, state, filters.start)
            if dropped is not None:
                return RollupPage(level, resolution, source, data, *dropped)
        return RollupPage(level, resolution, source, data)
