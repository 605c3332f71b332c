"""Both ways a measures read can run, drawn per example (``gridts.measures.service``).

A read that names nodes over a short range is one statement, every row carrying its series'
head; any other read resolves its series first and puts the heads back in the worker. The
model tests draw which one every read of an example takes, so both answer alike, and how
many series a big read's parts take at a time: with fewer than it reads, it is split over two
connections (``gridts.db.split``), and whether a big as-of read takes series_latest's rows.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from hypothesis import strategies as st
from prometheus_client import REGISTRY

from gridts.measures import columns, service

if TYPE_CHECKING:
    import pytest


def draw_read_path(monkeypatch: pytest.MonkeyPatch, data: st.DataObject) -> bool:
    """Make every read naming nodes one statement, or none; return whether it is one.

    Also whether big as-of reads take series_latest where it is exact, or measures alone.
    """
    one_statement = data.draw(st.booleans(), label="one statement")
    monkeypatch.setattr(service, "SMALL_READ_ROWS", 10**9 if one_statement else 0)
    draw_series_at_once(monkeypatch, data)
    as_of_materialised = data.draw(st.booleans(), label="as of from series_latest")
    hours = -math.inf if as_of_materialised else math.inf
    monkeypatch.setattr(service, "AS_OF_MATERIALISED_HOURS", hours)
    return one_statement


def draw_series_at_once(monkeypatch: pytest.MonkeyPatch, data: st.DataObject) -> int:
    """Set and return how many series a big read takes at a time (its parts' blocks)."""
    at_once = data.draw(st.sampled_from([1, 2, 5, 16]), label="series at once")
    monkeypatch.setattr(columns, "_SERIES_AT_ONCE", at_once)
    return at_once


def split_reads(connections: int) -> float:
    """Big reads so far that ran over ``connections`` connections (``gridts_split_reads``)."""
    labels = {"connections": str(connections)}
    return REGISTRY.get_sample_value("gridts_split_reads_total", labels) or 0.0


def latest_reads(source: str) -> float:
    """Big latest reads so far that took values from ``source`` (``gridts_latest_reads``)."""
    return REGISTRY.get_sample_value("gridts_latest_reads_total", {"source": source}) or 0.0
