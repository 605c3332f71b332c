"""What a table-shaped answer is, found once per return type with ``msgspec.inspect``.

A handler's return type is a table when it is ``list[Row]`` or a Struct with exactly one field
of type ``list[Row]`` (``Row`` a Struct); the page's other fields are its envelope. Deciding from
the type, not the value, means an empty answer still knows its columns, and the OpenAPI
document and the responses agree on which operations offer CSV and Arrow.

Each column knows its Arrow type and how its values become CSV text: numbers and strings as
they are, booleans as JSON writes them, and everything msgspec writes as a string in JSON
(datetimes with their offset, durations, dates, enums, UUIDs, decimals) through
``msgspec.to_builtins``, which gives exactly the JSON text. Anything else (a nested list or
Struct) is a column of its JSON text in both formats.
"""

from __future__ import annotations

import functools
import urllib.parse
from dataclasses import dataclass
from enum import Enum
from math import isfinite
from operator import attrgetter
from typing import TYPE_CHECKING, Any, cast

import msgspec
import pyarrow as pa
from msgspec import inspect

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


@dataclass(frozen=True)
class Column:
    """One field of the rows: its name on the wire, how to read it and how to write it."""

    name: str
    """The field's JSON name: the CSV header and the Arrow field name."""
    get: Callable[[Any], Any]
    arrow_type: pa.DataType
    nullable: bool
    text: Callable[[list[Any]], list[Any]]
    """Values to what ``csv.writer`` writes as their JSON text (``None`` -> an empty field)."""
    arrow: Callable[[list[Any]], list[Any]]
    """Values to what ``pyarrow.array`` takes for ``arrow_type``."""

    def values(self, rows: Sequence[Any]) -> list[Any]:
        """This column of ``rows``."""
        return list(map(self.get, rows))


@dataclass(frozen=True)
class Shape:
    """A table-shaped return type: its rows' columns, and where the rows are."""

    columns: tuple[Column, ...]
    rows_field: str | None
    """The page's attribute holding the rows; ``None`` when the answer is the list itself."""
    rows_key: str | None
    """That field's JSON name."""
    envelope: tuple[tuple[str, str], ...]
    """The page's other fields: ``(attribute, JSON name)``."""

    def rows(self, content: object) -> Sequence[Any]:
        """The rows of an answer of this shape."""
        if self.rows_field is None:
            return cast("Sequence[Any]", content)
        return cast("Sequence[Any]", getattr(content, self.rows_field))

    def envelope_text(self, content: object) -> dict[str, str]:
        """The envelope's fields that have a value, as text (strings as they are, else JSON)."""
        texts: dict[str, str] = {}
        for attribute, key in self.envelope:
            value = getattr(content, attribute)
            if value is None or value is msgspec.UNSET:
                continue
            builtin = msgspec.to_builtins(value)
            texts[key] = (
                builtin if isinstance(builtin, str) else msgspec.json.encode(value).decode()
            )
        return texts

    def schema(self, metadata: dict[str, str]) -> pa.Schema:
        """The Arrow schema of the rows, with ``metadata`` (the envelope) attached."""
        fields = [pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in self.columns]
        # Arrow metadata is bytes to bytes (UTF-8).
        described: dict[bytes | str, bytes | str] = {
            key.encode(): text.encode() for key, text in metadata.items()
        }
        return pa.schema(fields, metadata=described or None)


def header_name(key: str) -> str:
    """The response header carrying envelope field ``key``: ``source`` -> ``X-Gridts-Source``."""
    return "X-Gridts-" + "-".join(part.capitalize() for part in key.split("_"))


def header_value(text: str) -> str:
    """``text`` as a header value: printable ASCII as it is, anything else percent-encoded."""
    if text.isascii() and text.isprintable():
        return text
    return urllib.parse.quote(text, safe=" !#$&'()*+,/:;=?@[]~")


@functools.cache
def shape_of(annotation: object) -> Shape | None:
    """The table shape of a return type, or ``None`` when it is not one (a single entity)."""
    try:
        info = inspect.type_info(annotation)
    except (TypeError, ValueError):  # not a type msgspec knows (a Response, None, ...)
        return None
    if _row_struct(info) is not None:
        assert isinstance(info, inspect.ListType)  # noqa: S101 - _row_struct checked it
        return _shape(_row_struct(info), None, None, ())
    if not isinstance(info, inspect.StructType):
        return None
    tables = [f for f in info.fields if _row_struct(f.type) is not None]
    if len(tables) != 1:
        return None
    (table,) = tables
    envelope = tuple((f.name, f.encode_name) for f in info.fields if f is not table)
    return _shape(_row_struct(table.type), table.name, table.encode_name, envelope)


