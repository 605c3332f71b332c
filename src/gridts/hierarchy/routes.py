"""``/api/v1/grids``, ``/regions`` and ``/nodes``: create, list, read, update, delete."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from psycopg import AsyncConnection

from gridts.hierarchy import service
from gridts.hierarchy.schemas import (
    Grid,
    GridCreate,
    GridUpdate,
    Node,
    NodeCreate,
    NodeUpdate,
    Region,
    RegionCreate,
    RegionUpdate,
)

Id = Annotated[int, Parameter(ge=1, le=2**31 - 1)]
ParentFilter = Annotated[int | None, Parameter(ge=1, le=2**31 - 1)]
Cascade = Annotated[
    bool,
    Parameter(
        description="Nodes only: delete the node's measures too. Without it, a node that holds "
        "measures is not deleted (409)."
    ),
]


class GridController(Controller):
    """Grids."""

    path = "/grids"
    tags = ["hierarchy"]  # noqa: RUF012 - Litestar's declared attribute type

    @get("", operation_id="listGrids")
    async def list_grids(self, conn: NamedDependency[AsyncConnection]) -> list[Grid]:
        """Every grid, by id."""
        return await service.fetch_all(conn, "grid", {}, Grid)

    @get("/{grid_id:int}", operation_id="getGrid")
    async def get_grid(self, conn: NamedDependency[AsyncConnection], grid_id: Id) -> Grid:
        """One grid."""
        return await service.fetch_one(conn, "grid", "get", {"id": grid_id}, Grid)

    @post("", operation_id="createGrid")
    async def create_grid(
        self, conn: NamedDependency[AsyncConnection], data: JSONBody[GridCreate]
    ) -> Grid:
        """A new grid (409 when the name is taken, 422 for an unknown time zone)."""
        await service.check_timezone(conn, data.timezone)
        params = {"name": data.name, "timezone": data.timezone}
        return await service.fetch_one(conn, "grid", "create", params, Grid)

    @patch("/{grid_id:int}", operation_id="updateGrid")
    async def update_grid(
        self, conn: NamedDependency[AsyncConnection], grid_id: Id, data: JSONBody[GridUpdate]
    ) -> Grid:
        """Rename a grid or change its time zone (422 for an unknown one)."""
        await service.check_timezone(conn, data.timezone)
        params = {"id": grid_id, "name": data.name, "timezone": data.timezone}
        return await service.fetch_one(conn, "grid", "update", params, Grid)

    @delete("/{grid_id:int}", operation_id="deleteGrid")
    async def delete_grid(self, conn: NamedDependency[AsyncConnection], grid_id: Id) -> None:
        """Delete a grid without regions (409 otherwise)."""
        await service.delete(conn, "grid", grid_id, cascade=False)


class RegionController(Controller):
    """Regions of grids."""

    path = "/regions"
    tags = ["hierarchy"]  # noqa: RUF012

    @get("", operation_id="listRegions")
    async def list_regions(
        self, conn: NamedDependency[AsyncConnection], grid_id: ParentFilter = None
    ) -> list[Region]:
        """Every region, by id; ``grid_id`` keeps one grid's."""
        return await service.fetch_all(conn, "region", {"grid_id": grid_id}, Region)

    @get("/{region_id:int}", operation_id="getRegion")
    async def get_region(self, conn: NamedDependency[AsyncConnection], region_id: Id) -> Region:
        """One region."""
        return await service.fetch_one(conn, "region", "get", {"id": region_id}, Region)

    @post("", operation_id="createRegion")
    async def create_region(
        self, conn: NamedDependency[AsyncConnection], data: JSONBody[RegionCreate]
    ) -> Region:
        """A new region of an existing grid (422 for an unknown grid, 409 for a taken name)."""
        params = {"name": data.name, "grid_id": data.grid_id}
        return await service.fetch_one(conn, "region", "create", params, Region)

    @patch("/{region_id:int}", operation_id="updateRegion")
    async def update_region(
        self, conn: NamedDependency[AsyncConnection], region_id: Id, data: JSONBody[RegionUpdate]
    ) -> Region:
        """Rename a region or move it to another grid (409 while its nodes hold measures)."""
        params: dict[str, Any] = {"id": region_id, "name": data.name, "grid_id": data.grid_id}
        return await service.fetch_one(conn, "region", "update", params, Region)

    @delete("/{region_id:int}", operation_id="deleteRegion")
    async def delete_region(self, conn: NamedDependency[AsyncConnection], region_id: Id) -> None:
        """Delete a region without nodes (409 otherwise)."""
        await service.delete(conn, "region", region_id, cascade=False)


class NodeController(Controller):
    """Nodes of regions."""

    path = "/nodes"
    tags = ["hierarchy"]  # noqa: RUF012

    @get("", operation_id="listNodes")
    async def list_nodes(
        self,
        conn: NamedDependency[AsyncConnection],
        region_id: ParentFilter = None,
        grid_id: ParentFilter = None,
    ) -> list[Node]:
        """Every node, by id; ``region_id`` / ``grid_id`` keep one region's or grid's."""
        params = {"region_id": region_id, "grid_id": grid_id}
        return await service.fetch_all(conn, "node", params, Node)

    @get("/{node_id:int}", operation_id="getNode")
    async def get_node(self, conn: NamedDependency[AsyncConnection], node_id: Id) -> Node:
        """One node."""
        return await service.fetch_one(conn, "node", "get", {"id": node_id}, Node)

    @post("", operation_id="createNode")
    async def create_node(
        self, conn: NamedDependency[AsyncConnection], data: JSONBody[NodeCreate]
    ) -> Node:
        """A new node of an existing region (422 for an unknown region, 409 for a taken name)."""
        params = {"name": data.name, "region_id": data.region_id}
        return await service.create_node(conn, params, Node)

    @patch("/{node_id:int}", operation_id="updateNode")
    async def update_node(
        self, conn: NamedDependency[AsyncConnection], node_id: Id, data: JSONBody[NodeUpdate]
    ) -> Node:
        """Rename a node or move it to another region (409 while it holds measures)."""
        params: dict[str, Any] = {"id": node_id, "name": data.name, "region_id": data.region_id}
        return await service.fetch_one(conn, "node", "update", params, Node)

    @delete("/{node_id:int}", operation_id="deleteNode")
    async def delete_node(
        self,
        conn: NamedDependency[AsyncConnection],
        node_id: Id,
        cascade: Cascade = False,
    ) -> None:
        """Delete a node; one that holds measures only with ``cascade=true`` (409 otherwise)."""
        await service.delete(conn, "node", node_id, cascade=cascade)
