"""Rows to write, from whatever the caller holds, cut into batches the server accepts.

``write`` takes ``Row`` Structs, mappings (sent as they are: a misspelt key is a 422 naming the
row and field, never silently dropped), or a pandas or polars DataFrame (its columns named like
``Row``'s fields are sent and the others ignored, so a frame read from gridts can be written back;
a row with a ``series_id`` names its series by it alone). Missing optional values (``None``,
``NaN``, ``NaT``, ``NA``) are left out, so the server's defaults apply: the default series, quality
``good``. A ``NaN`` value is sent as ``null``, which the server takes only with quality
``missing``. DataFrame timestamps must carry a time zone: a naive column is refused here, before
anything is sent.

Batches hold ``batch_rows`` rows at most. The server refuses past ``GRIDTS_MAX_ROWS_PER_REQUEST``
rows (500,000 by default) or ``GRIDTS_MAX_BODY_BYTES`` (128 MiB): the client's default of 50,000
rows (some 7 MB of JSON) stays far below both, keeps what a lost answer costs to resend small,
and a 413 (a server configured lower) halves the batch and carries on. Each batch is stored whole
or not at all; the batches before a refused one stay stored, and since a row equal to a stored one
is a duplicate, sending the whole input again is always safe.
"""

from __future__ import annotations

import importlib
import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec

from gridts.client.models import Row, WriteResult

if TYPE_CHECKING:
    from gridts.client.errors import ApiError

#: Rows per request unless the caller says otherwise (see the module's docstring).
DEFAULT_BATCH_ROWS = 50_000
#: What a row may carry on the wire.
FIELDS = tuple(Row.__struct_fields__)
#: Fields the server fills in when a row leaves them out.
OPTIONAL = frozenset({"series_id", "node_id", "kind", "subtype", "quality"})
_IDS = frozenset({"series_id", "node_id"})
_SERIES_BY_NODE = ("node_id", "kind", "subtype")


def _missing(value: object) -> bool:
    """None, NaN, pandas' NaT and NA."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value  # noqa: PLR0124 - NaN
    return type(value).__name__ in {"NaTType", "NAType"}


def _integral(value: object) -> bool:
    return isinstance(value, float) and value.is_integer()


def _enc_hook(value: Any) -> Any:  # noqa: ANN401 - what msgspec cannot encode itself
    """Timestamps, NaT and NA of pandas, and numpy's scalars, as msgspec's own types."""
    if _missing(value):
        return None
    if isinstance(value, datetime) and hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    raise NotImplementedError(f"cannot send a {type(value).__name__}")


_ENCODER = msgspec.json.Encoder(enc_hook=_enc_hook)


def _library(rows: object) -> str | None:
    """``pandas`` or ``polars`` when ``rows`` is one of their DataFrames."""
    module = type(rows).__module__.split(".", 1)[0]
    return module if module in {"pandas", "polars"} and hasattr(rows, "columns") else None


def _one(row: object) -> dict[str, Any]:
    if isinstance(row, msgspec.Struct):
        item = msgspec.structs.asdict(row)
    elif isinstance(row, Mapping):
        item = dict(row)
    else:
        raise TypeError(f"a row is a Row, a mapping or a DataFrame row, not {type(row).__name__}")
    for key in OPTIONAL & item.keys():
        if _missing(item[key]):
            del item[key]
    return item


def _pandas_columns(df: Any) -> dict[str, list[Any]]:  # noqa: ANN401 - a pandas DataFrame
    pd: Any = importlib.import_module("pandas")
    np: Any = importlib.import_module("numpy")
    columns: dict[str, list[Any]] = {}
    for name in (f for f in FIELDS if f in df.columns):
        column = df[name]
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            if column.dt.tz is None:
                raise ValueError(f"column {name} has no time zone: use .dt.tz_localize(zone)")
            utc = column.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
            text = np.datetime_as_string(utc, unit="us", timezone="UTC").tolist()
            columns[name] = [None if t == "NaT" else t for t in text]
        else:
            columns[name] = column.tolist()
    return columns


def _polars_columns(df: Any) -> dict[str, list[Any]]:  # noqa: ANN401 - a polars DataFrame
    pl: Any = importlib.import_module("polars")
    columns: dict[str, list[Any]] = {}
    for name in (f for f in FIELDS if f in df.columns):
        column = df[name]
        if isinstance(column.dtype, pl.Datetime) and column.dtype.time_zone is None:
            raise ValueError(f"column {name} has no time zone: use .dt.replace_time_zone(zone)")
        columns[name] = column.to_list()
    return columns


def _from_columns(columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    for name in OPTIONAL & columns.keys():
        # An id column with a gap is float in pandas (3.0): send it as the integer it holds.
        whole = name in _IDS
        columns[name] = [
            None if _missing(v) else int(v) if whole and _integral(v) else v for v in columns[name]
        ]
    names = list(columns)
    rows = [
        {k: v for k, v in zip(names, values, strict=True) if v is not None or k not in OPTIONAL}
        for values in zip(*columns.values(), strict=True)
    ]
    if "series_id" in columns:
        for row in rows:
            if "series_id" in row:
                for key in _SERIES_BY_NODE:
                    row.pop(key, None)
    return rows


def normalise(rows: object) -> list[dict[str, Any]]:
    """``rows`` as the JSON objects to send, in the caller's order."""
    library = _library(rows)
    if library == "pandas":
        return _finite(_from_columns(_pandas_columns(rows)))
    if library == "polars":
        return _finite(_from_columns(_polars_columns(rows)))
    if isinstance(rows, Mapping | msgspec.Struct | str | bytes) or not isinstance(rows, Iterable):
        raise TypeError("write takes an iterable of rows (Row Structs or mappings) or a DataFrame")
    return _finite([_one(row) for row in rows])


