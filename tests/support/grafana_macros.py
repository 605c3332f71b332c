"""Grafana's PostgreSQL query interpolation, rebuilt so the tests can run dashboard SQL.

What Grafana 12 does to a panel's SQL before PostgreSQL sees it, in its order:

1. The panel's interval (``calculate_interval``, ``rangeutil.calculateInterval`` of
   ``@grafana/data``): the range divided by the panel's max data points, rounded to one of
   Grafana's steps (``round_interval``), and never below the panel's "Min interval" (or the data
   source's ``timeInterval``, ``1m`` when unset). The panel's ``interval`` is only that floor.
2. Template variables in the browser (``SqlDatasource.interpolateVariable``): ``$grid``,
   ``${grid}``, ``[[grid]]``; a single value as is with ``'`` doubled, a multi-value or
   include-All variable as quoted literals joined by ``,``. ``$__interval`` and
   ``$__interval_ms`` are scoped variables of the same pass: the interval as
   ``rangeutil.secondsToHms`` writes it (``format_interval``: ``5m``, ``1h``, ``7d``, ``1y``; there
   is no week unit) and in milliseconds. The backend's ``sqleng.Interpolate`` would write the same
   with ``gtime.FormatInterval`` (largest whole unit among y, d, h, m, s, ms).
3. ``$__unixEpochFrom()`` and ``$__unixEpochTo()`` (``sqleng.Interpolate``), then the data
   source's macros (``macros.go`` of ``grafana-postgresql-datasource``) with the TimescaleDB
   option on: ``$__timeFilter(c)`` is ``c BETWEEN '<from>' AND '<to>'`` in RFC 3339 UTC,
   ``$__timeGroup(c, i)`` is ``time_bucket('<seconds to 3 decimals>s',c)``, and so on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

_VARIABLE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}")
_MACRO = re.compile(r"\$([_a-zA-Z0-9]+)\(([^)]*)\)")
# rangeutil's intervals_in_seconds (what a "Min interval" may be written in) and gtime's units
# for $__timeGroup; Grafana's "y" and "M" there count calendar time from now, which the tests'
# fixed ranges never need: a year is 365 days here.
_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
    "y": timedelta(days=365),
}
#: The data source's default "Min interval" (``SqlDatasource``: ``timeInterval || '1m'``).
DATASOURCE_MIN_INTERVAL = "1m"
# rangeutil.roundInterval: (below this many ms, the interval is this many ms).
_STEPS = (
    (10, 1),
    (15, 10),
    (35, 20),
    (75, 50),
    (150, 100),
    (350, 200),
    (750, 500),
    (1_500, 1_000),
    (3_500, 2_000),
    (7_500, 5_000),
    (12_500, 10_000),
    (17_500, 15_000),
    (25_000, 20_000),
    (45_000, 30_000),
    (90_000, 60_000),
    (210_000, 120_000),
    (450_000, 300_000),
    (750_000, 600_000),
    (1_050_000, 900_000),
    (1_500_000, 1_200_000),
    (2_700_000, 1_800_000),
    (5_400_000, 3_600_000),
    (9_000_000, 7_200_000),
    (16_200_000, 10_800_000),
    (32_400_000, 21_600_000),
    (86_400_000, 43_200_000),
    (604_800_000, 86_400_000),
    (1_814_400_000, 604_800_000),
    (3_628_800_000, 2_592_000_000),
)
_YEAR_MS = 31_536_000_000


class MacroError(ValueError):
    """A macro Grafana would refuse (Grafana answers the panel with an error)."""


Value = str | list[str]
"""A variable's value: one string, or the selected values of a multi-value / include-All one."""


@dataclass(frozen=True)
class QueryContext:
    """What Grafana knows when it runs a panel's query."""

    start: datetime
    end: datetime
    interval: timedelta = timedelta(minutes=1)
    variables: dict[str, Value] = field(default_factory=dict)
    timescaledb: bool = True


