"""Chunk intervals that follow the data's density, chosen by gridts (issue 14).

Every chunk carries fixed costs whatever it holds (heap and TOAST files, their free-space and
visibility maps, the compressed chunk's index): about 30-40 kB. Hourly data from a few series
fills a 7-day chunk with a few thousand rows, and then those costs, not the values, decide the
bytes per row (51 with the best layout, against 4 in year-long chunks; ``bench/README.md``,
"Storage layout choices"). So ``fit`` measures how many rows a day each hypertable receives
(``measures`` and the rollups' materialisations: the median day with data of its last weeks, which
a stray row far ahead or a sparse tail leaves alone, ``density.sql``), gives new chunks the
interval that holds about ``TARGET_ROWS`` (``ROLLUP_TARGET_ROWS`` for a rollup), and merges the
closed chunks already stored into windows of that width.

``gridts migrate`` runs it, so an operator re-fits by running ``gridts migrate`` again, e.g.
after adding many series: new chunks then get the narrower interval at once. Before
``MIN_HISTORY`` of data exists, a first trickle says little about what will come, so new chunks
get the narrowest interval: a later fit widens it and merges what was stored, but chunks are
never split. A continuous aggregate's materialisation starts at ten times its source's interval
(70 days), and a late revision refreshed into such a compressed chunk decompresses 70 days of
every series (``bench/README.md``, "Full refresh").

``gridts migrate`` fits before and after it refreshes. Before, the rollups are empty (a new
database, or rebuilt by a migration) while ``measures`` may already hold years: an empty
rollup then gets the interval for the targets a day of ``measures`` holds (``targets.sql``),
which is what ``series_latest`` will hold and at least what every other rollup, aggregating
it, will. Filling narrow chunks and merging them afterwards cost 16 s of a 1.1 M-row history's
migration, against 1.6 s (``bench/README.md``, "Rollup chunks chosen before the refresh"). The
fit after the refresh measures the rollups themselves and widens the sparser ones.

The interval never exceeds ``LONGEST`` and leaves ``MIN_CHUNKS`` chunks inside the retention.
``measures``' never falls below ``GRIDTS_CHUNK_INTERVAL`` (the narrowest, 7 days by default). A
rollup's, once measured or expected, may go down to ``ROLLUP_NARROWEST``: what bounds a late
revision's refresh is the rows a rollup chunk holds, not its width, and a thousand hourly series
put more in 7 days than that bound allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from psycopg import sql

from gridts.db.queries import query
from gridts.refresh.views import WHOLE_CHUNKS
from gridts.retention import MIN_CHUNKS

if TYPE_CHECKING:
    import psycopg

#: Rows a chunk should hold: compressed, ~100k rows make the fixed costs small; a year preset's
#: 7-day chunk holds 672k.
TARGET_ROWS = 250_000
#: Rows a late revision's refresh may decompress in one rollup. Refreshing a day into a
#: compressed rollup chunk decompresses every batch the day falls in, and a batch holds a
#: segment's whole run in the chunk, up to the batch limit (4,000 rows since migration 0011):
#: ``min(the chunk's rows, segments x the limit)`` rows. A rollup with more segments than that
#: allows gets chunks of this many rows instead of ``TARGET_ROWS``. At year scale (1,000 hourly
#: series: 4-day chunks) the refresh then took 0.77-0.96 s instead of 1.43, for 8.5 B per
#: revision instead of 6.8 (``bench/README.md``, "Rollup chunks narrower than measures'").
ROLLUP_TARGET_ROWS = 100_000
#: The same bound for the rollups above the per-series ones (``region_1h``, ``grid_1h``). A
#: late window recomputes a compressed chunk of a per-series rollup whole
#: (``gridts.refresh.views``): its batches are dropped, not decompressed, so its chunk's rows
#: bound the recomputation, ~3 us a row of ``series_latest``. The rollups above are refreshed a
#: day at a time: each decompresses its batches into the rowstore, ~2.2 us a row (heap, two
#: B-tree entries, WAL). With 100,000 rows, ``region_1h``'s 42-day chunks of 100 regions made
#: that 0.2-0.3 s of a late revision's refresh at year scale; with 25,000, 10-day chunks.
ROLLUP_DECOMPRESSED_ROWS = 25_000
#: The narrowest chunk of a measured rollup. ``GRIDTS_CHUNK_INTERVAL`` (7 days) bounds
#: ``measures``' chunks; held to it, the per-series rollups of 1,000 hourly series got 168,000
#: rows a chunk, and a late day's refresh took 0.87-1.09 s.
ROLLUP_NARROWEST = timedelta(days=1)
#: The widest chunk gridts chooses: two years of a few series' hourly data.
LONGEST = timedelta(days=730)
#: Days of data before the density is trusted, and the window it is measured over.
MIN_HISTORY = timedelta(days=28)
#: How far ahead of now the window may end: data further ahead is too sparse to measure by
#: (``sql/queries/chunks/density.sql``).
AHEAD = timedelta(days=7)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Fitted:
    """What ``fit`` did to one hypertable."""

    relation: str
    rows_per_day: float
    interval: timedelta
    merged: int
    """Chunks merged into others."""
    measured: bool = True
    """False: less than ``MIN_HISTORY`` of data, so the narrowest interval."""
    expected: bool = False
    """True: an empty rollup's interval, from the targets a day of ``measures`` holds."""

    def line(self) -> str:
        """One line for ``gridts migrate``'s output."""
        merged = f", {self.merged} chunk(s) merged" if self.merged else ""
        if self.expected:
            return (
                f"chunks: {self.relation} {self.interval.days} days (empty: up to "
                f"{self.rows_per_day:,.0f} rows/day expected)"
            )
        if not self.measured:
            return (
                f"chunks: {self.relation} {self.interval.days} days (the narrowest: less than "
                f"{MIN_HISTORY.days} days of data)"
            )
        return (
            f"chunks: {self.relation} {self.interval.days} days "
            f"({self.rows_per_day:,.0f} rows/day){merged}"
        )


