"""The synthetic data set, made deterministically: ``gridts seed`` and the benchmarks use it.

Its default shape and names are those of the design documents users wrote (3 grids x 3 regions
x 3 nodes, 3 revisions per target), so figures stay comparable across runs. Hierarchy:
``Grid1..G`` with ``Region1_G1..`` per grid and ``Node1_R1..`` per region. Each node reports a
target every ``resolution`` over ``span`` from ``start``, each target revised ``revisions``
times, collected 12, 11, 10 ... hours before it.

Values look like a grid: every node has its own size, a daily load shape (a morning and an
evening peak, lower at night and on weekends), and noise; forecasts start off by a few per cent
and converge on the final value as the collection time nears the target (the last revision is
the final value). A node's values depend only on ``random_seed`` and the node's position, never
on how rows are batched, so a re-run with the same arguments writes exactly the same rows.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from psycopg import AsyncConnection

Row = tuple[int, datetime, datetime, float]

FIRST_LEAD = timedelta(hours=12)
LEAD_STEP = timedelta(hours=1)


@dataclass(frozen=True)
class DatasetPlan:
    """What to generate."""

    grids: int = 3
    regions_per_grid: int = 3
    nodes_per_region: int = 3
    revisions: int = 3
    start: datetime = datetime(2025, 7, 1, tzinfo=UTC)
    span: timedelta = timedelta(weeks=1)
    resolution: timedelta = timedelta(hours=1)
    random_seed: int = 0

    @property
    def nodes(self) -> int:
        """Nodes in all."""
        return self.grids * self.regions_per_grid * self.nodes_per_region

    @property
    def targets(self) -> int:
        """Target timestamps per node."""
        return int(self.span / self.resolution)

    @property
    def rows(self) -> int:
        """Rows the plan writes."""
        return self.nodes * self.targets * self.revisions

    @property
    def end(self) -> datetime:
        """The last target timestamp."""
        return self.start + (self.targets - 1) * self.resolution

    def names(self) -> Iterator[tuple[str, str, str]]:
        """``(grid, region, node)`` names of every node, in node-index order."""
        region_number = 0
        for g in range(1, self.grids + 1):
            for r in range(1, self.regions_per_grid + 1):
                region_number += 1
                for n in range(1, self.nodes_per_region + 1):
                    yield f"Grid{g}", f"Region{r}_G{g}", f"Node{n}_R{region_number}"


async def ensure_hierarchy(conn: AsyncConnection, plan: DatasetPlan) -> list[int]:
    """Create the plan's grids, regions and nodes where missing; node ids in node-index order."""
    ids: list[int] = []
    async with conn.transaction():
        for grid, region, node in plan.names():
            cursor = await conn.execute(
                """
                WITH g AS (
                    INSERT INTO grid (name) VALUES (%(grid)s)
                    ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id
                ), r AS (
                    INSERT INTO grid_region (grid_id, name) SELECT id, %(region)s FROM g
                    ON CONFLICT (grid_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id
                )
                INSERT INTO grid_node (region_id, name) SELECT id, %(node)s FROM r
                ON CONFLICT (region_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id
                """,
                {"grid": grid, "region": region, "node": node},
            )
            row = await cursor.fetchone()
            assert row is not None  # noqa: S101 - RETURNING always yields the row
            ids.append(row[0])
    return ids


class _Node:
    """One node's deterministic signal."""

    def __init__(self, plan: DatasetPlan, index: int) -> None:
        self.rng = random.Random(f"{plan.random_seed}:{index}")  # noqa: S311 - not cryptographic
        self.size = round(self.rng.uniform(20, 500), 1)  # kW at the daily mean
        self.phase = self.rng.uniform(-1.0, 1.0)  # hours: nodes peak at slightly different times

    def final(self, target: datetime) -> float:
        hour = target.hour + target.minute / 60 + self.phase
        shape = (
            1.0
            + 0.18 * math.cos(2 * math.pi * (hour - 19) / 24)
            + 0.08 * math.cos(4 * math.pi * (hour - 8) / 24)
        )
        if target.weekday() >= 5:  # noqa: PLR2004 - Saturday and Sunday
            shape *= 0.85
        return self.size * shape * (1 + self.rng.gauss(0, 0.02))


def batches(plan: DatasetPlan, node_ids: list[int], batch_rows: int) -> Iterator[list[Row]]:
    """The plan's rows in time order (every node's revisions of a target together)."""
    nodes = [_Node(plan, i) for i in range(len(node_ids))]
    leads = [FIRST_LEAD - k * LEAD_STEP for k in range(plan.revisions)]
    # Forecast error shrinks to zero at the last revision: the last one is the final value.
    weights = [(plan.revisions - 1 - k) / max(plan.revisions - 1, 1) for k in range(plan.revisions)]
    batch: list[Row] = []
    for step in range(plan.targets):
        target = plan.start + step * plan.resolution
        for node_id, node in zip(node_ids, nodes, strict=True):
            final = node.final(target)
            error = node.rng.gauss(0, 0.05) * final
            for lead, weight in zip(leads, weights, strict=True):
                batch.append((node_id, target, target - lead, round(final + weight * error, 3)))
        if len(batch) >= batch_rows:
            yield batch
            batch = []
    if batch:
        yield batch
