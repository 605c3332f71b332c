"""What a benchmark run measured, keyed by stable figure ids, and the machine it ran on.

Every phase adds its figures here and the report reads them back; a figure's id (for example
``latest.one_node.1d.p50`` or ``ingest.bulk``) never changes with its display name, so later
phases (the baseline) find the figure they complete without rebuilding its name.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg

from gridts import __version__


@dataclass
class Figure:
    """One measured figure, and the baseline's matching one when there is one."""

    id: str
    """Stable key, e.g. ``latest.one_node.1d.p50``."""
    name: str
    """What the report shows, e.g. ``latest, one node, 1 d: p50``."""
    value: float | None
    unit: str
    higher_is_better: bool = False
    baseline: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """How many times better than the baseline (> 1: gridts is better)."""
        if self.value is None or self.baseline is None or not self.value or not self.baseline:
            return None
        return self.value / self.baseline if self.higher_is_better else self.baseline / self.value


@dataclass
class Results:
    """Everything a run measured, in the order it was measured."""

    preset: str
    plan: dict[str, Any]
    machine: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    ingest_curve: list[tuple[float, int]] = field(default_factory=list)

    def add(self, id_: str, name: str, value: float | None, unit: str, **kw: Any) -> Figure:  # noqa: ANN401
        """Record a figure."""
        figure = Figure(id_, name, value, unit, **kw)
        self.figures.append(figure)
        return figure

    def find(self, id_: str) -> Figure | None:
        """The figure ``id_``, or None when its phase did not get to measure it."""
        return next((f for f in self.figures if f.id == id_), None)


def machine(url: str) -> dict[str, Any]:
    """Versions, cores and memory of the machine and server that ``url`` runs on."""
    with psycopg.connect(url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()
        ts = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
        ).fetchone()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "postgresql": pg[0] if pg else None,
        "timescaledb": ts[0] if ts else None,
        "gridts": __version__,
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "platform": platform.platform(),
    }
