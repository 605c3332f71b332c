"""Tail phase: one node's day read again and again while the service works as it normally does.

Issue 14 asks for the tail of the smallest read (latest, one node, one day): p99 with keep-alive
and with a new connection per request, measured while the background work runs, and the causes
of what is slow, with evidence. So, for the preset's ``mixed_seconds`` per mode:

- a writer posts every second, as a live grid would: the next hour of every node, and a revision
  of every node's value for an hour of the day being read (a late write below the aggregates'
  watermark, which the refresher and the policies then work on). The late hour goes round the
  day's 24, one a second: a source revises a target a few times, not every second, and one
  hour revised every second made each refresh sort all of its revisions (122,000 after two
  minutes: ``bench/README.md``, "The tail writer's late hour");
- the reads run one after another: over one kept-alive connection, then with
  ``Connection: close`` (a new TCP connection per request);
- a third run keeps the connection alive while TimescaleDB's policy jobs run back to back
  for its whole length (``CALL run_job``: the compression of ``measures`` and of the rollups,
  the rollups' refresh policies). On their own schedules (hourly, twice a day) none ran during
  the first two runs' seconds, so this is their worst case: each job every few seconds, while
  the writer keeps making the day being read a partly compressed chunk again;
- a sampler records PostgreSQL's active backends every ``SAMPLE_EVERY`` (autovacuum, TimescaleDB's
  job workers, the refresher, the writer), and ``/metrics`` is read around each mode: the
  worker's garbage collections and event-loop lag (``gridts.pauses``) and its waits for a pooled
  connection, and how many reads its own request timer saw over ``SLOW_MS`` (the rest of a slow
  request is outside the handler: the client, the network, uvicorn). Each request slower than
  ``SLOW_MS`` is matched with what was active meanwhile; activity shorter than a sample's
  interval can be missed.
"""

from __future__ import annotations

import collections
import statistics
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx
import msgspec
import psycopg
from prometheus_client.parser import text_string_to_metric_families

from phases.reads import percentile

if TYPE_CHECKING:
    from gridts.dataset import DatasetPlan
    from gridts.testing.process import ServiceProcess
    from results import Results

SLOW_MS = 5.0
SAMPLE_EVERY = 0.02
#: What a backend is doing, in a word: its application, else its kind, else its query's start.
ACTIVE = """
SELECT coalesce(nullif(application_name, ''), backend_type) || ': '
       || left(regexp_replace(query, '\\s+', ' ', 'g'), 48)
FROM pg_stat_activity
WHERE state = 'active' AND pid <> pg_backend_pid() AND pid <> %(ignore)s
  AND NOT (application_name = 'gridts'
           AND (query LIKE '-- measures/%%' OR query LIKE '-- filters/%%'))
"""
JOB_RUNS = "SELECT coalesce(sum(total_runs), 0) FROM timescaledb_information.job_stats"


