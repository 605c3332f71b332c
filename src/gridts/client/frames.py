"""Answers of reads as pandas or polars DataFrames, or as lists of msgspec Structs.

``frame="auto"`` (the default) gives a pandas DataFrame when pandas is installed, else a polars
one when polars is, else ``Rows``: a list of Structs (``gridts.client.models``). Both libraries
are optional (``gridts[pandas]``, ``gridts[polars]``) and imported only when a frame is built.

A frame has one column per field of the answer's rows, in the Struct's order, then any field a
newer server added (so nothing it sends is lost); an empty answer still has the known columns.
Timestamps become UTC datetimes (a local-day bucket such as ``2025-03-30T00:00:00+01:00`` is the
same instant in UTC: convert with ``.dt.tz_convert(zone)``), leads become durations, and the
page's other fields (``level``, ``resolution``, ``source``...) go to pandas' ``DataFrame.attrs``.
Structs keep timestamps as the server wrote them, offsets included.
"""

from __future__ import annotations

import importlib
import importlib.util
import types
import typing
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar, get_args, get_origin

import msgspec

T = TypeVar("T", bound=msgspec.Struct)

FrameKind = Literal["auto", "pandas", "polars", "structs"]
FRAMES: tuple[str, ...] = typing.get_args(FrameKind)


class Rows(list[T]):
    """A read's rows as Structs; ``meta`` holds the answer's other fields (``source``...)."""

    meta: dict[str, Any]

    def __init__(self, rows: list[T], meta: dict[str, Any] | None = None) -> None:
        super().__init__(rows)
        self.meta = meta or {}


def resolve(frame: str) -> str:
    """``pandas``, ``polars`` or ``structs``: what ``frame`` means on this machine."""
    if frame not in FRAMES:
        raise ValueError(f"frame must be one of {', '.join(FRAMES)}, not {frame!r}")
    if frame != "auto":
        if frame != "structs" and importlib.util.find_spec(frame) is None:
            raise ImportError(f"frame={frame!r} needs {frame}: pip install 'gridts[{frame}]'")
        return frame
    for library in ("pandas", "polars"):
        if importlib.util.find_spec(library) is not None:
            return library
    return "structs"


def _base(annotation: Any) -> Any:  # noqa: ANN401 - a type annotation
    """``float`` for ``float | None``; the annotation itself otherwise."""
    if get_origin(annotation) in {typing.Union, types.UnionType}:
        kinds = [a for a in get_args(annotation) if a is not type(None)]
        return kinds[0] if len(kinds) == 1 else object
    return annotation


def _columns(row_type: type[msgspec.Struct]) -> dict[str, Any]:
    """Each field of ``row_type`` and its type without ``None``."""
    hints = typing.get_type_hints(row_type)
    return {name: _base(hints[name]) for name in row_type.__struct_fields__}


def _defaults(row_type: type[msgspec.Struct]) -> dict[str, Any]:
    """Fields whose default is a value (``quality``: ``good``), for an older server's rows."""
    return {
        f.name: f.default
        for f in msgspec.structs.fields(row_type)
        if f.default is not msgspec.NODEFAULT and f.default is not None
    }


def table(content: bytes, row_type: type[T], frame: str, key: str = "data") -> Any:  # noqa: ANN401
    """The rows of a JSON answer as ``frame`` says (``structs``, ``pandas`` or ``polars``).

    ``key`` names the list in a page object; a bare JSON array is its own list.
    """
    answer = msgspec.json.decode(content)
    if isinstance(answer, list):
        records, meta = answer, {}
    else:
        records = answer.get(key) or []
        meta = {name: value for name, value in answer.items() if name != key}
    if frame == "structs":
        return Rows(msgspec.convert(records, list[row_type]), meta)  # type: ignore[valid-type]
    columns = _by_column(records, _columns(row_type), _defaults(row_type))
    if frame == "pandas":
        return _pandas(columns, _columns(row_type), meta)
    return _polars(columns, _columns(row_type))


def _by_column(
    records: list[dict[str, Any]], known: dict[str, Any], defaults: dict[str, Any]
) -> dict[str, list[Any]]:
    """The rows as one list per field: the known ones in order, then any a newer server added.

    A field an older server leaves out gets its default (``quality``: ``good``), else None.
    """
    seen: set[str] = set()
    for record in records:
        seen.update(record)
    columns: dict[str, list[Any]] = {}
    for name in [*known, *sorted(seen - known.keys())]:
        if name not in seen:
            columns[name] = [defaults.get(name)] * len(records)
        elif records and all(name in r for r in records):
            columns[name] = [r[name] for r in records]
        else:
            default = defaults.get(name)
            columns[name] = [r.get(name, default) for r in records]
    return columns


def _pandas(columns: dict[str, list[Any]], known: dict[str, Any], meta: dict[str, Any]) -> Any:  # noqa: ANN401
    pd: Any = importlib.import_module("pandas")
    df = pd.DataFrame(columns)
    for name, kind in known.items():
        if kind is datetime:
            parsed = pd.to_datetime(df[name], utc=True, format="ISO8601")
            df[name] = parsed.astype("datetime64[us, UTC]")  # whatever the text's precision
        elif kind is timedelta:
            df[name] = pd.to_timedelta(df[name]).astype("timedelta64[us]")
        elif kind is float:
            df[name] = df[name].astype("float64")
        elif kind is int and df[name].isna().any():
            df[name] = df[name].astype("Int64")
        elif kind is int:
            df[name] = df[name].astype("int64")
    df.attrs.update(meta)
    return df


def _polars(columns: dict[str, list[Any]], known: dict[str, Any]) -> Any:  # noqa: ANN401
    pl: Any = importlib.import_module("polars")
    # Timestamps and leads arrive as text, parsed below (offsets differ from row to row).
    dtypes: dict[Any, Any] = {str: pl.String, int: pl.Int64, float: pl.Float64, bool: pl.Boolean}
    df = pl.DataFrame(
        [
            pl.Series(name, values, dtype=dtypes.get(known[name], pl.String), strict=False)
            if name in known
            else pl.Series(name, values, strict=False)
            for name, values in columns.items()
        ]
    )
    for name, kind in known.items():
        if kind is datetime:
            df = df.with_columns(pl.col(name).str.to_datetime(time_zone="UTC"))
        elif kind is timedelta:
            spans = msgspec.convert(df[name].to_list(), list[timedelta | None])
            df = df.with_columns(pl.Series(name, spans, dtype=pl.Duration("us")))
    return df
