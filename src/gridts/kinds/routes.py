"""``/api/v1/kinds``: list, read, create, update, delete kinds of series."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from psycopg import AsyncConnection

from gridts.kinds import service
from gridts.kinds.schemas import Kind, KindCreate, KindUpdate

Name = Annotated[str, PathParameter(description="The kind's name, e.g. load.")]


class KindController(Controller):
    """The catalogue of kinds."""

    path = "/kinds"
    tags = ["kinds"]  # noqa: RUF012 - Litestar's declared attribute type

    @get("", operation_id="listKinds")
    async def list_kinds(self, conn: NamedDependency[AsyncConnection]) -> list[Kind]:
        """Every kind, by name."""
        return await service.list_kinds(conn)

    @get("/{name:str}", operation_id="getKind")
    async def get_kind(self, conn: NamedDependency[AsyncConnection], name: Name) -> Kind:
        """One kind."""
        return await service.get(conn, name)

    @post("", operation_id="createKind")
    async def create_kind(
        self, conn: NamedDependency[AsyncConnection], data: JSONBody[KindCreate]
    ) -> Kind:
        """A new kind (422 for a malformed name, unit or aggregation; 409 for a taken name)."""
        return await service.create(conn, data)

    @patch("/{name:str}", operation_id="updateKind")
    async def update_kind(
        self, conn: NamedDependency[AsyncConnection], name: Name, data: JSONBody[KindUpdate]
    ) -> Kind:
        """Change the unit or aggregation (409 while series use the kind) or the description."""
        return await service.update(conn, name, data)

    @delete("/{name:str}", operation_id="deleteKind")
    async def delete_kind(self, conn: NamedDependency[AsyncConnection], name: Name) -> None:
        """Delete a kind no series uses (409 otherwise, and always for load)."""
        await service.delete(conn, name)
