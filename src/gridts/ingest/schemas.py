"""The shapes of ingest: rows in (JSON objects or CSV records), the answer, the problems."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

#: PostgreSQL's ``integer``: node ids outside it cannot exist.
NodeId = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1, description="Id of an existing node.")]
Instant = Annotated[
    datetime, msgspec.Meta(tz=True, description="RFC 3339 timestamp with a UTC offset.")
]

FIELDS: tuple[str, ...] = ("node_id", "timestamp_measured", "timestamp_collected", "value")


class MeasureIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One revision to store: the value of ``node_id`` at ``timestamp_measured`` as collected."""

    node_id: NodeId
    timestamp_measured: Instant
    timestamp_collected: Instant
    value: float


class MeasureRecord(msgspec.Struct, frozen=True, array_like=True, forbid_unknown_fields=True):
    """A CSV record in header order ``node_id,timestamp_measured,timestamp_collected,value``."""

    node_id: NodeId
    timestamp_measured: Instant
    timestamp_collected: Instant
    value: float


#: Either kind of parsed row: both have the four fields, in the same order.
MeasureRow = MeasureIn | MeasureRecord


class IngestResult(msgspec.Struct, frozen=True):
    """What a stored batch did: rows added, and rows already stored with the same value."""

    inserted: int
    duplicates: int
