"""The ``resolution=auto`` rule at its boundaries (a pure function: no database)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridts.rollups.resolution import Resolution, bucket_count, route

RAW_MAX = timedelta(days=3)
HOURLY_MAX = timedelta(days=62)
SECOND = timedelta(seconds=1)


def auto(width: timedelta, max_points: int | None = None) -> Resolution:
    return route(width, raw_max_range=RAW_MAX, hourly_max_range=HOURLY_MAX, max_points=max_points)


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (timedelta(0), Resolution.RAW),
        (RAW_MAX, Resolution.RAW),
        (RAW_MAX + SECOND, Resolution.HOUR),
        (HOURLY_MAX, Resolution.HOUR),
        (HOURLY_MAX + SECOND, Resolution.DAY),
        (timedelta(days=3660), Resolution.DAY),
    ],
)
def test_width_thresholds_are_inclusive(width: timedelta, expected: Resolution) -> None:
    assert auto(width) is expected


def test_bucket_counts_include_both_ends() -> None:
    assert bucket_count(Resolution.RAW, timedelta(0)) == 1
    assert bucket_count(Resolution.RAW, timedelta(hours=1)) == 5  # 15-minute estimate
    assert bucket_count(Resolution.HOUR, timedelta(hours=1)) == 2
    assert bucket_count(Resolution.HOUR, timedelta(hours=1) - SECOND) == 1
    assert bucket_count(Resolution.DAY, timedelta(days=365)) == 366


@pytest.mark.parametrize(
    ("width", "max_points", "expected"),
    [
        # One day: 97 raw points (15-minute estimate), 25 hourly, 2 daily.
        (timedelta(days=1), 97, Resolution.RAW),
        (timedelta(days=1), 96, Resolution.HOUR),
        (timedelta(days=1), 25, Resolution.HOUR),
        (timedelta(days=1), 24, Resolution.DAY),
        (timedelta(days=1), 1, Resolution.DAY),  # nothing coarser: 1d even though it exceeds
        # Thirty days routed to 1h: 721 hourly buckets.
        (timedelta(days=30), 721, Resolution.HOUR),
        (timedelta(days=30), 720, Resolution.DAY),
        # max_points never makes a resolution finer than the width allows.
        (timedelta(days=30), 10**9, Resolution.HOUR),
        (timedelta(days=365), 10**9, Resolution.DAY),
    ],
)
def test_max_points_only_coarsens_and_stops_at_the_first_fit(
    width: timedelta, max_points: int, expected: Resolution
) -> None:
    assert auto(width, max_points) is expected


@given(
    width=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3660)),
    max_points=st.none() | st.integers(1, 10**6),
)
def test_the_answer_fits_max_points_unless_daily_is_already_too_many(
    width: timedelta, max_points: int | None
) -> None:
    chosen = auto(width, max_points)
    order = [Resolution.RAW, Resolution.HOUR, Resolution.DAY]
    assert order.index(chosen) >= order.index(auto(width))
    if max_points is not None and chosen is not Resolution.DAY:
        assert bucket_count(chosen, width) <= max_points
