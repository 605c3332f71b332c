"""The timed reads, each defined once with a stable id, its request and what the plots need.

``run.py``'s warm reads, its mixed load and the baseline's matching SQL all iterate one list
(``read_cases``); the year-scale scripts have theirs here too (``year_cases``,
``routing_cases``). A case says what it reads (kind, scope, level, resolution, range) as fields:
the HTTP request, the baseline's query and the plots are derived from them, never from the
display name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from gridts.dataset import DatasetPlan

Kind = Literal["latest", "as_of", "rollup", "revisions", "accuracy"]
Scope = Literal["one_node", "all_nodes", "one_region", "one_grid", "all_grids"]
Level = Literal["region", "grid"]

PATHS: dict[Kind, str] = {
    "latest": "/api/v1/measures",
    "as_of": "/api/v1/measures",
    "rollup": "/api/v1/rollups",
    "revisions": "/api/v1/measures/revisions",
    "accuracy": "/api/v1/accuracy",
}
#: The leads of the accuracy read: three the generator's revisions are collected at (12, 11 and
#: 10 hours ahead) and one none is (a day), as ``accuracy_year.py``'s second set.
ACCURACY_LEADS = ("PT10H", "PT11H", "PT12H", "PT24H")


@dataclass(frozen=True)
class Entities:
    """The node, region and grid a run's one-entity reads ask for (ids differ per database)."""

    node: int
    region: int
    grid: int | None = None


@dataclass(frozen=True)
class ReadCase:
    """One timed read."""

    id: str
    """Stable key of the read's figures, e.g. ``rollup.grid.30d.auto``."""
    name: str
    """Display name, e.g. ``grid rollup, 30 d, auto``."""
    kind: Kind
    scope: Scope
    """Whose values: one node, all nodes, one region or grid (the case's entity), all grids."""
    start: datetime
    end: datetime
    days: int
    """Width of the range in days (the x axis of ``latency_by_width.png``)."""
    level: Level | None = None
    """Rollups and accuracy: the level aggregated to."""
    resolution: str | None = None
    """Rollups: ``auto``, ``raw``, ``1h``, ``1d``; None leaves it to the service (``auto``)."""
    collected: datetime | None = None
    """"As of" reads: the collection time."""
    mixed: bool = False
    """One of the reads the mixed load picks from."""
    leads: tuple[str, ...] = ()
    """Accuracy: the leads compared."""

    @property
    def path(self) -> str:
        """The HTTP path the read requests."""
        return PATHS[self.kind]

    def params(self, ids: Entities) -> dict[str, str | int | list[str]]:
        """The query string of the HTTP request, for a database whose entities are ``ids``."""
        params: dict[str, str | int | list[str]] = {
            "start_datetime": self.start.isoformat(),
            "end_datetime": self.end.isoformat(),
        }
        if self.level:
            params["level"] = self.level
        entity = {"one_node": ids.node, "one_region": ids.region, "one_grid": ids.grid}.get(
            self.scope
        )
        if entity is not None:
            key = "id" if self.level else f"{self.scope.removeprefix('one_')}_id"
            params[key] = entity
        if self.resolution:
            params["resolution"] = self.resolution
        if self.collected:
            params["collected_datetime"] = self.collected.isoformat()
        if self.leads:
            params["lead"] = list(self.leads)
        return params

    def figure_id(self, statistic: str) -> str:
        """Id of one of the read's figures (``p50``, ``p95``, ``p99``)."""
        return f"{self.id}.{statistic}"

    def figure_name(self, statistic: str) -> str:
        """Display name of one of the read's figures."""
        return f"{self.name}: {statistic}"


