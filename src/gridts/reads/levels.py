"""Reads about one level of the hierarchy (rollups, accuracy): ``level`` and ``id`` parameters.

A region's or grid's total always covers all its nodes, so a node (or region) filter cannot
narrow it: that is refused with a hint to ask at the lower level. ``id`` intersects with the
level's own filter (``region_id`` for regions, say).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from gridts.errors import InvalidParameterError
from gridts.reads.filters import Filters, possible_ids


class Level(StrEnum):
    """Which entities a rollup is about."""

    NODE = "node"
    REGION = "region"
    GRID = "grid"


class Selection(msgspec.Struct, frozen=True):
    """A level and the filters that choose its entities."""

    level: Level
    filters: Filters


_BELOW = {
    Level.NODE: (),
    Level.REGION: ("node_id", "series_id"),
    Level.GRID: ("node_id", "region_id", "series_id"),
}


def narrow(level: Level, ids: list[int] | None, filters: Filters) -> Filters:
    """Fold ``id`` into the level's own filter (intersecting) and refuse filters below it."""
    given = {
        "node_id": filters.node_ids,
        "region_id": filters.region_ids,
        "grid_id": filters.grid_ids,
        "series_id": filters.series_ids,
    }
    for key in _BELOW[level]:
        if given[key]:
            raise InvalidParameterError(
                f"{key} cannot narrow {level} rollups",
                key,
                f"a {level}'s rollup covers all its nodes' series of a kind; "
                + (
                    "use level=node, or kind and subtype"
                    if key == "series_id"
                    else f"use level={key.removesuffix('_id')}"
                ),
            )
    own = f"{level}_ids"
    ids = possible_ids(ids)
    if ids:
        current: list[int] | None = getattr(filters, own)
        chosen = sorted(set(ids) & set(current)) if current else ids
        # An empty intersection must select nothing, not everything: no entity has id 0.
        return msgspec.structs.replace(filters, **{own: chosen or [0]})
    return filters


def provide_selection(
    *,
    filters: NamedDependency[Filters],
    level: Annotated[Level, QueryParameter(description="node, region or grid.")],
    entity_ids: Annotated[
        list[int] | None,
        QueryParameter(name="id", description="Only these entities of the level (repeatable)."),
    ] = None,
) -> Selection:
    """The level's entities the request chooses (Litestar dependency ``selection``)."""
    return Selection(level, narrow(level, entity_ids, filters))
