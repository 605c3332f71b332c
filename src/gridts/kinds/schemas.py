"""Payloads of ``/api/v1/kinds``. ``None`` in an update means "leave as it is".

The name, unit and aggregation are plain strings (decimals a plain integer) here and checked by
the service: a value of the right type that breaks a rule is a 422 naming the field
(``gridts.kinds.rules``), while a body of the wrong shape (missing or unknown fields, wrong
types) is Litestar's 400.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

#: Free text; PostgreSQL cannot store NUL.
Description = Annotated[
    str, msgspec.Meta(max_length=2000, pattern=r"^[^\x00]*$", description="Free text.")
]
KindName = Annotated[
    str, msgspec.Meta(description="Lower-case letters, digits and _, starting with a letter.")
]
Unit = Annotated[str, msgspec.Meta(description="1 to 32 printable characters, e.g. MW.")]
Decimals = Annotated[
    int,
    msgspec.Meta(
        description=(
            "How many decimals values of this kind keep (0 to 6; default 3, e.g. kW in MW). "
            "Values are stored exactly; a value with more decimals is refused."
        )
    ),
]
Aggregation = Annotated[
    str,
    msgspec.Meta(
        description="How nodes' values combine: sum (load, energy) or mean (price, temperature)."
    ),
]


class Kind(msgspec.Struct, frozen=True):
    """A kind of series."""

    name: str
    unit: str
    aggregation: str
    description: str
    decimals: int


class KindCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new kind."""

    name: KindName
    unit: Unit
    aggregation: Aggregation
    description: Description = ""
    decimals: Decimals = 3


class KindUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """New unit, aggregation or decimals (refused while series use the kind), or description."""

    unit: Unit | None = None
    aggregation: Aggregation | None = None
    description: Description | None = None
    decimals: Decimals | None = None