def _row_struct(info: inspect.Type) -> inspect.StructType | None:
    if isinstance(info, inspect.ListType) and isinstance(info.item_type, inspect.StructType):
        return info.item_type
    return None


def _shape(
    row: inspect.StructType | None,
    rows_field: str | None,
    rows_key: str | None,
    envelope: tuple[tuple[str, str], ...],
) -> Shape:
    assert row is not None  # noqa: S101 - the caller checked
    return Shape(tuple(map(_column, row.fields)), rows_field, rows_key, envelope)


def _same(values: list[Any]) -> list[Any]:
    return values


def _builtins(values: list[Any]) -> list[Any]:
    converted: list[Any] = msgspec.to_builtins(values)
    return converted


def _finite(values: list[Any]) -> list[Any]:
    # JSON writes a non-finite float as null (msgspec): CSV and Arrow say the same.
    return [v if v is None or isfinite(v) else None for v in values]


def _bools(values: list[Any]) -> list[Any]:
    return [None if v is None else ("true" if v else "false") for v in values]


def _json(values: list[Any]) -> list[Any]:
    return [None if v is None else msgspec.json.encode(v).decode() for v in values]


#: Types written as they are, or as msgspec's JSON strings: their Arrow type and CSV conversion.
_SIMPLE: dict[type[inspect.Type], tuple[pa.DataType, Callable[[list[Any]], list[Any]]]] = {
    inspect.IntType: (pa.int64(), _same),
    inspect.FloatType: (pa.float64(), _finite),
    inspect.StrType: (pa.string(), _same),
    inspect.BoolType: (pa.bool_(), _bools),
    inspect.DateType: (pa.date32(), _builtins),
    inspect.TimeType: (pa.time64("us"), _builtins),
    inspect.TimeDeltaType: (pa.duration("us"), _builtins),
}


def _column(field: inspect.Field) -> Column:
    kind, nullable = _unwrap(field.type)
    text: Callable[[list[Any]], list[Any]] = _builtins
    arrow: Callable[[list[Any]], list[Any]] = _same
    arrow_type: pa.DataType
    match kind:
        case inspect.DateTimeType(tz=tz):
            # Arrow holds instants: offset-aware values become UTC (CSV and JSON keep the offset).
            arrow_type = pa.timestamp("us", tz=None if tz is False else "UTC")
        case inspect.EnumType(cls=cls):
            arrow_type, arrow = _choice_type([m.value for m in cls]), _builtins
        case inspect.LiteralType(values=values):
            arrow_type, arrow = _choice_type(list(values)), _builtins
        case inspect.UUIDType() | inspect.DecimalType():
            arrow_type, arrow = pa.string(), _builtins
        case inspect.FloatType():
            arrow_type, text, arrow = pa.float64(), _finite, _finite
        case _ if type(kind) in _SIMPLE:
            arrow_type, text = _SIMPLE[type(kind)]
        case _:
            arrow_type, text, arrow = pa.string(), _json, _json
    return Column(field.encode_name, attrgetter(field.name), arrow_type, nullable, text, arrow)


def _unwrap(info: inspect.Type) -> tuple[inspect.Type, bool]:
    """The type under ``Annotated`` constraints and ``| None``; whether ``None`` is allowed."""
    while isinstance(info, inspect.Metadata):
        info = info.type
    if not isinstance(info, inspect.UnionType):
        return info, isinstance(info, inspect.NoneType)
    others = [t for t in info.types if not isinstance(t, inspect.NoneType)]
    nullable = len(others) < len(info.types)
    if len(others) == 1:
        inner, _ = _unwrap(others[0])
        return inner, nullable
    return inspect.AnyType(), nullable  # a real union: its JSON text


def _choice_type(values: list[Any]) -> pa.DataType:
    """Arrow type of an enum's or literal's values (their JSON form)."""
    plain = [v.value if isinstance(v, Enum) else v for v in values]
    if plain and all(isinstance(v, int) and not isinstance(v, bool) for v in plain):
        return pa.int64()
    return pa.string()
