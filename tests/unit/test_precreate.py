"""Which chunks a rollup's full refresh creates first (``gridts.refresh.precreate``).

Every instant of the span must fall in one of the chunks named, each named once, aligned on the
Unix epoch as TimescaleDB aligns chunks of a fixed interval, and none lying wholly outside; of
those, only the ones where ``measures`` has a chunk are created.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gridts.refresh.precreate import chunk_starts, holding

_UNIX = datetime(1970, 1, 1, tzinfo=UTC)
_T0 = datetime(2025, 1, 1, tzinfo=UTC)


@given(
    lo=st.integers(0, 3_000 * 24).map(lambda h: _T0 + timedelta(hours=h)),
    length=st.integers(1, 3_000 * 24).map(lambda h: timedelta(hours=h)),
    interval=st.sampled_from(
        [timedelta(hours=5), timedelta(days=4), timedelta(days=7), timedelta(days=36_500)]
    ),
)
def test_the_chunks_named_cover_the_span_once(
    lo: datetime, length: timedelta, interval: timedelta
) -> None:
    hi = lo + length
    starts = chunk_starts(lo, hi, interval)

    assert starts[0] <= lo < starts[0] + interval
    assert starts[-1] < hi <= starts[-1] + interval
    assert all(b - a == interval for a, b in itertools.pairwise(starts))
    assert all((s - _UNIX) % interval == timedelta(0) for s in starts)


def test_an_empty_span_names_no_chunk() -> None:
    assert chunk_starts(_T0, _T0, timedelta(days=4)) == []


@given(
    raw=st.lists(
        st.tuples(st.integers(0, 400), st.integers(1, 40)), max_size=12, unique_by=lambda r: r[0]
    ).map(lambda rs: sorted((_T0 + timedelta(days=a), _T0 + timedelta(days=a + n)) for a, n in rs)),
    interval=st.sampled_from([timedelta(hours=5), timedelta(days=4), timedelta(days=70)]),
)
def test_only_the_chunks_where_measures_has_one_are_kept(
    raw: list[tuple[datetime, datetime]], interval: timedelta
) -> None:
    """A stray row years ahead gives a span of years with nothing in it."""
    starts = chunk_starts(_T0 - timedelta(days=30), _T0 + timedelta(days=500), interval)

    kept = holding(starts, interval, raw)

    assert kept == [s for s in starts if any(lo < s + interval and s < hi for lo, hi in raw)]