def choose(
    rows_per_day: float,
    narrowest: timedelta,
    retention: timedelta | None,
    target: int | None = None,
) -> timedelta:
    """Whole days holding about ``target`` rows (``TARGET_ROWS``), within the bounds above."""
    target = target or TARGET_ROWS
    days = min(target / rows_per_day, LONGEST.days) if rows_per_day > 0 else LONGEST.days
    chosen = timedelta(days=max(round(days), 1))
    if retention is not None:
        chosen = min(chosen, retention / MIN_CHUNKS)
    return max(narrowest, chosen)


def fit(
    conn: psycopg.Connection, narrowest: timedelta, retention: timedelta | None
) -> list[Fitted]:
    """Fit every hypertable's chunk interval on autocommit ``conn`` (as the schema's owner)."""
    done = []
    targets: _Targets | None = None  # once measures has a history to read them from
    batch = _batch_limit(conn)
    for schema, name, column, interval, relation, rollup in conn.execute(
        query("chunks", "hypertables")
    ).fetchall():
        table = sql.Identifier(schema, name)
        row = conn.execute(
            query("chunks", "density").format(table=table, column=sql.Identifier(column)),
            {"window": MIN_HISTORY, "ahead": AHEAD},
        ).fetchone()
        if row is None or row[1] is None or row[1] < MIN_HISTORY.days:
            if rollup and targets is not None:
                rows = ROLLUP_TARGET_ROWS
                if targets.series is not None:
                    rows = rollup_rows(targets.series, batch)
                chosen = choose(targets.per_day, _floor(narrowest), retention, rows)
                if chosen != interval:
                    _set_interval(conn, relation, chosen)
                done.append(
                    Fitted(relation, targets.per_day, chosen, 0, measured=False, expected=True)
                )
            elif interval > narrowest:  # a rollup's default: ten times its source's interval
                _set_interval(conn, relation, narrowest)
                done.append(Fitted(relation, (row and row[0]) or 0.0, narrowest, 0, measured=False))
            continue
        if rollup:
            bound = ROLLUP_TARGET_ROWS if rollup in WHOLE_CHUNKS else ROLLUP_DECOMPRESSED_ROWS
            rows = rollup_rows(_segments(conn, schema, name, column, row[2]), batch, bound)
        else:  # measures (listed first): its newest full day shows the targets a day
            targets = _targets(conn, row[0], row[2])
            rows = TARGET_ROWS
        chosen = choose(row[0], _floor(narrowest) if rollup else narrowest, retention, rows)
        if chosen != interval:
            _set_interval(conn, relation, chosen)
        merged = _merge(conn, schema, name, chosen)
        done.append(Fitted(relation, row[0], chosen, merged))
    return done


def _floor(narrowest: timedelta) -> timedelta:
    """A measured rollup's narrowest interval: ``ROLLUP_NARROWEST`` at most."""
    return min(narrowest, ROLLUP_NARROWEST)


