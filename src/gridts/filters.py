"""The query parameters every read shares, parsed and checked in one place.

Every read endpoint takes a target range (``start_datetime``/``end_datetime``, both inclusive,
RFC 3339 with an offset) and optional repeatable ``node_id``/``region_id``/``grid_id`` filters.
Checking them once, as a Litestar dependency, keeps the rules identical everywhere: a naive
timestamp, ``end < start`` or a range wider than ``settings.max_range`` is a 422.

Filters of different kinds intersect (``region_id=1&node_id=5`` is node 5 if it lies in region 1,
else nothing). Unknown ids select nothing, so the answer is an empty ``data`` array rather than a
404: a filter is a predicate, and a predicate that matches nothing is not an error (the same
request may match once the hierarchy grows).

Node sets are resolved by a small query before the main one and passed as an ``int[]``
parameter: ``node_id = ANY(%(nodes)s)`` is an index condition on every chunk's primary key,
which a semi-join against the hierarchy is not reliably planned as.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import msgspec
from litestar.di import NamedDependency  # noqa: TC002 - Litestar reads the hints at runtime
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from gridts.db.queries import query
from gridts.instants import EARLIEST, LATEST
from gridts.settings import Settings  # noqa: TC001

if TYPE_CHECKING:
    from psycopg import AsyncConnection


class Filters(msgspec.Struct, frozen=True):
    """The checked shared parameters of one read."""

    start: datetime
    end: datetime
    node_ids: list[int] | None = None
    region_ids: list[int] | None = None
    grid_ids: list[int] | None = None


INT4_MAX = 2**31 - 1


def possible_ids(ids: list[int] | None) -> list[int] | None:
    """``ids`` with every impossible value (below 1, or past PostgreSQL's ``integer``) made 0.

    No entity has id 0 either, so such an id selects nothing, like any unknown id, instead of
    failing the query with "integer out of range".
    """
    if not ids:
        return None
    return [i if 1 <= i <= INT4_MAX else 0 for i in ids]


def invalid(detail: str, key: str, message: str) -> ValidationException:
    """A 422 in Litestar's standard error body, naming the offending parameter."""
    return ValidationException(
        detail=detail,
        extra=[{"key": key, "message": message}],
        status_code=HTTP_422_UNPROCESSABLE_ENTITY,
    )


def require_aware(value: datetime | None, key: str) -> None:
    """Refuse a timestamp without a UTC offset: it would mean a different instant per server."""
    if value is not None and value.utcoffset() is None:
        raise invalid(
            "timestamps need a UTC offset",
            key,
            "give an RFC 3339 timestamp with an offset, e.g. 2026-01-01T00:00:00Z",
        )


def provide_filters(
    *,
    settings: NamedDependency[Settings],
    start_datetime: Annotated[
        datetime, QueryParameter(description="First target timestamp (inclusive), RFC 3339.")
    ],
    end_datetime: Annotated[
        datetime, QueryParameter(description="Last target timestamp (inclusive), RFC 3339.")
    ],
    node_id: Annotated[
        list[int] | None, QueryParameter(description="Only these nodes (repeatable).")
    ] = None,
    region_id: Annotated[
        list[int] | None, QueryParameter(description="Only nodes of these regions (repeatable).")
    ] = None,
    grid_id: Annotated[
        list[int] | None, QueryParameter(description="Only nodes of these grids (repeatable).")
    ] = None,
) -> Filters:
    """Parse and check the shared read parameters (Litestar dependency ``filters``)."""
    require_aware(start_datetime, "start_datetime")
    require_aware(end_datetime, "end_datetime")
    if end_datetime < start_datetime:
        raise invalid(
            "end_datetime is before start_datetime",
            "end_datetime",
            "the range is inclusive at both ends: end_datetime must be >= start_datetime",
        )
    if end_datetime - start_datetime > settings.max_range:
        raise invalid(
            "the range is too wide",
            "end_datetime",
            f"at most {settings.max_range} between start_datetime and end_datetime",
        )
    return Filters(
        start=max(start_datetime, EARLIEST),
        end=min(end_datetime, LATEST),
        node_ids=possible_ids(node_id),
        region_ids=possible_ids(region_id),
        grid_ids=possible_ids(grid_id),
    )


MAX_LEAD = timedelta(days=366)
_HOURS = re.compile(r"[0-9]+(\.[0-9]+)?")


def parse_lead(text: str, key: str = "lead") -> timedelta:
    """A lead time: an ISO 8601 duration (``PT24H``, ``P1D``, ``PT90M``) or a number of hours.

    Months and years are refused (their length varies); so is a negative lead.
    """
    text = text.strip()
    try:
        lead = (
            timedelta(hours=float(text))
            if _HOURS.fullmatch(text)
            else msgspec.convert(text.upper(), timedelta)
        )
    except (msgspec.ValidationError, OverflowError):
        raise invalid(
            f"{key} is not a duration: {text!r}",
            key,
            "give an ISO 8601 duration such as PT24H, P1D or PT90M, or a number of hours",
        ) from None
    if lead < timedelta(0):
        raise invalid(f"{key} is negative", key, "a lead is how long before the target: >= 0")
    if lead > MAX_LEAD:
        raise invalid(f"{key} is too long", key, f"at most {MAX_LEAD.days} days")
    return lead


def too_many_rows(limit: int) -> ValidationException:
    """The 422 for an answer past ``settings.max_response_rows``."""
    return invalid(
        f"the answer has more than {limit} rows",
        "end_datetime",
        "narrow the range (start_datetime/end_datetime), select fewer entities "
        "(node_id/region_id/grid_id or id), or ask for a coarser resolution",
    )


async def select_ids(conn: AsyncConnection, level: str, filters: Filters) -> list[int]:
    """Ids of the ``level`` entities (node, region or grid) the filters select, ascending.

    Filters at or above the level apply; ``level`` rows below which no node can be chosen are
    still returned (they simply have no data).
    """
    cursor = await conn.execute(
        query("filters", level),
        {
            "node_ids": filters.node_ids,
            "region_ids": filters.region_ids,
            "grid_ids": filters.grid_ids,
        },
    )
    return [entity for (entity,) in await cursor.fetchall()]
