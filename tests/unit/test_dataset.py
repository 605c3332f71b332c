"""The synthetic data set's generators: the noisy default unchanged, the realistic one smooth.

The noisy generator is what every benchmark figure so far was measured on, so its first rows are
pinned; the realistic one is checked for what makes it realistic (a smooth shape, revisions
that converge on the measured value) and for being deterministic, and a Saturday's rows are
pinned too: the year runs' storage figures were measured on them.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gridts.dataset import DatasetPlan, Row, batches

NOISY_FIRST_ROWS = [
    (1, datetime(2025, 7, 1, tzinfo=UTC), datetime(2025, 6, 30, 12, tzinfo=UTC), 293.41, 0),
    (1, datetime(2025, 7, 1, tzinfo=UTC), datetime(2025, 6, 30, 13, tzinfo=UTC), 295.102, 0),
    (1, datetime(2025, 7, 1, tzinfo=UTC), datetime(2025, 6, 30, 14, tzinfo=UTC), 296.794, 0),
]

#: Node 2 of a two-node realistic plan on Saturday 2025-07-05 04:00 (weekend, season, drifts).
REALISTIC_SATURDAY_ROWS = [
    (2, datetime(2025, 7, 5, 4, tzinfo=UTC), datetime(2025, 7, 4, 16, tzinfo=UTC), 249.953, 0),
    (2, datetime(2025, 7, 5, 4, tzinfo=UTC), datetime(2025, 7, 4, 17, tzinfo=UTC), 252.074, 0),
    (2, datetime(2025, 7, 5, 4, tzinfo=UTC), datetime(2025, 7, 4, 18, tzinfo=UTC), 254.195, 0),
]


def rows(plan: DatasetPlan, batch_rows: int = 10_000) -> list[Row]:
    ids = [
        [1 + i * len(plan.series) + k for k in range(len(plan.series))] for i in range(plan.nodes)
    ]
    return [row for batch in batches(plan, ids, batch_rows) for row in batch]


def small(**fields: Any) -> DatasetPlan:
    sizes: dict[str, Any] = {"grids": 1, "regions_per_grid": 2, "nodes_per_region": 2}
    return DatasetPlan(**{**sizes, "span": timedelta(weeks=4), **fields})


def revisions(data: list[Row]) -> dict[tuple[int, datetime], list[float]]:
    """Values per (series, target), in collection order."""
    by_target: dict[tuple[int, datetime], list[tuple[datetime, float]]] = defaultdict(list)
    for series, target, collected, value, _ in data:
        by_target[series, target].append((collected, value))
    return {key: [v for _, v in sorted(revs)] for key, revs in by_target.items()}


def test_noisy_is_the_default_and_unchanged() -> None:
    plan = DatasetPlan(grids=1, regions_per_grid=1, nodes_per_region=1)
    assert plan.values == "noisy"
    assert rows(plan)[:3] == NOISY_FIRST_ROWS


def test_realistic_is_unchanged() -> None:
    plan = DatasetPlan(grids=1, regions_per_grid=1, nodes_per_region=2, values="realistic")
    saturday = datetime(2025, 7, 5, 4, tzinfo=UTC)
    assert [r for r in rows(plan) if r[0] == 2 and r[1] == saturday] == REALISTIC_SATURDAY_ROWS


@pytest.mark.parametrize("values", ["noisy", "realistic"])
def test_values_have_three_decimals(values: str) -> None:
    assert all(round(value, 3) == value for *_, value, _ in rows(small(values=values)))


def test_realistic_shape_is_smooth() -> None:
    """Hour to hour the measured value moves by a few per cent; the noisy one jumps more."""

    def steps(values: str) -> list[float]:
        finals = revisions(rows(small(values=values)))
        per_series: dict[int, list[float]] = defaultdict(list)
        for (series, _), revs in sorted(finals.items()):
            per_series[series].append(revs[-1])
        out = []
        for series_values in per_series.values():
            mean = statistics.fmean(series_values)
            # Second differences: a smooth curve bends a little, noise bends a lot.
            out += [
                abs(a - 2 * b + c) / mean
                for a, b, c in zip(
                    series_values, series_values[1:], series_values[2:], strict=False
                )
            ]
        return out

    realistic, noisy = steps("realistic"), steps("noisy")
    assert max(realistic) < 0.05
    assert statistics.median(realistic) < statistics.median(noisy) / 2


def test_realistic_revisions_converge_on_the_final_value() -> None:
    plan = small(values="realistic", revisions=4)
    first_errors = []
    for revs in revisions(rows(plan)).values():
        final = revs[-1]
        errors = [abs(v - final) for v in revs]
        assert errors == sorted(errors, reverse=True)  # each revision is closer (or as close)
        first_errors.append(errors[0] / final)
    assert 0.005 < statistics.fmean(first_errors) < 0.05  # a forecast is off by a few per cent
    assert max(first_errors) < 0.15


def test_realistic_is_deterministic_by_seed_and_batching() -> None:
    plan = small(values="realistic")
    assert rows(plan, batch_rows=7) == rows(plan)
    assert rows(small(values="realistic", random_seed=1)) != rows(plan)
    assert rows(plan) != rows(small())


def test_realistic_extra_series_revise_toward_their_final_value() -> None:
    plan = small(values="realistic", extra_series=True, span=timedelta(days=3))
    data = rows(plan)
    assert len(data) == plan.rows
    for revs in revisions(data).values():
        errors = [abs(v - revs[-1]) for v in revs]
        assert errors == sorted(errors, reverse=True)


@pytest.mark.parametrize("values", ["noisy", "realistic"])
def test_day_ahead_collection(values: str) -> None:
    """A forecast collected at 12:00 UTC the day before, the measure an hour after the target."""
    plan = small(values=values, revisions=2, collection="day_ahead", span=timedelta(days=2))
    data = rows(plan)
    assert len(data) == plan.rows
    for series, target, collected, _, _ in data:
        assert series >= 1
        if collected < target:
            assert collected == datetime.combine(
                target.date() - timedelta(days=1), datetime.min.time(), UTC
            ) + timedelta(hours=12)
        else:
            assert collected == target + timedelta(hours=1)


def test_day_ahead_needs_two_revisions() -> None:
    with pytest.raises(ValueError, match="2 revisions"):
        DatasetPlan(collection="day_ahead", revisions=3)