def rollup_rows(segments: int, batch: int, bound: int | None = None) -> int:
    """Rows a rollup's chunk should hold, for ``segments`` segments and batches of ``batch``.

    ``bound`` (the rows a late day may cost the rollup), unless so few segments keep a late
    day's decompression (a batch of each, at most) under it whatever the chunk's length: then
    ``TARGET_ROWS``. An empty rollup's chunks are chosen with ``ROLLUP_TARGET_ROWS`` whatever
    the rollup: its rows a day are only expected, from ``series_latest``'s, which the rollups
    above it hold far fewer of; the fit after the refresh measures them and merges.
    """
    bound = ROLLUP_TARGET_ROWS if bound is None else bound
    return TARGET_ROWS if segments * batch <= bound else bound


def _batch_limit(conn: psycopg.Connection) -> int:
    """The most rows a compressed batch holds in this database (0011 sets it)."""
    row = conn.execute(
        "SELECT current_setting('timescaledb.compression_batch_size_limit')"
    ).fetchone()
    return int(row[0]) if row else 1_000


def _segments(
    conn: psycopg.Connection, schema: str, name: str, column: str, newest: datetime
) -> int:
    """Distinct segments of a hypertable over its last ``MIN_HISTORY``.

    Its ``compress_segmentby`` values; 1 when it is not segmented.
    """
    columns = [
        sql.Identifier(c)
        for (c,) in conn.execute(
            query("chunks", "segmentby"), {"schema": schema, "name": name}
        ).fetchall()
    ]
    if not columns:
        return 1
    row = conn.execute(
        query("chunks", "segments").format(
            segments=sql.SQL(", ").join(columns),
            table=sql.Identifier(schema, name),
            column=sql.Identifier(column),
        ),
        {"newest": newest, "window": MIN_HISTORY},
    ).fetchone()
    return int(row[0]) if row else 1


def _set_interval(conn: psycopg.Connection, relation: str, interval: timedelta) -> None:
    conn.execute("SELECT set_chunk_time_interval(%s::regclass, %s::interval)", (relation, interval))


@dataclass(frozen=True)
class _Targets:
    """What a day of ``measures`` says of the rollups a refresh will fill."""

    per_day: float
    """Distinct (series, target) pairs a day: ``series_latest``'s rows, and at most any other's."""
    series: int | None
    """Series seen that day: at least as many as any rollup's segments (None: unknown)."""


def _targets(conn: psycopg.Connection, rows_per_day: float, newest: datetime) -> _Targets:
    """The targets a day in ``measures``, and its series.

    Its ``rows_per_day`` times the share of targets among the revisions of the UTC day before
    ``newest``'s (the density's anchor: ``sql/queries/chunks/density.sql``): scaling the measured
    density by that day's share keeps a gap in that day out of the estimate. With no revision that
    day, the revisions themselves stand in and the series are unknown: both lead to narrower
    chunks, which a later fit can widen, where wider ones could not be split.
    """
    day = _EPOCH + ((newest - _EPOCH) // timedelta(days=1)) * timedelta(days=1)
    row = conn.execute(
        query("chunks", "targets"), {"start": day - timedelta(days=1), "end": day}
    ).fetchone()
    if row is None or not row[0]:
        return _Targets(rows_per_day, None)
    revisions, targets, series = row
    return _Targets(float(rows_per_day * targets / revisions), int(series))


def _merge(conn: psycopg.Connection, schema: str, name: str, interval: timedelta) -> int:
    """Merge runs of adjacent closed chunks that start in the same ``interval``-wide window.

    Merged chunks are compressed again whole when any part was compressed: merging only
    concatenates compressed batches, and the codecs gain from long runs.
    """
    chunks = conn.execute(query("chunks", "closed"), {"schema": schema, "name": name}).fetchall()
    runs: list[list[tuple[str, datetime, bool]]] = []
    window = end = None
    for chunk, start, stop, compressed in chunks:
        this = (start - _EPOCH) // interval
        if runs and this == window and start == end:
            runs[-1].append((chunk, start, compressed))
        else:
            runs.append([(chunk, start, compressed)])
        window, end = this, stop
    merged = 0
    for run in runs:
        if len(run) == 1:
            continue
        with conn.transaction():
            for chunk, _, compressed in run:
                if compressed:
                    conn.execute("SELECT decompress_chunk(%s::regclass)", (str(chunk),))
            conn.execute("CALL merge_chunks(%s::regclass[])", ([str(c) for c, _, _ in run],))
            if any(compressed for _, _, compressed in run):
                at = {"schema": schema, "name": name, "at": run[0][1]}
                row = conn.execute(query("chunks", "containing"), at).fetchone()
                if row is not None:
                    conn.execute("SELECT compress_chunk(%s::regclass)", (row[0],))
        merged += len(run) - 1
    return merged
