"""The instants gridts stores: targets and collection times in [1900-01-01, 2200-01-01) UTC.

Grid data from before 1900 or after 2200 is a mistake, so ingest refuses it; reads clamp their
ranges to the same window, which keeps date arithmetic (a bucket past the range's end) away from
the limits of Python's ``datetime`` (year 9999) and changes no answer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
#: PostgreSQL's epoch: its binary ``timestamptz`` counts microseconds from it.
POSTGRES_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def from_postgres(micros: int) -> datetime:
    """The instant of a binary ``timestamptz`` (packed reads: accuracy, big measures reads)."""
    return POSTGRES_EPOCH + timedelta(microseconds=micros)
