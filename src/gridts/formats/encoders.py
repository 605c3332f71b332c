"""A table's rows as chunks of bytes, ``CHUNK_ROWS`` rows at a time, in each format.

Each encoder writes an answer's head, then one chunk of rows at a time, then its tail: the
response encodes each chunk in a worker thread as the rows arrive (a streamed answer's rows are
read from the database meanwhile), so a big answer is never held encoded in memory whole, and its
first bytes leave early.

- JSON: msgspec encodes the page with an empty row list and each chunk of rows; the chunks go
  between the brackets, separated by commas. The bytes are exactly those of encoding the page
  at once (msgspec writes a list as its items joined by commas). Rows that write their own
  items (``JsonItems``: a big measures read's columns) are written by themselves.
- CSV: the stdlib ``csv`` writer (RFC 4180: CRLF line ends, quotes only where needed), a header
  of the column names, then the rows; a null is an empty field. Values read as their JSON text.
  Rows that write their own lines (``CsvRows``) write them.
- Arrow: pyarrow's IPC stream writer, one record batch per chunk (the schema first, an empty
  stream when there are no rows). Rows that make their own batch (``ArrowRows``) make it.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard, cast

import msgspec
import pyarrow as pa
from typing_extensions import override

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from gridts.formats.tables import Shape

#: Rows per chunk of every format (one Arrow record batch).
CHUNK_ROWS = 16_384


def _chunks(rows: Sequence[Any], size: int | None) -> Iterator[Sequence[Any]]:
    size = size or CHUNK_ROWS  # read at call time: tests make it small
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class JsonItems(Protocol):
    """Rows that write their own JSON, as msgspec would (``gridts.measures.columns``)."""

    def json_items(self, before: bytes = b"") -> bytes:
        """The rows as the items of a JSON array: joined by commas, without the brackets.

        ``before`` first (the comma after the previous chunk's last item): one copy of the
        chunk's text, not two.
        """
        ...


class CsvRows(Protocol):
    """Rows that write their own CSV lines (``gridts.measures.columns``)."""

    def csv_rows(self) -> bytes:
        """The rows as CSV lines, as ``CsvEncoder`` writes them."""
        ...


class ArrowRows(Protocol):
    """Rows that make their own Arrow record batch (``gridts.measures.columns``)."""

    def arrow_batch(self, schema: pa.Schema) -> pa.RecordBatch:
        """The rows as a record batch of ``schema``."""
        ...


def writes_json(rows: object) -> TypeGuard[JsonItems]:
    """Whether ``rows`` write their own JSON.

    The three checks are ``hasattr``: ``isinstance`` with a runtime-checkable protocol took
    7 us, once per answer and once per chunk.
    """
    return hasattr(rows, "json_items")


def writes_csv(rows: object) -> TypeGuard[CsvRows]:
    """Whether ``rows`` write their own CSV lines."""
    return hasattr(rows, "csv_rows")


def makes_arrow(rows: object) -> TypeGuard[ArrowRows]:
    """Whether ``rows`` make their own Arrow record batch."""
    return hasattr(rows, "arrow_batch")


class Encoder(Protocol):
    """Writes one answer: its opening bytes, each chunk of rows, its closing bytes."""

    def head(self) -> bytes:
        """What comes before the rows."""
        ...

    def rows(self, chunk: Sequence[Any]) -> bytes:
        """The next chunk of rows."""
        ...

    def tail(self) -> bytes:
        """What comes after the rows."""
        ...


def encoded(encoder: Encoder, rows: Sequence[Any], size: int | None = None) -> Iterator[bytes]:
    """``rows`` written by ``encoder`` in chunks of ``size`` rows (``CHUNK_ROWS``)."""
    yield encoder.head()
    for chunk in _chunks(rows, size):
        yield encoder.rows(chunk)
    yield encoder.tail()


class JsonEncoder(Encoder):
    """The page's JSON with the rows written between its brackets, a chunk at a time."""

    def __init__(self, prefix: bytes, suffix: bytes, encode: Callable[[Any], bytes]) -> None:
        self._prefix, self._suffix, self._encode = prefix, suffix, encode
        self._first = True

    @classmethod
    def of(
        cls, shape: Shape, content: object, encode: Callable[[Any], bytes]
    ) -> JsonEncoder | None:
        """The encoder of ``content``'s page; ``None`` if its empty form cannot be split."""
        if shape.rows_field is None:
            return cls(b"[", b"]", encode)
        page = cast("msgspec.Struct", content)
        empty = encode(msgspec.structs.replace(page, **{shape.rows_field: []}))
        # A JSON string never holds an unescaped quote, so this can only be the key itself.
        marker = b'"' + (shape.rows_key or shape.rows_field).encode() + b'":[]'
        if empty.count(marker) != 1:
            return None
        before, after = empty.split(marker)
        return cls(before + marker[:-1], b"]" + after, encode)

    @override
    def head(self) -> bytes:
        return self._prefix

    @override
    def rows(self, chunk: Sequence[Any]) -> bytes:
        if not chunk:
            return b""
        before = b"" if self._first else b","
        self._first = False
        if writes_json(chunk):
            return chunk.json_items(before)
        return before + self._encode(list(chunk))[1:-1]

    @override
    def tail(self) -> bytes:
        return self._suffix


class CsvEncoder(Encoder):
    """RFC 4180 CSV (UTF-8) with a header of the column names."""

    def __init__(self, shape: Shape) -> None:
        self._shape = shape
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)

    def _take(self) -> bytes:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text.encode()

    @override
    def head(self) -> bytes:
        self._writer.writerow([column.name for column in self._shape.columns])
        return self._take()

    @override
    def rows(self, chunk: Sequence[Any]) -> bytes:
        if writes_csv(chunk):
            return chunk.csv_rows()
        columns = [column.text(column.values(chunk)) for column in self._shape.columns]
        self._writer.writerows(zip(*columns, strict=True))
        return self._take()

    @override
    def tail(self) -> bytes:
        return b""


