"""Series reads and writes: value rules checked first, then the database's refusals explained.

The database keeps the rules that depend on other rows: the node and kind must exist (foreign
keys: 422 naming the field), one series per node, kind and subtype (409), ``min_value <=
max_value`` after an update merges old and new bounds (a CHECK: 422), and the ``series_guard``
trigger keeps a node's default series and a series holding measures in place (23503: 409).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import msgspec
from psycopg import errors
from psycopg.rows import class_row

from gridts.db.queries import query
from gridts.errors import ConflictError, InvalidParameterError, NotFoundError
from gridts.kinds.rules import check_name, is_name
from gridts.reads.filters import possible_ids
from gridts.series.schemas import Series, SeriesCreate, SeriesUpdate

if TYPE_CHECKING:
    from psycopg import AsyncConnection

#: The field each foreign key of ``series`` is about, and what it names.
PARENT = {"series_node_id_fkey": ("node_id", "node"), "series_kind_fkey": ("kind", "kind")}


def _check_bounds(min_value: object, max_value: object) -> None:
    """Finite bounds, in order.

    JSON cannot write an infinity or NaN as a number, but the body decoder (not strict) turns
    the strings "Infinity" and "NaN" into floats.
    """
    for key, value in (("min_value", min_value), ("max_value", max_value)):
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidParameterError(
                f"{key} is not a finite number", key, "give a finite number, or null for none"
            )
    if isinstance(min_value, float) and isinstance(max_value, float) and min_value > max_value:
        raise InvalidParameterError(
            f"min_value {min_value} is above max_value {max_value}",
            "min_value",
            "give min_value <= max_value",
        )


def _known_kind(kind: str) -> str:
    """A kind that cannot be in the catalogue is refused before PostgreSQL sees the text."""
    if not is_name(kind):
        raise InvalidParameterError(
            f"no kind named {kind!r}", "kind", "give a kind of GET /api/v1/kinds"
        )
    return kind


def _refused(params: dict[str, Any], error: errors.Error, *, deleting: bool = False) -> Exception:
    """What a refused statement means for the request."""
    constraint = error.diag.constraint_name
    if isinstance(error, errors.UniqueViolation):
        return ConflictError(
            "the node already has a series of that kind and subtype",
            "a node has at most one series per kind and subtype: give another subtype",
        )
    if isinstance(error, errors.CheckViolation) and constraint == "series_check":
        # min_value <= max_value, once an update has merged the given bound with the stored one
        # (the other CHECKs repeat rules checked before the statement).
        key = "min_value" if params.get("set_min_value", True) else "max_value"
        return InvalidParameterError(
            "min_value would be above max_value", key, "give min_value <= max_value"
        )
    if isinstance(error, errors.ForeignKeyViolation):
        if constraint in PARENT:
            key, parent = PARENT[constraint]
            return InvalidParameterError(
                f"no {parent} {params[key]!r}", key, f"give an existing {parent}"
            )
        # The series_guard trigger: the default series, or a series holding measures.
        primary = error.diag.message_primary or str(error)
        hint = error.diag.message_hint
        if deleting and primary.endswith("holds measures"):
            hint = (
                "a series with measures stays; DELETE /api/v1/nodes/{node_id}?cascade=true "
                "deletes a node with its series and their measures"
            )
        return ConflictError(primary, hint)
    return error


async def _one(conn: AsyncConnection, op: str, params: dict[str, Any]) -> Series:
    cursor = conn.cursor(row_factory=class_row(Series))
    try:
        await cursor.execute(query("series", op), params)
    except (errors.UniqueViolation, errors.ForeignKeyViolation, errors.CheckViolation) as error:
        raise _refused(params, error) from None
    found = await cursor.fetchone()
    if found is None:
        raise NotFoundError(f"no series has id {params['id']}")
    return found


async def list_series(
    conn: AsyncConnection,
    *,
    node_ids: list[int] | None,
    region_ids: list[int] | None,
    grid_ids: list[int] | None,
    kinds: list[str] | None,
    subtypes: list[str] | None,
) -> list[Series]:
    """Every series matching the filters, by id.

    A malformed name matches nothing, like an unknown one: it is replaced by the empty string,
    which no kind or subtype is.
    """
    params = {
        "node_ids": possible_ids(node_ids),
        "region_ids": possible_ids(region_ids),
        "grid_ids": possible_ids(grid_ids),
        "kinds": [k if is_name(k) else "" for k in kinds] if kinds else None,
        "subtypes": [s if is_name(s) else "" for s in subtypes] if subtypes else None,
    }
    cursor = conn.cursor(row_factory=class_row(Series))
    await cursor.execute(query("series", "list"), params)
    return await cursor.fetchall()


async def get(conn: AsyncConnection, series_id: int) -> Series:
    """One series."""
    return await _one(conn, "get", {"id": series_id})


async def create(conn: AsyncConnection, data: SeriesCreate) -> Series:
    """A new series of an existing node and kind."""
    params = msgspec.structs.asdict(data)
    _known_kind(data.kind)
    if data.subtype is not None:
        check_name(data.subtype, "subtype")
    _check_bounds(data.min_value, data.max_value)
    return await _one(conn, "create", params)


async def update(conn: AsyncConnection, series_id: int, data: SeriesUpdate) -> Series:
    """Change the fields ``data`` gives; the rest stays."""
    given = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    if isinstance(data.kind, str):
        _known_kind(data.kind)
    if isinstance(data.subtype, str):
        check_name(data.subtype, "subtype")
    _check_bounds(given.get("min_value"), given.get("max_value"))
    params: dict[str, Any] = {"id": series_id}
    for field in SeriesUpdate.__struct_fields__:
        params[field] = given.get(field)
        params[f"set_{field}"] = field in given
    return await _one(conn, "update", params)


async def delete(conn: AsyncConnection, series_id: int) -> None:
    """Delete a series that is not its node's default and holds no measures."""
    params = {"id": series_id}
    cursor = conn.cursor()
    try:
        await cursor.execute(query("series", "delete"), params)
    except errors.ForeignKeyViolation as error:
        raise _refused(params, error, deleting=True) from None
    if await cursor.fetchone() is None:
        raise NotFoundError(f"no series has id {series_id}")
