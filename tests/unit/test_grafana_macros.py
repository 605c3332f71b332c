"""Grafana's interval and macro expansion as ``support.grafana_macros`` rebuilds it: the dashboard
tests run what it produces, so it must produce what Grafana sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from support.grafana_macros import (
    QueryContext,
    calculate_interval,
    expand,
    format_interval,
    round_interval,
)

START = datetime(2027, 1, 4, tzinfo=UTC)


def test_macros_expand_as_grafana_does() -> None:
    ctx = QueryContext(
        START,
        datetime(2027, 1, 5, 12, 30, 0, 500000, tzinfo=UTC),
        timedelta(hours=1),
        {"grid": "7", "name": "O'Hare", "subtype": ["solar", "o'wind"]},
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
    # A multi-value (or include-All) variable: quoted literals, joined by commas.
    assert expand("subtype IN ($subtype)", ctx) == "subtype IN ('solar','o''wind')"
    plain = QueryContext(ctx.start, ctx.end, ctx.interval, timescaledb=False)
    assert expand("$__timeGroup(t, 1h)", plain) == "floor(extract(epoch from t)/3600)*3600"


def test_intervals_are_written_in_grafanas_units() -> None:
    # secondsToHms (and gtime.FormatInterval): the largest whole unit; Grafana has no week.
    assert format_interval(timedelta(seconds=90)) == "1m"
    assert format_interval(timedelta(days=7)) == "7d"
    assert format_interval(timedelta(days=8)) == "8d"
    assert format_interval(timedelta(days=30)) == "30d"
    assert format_interval(timedelta(days=365)) == "1y"
    assert format_interval(timedelta(milliseconds=20)) == "20ms"


def test_the_interval_is_computed_from_the_range_and_the_max_data_points() -> None:
    def interval(days: float, points: int, floor: str | None = None) -> str:
        return format_interval(
            calculate_interval(START, START + timedelta(days=days), points, floor)
        )

    # A week on 1,000 points is 605 s a point, Grafana's step 10m; the panel's 1h is a floor.
    assert interval(7, 1000) == "10m"
    assert interval(7, 1000, "1h") == "1h"
    assert interval(365, 1000, "1h") == "6h"
    assert interval(730, 1000, "1h") == "12h"
    assert interval(3650, 1000, "1h") == "1d"
    assert interval(365 * 30, 1000, "1h") == "7d"  # the 1w step, written in days
    assert interval(365 * 100, 1000, "1h") == "30d"
    assert interval(365 * 1000, 1000, "1h") == "1y"
    assert interval(1 / 24, 1000) == "1m"  # the data source's own floor (no timeInterval)
    assert round_interval(9) == 1
    assert round_interval(5_399_999) == 3_600_000
