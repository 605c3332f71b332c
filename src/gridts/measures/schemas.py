"""The shapes of the measures answers (built from rows positionally, see ``gridts.encoding``)."""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - msgspec and Litestar read the hints at runtime

import msgspec


class Measure(msgspec.Struct, frozen=True):
    """One revision of one node's value for one target timestamp."""

    node_id: int
    node_name: str
    timestamp_measured: datetime
    timestamp_collected: datetime
    value: float


class MeasurePage(msgspec.Struct, frozen=True):
    """Rows ordered by node id, target timestamp (and collection time for revisions)."""

    data: list[Measure]
