"""How a refresh window is cut into pieces (``gridts.refresh.views._pieces``).

The pieces must cover the window exactly, none may cross the compression horizon (a piece
written compressed lies wholly before it), and every cut must fall on a bucket boundary of every
rollup, or a refresh would skip the buckets it cuts.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from gridts.refresh.views import _HOUR, _MAX_PIECES, _UNIX, _Piece, _pieces, _Plan

_T0 = datetime(2025, 1, 1, tzinfo=UTC)
_days = st.integers(0, 400).map(lambda d: _T0 + timedelta(days=d))
_hours = st.integers(0, 400 * 24).map(lambda h: _T0 + timedelta(hours=h))


@given(
    start=st.none() | _hours,
    length=st.none() | st.integers(1, 200 * 24).map(lambda h: timedelta(hours=h)),
    horizon=st.none() | _days,
    bounds=st.none() | st.tuples(_days, st.integers(1, 400).map(lambda d: timedelta(days=d))),
    jobs=st.integers(1, 4),
    chunk=st.none() | st.sampled_from([timedelta(days=7), timedelta(days=1), timedelta(hours=5)]),
    per_piece=st.integers(1, 5),
)
def test_pieces_cover_the_window_and_respect_the_horizon(  # noqa: PLR0917 - hypothesis' draws
    start: datetime | None,
    length: timedelta | None,
    horizon: datetime | None,
    bounds: tuple[datetime, timedelta] | None,
    jobs: int,
    chunk: timedelta | None,
    per_piece: int,
) -> None:
    end = None if length is None else (start or _T0) + length
    data = None if bounds is None else (bounds[0], bounds[0] + bounds[1])
    pieces = _pieces(
        "series_latest",
        start,
        end,
        compressed_before=horizon,
        bounds=data,
        jobs=jobs,
        chunk=chunk,
        per_piece=per_piece,
    )

    assert pieces[0].start == start
    assert pieces[-1].end == end
    for before, after in itertools.pairwise(pieces):
        assert before.end == after.start
        assert before.end is not None
        assert before.end - _T0 == (before.end - _T0) // _HOUR * _HOUR  # a bucket boundary
    for piece in pieces:
        if piece.start is not None and piece.end is not None:
            assert piece.start < piece.end
        if piece.compressed:
            assert horizon is not None
            assert piece.end is not None
            assert piece.end <= horizon
        elif horizon is not None and piece.end is not None:
            assert piece.end > horizon  # everything before the horizon is written compressed
        if horizon is not None and piece.start is not None and piece.end is not None:
            assert not piece.start < horizon < piece.end
    if chunk is None or jobs == 1 or data is None:
        assert len(pieces) <= jobs + 1 + (horizon is not None)
    else:  # cut at the chunks' boundaries (aligned on the Unix epoch) and nowhere else
        assert len(pieces) <= _MAX_PIECES + 2 + (horizon is not None)
        for before in pieces[:-1]:
            assert before.end is not None
            assert before.end == horizon or (before.end - _UNIX) % chunk == timedelta(0)
            assert before.end == horizon or data[0] < before.end < data[1]


@given(
    raw=st.lists(st.tuples(_days, st.integers(1, 30)), min_size=1, max_size=8).map(
        lambda rs: sorted((a, a + timedelta(days=n)) for a, n in rs)
    ),
    chunk=st.sampled_from([timedelta(days=4), timedelta(days=7), timedelta(hours=5)]),
    per_piece=st.integers(1, 5),
    horizon=st.none() | _days,
)
def test_only_the_boundaries_beside_measures_chunks_are_cut(
    raw: list[tuple[datetime, datetime]],
    chunk: timedelta,
    per_piece: int,
    horizon: datetime | None,
) -> None:
    """Gaps between ``measures``' chunks (a stray row years ahead) are cut nowhere."""
    data = (min(lo for lo, _ in raw), max(hi for _, hi in raw))
    pieces = _pieces(
        "series_latest", None, None, compressed_before=horizon, bounds=data, jobs=2,
        chunk=chunk, per_piece=per_piece, raw=raw,
    )  # fmt: skip

    assert pieces[0].start is None
    assert pieces[-1].end is None
    assert all(a.end == b.start for a, b in itertools.pairwise(pieces))
    assert len(pieces) <= _MAX_PIECES + 2 + (horizon is not None)
    for piece in pieces[:-1]:
        cut = piece.end
        assert cut is not None
        if cut != horizon:
            assert (cut - _UNIX) % chunk == timedelta(0)
            assert any(lo < cut + chunk and cut - chunk < hi for lo, hi in raw)


