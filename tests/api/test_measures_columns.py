"""A big read written from columns (``gridts.measures.columns``) is the rows path's answer: JSON
and CSV byte for byte, Arrow the same table. Every read, every kind's decimals, null values,
microseconds, names that JSON escapes, answers cut into chunks anywhere, and reads split over
two connections or not.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from gridts.formats import encoders
from gridts.formats.response import ARROW, CSV, JSON
from gridts.measures import columns, routes
from gridts.quality import Quality
from support.db import compress_all, make_hierarchy, reset_database, write_series_measures
from support.read_paths import draw_series_at_once, split_reads
from support.wire import iso_instant

if TYPE_CHECKING:
    import psycopg
    import pytest
    from litestar import Litestar
    from litestar.testing import TestClient

    from support.wire import ClientFactory

T0 = datetime(2031, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
#: Names JSON escapes (quote, backslash, a control character) or writes as UTF-8.
NAMES = ['N "quoted"', "N\\back", "N\ttab", "Nœud ☃"]
#: Kinds of each number of decimals the columns write differently, with units to escape too.
KINDS = {"load": 3, "whole": 0, "fine": 6}
UNITS = {"whole": "p/h", "fine": 'µ"W'}
READS = {
    "latest": ("/api/v1/measures", {}),
    "as of": ("/api/v1/measures", {"collected_datetime": iso_instant(T0 + 30 * HOUR)}),
    "horizon": ("/api/v1/measures/horizon", {"lead": "PT2H"}),
    "revisions": ("/api/v1/measures/revisions", {}),
}

_units = st.one_of(
    st.integers(-1000, 1000),
    st.integers(-(10**13), 10**13),
    st.sampled_from([0, 1, -1, 9, 10, 10**12, -(10**12)]),
)
_revision = st.tuples(
    st.integers(0, 47),  # target hour
    st.integers(-6 * 3600, 48 * 3600).map(lambda s: timedelta(seconds=s)),  # collected - target
    st.sampled_from([0, 1, 999_999, 123_456]),  # microseconds of the collection time
    _units,
    st.sampled_from(list(Quality)),
    st.booleans(),  # a missing observation without its value
)


def _series(conn: psycopg.Connection) -> list[tuple[int, int]]:
    """Every node's series of every kind: (id, decimals)."""
    nodes = make_hierarchy(conn, {"G": {"R": NAMES}}).nodes
    for kind, places in KINDS.items():
        if kind != "load":
            conn.execute(
                "INSERT INTO kind (name, unit, aggregation, decimals) VALUES (%s, %s, 'sum', %s)",
                (kind, UNITS[kind], places),
            )
    made = []
    for node in nodes:
        for kind, places in KINDS.items():
            row = conn.execute(
                "INSERT INTO series (node_id, kind) VALUES (%s, %s) "
                "ON CONFLICT (node_id, kind, subtype) DO NOTHING RETURNING id",
                (node, kind),
            ).fetchone()
            if row is None:  # a node's default series exists already
                row = conn.execute(
                    "SELECT id FROM series WHERE node_id = %s AND kind = %s AND subtype IS NULL",
                    (node, kind),
                ).fetchone()
            assert row is not None
            made.append((int(row[0]), places))
    return made


def _load(conn: psycopg.Connection, data: st.DataObject) -> None:
    reset_database(conn)
    series = _series(conn)
    rows: dict[tuple[int, datetime, datetime], tuple[Any, ...]] = {}
    for (sid, places), revisions in zip(
        series,
        data.draw(
            st.lists(st.lists(_revision, max_size=6), min_size=len(series), max_size=len(series))
        ),
        strict=True,
    ):
        for hour, lead, micros, units, quality, empty in revisions:
            target = T0 + hour * HOUR
            collected = target + lead + timedelta(microseconds=micros)
            value = None if empty and quality is Quality.MISSING else units / 10**places
            rows[sid, target, collected] = (sid, target, collected, value, quality.code)
    write_series_measures(conn, rows.values())


def _both(
    client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch, read: str, accept: str
) -> tuple[bytes, bytes]:
    path, extra = READS[read]
    params = {
        "start_datetime": iso_instant(T0),
        "end_datetime": iso_instant(T0 + 47 * HOUR),
        "kind": list(KINDS),
        **extra,
    }
    headers = {"Accept": accept}
    columns = client.get(path, params=params, headers=headers)
    with monkeypatch.context() as patched:
        patched.setattr(routes, "COLUMNAR", False)
        rows = client.get(path, params=params, headers=headers)
    assert columns.status_code == rows.status_code == 200, (columns.text, rows.text)
    assert columns.headers["content-type"] == rows.headers["content-type"]
    assert columns.headers["content-type"].startswith(accept)
    return columns.content, rows.content


@settings(max_examples=30)
@given(data=st.data())
def test_big_reads_write_the_same_json_from_columns_as_from_structs(
    conn: psycopg.Connection,
    client: TestClient[Litestar],
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
) -> None:
    _load(conn, data)
    monkeypatch.setattr(encoders, "CHUNK_ROWS", data.draw(st.sampled_from([1, 3, 7, 16_384])))
    if data.draw(st.booleans(), label="compressed"):
        compress_all(conn)
    split = draw_series_at_once(monkeypatch, data) < len(NAMES) * len(KINDS)
    before = split_reads(2)
    for read in READS:
        columns, rows = _both(client, monkeypatch, read, JSON)
        assert columns == rows, read
        columns, rows = _both(client, monkeypatch, read, CSV)
        assert columns == rows, read
        columns, rows = _both(client, monkeypatch, read, ARROW)
        assert _table(columns).equals(_table(rows), check_metadata=True), read
    assert split_reads(2) == before + (3 * len(READS) if split else 0)  # every columnar read


def _table(body: bytes) -> pa.Table:
    return pa.ipc.open_stream(body).read_all()


def test_a_big_read_without_an_idle_connection_or_with_one_allowed_is_not_split(
    conn: psycopg.Connection, make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool lends a second connection only while one is idle, and only if allowed."""
    reset_database(conn)
    rows = [
        (sid, T0 + hour * HOUR, T0 + (hour - 2) * HOUR, hour * sid / 10**places, 0)
        for sid, places in _series(conn)
        for hour in range(48)
    ]
    write_series_measures(conn, rows)
    monkeypatch.setattr(columns, "_SERIES_AT_ONCE", 2)  # 12 series: six blocks
    path, extra = READS["latest"]
    params = {
        "start_datetime": iso_instant(T0),
        "end_datetime": iso_instant(T0 + 47 * HOUR),
        "kind": list(KINDS),
        **extra,
    }
    answers, counts = [], []
    for overrides in ({}, {"pool_min_size": 1, "pool_max_size": 1}, {"read_connections": 1}):
        before = split_reads(1), split_reads(2)
        answers.append(make_client(**overrides).get(path, params=params).content)
        counts.append((split_reads(1) - before[0], split_reads(2) - before[1]))
    assert counts == [(0, 1), (1, 0), (1, 0)]  # split, then on one connection each time
    assert answers[0] == answers[1] == answers[2]
    assert answers[0].count(b'"timestamp_measured"') == len(rows)
