"""``Client``: gridts' API from synchronous code (scripts, notebooks).

Every method builds its request with ``gridts.client.endpoints`` and sends it with ``_attempt``;
``AsyncClient`` (``gridts.client.aio``) has the same methods, awaited.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Self, TypeVar, Unpack

import httpx

from gridts.client import endpoints as api
from gridts.client.core import Attempts, Call, connection
from gridts.client.errors import ApiError, PayloadTooLargeError, TransportError
from gridts.client.frames import resolve
from gridts.client.retry import Retry
from gridts.client.writing import DEFAULT_BATCH_ROWS, Plan, normalise

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from msgspec import UnsetType

    from gridts.client.endpoints import (
        AccuracyOptions,
        Filters,
        HorizonOptions,
        Instant,
        LatestOptions,
        Level,
        RevisionOptions,
        RollupOptions,
        SeriesFilters,
    )
    from gridts.client.frames import FrameKind
    from gridts.client.models import Aggregation, Grid, Kind, Node, Region, Series, WriteResult

from msgspec import UNSET

T = TypeVar("T")


class Client:
    """A synchronous client of one gridts server.

    ``base_url`` is the server's root (``http://127.0.0.1:8000``). ``api_key`` is sent as
    ``Authorization: Bearer <key>`` (writes need one; default: the ``GRIDTS_API_KEY`` environment
    variable). ``timeout`` is seconds or an ``httpx.Timeout``. ``retry`` says how 503, 429 and lost
    answers are retried (``gridts.client.retry``). ``frame`` is what reads return: ``auto``
    (pandas if installed, else polars, else Structs), ``pandas``, ``polars`` or ``structs``; each
    read may override it. ``batch_rows`` caps the rows of one write request. ``transport`` and
    ``sleep`` replace httpx's transport and ``time.sleep`` (tests do).
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        api_key: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        retry: Retry | None = None,
        frame: FrameKind = "auto",
        batch_rows: int = DEFAULT_BATCH_ROWS,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        resolve(frame)  # refuse a bad name now, not at the first read
        self.frame: FrameKind = frame
        self.retry = retry or Retry()
        self.batch_rows = batch_rows
        self._sleep = sleep
        self._http = httpx.Client(
            **connection(base_url, api_key, timeout, headers), transport=transport
        )

    @property
    def base_url(self) -> str:
        """The server's root."""
        return str(self._http.base_url).rstrip("/")

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # --- sending ---------------------------------------------------------------------------

    def _attempt(self, call: Call[T]) -> Attempts[T]:
        """Send ``call`` until it succeeds, is refused, or the retries are used up."""
        attempts = Attempts(call, self.retry)
        while True:
            try:
                with self._http.stream(
                    call.method,
                    call.path,
                    params=call.params or None,
                    content=call.body,
                    headers=call.headers,
                ) as response:
                    try:
                        content = response.read()
                    except httpx.TransportError as error:
                        received = response.num_bytes_downloaded
                        wait = attempts.broke_off(error, response.status_code, received)
                    else:
                        then = attempts.answered(
                            response.status_code, response.headers, content, str(response.url)
                        )
                        if then is None:
                            return attempts
                        wait = then
            except httpx.TransportError as error:
                wait = attempts.failed(error)
            self._sleep(wait)

    def _send(self, call: Call[T]) -> T:
        return self._attempt(call).result

    def _frame(self, frame: FrameKind | None) -> str:
        return resolve(frame or self.frame)

    # --- hierarchy -------------------------------------------------------------------------

    def list_grids(self) -> list[Grid]:
        """Every grid, by id."""
        return self._send(api.list_grids())

    def get_grid(self, grid_id: int) -> Grid:
        """One grid (``NotFoundError`` if none has this id)."""
        return self._send(api.get_grid(grid_id))

    def create_grid(self, name: str, *, timezone: str | UnsetType = UNSET) -> Grid:
        """A new grid (409 ``ConflictError`` when the name is taken, 422 for an unknown zone)."""
        return self._send(api.create_grid(name, timezone))

    def update_grid(
        self, grid_id: int, *, name: str | UnsetType = UNSET, timezone: str | UnsetType = UNSET
    ) -> Grid:
        """Rename a grid or change its time zone; fields not given stay as they are."""
        return self._send(api.update_grid(grid_id, name=name, timezone=timezone))

    def delete_grid(self, grid_id: int) -> None:
        """Delete a grid without regions (``ConflictError`` otherwise)."""
        self._send(api.delete_grid(grid_id))

    def list_regions(self, grid_id: int | None = None) -> list[Region]:
        """Every region, or one grid's."""
        return self._send(api.list_regions(grid_id))

    def get_region(self, region_id: int) -> Region:
        """One region."""
        return self._send(api.get_region(region_id))

    def create_region(self, name: str, grid_id: int) -> Region:
        """A new region of an existing grid."""
        return self._send(api.create_region(name, grid_id))

    def update_region(
        self, region_id: int, *, name: str | UnsetType = UNSET, grid_id: int | UnsetType = UNSET
    ) -> Region:
        """Rename a region or move it to another grid (refused while its nodes hold measures)."""
        return self._send(api.update_region(region_id, name=name, grid_id=grid_id))

    def delete_region(self, region_id: int) -> None:
        """Delete a region without nodes."""
        self._send(api.delete_region(region_id))

    def list_nodes(self, region_id: int | None = None, grid_id: int | None = None) -> list[Node]:
        """Every node, or one region's or grid's."""
        return self._send(api.list_nodes(region_id, grid_id))

    def get_node(self, node_id: int) -> Node:
        """One node."""
        return self._send(api.get_node(node_id))

    def create_node(self, name: str, region_id: int) -> Node:
        """A new node of an existing region; the server gives it its default series."""
        return self._send(api.create_node(name, region_id))

    def update_node(
        self, node_id: int, *, name: str | UnsetType = UNSET, region_id: int | UnsetType = UNSET
    ) -> Node:
        """Rename a node or move it to another region (refused while it holds measures)."""
        return self._send(api.update_node(node_id, name=name, region_id=region_id))

    def delete_node(self, node_id: int, *, cascade: bool = False) -> None:
        """Delete a node; one that holds measures only with ``cascade=True``."""
        self._send(api.delete_node(node_id, cascade=cascade))

    # --- kinds and series ------------------------------------------------------------------

    def list_kinds(self) -> list[Kind]:
        """The catalogue of kinds (``load``, ``generation``, ``price``...)."""
        return self._send(api.list_kinds())

    def get_kind(self, name: str) -> Kind:
        """One kind."""
        return self._send(api.get_kind(name))

    def create_kind(
        self,
        name: str,
        unit: str,
        aggregation: Aggregation,
        *,
        description: str | UnsetType = UNSET,
        decimals: int | UnsetType = UNSET,
    ) -> Kind:
        """A new kind: ``aggregation`` is ``sum`` (power, energy) or ``mean`` (price...).

        ``decimals`` (default 3) is how many decimals its values keep.
        """
        return self._send(api.create_kind(name, unit, aggregation, description, decimals))

    def update_kind(
        self,
        name: str,
        *,
        unit: str | UnsetType = UNSET,
        aggregation: Aggregation | UnsetType = UNSET,
        description: str | UnsetType = UNSET,
        decimals: int | UnsetType = UNSET,
    ) -> Kind:
        """Change a kind (one in use keeps unit, aggregation and decimals: ``ConflictError``)."""
        return self._send(
            api.update_kind(
                name,
                unit=unit,
                aggregation=aggregation,
                description=description,
                decimals=decimals,
            )
        )

    def delete_kind(self, name: str) -> None:
        """Delete a kind no series uses."""
        self._send(api.delete_kind(name))

    def list_series(self, **filters: Unpack[SeriesFilters]) -> list[Series]:
        """Series, filtered by ``node_id``, ``region_id``, ``grid_id``, ``kind``, ``subtype``."""
        return self._send(api.list_series(filters))

    def get_series(self, series_id: int) -> Series:
        """One series."""
        return self._send(api.get_series(series_id))

    def create_series(
        self,
        node_id: int,
        kind: str,
        *,
        subtype: str | UnsetType | None = UNSET,
        min_value: float | UnsetType | None = UNSET,
        max_value: float | UnsetType | None = UNSET,
        description: str | UnsetType = UNSET,
    ) -> Series:
        """A new series of a node (one per node, kind and subtype)."""
        return self._send(
            api.create_series(
                node_id,
                kind,
                subtype=subtype,
                min_value=min_value,
                max_value=max_value,
                description=description,
            )
        )

    def update_series(
        self,
        series_id: int,
        *,
        node_id: int | UnsetType = UNSET,
        kind: str | UnsetType = UNSET,
        subtype: str | UnsetType | None = UNSET,
        min_value: float | UnsetType | None = UNSET,
        max_value: float | UnsetType | None = UNSET,
        description: str | UnsetType = UNSET,
    ) -> Series:
        """Change a series; ``None`` clears a field.

        ``min_value``, ``max_value`` and ``description`` may always change; ``node_id``,
        ``kind`` and ``subtype`` only while the series holds no measures.
        """
        return self._send(
            api.update_series(
                series_id,
                node_id=node_id,
                kind=kind,
                subtype=subtype,
                min_value=min_value,
                max_value=max_value,
                description=description,
            )
        )

    def delete_series(self, series_id: int) -> None:
        """Delete a series without measures (a node's default series goes with its node)."""
        self._send(api.delete_series(series_id))

    # --- measures --------------------------------------------------------------------------

    def write(self, rows: object, *, batch_rows: int | None = None) -> WriteResult:
        """Store revisions: ``Row`` Structs, mappings, or a pandas or polars DataFrame.

        Sent in batches of ``batch_rows`` (``gridts.client.writing``), each stored whole or not
        at all; a batch whose answer was lost is sent again (duplicates are counted, not stored
        twice). A refused batch raises its ``ApiError`` with rows counted over all of ``rows``
        and ``written`` saying what the batches before it stored.
        """
        plan = Plan(normalise(rows), batch_rows or self.batch_rows)
        while (batch := plan.next()) is not None:
            try:
                sent = self._attempt(api.write_batch(plan.body(batch)))
            except PayloadTooLargeError as error:
                plan.too_large(batch, error)
                continue
            except ApiError as error:
                raise plan.refused(batch, error) from None
            except TransportError as error:
                error.add_note(f"batch of rows {batch.offset}..{batch.offset + batch.count - 1}")
                raise
            plan.stored(sent.result.inserted, sent.result.duplicates, sent.resent, sent.result.lsn)
        return plan.result

    def latest(
        self,
        start: Instant,
        end: Instant,
        *,
        frame: FrameKind | None = None,
        **options: Unpack[LatestOptions],
    ) -> Any:  # noqa: ANN401 - a DataFrame or Rows[Measure], as ``frame`` says
        """The latest revision of every target in ``[start, end]`` (``collected``: as known then).

        Filters: ``node_id``, ``region_id``, ``grid_id``, ``series_id``, ``kind``, ``subtype``.
        """
        return self._send(api.latest(start, end, self._frame(frame), options))

    def as_of(
        self,
        start: Instant,
        end: Instant,
        collected: Instant,
        *,
        frame: FrameKind | None = None,
        **filters: Unpack[Filters],
    ) -> Any:  # noqa: ANN401
        """Per target, the revision known at ``collected`` (targets unknown then left out)."""
        options = {**filters, "collected": collected}
        return self._send(api.latest(start, end, self._frame(frame), options))

    def revisions(
        self,
        start: Instant,
        end: Instant,
        *,
        frame: FrameKind | None = None,
        **options: Unpack[RevisionOptions],
    ) -> Any:  # noqa: ANN401
        """Every stored revision (``collected_from``/``collected_to`` narrow them)."""
        return self._send(api.revisions(start, end, self._frame(frame), options))

    def horizon(
        self,
        start: Instant,
        end: Instant,
        *,
        frame: FrameKind | None = None,
        **options: Unpack[HorizonOptions],
    ) -> Any:  # noqa: ANN401
        """Per target, what was known ``lead`` before it (or ``issued_before`` the day before)."""
        return self._send(api.horizon(start, end, self._frame(frame), options))

    # --- rollups, accuracy, dashboard ------------------------------------------------------

    def rollups(
        self,
        start: Instant,
        end: Instant,
        level: Level = "node",
        *,
        frame: FrameKind | None = None,
        **options: Unpack[RollupOptions],
    ) -> Any:  # noqa: ANN401
        """Buckets of a level's entities and kinds (parameters: ``RollupOptions``).

        pandas' ``attrs`` and ``Rows.meta`` carry the ``resolution`` and ``source`` used.
        """
        return self._send(api.rollups(start, end, level, self._frame(frame), options))

    def accuracy(
        self,
        start: Instant,
        end: Instant,
        level: Level = "node",
        *,
        frame: FrameKind | None = None,
        **options: Unpack[AccuracyOptions],
    ) -> Any:  # noqa: ANN401
        """Errors by entity and lead: count, bias, MAE, RMSE, MAPE (``AccuracyOptions``)."""
        return self._send(api.accuracy(start, end, level, self._frame(frame), options))

    def dashboard(self) -> dict[str, Any]:
        """Counts, covered ranges, compression and rollup state."""
        return self._send(api.dashboard())

    def ready(self) -> bool:
        """Whether the server and its database answer now (no retry)."""
        try:
            return self._send(api.ready())
        except (ApiError, TransportError):
            return False
