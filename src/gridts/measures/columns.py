"""A big read's rows as columns: packed by PostgreSQL per series, written column-wise.

Why: the latest values of 1,000 nodes over 30 days (720,000 rows) cost the worker ~0.9 s of CPU
as one Python tuple, five Python values and one ``Measure`` Struct per row before msgspec wrote
them (``bench/README.md``, "The big read's CPU, measured again"). A big read now takes one row
per series from ``sql/queries/measures/packed.sql``: its revisions as fixed 26-byte records
(``RECORD``), which numpy reads in place. ``gridts.formats.columns`` writes their JSON and CSV
text, and pyarrow makes their Arrow batches from the arrays. The answers are those the
``Measure`` Structs gave (``tests/api/test_measures_columns.py``).

The records come in the order of the series' subquery (target, then collection time): an
aggregate takes its input in the order a subquery gives it, which PostgreSQL does but does not
promise, so ``MeasureColumns.of`` checks the order and sorts a series whose records are not.

A ``MeasureColumns`` is also a ``Sequence[Measure]``, built row by row, for anything else that
meets one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, overload

import msgspec
import numpy as np
import pyarrow as pa

from gridts.db import split
from gridts.db.chunked import ChunkedCursor
from gridts.db.lease import Streamed, lease_of
from gridts.errors import AnswerTooLargeError
from gridts.formats import encoders
from gridts.formats.columns import (
    JSON_FLOATS,
    REPR_FLOATS,
    FloatText,
    between,
    decimal_parts,
    decimals,
    instants,
    join,
    take,
)
from gridts.instants import POSTGRES_EPOCH, from_postgres
from gridts.measures.schemas import Measure
from gridts.observability import SPLIT_READS
from gridts.quality import BY_CODE
from gridts.reads.rows import limited

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Mapping

    from numpy.typing import NDArray
    from psycopg import AsyncConnection, sql

    from gridts.db.lease import Lease
    from gridts.reads.rows import Head

#: One revision as ``packed.sql`` writes it: PostgreSQL's binary send formats, big-endian.
#: ``flags`` is the quality code, plus ``NULL_FLAG`` when the value is null (stored as 0).
RECORD = np.dtype([("measured", ">i8"), ("collected", ">i8"), ("units", ">i8"), ("flags", ">i2")])
NULL_FLAG = 256
_MEASURED = b',"timestamp_measured":"'
_COLLECTED = '","timestamp_collected":"'
_VALUE = '","value":'


#: The quality flags by code, as every format writes them.
_QUALITY_NAMES = [BY_CODE[code].value for code in sorted(BY_CODE)]
_QUALITY = pa.array(_QUALITY_NAMES)
#: A JSON row's end after its value, by quality code (with the comma before the next row).
_JSON_ENDS = pa.array(
    ["," + msgspec.json.encode({"quality": name}).decode()[1:] + "," for name in _QUALITY_NAMES]
)
#: A CSV line's end after its value, by quality code.
_CSV_ENDS = pa.array([f",{name}\r\n" for name in _QUALITY_NAMES])


@dataclass(frozen=True)
class _Layout:
    """How a text format writes a row after its series' head."""

    after_measured: str
    after_collected: str
    floats: FloatText
    ends: pa.StringArray
    """By quality code: what follows the value, to the end of the row."""


_JSON = _Layout(_COLLECTED, _VALUE, JSON_FLOATS, _JSON_ENDS)
_CSV = _Layout(",", ",", REPR_FLOATS, _CSV_ENDS)


