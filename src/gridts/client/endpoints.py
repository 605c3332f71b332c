"""Every endpoint of gridts' API as a ``Call``: its path, parameters, body and answer's shape.

The names of parameters are the server's (``node_id``, ``kind``...), except the target range
(``start``/``end`` for ``start_datetime``/``end_datetime``), ``collected`` for
``collected_datetime`` and ``ids`` for a level's ``id``. Filters that take several values take an
int or str, or any iterable of them (sent as a repeated parameter).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import msgspec
from msgspec import UNSET, UnsetType

from gridts.client import frames
from gridts.client.core import API, Call, body, decode, duration, instant, nothing, query
from gridts.client.models import Accuracy, Grid, Kind, Measure, Node, Region, Rollup, Series

if TYPE_CHECKING:
    from gridts.client.models import Aggregation

Ids = int | Iterable[int]
Names = str | Iterable[str]
Instant = datetime | str
Lead = timedelta | str | float
Level = Literal["node", "region", "grid"]


class Filters(TypedDict, total=False):
    """The filters every read takes; they intersect.

    Without ``series_id``, ``kind`` or ``subtype`` a read means each node's default series
    (kind ``load``, no subtype).
    """

    node_id: Ids
    region_id: Ids
    grid_id: Ids
    series_id: Ids
    kind: Names
    subtype: Names
    min_lsn: str
    """Read your writes: a ``WriteResult.lsn``; a replica serves the read only once it has
    replayed that far (else the primary does)."""


class SeriesFilters(TypedDict, total=False):
    """The filters of ``list_series``; they intersect."""

    node_id: Ids
    region_id: Ids
    grid_id: Ids
    kind: Names
    subtype: Names


class LatestOptions(Filters, total=False):
    """``latest``'s parameters: the filters, and ``collected`` (as known at that time)."""

    collected: Instant


class RevisionOptions(Filters, total=False):
    """``revisions``' parameters: the filters, and the collection window (inclusive)."""

    collected_from: Instant
    collected_to: Instant


class HorizonOptions(Filters, total=False):
    """``horizon``'s parameters: the filters, and ``lead`` or ``issued_before``.

    ``lead`` is a ``timedelta``, an ISO 8601 duration or hours; ``issued_before`` is a local
    ``HH:MM`` on the day before the target's, in ``timezone``.
    """

    lead: Lead
    issued_before: str
    timezone: str


class RollupOptions(Filters, total=False):
    """``rollups``' parameters: the filters, and these.

    - ``ids``: only these entities of the level (the server's ``id``);
    - ``resolution``: ``raw``, ``1h``, ``1d`` or ``auto`` (the server's default, by range width);
    - ``collected``: computed from the revisions known at that time;
    - ``max_points``: with ``auto``, at most this many buckets per entity;
    - ``timezone``: the zone of ``1d`` buckets (default: each grid's);
    - ``quality``: ``good`` counts good values only;
    - ``fill``: ``none``, ``null``, ``previous`` or ``linear`` for buckets without data.

    A server that predates a parameter ignores it.
    """

    ids: Ids
    resolution: str
    collected: Instant
    max_points: int
    timezone: str
    quality: str
    fill: str


class AccuracyOptions(Filters, total=False):
    """``accuracy``'s parameters: the filters, and these.

    - ``ids``: only these entities of the level;
    - ``lead``: one lead or several (``timedelta``, ISO 8601 text or hours); the server's default
      is PT1H, PT12H, PT24H and PT48H;
    - ``bucket``: ``1d`` for one row per (local) day;
    - ``final``: ``latest`` or ``at_target``, the revision that counts as the truth;
    - ``timezone``: the zone of ``1d`` buckets.
    """

    ids: Ids
    lead: Lead | Iterable[Lead]
    bucket: str
    final: str
    timezone: str


class Stored(msgspec.Struct, frozen=True):
    """The answer to one write batch."""

    inserted: int
    duplicates: int
    lsn: str | None = None
    """The commit's WAL position (servers with read replicas use it for ``min_lsn``)."""


def _range(start: Instant, end: Instant) -> dict[str, str]:
    return {"start_datetime": instant(start, "start"), "end_datetime": instant(end, "end")}


def _read(path: str, row_type: type[Any], frame: str, **params: Any) -> Call[Any]:  # noqa: ANN401
    def parse(content: bytes) -> Any:  # noqa: ANN401 - a DataFrame or Rows
        return frames.table(content, row_type, frame)

    return Call("GET", f"{API}{path}", parse, query(**params))


# --- hierarchy -------------------------------------------------------------------------------


def list_grids() -> Call[list[Grid]]:
    """``GET /grids``."""
    return Call("GET", f"{API}/grids", decode(list[Grid]))


def get_grid(grid_id: int) -> Call[Grid]:
    """``GET /grids/{id}``."""
    return Call("GET", f"{API}/grids/{int(grid_id)}", decode(Grid))