@given(
    first=_days,
    weeks=st.integers(1, 120),
    chunk=st.sampled_from([timedelta(days=4), timedelta(days=7), timedelta(hours=5)]),
    per_piece=st.integers(1, 5),
)
def test_where_measures_chunks_cover_the_span_the_cuts_are_as_without_them(
    first: datetime, weeks: int, chunk: timedelta, per_piece: int
) -> None:
    week = timedelta(days=7)
    start = _UNIX + ((first - _UNIX) // week) * week
    raw = [(start + week * k, start + week * (k + 1)) for k in range(weeks)]
    data = (first, start + week * weeks)

    def cut(raw: list[tuple[datetime, datetime]]) -> list[_Piece]:
        return _pieces(
            "series_latest", None, None, compressed_before=None, bounds=data, jobs=2,
            chunk=chunk, per_piece=per_piece, raw=raw,
        )  # fmt: skip

    assert cut(raw) == cut([])


def test_a_stray_chunk_years_ahead_leaves_the_data_its_pieces() -> None:
    """A year of 4-day chunks and one chunk thirty years on: the year is cut every other chunk
    (93 boundaries beside data, at most 64 pieces), not every 43rd (2,740 in the span)."""
    year = (_T0, _T0 + timedelta(days=365))
    stray = (datetime(2055, 1, 1, tzinfo=UTC), datetime(2055, 1, 8, tzinfo=UTC))
    week = timedelta(days=7)
    raw = [(year[0] + week * k, year[0] + week * (k + 1)) for k in range(53)] + [stray]
    pieces = _pieces(
        "series_latest", None, None, compressed_before=None, bounds=(year[0], stray[1]), jobs=2,
        chunk=timedelta(days=4), raw=raw,
    )  # fmt: skip
    inside = [p for p in pieces if p.start and p.end and year[0] <= p.start and p.end <= year[1]]
    assert {p.end - p.start for p in inside if p.start and p.end} == {timedelta(days=8)}
    assert len(inside) >= 40
    gap = [p for p in pieces if p.start and p.end and p.end - p.start > timedelta(days=365)]
    assert len(gap) == 1  # the thirty years between, one piece


def test_a_long_window_is_split_in_halves_side_by_side() -> None:
    start, end = _T0, _T0 + timedelta(days=20)
    pieces = _pieces("series_1h", start, end, compressed_before=None, bounds=(start, end), jobs=2)
    assert [(p.start, p.end, p.compressed) for p in pieces] == [
        (start, start + timedelta(days=10), False),
        (start + timedelta(days=10), end, False),
    ]


def test_the_aggregate_over_measures_is_cut_at_its_chunks() -> None:
    start, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 20, tzinfo=UTC)
    week = timedelta(days=7)  # chunks from Thursday 1970-01-01: 2025-01-02 and 2025-01-09, ...
    pieces = _pieces(
        "series_latest", start, end, compressed_before=None, bounds=(start, end), jobs=2, chunk=week
    )
    thursdays = [datetime(2025, 1, 2, tzinfo=UTC) + week * i for i in range(3)]
    assert [(p.start, p.end) for p in pieces] == list(itertools.pairwise([start, *thursdays, end]))


