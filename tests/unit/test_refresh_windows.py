"""Which days a late write queues for refresh (``gridts.refresh.queue.windows``).

Every written day must be refreshed, in exactly one window; a day no write touched is left out
only where the refresh would have nothing to do there: in a gap of at least ``_SKIPPED``
untouched days that every rollup has materialised (the gap ends at or below the lowest
watermark). Everywhere else the windows stay whole: above the watermark, the refresh is what
materialises new data. And wherever a gap may be left out, it is.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gridts.refresh.queue import _SKIPPED, windows

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_DAY = timedelta(days=1)
_FIRST = 9_497  # 2026-01-01, in days since 2000-01-01


def _start(day: int) -> datetime:
    return _EPOCH + day * _DAY


@given(
    days=st.sets(st.integers(_FIRST, _FIRST + 120), min_size=1, max_size=40).map(sorted),
    lowest=st.integers(_FIRST - 5, _FIRST + 130),
)
def test_each_written_day_is_refreshed_once_and_only_materialised_long_gaps_are_left_out(
    days: list[int], lowest: int
) -> None:
    out = windows([_start(day) for day in days], _start(lowest))
    assert all(start < end for start, end in out)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(out))  # ascending, apart
    written = {_start(day) for day in days}
    assert {start for start, _ in out} <= written  # windows begin and end on written days
    assert {end - _DAY for _, end in out} <= written
    for day in days:
        assert sum(start <= _start(day) < end for start, end in out) == 1
    # The gaps between written days, and whether each may be left out.
    for before, after in itertools.pairwise(days):
        gap_start, gap_end = _start(before + 1), _start(after)
        if gap_start == gap_end:
            continue
        may_skip = after - before - 1 >= _SKIPPED and gap_end <= _start(lowest)
        covered = any(start <= gap_start < end for start, end in out)
        assert covered != may_skip, (before, after, lowest)


def test_a_correction_months_back_and_todays_values_are_two_windows() -> None:
    """The case that made this: a drain took 22-34 s for it at year scale, and 0.8 s now."""
    old, today = _FIRST + 3, _FIRST + 120
    written = [_start(old), _start(today)]
    assert windows(written, _start(today)) == [
        (_start(old), _start(old + 1)),
        (_start(today), _start(today + 1)),
    ]
    # The same write when nothing after the old day is materialised yet: one window.
    assert windows(written, _start(old + 1)) == [(_start(old), _start(today + 1))]
