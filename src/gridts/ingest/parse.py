"""Turning a request body into checked rows, or into a list of every problem found.

msgspec decodes the whole batch in C against the row type (fast path). Only when that fails is
the body decoded again without a type and each row checked field by field, so the answer names
every bad row by its index (0-based, as sent) and field, not just the first one msgspec met.
Checks msgspec's types cannot express (finite values, whole-second targets, a sane date range)
run on every row either way.
"""

from __future__ import annotations

import csv
import io
import math
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from gridts.errors import (
    BatchTooLargeError,
    InvalidRowsError,
    MalformedBodyError,
    Problem,
)
from gridts.ingest.schemas import FIELDS, Instant, MeasureIn, MeasureRecord, NodeId
from gridts.instants import EARLIEST, LATEST

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from gridts.ingest.schemas import MeasureRow

#: Largest magnitude of a value: far beyond any grid (1e15 kW), and small enough that sums over
#: millions of values (rollups, totals) cannot overflow a float8.
MAX_MAGNITUDE = 1e15

_TYPES: dict[str, Any] = {
    "node_id": NodeId,
    "timestamp_measured": Instant,
    "timestamp_collected": Instant,
    "value": float,
}
_LENIENT = msgspec.json.Decoder(float_hook=Decimal)
_LOCATION = re.compile(r"\s*- at `\$[^`]*`$")


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


def parse_csv(body: bytes, max_rows: int) -> list[MeasureRecord]:
    """Rows from CSV with the header line ``node_id,timestamp_measured,timestamp_collected,value``.

    A UTF-8 byte-order mark is ignored; columns may come in any order, named by the header.
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
        raise _whole_batch(f"empty body: expected the header {_HEADER}")
    header = [name.strip() for name in records[0]]
    if sorted(header) != sorted(FIELDS):
        raise _whole_batch(f"the first line must be the header {_HEADER}")
    records = records[1:]
    _limit(len(records), max_rows)
    if header != list(FIELDS):
        order = [header.index(name) for name in FIELDS]
        records = [[r[i] for i in order] if len(r) == len(FIELDS) else r for r in records]
    try:
        rows = msgspec.convert(records, list[MeasureRecord], strict=False)
    except msgspec.ValidationError:
        raise InvalidRowsError(list(_csv_problems(records))) from None
    _check(rows)
    return rows


_HEADER = ",".join(FIELDS)


def _limit(count: int, max_rows: int) -> None:
    if count > max_rows:
        raise BatchTooLargeError(count, max_rows)
    if count == 0:
        raise _whole_batch("the batch holds no rows")


def _check(rows: Sequence[MeasureRow]) -> None:
    """Checks every row needs beyond its type; raise 422 listing the problems."""
    problems: list[Problem] = []
    for index, row in enumerate(rows):
        if not _plausible(row):
            problems.extend(_value_problems(index, row))
    if problems:
        raise InvalidRowsError(problems)


def _plausible(row: MeasureRow) -> bool:
    target = row.timestamp_measured
    return (
        abs(row.value) <= MAX_MAGNITUDE
        and target.microsecond == 0
        and EARLIEST <= target < LATEST
        and EARLIEST <= row.timestamp_collected < LATEST
    )


def _value_problems(index: int, row: MeasureRow) -> Iterable[Problem]:
    if not math.isfinite(row.value):
        yield Problem(index, "value", "must be a finite number (not NaN or infinite)")
    elif abs(row.value) > MAX_MAGNITUDE:
        yield Problem(index, "value", f"must be at most {MAX_MAGNITUDE:g} in magnitude")
    if row.timestamp_measured.microsecond:
        yield Problem(index, "timestamp_measured", "must be a whole second")
    for name in ("timestamp_measured", "timestamp_collected"):
        if not EARLIEST <= getattr(row, name) < LATEST:
            yield Problem(index, name, "must lie in [1900-01-01, 2200-01-01) UTC")


def _field_problem(index: int, name: str, raw: object, *, strict: bool) -> Problem | None:
    try:
        msgspec.convert(raw, _TYPES[name], strict=strict)
    except msgspec.ValidationError as error:
        return Problem(index, name, _LOCATION.sub("", str(error)))
    return None


def _json_problems(items: list[Any]) -> Iterable[Problem]:
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            yield Problem(index, None, f"must be an object with the fields {_HEADER}")
            continue
        yield from _row_problems(index, item, strict=True)


def _csv_problems(records: list[list[str]]) -> Iterable[Problem]:
    for index, record in enumerate(records):
        if len(record) != len(FIELDS):
            yield Problem(index, None, f"has {len(record)} fields, expected {len(FIELDS)}")
            continue
        yield from _row_problems(index, dict(zip(FIELDS, record, strict=True)), strict=False)


def _row_problems(index: int, item: dict[str, Any], *, strict: bool) -> Iterable[Problem]:
    for name in item:
        if name not in _TYPES:
            yield Problem(index, str(name), "unknown field")
    bad = False
    for name in FIELDS:
        if name not in item:
            yield Problem(index, name, "missing")
            bad = True
        elif (problem := _field_problem(index, name, item[name], strict=strict)) is not None:
            yield problem
            bad = True
    if not bad:
        values = [item[name] for name in FIELDS]
        yield from _value_problems(index, msgspec.convert(values, MeasureRecord, strict=strict))
