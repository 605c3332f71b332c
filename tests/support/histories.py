"""Random hierarchies and revision histories for the property tests, and their loading.

One ``History`` serves every property test: the read endpoints (latest, as of, revisions,
rollups, horizon, accuracy) compare their answers with ``support.reference`` over it, ingest sends
its rows in batches, and the continuous aggregates take its rows in two deliveries.

Emptying the rollups (``reset_database`` truncates them) also resets their watermarks, so every
example starts with nothing materialised: "before refresh" answers come from real-time
aggregation over raw data, "after refresh" from the materialisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from hypothesis import strategies as st

from support.db import make_hierarchy, reset_database, write_measures

if TYPE_CHECKING:
    import psycopg

    from support.db import Tree
    from support.reference import Row

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
BASE = datetime(2031, 1, 6, tzinfo=UTC)
# Bases around Europe/Dublin's DST changes of 2031 (30 March, 26 October) and a plain week.
DST_BASES = [
    datetime(2031, 3, 28, tzinfo=UTC),
    datetime(2031, 10, 24, tzinfo=UTC),
    datetime(2031, 1, 6, tzinfo=UTC),
]


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

    def tree(self) -> Tree:
        """The hierarchy for ``make_hierarchy``, with the history's ids."""
        return {
            (grid, f"grid {grid}"): {
                (region, f"region {region}"): [
                    (node, node_name(node))
                    for node, parent in sorted(self.region_of.items())
                    if parent == region
                ]
                for region, owner in sorted(self.grid_of_region.items())
                if owner == grid
            }
            for grid in self.grids
        }


@st.composite
def histories(
    draw: st.DrawFn, max_targets: int = 12, values: tuple[float, float] = (-1000, 1000)
) -> History:
    """A hierarchy of 1-2 grids, 1-3 regions, 1-4 nodes, and 1-3 revisions per target.

    Targets are hourly or 15-minute, whole seconds, spread over up to three days; revisions are
    collected up to three days before or one day after their target, in any order, with values
    in ``values``.
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
            drawn = draw(
                st.lists(
                    # Values in thousandths: a kind keeps 3 decimals unless it says otherwise.
                    st.integers(int(values[0] * 1000), int(values[1] * 1000)).map(
                        lambda v: v / 1000
                    ),
                    min_size=len(collected),
                    max_size=len(collected),
                )
            )
            revisions[(node, k)] = list(zip(collected, drawn, strict=True))
    return History(grid_of_region, region_of, step, offset, targets, revisions)


@st.composite
def instants(draw: st.DrawFn, history: History) -> datetime:
    """A timestamp near the history: a target or collection time exactly, or any second."""
    exact = [row[1] for row in history.rows] + [row[2] for row in history.rows]
    anywhere = st.integers(-2 * 86_400, 5 * 86_400).map(
        lambda s: history.base + timedelta(seconds=s)
    )
    return draw(st.sampled_from(exact) | anywhere if exact else anywhere)


@st.composite
def ranges(draw: st.DrawFn, history: History) -> tuple[datetime, datetime]:
    """An inclusive ``[start, end]`` (possibly a single instant)."""
    a, b = draw(instants(history)), draw(instants(history))
    return min(a, b), max(a, b)


@st.composite
def around_dst(draw: st.DrawFn) -> History:
    """A history of up to ten targets per node, materialised around a DST change or not."""
    history = draw(histories(max_targets=10))
    history.materialise(draw(st.sampled_from(DST_BASES)))
    return history


@st.composite
def leads(draw: st.DrawFn, history: History) -> timedelta:
    """Leads before, at and after revisions: exact target - collected gaps, and round values."""
    exact = [row[1] - row[2] for row in history.rows if row[1] >= row[2]]
    round_ = st.sampled_from(
        [
            timedelta(0),
            timedelta(minutes=15),
            timedelta(hours=1),
            timedelta(hours=12),
            timedelta(days=1),
            timedelta(days=3),
        ]
    )
    value = draw(st.sampled_from(exact) | round_ if exact else round_)
    nudge = draw(
        st.sampled_from([timedelta(0), timedelta(milliseconds=1), -timedelta(milliseconds=1)])
    )
    return max(value + nudge, timedelta(0))


def node_name(node: int) -> str:
    return f"node {node}"


def load_hierarchy(conn: psycopg.Connection, history: History) -> None:
    """Write the history's grids, regions and nodes with their ids."""
    make_hierarchy(conn, history.tree())


def reload(conn: psycopg.Connection, history: History) -> None:
    """Empty the database, then write the (materialised) history: hierarchy, then revisions."""
    reset_database(conn)
    with conn.transaction():
        load_hierarchy(conn, history)
        write_measures(conn, history.rows)


def target_span(history: History) -> dict[str, str]:
    """``start_datetime``/``end_datetime`` covering every target (the base when there are none)."""
    targets = [row[1] for row in history.rows] or [history.base]
    return {
        "start_datetime": min(targets).isoformat(),
        "end_datetime": max(targets).isoformat(),
    }