class MeasureWriter:
    """Writes ``MeasureColumns`` of the series in ``heads``: JSON items, CSV lines, Arrow batches.

    Each format's table of the series' heads is built when that format is first written (a few
    milliseconds for 1,000 series), not for every big read.
    """

    def __init__(self, heads: Mapping[int, Head]) -> None:
        self.heads = heads
        ids = np.fromiter(heads, dtype=np.int64, count=len(heads))
        self._index = np.full(int(ids.max(initial=0)) + 1, -1, dtype=np.int64)
        self._index[ids] = np.arange(len(ids))
        self._places = np.array([head.places for head in heads.values()], dtype=np.int64)

    @cached_property
    def _heads(self) -> list[pa.Array[Any]]:
        """The series' heads as Arrow columns: series, node, node name, kind, subtype, unit."""
        rows = [(series, *head[:5]) for series, head in self.heads.items()]
        fields = list(zip(*rows, strict=True)) or [()] * 6
        types = (pa.int64(), pa.int64(), pa.string(), pa.string(), pa.string(), pa.string())
        return [pa.array(field, kind) for field, kind in zip(fields, types, strict=True)]

    @staticmethod
    def _prefix(series: int, head: Head) -> str:
        """A row's text up to its first timestamp, as msgspec writes the Struct's fields."""
        sample = msgspec.json.encode(
            Measure(
                head.node_id, head.node_name, series, head.kind, head.subtype, head.unit,
                POSTGRES_EPOCH, POSTGRES_EPOCH, None, BY_CODE[0],
            )
        )  # fmt: skip
        # A JSON string never holds an unescaped quote: this can only be the key itself.
        return (sample[: sample.index(_MEASURED)] + _MEASURED).decode()

    @cached_property
    def _json_leads(self) -> pa.StringArray:
        """What comes before a JSON row's first timestamp (``_leads``)."""
        heads = [self._prefix(series, head) for series, head in self.heads.items()]
        return _leads(pa.array(heads, pa.string()), _JSON.ends)

    @cached_property
    def _csv_leads(self) -> pa.StringArray:
        """What comes before a CSV line's first timestamp (``_leads``)."""
        heads = [_csv_head(series, head) for series, head in self.heads.items()]
        return _leads(pa.array(heads, pa.string()), _CSV.ends)

    def items(self, columns: MeasureColumns, before: bytes = b"") -> bytes:
        """``before``, then the rows as the items of a JSON array: joined by commas, no brackets.

        Without rows, nothing (``before`` is what goes ahead of a first row).
        """
        if not len(columns):
            return b""
        return self._text(columns, self._json_leads, _JSON, cut=1, prefix=before)  # no last comma

    def csv(self, columns: MeasureColumns) -> bytes:
        """The rows as CSV lines, as ``csv.writer`` writes their values' JSON text."""
        if not len(columns):
            return b""
        return self._text(columns, self._csv_leads, _CSV)

    def _text(
        self,
        columns: MeasureColumns,
        leads: pa.StringArray,
        layout: _Layout,
        cut: int = 0,
        prefix: bytes = b"",
    ) -> bytes:
        """``prefix``, then the rows' text, each row ``layout``'s, but the last ``cut`` bytes.

        Each row is joined from five parts: the previous row's end with the row's head (one
        string of ``leads``), both timestamps with what is between them (``between``), and the
        value's three parts (``decimal_parts``); the last row's end follows. For the 720,000
        rows of 1,000 nodes' month: 0.15 s of CPU for JSON and 0.13 s for CSV, against 0.22 and
        0.23 s when each row joined seven parts, its value joined from four before.
        """
        records = columns.records
        positions = self._index[columns.series]
        quality = records["flags"] & ~NULL_FLAG
        nulls = (records["flags"] & NULL_FLAG) != 0
        before = np.empty(len(records), dtype=np.int64)  # the previous row's quality + 1
        before[0] = 0  # none
        before[1:] = quality[:-1] + 1
        rows = join(
            take(leads, before * len(self.heads) + positions),
            between(
                records["measured"].astype(np.int64),
                layout.after_measured,
                records["collected"].astype(np.int64),
                layout.after_collected,
            ),
            *self._values(records["units"].astype(np.int64), positions, nulls, layout.floats),
        )
        _, offsets, data = rows.buffers()
        if offsets is None or data is None:
            raise AssertionError("a joined text array without its buffers")
        size = int(np.frombuffer(memoryview(offsets), dtype=np.int32)[len(rows)])
        last = layout.ends[int(quality[-1])].as_py().encode()
        # A new array's first offset is 0.
        return b"".join((prefix, memoryview(data)[:size], last[: len(last) - cut]))

    def _values(
        self,
        units: NDArray[np.int64],
        positions: NDArray[np.int64],
        nulls: NDArray[np.bool_],
        style: FloatText,
    ) -> list[pa.StringArray]:
        """Each row's value as ``style`` writes it, in parts: its kind keeps ``places`` decimals."""
        places = self._places[positions]
        if places.min() == places.max():
            return decimal_parts(units, int(places[0]), nulls, style)
        parts, order = [], []  # kinds of different decimals in one chunk: each kind's rows
        for each in np.unique(places):
            rows = np.flatnonzero(places == each)
            parts.append(decimals(units[rows], int(each), nulls[rows], style))
            order.append(rows)
        return [take(pa.concat_arrays(parts), np.argsort(np.concatenate(order)))]

    def batch(self, columns: MeasureColumns, schema: pa.Schema) -> pa.RecordBatch:
        """The rows as an Arrow record batch of ``schema`` (``Measure``'s fields, in order)."""
        records = columns.records
        positions = self._index[columns.series]
        series, node, name, kind, subtype, unit = (take(field, positions) for field in self._heads)
        places = self._places[positions]
        nulls = (records["flags"] & NULL_FLAG) != 0
        values = records["units"].astype(np.int64) / np.power(10.0, places)  # as SQL divides
        arrays: list[pa.Array[Any]] = [
            node, name, series, kind, subtype, unit,
            instants(records["measured"].astype(np.int64)),
            instants(records["collected"].astype(np.int64)),
            pa.array(values, mask=nulls),
            take(_QUALITY, records["flags"] & ~NULL_FLAG),
        ]  # fmt: skip
        return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _leads(heads: pa.StringArray, ends: pa.StringArray) -> pa.StringArray:
    """Each previous row's end (none, then by quality code) with each series' head.

    The lead of a row after one of quality ``q`` in the series at ``i`` is at
    ``(q + 1) * len(heads) + i``; a chunk's first row has none before it (``q + 1`` is 0).
    """
    count = len(heads)
    before = pa.concat_arrays([pa.array([""]), ends])
    return join(
        take(before, np.repeat(np.arange(len(before)), count)),
        take(heads, np.tile(np.arange(count), len(before))),
    )


