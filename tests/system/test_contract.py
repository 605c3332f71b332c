"""The OpenAPI document is the contract: schemathesis, every check and every phase, finds nothing.

``schemathesis run`` (its own CLI, as a user would run it) against a real ``gridts serve`` on a
database holding a small hierarchy and some measures, with an API key so that writes reach the
handlers. Every check (``-c all``: server errors, undocumented statuses, content types and
headers, response schemas, schema-valid requests rejected, schema-violating requests accepted,
missing auth honoured, Allow headers, use after free, ...) and every phase: examples, coverage,
fuzzing, and stateful sequences that follow the document's links (create a grid, region, node,
kind or series, then read, update and delete it). Generation is deterministic (a fixed seed)
and the run has a time budget (``MAX_SECONDS``) for ``.ci/run``.

The one setting that differs from schemathesis' defaults, and why, is in ``schemathesis.toml``
next to this file (422 for schema-valid requests that name nothing stored).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from gridts.db import migrations
from plugins.live_server import report_figure, serving
from support.db import make_hierarchy
from support.wire import AUTH

if TYPE_CHECKING:
    from collections.abc import Iterator

    from gridts.settings import Settings
    from gridts.testing.process import ServiceProcess
    from gridts.testing.servers import TimescaleServer

CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_SECONDS = 75  # the whole run, all phases: fuzzing and stateful repeat until it is spent

#: Operations left out of this run, each with its reason; the list is meant to be empty, and is.
AWAITING_REWRITE: tuple[str, ...] = ()


@pytest.fixture(scope="module")
def contract_server(
    timescale_server: TimescaleServer, test_settings: Settings
) -> Iterator[ServiceProcess]:
    """A ``gridts serve`` on its own database, seeded with a little of everything."""
    url = timescale_server.create_database("gridts_test_contract")
    migrations.upgrade(url, test_settings)
    with psycopg.connect(url, autocommit=True) as conn:
        make_hierarchy(
            conn, {(1, "G1"): {(1, "R1"): [(1, "N1")]}, (2, "G2"): {(2, "R2"): [(2, "N2")]}}
        )
        conn.execute(
            "INSERT INTO measures SELECT n, t, t - interval '12 hours', n * 10 * 1000 "
            "FROM generate_series(1, 2) n, "
            "generate_series(%s::timestamptz, %s::timestamptz, interval '1 hour') t",
            (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC)),
        )
    with serving(url) as server:
        yield server


def run_schemathesis(base_url: str, report: Path) -> tuple[int, str, dict[str, Any]]:
    """One ``schemathesis run``: its exit code, its output and its JSON report."""
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        f"{base_url}/schema/openapi.json",
        "--checks=all",
        "--phases=examples,coverage,fuzzing,stateful",
        "--generation-deterministic",
        f"--max-time={MAX_SECONDS}",
        # One worker: hypothesis describes its strategies with ast.parse, which CPython 3.11
        # can break on when two threads parse at once ("AST constructor recursion depth
        # mismatch"), and the machine is shared anyway.
        "--workers=1",
        "--continue-on-failure",
        "--no-color",
        "--request-timeout=30",
        f"--header=Authorization: {AUTH['Authorization']}",
        "--report=json",
        f"--report-json-path={report}",
        *(f"--exclude-operation-id={operation}" for operation in AWAITING_REWRITE),
    ]
    done = subprocess.run(  # noqa: S603 - our interpreter, schemathesis' own CLI
        command, capture_output=True, text=True, timeout=MAX_SECONDS + 120, check=False
    )
    return done.returncode, done.stdout + done.stderr, json.loads(report.read_text())


def server_warnings(server: ServiceProcess) -> list[str]:
    """The service's warnings and errors (a 503's cause is logged, never sent), at most 20."""
    lines = server.log_path.read_text(errors="replace").splitlines()
    flagged = ('"level":"warning"', '"level":"error"', "WARNING:", "ERROR:")
    return [line for line in lines if any(flag in line for flag in flagged)][:20]


def test_schemathesis_finds_no_failure(contract_server: ServiceProcess, tmp_path: Path) -> None:
    code, output, report = run_schemathesis(contract_server.base_url, tmp_path / "report.json")
    operations, cases = report["operations"], report["test_cases"]
    failures = sum(group["count"] for group in report["failures"])
    report_figure(
        f"schemathesis (all checks, all phases, {report['running_time']:.0f} s): "
        f"{operations['tested']}/{operations['total']} operations, "
        f"{cases['generated']} test cases, {failures} failures, {len(report['errors'])} errors"
    )
    # A string, not a tuple: pytest cuts the repr of anything else to a few hundred characters.
    warnings = "\n".join(server_warnings(contract_server))
    assert code == 0, f"the service's warnings:\n{warnings}\n\nschemathesis:\n{output[-20000:]}"
    assert failures == 0
    assert not report["errors"], output[-20000:]
    assert operations["tested"] == operations["total"] - len(AWAITING_REWRITE)
    phases = report["phases"]
    assert phases["stateful"]["status"] == "success", phases  # sequences did run, and pass
    assert phases["coverage"]["status"] == "success", phases
    assert phases["fuzzing"]["status"] == "success", phases
