"""``GET /api/v1/rollups``: a level's entities bucketed at a resolution, ``auto`` by range."""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - Litestar reads the hints at runtime
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from psycopg import AsyncConnection  # noqa: TC002

from gridts.filters import Filters, invalid, possible_ids, provide_filters, require_aware
from gridts.rollups import service
from gridts.rollups.routing import Resolution, route
from gridts.rollups.schemas import Level, RollupPage
from gridts.settings import Settings  # noqa: TC001

_BELOW = {
    Level.NODE: (),
    Level.REGION: ("node_id",),
    Level.GRID: ("node_id", "region_id"),
}


def narrow(level: Level, ids: list[int] | None, filters: Filters) -> Filters:
    """Fold ``id`` into the level's own filter (intersecting) and refuse filters below it.

    A region's or grid's total always covers all its nodes, so a node (or region) filter cannot
    narrow it: that is a 422 telling the client to ask at the lower level.
    """
    given = {
        "node_id": filters.node_ids,
        "region_id": filters.region_ids,
        "grid_id": filters.grid_ids,
    }
    for key in _BELOW[level]:
        if given[key]:
            raise invalid(
                f"{key} cannot narrow {level} rollups",
                key,
                f"a {level}'s rollup covers all its nodes; use level={key.removesuffix('_id')}",
            )
    own = f"{level}_ids"
    ids = possible_ids(ids)
    if ids:
        current: list[int] | None = getattr(filters, own)
        chosen = sorted(set(ids) & set(current)) if current else ids
        # An empty intersection must select nothing, not everything: no entity has id 0.
        return msgspec.structs.replace(filters, **{own: chosen or [0]})
    return filters


class RollupController(Controller):
    """Node, region and grid rollups."""

    path = "/rollups"
    tags = ["rollups"]  # noqa: RUF012 - Litestar's declared attribute type
    dependencies = {"filters": Provide(provide_filters, sync_to_thread=False)}  # noqa: RUF012

    @get("", operation_id="listRollups")
    async def rollups(
        self,
        *,
        conn: NamedDependency[AsyncConnection],
        settings: NamedDependency[Settings],
        filters: NamedDependency[Filters],
        level: Annotated[Level, QueryParameter(description="node, region or grid.")],
        entity_ids: Annotated[
            list[int] | None,
            QueryParameter(name="id", description="Only these entities of the level (repeatable)."),
        ] = None,
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
    ) -> RollupPage:
        """Buckets of a level's entities; the body names the resolution and the source read."""
        require_aware(collected_datetime, "collected_datetime")
        filters = narrow(level, entity_ids, filters)
        if resolution is Resolution.AUTO:
            resolution = route(
                filters.end - filters.start,
                raw_max_range=settings.raw_max_range,
                hourly_max_range=settings.hourly_max_range,
                max_points=max_points,
            )
        source, data = await service.rollups(
            conn,
            level,
            resolution,
            filters,
            collected=collected_datetime,
            limit=settings.max_response_rows,
        )
        return RollupPage(level, resolution, source, data)