def read_cases(plan: DatasetPlan) -> list[ReadCase]:
    """``run.py``'s reads: widths of 1, 30 and 365 days (those the plan spans) ending at its end.

    The baseline times the baseline's SQL for the same cases where it has one (``phases.baseline``).
    """
    end = plan.start + plan.span - timedelta(hours=1)
    asof = end - timedelta(days=3, hours=11)
    days = [d for d in (1, 30, 365) if d <= plan.span.days] or [plan.span.days]

    def start(width: int) -> datetime:
        return end - timedelta(days=width) + timedelta(hours=1)

    # fmt: off
    cases = [
        ReadCase(
            f"latest.one_node.{d}d", f"latest, one node, {d} d", "latest", "one_node",
            start(d), end, d, mixed=d < 365,
        )
        for d in days
    ]
    for d in days[:2]:
        cases += [
            ReadCase(
                f"latest.all_nodes.{d}d", f"latest, all nodes, {d} d", "latest", "all_nodes",
                start(d), end, d, mixed=d < 30,
            ),
            ReadCase(
                f"as_of.all_nodes.{d}d", f"as of, all nodes, {d} d", "as_of", "all_nodes",
                start(d), end, d, collected=asof, mixed=d < 30,
            ),
        ]
    # Named for its width at year scale; a shorter run reads all of its (shorter) span.
    week = min(7, plan.span.days)
    cases.append(
        ReadCase(
            "as_of.one_region.7d", "as of, one region, 7 d", "as_of", "one_region",
            start(week), end, week, collected=asof, mixed=True,
        )
    )
    levels: tuple[Level, ...] = ("region", "grid")
    cases += [
        ReadCase(
            f"rollup.{level}.{d}d.{resolution}", f"{level} rollup, {d} d, {resolution}", "rollup",
            "one_region" if level == "region" else "one_grid", start(d), end, d, level=level,
            resolution=resolution, mixed=d < 365 and resolution == "auto",
        )
        for level in levels
        for d in days
        for resolution in ("auto", "raw")
    ]
    cases.append(
        ReadCase(
            "revisions.one_node.1d", "revisions, one node, 1 d", "revisions", "one_node",
            start(1), end, 1, mixed=True,
        )
    )
    # The widest range: issue 14's /accuracy goal is a year of one region at four leads.
    cases.append(
        ReadCase(
            f"accuracy.one_region.{days[-1]}d", f"accuracy, one region, 4 leads, {days[-1]} d",
            "accuracy", "one_region", start(days[-1]), end, days[-1], level="region",
            leads=ACCURACY_LEADS,
        )
    )
    # fmt: on
    return cases


# --- the year-scale scripts' reads (``read_year.py``, ``encoding_choice.py``) ---------------------

#: The entities ``read_year.py load`` creates and times: node 5 of region 2; every grid.
YEAR_ENTITIES = Entities(node=5, region=2)


def year_end() -> datetime:
    """The last target of ``read_year.py``'s data set: the current hour."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def year_cases(end: datetime) -> list[ReadCase]:
    """``read_year.py latency``'s reads (the first three are also ``plans``' measures queries)."""
    day = end - timedelta(days=40)
    hours_23 = timedelta(hours=23)
    # fmt: off
    return [
        ReadCase(
            "year.latest.one_node.1d", "latest, one node, one day", "latest", "one_node",
            day, day + hours_23, 1,
        ),
        ReadCase(
            "year.latest.one_node.30d", "latest, one node, 30 days", "latest", "one_node",
            day, day + timedelta(days=30), 30,
        ),
        ReadCase(
            "year.as_of.one_region.7d", "as of, one region, 7 days", "as_of", "one_region",
            day, day + timedelta(days=7), 7,
            collected=day + timedelta(days=3, hours=13, minutes=30),
        ),
        ReadCase(
            "year.rollup.all_grids.365d", "grid rollup, one year (auto: 1d)", "rollup",
            "all_grids", end - timedelta(days=365), end, 365, level="grid",
        ),
        ReadCase(
            "year.latest.all_nodes.15d", "latest, all 27 nodes, 15 days (~10k rows)", "latest",
            "all_nodes", day, day + timedelta(days=15), 15,
        ),
        ReadCase(
            "year.rollup.region.1d", "region rollup, one day (auto -> raw)", "rollup",
            "one_region", day, day + hours_23, 1, level="region",
        ),
    ]
    # fmt: on


def year_case(end: datetime, case_id: str) -> ReadCase:
    """One of ``year_cases(end)``, by id."""
    return next(c for c in year_cases(end) if c.id == case_id)


#: ``read_year.py routing``'s widths, in days.
ROUTING_WIDTHS = (1, 3, 7, 31, 62, 365)


def routing_cases(end: datetime, days: int) -> list[ReadCase]:
    """Region 2's rollup over the ``days`` before ``end`` at each resolution ``auto`` picks from."""
    # fmt: off
    return [
        ReadCase(
            f"routing.region.{days}d.{resolution}", f"region rollup, {days} days, {resolution}",
            "rollup", "one_region", end - timedelta(days=days), end, days, level="region",
            resolution=resolution,
        )
        for resolution in ("raw", "1h", "1d")
    ]
    # fmt: on
