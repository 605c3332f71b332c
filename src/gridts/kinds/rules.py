"""The value rules of kinds and subtypes, shared by ``gridts.kinds`` and ``gridts.series``.

They repeat the schema's CHECK constraints (0007) so that a refused value is a 422 naming the
field, said before the database is asked, instead of a constraint name.
"""

from __future__ import annotations

import re

from gridts.errors import InvalidParameterError

#: Kind names and subtypes: what ``kind.name`` and ``series.subtype`` accept.
NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
AGGREGATIONS = ("sum", "mean")
#: Decimals a kind may keep: ``kind.decimals`` (0010); values are stored as value * 10^decimals.
MAX_DECIMALS = 6
UNIT_MAX = 32
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_name(value: str) -> bool:
    """Whether ``value`` is a well-formed kind name or subtype."""
    return NAME.fullmatch(value) is not None


def check_name(value: str, key: str) -> str:
    """``value`` if it is a well-formed kind name or subtype, else a 422 naming ``key``."""
    if not is_name(value):
        raise InvalidParameterError(
            f"{key} {value!r} is not a valid name",
            key,
            "1 to 63 characters: lower-case letters, digits and _, starting with a letter",
        )
    return value


def check_unit(value: str) -> str:
    """``value`` if it is a usable unit: 1 to 32 characters, no control characters."""
    if not value or len(value) > UNIT_MAX or _CONTROL.search(value):
        raise InvalidParameterError(
            f"unit {value!r} is not a valid unit",
            "unit",
            f"1 to {UNIT_MAX} printable characters, e.g. MW or EUR/MWh",
        )
    return value


def check_aggregation(value: str) -> str:
    """``value`` if it is ``sum`` or ``mean``."""
    if value not in AGGREGATIONS:
        raise InvalidParameterError(
            f"aggregation {value!r} is neither sum nor mean",
            "aggregation",
            "sum for extensive quantities (load, energy), mean for intensive ones (price)",
        )
    return value


def check_decimals(value: int) -> int:
    """``value`` if a kind may keep that many decimals: 0 to ``MAX_DECIMALS``."""
    if not 0 <= value <= MAX_DECIMALS:
        raise InvalidParameterError(
            f"decimals {value} is not between 0 and {MAX_DECIMALS}",
            "decimals",
            "values are stored exactly as integers of the kind's smallest unit, "
            f"with at most {MAX_DECIMALS} decimals",
        )
    return value
