"""Baseline phase: the plain-PostgreSQL baseline, loaded with the same rows and timed.

The baseline is the design the users' documents describe (plain tables, one INSERT per row,
a FastAPI endpoint's SQL). Its tables live in their own database; its loader is timed on a
sample and extrapolated, the rest of the rows are COPied so that its queries run on the same
data; then its SQL runs for every read case it has a query for (``baseline_query``), through
psycopg without HTTP. Each figure completes the gridts figure of the same id with a baseline
value: the SQL alone, a lower bound of what the documents' service takes.

Then the documents' FastAPI app itself (``baseline_app``) is served by uvicorn and timed over
HTTP for the reads it has an endpoint for (every node's latest values in a range, every node's
values collected at a time), as gridts' reads are timed: warm, each answer read to its last
byte. Issue 14's "10x faster than the seeds' FastAPI endpoint" is that comparison; each gets a
figure of its own (``<read>.endpoint.p50``: gridts' p50 against the endpoint's).
"""

from __future__ import annotations

import itertools
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import psycopg
from rich.progress import Progress

from cases import Entities
from gridts.dataset import batches
from gridts.testing.ports import free_port
from phases.ingest import BULK, copy_rows
from phases.reads import repeat
from phases.storage import AFTER, BEFORE

if TYPE_CHECKING:
    from cases import ReadCase
    from gridts.dataset import DatasetPlan
    from gridts.testing.servers import TimescaleServer
    from presets import Preset
    from results import Figure, Results

SCHEMA = """
CREATE TABLE Grid (grid_id SERIAL PRIMARY KEY, grid_name VARCHAR(50) UNIQUE NOT NULL);
CREATE TABLE GridRegion (region_id SERIAL PRIMARY KEY, region_name VARCHAR(50) NOT NULL,
                         grid_id INT REFERENCES Grid (grid_id));
CREATE TABLE GridNode (node_id SERIAL PRIMARY KEY, node_name VARCHAR(50) NOT NULL,
                       region_id INT REFERENCES GridRegion (region_id));
CREATE TABLE Measures (measure_id SERIAL PRIMARY KEY, node_id INT REFERENCES GridNode (node_id),
                       timestamp_measured TIMESTAMPTZ NOT NULL,
                       timestamp_collected TIMESTAMPTZ NOT NULL, value FLOAT NOT NULL);
CREATE UNIQUE INDEX measures_key ON Measures (node_id, timestamp_measured, timestamp_collected);
"""
LATEST = """
SELECT m.node_id, n.node_name, m.timestamp_measured, m.value
FROM Measures m JOIN GridNode n ON m.node_id = n.node_id
WHERE m.timestamp_measured BETWEEN %(start)s AND %(end)s {filter}
  AND m.timestamp_collected = (
      SELECT MAX(timestamp_collected) FROM Measures m2
      WHERE m2.node_id = m.node_id AND m2.timestamp_measured = m.timestamp_measured)
ORDER BY m.node_id, m.timestamp_measured
"""
AS_OF = """
SELECT m.node_id, n.node_name, m.timestamp_measured, m.value
FROM Measures m JOIN GridNode n ON m.node_id = n.node_id
WHERE m.timestamp_measured BETWEEN %(start)s AND %(end)s {filter}
  AND m.timestamp_collected = %(collected)s
ORDER BY m.node_id, m.timestamp_measured
"""
ROLLUP = """
SELECT {key}, date_trunc('{unit}', m.timestamp_measured) AS bucket, AVG(m.value), SUM(m.value)
FROM Measures m JOIN GridNode n ON m.node_id = n.node_id
JOIN GridRegion gr ON n.region_id = gr.region_id
WHERE m.timestamp_measured BETWEEN %(start)s AND %(end)s AND {key} = %(entity)s
  AND m.timestamp_collected = (
      SELECT MAX(timestamp_collected) FROM Measures m2
      WHERE m2.node_id = m.node_id AND m2.timestamp_measured = m.timestamp_measured)
GROUP BY 1, 2 ORDER BY 1, 2
"""
FIRST_ENTITIES = """
SELECT (SELECT min(node_id) FROM GridNode), (SELECT min(region_id) FROM GridRegion),
       (SELECT min(grid_id) FROM Grid)
"""
#: The documents' endpoints (``baseline_app``) by the read they answer, for every node.
ENDPOINTS = {"latest": "/latest_values", "as_of": "/values_by_collected"}
#: What the documents' "as of" endpoint answers instead of gridts' "as known at".
EXACT_MATCH = "; the revisions collected at exactly that time, not the values known then"
#: The endpoints' app runs in an environment of its own (``uv run --no-project``), so that
#: FastAPI and pydantic stay out of gridts' (Litestar registers its pydantic plugins whenever
#: pydantic can be imported). The versions are pinned: the figures are of these.
APP_PACKAGES = ("fastapi==0.165.0", "psycopg2-binary==2.9.13", "uvicorn==0.54.0")
NO_UV = "not timed: uv, which runs the endpoints' app in its own environment, was not found"
#: Seconds the endpoints' app may take to start answering (the first run installs it).
APP_START_TIMEOUT = 180.0
BENCH = Path(__file__).resolve().parent.parent
#: The baseline's filter for each scope of a latest / as-of read, and the parameter it takes.
FILTERS = {
    "one_node": ("AND m.node_id = %(node)s", "node"),
    "one_region": ("AND n.region_id = %(region)s", "region"),
    "all_nodes": ("", None),
}


