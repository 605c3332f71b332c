"""The shapes of the rollup answers (built from rows positionally by ``gridts.rollups.service``)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from gridts.reads.levels import Level
from gridts.rollups.resolution import Resolution


class Rollup(msgspec.Struct, frozen=True, omit_defaults=True):
    """One bucket of one entity, kind and subtype.

    Only usable values count: ``missing`` ones are left out, and ``estimated`` says how many
    estimated values the bucket includes (0 with ``quality=good``).

    Node level (one row per series, named by ``series_id``): ``raw`` is one target's value;
    ``1h`` the statistics of the hour's values; ``1d`` the statistics of the local day's hourly
    averages (``count`` = hours).

    Region and grid level: a sum kind's value is the total of its series' hourly averages
    (``raw``: of their values), a mean kind's is their mean. ``raw`` and ``1h`` have one value
    per bucket, so avg = min = max = sum = it and count = 1; ``1d`` holds the statistics of the
    day's hourly values. ``nodes``: how many series reported (``1d``: the most in any hour).

    ``bucket`` is a UTC instant, except at ``1d``: local midnight, with the zone's offset.
    """

    id: int
    bucket: datetime
    avg: float | None
    """``null`` only in a bucket added by ``fill`` (``filled``)."""
    min: float | None
    max: float | None
    sum: float | None
    count: int
    kind: str
    subtype: str | None
    unit: str
    estimated: int
    nodes: int | None = None
    series_id: int | None = None
    filled: bool = False
    """A bucket without data, added by ``fill``: its values are filled in, not measured."""


class RollupPage(msgspec.Struct, frozen=True, omit_defaults=True):
    """What was read and the rows, ordered by id, kind, subtype (no subtype first), bucket."""

    level: Level
    resolution: Resolution
    """The resolution used (``auto`` resolved)."""
    source: str
    """The relation read: ``series_1h``, ``region_1h`` or ``grid_1h`` (continuous aggregates of
    hourly values), ``series_latest`` (the aggregate of latest values: raw resolution,
    ``quality=good``, or local days that hourly buckets cannot serve), or ``measures (as of)``."""
    data: list[Rollup]
    raw_dropped_before: datetime | None = None
    """As of a collection time: raw measures before this instant are dropped (retention)."""
    note: str | None = None
