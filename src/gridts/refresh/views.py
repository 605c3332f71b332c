"""The continuous aggregates and how one window of them is refreshed, in hierarchy order.

``refresh_continuous_aggregate`` is a procedure that cannot run in a transaction block, so this
takes an autocommit connection. A view is refreshed only after the view it reads.

Every refresh stays after the retention boundary (``gridts.retention``): a window over raw data
the policy dropped would recompute its buckets from nothing and erase the rollups' history.

How a refresh is run (issue 14: a full refresh of a year, 1,000 nodes, took 120-137 s; it takes
23 s this way, ``bench/README.md``):

- The part of a window that the view's compression policy has already passed is written
  straight into the columnstore (TimescaleDB's ``enable_direct_compress_on_cagg_refresh``):
  no heap rows, no index entries, and nothing left for the policy to compress. The part inside
  the policy's horizon is written to the rowstore as before, where late revisions are cheap to
  refresh again.
- TimescaleDB's chunk-wise partial aggregation is off: a rollup's groups never span two chunks,
  so the partial step sorts and aggregates every row twice for nothing. Hash aggregation is off
  where a view's rows come sorted by its group: it spills, and the columnstore wants the rows
  sorted by segment anyway, so PostgreSQL sorted its output a second time (``series_1h`` over
  60 days of 1,000 nodes: 1.7 s, 0.9 s without). ``region_1h`` keeps it: its groups (region,
  kind, subtype, hour) come from a join, and without hashing it sorted every series' hour first
  (the same 60 days: 1.15-1.19 s sorted, 0.92-0.96 s hashed). It hashes only where the planner
  counts its groups right (statistics on series' kind and subtype, migration 0014), and in the
  memory it is given (``_HASH_WORK_MEM``): half a year at year scale 5.1 s sorted, 3.3 s
  hashed. ``grid_1h`` hashed was faster refreshed again in a settled database (a year: 0.87-0.90
  s against 1.09-1.11), but not in the full refreshes that matter, just after ``region_1h`` is
  written: 1.5-1.9 s in three runs against 1.3-1.5 s sorted. It sorts.
- Given a way to open connections, a long window is split in pieces refreshed ``JOBS`` at a
  time, each worker on its own connection: TimescaleDB refreshes disjoint windows of one
  aggregate concurrently (2.21+). ``series_latest``, the one aggregate over ``measures``, is cut
  at every chunk boundary of its materialisation, so each piece writes one chunk of the
  aggregate, once. With 7-day chunks like ``measures``' own, 60 days of 1,000 nodes took
  1.71-1.93 s against 2.98-3.26 s in two halves (pieces of 7 days not aligned on the chunks:
  2.78-2.95 s; of a day: 6.97 s), and a year 10.1 s against 17.8-20.2 s. Since its chunks are
  narrower (4 days at that scale, ``gridts.db.chunks``), cutting on ``measures``' boundaries
  instead was no faster (13.3 s for the year either way) and wrote each aggregate chunk in two
  pieces, two batches per series (2.19 B per revision against 1.74). Where chunks hold few rows
  (a few series over years), a piece takes several chunks: each call has a fixed cost
  (``_PIECE_ROWS``). ``series_1h`` is cut on its own chunk boundaries the same way: a year in
  4-day chunks took 6.3 s against 8.5-8.8 s in two halves. The views above them stay in two
  halves: each of their calls costs more the more of them there are (``grid_1h`` in nine
  pieces: 1.3 s against 0.15 s). Before a chunk-wise view's pieces run, the chunks they will
  write are created (``gridts.refresh.precreate``): a refresh that creates a chunk holds a
  lock on the view's hypertable to its end, and the piece beside it waited for it.
- A bounded window (a late revision's, the refresher's) over a compressed chunk of
  ``series_latest`` or ``series_1h`` recomputes that chunk whole (``force``), into the
  columnstore. Refreshing only the day that changed, TimescaleDB deleted the day's rows from
  batches that each hold a series' whole run in the chunk: every batch was decompressed into the
  rowstore first, two B-tree entries a row, ~2 us a row (96,000 rows a view at year scale, 0.2 s
  of each view's refresh). A window covering whole batches deletes them as they are (direct
  batch delete) and writes the chunk again compressed: ``series_1h`` then took 0.11-0.14 s
  instead of 0.26-0.35, ``series_latest`` 0.29-0.33 s instead of 0.30-0.44, and the chunk is
  left wholly compressed, with nothing for the policy to compress again. Only chunks of up to
  ``_WHOLE_CHUNK``: a few series' chunks span years and hold many batches per series, and a
  late day decompresses one of them per series, less than the whole chunk would cost. Only
  wholly compressed chunks: a partly compressed one holds rows in the rowstore already, where
  refreshing a day again is cheap. And a chunk at most once per ``Recomputed``'s cool-off:
  late writes that keep coming into one old chunk would otherwise recompute it whole on every
  drain (0.9 s a drain instead of 0.25-0.3 s, measured with the tail phase's writer); refreshed
  the usual way, its batches are decompressed once. The views above are refreshed over the
  day; their chunks are sized for that (``gridts.db.chunks.ROLLUP_DECOMPRESSED_ROWS``).
"""