def baseline_query(case: ReadCase, ids: Entities) -> tuple[str, dict[str, Any]] | None:
    """The baseline's SQL and parameters answering ``case``; None when they have no such query.

    Latest values by the correlated ``MAX(timestamp_collected)`` subquery, "as of" by an exact
    match on ``timestamp_collected``, region / grid averages per hour (up to 62 days) or per day
    by ``GROUP BY`` over the latest values. Forced resolutions and revisions have no equivalent.
    """
    params: dict[str, Any] = {"start": case.start, "end": case.end}
    if case.kind == "rollup":
        if case.resolution != "auto" or case.level is None:
            return None
        key, entity = (
            ("n.region_id", ids.region) if case.level == "region" else ("gr.grid_id", ids.grid)
        )
        unit = "hour" if case.days <= 62 else "day"
        return ROLLUP.format(key=key, unit=unit), {**params, "entity": entity}
    if case.kind not in {"latest", "as_of"} or case.scope not in FILTERS:
        return None
    condition, entity_key = FILTERS[case.scope]
    if entity_key is not None:
        params[entity_key] = getattr(ids, entity_key)
    if case.kind == "latest":
        return LATEST.format(filter=condition), params
    return AS_OF.format(filter=condition), {**params, "collected": case.collected}


def measure(
    server: TimescaleServer,
    plan: DatasetPlan,
    preset: Preset,
    cases: list[ReadCase],
    results: Results,
) -> None:
    """Load the baseline's tables in ``bench_baseline`` on ``server``, then time their queries."""
    url = server.create_database("bench_baseline")
    _load(url, plan, preset, results)
    _queries(url, preset, cases, results)
    _endpoints(url, preset, cases, results)


def _hierarchy(conn: psycopg.Connection, plan: DatasetPlan) -> list[int]:
    conn.execute(SCHEMA)
    for grid, region, node in plan.names():
        conn.execute("INSERT INTO Grid (grid_name) VALUES (%s) ON CONFLICT DO NOTHING", (grid,))
        row = conn.execute(
            "SELECT region_id FROM GridRegion r JOIN Grid g USING (grid_id) "
            "WHERE g.grid_name = %s AND r.region_name = %s",
            (grid, region),
        ).fetchone()
        if row is None:
            row = conn.execute(
                "INSERT INTO GridRegion (region_name, grid_id) SELECT %s, grid_id FROM Grid "
                "WHERE grid_name = %s RETURNING region_id",
                (region, grid),
            ).fetchone()
        conn.execute(
            "INSERT INTO GridNode (node_name, region_id) VALUES (%s, %s)",
            (node, row[0]),  # type: ignore[index]
        )
    return [n for (n,) in conn.execute("SELECT node_id FROM GridNode ORDER BY node_id")]


def _load(url: str, plan: DatasetPlan, preset: Preset, results: Results) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        ids = _hierarchy(conn, plan)
    # Streamed: a sample for the baseline's row-by-row load, the rest straight into COPY, so a
    # 35 M-row preset never holds its rows in memory.
    rows = itertools.chain.from_iterable(batches(plan, [[node] for node in ids], 50_000))
    records = (row[:4] for row in rows)  # the baseline stores no quality
    sample = list(itertools.islice(records, preset.baseline_sample))
    # The baseline's load: one INSERT per row, one commit at the end; timed on the sample.
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        started = time.perf_counter()
        for record in sample:
            cursor.execute(
                "INSERT INTO Measures (node_id, timestamp_measured, timestamp_collected, value) "
                "VALUES (%s, %s, %s, %s)",
                record,
            )
        conn.commit()
        took = time.perf_counter() - started
    rate = len(sample) / took
    if (bulk := results.find(BULK)) is not None:
        bulk.baseline = rate
    results.add(
        "baseline.ingest.row_by_row",
        "baseline ingest, row-by-row INSERTs (the baseline's loader)",
        rate,
        "rows/s",
        higher_is_better=True,
        note=f"timed on {len(sample):,} rows; the full {plan.rows:,} would take "
        f"{plan.rows / rate / 60:.0f} min (extrapolated); the rest was loaded by COPY",
    )
    with psycopg.connect(url, autocommit=True) as conn:
        with Progress(transient=True) as bar:
            task = bar.add_task("baseline: COPY the rest", total=plan.rows - len(sample))
            copy_rows(conn, records, on_rows=lambda n: bar.advance(task, n))
        conn.execute("VACUUM ANALYZE")
        size = conn.execute("SELECT pg_total_relation_size('measures')").fetchone()[0]  # type: ignore[index]
    for figure_id in (AFTER, BEFORE):
        if (figure := results.find(figure_id)) is not None:
            figure.baseline = size / plan.rows


