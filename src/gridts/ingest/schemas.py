"""The shapes of ingest: rows in (JSON objects or CSV records), the answer, the problems.

A row names its series by ``series_id``, or by ``node_id`` with ``kind`` (and ``subtype``), or
by ``node_id`` alone: the node's default series (kind ``load``, no subtype). ``quality`` is
``good`` when absent; ``value`` may be null or absent only when the quality is ``missing``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Protocol

import msgspec

from gridts.quality import Quality

#: PostgreSQL's ``integer``: ids outside it cannot exist.
NodeId = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1, description="Id of an existing node.")]
SeriesId = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1, description="Id of an existing series.")]
#: The shape the schema allows for kind names and subtypes.
Name = Annotated[str, msgspec.Meta(pattern="^[a-z][a-z0-9_]{0,62}$")]
Instant = Annotated[
    datetime, msgspec.Meta(tz=True, description="RFC 3339 timestamp with a UTC offset.")
]

#: Every field a row may carry.
FIELDS: tuple[str, ...] = (
    "series_id",
    "node_id",
    "kind",
    "subtype",
    "timestamp_measured",
    "timestamp_collected",
    "value",
    "quality",
)
#: Fields every row must carry.
REQUIRED: tuple[str, ...] = ("timestamp_measured", "timestamp_collected")
#: Each field's type.
TYPES: dict[str, Any] = {
    "series_id": SeriesId | None,
    "node_id": NodeId | None,
    "kind": Name | None,
    "subtype": Name | None,
    "timestamp_measured": Instant,
    "timestamp_collected": Instant,
    "value": float | None,
    "quality": Quality | None,
}


class MeasureIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One revision to store: the value of a series at ``timestamp_measured`` as collected."""

    timestamp_measured: Instant
    timestamp_collected: Instant
    value: float | None = None
    series_id: SeriesId | None = None
    node_id: NodeId | None = None
    kind: Name | None = None
    subtype: Name | None = None
    quality: Quality | None = None


class MeasureRow(Protocol):
    """A parsed row: a ``MeasureIn``, or a CSV record (``gridts.ingest.parse.record_type``)."""

    @property
    def timestamp_measured(self) -> datetime:
        """The target time."""

    @property
    def timestamp_collected(self) -> datetime:
        """When this revision was known."""

    @property
    def value(self) -> float | None:
        """The value; null only for a missing observation."""

    @property
    def series_id(self) -> int | None:
        """The series, by id."""

    @property
    def node_id(self) -> int | None:
        """The series' node (the series, with ``kind`` and ``subtype``)."""

    @property
    def kind(self) -> str | None:
        """The series' kind (null: ``load``)."""

    @property
    def subtype(self) -> str | None:
        """The series' subtype."""

    @property
    def quality(self) -> Quality | None:
        """The quality (null: good)."""


class IngestResult(msgspec.Struct, frozen=True):
    """What a stored batch did: rows added, and rows already stored (same value and quality).

    ``lsn`` is the primary's WAL position after the commit (``pg_lsn`` text, e.g. ``0/1A2B3C8``):
    pass it as ``min_lsn`` to a read to be sure it sees this batch, even from a replica.
    """

    inserted: int
    duplicates: int
    lsn: str | None = None