def _finite(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Refuse infinite values here rather than send them as null (JSON has no infinity)."""
    for index, row in enumerate(rows):
        value = row.get("value")
        if isinstance(value, float) and math.isinf(value):
            raise ValueError(f"row {index} value: {value} cannot be sent (JSON has no infinity)")
    return rows


@dataclass(frozen=True, slots=True)
class Batch:
    """Rows ``offset .. offset + count - 1`` of the write."""

    offset: int
    count: int


class Plan:
    """Which rows go in which request, and what the stored batches did.

    Both clients run the same loop: ``next()`` a batch, send ``body(batch)``, then ``stored``
    or ``too_large``.
    """

    def __init__(self, rows: list[dict[str, Any]], batch_rows: int = DEFAULT_BATCH_ROWS) -> None:
        if batch_rows < 1:
            raise ValueError("batch_rows must be at least 1")
        self.rows = rows
        self.result = WriteResult()
        self._pending = deque(
            Batch(start, min(batch_rows, len(rows) - start))
            for start in range(0, len(rows), batch_rows)
        )

    def next(self) -> Batch | None:
        """The next batch to send, or None when all are stored."""
        return self._pending.popleft() if self._pending else None

    def body(self, batch: Batch) -> bytes:
        """The batch as a JSON array."""
        return _ENCODER.encode(self.rows[batch.offset : batch.offset + batch.count])

    def stored(self, inserted: int, duplicates: int, resent: int, lsn: str | None = None) -> None:
        """The server stored a batch (committed at WAL position ``lsn``)."""
        if lsn is not None and (
            self.result.lsn is None or lsn_position(lsn) > lsn_position(self.result.lsn)
        ):
            self.result.lsn = lsn
        self.result.inserted += inserted
        self.result.duplicates += duplicates
        self.result.batches += 1
        self.result.resent += resent

    def too_large(self, batch: Batch, error: ApiError) -> None:
        """A 413: send the batch as two halves, or give up on a single row."""
        if batch.count == 1:
            raise self.refused(batch, error)
        half = batch.count // 2
        self._pending.appendleft(Batch(batch.offset + half, batch.count - half))
        self._pending.appendleft(Batch(batch.offset, half))

    def refused(self, batch: Batch, error: ApiError) -> ApiError:
        """``error`` with its rows counted over the whole write, and what was stored before."""
        return error.shifted(batch.offset, self.result)


def lsn_position(text: str) -> int:
    """A PostgreSQL LSN (``16/B374D848``) as a number, to compare positions."""
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)
