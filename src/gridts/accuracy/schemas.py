"""The accuracy answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import msgspec

from gridts.reads.levels import Level


class Final(StrEnum):
    """Which revision of a target counts as its final value."""

    LATEST = "latest"
    """The latest revision collected."""
    AT_TARGET = "at_target"
    """The first revision collected at or after the target; targets without one are skipped."""


class Accuracy(msgspec.Struct, frozen=True):
    """Errors (forecast minus final) of one entity at one lead (in one day bucket)."""

    id: int
    lead: timedelta
    bucket: datetime | None
    """The UTC day of the targets with ``bucket=1d``; ``null`` over the whole range."""
    count: int
    """Targets compared."""
    bias: float
    """Mean error: positive when forecasts ran high."""
    mae: float
    rmse: float
    mape: float | None
    """Mean absolute percentage error over targets whose final is not 0; null if none."""


class AccuracyPage(msgspec.Struct, frozen=True):
    """What was compared, and the statistics by id, lead and bucket."""

    level: Level
    final: Final
    data: list[Accuracy]
