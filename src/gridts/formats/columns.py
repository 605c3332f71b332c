"""A whole column's text at once: UTC timestamps and exact decimals, as JSON and CSV write them.

Why: a big read's answer (the latest values of 1,000 nodes over 30 days, 720,000 rows, 157 MB)
spent most of the worker's CPU turning every row into Python objects (``datetime``, ``float``,
a msgspec Struct) and back into text (``bench/README.md``, "The big read's CPU, measured
again"). Here numpy computes each column's text for all its rows together, as Arrow string
arrays that pyarrow joins into rows (``gridts.measures.columns``): 0.15 s instead of ~0.65 s for
those 720,000 rows. Whole hours come from a table of the chunk's hours, and two timestamps with
the text between them make one fixed-width block (``between``).

The bytes are msgspec's (JSON) and ``csv.writer``'s (CSV), which the rest of the API writes:
``tests/unit/test_columns_text.py`` compares them for random values, edge cases included.

- A timestamp is microseconds since 2000-01-01 UTC (PostgreSQL's binary ``timestamptz``),
  written ``YYYY-MM-DDTHH:MM:SSZ``, with ``.ffffff`` before the ``Z`` when its microseconds are
  not 0 (msgspec's form for an aware UTC ``datetime``).
- A value is ``units / 10**places``, an exact decimal stored as an integer (``kind.scale``),
  read as a float. For at most 15 significant digits, that float's shortest text is the
  decimal's own digits (distinct decimals of 15 digits are distinct doubles), which this writes
  directly, in msgspec's positional form (``47.379``, ``100.0``, ``0.00001``). msgspec writes a
  float in exponent form below 1e-5 and from 1e16: those values, and any of more than 15
  digits, are written by msgspec itself. CSV's floats are Python's ``repr`` (``csv.writer``):
  the same, but in exponent form already below 1e-4 (``REPR_FLOATS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar, cast

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from gridts.instants import POSTGRES_EPOCH

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray

#: PostgreSQL's epoch (2000-01-01) in microseconds since 1970-01-01.
_PG_EPOCH_US = (POSTGRES_EPOCH - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
_DAY_US = 86_400_000_000
_HOUR_US = 3_600_000_000
#: Hours a chunk's whole-hour timestamps may span for a table of those hours' texts.
_HOUR_TABLE_HOURS = 24 * 366
_SECOND_US = 1_000_000
#: Digit pairs and quadruples as ASCII, indexed by their value.
_TWO = np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], dtype=np.uint8)
_FOUR = np.hstack([_TWO[np.arange(10_000) // 100], _TWO[np.arange(10_000) % 100]])
_SECONDS = np.arange(86_400)
_COLON = np.full((86_400, 1), ord(":"), dtype=np.uint8)
#: ``HH:MM:SS`` of every second of a day.
_CLOCK = np.hstack(
    [_TWO[_SECONDS // 3600], _COLON, _TWO[_SECONDS // 60 % 60], _COLON, _TWO[_SECONDS % 60]]
)
#: The last year of four digits (and of Python's ``datetime``).
_LAST_YEAR = 9999
#: Days a chunk's timestamps may span for their dates to be looked up in a table of that span.
_DATE_TABLE_DAYS = 4096
#: Decimal digits written directly: distinct decimals of up to 15 digits are distinct doubles.
_EXACT_DIGITS = 15
_SIGN = pa.array(["", "-"])
A = TypeVar("A", bound="pa.Array[Any]")
#: pyarrow.compute untyped: its stubs' overloads admit no mix of arrays and strings, nor numpy.
_compute: Any = pc


def take(table: A, indices: NDArray[np.integer[Any]]) -> A:
    """``table[indices]``: each row's value (a text, say) from a small table of them."""
    return cast("A", _compute.take(table, indices))


def instants(us: NDArray[np.int64]) -> pa.TimestampArray:
    """Timestamps (microseconds since 2000-01-01 UTC) as Arrow's UTC timestamps."""
    return cast("pa.TimestampArray", pa.array(us + _PG_EPOCH_US, pa.timestamp("us", "UTC")))


def join(*parts: pa.StringArray | str) -> pa.StringArray:
    """Each row's parts, literal texts included, one after the other."""
    return cast("pa.StringArray", _compute.binary_join_element_wise(*parts, ""))


def _buffer(array: NDArray[Any]) -> pa.Buffer:
    """The bytes of a contiguous numpy array, not copied."""
    return pa.py_buffer(cast("Any", array))


