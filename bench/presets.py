"""The sizes of a benchmark run: named presets, and the seed plan a preset stands for.

Apart from the command line so that the year-scale scripts share the start instant and the plan
shape with ``run.py`` instead of restating them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gridts.dataset import Collection, DatasetPlan, Values

#: The first target of every benchmark data set (but ``history``'s).
START = datetime(2025, 1, 1, tzinfo=UTC)
#: The first target of ``history``: a small system operator's archive since 2018.
HISTORY_START = datetime(2018, 1, 1, tzinfo=UTC)

#: The sizes ``run.py`` lets the command line override.
SIZES = ("grids", "regions", "nodes", "revisions", "days", "clients")


@dataclass(frozen=True)
class Preset:
    """Sizes and repetitions of a run."""

    grids: int
    regions: int
    nodes: int
    revisions: int
    days: int
    repetitions: int
    """Warm repetitions of each HTTP read."""
    baseline_sample: int
    """Rows loaded into the baseline with row-by-row INSERTs (the rest by COPY)."""
    http_days: int
    """Days of extra data posted over HTTP (per format)."""
    clients: int
    mixed_seconds: float
    baseline_timeout: int = 120
    """Seconds after which a baseline query is cancelled (and reported as such)."""
    start: datetime = START
    """The first target."""
    values: Values = "noisy"
    """The generator's values (``DatasetPlan.values``)."""
    collection: Collection = "leads"
    """When revisions are collected (``DatasetPlan.collection``)."""

    def resized(self, **sizes: int | None) -> Preset:
        """This preset with the sizes given (``None``: keep the preset's)."""
        return dataclasses.replace(self, **{k: v for k, v in sizes.items() if v is not None})

    def plan(self, seed: int = 0) -> DatasetPlan:
        """The data set this preset loads (``gridts seed``'s generator, deterministic)."""
        return DatasetPlan(
            grids=self.grids,
            regions_per_grid=self.regions,
            nodes_per_region=self.nodes,
            revisions=self.revisions,
            start=self.start,
            span=timedelta(days=self.days),
            random_seed=seed,
            values=self.values,
            collection=self.collection,
        )


PRESETS = {
    "quick": Preset(2, 2, 2, 3, 3, 10, 500, 1, 4, 2.0, 30),
    "seed": Preset(3, 3, 3, 3, 365, 200, 20_000, 28, 4, 10.0),
    "year": Preset(10, 10, 10, 4, 365, 50, 20_000, 3, 8, 15.0, 300),
    # Few nodes, many years (issue 14): 8 nodes, hourly, a day-ahead forecast (collected at
    # 12:00 UTC the day before) and the measured value (an hour after) per target, realistic
    # load curves, 2018-01-01 to 2025-09-13 (7.7 years): 1,079,808 rows.
    "history": Preset(
        1,
        2,
        4,
        2,
        2_812,
        50,
        20_000,
        7,
        4,
        10.0,
        300,
        start=HISTORY_START,
        values="realistic",
        collection="day_ahead",
    ),
}
