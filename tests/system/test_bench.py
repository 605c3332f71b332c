"""CI's smoke test of ``bench/run.py --preset quick``: the tool runs and writes what it says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

from support.paths import ROOT

if TYPE_CHECKING:
    from pathlib import Path

    from gridts.testing.servers import TimescaleServer


def test_quick_preset_writes_results_report_and_plots(
    timescale_server: TimescaleServer, tmp_path: Path
) -> None:
    output = tmp_path / "bench"
    done = subprocess.run(  # noqa: S603
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--preset",
            "quick",
            "--database-url",
            timescale_server.url,
            "--output",
            str(output),
        ],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "120"},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((output / "results.json").read_text(encoding="utf-8"))
    assert results["preset"] == "quick"
    assert results["machine"]["timescaledb"]
    assert results["machine"]["cores"] >= 1
    figures = {f["name"]: f for f in results["figures"]}
    bulk = figures["ingest, bulk path (gridts seed writer, 2 connections)"]
    assert bulk["unit"] == "rows/s"
    assert bulk["value"] > 0
    assert bulk["baseline"] > 0  # the seeds' row-by-row INSERTs, same run
    assert figures["storage after compression"]["unit"] == "bytes/row"
    assert figures["mixed reads, errors"]["value"] == 0
    latency = figures["latest, one node, 1 d: p99"]
    assert latency["unit"] == "ms"
    assert latency["value"] > 0
    assert figures["grid rollup, 1 d, auto: p50"]["baseline"] > 0
    assert {"continuous aggregates: full refresh", "compression ratio"} <= set(figures)
    assert any(name.startswith("ingest over HTTP, JSON") for name in figures)
    assert any(name.startswith("ingest over HTTP, CSV") for name in figures)
    report = (output / "report.md").read_text(encoding="utf-8")
    assert "| figure | gridts |" in report
    for plot in ("latency_by_width.png", "ingest_over_time.png"):
        assert (output / plot).read_bytes().startswith(b"\x89PNG")
