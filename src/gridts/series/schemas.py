"""Payloads of ``/api/v1/series``.

In an update a field left out stays as it is, and ``null`` is a value: no subtype, no bound.
``unit`` and ``aggregation`` belong to the kind and are read-only here.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from gridts.kinds.schemas import Description

Id = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
KindName = Annotated[str, msgspec.Meta(description="A kind of the catalogue (GET /api/v1/kinds).")]
Subtype = Annotated[
    str,
    msgspec.Meta(
        description="E.g. the fuel of a generation series: lower-case letters, digits and _, "
        "starting with a letter."
    ),
]
Bound = Annotated[float, msgspec.Meta(description="A finite bound on plausible values.")]


class Series(msgspec.Struct, frozen=True):
    """One quantity of one node; ``unit`` and ``aggregation`` are its kind's (read-only)."""

    id: int
    node_id: int
    kind: str
    subtype: str | None
    unit: str
    aggregation: str
    min_value: float | None
    max_value: float | None
    description: str


class SeriesCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new series of an existing node and kind."""

    node_id: Id
    kind: KindName
    subtype: Subtype | None = None
    min_value: Bound | None = None
    max_value: Bound | None = None
    description: Description = ""


class SeriesUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """New bounds or description, or another node, kind or subtype.

    The latter three are refused (409) for a node's default series and for a series that holds
    measures.
    """

    node_id: Id | UnsetType = UNSET
    kind: KindName | UnsetType = UNSET
    subtype: Subtype | UnsetType | None = UNSET
    min_value: Bound | UnsetType | None = UNSET
    max_value: Bound | UnsetType | None = UNSET
    description: Description | UnsetType = UNSET
