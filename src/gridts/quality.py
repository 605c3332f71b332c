"""Quality flags of observations: how they are named on the wire and stored in ``measures``.

``good`` is the default. ``estimated`` values count in rollups (each bucket reports how many it
includes); ``missing`` ones are left out of every rollup, and may carry no value at all.
Stored as a ``smallint`` code (the SQL function ``quality_name(code)`` names it), which the
columnstore packs into a few bits per row.
"""

from __future__ import annotations

from enum import StrEnum


class Quality(StrEnum):
    """The quality flag of one observation."""

    GOOD = "good"
    ESTIMATED = "estimated"
    MISSING = "missing"

    @property
    def code(self) -> int:
        """The ``measures.quality`` code."""
        return _CODES[self]


_CODES = {Quality.GOOD: 0, Quality.ESTIMATED: 1, Quality.MISSING: 2}
#: Stored code -> flag.
BY_CODE: dict[int, Quality] = {code: quality for quality, code in _CODES.items()}
