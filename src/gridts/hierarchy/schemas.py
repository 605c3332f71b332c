"""Payloads of the hierarchy endpoints. ``None`` in an update means "leave as it is"."""

from __future__ import annotations

from typing import Annotated

import msgspec

#: Printable text: PostgreSQL cannot store NUL, and control characters in a name are a mistake.
Name = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        pattern=r"^[^\x00-\x1f\x7f]+$",
        description="Unique in its parent; no control characters.",
    ),
]
Id = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


TimeZone = Annotated[
    str,
    msgspec.Meta(
        description="An IANA time zone, e.g. Europe/Dublin: the grid's local days (daily rollups)."
    ),
]


class Grid(msgspec.Struct, frozen=True):
    """A grid operator (TSO/ISO)."""

    id: int
    name: str
    timezone: str


class Region(msgspec.Struct, frozen=True):
    """A region of a grid."""

    id: int
    name: str
    grid_id: int


class Node(msgspec.Struct, frozen=True):
    """A node of a region.

    ``grid_id`` is its region's grid and ``default_series_id`` its default series (kind load,
    no subtype), made with the node; both are read-only.
    """

    id: int
    name: str
    region_id: int
    grid_id: int
    default_series_id: int


class GridCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new grid."""

    name: Name
    timezone: TimeZone = "UTC"


class GridUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new name or time zone."""

    name: Name | None = None
    timezone: TimeZone | None = None


class RegionCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new region of an existing grid."""

    name: Name
    grid_id: Id


class RegionUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new name, or another grid (refused while the region's nodes hold measures)."""

    name: Name | None = None
    grid_id: Id | None = None


class NodeCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new node of an existing region."""

    name: Name
    region_id: Id


class NodeUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new name, or another region (refused while the node holds measures)."""

    name: Name | None = None
    region_id: Id | None = None
