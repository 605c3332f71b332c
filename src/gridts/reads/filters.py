"""The query parameters every read shares, parsed and checked in one place.

Every read endpoint takes a target range (``start_datetime``/``end_datetime``, both inclusive,
RFC 3339 with an offset), optional repeatable ``node_id``/``region_id``/``grid_id`` filters, and
optional repeatable series filters ``series_id``/``kind``/``subtype``. Without a series filter a
read means each node's default series (kind ``load``, no subtype), so requests written before
nodes had several series keep their meaning; ``kind`` alone means every subtype of the kind.
Checking them once, as the Litestar dependency ``filters``, keeps the rules identical
everywhere: a naive timestamp, ``end < start`` or a range wider than ``settings.max_range`` is
refused.

Filters of different kinds intersect (``region_id=1&node_id=5`` is node 5 if it lies in region 1,
else nothing). Unknown ids select nothing, so the answer is an empty ``data`` array rather than a
404: a filter is a predicate, and a predicate that matches nothing is not an error (the same
request may match once the hierarchy grows).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from gridts.errors import InvalidParameterError
from gridts.instants import EARLIEST, LATEST
from gridts.kinds.rules import is_name
from gridts.settings import Settings


class Filters(msgspec.Struct, frozen=True):
    """The checked shared parameters of one read."""

    start: datetime
    end: datetime
    node_ids: list[int] | None = None
    region_ids: list[int] | None = None
    grid_ids: list[int] | None = None
    series_ids: list[int] | None = None
    kinds: list[str] | None = None
    subtypes: list[str] | None = None

    @property
    def default_series(self) -> bool:
        """No series filter: each node's default series only."""
        return not (self.series_ids or self.kinds or self.subtypes)


INT4_MAX = 2**31 - 1


def possible_ids(ids: list[int] | None) -> list[int] | None:
    """``ids`` with every impossible value (below 1, or past PostgreSQL's ``integer``) made 0.

    No entity has id 0 either, so such an id selects nothing, like any unknown id, instead of
    failing the query with "integer out of range".
    """
    if not ids:
        return None
    return [i if 1 <= i <= INT4_MAX else 0 for i in ids]


def possible_names(names: list[str] | None) -> list[str] | None:
    """``names`` with every malformed kind or subtype made ``""``, which no kind or subtype is.

    Like an unknown id, a malformed name selects nothing (and text PostgreSQL cannot hold, such
    as NUL, never reaches it).
    """
    if not names:
        return None
    return [name if is_name(name) else "" for name in names]


def require_aware(value: datetime | None, key: str) -> None:
    """Refuse a timestamp without a UTC offset: it would mean a different instant per server."""
    if value is not None and value.utcoffset() is None:
        raise InvalidParameterError(
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
    series_id: Annotated[
        list[int] | None,
        QueryParameter(description="Only these series (repeatable). Default: each node's load."),
    ] = None,
    kind: Annotated[
        list[str] | None,
        QueryParameter(description="Only series of these kinds, every subtype (repeatable)."),
    ] = None,
    subtype: Annotated[
        list[str] | None,
        QueryParameter(description="Only series with these subtypes, e.g. wind (repeatable)."),
    ] = None,
) -> Filters:
    """Parse and check the shared read parameters (Litestar dependency ``filters``)."""
    require_aware(start_datetime, "start_datetime")
    require_aware(end_datetime, "end_datetime")
    if end_datetime < start_datetime:
        raise InvalidParameterError(
            "end_datetime is before start_datetime",
            "end_datetime",
            "the range is inclusive at both ends: end_datetime must be >= start_datetime",
        )
    if end_datetime - start_datetime > settings.max_range:
        raise InvalidParameterError(
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
        series_ids=possible_ids(series_id),
        kinds=possible_names(kind),
        subtypes=possible_names(subtype),
    )