def _csv_head(series: int, head: Head) -> str:
    """A CSV line's fields up to its first timestamp, as ``csv.writer`` writes them."""
    line = io.StringIO()
    csv.writer(line).writerow(
        [head.node_id, head.node_name, series, head.kind, head.subtype, head.unit]
    )
    return line.getvalue().removesuffix("\r\n") + ","


class MeasureColumns(Sequence[Measure]):
    """Rows of ``measures`` reads as columns: each row's series, and its ``RECORD``."""

    def __init__(
        self, series: NDArray[np.int64], records: NDArray[Any], writer: MeasureWriter
    ) -> None:
        self.series = series
        self.records = records
        self.writer = writer

    @classmethod
    def of(cls, packed: Iterable[tuple[int, int, bytes]], writer: MeasureWriter) -> MeasureColumns:
        """Columns of ``packed.sql``'s rows: a series, its count of records, the records."""
        ids, counts, blobs = [], [], []
        for series, count, blob in packed:
            ids.append(series)
            counts.append(count)
            blobs.append(blob)
        records = np.frombuffer(b"".join(blobs), dtype=RECORD)
        group = np.repeat(np.arange(len(ids)), counts)
        measured, collected = records["measured"], records["collected"]
        same = group[1:] == group[:-1]
        earlier = (measured[1:] < measured[:-1]) | (
            (measured[1:] == measured[:-1]) & (collected[1:] < collected[:-1])
        )
        if (same & earlier).any():
            records = records[np.lexsort((collected, measured, group))]
        return cls(np.repeat(np.array(ids, dtype=np.int64), counts), records, writer)

    def joined(self, other: MeasureColumns) -> MeasureColumns:
        """These rows, then ``other``'s."""
        return MeasureColumns(
            np.concatenate([self.series, other.series]),
            np.concatenate([self.records, other.records]),
            self.writer,
        )

    def json_items(self, before: bytes = b"") -> bytes:
        """The rows as JSON array items (``gridts.formats.encoders.JsonEncoder``)."""
        return self.writer.items(self, before)

    def csv_rows(self) -> bytes:
        """The rows as CSV lines (``gridts.formats.encoders.CsvEncoder``)."""
        return self.writer.csv(self)

    def arrow_batch(self, schema: pa.Schema) -> pa.RecordBatch:
        """The rows as an Arrow record batch (``gridts.formats.encoders.ArrowEncoder``)."""
        return self.writer.batch(self, schema)

    def __len__(self) -> int:
        return len(self.series)

    @overload
    def __getitem__(self, index: int) -> Measure: ...
    @overload
    def __getitem__(self, index: slice) -> MeasureColumns: ...
    def __getitem__(self, index: int | slice) -> Measure | MeasureColumns:
        if isinstance(index, slice):
            return MeasureColumns(self.series[index], self.records[index], self.writer)
        series = int(self.series[index])
        measured, collected, units, flags = self.records[index].tolist()
        head = self.writer.heads[series]
        value = None if flags & NULL_FLAG else float(units) / float(10**head.places)
        return Measure(
            head.node_id, head.node_name, series, head.kind, head.subtype, head.unit,
            from_postgres(measured), from_postgres(collected),
            value, BY_CODE[flags & ~NULL_FLAG],
        )  # fmt: skip