def test_a_long_sparse_history_is_cut_every_few_chunks() -> None:
    start, end = datetime(2018, 1, 1, tzinfo=UTC), datetime(2025, 9, 1, tzinfo=UTC)
    week = timedelta(days=7)
    pieces = _pieces(
        "series_latest", start, end, compressed_before=None, bounds=(start, end), jobs=2, chunk=week
    )
    assert len(pieces) <= _MAX_PIECES + 1
    widths = {p.end - p.start for p in pieces[1:-1] if p.start and p.end}
    assert len(widths) == 1
    assert widths.pop() % week == timedelta(0)


def test_a_few_rows_in_wide_chunks_make_one_cut() -> None:
    """Two revisions give a year-wide chunk, and a piece is to take 20,000 of them (so many
    would hold ``_PIECE_ROWS``): one cut, not a step past year 9999 (an ``OverflowError``)."""
    year = timedelta(days=365)
    data = (_T0, _T0 + timedelta(days=400))
    pieces = _pieces(
        "series_latest",
        None,
        None,
        compressed_before=None,
        bounds=data,
        jobs=2,
        chunk=year,
        per_piece=20_000,
    )
    cut = _UNIX + ((_T0 - _UNIX) // year + 1) * year
    assert [(p.start, p.end) for p in pieces] == [(None, cut), (cut, None)]


def test_without_bounds_an_unbounded_window_is_cut_only_at_the_horizon() -> None:
    horizon = _T0 + timedelta(days=100)
    pieces = _pieces("region_1h", None, None, compressed_before=horizon, bounds=None, jobs=2)
    assert [(p.start, p.end, p.compressed) for p in pieces] == [
        (None, horizon, True),
        (horizon, None, False),
    ]


@given(
    start=_hours,
    length=st.integers(1, 60 * 24).map(lambda h: timedelta(hours=h)),
    width=st.sampled_from([timedelta(days=4), timedelta(days=7), timedelta(days=1)]),
    compressed=st.sets(st.integers(-20, 80), max_size=30),
    horizon=st.none() | _days,
    floor=st.none() | _days,
)
def test_a_window_over_compressed_chunks_refreshes_them_whole(  # noqa: PLR0917 - hypothesis' draws
    start: datetime,
    length: timedelta,
    width: timedelta,
    compressed: set[int],
    horizon: datetime | None,
    floor: datetime | None,
) -> None:
    """A bounded window is widened to the compressed chunks it overlaps, each one piece forced
    over the whole chunk (above the retention floor); the rest is cut as ``_pieces`` cuts it."""
    end = start + length
    first = _UNIX + ((_T0 - _UNIX) // width) * width
    chunks = [
        (first + width * k, first + width * (k + 1))
        for k in sorted(compressed)
        if first + width * (k + 1) > start and first + width * k < end
    ]
    plan = _Plan(
        floor=floor,
        horizons={} if horizon is None else {"series_1h": horizon},
        jobs=1,
        bounds=None,
        chunks={},
        per_piece=1,
        raw=[],
        compressed={"series_1h": chunks},
    )
    since = start if floor is None else max(start, floor)  # as refresh_all clips it
    assume(since < end)
    pieces = plan.pieces("series_1h", since, end)

    clipped = [(lo if floor is None else max(lo, floor), hi) for lo, hi in chunks]
    forced = [(p.start, p.end) for p in pieces if p.force]
    assert forced == [(lo, hi) for lo, hi in clipped if lo < hi]
    assert all(p.compressed for p in pieces if p.force)
    # Together they cover the window and the chunks' rest, each instant once.
    covered = sorted((p.start, p.end) for p in pieces)
    for (_, before), (after, _) in itertools.pairwise(covered):
        assert before == after
    assert covered[0][0] == min([since, *(lo for lo, _ in forced)])
    assert covered[-1][1] == max([end, *(hi for _, hi in forced)])
