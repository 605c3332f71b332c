"""Kind reads and writes: the rules checked first, then the database's refusals made domain errors.

The database keeps what depends on other rows: a kind that series use keeps its unit,
aggregation and decimals (the ``kind_guard`` trigger) and stays (the ``series_kind_fkey``
foreign key); both raise SQLSTATE 23503, said here as a 409.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from psycopg import errors
from psycopg.rows import class_row

from gridts.db.queries import query
from gridts.errors import ConflictError, NotFoundError
from gridts.kinds.rules import (
    check_aggregation,
    check_decimals,
    check_name,
    check_unit,
    is_name,
)
from gridts.kinds.schemas import Kind, KindCreate, KindUpdate

if TYPE_CHECKING:
    from psycopg import AsyncConnection

#: The kind of every node's default series, created with each node: it cannot go.
DEFAULT_KIND = "load"


async def _one(conn: AsyncConnection, op: str, params: dict[str, Any]) -> Kind:
    cursor = conn.cursor(row_factory=class_row(Kind))
    try:
        await cursor.execute(query("kinds", op), params)
    except errors.UniqueViolation:
        raise ConflictError(f"a kind named {params['name']!r} already exists") from None
    except errors.ForeignKeyViolation as error:
        if error.diag.constraint_name is None:  # kind_guard: what fixes the stored values' meaning
            raise ConflictError(
                f"kind {params['name']!r} is in use by series: its unit, aggregation and "
                "decimals are fixed",
                error.diag.message_hint,
            ) from None
        raise ConflictError(
            f"kind {params['name']!r} is in use by series",
            f"delete those series first (GET /api/v1/series?kind={params['name']})",
        ) from None
    found = await cursor.fetchone()
    if found is None:
        raise NotFoundError(f"no kind named {params['name']!r}")
    return found


def _known_name(name: str) -> str:
    """A path name that cannot name a kind is simply not found (and never sent to PostgreSQL)."""
    if not is_name(name):
        raise NotFoundError(f"no kind named {name!r}")
    return name


async def list_kinds(conn: AsyncConnection) -> list[Kind]:
    """Every kind, by name."""
    cursor = conn.cursor(row_factory=class_row(Kind))
    await cursor.execute(query("kinds", "list"))
    return await cursor.fetchall()


async def get(conn: AsyncConnection, name: str) -> Kind:
    """One kind."""
    return await _one(conn, "get", {"name": _known_name(name)})


async def create(conn: AsyncConnection, data: KindCreate) -> Kind:
    """A new kind (409 when the name is taken)."""
    params = {
        "name": check_name(data.name, "name"),
        "unit": check_unit(data.unit),
        "aggregation": check_aggregation(data.aggregation),
        "description": data.description,
        "decimals": check_decimals(data.decimals),
    }
    return await _one(conn, "create", params)


async def update(conn: AsyncConnection, name: str, data: KindUpdate) -> Kind:
    """Change a kind's unit, aggregation, decimals or description."""
    params = {
        "name": _known_name(name),
        "unit": None if data.unit is None else check_unit(data.unit),
        "aggregation": None if data.aggregation is None else check_aggregation(data.aggregation),
        "description": data.description,
        "decimals": None if data.decimals is None else check_decimals(data.decimals),
    }
    return await _one(conn, "update", params)


async def delete(conn: AsyncConnection, name: str) -> None:
    """Delete a kind that no series uses."""
    if name == DEFAULT_KIND:
        raise ConflictError(
            f"kind {name!r} is the kind of every node's default series",
            "it stays: new nodes get a load series",
        )
    cursor = conn.cursor()
    try:
        await cursor.execute(query("kinds", "delete"), {"name": _known_name(name)})
    except errors.ForeignKeyViolation:
        raise ConflictError(
            f"kind {name!r} is in use by series",
            f"delete those series first (GET /api/v1/series?kind={name})",
        ) from None
    if await cursor.fetchone() is None:
        raise NotFoundError(f"no kind named {name!r}")
