"""The shapes of the measures answers (built from rows positionally, see ``gridts.reads.rows``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import msgspec

from gridts.quality import Quality


class Measure(msgspec.Struct, frozen=True):
    """One revision of one series' value for one target timestamp.

    ``value`` is null only for a ``missing`` observation that carried none.
    """

    node_id: int
    node_name: str
    series_id: int
    kind: str
    subtype: str | None
    unit: str
    timestamp_measured: datetime
    timestamp_collected: datetime
    value: float | None
    quality: Quality


class MeasurePage(msgspec.Struct, frozen=True, omit_defaults=True):
    """Rows ordered by node, series, target timestamp (and collection time for revisions)."""

    data: list[Measure]
    raw_dropped_before: datetime | None = None
    """Set when the range reaches before it: raw measures before it are dropped (retention)."""
    note: str | None = None
    """Says so in words."""


class Cutoff(msgspec.Struct, frozen=True):
    """What "known by" means for a horizon read: either a lead, or a day-ahead issue time."""

    lead: timedelta | None = None
    """Known ``lead`` before the target (collected at or before ``target - lead``)."""
    issued_before: time | None = None
    """Day-ahead: collected before this local time on the day before the target's local day."""
    timezone: str | None = None
    """The IANA zone of ``issued_before`` and of the targets' days."""
