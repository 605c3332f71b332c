"""Grafana's PostgreSQL query interpolation, rebuilt so the tests can run dashboard SQL.

Three passes, in Grafana's order:

1. template variables (``$grid``, ``${grid}``, ``[[grid]]``), as the PostgreSQL data source
   formats a single-valued variable: the value as is, with ``'`` doubled;
2. the global SQL substitutions of ``sqleng.Interpolate``: ``$__interval_ms``, ``$__interval``
   (``gtime.FormatInterval``: ``5m``, ``1h``, ``1d``), ``$__unixEpochFrom()``,
   ``$__unixEpochTo()``;
3. the data source's macros (``macros.go`` of ``grafana-postgresql-datasource``) with the
   TimescaleDB option on: ``$__timeFilter(c)`` is ``c BETWEEN '<from>' AND '<to>'`` in RFC 3339
   UTC, ``$__timeGroup(c, i)`` is ``time_bucket('<seconds to 3 decimals>s',c)``, and so on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

_VARIABLE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}")
_MACRO = re.compile(r"\$([_a-zA-Z0-9]+)\(([^)]*)\)")
_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
    "y": timedelta(days=365),
}


class MacroError(ValueError):
    """A macro Grafana would refuse (Grafana answers the panel with an error)."""


@dataclass(frozen=True)
class QueryContext:
    """What Grafana knows when it runs a panel's query."""

    start: datetime
    end: datetime
    interval: timedelta = timedelta(minutes=1)
    variables: dict[str, str] = field(default_factory=dict)
    timescaledb: bool = True


def parse_interval(text: str) -> timedelta:
    """``gtime.ParseInterval`` for the units dashboards use: ``30s``, ``5m``, ``1h``, ``1d``."""
    match = re.fullmatch(r"(\d+)(ms|s|m|h|d|w|y)", text.strip())
    if match is None:
        raise MacroError(f"error parsing interval {text}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def format_interval(interval: timedelta) -> str:
    """``gtime.FormatInterval``: the largest unit that fits, whole units only."""
    for unit in ("y", "w", "d", "h", "m", "s", "ms"):
        if interval >= _UNITS[unit]:
            return f"{interval // _UNITS[unit]}{unit}"
    return "1ms"


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


def _variables(sql: str, ctx: QueryContext) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        if name not in ctx.variables:
            return match.group(0)  # Grafana leaves unknown names (and $__ builtins) alone
        return ctx.variables[name].replace("'", "''")

    return _VARIABLE.sub(replace, sql)


def _globals(sql: str, ctx: QueryContext) -> str:
    milliseconds = ctx.interval // timedelta(milliseconds=1)
    sql = sql.replace("$__interval_ms", str(milliseconds))
    sql = sql.replace("$__interval", format_interval(ctx.interval))
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