def create_grid(name: str, timezone: str | UnsetType = UNSET) -> Call[Grid]:
    """``POST /grids``."""
    data = body({"name": name, "timezone": timezone})
    return Call("POST", f"{API}/grids", decode(Grid), body=data, resend=False)


def update_grid(
    grid_id: int, *, name: str | UnsetType = UNSET, timezone: str | UnsetType = UNSET
) -> Call[Grid]:
    """``PATCH /grids/{id}``."""
    data = body({"name": name, "timezone": timezone})
    return Call("PATCH", f"{API}/grids/{int(grid_id)}", decode(Grid), body=data)


def delete_grid(grid_id: int) -> Call[None]:
    """``DELETE /grids/{id}``."""
    return Call("DELETE", f"{API}/grids/{int(grid_id)}", nothing, gone_ok=True)


def list_regions(grid_id: int | None = None) -> Call[list[Region]]:
    """``GET /regions``."""
    return Call("GET", f"{API}/regions", decode(list[Region]), query(grid_id=grid_id))


def get_region(region_id: int) -> Call[Region]:
    """``GET /regions/{id}``."""
    return Call("GET", f"{API}/regions/{int(region_id)}", decode(Region))


def create_region(name: str, grid_id: int) -> Call[Region]:
    """``POST /regions``."""
    data = body({"name": name, "grid_id": grid_id})
    return Call("POST", f"{API}/regions", decode(Region), body=data, resend=False)


def update_region(
    region_id: int, *, name: str | UnsetType = UNSET, grid_id: int | UnsetType = UNSET
) -> Call[Region]:
    """``PATCH /regions/{id}``."""
    data = body({"name": name, "grid_id": grid_id})
    return Call("PATCH", f"{API}/regions/{int(region_id)}", decode(Region), body=data)


def delete_region(region_id: int) -> Call[None]:
    """``DELETE /regions/{id}``."""
    return Call("DELETE", f"{API}/regions/{int(region_id)}", nothing, gone_ok=True)


def list_nodes(region_id: int | None = None, grid_id: int | None = None) -> Call[list[Node]]:
    """``GET /nodes``."""
    params = query(region_id=region_id, grid_id=grid_id)
    return Call("GET", f"{API}/nodes", decode(list[Node]), params)


def get_node(node_id: int) -> Call[Node]:
    """``GET /nodes/{id}``."""
    return Call("GET", f"{API}/nodes/{int(node_id)}", decode(Node))


def create_node(name: str, region_id: int) -> Call[Node]:
    """``POST /nodes``."""
    data = body({"name": name, "region_id": region_id})
    return Call("POST", f"{API}/nodes", decode(Node), body=data, resend=False)


def update_node(
    node_id: int, *, name: str | UnsetType = UNSET, region_id: int | UnsetType = UNSET
) -> Call[Node]:
    """``PATCH /nodes/{id}``."""
    data = body({"name": name, "region_id": region_id})
    return Call("PATCH", f"{API}/nodes/{int(node_id)}", decode(Node), body=data)


def delete_node(node_id: int, *, cascade: bool = False) -> Call[None]:
    """``DELETE /nodes/{id}`` (``cascade``: with its measures)."""
    params = query(cascade=True) if cascade else ()
    return Call("DELETE", f"{API}/nodes/{int(node_id)}", nothing, params, gone_ok=True)


# --- kinds and series ------------------------------------------------------------------------


def list_kinds() -> Call[list[Kind]]:
    """``GET /kinds``."""
    return Call("GET", f"{API}/kinds", decode(list[Kind]))


def _kind_path(name: str) -> str:
    if not name or "/" in name:
        raise ValueError(f"not a kind name: {name!r}")
    return f"{API}/kinds/{name}"


def get_kind(name: str) -> Call[Kind]:
    """``GET /kinds/{name}``."""
    return Call("GET", _kind_path(name), decode(Kind))


def create_kind(
    name: str,
    unit: str,
    aggregation: Aggregation,
    description: str | UnsetType = UNSET,
    decimals: int | UnsetType = UNSET,
) -> Call[Kind]:
    """``POST /kinds``."""
    data = body(
        {
            "name": name,
            "unit": unit,
            "aggregation": aggregation,
            "description": description,
            "decimals": decimals,
        }
    )
    return Call("POST", f"{API}/kinds", decode(Kind), body=data, resend=False)


def update_kind(
    name: str,
    *,
    unit: str | UnsetType = UNSET,
    aggregation: Aggregation | UnsetType = UNSET,
    description: str | UnsetType = UNSET,
    decimals: int | UnsetType = UNSET,
) -> Call[Kind]:
    """``PATCH /kinds/{name}``."""
    data = body(
        {"unit": unit, "aggregation": aggregation, "description": description, "decimals": decimals}
    )
    return Call("PATCH", _kind_path(name), decode(Kind), body=data)


def delete_kind(name: str) -> Call[None]:
    """``DELETE /kinds/{name}``."""
    return Call("DELETE", _kind_path(name), nothing, gone_ok=True)


