"""Measures reads over several series per node: series filters, and rows that name their series.

A node carries its default ``load`` series and, at random, generation by fuel and a price. Random
revision histories with random quality flags go in; ``/measures`` (latest and as of),
``/measures/revisions`` and ``/measures/horizon`` must answer what a small model says, for random
combinations of ``series_id``, ``kind``, ``subtype`` and ``node_id`` filters.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gridts.quality import Quality
from support.db import compress_all, make_hierarchy, reset_database, write_series_measures
from support.read_paths import draw_read_path
from support.wire import iso_instant

if TYPE_CHECKING:
    import psycopg
    import pytest
    from litestar import Litestar
    from litestar.testing import TestClient

T0 = datetime(2031, 5, 5, tzinfo=UTC)
HOUR = timedelta(hours=1)
TREE = {(1, "g"): {(1, "r1"): [(1, "n1"), (2, "n2")], (2, "r2"): [(3, "n3")]}}
REGION = {1: 1, 2: 1, 3: 2}
EXTRA = [("generation", "wind"), ("generation", "solar"), ("price", None)]
UNIT = {"load": "MW", "generation": "MW", "price": "EUR/MWh"}

#: (node, kind, subtype) of one series.
Key = tuple[int, str, str | None]
#: (series_id, target, collected, value, quality)
Rev = tuple[int, datetime, datetime, float | None, Quality]

revision = st.tuples(
    st.integers(-48, 2),  # collected, hours from the target
    st.one_of(st.none(), st.integers(-1000, 1000).map(lambda v: v / 8)),
    st.sampled_from(list(Quality)),
)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Key], dict[Key, list[tuple[int, list[Any]]]]]:
    """Series per node (default load first) and, per series, targets with their revisions."""
    keys: list[Key] = []
    for node in (1, 2, 3):
        keys.append((node, "load", None))
        keys += [(node, k, s) for k, s in draw(st.sets(st.sampled_from(EXTRA)))]
    data = {}
    for key in keys:
        targets = draw(st.sets(st.integers(0, 5), max_size=4))
        data[key] = [
            (t, draw(st.lists(revision, min_size=1, max_size=3, unique_by=lambda r: r[0])))
            for t in sorted(targets)
        ]
    return keys, data


def load(
    conn: psycopg.Connection, keys: list[Key], data: dict[Key, Any]
) -> tuple[dict[Key, int], list[Rev]]:
    reset_database(conn)
    make_hierarchy(conn, TREE)
    ids: dict[Key, int] = {}
    for node, kind, subtype in keys:
        if kind == "load":
            ids[node, kind, subtype] = node  # a node's default series has the node's id
            continue
        row = conn.execute(
            "INSERT INTO series (node_id, kind, subtype) VALUES (%s, %s, %s) RETURNING id",
            (node, kind, subtype),
        ).fetchone()
        assert row is not None
        ids[node, kind, subtype] = row[0]
    revs: list[Rev] = []
    for key, targets in data.items():
        for t, revisions in targets:
            target = T0 + t * HOUR
            for hours, drawn, quality in revisions:
                # Only a missing observation may come without a value.
                value = 0.0 if drawn is None and quality is not Quality.MISSING else drawn
                revs.append((ids[key], target, target + hours * HOUR, value, quality))
    write_series_measures(conn, [(s, tm, tc, v, q.code) for s, tm, tc, v, q in revs])
    return ids, revs


@st.composite
def filters(draw: st.DrawFn, ids: dict[Key, int]) -> dict[str, list[Any]]:
    chosen: dict[str, list[Any]] = {}
    for name in draw(st.sets(st.sampled_from(["series_id", "kind", "subtype", "node_id"]))):
        if name == "series_id":
            chosen[name] = draw(
                st.lists(st.sampled_from([*ids.values(), 999]), min_size=1, max_size=3)
            )
        elif name == "kind":
            chosen[name] = draw(
                st.lists(
                    st.sampled_from(["load", "generation", "price", "temperature"]),
                    min_size=1,
                    max_size=2,
                )
            )
        elif name == "subtype":
            chosen[name] = draw(
                st.lists(st.sampled_from(["wind", "solar", "gas"]), min_size=1, max_size=2)
            )
        else:
            chosen[name] = draw(st.lists(st.sampled_from([1, 2, 3]), min_size=1, max_size=2))
    return chosen


def selected(ids: dict[Key, int], query: dict[str, list[Any]]) -> dict[int, Key]:
    """The model of the series filters: none given means each node's default (load) series."""
    series_filters = {"series_id", "kind", "subtype"} & query.keys()
    return {
        sid: (node, kind, subtype)
        for (node, kind, subtype), sid in ids.items()
        if (series_filters or (kind == "load" and subtype is None))
        and sid in query.get("series_id", [sid])
        and kind in query.get("kind", [kind])
        and subtype in query.get("subtype", [subtype])
        and node in query.get("node_id", [node])
    }


