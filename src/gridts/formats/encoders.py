"""A table's rows as chunks of bytes, ``CHUNK_ROWS`` rows at a time, in each format.

Each encoder is a generator: the response pulls one chunk at a time (in a worker thread), so a
big answer is never held encoded in memory whole, and its first bytes leave early.

- JSON: msgspec encodes the page with an empty row list and each chunk of rows; the chunks go
  between the brackets, separated by commas. The bytes are exactly those of encoding the page
  at once (msgspec writes a list as its items joined by commas).
- CSV: the stdlib ``csv`` writer (RFC 4180: CRLF line ends, quotes only where needed), a header
  of the column names, then the rows; a null is an empty field. Values read as their JSON text.
- Arrow: pyarrow's IPC stream writer, one record batch per chunk (the schema first, an empty
  stream when there are no rows).
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, cast

import msgspec
import pyarrow as pa

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from gridts.formats.tables import Shape

#: Rows per chunk of every format (one Arrow record batch).
CHUNK_ROWS = 65_536


def _chunks(rows: Sequence[Any], size: int | None) -> Iterator[Sequence[Any]]:
    size = size or CHUNK_ROWS  # read at call time: tests make it small
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def json_chunks(
    shape: Shape,
    content: object,
    encode: Callable[[Any], bytes],
    size: int | None = None,
) -> Iterator[bytes] | None:
    """The JSON text of ``content`` in chunks; ``None`` if its empty form cannot be split."""
    rows = shape.rows(content)
    if shape.rows_field is None:
        prefix, suffix = b"[", b"]"
    else:
        page = cast("msgspec.Struct", content)
        empty = encode(msgspec.structs.replace(page, **{shape.rows_field: []}))
        # A JSON string never holds an unescaped quote, so this can only be the key itself.
        marker = b'"' + (shape.rows_key or shape.rows_field).encode() + b'":[]'
        if empty.count(marker) != 1:
            return None
        before, after = empty.split(marker)
        prefix, suffix = before + marker[:-1], b"]" + after

    def generate() -> Iterator[bytes]:
        yield prefix
        for index, chunk in enumerate(_chunks(rows, size)):
            body = encode(list(chunk))[1:-1]
            yield body if index == 0 else b"," + body
        yield suffix

    return generate()


def csv_chunks(shape: Shape, content: object, size: int | None = None) -> Iterator[bytes]:
    """The rows of ``content`` as CSV text (UTF-8), the header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode()

    writer.writerow([column.name for column in shape.columns])
    yield take()
    for chunk in _chunks(shape.rows(content), size):
        columns = [column.text(column.values(chunk)) for column in shape.columns]
        writer.writerows(zip(*columns, strict=True))
        yield take()


def arrow_chunks(
    shape: Shape, content: object, metadata: dict[str, str], size: int | None = None
) -> Iterator[bytes]:
    """The rows of ``content`` as an Arrow IPC stream: the schema, one batch per chunk, the end."""
    schema = shape.schema(metadata)
    sink = io.BytesIO()

    def take() -> bytes:
        data = sink.getvalue()
        sink.seek(0)
        sink.truncate()
        return data

    with pa.ipc.new_stream(sink, schema) as writer:
        yield take()
        for chunk in _chunks(shape.rows(content), size):
            arrays = [
                pa.array(column.arrow(column.values(chunk)), type=column.arrow_type)
                for column in shape.columns
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            yield take()
    yield take()
