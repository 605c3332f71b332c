"""Turning a request body into checked rows, or into a list of every problem found.

msgspec decodes the whole batch in C against the row type (fast path). Only when that fails is
the body decoded again without a type and each row checked field by field, so the answer names
every bad row by its index (0-based, as sent) and field, not just the first one msgspec met.
Checks msgspec's types cannot express (finite values, a value unless the quality is missing,
whole-second targets, a sane date range, a series named by id or node) run on every row either
way. Whether the series exists is ``resolve``'s question, asked of the database.
"""

from __future__ import annotations

import csv
import io
import math
import re
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

import msgspec

from gridts.errors import (
    BatchTooLargeError,
    InvalidRowsError,
    MalformedBodyError,
    Problem,
)
from gridts.ingest.schemas import FIELDS, REQUIRED, TYPES, MeasureIn
from gridts.instants import EARLIEST, LATEST
from gridts.quality import Quality

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from gridts.ingest.schemas import MeasureRow

#: Largest magnitude of a value: far beyond any grid (1e15 kW), and small enough that sums over
#: millions of values (rollups, totals) cannot overflow a float8.
MAX_MAGNITUDE = 1e15

_LENIENT = msgspec.json.Decoder(float_hook=Decimal)
_LOCATION = re.compile(r"\s*- at `\$[^`]*`$")
_ROW_SHAPE = (
    "an object with timestamp_measured, timestamp_collected, value (and quality), naming its "
    "series by series_id or by node_id (with kind and subtype)"
)


def _whole_batch(message: str) -> InvalidRowsError:
    """A problem with the batch as a whole, not with one row."""
    return InvalidRowsError([Problem(None, None, message)])


def _not_json(error: msgspec.DecodeError) -> MalformedBodyError:
    return MalformedBodyError(f"the body is not valid UTF-8 JSON: {error}")


def parse_json(body: bytes, max_rows: int) -> list[MeasureIn]:
    """Rows from a JSON array of measure objects."""
    try:
        rows = msgspec.json.decode(body, type=list[MeasureIn])
    except msgspec.ValidationError:
        rows = None
    except msgspec.DecodeError as error:
        raise _not_json(error) from None
    if rows is None:
        # Decimals keep numbers a float cannot hold (1e400) so that the row is named for them.
        try:
            raw = _LENIENT.decode(body)
        except msgspec.DecodeError as error:
            raise _not_json(error) from None
        if not isinstance(raw, list):
            raise _whole_batch("the body must be a JSON array of measures")
        _limit(len(raw), max_rows)
        raise InvalidRowsError(list(_json_problems(raw)))
    _limit(len(rows), max_rows)
    _check(rows)
    return rows


def parse_csv(body: bytes, max_rows: int) -> list[MeasureRow]:
    """Rows from CSV whose header line names the columns present, in any order.

    ``timestamp_measured`` and ``timestamp_collected`` are required, and ``series_id`` or
    ``node_id``; the other columns of ``FIELDS`` may be left out. An empty cell is null. A UTF-8
    byte-order mark is ignored.
    """
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MalformedBodyError(f"the body is not UTF-8: {error}") from None
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise MalformedBodyError(f"the body is not valid CSV: {error}") from None
    if not records:
        raise _whole_batch(f"empty body: expected a header line such as {_HEADER}")
    header = [name.strip() for name in records[0]]
    _check_header(header)
    records = records[1:]
    _limit(len(records), max_rows)
    width = len(header)
    record: Any = record_type(tuple(header))
    # Records convert as they are, cells in header order; only a record with an empty cell is
    # copied (empty: null). One of the wrong width becomes None, which fails conversion and is
    # then named by the slow path.
    cells = [
        r
        if len(r) == width and "" not in r
        else [c or None for c in r]
        if len(r) == width
        else None
        for r in records
    ]
    try:
        rows: list[MeasureRow] = msgspec.convert(cells, list[record], strict=False)
    except msgspec.ValidationError:
        raise InvalidRowsError(list(_csv_problems(records, header))) from None
    _check(rows)
    return rows


_HEADER = "node_id,timestamp_measured,timestamp_collected,value"


@cache
def record_type(header: tuple[str, ...]) -> type[msgspec.Struct]:
    """The row type of CSV records with this header.

    Its columns in their order, then the columns it lacks (null). Every field defaults to null,
    so that a null timestamp fails as such.
    """
    fields = [(name, TYPES[name], None) for name in header]
    fields += [(name, TYPES[name], None) for name in FIELDS if name not in header]
    return msgspec.defstruct(
        "MeasureRecord", fields, array_like=True, frozen=True, forbid_unknown_fields=True
    )


