"""Reads on a streaming replica, read-your-writes, and failover, on a real primary and standby.

The pair is started on this machine (``plugins.replication``: ``pg_basebackup -R``). What must
hold: a read answered by the replica equals the primary's answer for every read endpoint;
``min_lsn`` never lets a client miss its own write; a replica that stops, or cancels queries on
replay conflicts, costs no 5xx; and after the primary dies and the standby is promoted, writes
resume without restarting gridts, with no acknowledged batch lost under synchronous replication.
Figures (misses, waits, time to the first write after promotion, loss under asynchronous
replication) go to the run's summary (``report_figure``).
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import psycopg
import pytest
from litestar.testing import TestClient
from prometheus_client import REGISTRY

from gridts.app import create_app
from gridts.measures import columns
from gridts.refresh import refresh_all
from gridts.settings import Settings
from gridts.testing.process import API_KEY
from plugins.live_server import report_figure, serving
from support.dashboards import T0, TARGETS, seed_dashboard_data
from support.db import compress_all, write_measures
from support.read_paths import split_reads
from support.wire import AUTH, measure

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from litestar import Litestar

    from gridts.testing.process import ServiceProcess
    from plugins.replication import Replicated

#: Targets written after the rollups were refreshed: read in real time, above the watermark.
LATE_T0 = T0 + timedelta(days=14)
RANGE = {
    "start_datetime": T0.isoformat(),
    "end_datetime": (LATE_T0 + timedelta(days=1)).isoformat(),
}
SETTINGS = dataclasses.replace(
    Settings.from_env({}), api_keys=(API_KEY,), rate_limit_per_minute=0, refresh_in_process=False
)


def _reads(node: int, series: int, grid: int, region: int) -> list[tuple[str, dict[str, Any]]]:
    """A request for every read endpoint (``test_every_read_endpoint_is_covered`` checks)."""
    day = {"start_datetime": T0.isoformat(), "end_datetime": (T0 + timedelta(days=2)).isoformat()}
    return [
        ("/api/v1/grids", {}),
        (f"/api/v1/grids/{grid}", {}),
        ("/api/v1/regions", {}),
        (f"/api/v1/regions/{region}", {}),
        ("/api/v1/nodes", {}),
        (f"/api/v1/nodes/{node}", {}),
        ("/api/v1/kinds", {}),
        ("/api/v1/kinds/load", {}),
        ("/api/v1/series", {}),
        (f"/api/v1/series/{series}", {}),
        ("/api/v1/measures", {**RANGE, "node_id": node}),
        ("/api/v1/measures", {**RANGE, "grid_id": grid, "kind": "price"}),
        ("/api/v1/measures/revisions", {**day, "node_id": node}),
        ("/api/v1/measures/horizon", {**RANGE, "lead": "PT18H"}),
        ("/api/v1/rollups", {**RANGE, "level": "grid", "resolution": "1h"}),
        ("/api/v1/rollups", {**RANGE, "level": "region", "resolution": "1h"}),
        ("/api/v1/rollups", {**RANGE, "level": "region", "resolution": "1d"}),
        ("/api/v1/rollups", {**RANGE, "level": "node", "resolution": "1h", "id": node}),
        ("/api/v1/accuracy", {**RANGE, "level": "node", "lead": ["PT18H", "PT36H"]}),
        ("/api/v1/accuracy", {**day, "level": "grid", "lead": "PT6H"}),
        ("/api/v1/dashboard", {}),
    ]


def _comparable(body: Any) -> Any:
    """An answer without what differs between two servers holding the same rows: sizes on disk.

    A replica's files hold the same rows in other bytes (free space is reclaimed by the
    primary's vacuum, replayed later), so the dashboard's byte counts are not compared. Floats
    are compared to 12 significant digits: a float8 sum over the same values in another order
    (a hash aggregate's) may differ in its last bits between any two queries.
    """
    if isinstance(body, float):
        return float(f"{body:.12g}")
    if isinstance(body, dict):
        return {k: _comparable(v) for k, v in body.items() if not k.endswith("bytes")}
    if isinstance(body, list):
        return [_comparable(v) for v in body]
    return body


def _served(server: str) -> float:
    return REGISTRY.get_sample_value("gridts_reads_total", {"server": server}) or 0.0


def _replica_name(replicated: Replicated) -> str:
    return f"127.0.0.1:{replicated.pair.standby.port}/gridts"


def _wait_healthy(client: httpx.Client | TestClient[Litestar], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get("/ready").json()
        if body.get("replicas") and all(r["state"] == "healthy" for r in body["replicas"]):
            return
        time.sleep(0.1)
    raise AssertionError(f"replicas not healthy: {body}")


@pytest.fixture(scope="module")
def seeded_pair(replicated: Replicated) -> Replicated:
    """The dashboards' data set, refreshed and compressed, plus late rows above the watermark."""
    seed_dashboard_data(replicated.primary_url)
    with psycopg.connect(replicated.primary_url, autocommit=True) as conn:
        assert compress_all(conn) > 0
        nodes = [r[0] for r in conn.execute("SELECT id FROM grid_node ORDER BY id")]
        late = [LATE_T0 + timedelta(hours=h) for h in range(24)]
        write_measures(
            conn,
            [
                (n, t, t - timedelta(hours=6), 7.0 * n + h)
                for n in nodes
                for h, t in enumerate(late)
            ],
        )
    replicated.pair.wait_caught_up()
    return replicated


@pytest.fixture
def clients(seeded_pair: Replicated) -> Iterator[tuple[TestClient[Litestar], TestClient[Litestar]]]:
    """A client of gridts on the primary alone, and one of gridts reading from the replica."""
    primary_only = create_app(SETTINGS, database_url=seeded_pair.primary_url)
    settings = dataclasses.replace(SETTINGS, read_database_urls=(seeded_pair.replica_url,))
    with_replica = create_app(settings, database_url=seeded_pair.primary_url)
    with TestClient(primary_only) as plain, TestClient(with_replica) as read:
        _wait_healthy(read)
        yield plain, read


def _ids(conn: psycopg.Connection) -> tuple[int, int, int, int]:
    row = conn.execute(
        "SELECT n.id, s.id, g.id, r.id FROM grid_node n JOIN grid_region r ON r.id = n.region_id "
        "JOIN grid g ON g.id = r.grid_id JOIN series s ON s.node_id = n.id AND s.kind = 'price' "
        "ORDER BY n.id LIMIT 1"
    ).fetchone()
    assert row is not None
    return row


def test_reads_through_the_replica_equal_reads_through_the_primary(
    seeded_pair: Replicated,
    clients: tuple[TestClient[Litestar], TestClient[Litestar]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain, read = clients
    monkeypatch.setattr(columns, "_SERIES_AT_ONCE", 1)  # every big read split (gridts.db.split)
    split, alone = split_reads(2), split_reads(1)
    with psycopg.connect(seeded_pair.primary_url) as conn:
        reads = _reads(*_ids(conn))
        watermark = conn.execute(
            "SELECT max(_timescaledb_functions.to_timestamp(watermark)) "
            "FROM _timescaledb_catalog.continuous_aggs_watermark"
        ).fetchone()
    assert watermark is not None
    assert watermark[0] < LATE_T0  # the late rows are read in real time, above the watermark
    before = _served(_replica_name(seeded_pair))
    for path, params in reads:
        want = plain.get(path, params=params)
        got = read.get(path, params=params)
        assert want.status_code == 200, (path, params, want.text)
        assert got.status_code == want.status_code, path
        assert _comparable(got.json()) == _comparable(want.json()), path
    assert _served(_replica_name(seeded_pair)) - before == len(reads)  # all from the replica
    # The two big measures reads and the two accuracy reads, each on both servers, over two
    # connections in one snapshot: a standby exports and imports snapshots too.
    assert (split_reads(2) - split, split_reads(1) - alone) == (8, 0)
    report_figure(f"replicas: {len(reads)} reads through the replica equal the primary's")
    late = read.get("/api/v1/rollups", params={**RANGE, "level": "grid", "resolution": "1h"})
    buckets = {row["bucket"] for row in late.json()["data"]}
    assert any(b.startswith(LATE_T0.date().isoformat()) for b in buckets)
    assert any(b.startswith(TARGETS[0].date().isoformat()) for b in buckets)


def test_every_read_endpoint_is_covered(clients: tuple[Any, TestClient[Litestar]]) -> None:
    app = clients[1].app
    gets = {
        re.sub(r"\{.*?\}", "{}", route.path)
        for route in app.routes
        if route.path.startswith("/api/v1") and "GET" in getattr(route, "methods", ())
    }
    covered = {re.sub(r"/(\d+|load)$", "/{}", path) for path, _ in _reads(1, 1, 1, 1)}
    assert gets == covered


def _waits() -> dict[str, float]:
    return {
        outcome: REGISTRY.get_sample_value("gridts_min_lsn_reads_total", {"outcome": outcome})
        or 0.0
        for outcome in ("ready", "waited", "primary")
    }


def test_min_lsn_reads_see_their_own_writes(
    seeded_pair: Replicated, clients: tuple[Any, TestClient[Litestar]]
) -> None:
    read = clients[1]
    with psycopg.connect(seeded_pair.primary_url) as conn:
        node = _ids(conn)[0]
    start = LATE_T0 + timedelta(days=30)
    before, misses, stale_without = _waits(), 0, 0
    waited = []
    for i in range(200):
        target = start + timedelta(hours=i)
        answer = read.post(
            "/api/v1/measures", json=[measure(node, target, target, i)], headers=AUTH
        )
        assert answer.status_code == 201, answer.text
        lsn = answer.json()["lsn"]
        window = {"start_datetime": target.isoformat(), "end_datetime": target.isoformat()}
        if i % 2:  # half the pairs also read without min_lsn first: how often that misses
            plain = read.get("/api/v1/measures", params={**window, "node_id": node}).json()
            stale_without += not plain["data"]
        began = time.perf_counter()
        got = read.get("/api/v1/measures", params={**window, "node_id": node, "min_lsn": lsn})
        waited.append(time.perf_counter() - began)
        assert got.status_code == 200, got.text
        misses += [row["value"] for row in got.json()["data"]] != [float(i)]
    after = _waits()
    outcomes = {key: int(after[key] - before[key]) for key in after}
    waited.sort()
    report_figure(
        f"replicas: min_lsn read-your-writes over 200 pairs: {misses} misses; served {outcomes}; "
        f"read latency median {waited[100] * 1000:.1f} ms, p95 {waited[190] * 1000:.1f} ms; "
        f"reads without min_lsn right after the write missed it {stale_without}/100 times"
    )
    assert misses == 0
    assert sum(outcomes.values()) == 200
    assert outcomes["primary"] < 200  # the replica answered (most of) them


def test_a_min_lsn_read_waits_for_the_replica_to_replay_the_write(
    seeded_pair: Replicated, clients: tuple[Any, TestClient[Litestar]]
) -> None:
    read = clients[1]
    with psycopg.connect(seeded_pair.primary_url) as conn:
        node = _ids(conn)[0]
    target = LATE_T0 + timedelta(days=90)
    window = {"start_datetime": target.isoformat(), "end_datetime": target.isoformat()}
    with psycopg.connect(seeded_pair.pair.standby.url, autocommit=True) as standby:
        standby.execute("SELECT pg_wal_replay_pause()")
        resume = threading.Timer(0.4, standby.execute, ("SELECT pg_wal_replay_resume()",))
        try:
            answer = read.post(
                "/api/v1/measures", json=[measure(node, target, target, 9.0)], headers=AUTH
            )
            before = _waits()
            resume.start()
            began = time.perf_counter()
            got = read.get(
                "/api/v1/measures",
                params={**window, "node_id": node, "min_lsn": answer.json()["lsn"]},
            )
            took = time.perf_counter() - began
        finally:
            resume.join()
            standby.execute("SELECT pg_wal_replay_resume()")
    assert [row["value"] for row in got.json()["data"]] == [9.0]
    assert _waits()["waited"] == before["waited"] + 1  # the replica answered, once it had it
    report_figure(f"replicas: min_lsn read behind a replay paused 0.4 s answered in {took:.2f} s")


def test_an_lsn_no_replica_reaches_is_read_from_the_primary(
    clients: tuple[Any, TestClient[Litestar]],
) -> None:
    read = clients[1]
    before = _waits()["primary"]
    began = time.perf_counter()
    got = read.get("/api/v1/kinds", params={"min_lsn": "FFFFFFFF/0"})
    assert got.status_code == 200
    assert time.perf_counter() - began >= SETTINGS.read_wait.total_seconds()
    assert _waits()["primary"] == before + 1
    bad = read.get("/api/v1/kinds", params={"min_lsn": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["extra"][0]["key"] == "min_lsn"


def test_a_replica_further_behind_than_the_bound_gets_no_reads_until_it_catches_up(
    seeded_pair: Replicated,
) -> None:
    settings = dataclasses.replace(
        SETTINGS,
        read_database_urls=(seeded_pair.replica_url,),
        max_replica_lag=timedelta(seconds=1),
    )
    name = _replica_name(seeded_pair)
    standby = psycopg.connect(seeded_pair.pair.standby.url, autocommit=True)
    with standby, TestClient(create_app(settings, database_url=seeded_pair.primary_url)) as read:
        _wait_healthy(read)  # an idle primary: the replica has all of it, lag 0
        assert read.get("/ready").json()["replicas"][0]["lag_seconds"] == 0
        standby.execute("SELECT pg_wal_replay_pause()")
        try:
            with psycopg.connect(seeded_pair.primary_url, autocommit=True) as conn:
                conn.execute("UPDATE kind SET unit = unit WHERE name = 'load'")
            deadline = time.monotonic() + 10
            while read.get("/ready").json()["replicas"][0]["state"] != "lagging":
                assert time.monotonic() < deadline, read.get("/ready").json()
                time.sleep(0.1)
            lagging = read.get("/ready").json()["replicas"][0]
            before = _served(name)
            assert read.get("/api/v1/kinds").status_code == 200
            assert _served(name) == before  # the primary answered
            assert 'gridts_replica_healthy{replica="' + name + '",state="lagging"} 0.0' in (
                read.get("/metrics").text
            )
        finally:
            standby.execute("SELECT pg_wal_replay_resume()")
        _wait_healthy(read)
        assert read.get("/api/v1/kinds").status_code == 200
        assert _served(name) == before + 1
    report_figure(f"replicas: replay paused: marked {lagging} within the 1 s bound")


class Load(threading.Thread):
    """Reads (and optionally writes) in a loop against a live server, counting statuses."""

    def __init__(
        self,
        server: ServiceProcess,
        paths: list[tuple[str, dict[str, Any]]],
        node: int | None = None,
    ) -> None:
        super().__init__(daemon=True)
        self.server, self.paths, self.node = server, paths, node
        self.stop = threading.Event()
        self.statuses: Counter[int | str] = Counter()
        self.failures: list[str] = []
        """The first few failed requests and what they answered (for the assertion's message)."""

    def run(self) -> None:
        number = 0
        with httpx.Client(
            base_url=self.server.base_url, headers=self.server.headers, timeout=30
        ) as client:
            while not self.stop.is_set():
                path, params = self.paths[number % len(self.paths)]
                number += 1
                try:
                    if self.node is not None and number % 4 == 0:
                        t = LATE_T0 + timedelta(days=60, minutes=number)
                        status = client.post(
                            "/api/v1/measures", json=[measure(self.node, t, t, 1.0)]
                        ).status_code
                    else:
                        response = client.get(path, params=params)
                        status = response.status_code
                        if status >= 500 and len(self.failures) < 5:
                            self.failures.append(f"{path} {params}: {status} {response.text}")
                except httpx.HTTPError as error:
                    status = type(error).__name__
                    if len(self.failures) < 5:
                        self.failures.append(f"{path} {params}: {error!r}")
                self.statuses[status] += 1


def _metric(service: ServiceProcess, name: str, **labels: str) -> float:
    text = httpx.get(service.base_url + "/metrics").text
    selector = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(name + ("{" + selector + "}" if labels else "")) + r" ([0-9.e+]+)"
    found = re.search(pattern, text)
    return float(found[1]) if found else 0.0


def _answered(service: ServiceProcess, replicated: Replicated) -> list[tuple[str, dict[str, Any]]]:
    """The reads of ``_reads``, each checked to answer 200 before the load starts."""
    with psycopg.connect(replicated.primary_url) as conn:
        reads = _reads(*_ids(conn))
    with httpx.Client(base_url=service.base_url) as client:
        for path, params in reads:
            response = client.get(path, params=params)
            assert response.status_code == 200, (path, params, response.text)
    return reads


@pytest.fixture
def live(seeded_pair: Replicated) -> Iterator[ServiceProcess]:
    """``gridts serve`` on the primary, reading from the replica."""
    env = {"GRIDTS_READ_DATABASE_URLS": seeded_pair.replica_url, "GRIDTS_REFRESH_IN_PROCESS": "0"}
    with serving(seeded_pair.primary_url, **env) as server:
        with httpx.Client(base_url=server.base_url) as client:
            _wait_healthy(client)
        yield server


def test_a_replica_that_stops_under_load_costs_no_5xx_and_is_used_again_after_restart(
    seeded_pair: Replicated, live: ServiceProcess
) -> None:
    reads = _answered(live, seeded_pair)
    with psycopg.connect(seeded_pair.primary_url) as conn:
        node = _ids(conn)[0]
    name = _replica_name(seeded_pair)
    loads = [Load(live, reads, node), Load(live, reads[::-1])]
    for load in loads:
        load.start()
    try:
        time.sleep(1.5)
        seeded_pair.pair.standby.stop("fast")
        time.sleep(3)
        with httpx.Client(base_url=live.base_url) as client:
            assert client.get("/ready").json()["replicas"][0]["state"] == "unreachable"
            down = _metric(live, "gridts_reads_total", server=name)
            time.sleep(1)
            assert _metric(live, "gridts_reads_total", server=name) == down  # none while away
            seeded_pair.pair.standby.start()
            _wait_healthy(client)
            time.sleep(1)
            assert _metric(live, "gridts_reads_total", server=name) > down  # back in use
    finally:
        for load in loads:
            load.stop.set()
        for load in loads:
            load.join(timeout=30)
    statuses = sum((load.statuses for load in loads), Counter())
    retries = _metric(live, "gridts_replica_retries_total")
    report_figure(
        f"replicas: replica stopped and restarted under mixed load: statuses {dict(statuses)}, "
        f"reads run again elsewhere {retries:g}"
    )
    assert not [s for s in statuses if not isinstance(s, int) or s >= 500], [
        f for load in loads for f in load.failures
    ]  # 0 5xx, not even 503
    assert statuses[200] > 0


def test_compressing_chunks_while_the_replica_reads_costs_no_5xx(
    seeded_pair: Replicated, live: ServiceProcess
) -> None:
    pair = seeded_pair.pair
    # Cancel conflicting queries at once (default 30 s), so that conflicts surely happen here.
    with (pair.standby.datadir / "postgresql.conf").open("a", encoding="utf-8") as f:
        f.write("max_standby_streaming_delay = 0\n")
    with psycopg.connect(pair.standby.url, autocommit=True) as conn:
        conn.execute("SELECT pg_reload_conf()")
    reads = [r for r in _answered(live, seeded_pair) if "measures" in r[0] or "rollups" in r[0]]
    loads = [Load(live, reads), Load(live, reads[::-1])]
    for load in loads:
        load.start()
    cycles = 0
    try:
        with psycopg.connect(seeded_pair.primary_url, autocommit=True) as conn:
            deadline = time.monotonic() + 6
            while time.monotonic() < deadline:
                conn.execute("SELECT decompress_chunk(c, true) FROM show_chunks('measures') c")
                conn.execute("SELECT compress_chunk(c, true) FROM show_chunks('measures') c")
                cycles += 1
    finally:
        for load in loads:
            load.stop.set()
        for load in loads:
            load.join(timeout=30)
        with (pair.standby.datadir / "postgresql.conf").open("a", encoding="utf-8") as f:
            f.write("max_standby_streaming_delay = 30s\n")
        with psycopg.connect(pair.standby.url, autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
    statuses = sum((load.statuses for load in loads), Counter())
    retries = _metric(live, "gridts_replica_retries_total")
    report_figure(
        f"replicas: {cycles} decompress/compress cycles of every chunk during replica reads: "
        f"statuses {dict(statuses)}, reads run again after a replica error {retries:g}"
    )
    assert not [s for s in statuses if not isinstance(s, int) or s >= 500], [
        f for load in loads for f in load.failures
    ]
    assert statuses[200] > 0


# --- failover -------------------------------------------------------------------------------

ROWS_PER_BATCH = 20
FAIL_T0 = datetime(2028, 3, 1, tzinfo=UTC)


class Writer(threading.Thread):
    """Posts numbered batches, each retried until acknowledged; notes when each was."""

    def __init__(self, server: ServiceProcess, node: int) -> None:
        super().__init__(daemon=True)
        self.server, self.node = server, node
        self.stop = threading.Event()
        self.acknowledged: dict[int, float] = {}
        self.statuses: Counter[int | str] = Counter()

    def batch(self, number: int) -> list[dict[str, Any]]:
        first = FAIL_T0 + timedelta(hours=number * ROWS_PER_BATCH)
        return [
            measure(self.node, first + timedelta(hours=i), first, float(number))
            for i in range(ROWS_PER_BATCH)
        ]

    def run(self) -> None:
        number = 0
        with httpx.Client(
            base_url=self.server.base_url, headers=self.server.headers, timeout=10
        ) as client:
            while not self.stop.is_set():
                try:
                    status: int | str = client.post(
                        "/api/v1/measures", json=self.batch(number)
                    ).status_code
                except httpx.HTTPError as error:
                    status = type(error).__name__
                self.statuses[status] += 1
                if status == 201:
                    self.acknowledged[number] = time.monotonic()
                    number += 1
                else:
                    time.sleep(0.05)


def _one_node(url: str) -> int:
    """A node, and a refreshed row a month before the writer's: later rows below it queue."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO grid(name) VALUES ('G')")
        conn.execute("INSERT INTO grid_region(grid_id, name) SELECT id, 'R' FROM grid")
        row = conn.execute(
            "INSERT INTO grid_node(region_id, name) SELECT id, 'N' FROM grid_region RETURNING id"
        ).fetchone()
        assert row is not None
        early = FAIL_T0 - timedelta(days=30)
        write_measures(conn, [(row[0], early, early, 1.0)])
        refresh_all(conn)
    return int(row[0])


def _stored_batches(conn: psycopg.Connection) -> tuple[dict[int, int], int]:
    """Rows stored per writer batch (by its collection time), and keys stored twice."""
    per_batch = {
        int((collected - FAIL_T0) / timedelta(hours=ROWS_PER_BATCH)): count
        for collected, count in conn.execute(
            "SELECT timestamp_collected, count(*) FROM measures "
            "WHERE timestamp_collected >= %s GROUP BY 1",
            (FAIL_T0,),
        )
    }
    twice = conn.execute(
        "SELECT count(*) FROM (SELECT series_id, timestamp_measured, timestamp_collected "
        "FROM measures GROUP BY 1, 2, 3 HAVING count(*) > 1) d"
    ).fetchone()
    return per_batch, int(twice[0]) if twice else -1


def _refreshes_run(server: ServiceProcess, conn: psycopg.Connection, node: int) -> None:
    """On the promoted server: the service's refresher refreshes a window a write queued, and
    TimescaleDB's scheduler runs with the refresh policies in place."""
    target = FAIL_T0 - timedelta(days=40)  # below the watermark: queued for the refresher
    answer = httpx.post(
        server.base_url + "/api/v1/measures",
        headers=server.headers,
        json=[measure(node, target, target - timedelta(days=1), 5.0)],
    )
    assert answer.status_code == 201, answer.text
    deadline = time.monotonic() + 20
    refreshed = None
    while time.monotonic() < deadline and not refreshed:
        refreshed = conn.execute("SELECT 1 FROM grid_1h WHERE bucket = %s", (target,)).fetchone()
        time.sleep(0.1)
    assert refreshed, "the refresher did not refresh the queued window on the promoted server"
    jobs = conn.execute(
        "SELECT job_id FROM timescaledb_information.jobs "
        "WHERE proc_name = 'policy_refresh_continuous_aggregate'"
    ).fetchall()
    assert jobs, "no refresh policy on the promoted server"
    conn.execute("CALL run_job(%s)", jobs[0])  # one runs there (each takes seconds: one is enough)
    scheduler = conn.execute(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE backend_type LIKE '%%TimescaleDB Background Worker Scheduler%%'"
    ).fetchone()
    assert scheduler is not None
    assert scheduler[0] >= 1


@pytest.mark.parametrize("synchronous", [True, False], ids=["sync", "async"])
def test_failover_to_the_promoted_standby_resumes_writes_without_a_restart(
    make_replicated: Callable[..., Replicated],
    synchronous: bool,
) -> None:
    replicated = make_replicated()
    pair = replicated.pair
    pair.set_synchronous(synchronous)
    node = _one_node(replicated.primary_url)
    env = {"GRIDTS_READ_DATABASE_URLS": replicated.replica_url, "GRIDTS_REFRESH_POLL": "1"}
    with serving(pair.failover_url("gridts"), **env) as server:
        writer = Writer(server, node)
        writer.start()
        try:
            time.sleep(2)
            pair.primary.stop("immediate")  # kill -9 semantics: no shutdown checkpoint
            killed = time.monotonic()
            pair.promote()
            promoted = time.monotonic()
            acked_at_kill = {n for n, at in writer.acknowledged.items() if at < killed}
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not any(
                at > promoted for at in writer.acknowledged.values()
            ):
                time.sleep(0.02)
            first = min((at for at in writer.acknowledged.values() if at > promoted), default=None)
            assert first is not None, f"no write acknowledged after promotion: {writer.statuses}"
            time.sleep(1)
        finally:
            writer.stop.set()
            writer.join(timeout=30)
        with psycopg.connect(pair.url(pair.standby, "gridts"), autocommit=True) as conn:
            per_batch, twice = _stored_batches(conn)
            _refreshes_run(server, conn, node)
    acknowledged = set(writer.acknowledged)
    lost = sorted(n for n in acknowledged if n not in per_batch)
    partial = sorted(n for n, count in per_batch.items() if count != ROWS_PER_BATCH)
    mode = "sync" if synchronous else "async"
    report_figure(
        f"replicas: failover ({mode}): {len(acknowledged)} batches acknowledged "
        f"({len(acked_at_kill)} before the kill), {len(lost)} acknowledged batches lost "
        f"{lost[:5]}, {twice} keys stored twice, {len(partial)} batches stored in part; "
        f"first acknowledged write {first - promoted:.2f} s after promotion "
        f"({first - killed:.2f} s after the kill); writer statuses {dict(writer.statuses)}"
    )
    assert twice == 0
    assert not partial
    if synchronous:
        assert not lost
