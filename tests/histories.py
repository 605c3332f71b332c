"""Random hierarchies and revision histories for the read property tests, and their loading.

Emptying the rollups (the ``db`` fixture truncates them) also resets their watermarks, so every
example starts with nothing materialised: "before refresh" answers come from real-time
aggregation over raw data, "after refresh" from the materialisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from hypothesis import strategies as st

if TYPE_CHECKING:
    import psycopg

    from reference import Row

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
BASE = datetime(2031, 1, 6, tzinfo=UTC)


@dataclass
class History:
    """A hierarchy and every revision of its nodes' targets."""

    grid_of_region: dict[int, int]
    region_of: dict[int, int]
    step: timedelta
    offset: timedelta
    """Where the targets start after the example's base (so day and hour edges vary)."""
    targets: dict[int, set[int]]
    """Per node, the indices of its targets (``base + offset + k * step``)."""
    revisions: dict[tuple[int, int], list[tuple[int, float]]]
    """Per (node, target index): (collected offset from the target in ms, value)."""
    rows: list[Row] = field(default_factory=list)
    base: datetime = BASE

    def materialise(self, base: datetime = BASE) -> None:
        """Turn indices into timestamps under ``base``."""
        self.base = base
        self.rows = []
        for (node, k), revs in self.revisions.items():
            target = base + self.offset + k * self.step
            for ms, value in revs:
                self.rows.append((node, target, target + timedelta(milliseconds=ms), value))

    @property
    def grids(self) -> list[int]:
        return sorted(set(self.grid_of_region.values()))

    def grid_of_node(self) -> dict[int, int]:
        return {n: self.grid_of_region[r] for n, r in self.region_of.items()}


@st.composite
def histories(draw: st.DrawFn, max_targets: int = 12) -> History:
    """A hierarchy of 1-2 grids, 1-3 regions, 1-4 nodes, and 0-3 revisions per target.

    Targets are hourly or 15-minute, whole seconds, spread over up to three days; revisions are
    collected up to three days before or one day after their target, in any order.
    """
    grids = draw(st.integers(1, 2))
    regions = draw(st.integers(1, 3))
    grid_of_region = {r: draw(st.integers(1, grids)) for r in range(1, regions + 1)}
    nodes = draw(st.integers(1, 4))
    region_of = {n: draw(st.integers(1, regions)) for n in range(1, nodes + 1)}
    step = draw(st.sampled_from([HOUR, timedelta(minutes=15)]))
    span = int(3 * DAY / step)
    offset = timedelta(hours=draw(st.integers(0, 23)))
    targets = {n: draw(st.sets(st.integers(0, span - 1), max_size=max_targets)) for n in region_of}
    revisions: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for node, indices in targets.items():
        for k in indices:
            collected = draw(
                st.lists(
                    st.integers(-3 * 86_400_000, 86_400_000), min_size=1, max_size=3, unique=True
                )
            )
            values = draw(
                st.lists(
                    st.floats(-1000, 1000, allow_nan=False, allow_infinity=False),
                    min_size=len(collected),
                    max_size=len(collected),
                )
            )
            revisions[(node, k)] = list(zip(collected, values, strict=True))
    return History(grid_of_region, region_of, step, offset, targets, revisions)


def instants(draw: st.DrawFn, history: History) -> datetime:
    """A timestamp near the history: a target or collection time exactly, or any second."""
    exact = [row[1] for row in history.rows] + [row[2] for row in history.rows]
    anywhere = st.integers(-2 * 86_400, 5 * 86_400).map(
        lambda s: history.base + timedelta(seconds=s)
    )
    return draw(st.sampled_from(exact) | anywhere if exact else anywhere)


def ranges(draw: st.DrawFn, history: History) -> tuple[datetime, datetime]:
    """An inclusive ``[start, end]`` (possibly a single instant)."""
    a, b = instants(draw, history), instants(draw, history)
    return min(a, b), max(a, b)


def node_name(node: int) -> str:
    return f"node {node}"


def load_hierarchy(conn: psycopg.Connection, history: History) -> None:
    """Write the history's grids, regions and nodes with their ids."""
    with conn.transaction():
        for grid in history.grids:
            conn.execute("INSERT INTO grid (id, name) VALUES (%s, %s)", (grid, f"grid {grid}"))
        for region, grid in history.grid_of_region.items():
            conn.execute(
                "INSERT INTO grid_region (id, grid_id, name) VALUES (%s, %s, %s)",
                (region, grid, f"region {region}"),
            )
        for node, region in history.region_of.items():
            conn.execute(
                "INSERT INTO grid_node (id, region_id, name) VALUES (%s, %s, %s)",
                (node, region, node_name(node)),
            )


def load(conn: psycopg.Connection, history: History) -> None:
    """Write the hierarchy and the revisions with plain SQL (COPY for the revisions)."""
    with conn.transaction():
        load_hierarchy(conn, history)
        with conn.cursor().copy(
            "COPY measures (node_id, timestamp_measured, timestamp_collected, value) FROM STDIN"
        ) as copy:
            for row in history.rows:
                copy.write_row(row)


def compress_all(conn: psycopg.Connection) -> int:
    """Compress every chunk of ``measures``; reads must answer the same from compressed batches."""
    row = conn.execute(
        "SELECT count(compress_chunk(c, if_not_compressed => true)) FROM show_chunks('measures') c"
    ).fetchone()
    assert row is not None
    return int(row[0])
