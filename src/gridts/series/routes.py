"""``/api/v1/series``: list (filtered), read, create, update, delete series."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter, QueryParameter
from psycopg import AsyncConnection

from gridts.series import service
from gridts.series.schemas import Series, SeriesCreate, SeriesUpdate

Id = Annotated[int, Parameter(ge=1, le=2**31 - 1)]


class SeriesController(Controller):
    """Series of nodes."""

    path = "/series"
    tags = ["series"]  # noqa: RUF012 - Litestar's declared attribute type

    @get("", operation_id="listSeries")
    async def list_series(
        self,
        *,
        conn: NamedDependency[AsyncConnection],
        node_id: Annotated[
            list[int] | None, QueryParameter(description="Only series of these nodes (repeatable).")
        ] = None,
        region_id: Annotated[
            list[int] | None,
            QueryParameter(description="Only series of these regions (repeatable)."),
        ] = None,
        grid_id: Annotated[
            list[int] | None, QueryParameter(description="Only series of these grids (repeatable).")
        ] = None,
        kind: Annotated[
            list[str] | None, QueryParameter(description="Only these kinds (repeatable).")
        ] = None,
        subtype: Annotated[
            list[str] | None,
            QueryParameter(description="Only these subtypes (repeatable); none: any subtype."),
        ] = None,
    ) -> list[Series]:
        """Every series, by id; the filters intersect, an unknown value matches nothing."""
        return await service.list_series(
            conn,
            node_ids=node_id,
            region_ids=region_id,
            grid_ids=grid_id,
            kinds=kind,
            subtypes=subtype,
        )

    @get("/{series_id:int}", operation_id="getSeries")
    async def get_series(self, conn: NamedDependency[AsyncConnection], series_id: Id) -> Series:
        """One series."""
        return await service.get(conn, series_id)

    @post("", operation_id="createSeries")
    async def create_series(
        self, conn: NamedDependency[AsyncConnection], data: JSONBody[SeriesCreate]
    ) -> Series:
        """A new series (422 for an unknown node or kind or bad bounds; 409 for a duplicate)."""
        return await service.create(conn, data)

    @patch("/{series_id:int}", operation_id="updateSeries")
    async def update_series(
        self, conn: NamedDependency[AsyncConnection], series_id: Id, data: JSONBody[SeriesUpdate]
    ) -> Series:
        """Change a series' bounds, description, node, kind or subtype.

        Node, kind and subtype stay (409) for a node's default series and for a series that
        holds measures.
        """
        return await service.update(conn, series_id, data)

    @delete("/{series_id:int}", operation_id="deleteSeries")
    async def delete_series(self, conn: NamedDependency[AsyncConnection], series_id: Id) -> None:
        """Delete a series (409 for a node's default series or one that holds measures)."""
        await service.delete(conn, series_id)
