"""Hierarchy reads and writes: one named query per operation, database errors made domain errors.

The database keeps the rules (unique names per parent, foreign keys with ``ON DELETE RESTRICT``,
the guard triggers that keep a node with measures in place); this module only says which rule
a refused statement broke, in terms of the request (``gridts.errors``).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from zoneinfo import available_timezones

from psycopg import errors
from psycopg.rows import args_row

from gridts import refresh
from gridts.db.queries import query
from gridts.errors import ConflictError, InvalidParameterError, NotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from psycopg import AsyncConnection

Kind = Literal["grid", "region", "node"]
Op = Literal["list", "get", "create", "update", "delete"]
T = TypeVar("T")

#: The parent of each kind: (its id field, its kind).
PARENT: dict[str, tuple[str, str]] = {
    "region": ("grid_id", "grid"),
    "node": ("region_id", "region"),
}
CHILDREN = {"grid": "regions", "region": "nodes"}


def _refused(kind: Kind, op: Op, params: Mapping[str, Any], error: errors.Error) -> Exception:
    """What a refused statement means for the request."""
    if isinstance(error, errors.UniqueViolation):
        where = f" in that {PARENT[kind][1]}" if kind in PARENT else ""
        return ConflictError(f"a {kind} named {params.get('name')!r} already exists{where}")
    if isinstance(error, errors.ForeignKeyViolation):
        if error.diag.constraint_name is None:  # a guard trigger: the entity holds measures
            hint = error.diag.message_hint
            if kind == "node" and op == "delete":
                hint = "DELETE /api/v1/nodes/{id}?cascade=true deletes it with its measures"
            return ConflictError(error.diag.message_primary or str(error), hint)
        if op == "delete":
            return ConflictError(
                f"{kind} {params['id']} still has {CHILDREN[kind]}",
                f"delete or move its {CHILDREN[kind]} first",
            )
        field, parent = PARENT[kind]
        return InvalidParameterError(
            f"no {parent} has id {params[field]}", field, f"give an existing {parent}"
        )
    return error


async def fetch_all(
    conn: AsyncConnection, kind: Kind, params: Mapping[str, Any], row: Callable[..., T]
) -> list[T]:
    """Every row of ``kind`` matching the list filters, by id."""
    cursor = conn.cursor(row_factory=args_row(row))
    await cursor.execute(query("hierarchy", f"{kind}_list"), params)
    return await cursor.fetchall()


async def fetch_one(
    conn: AsyncConnection, kind: Kind, op: Op, params: Mapping[str, Any], row: Callable[..., T]
) -> T:
    """Run ``op`` on one ``kind``; 404 when ``params['id']`` names none."""
    cursor = conn.cursor(row_factory=args_row(row))
    try:
        await cursor.execute(query("hierarchy", f"{kind}_{op}"), params)
    except (errors.UniqueViolation, errors.ForeignKeyViolation) as error:
        raise _refused(kind, op, params, error) from None
    found = await cursor.fetchone()
    if found is None:
        raise NotFoundError(f"no {kind} has id {params.get('id')}")
    return found


async def create_node(conn: AsyncConnection, params: Mapping[str, Any], row: Callable[..., T]) -> T:
    """A new node, read back with the default series its insert trigger made."""
    async with conn.transaction():
        node_id = await fetch_one(conn, "node", "create", params, lambda created: created)
        return await fetch_one(conn, "node", "get", {"id": node_id}, row)


@cache
def _python_zones() -> frozenset[str]:
    # Read once: every zone name zoneinfo knows (the system's database, or the tzdata package).
    return frozenset(available_timezones())


async def check_timezone(conn: AsyncConnection, timezone: str | None) -> None:
    """Refuse (422) a zone that Python's ``zoneinfo`` or this PostgreSQL server does not know.

    Both must: the service reads local days with ``zoneinfo``, and PostgreSQL buckets them.
    Names are matched exactly (PostgreSQL would also take ``europe/dublin`` or an abbreviation
    such as ``CEST``, which are not IANA zones).
    """
    if timezone is None:
        return
    known = timezone in _python_zones()
    if known:
        cursor = await conn.execute(query("hierarchy", "timezone_known"), {"timezone": timezone})
        found = await cursor.fetchone()
        known = bool(found and found[0])
    if not known:
        raise InvalidParameterError(
            f"unknown time zone {timezone!r}",
            "timezone",
            "give an IANA time zone name such as Europe/Dublin or UTC",
        )


async def delete(conn: AsyncConnection, kind: Kind, entity_id: int, *, cascade: bool) -> None:
    """Delete one ``kind``; with ``cascade`` (nodes only) its measures first, in one transaction.

    The rollups over deleted measures are refreshed after the commit (``gridts.refresh``).
    """
    async with conn.transaction():
        if cascade and kind == "node":
            cursor = await conn.execute(
                query("hierarchy", "node_delete_measures"), {"id": entity_id}
            )
            deleted = await cursor.fetchone()
            if deleted and deleted[0]:
                await refresh.changed(conn, deleted[1], deleted[2])
        await fetch_one(conn, kind, "delete", {"id": entity_id}, lambda *values: values)
