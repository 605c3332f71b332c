"""The dashboard's answer."""

from __future__ import annotations

from datetime import datetime

import msgspec


class Counts(msgspec.Struct, frozen=True):
    """How much is stored."""

    grids: int
    regions: int
    nodes: int
    series: int
    revisions: int
    """Stored rows of ``measures`` (every revision), counted exactly."""


class GridSummary(msgspec.Struct, frozen=True):
    """One grid at a glance."""

    id: int
    name: str
    timezone: str
    series: int
    """Series of its nodes (each node's default series included)."""
    latest_target: datetime | None
    """The latest target any of its series holds a good or estimated value for (null: none)."""


class Ranges(msgspec.Struct, frozen=True):
    """First and last target and collection timestamps (null when nothing is stored)."""

    target_first: datetime | None
    target_last: datetime | None
    collected_first: datetime | None
    collected_last: datetime | None


class Compression(msgspec.Struct, frozen=True):
    """Chunks of ``measures`` and what compression saved (bytes of the compressed chunks)."""

    chunks: int
    compressed_chunks: int
    bytes_before: int | None
    bytes_after: int | None
    total_bytes: int
    """Current size of the hypertable (all chunks, indexes included)."""


class RollupState(msgspec.Struct, frozen=True):
    """How far one continuous aggregate is materialised.

    The aggregates are series_latest, series_1h, region_1h and grid_1h (``gridts.refresh``).
    """

    view: str
    materialized_until: datetime | None
    """The watermark: buckets before it are materialised, after it computed from raw data."""
    last_refresh: datetime | None
    """End of the refresh policy's last successful run (manual refreshes are not tracked)."""


class Dashboard(msgspec.Struct, frozen=True):
    """Everything ``GET /api/v1/dashboard`` reports."""

    counts: Counts
    grids: list[GridSummary]
    ranges: Ranges
    compression: Compression
    rollups: list[RollupState]