def parse_interval(text: str) -> timedelta:
    """An interval as dashboards write one: ``30s``, ``5m``, ``1h``, ``1d``, ``1w``."""
    match = re.fullmatch(r"(\d+)(ms|s|m|h|d|w|y)", text.strip())
    if match is None:
        raise MacroError(f"error parsing interval {text}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def round_interval(milliseconds: float) -> int:
    """``rangeutil.roundInterval``: the Grafana step for a raw interval, in milliseconds."""
    for below, step in _STEPS:
        if milliseconds < below:
            return step
    return _YEAR_MS


def calculate_interval(
    start: datetime, end: datetime, max_data_points: int, min_interval: str | None = None
) -> timedelta:
    """``rangeutil.calculateInterval``: the interval Grafana gives a panel's queries."""
    span_ms = (end - start) / timedelta(milliseconds=1)
    interval_ms = round_interval(span_ms / max_data_points)
    floor_ms = parse_interval(min_interval or DATASOURCE_MIN_INTERVAL) // timedelta(milliseconds=1)
    return timedelta(milliseconds=max(interval_ms, floor_ms))


def format_interval(interval: timedelta) -> str:
    """``rangeutil.secondsToHms``: the largest whole unit among y, d, h, m, s, ms."""
    milliseconds = interval // timedelta(milliseconds=1)
    for unit in ("y", "d", "h", "m", "s", "ms"):
        size = _UNITS[unit] // timedelta(milliseconds=1)
        if milliseconds >= size:
            return f"{milliseconds // size}{unit}"
    return "less than a millisecond"


def _rfc3339(moment: datetime) -> str:
    # Go's RFC3339Nano: UTC as "Z", fractional seconds without trailing zeros.
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


def _seconds(interval: timedelta) -> str:
    # Go's %v of a float64 number of seconds: 3600 -> "3600", 0.5 -> "0.5".
    seconds = interval.total_seconds()
    return str(int(seconds)) if seconds.is_integer() else repr(seconds)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _variables(sql: str, ctx: QueryContext) -> str:
    scoped: dict[str, Value] = {
        "__interval": format_interval(ctx.interval),
        "__interval_ms": str(ctx.interval // timedelta(milliseconds=1)),
        **ctx.variables,
    }

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        if name not in scoped:
            return match.group(0)  # Grafana leaves unknown names (and other $__ builtins) alone
        value = scoped[name]
        if isinstance(value, list):
            return ",".join(_quote(v) for v in value)
        return value.replace("'", "''")

    return _VARIABLE.sub(replace, sql)


def _globals(sql: str, ctx: QueryContext) -> str:
    sql = sql.replace("$__unixEpochFrom()", str(int(ctx.start.timestamp())))
    return sql.replace("$__unixEpochTo()", str(int(ctx.end.timestamp())))


def _time_group(args: list[str], ctx: QueryContext) -> str:
    if len(args) < 2:
        raise MacroError("macro __timeGroup needs time column and interval and optional fill value")
    interval = parse_interval(args[1].strip("'"))
    if ctx.timescaledb:
        return f"time_bucket('{interval.total_seconds():.3f}s',{args[0]})"
    seconds = _seconds(interval)
    return f"floor(extract(epoch from {args[0]})/{seconds})*{seconds}"


def _macro(name: str, args: list[str], ctx: QueryContext) -> str:  # noqa: PLR0911
    start, end = _rfc3339(ctx.start), _rfc3339(ctx.end)
    needs_column = {"__time", "__timeEpoch", "__timeFilter", "__unixEpochFilter"}
    if name in needs_column and not args[0]:
        raise MacroError(f"missing time column argument for macro {name}")
    if name == "__time":
        return f'{args[0]} AS "time"'
    if name == "__timeEpoch":
        return f'extract(epoch from {args[0]}) as "time"'
    if name == "__timeFilter":
        return f"{args[0]} BETWEEN '{start}' AND '{end}'"
    if name == "__timeFrom":
        return f"'{start}'"
    if name == "__timeTo":
        return f"'{end}'"
    if name == "__timeGroup":
        return _time_group(args, ctx)
    if name == "__timeGroupAlias":
        return _time_group(args, ctx) + ' AS "time"'
    if name == "__unixEpochFilter":
        column = args[0]
        return (
            f"{column} >= {int(ctx.start.timestamp())} AND {column} <= {int(ctx.end.timestamp())}"
        )
    raise MacroError(f"unknown macro {name!r}")


def _macros(sql: str, ctx: QueryContext) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        # Grafana's compatibility rule: "$__timeGroup(...)," (a comma right after) means the
        # pre-5.3 form, which also aliased the column as "time".
        if name == "__timeGroup" and sql[match.end() : match.end() + 1] == ",":
            name = "__timeGroupAlias"
        args = [arg.strip() for arg in match.group(2).split(",")]
        return _macro(name, args, ctx)

    return _MACRO.sub(replace, sql)


def expand(sql: str, ctx: QueryContext) -> str:
    """The SQL Grafana sends to PostgreSQL for ``sql`` in context ``ctx``."""
    return _macros(_globals(_variables(sql, ctx), ctx), ctx)
