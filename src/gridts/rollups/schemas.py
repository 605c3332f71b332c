"""The shapes of the rollup answers (built from rows positionally, see ``gridts.reads.rows``)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from gridts.reads.levels import Level
from gridts.rollups.resolution import Resolution


class Rollup(msgspec.Struct, frozen=True, omit_defaults=True):
    """One bucket of one entity.

    ``raw``: one target (a node's value, or a region's/grid's total over its nodes' values);
    ``1h``/``1d``: the continuous aggregates' rows (region/grid ``1h``: the hourly total, so
    avg = min = max = sum and count = 1). ``nodes`` (region and grid only): how many nodes
    reported (``1d``: the most in any hour of the day).
    """

    id: int
    bucket: datetime
    avg: float
    min: float
    max: float
    sum: float
    count: int
    nodes: int | None = None


class RollupPage(msgspec.Struct, frozen=True):
    """What was read and the rows, ordered by id then bucket."""

    level: Level
    resolution: Resolution
    """The resolution used (``auto`` resolved)."""
    source: str
    """The relation read: a continuous aggregate, ``measures``, or ``measures (as of)``."""
    data: list[Rollup]