class Sampler(threading.Thread):
    """PostgreSQL's active backends, every ``SAMPLE_EVERY`` seconds, with when (but backend
    ``ignore``'s: the one being timed)."""

    def __init__(self, url: str, ignore: int = 0) -> None:
        super().__init__(daemon=True)
        self.url, self.ignore = url, ignore
        self.samples: list[tuple[float, list[str]]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.wait(SAMPLE_EVERY):
                active = [row[0] for row in conn.execute(ACTIVE, {"ignore": self.ignore})]
                self.samples.append((time.perf_counter(), active))

    def during(self, start: float, end: float) -> set[str]:
        """What was active between ``start`` and ``end`` (and the sample just after)."""
        found: set[str] = set()
        for at, active in self.samples:
            if at >= start:
                found.update(active)
            if at > end:
                break
        return found


class _Writer(threading.Thread):
    """A live grid's writes: every second, the next hour of each node and a late revision."""

    def __init__(self, service: ServiceProcess, nodes: list[int], plan: DatasetPlan) -> None:
        super().__init__(daemon=True)
        self.service, self.nodes, self.plan = service, nodes, plan
        self.stop = threading.Event()
        self.statuses: collections.Counter[int] = collections.Counter()

    def run(self) -> None:
        target = self.plan.end + timedelta(days=60)  # beyond what other phases wrote
        day = self.plan.end - timedelta(hours=24)  # the day being read
        with httpx.Client(
            base_url=self.service.base_url, headers=self.service.headers, timeout=60
        ) as http:
            step = 0
            while not self.stop.wait(1.0):
                step += 1
                collected = target + timedelta(hours=step)
                late = day + timedelta(hours=step % 24)
                rows = [
                    {
                        "node_id": node,
                        "timestamp_measured": when,
                        "timestamp_collected": collected,
                        "value": float(node % 97 + step),
                    }
                    for node in self.nodes
                    for when in (target + timedelta(hours=step), late)
                ]
                response = http.post(
                    "/api/v1/measures",
                    content=msgspec.json.encode(rows),
                    headers={"Content-Type": "application/json"},
                )
                self.statuses[response.status_code] += 1


#: gridts' policy jobs: compression of measures and of every rollup, the rollups' refreshes.
POLICY_JOBS = """
SELECT job_id, proc_name || ' ' || hypertable_name
FROM timescaledb_information.jobs
WHERE proc_name IN ('policy_compression', 'policy_refresh_continuous_aggregate')
  AND hypertable_schema = current_schema()
ORDER BY job_id
"""
#: How the job runner shows in ``pg_stat_activity`` (the sampler names what was active by it).
JOBS_APPLICATION = "policy job (run_job)"


class _Jobs(threading.Thread):
    """TimescaleDB's policy jobs of gridts, run one after another until ``stop``."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.seconds: collections.Counter[str] = collections.Counter()
        self.runs = 0
        self.deferred: collections.Counter[str] = collections.Counter()
        """Compression runs TimescaleDB gave up on for the next run (``_DEFERRED``)."""

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True, application_name=JOBS_APPLICATION) as conn:
            jobs = conn.execute(POLICY_JOBS).fetchall()
            while jobs and not self.stop.is_set():
                for job, what in jobs:
                    if self.stop.is_set():
                        break
                    started = time.perf_counter()
                    try:
                        conn.execute("CALL run_job(%s)", (job,))
                    except psycopg.errors.DataException as error:
                        if not str(error).startswith(_DEFERRED):
                            raise
                        self.deferred[what] += 1
                    self.seconds[what] += time.perf_counter() - started
                    self.runs += 1


#: A compression policy that meets a refresh writing into the chunk it recompresses gives up on
#: that chunk "retrying with next policy run" and fails its run with this message (TimescaleDB
#: 2.28.3; seen once in a seed run, on series_1h). The scheduler would run it again; so does the
#: loop above, instead of ending the phase's job runs.
_DEFERRED = "columnstore policy failure"


def _metrics(http: httpx.Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = http.get("/metrics").text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _delta(before: dict[Any, float], after: dict[Any, float], name: str, **labels: str) -> float:
    def total(values: dict[Any, float]) -> float:
        return sum(
            value
            for (key, keyed), value in values.items()
            if key == name and all(dict(keyed).get(k) == v for k, v in labels.items())
        )

    return total(after) - total(before)


def _over(
    before: dict[Any, float], after: dict[Any, float], histogram: str, le: str, **labels: str
) -> float:
    """Observations of ``histogram`` above bucket ``le`` between the two scrapes."""
    count = _delta(before, after, f"{histogram}_count", **labels)
    within = _delta(before, after, f"{histogram}_bucket", le=le, **labels)
    return count - within


def _reads(
    service: ServiceProcess,
    params: dict[str, Any],
    *,
    keep_alive: bool,
    sampler: Sampler,
    seconds: float,
) -> tuple[list[float], list[set[str]]]:
    headers = dict(service.headers)
    if not keep_alive:
        headers["Connection"] = "close"
    latencies: list[float] = []
    slow: list[set[str]] = []
    with httpx.Client(base_url=service.base_url, headers=headers, timeout=60) as http:
        for _ in range(20):  # warm-up
            http.get("/api/v1/measures", params=params).raise_for_status()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            http.get("/api/v1/measures", params=params).raise_for_status()
            ended = time.perf_counter()
            took = (ended - started) * 1000
            latencies.append(took)
            if took > SLOW_MS:
                slow.append(sampler.during(started, ended))
    return latencies, slow


def measure(
    service: ServiceProcess, url: str, plan: DatasetPlan, seconds: float, results: Results
) -> None:
    """Both modes' percentiles, and what was going on during the slow requests."""
    with psycopg.connect(url) as conn:
        nodes = [n for (n,) in conn.execute("SELECT id FROM grid_node ORDER BY id")]
        runs_before = conn.execute(JOB_RUNS).fetchone()
    end = plan.end - timedelta(hours=1)
    params = {
        "node_id": nodes[0],
        "start_datetime": (end - timedelta(hours=23)).isoformat(),
        "end_datetime": end.isoformat(),
    }
    sampler, writer, jobs = Sampler(url), _Writer(service, nodes, plan), _Jobs(url)
    sampler.start()
    writer.start()
    try:
        with httpx.Client(base_url=service.base_url, headers=service.headers) as http:
            for mode, keep_alive in (("keep_alive", True), ("new_connection", False)):
                before = _metrics(http)
                latencies, slow = _reads(
                    service, params, keep_alive=keep_alive, sampler=sampler, seconds=seconds
                )
                after = _metrics(http)
                _report(results, mode, latencies=latencies, slow=slow, before=before, after=after)
            with psycopg.connect(url) as conn:  # the schedules' own runs, before ours
                runs_after = conn.execute(JOB_RUNS).fetchone()
            jobs.start()
            before = _metrics(http)
            latencies, slow = _reads(
                service, params, keep_alive=True, sampler=sampler, seconds=seconds
            )
            after = _metrics(http)
            jobs.stop.set()
            jobs.join()
            _report(results, "jobs", latencies=latencies, slow=slow, before=before, after=after)
    finally:
        jobs.stop.set()
        writer.stop.set()
        sampler.stop.set()
        writer.join()
        sampler.join()
    ran = ", ".join(f"{what} {took:.1f} s" for what, took in jobs.seconds.most_common())
    results.add(
        "tail.jobs.runs",
        "tail: policy jobs run during the third run's reads",
        jobs.runs,
        "job runs",
        note=f"seconds per job, in all: {ran or '-'}"
        + (f"; deferred to their next run: {dict(jobs.deferred)}" if jobs.deferred else ""),
    )
    job_runs = (runs_after[0] if runs_after else 0) - (runs_before[0] if runs_before else 0)
    results.add(
        "tail.background",
        "tail: background work during the reads",
        job_runs,
        "job runs",
        note=f"TimescaleDB job runs; the writer's answers {dict(writer.statuses)}",
    )


def _report(
    results: Results,
    mode: str,
    *,
    latencies: list[float],
    slow: list[set[str]],
    before: dict[Any, float],
    after: dict[Any, float],
) -> None:
    ordered = sorted(latencies)
    label = {
        "keep_alive": "keep-alive",
        "new_connection": "new connection per request",
        "jobs": "keep-alive, policy jobs running",
    }[mode]
    name = f"latest, one node, 1 d, {label}, background work running"
    results.add(
        f"tail.{mode}.p50",
        f"{name}: p50",
        statistics.median(ordered),
        "ms",
        note=f"{len(ordered)} requests",
    )
    for p in (99, 99.9):
        results.add(f"tail.{mode}.p{p}", f"{name}: p{p}", percentile(ordered, p), "ms")
    results.add(f"tail.{mode}.max", f"{name}: max", ordered[-1], "ms")
    during = collections.Counter(label for active in slow for label in active)
    idle = sum(1 for active in slow if not active)
    gc_slow = _over(before, after, "gridts_gc_pause_seconds", "0.005")
    lag_slow = _over(before, after, "gridts_event_loop_lag_seconds", "0.005")
    waited = _delta(before, after, "gridts_pool_wait_seconds_total")
    served_slow = _over(
        before,
        after,
        "gridts_request_duration_seconds",
        "0.005",
        method="GET",
        path="/api/v1/measures",
    )
    common = ", ".join(f"{what} x{n}" for what, n in during.most_common(4))
    results.add(
        f"tail.{mode}.slow",
        f"{name}: requests over {SLOW_MS:.0f} ms",
        len(slow),
        "count",
        note=(
            f"over 5 ms inside the worker (its request timer) {served_slow:.0f}; "
            f"worker: GC pauses > 5 ms {gc_slow:.0f}, event-loop lags > 5 ms {lag_slow:.0f}, "
            f"pool wait {waited * 1000:.1f} ms; nothing else active in PostgreSQL during "
            f"{idle}; active during the others: {common or '-'}"
        ),
    )
