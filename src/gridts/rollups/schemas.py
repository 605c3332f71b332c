"""The shapes of the rollup answers (built from rows positionally, see ``gridts.encoding``)."""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - msgspec and Litestar read the hints at runtime
from enum import StrEnum

import msgspec

from gridts.rollups.routing import Resolution  # noqa: TC001 - msgspec reads the hints


class Level(StrEnum):
    """Which entities a rollup is about."""

    NODE = "node"
    REGION = "region"
    GRID = "grid"


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
