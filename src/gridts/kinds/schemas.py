"""Payloads of ``/api/v1/kinds``. ``None`` in an update means "leave as it is".

The name, unit and aggregation are plain strings here and checked by the service: a value of
the right type that breaks a rule is a 422 naming the field (``gridts.kinds.rules``), while a
body of the wrong shape (missing or unknown fields, wrong types) is Litestar's 400.
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


class KindCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new kind."""

    name: KindName
    unit: Unit
    aggregation: Aggregation
    description: Description = ""


class KindUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new unit or aggregation (refused while series use the kind), or a new description."""

    unit: Unit | None = None
    aggregation: Aggregation | None = None
    description: Description | None = None