class StreamedColumns(MeasureColumns, Streamed):
    """The first chunk of a streamed answer as columns, and the rest still to be read."""

    def __init__(
        self, first: MeasureColumns, rest: AsyncIterator[MeasureColumns], lease: Lease
    ) -> None:
        super().__init__(first.series, first.records, first.writer)
        self.rest = rest
        self.lease = lease


#: Series the server sends at a time; their rows are then cut or gathered into chunks of
#: ``CHUNK_ROWS`` (one series' month is 720 rows, its year 8,760).
_SERIES_AT_ONCE = 16


async def fetch_columns(
    conn: AsyncConnection,
    statement: sql.Composed,
    params: Mapping[str, object],
    limit: int,
    writer: MeasureWriter,
) -> MeasureColumns:
    """Run a ``packed.sql`` statement; its rows as columns, refused past ``limit`` rows.

    As ``gridts.reads.rows.fetch_rows`` with ``stream``: in a request, an answer bigger than a
    chunk comes back as ``StreamedColumns``, its rest read while the response is sent.
    """
    lease = lease_of(conn)
    bound = {**params, "limit": limit + 1}
    result = await _packed(conn, lease, statement, bound, writer)
    if lease is not None:
        lease.reading(result)
    chunks = _chunks(result, writer)
    first = await anext(chunks, None) or MeasureColumns.of((), writer)
    whole = lease is None or len(first) < encoders.CHUNK_ROWS  # a short chunk is the last one
    if whole:
        async for more in chunks:
            first = first.joined(more)
    if len(first) > limit:
        raise AnswerTooLargeError(limit)
    if whole:
        return first
    assert lease is not None  # noqa: S101 - whole otherwise
    return StreamedColumns(first, limited(chunks, limit - len(first), limit), lease)


async def _packed(
    conn: AsyncConnection,
    lease: Lease | None,
    statement: sql.Composed,
    bound: Mapping[str, object],
    writer: MeasureWriter,
) -> AsyncIterator[list[tuple[int, int, bytes]]]:
    """``packed.sql``'s rows, a few series at a time: over more connections if the lease has them.

    Blocks of ``_SERIES_AT_ONCE`` series in the answer's order (node, then series) go to the
    connections in turn (``gridts.db.split``).
    """
    helpers = await lease.helpers() if lease and len(writer.heads) > _SERIES_AT_ONCE else []
    if not helpers:
        if lease is not None:
            SPLIT_READS.labels(connections="1").inc()
        return ChunkedCursor(conn).chunks(statement, bound, size=_SERIES_AT_ONCE)
    order = sorted(writer.heads, key=lambda series: (writer.heads[series].node_id, series))
    rank = {series: position for position, series in enumerate(order)}
    conns = [conn, *helpers]
    dealt = split.parts(order, len(conns), _SERIES_AT_ONCE)
    return split.split_chunks(
        conns[: len(dealt)],
        statement,
        [{**bound, "series": part} for part in dealt],
        bound,
        key=lambda row: rank[row[0]],
        size=_SERIES_AT_ONCE,
    )


async def _chunks(
    result: AsyncIterator[list[tuple[int, int, bytes]]], writer: MeasureWriter
) -> AsyncIterator[MeasureColumns]:
    """The series' rows in chunks of ``CHUNK_ROWS``, the last one shorter."""
    size = encoders.CHUNK_ROWS  # read at call time: tests make it small
    held: MeasureColumns | None = None
    async for packed in result:
        columns = MeasureColumns.of(packed, writer)
        held = columns if held is None else held.joined(columns)
        while len(held) >= size:
            yield held[:size]
            held = held[size:]
    if held is not None and len(held):
        yield held