def _civil(days: NDArray[np.int64]) -> tuple[NDArray[np.int64], ...]:
    """Year, month and day of days since 1970-01-01 (Howard Hinnant's ``civil_from_days``)."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)  # noqa: PLR2004 - March-based months
    year = yoe + era * 400 + (month <= 2)  # noqa: PLR2004 - January and February
    return year, month, day


def _dates(days: NDArray[np.int64]) -> NDArray[np.uint8]:
    """``YYYY-MM-DD`` of each day since 1970-01-01, one row of 10 bytes each."""
    year, month, day = _civil(days)
    if year.min(initial=1) < 1 or year.max(initial=1) > _LAST_YEAR:
        raise ValueError("a timestamp outside years 1-9999 has no ISO 8601 text here")
    text = np.empty((len(days), 10), dtype=np.uint8)
    text[:, 0:4] = _FOUR[year]
    text[:, 5:7] = _TWO[month]
    text[:, 8:10] = _TWO[day]
    text[:, 4] = text[:, 7] = ord("-")
    return text


def _strings(text: NDArray[np.uint8], lengths: NDArray[np.int64] | None) -> pa.StringArray:
    """Each row of ``text`` (its first ``lengths[i]`` bytes, or all) as an Arrow string array."""
    rows, width = text.shape
    if lengths is None:
        offsets = np.arange(0, width * (rows + 1), width, dtype=np.int32)
        data = np.ascontiguousarray(text)
    else:
        offsets = np.zeros(rows + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        data = text[np.arange(width) < lengths[:, None]]
    return pa.StringArray.from_buffers(rows, _buffer(offsets), _buffer(data))


def _instant_text(us: NDArray[np.int64]) -> tuple[NDArray[np.uint8], NDArray[np.int64] | None]:
    """Each timestamp's ISO 8601 text in a row of bytes, and its length (None: all 20).

    Whole hours less than a year apart (a chunk of hourly targets, or their collection times)
    are looked up in a table of those hours' texts.
    """
    unix = us + _PG_EPOCH_US
    hours, within = np.divmod(unix, _HOUR_US)
    if len(us) and not within.any():
        first = int(hours.min())
        if int(hours.max()) - first < _HOUR_TABLE_HOURS:
            return _hour_texts(first, int(hours.max()) - first + 1)[hours - first], None
    days = unix // _DAY_US
    of_day = unix - days * _DAY_US
    seconds = of_day // _SECOND_US
    micros = of_day - seconds * _SECOND_US
    text = np.empty((len(us), 27), dtype=np.uint8)
    if len(us):
        first, last = int(days.min()), int(days.max())
        if last - first < _DATE_TABLE_DAYS:  # a chunk's few days: each date's text once
            text[:, 0:10] = _dates(np.arange(first, last + 1))[days - first]
        else:
            text[:, 0:10] = _dates(days)
    text[:, 10] = ord("T")
    text[:, 11:19] = _CLOCK[seconds]
    if not micros.any():
        text[:, 19] = ord("Z")
        return text[:, :20], None
    text[:, 19] = ord(".")
    text[:, 20:22] = _TWO[micros // 10_000]
    text[:, 22:24] = _TWO[micros // 100 % 100]
    text[:, 24:26] = _TWO[micros % 100]
    text[:, 26] = ord("Z")
    whole = micros == 0
    text[whole, 19] = ord("Z")
    return text, np.where(whole, 20, 27)


def _hour_texts(first: int, count: int) -> NDArray[np.uint8]:
    """``YYYY-MM-DDTHH:00:00Z`` of ``count`` hours from ``first`` (hours since 1970)."""
    hours = np.arange(first, first + count)
    days, hour = np.divmod(hours, 24)
    text = np.empty((count, 20), dtype=np.uint8)
    text[:, 0:10] = _dates(days)
    text[:, 10] = ord("T")
    text[:, 11:13] = _TWO[hour]
    text[:, 13:20] = np.frombuffer(b":00:00Z", dtype=np.uint8)
    return text


def timestamps(us: NDArray[np.int64]) -> pa.StringArray:
    """The ISO 8601 text of each timestamp (microseconds since 2000-01-01 UTC)."""
    return _strings(*_instant_text(us))


def between(
    first: NDArray[np.int64], middle: str, second: NDArray[np.int64], after: str
) -> pa.StringArray:
    """Each row's ``first`` timestamp, ``middle``, its ``second`` timestamp and ``after``.

    As ``join`` of the four, but when no timestamp has microseconds (whole hours, most rows),
    every row is as long as the others: one block of bytes that numpy fills column by column.
    """
    first_text, first_lengths = _instant_text(first)
    second_text, second_lengths = _instant_text(second)
    if first_lengths is not None or second_lengths is not None:
        first_strings = _strings(first_text, first_lengths)
        return join(first_strings, middle, _strings(second_text, second_lengths), after)
    inner, tail = np.frombuffer(middle.encode(), np.uint8), np.frombuffer(after.encode(), np.uint8)
    text = np.empty((len(first), 40 + len(inner) + len(tail)), dtype=np.uint8)
    text[:, :20] = first_text
    text[:, 20 : 20 + len(inner)] = inner
    text[:, 20 + len(inner) : 40 + len(inner)] = second_text
    text[:, 40 + len(inner) :] = tail
    return _strings(text, None)


@cache
def _fractions(places: int, point: str = "") -> pa.StringArray:
    """``point`` and the digits of every ``i / 10**places`` (``places`` <= 3), trailing 0s cut.

    A fraction of 0 is "0".
    """
    if places == 0:
        return pa.array([point + "0"])
    return pa.array([point + (f"{i:0{places}d}".rstrip("0") or "0") for i in range(10**places)])


@cache
def _padded(places: int, point: str = "") -> pa.StringArray:
    """``point``, then every ``i < 10**places`` in ``places`` digits (``places`` <= 3)."""
    return pa.array([f"{point}{i:0{places}d}" for i in range(10**places)])


def _fraction(fraction: NDArray[np.int64], places: int) -> pa.StringArray:
    """The point and the digits of ``fraction / 10**places`` after it, trailing zeros cut."""
    if places <= 3:  # noqa: PLR2004 - the tables' size
        return take(_fractions(places, "."), fraction)
    low_places = places - 3
    high, low = np.divmod(fraction, 10**low_places)
    joined = join(take(_padded(3, "."), high), take(_fractions(low_places), low))
    return cast(
        "pa.StringArray", _compute.if_else(low == 0, take(_fractions(3, "."), high), joined)
    )


def _exact(units: NDArray[np.int64], places: int) -> list[pa.StringArray]:
    """``units / 10**places`` in positional form with at least one fraction digit, in parts.

    The sign, the whole digits, and the point with the fraction digits.
    """
    magnitude = np.abs(units)
    whole, fraction = np.divmod(magnitude, 10**places)
    return [
        take(_SIGN, (units < 0).view(np.int8)),
        cast("pa.StringArray", _compute.cast(whole, pa.string())),
        _fraction(fraction, places),
    ]


@dataclass(frozen=True)
class FloatText:
    """How a format writes a float: where its positional form begins, the rest, and null."""

    positional_from: int
    """The exponent of the smallest magnitude written positionally: 1e-5 is 5."""
    write: Callable[[float], str]
    null: str


#: msgspec's JSON: positional from 1e-5 (``0.00001``), exponents like ``1e-6``.
JSON_FLOATS = FloatText(5, lambda x: msgspec.json.encode(x).decode(), "null")
#: Python's ``repr``, which ``csv.writer`` writes: positional from 1e-4, ``1e-05``; null empty.
REPR_FLOATS = FloatText(4, repr, "")


def decimals(
    units: NDArray[np.int64], places: int, nulls: NDArray[np.bool_], style: FloatText = JSON_FLOATS
) -> pa.StringArray:
    """The text of each ``units / 10**places`` as a float, as ``style`` writes it."""
    return join(*decimal_parts(units, places, nulls, style))


def decimal_parts(
    units: NDArray[np.int64], places: int, nulls: NDArray[np.bool_], style: FloatText = JSON_FLOATS
) -> list[pa.StringArray]:
    """``decimals`` in three parts whose join it is, for a caller that joins them into more.

    A value written whole (null, or by ``style.write``) is the middle part, the others empty.
    """
    sign, whole, fraction = _exact(units, places)
    magnitude = np.abs(units)
    smallest = 10 ** max(places - style.positional_from, 0)  # in units
    other = (magnitude >= 10**_EXACT_DIGITS) | ((magnitude < smallest) & (units != 0))
    other &= ~nulls
    if other.any():
        floats = units[other].astype(np.float64) / float(10**places)
        written = pa.array([style.write(x) for x in floats.tolist()])
        whole = _compute.replace_with_mask(whole, other, written)
    if nulls.any():
        whole = _compute.if_else(nulls, pa.scalar(style.null), whole)
    if (alone := other | nulls).any():
        sign = _compute.if_else(alone, pa.scalar(""), sign)
        fraction = _compute.if_else(alone, pa.scalar(""), fraction)
    return [sign, whole, fraction]