from __future__ import annotations

import itertools
import queue
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql
from psycopg.errors import InternalError_, LockNotAvailable

from gridts.db.queries import query
from gridts.refresh.precreate import chunk_starts, create_chunks, holding, materialization
from gridts.retention import refresh_floor

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from psycopg import Connection

#: Every continuous aggregate, each after the one it is built on.
ROLLUPS: tuple[str, ...] = ("series_latest", "series_1h", "region_1h", "grid_1h")
#: The one aggregate that reads ``measures``; the others read an aggregate below them, which
#: keeps its history when raw chunks are dropped.
_ON_RAW = "series_latest"
_HOUR = timedelta(hours=1)
#: The views refreshed in pieces cut on their chunk boundaries (the docstring says why).
_CHUNKWISE = frozenset({_ON_RAW, "series_1h"})
#: The views whose compressed chunks a bounded window refreshes whole (the docstring says why).
WHOLE_CHUNKS = _CHUNKWISE

# One pass per view: by default a manual refresh commits every 10 buckets, and with
# series_latest's one-second buckets that turns a day into 8,640 transactions (seconds, not ms).
_REFRESH = sql.SQL(
    "CALL refresh_continuous_aggregate({view}, %s::timestamptz, %s::timestamptz, force => %s, "
    "options => '{{\"buckets_per_batch\": 0}}')"
)
_DAY = timedelta(days=1)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
#: Where TimescaleDB aligns chunks of a fixed interval.
_UNIX = datetime(1970, 1, 1, tzinfo=UTC)
_SETTINGS = sql.SQL(
    "SET timescaledb.enable_chunkwise_aggregation = off; SET enable_hashagg = {hashed}; "
    "SET work_mem = {work_mem}; "
    "SET timescaledb.enable_direct_compress_on_cagg_refresh = {compressed}"
)
#: The views whose refresh aggregates by hashing (the module's docstring says why).
_HASHED = frozenset({"region_1h"})
#: Their refresh's ``work_mem``. A hash table may take ``hash_mem_multiplier`` (2) times it,
#: and spills to disk past that: half a year of region_1h at year scale (100 regions, 434,400
#: groups) hashes in 131 MB, so it spills a little, and took 3.3 s against 4.4 s with 4 MB
#: (5.1 s sorted; 128 MB: 3.4 s). Two pieces side by side take twice that.
_HASH_WORK_MEM = sql.Literal("64MB")
_RESET = (
    "RESET timescaledb.enable_chunkwise_aggregation; RESET enable_hashagg; RESET work_mem; "
    "RESET timescaledb.enable_direct_compress_on_cagg_refresh"
)
#: Workers refreshing pieces side by side when the caller can open connections: one per core.
JOBS = 2
#: A window cut in ``JOBS`` parts is split only if each would hold at least this many days.
_MIN_PIECE = timedelta(days=1)
#: Revisions a piece of ``series_latest`` should hold at least: each refresh call has a fixed
#: cost (~8 ms), which a few series' years in 7-day chunks (400 of them) would pay 400 times.
#: Counted in one chunk of the window, up to this many (``refresh/sample.sql``).
_PIECE_ROWS = 200_000
#: And at most this many pieces, whatever the count said.
_MAX_PIECES = 64
#: The longest compressed chunk of a ``_CHUNKWISE`` view that a bounded window refreshes whole
#: (the module's docstring says why): each series' run in it is one batch (4,000 rows hold 166
#: days of an hourly series, 41 of a 15-minute one). Such chunks are narrow because the view
#: holds many series (``gridts.db.chunks``); a few series' chunks are long, and a late day then
#: decompresses one batch per series, less than recomputing the chunk.
_WHOLE_CHUNK = timedelta(days=14)

