"""The column-at-once text (``gridts.formats.columns``) is msgspec's JSON and csv's, to the byte."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import msgspec
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridts.formats.columns import (
    JSON_FLOATS,
    REPR_FLOATS,
    between,
    decimals,
    join,
    timestamps,
)
from gridts.instants import POSTGRES_EPOCH as _PG_EPOCH

if TYPE_CHECKING:
    from collections.abc import Callable

    from gridts.formats.columns import FloatText

_FIRST = datetime(1, 1, 1, tzinfo=UTC) - _PG_EPOCH
_LAST = datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC) - _PG_EPOCH
_US = timedelta(microseconds=1)
#: What gridts stores (``gridts.instants``), where most draws fall, and all that Python can hold.
_STORED = st.integers(
    (datetime(1900, 1, 1, tzinfo=UTC) - _PG_EPOCH) // _US,
    (datetime(2200, 1, 1, tzinfo=UTC) - _PG_EPOCH) // _US,
)
_ANY = st.integers(_FIRST // _US, _LAST // _US)
#: Whole hours and seconds are what grids send; microseconds come with collection times.
_ROUND = st.builds(lambda us, unit: us // unit * unit, _STORED, st.sampled_from([3_600_000_000, 1]))
_HOUR = 3_600_000_000


@st.composite
def _instants(draw: st.DrawFn) -> list[int]:
    """A chunk's instants: any, or whole hours near each other (a table of hours writes them)."""
    if draw(st.booleans()):
        return draw(st.lists(st.one_of(_ROUND, _STORED, _ANY), max_size=60))
    first = draw(_STORED) // _HOUR * _HOUR
    span = draw(st.sampled_from([1, 48, 24 * 366 - 1, 24 * 366, 24 * 400]))
    hours = draw(st.lists(st.integers(0, span), max_size=60))
    return [first + hour * _HOUR for hour in hours]


def _msgspec_items(values: list[object]) -> list[str]:
    return [msgspec.json.encode(value).decode() for value in values]


@given(_instants())
def test_timestamps_are_written_as_msgspec_writes_utc_datetimes(micros: list[int]) -> None:
    expected = _msgspec_items([_PG_EPOCH + timedelta(microseconds=us) for us in micros])
    text = timestamps(np.array(micros, dtype=np.int64)).to_pylist()
    assert [f'"{item}"' for item in text] == expected


def _pairs(first: list[int]) -> st.SearchStrategy[tuple[list[int], list[int]]]:
    """``first``, and the same instants in any order, some moved by a few microseconds."""
    moved = st.lists(st.sampled_from([0, 0, 1, 999_999]), min_size=len(first), max_size=len(first))
    return st.tuples(st.permutations(first), moved).map(
        lambda drawn: (first, [min(us + by, _LAST // _US) for us, by in zip(*drawn, strict=True)])
    )


@given(pairs=_instants().flatmap(_pairs))
def test_two_timestamps_and_the_text_between_them_are_each_rows_parts_joined(
    pairs: tuple[list[int], list[int]],
) -> None:
    first, second = (np.array(us, dtype=np.int64) for us in pairs)
    expected = join(timestamps(first), '","b":"', timestamps(second), '",')
    assert between(first, '","b":"', second, '",').to_pylist() == expected.to_pylist()


_UNITS = st.one_of(
    st.integers(-(10**9), 10**9),
    st.integers(-(2**63) + 1, 2**63 - 1),
    st.sampled_from([0, 1, -1, 9, 10, 99_999, 10**15 - 1, 10**15, -(10**15), 2**53, 2**53 + 1]),
)


def _json(value: float | None) -> str:
    return msgspec.json.encode(value).decode()


def _csv(value: float | None) -> str:
    """What ``csv.writer`` writes: a float's ``repr``, and ``None`` as an empty field."""
    return "" if value is None else repr(value)


@pytest.mark.parametrize(("style", "write"), [(JSON_FLOATS, _json), (REPR_FLOATS, _csv)])
@given(
    rows=st.lists(st.tuples(_UNITS, st.booleans()), max_size=60),
    places=st.integers(0, 6),
)
def test_values_are_written_as_each_format_writes_the_floats_reads_divide_out(
    style: FloatText,
    write: Callable[[float | None], str],
    rows: list[tuple[int, bool]],
    places: int,
) -> None:
    """``value::float8 / scale`` in the reads' SQL: the integer as a double, over 10**places."""
    units = np.array([unit for unit, _ in rows], dtype=np.int64)
    nulls = np.array([null for _, null in rows], dtype=np.bool_)
    expected = [write(None if null else float(unit) / float(10**places)) for unit, null in rows]
    assert decimals(units, places, nulls, style).to_pylist() == expected
