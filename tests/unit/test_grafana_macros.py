"""Grafana's macro expansion as ``support.grafana_macros`` rebuilds it: the dashboard tests run
what it produces, so it must produce what Grafana sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from support.grafana_macros import QueryContext, expand, format_interval


def test_macros_expand_as_grafana_does() -> None:
    ctx = QueryContext(
        datetime(2027, 1, 4, tzinfo=UTC),
        datetime(2027, 1, 5, 12, 30, 0, 500000, tzinfo=UTC),
        timedelta(hours=1),
        {"grid": "7", "name": "O'Hare"},
    )
    assert expand("WHERE $__timeFilter(bucket)", ctx) == (
        "WHERE bucket BETWEEN '2027-01-04T00:00:00Z' AND '2027-01-05T12:30:00.5Z'"
    )
    assert expand("$__timeFrom() $__timeTo()", ctx) == (
        "'2027-01-04T00:00:00Z' '2027-01-05T12:30:00.5Z'"
    )
    assert expand("SELECT $__timeGroupAlias(bucket, $__interval)", ctx) == (
        "SELECT time_bucket('3600.000s',bucket) AS \"time\""
    )
    assert expand("SELECT $__timeGroup(bucket, '5m'), 1", ctx) == (
        "SELECT time_bucket('300.000s',bucket) AS \"time\", 1"
    )
    assert expand("GROUP BY $__timeGroup(bucket, 1d)", ctx) == (
        "GROUP BY time_bucket('86400.000s',bucket)"
    )
    assert expand("$__interval $__interval_ms", ctx) == "1h 3600000"
    assert expand("$__unixEpochFilter(t)", ctx) == "t >= 1799020800 AND t <= 1799152200"
    assert expand("$__unixEpochFrom() $__unixEpochTo()", ctx) == "1799020800 1799152200"
    assert expand("id = $grid AND id = ${grid} AND id = [[grid]] AND $gridx", ctx) == (
        "id = 7 AND id = 7 AND id = 7 AND $gridx"
    )
    assert expand("name = '$name'", ctx) == "name = 'O''Hare'"
    plain = QueryContext(ctx.start, ctx.end, ctx.interval, timescaledb=False)
    assert expand("$__timeGroup(t, 1h)", plain) == "floor(extract(epoch from t)/3600)*3600"
    assert format_interval(timedelta(seconds=90)) == "1m"
    assert format_interval(timedelta(days=8)) == "1w"
    assert format_interval(timedelta(milliseconds=20)) == "20ms"
