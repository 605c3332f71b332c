"""The shapes the client decodes, as msgspec Structs that survive a newer server.

Every Struct ignores fields it does not know (msgspec's default), and every field a server
added after the first release (issue 13's series, kinds, quality, units) has a default, so the
client reads both older and newer servers. These mirror the server's own schemas but are kept
here on purpose: the client imports nothing of the service, so it could ship on its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

import msgspec

Quality = Literal["good", "estimated", "missing"]
Aggregation = Literal["sum", "mean"]


class Grid(msgspec.Struct, frozen=True, kw_only=True):
    """A grid operator (TSO/ISO); ``timezone`` is the IANA zone of its local days."""

    id: int
    name: str
    timezone: str | None = None


class Region(msgspec.Struct, frozen=True, kw_only=True):
    """A region of a grid."""

    id: int
    name: str
    grid_id: int


class Node(msgspec.Struct, frozen=True, kw_only=True):
    """A node of a region.

    ``grid_id`` is its region's grid; ``default_series_id`` the series that rows naming the node
    alone write to (kind ``load``, no subtype).
    """

    id: int
    name: str
    region_id: int
    grid_id: int
    default_series_id: int | None = None


class Kind(msgspec.Struct, frozen=True, kw_only=True):
    """A quantity series can hold: its unit, and how a region's value is formed (sum or mean)."""

    name: str
    unit: str
    aggregation: str
    description: str = ""
    decimals: int = 3
    """How many decimals its values keep (a value with more is refused, never rounded)."""


class Series(msgspec.Struct, frozen=True, kw_only=True):
    """One quantity of one node: a kind and an optional subtype (a fuel, say)."""

    id: int
    node_id: int
    kind: str
    subtype: str | None = None
    unit: str | None = None
    aggregation: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    description: str = ""


class Measure(msgspec.Struct, frozen=True, kw_only=True):
    """One revision of one series' value for one target (``/measures`` reads)."""

    node_id: int
    timestamp_measured: datetime
    timestamp_collected: datetime
    value: float | None
    series_id: int | None = None
    node_name: str | None = None
    kind: str | None = None
    subtype: str | None = None
    unit: str | None = None
    quality: str = "good"


class Rollup(msgspec.Struct, frozen=True, kw_only=True):
    """One bucket of one entity (node, region or grid) and kind (``/rollups``)."""

    id: int
    bucket: datetime
    avg: float | None = None
    min: float | None = None
    max: float | None = None
    sum: float | None = None
    count: int | None = None
    nodes: int | None = None
    kind: str | None = None
    subtype: str | None = None
    unit: str | None = None
    estimated: int | None = None
    series_id: int | None = None
    filled: bool = False


class Accuracy(msgspec.Struct, frozen=True, kw_only=True):
    """Errors (forecast minus final) of one entity at one lead (in one day bucket)."""

    id: int
    lead: timedelta
    count: int
    bias: float | None
    mae: float | None
    rmse: float | None
    mape: float | None = None
    bucket: datetime | None = None
    kind: str | None = None
    subtype: str | None = None
    unit: str | None = None
    series_id: int | None = None


class WriteResult(msgspec.Struct, kw_only=True):
    """What a write did, summed over its batches.

    ``duplicates`` counts rows the server already held with the same value. A batch resent
    because its answer was lost (``resent``) is counted as the server answered the resend: its
    rows, stored by the first send, show as duplicates.
    """

    inserted: int = 0
    duplicates: int = 0
    batches: int = 0
    resent: int = 0
    lsn: str | None = None
    """The furthest commit position of the batches: pass it as ``min_lsn`` to a read to see
    this write on any replica (read your writes)."""


class Row(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One revision to write; ``client.write`` also takes mappings and DataFrames with these keys.

    Name the series by ``series_id``, or by ``node_id`` with ``kind`` (and ``subtype``), or by
    ``node_id`` alone (the node's default series: kind ``load``, no subtype). ``quality`` is
    ``good`` when left out; ``value`` may be ``None`` only when the quality is ``missing``.
    """

    timestamp_measured: datetime
    timestamp_collected: datetime
    value: float | None
    series_id: int | None = None
    node_id: int | None = None
    kind: str | None = None
    subtype: str | None = None
    quality: Quality | None = None
