"""A small, obviously-correct model of the revision reads, in pure Python.

Rows are ``(node_id, timestamp_measured, timestamp_collected, value)`` of each node's default
series: latest values, as of a time, revisions and horizons. Rollups and accuracy over several
series per node are modelled in ``support.series_model``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from collections.abc import Callable

Row = tuple[int, datetime, datetime, float]


def latest(rows: list[Row], as_of: datetime | None = None) -> dict[tuple[int, datetime], Row]:
    """The latest revision of every (node, target), optionally as known at ``as_of``."""
    best: dict[tuple[int, datetime], Row] = {}
    for row in rows:
        node, target, collected, _ = row
        if as_of is not None and collected > as_of:
            continue
        key = (node, target)
        if key not in best or collected > best[key][2]:
            best[key] = row
    return best


def revisions(
    rows: list[Row], collected_from: datetime | None = None, collected_to: datetime | None = None
) -> list[Row]:
    """Revisions collected in ``[collected_from, collected_to]``, by node, target, collected."""
    return sorted(
        row
        for row in rows
        if (collected_from is None or row[2] >= collected_from)
        and (collected_to is None or row[2] <= collected_to)
    )


def known_by(rows: list[Row], cutoff: Callable[[Row], bool]) -> dict[tuple[int, datetime], Row]:
    """Per (node, target), the latest revision for which ``cutoff(row)`` holds."""
    return latest([row for row in rows if cutoff(row)])


def horizon(rows: list[Row], lead: timedelta) -> dict[tuple[int, datetime], Row]:
    """What was known ``lead`` before each target: collected at or before ``target - lead``."""
    return known_by(rows, lambda row: row[2] <= row[1] - lead)


def day_ahead(rows: list[Row], issued: time, zone: str) -> dict[tuple[int, datetime], Row]:
    """For targets of local day D in ``zone``: collected before ``issued`` local time on D-1."""
    tz = ZoneInfo(zone)

    def cutoff(row: Row) -> bool:
        day = row[1].astimezone(tz).date() - timedelta(days=1)
        return row[2] < datetime.combine(day, issued, tzinfo=tz)

    return known_by(rows, cutoff)