class ArrowEncoder(Encoder):
    """An Arrow IPC stream: the schema (with ``metadata``), one record batch per chunk, the end."""

    def __init__(self, shape: Shape, metadata: dict[str, str]) -> None:
        self._shape = shape
        self._schema = shape.schema(metadata)
        self._sink = io.BytesIO()
        self._writer: pa.ipc.RecordBatchStreamWriter | None = None

    def _take(self) -> bytes:
        data = self._sink.getvalue()
        self._sink.seek(0)
        self._sink.truncate()
        return data

    @override
    def head(self) -> bytes:
        self._writer = pa.ipc.new_stream(self._sink, self._schema)
        return self._take()

    @override
    def rows(self, chunk: Sequence[Any]) -> bytes:
        assert self._writer is not None  # noqa: S101 - head() comes first
        if makes_arrow(chunk):
            self._writer.write_batch(chunk.arrow_batch(self._schema))
            return self._take()
        arrays = [
            pa.array(column.arrow(column.values(chunk)), type=column.arrow_type)
            for column in self._shape.columns
        ]
        self._writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self._schema))
        return self._take()

    @override
    def tail(self) -> bytes:
        assert self._writer is not None  # noqa: S101 - head() comes first
        self._writer.close()
        return self._take()


def json_chunks(
    shape: Shape,
    content: object,
    encode: Callable[[Any], bytes],
    size: int | None = None,
) -> Iterator[bytes] | None:
    """The JSON text of ``content`` in chunks; ``None`` if its empty form cannot be split."""
    encoder = JsonEncoder.of(shape, content, encode)
    return None if encoder is None else encoded(encoder, shape.rows(content), size)


def csv_chunks(shape: Shape, content: object, size: int | None = None) -> Iterator[bytes]:
    """The rows of ``content`` as CSV text (UTF-8), the header first."""
    return encoded(CsvEncoder(shape), shape.rows(content), size)


def arrow_chunks(
    shape: Shape, content: object, metadata: dict[str, str], size: int | None = None
) -> Iterator[bytes]:
    """The rows of ``content`` as an Arrow IPC stream: the schema, one batch per chunk, the end."""
    return encoded(ArrowEncoder(shape, metadata), shape.rows(content), size)