def list_series(filters: Mapping[str, Any]) -> Call[list[Series]]:
    """``GET /series`` (``node_id``, ``region_id``, ``grid_id``, ``kind``, ``subtype``)."""
    params = _options(SeriesFilters, filters)
    return Call("GET", f"{API}/series", decode(list[Series]), query(**params))


def get_series(series_id: int) -> Call[Series]:
    """``GET /series/{id}``."""
    return Call("GET", f"{API}/series/{int(series_id)}", decode(Series))


def create_series(
    node_id: int,
    kind: str,
    *,
    subtype: str | UnsetType | None = UNSET,
    min_value: float | UnsetType | None = UNSET,
    max_value: float | UnsetType | None = UNSET,
    description: str | UnsetType = UNSET,
) -> Call[Series]:
    """``POST /series``."""
    data = body(
        {
            "node_id": node_id,
            "kind": kind,
            "subtype": subtype,
            "min_value": min_value,
            "max_value": max_value,
            "description": description,
        }
    )
    return Call("POST", f"{API}/series", decode(Series), body=data, resend=False)


def update_series(
    series_id: int,
    *,
    node_id: int | UnsetType = UNSET,
    kind: str | UnsetType = UNSET,
    subtype: str | UnsetType | None = UNSET,
    min_value: float | UnsetType | None = UNSET,
    max_value: float | UnsetType | None = UNSET,
    description: str | UnsetType = UNSET,
) -> Call[Series]:
    """``PATCH /series/{id}``: only the fields given change (None sets a field to null)."""
    data = body(
        {
            "node_id": node_id,
            "kind": kind,
            "subtype": subtype,
            "min_value": min_value,
            "max_value": max_value,
            "description": description,
        }
    )
    return Call("PATCH", f"{API}/series/{int(series_id)}", decode(Series), body=data)


def delete_series(series_id: int) -> Call[None]:
    """``DELETE /series/{id}``."""
    return Call("DELETE", f"{API}/series/{int(series_id)}", nothing, gone_ok=True)


# --- measures --------------------------------------------------------------------------------


def write_batch(data: bytes) -> Call[Stored]:
    """``POST /measures`` with one JSON batch, resent when its answer is lost.

    Safe: a row equal to a stored one is counted as a duplicate, never stored twice.
    """
    return Call("POST", f"{API}/measures", decode(Stored), body=data)


def _options(allowed: type[Any], options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` in the server's names and wire forms; unknown names are refused here."""
    if unknown := options.keys() - (allowed.__required_keys__ | allowed.__optional_keys__):
        raise TypeError(f"unexpected parameter(s): {', '.join(sorted(unknown))}")
    params: dict[str, Any] = {}
    for name, value in options.items():
        if value is None:
            continue
        if name in _INSTANTS:
            params[_RENAMED.get(name, name)] = instant(value, name)
        elif name == "lead":
            many = value if isinstance(value, Iterable) and not isinstance(value, str) else [value]
            params[name] = [duration(lead) for lead in many]
        else:
            params[_RENAMED.get(name, name)] = value
    return params


_INSTANTS = frozenset({"collected", "collected_from", "collected_to"})
_RENAMED = {"collected": "collected_datetime", "ids": "id"}


def latest(start: Instant, end: Instant, frame: str, options: Mapping[str, Any]) -> Call[Any]:
    """``GET /measures``: the latest revision per target (as known at ``collected``)."""
    params = _options(LatestOptions, options)
    return _read("/measures", Measure, frame, **_range(start, end), **params)


def revisions(start: Instant, end: Instant, frame: str, options: Mapping[str, Any]) -> Call[Any]:
    """``GET /measures/revisions``."""
    params = _options(RevisionOptions, options)
    return _read("/measures/revisions", Measure, frame, **_range(start, end), **params)


def horizon(start: Instant, end: Instant, frame: str, options: Mapping[str, Any]) -> Call[Any]:
    """``GET /measures/horizon``: per target, the revision known ``lead`` before it."""
    params = _options(HorizonOptions, options)
    return _read("/measures/horizon", Measure, frame, **_range(start, end), **params)


def rollups(
    start: Instant, end: Instant, level: Level, frame: str, options: Mapping[str, Any]
) -> Call[Any]:
    """``GET /rollups``."""
    params = _options(RollupOptions, options)
    return _read("/rollups", Rollup, frame, **_range(start, end), level=level, **params)


def accuracy(
    start: Instant, end: Instant, level: Level, frame: str, options: Mapping[str, Any]
) -> Call[Any]:
    """``GET /accuracy``."""
    params = _options(AccuracyOptions, options)
    return _read("/accuracy", Accuracy, frame, **_range(start, end), level=level, **params)


def dashboard() -> Call[dict[str, Any]]:
    """``GET /dashboard``: counts, ranges, compression and rollup state.

    A document that grows with the server, so it is a dict rather than a Struct.
    """
    return Call("GET", f"{API}/dashboard", decode(dict[str, Any]))


def ready() -> Call[bool]:
    """``GET /ready``: the database answers (a 503 is retried, then raised)."""
    return Call("GET", "/ready", lambda _: True, once=True)
