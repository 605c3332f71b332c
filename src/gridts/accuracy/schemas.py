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


class Accuracy(msgspec.Struct, frozen=True, omit_defaults=True):
    """Errors (forecast minus final) of one entity, kind and subtype at one lead (in one day).

    Node level: one series (``series_id``). Region and grid level: the total of the series of a
    sum kind, or their mean for a mean kind, forecast against final.
    """

    id: int
    lead: timedelta
    bucket: datetime | None
    """The local day of the targets with ``bucket=1d`` (local midnight with its offset, in the
    entity's grid's zone or the request's ``timezone``); ``null`` over the whole range."""
    count: int
    """Targets compared."""
    bias: float
    """Mean error: positive when forecasts ran high."""
    mae: float
    rmse: float
    mape: float | None
    """Mean absolute percentage error over targets whose final is not 0; null if none."""
    kind: str
    subtype: str | None
    unit: str
    series_id: int | None = None


class AccuracyPage(msgspec.Struct, frozen=True):
    """What was compared, and the statistics by id, lead and bucket."""

    level: Level
    final: Final
    data: list[Accuracy]