# A refresh policy (TimescaleDB's background job) may be refreshing the same view; TimescaleDB
# then refuses a second refresh with LockNotAvailable instead of waiting. Waiting for it and
# trying again is what a caller wants: the job finishes in seconds. The refusal is immediate, so
# trying often costs nothing, and a late revision then lands within a tenth of a second of the
# job's end (a doubling backoff lost up to half the wait: 4-8 s after a job of a few seconds).
_RETRY_SECONDS = (0.1,) * 20 + (0.25,) * 40 + (1.0,) * 48  # 2 s, then 10 s, then 48 s: 60 s

# Pieces of one view refreshed side by side can race inside TimescaleDB (2.28.3) over the rows of
# its invalidation logs: one refresh deletes or rewrites a log row that the other is about to,
# and the loser fails with PostgreSQL's "tuple concurrently deleted" (or "updated"). Seen once in
# this project's CI (tests/system/test_rollup_views.py), not reproduced on demand. A refresh
# can be run again (its window is recomputed whole), so the piece is, a few times.
_RACES = 3


def _raced(error: InternalError_) -> bool:
    """Whether ``error`` is that race's, not another internal error."""
    return str(error).startswith(("tuple concurrently deleted", "tuple concurrently updated"))


def day_window(first: datetime, last: datetime) -> tuple[datetime, datetime]:
    """Widen ``[first, last]`` to whole UTC days, the coarsest bucket of any rollup.

    A refresh only recomputes buckets wholly inside its window, so the window must cover every
    bucket that ``[first, last]`` touches at every level.
    """
    start = _EPOCH + ((first - _EPOCH) // _DAY) * _DAY
    end = _EPOCH + ((last - _EPOCH) // _DAY + 1) * _DAY
    return start, end


def _clipped(view: str, start: datetime | None, floor: datetime | None) -> datetime | None:
    """``start``, moved up to ``floor`` (the retention boundary) if it lies before it.

    An hourly view may start at the boundary's hour: it reads the aggregate below it, whose
    buckets before the boundary are kept, so the hour the boundary cuts is recomputed whole.
    """
    if floor is None:
        return start
    if view != _ON_RAW:
        floor = _EPOCH + ((floor - _EPOCH) // _HOUR) * _HOUR
    return floor if start is None else max(start, floor)


@dataclass
class Refreshed:
    """What ``refresh_all`` did: seconds per view refreshed, and of them waiting for policies."""

    seconds: dict[str, float] = field(default_factory=dict)
    waited: float = 0.0
    """Seconds spent waiting for a refresh policy (TimescaleDB's job) that held a view."""


@dataclass(frozen=True)
class _Piece:
    """One refresh call: a view over ``[start, end)`` (``None``: unbounded)."""

    view: str
    start: datetime | None
    end: datetime | None
    compressed: bool
    """The view's compression policy has passed the whole piece: write it compressed."""
    force: bool = False
    """Recompute the whole piece, invalidated or not: a compressed chunk of the view, whole."""


def _pieces(
    view: str,
    start: datetime | None,
    end: datetime | None,
    *,
    compressed_before: datetime | None,
    bounds: tuple[datetime, datetime] | None,
    jobs: int,
    chunk: timedelta | None = None,
    per_piece: int = 1,
    raw: Sequence[tuple[datetime, datetime]] = (),
) -> list[_Piece]:
    """``[start, end)`` as pieces: split at the compression horizon, then for ``jobs`` workers.

    With ``chunk`` (the view's chunk interval, a whole number of hours) the window is cut on
    chunk boundaries, every ``per_piece`` chunks (more if that would make over ``_MAX_PIECES``
    pieces); else into ``jobs`` day-aligned parts. ``bounds`` (the days holding
    raw data) stand in for an unbounded side when splitting; a piece at either end stays
    unbounded, so nothing outside ``bounds`` is left out. Given ``raw`` (the ranges of
    ``measures``' chunks), only the boundaries beside one are cut: a gap of years between them
    (a stray row years ahead) is one piece, not most of the ``_MAX_PIECES``.
    """
    cuts: list[datetime] = []
    if (
        compressed_before is not None
        and (start is None or start < compressed_before)
        and (end is None or compressed_before < end)
    ):
        cuts.append(compressed_before)
    span = _span(start, end, bounds)
    if jobs > 1 and span is not None:
        lo, hi = span
        if chunk is not None and chunk % _HOUR == timedelta(0) and chunk > timedelta(0) and raw:
            beside = _beside(raw, lo, hi, chunk)
            cuts += beside[:: max(per_piece, -(-len(beside) // _MAX_PIECES))]
        elif chunk is not None and chunk % _HOUR == timedelta(0) and chunk > timedelta(0):
            first = _UNIX + ((lo - _UNIX) // chunk + 1) * chunk
            chunks = max(0, -(-(hi - first) // chunk))
            step = chunk * max(per_piece, -(-chunks // _MAX_PIECES))
            edge = first
            while edge < hi:
                cuts.append(edge)
                if step >= hi - edge:  # the last cut (a wide chunk's step may pass year 9999)
                    break
                edge += step
        else:
            days = (hi - lo) // _DAY
            if days * _DAY >= _MIN_PIECE * jobs:
                step = -(-days // jobs) * _DAY
                cuts.extend(lo + step * i for i in range(1, jobs) if lo + step * i < hi)
    edges = [start, *sorted(set(cuts)), end]
    return [
        _Piece(
            view,
            lo_,
            hi_,
            compressed_before is not None and hi_ is not None and hi_ <= compressed_before,
        )
        for lo_, hi_ in itertools.pairwise(edges)
        if lo_ is None or hi_ is None or lo_ < hi_
    ]


def _beside(
    raw: Sequence[tuple[datetime, datetime]], lo: datetime, hi: datetime, chunk: timedelta
) -> list[datetime]:
    """The chunk boundaries in ``(lo, hi)`` with a chunk on either side that overlaps ``raw``."""
    edges: set[datetime] = set()
    for start in holding(chunk_starts(lo, hi, chunk), chunk, raw):
        if start > lo:
            edges.add(start)
        if hi - start > chunk:  # not past year 9999 either
            edges.add(start + chunk)
    return sorted(edges)


def _refresh(conn: Connection, piece: _Piece) -> float:
    """Refresh one piece on ``conn``; return the seconds spent waiting for a refresh policy."""
    waited = 0.0
    races = 0
    conn.execute(
        _SETTINGS.format(
            hashed=sql.SQL("on" if piece.view in _HASHED else "off"),
            work_mem=_HASH_WORK_MEM if piece.view in _HASHED else sql.SQL("DEFAULT"),
            compressed=sql.SQL("on" if piece.compressed else "off"),
        )
    )
    try:
        for pause in (*_RETRY_SECONDS, None):
            try:
                conn.execute(
                    _REFRESH.format(view=sql.Literal(piece.view)),
                    (piece.start, piece.end, piece.force),
                )
                break
            except LockNotAvailable:
                if pause is None:
                    raise
                time.sleep(pause)
                waited += pause
            except InternalError_ as error:
                races += 1
                if pause is None or races > _RACES or not _raced(error):
                    raise
                time.sleep(pause)
    finally:
        if not conn.broken:  # else the error that broke it is what the caller must see
            conn.execute(_RESET)
    return waited


@dataclass(frozen=True)
class _Plan:
    """What ``refresh_all`` reads once, and every view's pieces follow."""

    floor: datetime | None
    """The retention boundary (``gridts.retention``)."""
    horizons: dict[str, datetime]
    """Per view, the instant before which its compression policy has compressed."""
    jobs: int
    bounds: tuple[datetime, datetime] | None
    chunks: dict[str, timedelta]
    """Per ``_CHUNKWISE`` view, its chunk interval, for a window cut on its chunks."""
    per_piece: int
    raw: list[tuple[datetime, datetime]]
    """The ranges of ``measures``' chunks, when the window is cut on chunks: where rollup chunks
    are created before the pieces (``gridts.refresh.precreate``)."""
    compressed: dict[str, list[tuple[datetime, datetime]]]
    """Per ``_CHUNKWISE`` view, its compressed chunks refreshed whole (``_compressed_chunks``)."""

    def pieces(self, view: str, start: datetime | None, end: datetime | None) -> list[_Piece]:
        """``[start, end)`` of ``view`` as refresh calls, its compressed chunks whole."""
        pieces: list[_Piece] = []
        for lo, hi, whole in _around(start, end, self.compressed.get(view, [])):
            if not whole:
                pieces += _pieces(
                    view,
                    lo,
                    hi,
                    compressed_before=self.horizons.get(view),
                    bounds=self.bounds,
                    jobs=self.jobs,
                    chunk=self.chunks.get(view),
                    per_piece=self.per_piece,
                    raw=self.raw,
                )
                continue
            since = _clipped(view, lo, self.floor)  # never below the retention boundary
            if since is not None and hi is not None and since < hi:
                pieces.append(_Piece(view, since, hi, compressed=True, force=True))
        return pieces


class Recomputed:
    """The compressed chunks that one process's refreshes recomputed whole, and when.

    A chunk recomputed whole is left wholly compressed, each series' run in it one batch, so a
    second late window there would be recomputed whole again, every drain while late writes
    keep coming (a backfill, or a source correcting an old day batch by batch). Refreshed the
    usual way, its batches are decompressed once and the windows after that are cheap. So a
    chunk is recomputed whole at most once per ``cool_off`` seconds; the refresher keeps one of
    these for its life (``gridts.refresh.worker``).
    """

    def __init__(self, cool_off: float = 600.0) -> None:
        self._cool_off = cool_off
        self._at: dict[tuple[str, datetime], float] = {}

    def due(self, view: str, start: datetime) -> bool:
        """Whether the chunk of ``view`` starting at ``start`` may be recomputed whole now."""
        at = self._at.get((view, start))
        return at is None or time.monotonic() - at >= self._cool_off

    def mark(self, view: str, start: datetime) -> None:
        """Note that the chunk of ``view`` starting at ``start`` is being recomputed whole."""
        now = time.monotonic()
        self._at = {key: at for key, at in self._at.items() if now - at < self._cool_off}
        self._at[(view, start)] = now


def _plan(
    conn: Connection,
    start: datetime | None,
    end: datetime | None,
    jobs: int,
    recomputed: Recomputed,
) -> _Plan:
    """Read what ``refresh_all`` needs to cut ``[start, end)`` into pieces for ``jobs``."""
    bounds = None
    chunks: dict[str, timedelta] = {}
    per_piece = 1
    raw: list[tuple[datetime, datetime]] = []
    if jobs > 1:
        row = conn.execute(query("refresh", "bounds")).fetchone()
        bounds = (row[0], row[1]) if row is not None and row[0] is not None else None
        span = _span(start, end, bounds)
        if span is not None and span[1] - span[0] >= _MIN_PIECE * jobs:  # not a late day's
            raw = [(lo, hi) for lo, hi in conn.execute(query("refresh", "raw_chunks")).fetchall()]
            chunks, per_piece = _chunking(conn, span, raw)
    return _Plan(
        floor=refresh_floor(conn),
        horizons=dict(conn.execute(query("refresh", "compressed_before")).fetchall()),
        jobs=jobs,
        bounds=bounds,
        chunks=chunks,
        per_piece=per_piece,
        raw=raw,
        compressed=(
            _compressed_chunks(conn, start, end, recomputed)
            if start is not None and end is not None
            else {}
        ),
    )


def refresh_all(
    conn: Connection,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    connect: Callable[[], Connection] | None = None,
    recomputed: Recomputed | None = None,
) -> Refreshed:
    """Refresh every rollup over ``[start, end)`` on autocommit ``conn``; ``None``: unbounded.

    The window is clipped to the retention boundary (views with nothing left to refresh are
    skipped). With ``connect`` (a new autocommit connection per call), a window of weeks is
    refreshed in ``JOBS`` pieces at once, each on its own connection, after the hierarchy's
    tables are analyzed (``sql/queries/refresh/analyze.sql`` says why). ``recomputed``: the
    chunks the caller's earlier calls recomputed whole (none when not given).
    """
    done = Refreshed()
    jobs = JOBS if connect is not None else 1
    plan = _plan(conn, start, end, jobs, recomputed or Recomputed())
    if plan.chunks:  # a wide window, in pieces: plan them with the hierarchy's statistics
        conn.execute(query("refresh", "analyze"))
    for view in ROLLUPS:
        since = _clipped(view, start, plan.floor)
        if since is not None and end is not None and since >= end:
            continue
        started = time.perf_counter()
        pieces = plan.pieces(view, since, end)
        if connect is None or len(pieces) == 1:
            for piece in pieces:
                done.waited += _refresh(conn, piece)
        else:
            _create_chunks(conn, plan, view, since, end)
            done.waited += sum(_side_by_side(connect, pieces, jobs))
        done.seconds[view] = time.perf_counter() - started
    return done


def _compressed_chunks(
    conn: Connection, start: datetime, end: datetime, recomputed: Recomputed
) -> dict[str, list[tuple[datetime, datetime]]]:
    """The compressed chunks over ``[start, end)`` of the views refreshed whole chunks at a time.

    Per view, in order: chunks no longer than ``_WHOLE_CHUNK``, whose batches each hold a
    series' whole run in the chunk (the module's docstring says why), when the window starts
    below the view's watermark: above it, nothing materialised is deleted, so nothing is
    decompressed (the next hour's refresh). Only wholly compressed chunks that ``recomputed``
    says are due; they are noted there.
    """
    found: dict[str, list[tuple[datetime, datetime]]] = {}
    rows = conn.execute(
        query("refresh", "compressed_chunks"),
        {"views": sorted(WHOLE_CHUNKS), "start": start, "end": end},
    ).fetchall()
    for view, lo, hi in rows:
        if hi - lo <= _WHOLE_CHUNK and recomputed.due(view, lo):
            recomputed.mark(view, lo)
            found.setdefault(view, []).append((lo, hi))
    return found


def _around(
    start: datetime | None, end: datetime | None, chunks: list[tuple[datetime, datetime]]
) -> list[tuple[datetime | None, datetime | None, bool]]:
    """``[start, end)`` widened to the ``chunks`` it overlaps, as parts: ``(lo, hi, whole)``.

    ``whole`` parts are those chunks, the others what lies between them, in order.
    """
    parts: list[tuple[datetime | None, datetime | None, bool]] = []
    edge = start
    for lo, hi in chunks:
        if (start is not None and hi <= start) or (end is not None and lo >= end):
            continue  # outside the window (clipped at the retention boundary since it was read)
        if edge is None or edge < lo:
            parts.append((edge, lo, False))
        parts.append((lo, hi, True))
        edge = hi
    if end is None or edge is None or edge < end:
        parts.append((edge, end, False))
    return parts


def _span(
    start: datetime | None, end: datetime | None, bounds: tuple[datetime, datetime] | None
) -> tuple[datetime, datetime] | None:
    """The part of ``[start, end)`` that holds raw data (``bounds``), None if unknown."""
    if bounds is None:
        return None
    lo = max(start, bounds[0]) if start is not None else bounds[0]
    hi = min(end, bounds[1]) if end is not None else bounds[1]
    return lo, hi


def _chunking(
    conn: Connection, span: tuple[datetime, datetime], raw: list[tuple[datetime, datetime]]
) -> tuple[dict[str, timedelta], int]:
    """The chunk interval of each view refreshed chunk-wise, and how many chunks a piece takes.

    A piece should hold ``_PIECE_ROWS`` revisions: they are counted (up to that many) in the
    ``series_latest`` chunk at the middle one of ``measures``' chunks in the span (``raw``),
    or at the span's middle without any: not the span's middle always, which a stray row years
    ahead puts where nothing is stored.
    """
    chunks: dict[str, timedelta] = {}
    for view in _CHUNKWISE:
        row = conn.execute(query("refresh", "chunk_interval"), {"view": view}).fetchone()
        if row is not None and row[0] is not None and row[0] > timedelta(0):
            chunks[view] = row[0]
    chunk = chunks.get(_ON_RAW)
    if chunk is None:
        return chunks, 1
    lo, hi = span
    inside = [first for first, last in raw if last > lo and first < hi]
    at = max(inside[len(inside) // 2], lo) if inside else lo + (hi - lo) / 2
    middle = _UNIX + ((at - _UNIX) // chunk) * chunk
    counted = conn.execute(
        query("refresh", "sample"), {"start": middle, "end": middle + chunk, "cap": _PIECE_ROWS}
    ).fetchone()
    rows = counted[0] if counted is not None else 0
    return chunks, max(1, -(-_PIECE_ROWS // max(rows, 1)))


def connector(url: str) -> Callable[[], Connection]:
    """``refresh_all``'s ``connect`` for the database at ``url``: a new autocommit connection."""

    def connect() -> Connection:
        return psycopg.connect(url, autocommit=True)

    return connect


def _create_chunks(
    conn: Connection, plan: _Plan, view: str, start: datetime | None, end: datetime | None
) -> None:
    """Create the chunks the pieces of a chunk-wise ``view`` over ``[start, end)`` will write.

    Before they run (``gridts.refresh.precreate``), on ``conn``. Not in the pieces' own
    workers: a chunk compressed while the other worker's refresh plans its ``DELETE`` over
    every chunk deadlocks with it.
    """
    span = _span(start, end, plan.bounds)
    interval = plan.chunks.get(view)
    target = materialization(conn, view) if interval is not None else None
    if span is not None and interval is not None and target is not None:
        create_chunks(conn, target, span, interval, plan.horizons.get(view), raw=plan.raw)


def _side_by_side(
    connect: Callable[[], Connection], pieces: list[_Piece], jobs: int
) -> list[float]:
    """Refresh ``pieces`` (disjoint windows of one view), in order, on ``jobs`` connections."""
    todo: queue.SimpleQueue[_Piece] = queue.SimpleQueue()
    for piece in pieces:
        todo.put(piece)

    def work(_: int) -> float:
        waited = 0.0
        with connect() as conn:
            while True:
                try:
                    piece = todo.get_nowait()
                except queue.Empty:
                    return waited
                waited += _refresh(conn, piece)

    workers = min(jobs, len(pieces))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gridts-refresh") as pool:
        return list(pool.map(work, range(workers)))