def _queries(url: str, preset: Preset, cases: list[ReadCase], results: Results) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT set_config('statement_timeout', %s, false)", (f"{preset.baseline_timeout}s",)
        )
        row = conn.execute(FIRST_ENTITIES).fetchone()
        ids = Entities(*row)  # type: ignore[misc]
        queries = [(case, query) for case in cases if (query := baseline_query(case, ids))]
        with Progress(transient=True) as bar:
            task = bar.add_task("baseline: the baseline's queries", total=len(queries))
            for case, (sql_text, params) in queries:
                try:
                    latencies = repeat(
                        lambda s=sql_text, p=params: conn.execute(s, p).fetchall(),  # type: ignore[misc]
                        preset.repetitions,
                        budget=20.0,
                    )
                    p50: float | None = statistics.median(latencies)
                except psycopg.errors.QueryCanceled:
                    p50 = None
                if (figure := results.find(case.figure_id("p50"))) is not None:
                    figure.baseline = p50
                    if p50 is None:
                        figure.note += f"; baseline cancelled after {preset.baseline_timeout} s"
                bar.advance(task)


def _endpoints(url: str, preset: Preset, cases: list[ReadCase], results: Results) -> None:
    """Time the documents' FastAPI endpoints over HTTP against gridts' p50 of the same read."""
    chosen = [
        (case, figure)
        for case in cases
        if case.scope == "all_nodes"
        and case.kind in ENDPOINTS
        and (figure := results.find(case.figure_id("p50"))) is not None
    ]
    if not chosen:
        return
    uv = shutil.which("uv")
    if uv is None:
        for case, figure in chosen:
            _against_endpoint(results, case, figure, None, NO_UV)
        return
    port = free_port()
    packages = [arg for package in APP_PACKAGES for arg in ("--with", package)]
    command = [uv, "run", "--no-project", "--quiet", *packages, "python", "-m", "uvicorn"]
    command += ["baseline_app:app", "--log-level", "warning"]
    with tempfile.TemporaryFile() as log:
        app = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            cwd=BENCH,
            env={**os.environ, "BASELINE_DSN": url},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(base, app, log)
            with (
                httpx.Client(base_url=base, timeout=preset.baseline_timeout) as http,
                Progress(transient=True) as bar,
            ):
                task = bar.add_task("baseline: the FastAPI endpoints", total=len(chosen))
                for case, figure in chosen:
                    _endpoint(http, case, figure, preset, results)
                    bar.advance(task)
        finally:
            app.terminate()
            app.wait(timeout=30)


def _wait_for(base: str, app: subprocess.Popen[bytes], log: Any) -> None:  # noqa: ANN401
    deadline = time.monotonic() + APP_START_TIMEOUT
    while time.monotonic() < deadline and app.poll() is None:
        try:
            if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    log.seek(0)
    output = log.read().decode(errors="replace")[-2000:]
    raise RuntimeError(f"the baseline's FastAPI app did not start; its output:\n{output}")


def _endpoint(
    http: httpx.Client, case: ReadCase, figure: Figure, preset: Preset, results: Results
) -> None:
    body = {"start_datetime": case.start.isoformat(), "end_datetime": case.end.isoformat()}
    if case.collected is not None:
        body["collected_datetime"] = case.collected.isoformat()
    path = ENDPOINTS[case.kind]
    first = http.post(path, json=body)
    first.raise_for_status()
    rows, size = len(first.json()), len(first.content)

    def post() -> None:
        with http.stream("POST", path, json=body) as response:
            response.raise_for_status()
            for _ in response.iter_raw():
                pass

    latencies = repeat(post, preset.repetitions, warmup=0, budget=20.0)
    note = (
        f"the endpoint's answer: {rows:,} rows, {size / 1e6:.1f} MB of JSON; "
        f"timed {len(latencies)} times after a warm-up" + (EXACT_MATCH if case.collected else "")
    )
    _against_endpoint(results, case, figure, statistics.median(latencies), note)


def _against_endpoint(
    results: Results, case: ReadCase, figure: Figure, endpoint: float | None, note: str
) -> None:
    """The figure ``<read>.endpoint.p50``: gridts' p50 of the read against the endpoint's."""
    results.add(
        f"{case.id}.endpoint.p50",
        f"{case.name}: p50, the baseline as the documents' FastAPI endpoint over HTTP",
        figure.value,
        "ms",
        baseline=endpoint,
        note=note,
    )