def as_row(series: dict[int, Key], rev: Rev) -> tuple[Any, ...]:
    sid, target, collected, value, quality = rev
    node, kind, subtype = series[sid]
    return (
        node,
        f"n{node}",
        sid,
        kind,
        subtype,
        UNIT[kind],
        target,
        collected,
        value,
        quality.value,
    )


def expected_latest(
    series: dict[int, Key], revs: list[Rev], as_of: datetime | None
) -> list[tuple[Any, ...]]:
    best: dict[tuple[int, datetime], Rev] = {}
    for rev in revs:
        if rev[0] in series and (as_of is None or rev[2] <= as_of):
            key = (rev[0], rev[1])
            if key not in best or rev[2] > best[key][2]:
                best[key] = rev
    return sorted((as_row(series, r) for r in best.values()), key=lambda r: (r[0], r[2], r[6]))


def answered(
    client: TestClient[Litestar], path: str, query: dict[str, Any]
) -> list[tuple[Any, ...]]:
    params = {
        "start_datetime": iso_instant(T0 - HOUR),
        "end_datetime": iso_instant(T0 + 6 * HOUR),
        **query,
    }
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return [
        (
            m["node_id"],
            m["node_name"],
            m["series_id"],
            m["kind"],
            m["subtype"],
            m["unit"],
            datetime.fromisoformat(m["timestamp_measured"]),
            datetime.fromisoformat(m["timestamp_collected"]),
            m["value"],
            m["quality"],
        )
        for m in response.json()["data"]
    ]


@settings(max_examples=60)
@given(history=histories(), data=st.data())
def test_reads_select_series_and_name_them_as_the_model_says(
    conn: psycopg.Connection,
    client: TestClient[Litestar],
    monkeypatch: pytest.MonkeyPatch,
    history: Any,
    data: st.DataObject,
) -> None:
    keys, revisions = history
    ids, revs = load(conn, keys, revisions)
    query = data.draw(filters(ids))
    draw_read_path(monkeypatch, data)
    series = selected(ids, query)
    as_of = T0 + data.draw(st.integers(-50, 8)) * HOUR
    lead = data.draw(st.integers(0, 30))
    for compressed in (False, True):
        if compressed:
            compress_all(conn)
        assert answered(client, "/api/v1/measures", query) == expected_latest(series, revs, None)
        assert answered(
            client, "/api/v1/measures", {**query, "collected_datetime": iso_instant(as_of)}
        ) == expected_latest(series, revs, as_of)
        assert answered(client, "/api/v1/measures/revisions", query) == sorted(
            (as_row(series, r) for r in revs if r[0] in series),
            key=lambda r: (r[0], r[2], r[6], r[7]),
        )
        known = [r for r in revs if r[2] <= r[1] - lead * HOUR]
        best: dict[tuple[int, datetime], Rev] = {}
        for rev in known:
            if rev[0] in series and (
                (rev[0], rev[1]) not in best or rev[2] > best[rev[0], rev[1]][2]
            ):
                best[rev[0], rev[1]] = rev
        assert answered(
            client, "/api/v1/measures/horizon", {**query, "lead": f"PT{lead}H"}
        ) == sorted((as_row(series, r) for r in best.values()), key=lambda r: (r[0], r[2], r[6]))


def test_a_missing_observation_reads_back_with_no_value_and_its_flag(
    conn: psycopg.Connection, client: TestClient[Litestar]
) -> None:
    make_hierarchy(conn, TREE)
    write_series_measures(
        conn,
        [
            (1, T0, T0 - 2 * HOUR, 10.5, Quality.ESTIMATED.code),
            (1, T0, T0 - HOUR, None, Quality.MISSING.code),
        ],
    )
    rows = answered(client, "/api/v1/measures", {})
    assert rows == [(1, "n1", 1, "load", None, "MW", T0, T0 - HOUR, None, "missing")]
    history = answered(client, "/api/v1/measures/revisions", {"node_id": [1]})
    assert [(r[8], r[9]) for r in history] == [(10.5, "estimated"), (None, "missing")]


def test_a_malformed_kind_or_subtype_selects_nothing(
    conn: psycopg.Connection, client: TestClient[Litestar]
) -> None:
    make_hierarchy(conn, TREE)
    write_series_measures(conn, [(1, T0, T0 - HOUR, 1.0, Quality.GOOD.code)])
    assert answered(client, "/api/v1/measures", {}) != []
    for query in ({"kind": ["lo\x00ad"]}, {"subtype": ["Wind; DROP"]}, {"kind": ["LOAD"]}):
        assert answered(client, "/api/v1/measures", query) == []