def _check_header(header: list[str]) -> None:
    unknown = [name for name in header if name not in FIELDS]
    if unknown or len(set(header)) != len(header):
        raise _whole_batch(
            f"the first line must be a header naming each column once, from: {','.join(FIELDS)}"
            + (f" (unknown: {','.join(unknown)})" if unknown else "")
        )
    if any(name not in header for name in REQUIRED) or (
        "series_id" not in header and "node_id" not in header
    ):
        raise _whole_batch(
            "the header must name timestamp_measured, timestamp_collected and series_id or "
            f"node_id, such as {_HEADER}"
        )


def _limit(count: int, max_rows: int) -> None:
    if count > max_rows:
        raise BatchTooLargeError(count, max_rows)
    if count == 0:
        raise _whole_batch("the batch holds no rows")


def _check(rows: Sequence[MeasureRow]) -> None:
    """Checks every row needs beyond its type; raise 422 listing the problems."""
    missing = Quality.MISSING
    # One comprehension over every row of every batch (a call per row costs more than the test).
    bad = [
        index
        for index, row in enumerate(rows)
        if not (
            (abs(row.value) <= MAX_MAGNITUDE if row.value is not None else row.quality is missing)
            and (
                row.series_id is not None
                or (row.node_id is not None and (row.kind is not None or row.subtype is None))
            )
            and row.timestamp_measured.microsecond == 0
            and EARLIEST <= row.timestamp_measured < LATEST
            and EARLIEST <= row.timestamp_collected < LATEST
        )
    ]
    if bad:
        raise InvalidRowsError([p for index in bad for p in _value_problems(index, rows[index])])


def _value_problems(index: int, row: MeasureRow) -> Iterable[Problem]:
    if row.series_id is None and row.node_id is None:
        yield Problem(
            index, "node_id", "missing: name the series by node_id (and kind) or by series_id"
        )
    elif row.series_id is None and row.kind is None and row.subtype is not None:
        yield Problem(index, "kind", "must be given with subtype")
    if row.value is None:
        if row.quality is not Quality.MISSING:
            yield Problem(index, "value", "must be a number unless the quality is missing")
    elif not math.isfinite(row.value):
        yield Problem(index, "value", "must be a finite number (not NaN or infinite)")
    elif abs(row.value) > MAX_MAGNITUDE:
        yield Problem(index, "value", f"must be at most {MAX_MAGNITUDE:g} in magnitude")
    if row.timestamp_measured.microsecond:
        yield Problem(index, "timestamp_measured", "must be a whole second")
    for name in REQUIRED:
        if not EARLIEST <= getattr(row, name) < LATEST:
            yield Problem(index, name, "must lie in [1900-01-01, 2200-01-01) UTC")


def _field_problem(index: int, name: str, raw: object, *, strict: bool) -> Problem | None:
    try:
        msgspec.convert(raw, TYPES[name], strict=strict)
    except msgspec.ValidationError as error:
        return Problem(index, name, _LOCATION.sub("", str(error)))
    return None


def _json_problems(items: list[Any]) -> Iterable[Problem]:
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            yield Problem(index, None, f"must be {_ROW_SHAPE}")
            continue
        yield from _row_problems(index, item, strict=True)


def _csv_problems(records: list[list[str]], header: list[str]) -> Iterable[Problem]:
    for index, record in enumerate(records):
        if len(record) != len(header):
            yield Problem(index, None, f"has {len(record)} fields, expected {len(header)}")
            continue
        item = {name: cell or None for name, cell in zip(header, record, strict=True)}
        yield from _row_problems(index, item, strict=False)


def _row_problems(index: int, item: dict[str, Any], *, strict: bool) -> Iterable[Problem]:
    for name in item:
        if name not in TYPES:
            yield Problem(index, str(name), "unknown field")
    bad = False
    for name in REQUIRED:
        if name not in item:
            yield Problem(index, name, "missing")
            bad = True
    for name in FIELDS:
        if name in item and (problem := _field_problem(index, name, item[name], strict=strict)):
            yield problem
            bad = True
    if not bad:
        known = {name: item[name] for name in FIELDS if name in item}
        yield from _value_problems(index, msgspec.convert(known, MeasureIn, strict=strict))
