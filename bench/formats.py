"""One big read in each format: time to first and last byte, size, and time to load into pandas.

    uv run python bench/formats.py --preset year --days 30   # 1,000 nodes x 720 h: 720,000 rows
    uv run python bench/formats.py --preset seed             # 27 nodes x 8,760 h: 236,520 rows
    uv run python bench/formats.py --preset seed --read revisions   # every revision: 709,560

The data set is the preset's (``gridts seed``'s generator, written by its bulk writer into a
throwaway cluster or ``--database-url``, as ``run.py`` does), then every rollup is refreshed
and chunks older than a week before the end compressed (as ``read_year.py load``). The read is
``GET /api/v1/measures`` (latest values, or ``/measures/revisions``) over every node and the
whole range, from one ``gridts serve`` worker on loopback, uncompressed over HTTP. Each format
is fetched ``--repetitions`` times after a warm-up (medians): JSON (``application/json``), CSV
(``text/csv``) and Arrow (``application/vnd.apache.arrow.stream``). "to pandas" is the median
of three loads of the received bytes into a DataFrame with typed timestamps:

- JSON: ``pd.DataFrame(json.loads(body)["data"])`` (what ``response.json()`` does), then
  ``pd.to_datetime`` on both timestamp columns;
- CSV: ``pd.read_csv(body, parse_dates=[both])`` (the default C engine);
- Arrow: ``pyarrow.ipc.open_stream(body).read_all().to_pandas()``.

"encode" is the server's part alone: the page decoded from the JSON answer and encoded again in
this process by ``gridts.formats`` (median of three), without the query or the network.

"worker peak RSS" is the ``gridts serve`` worker's peak resident memory over that format's
requests (Linux's ``VmHWM``, reset before them), beside its RSS before the first request.
``--reuse`` reads a data set an earlier run left in ``--database-url``'s ``bench_gridts``;
``--read-days N`` reads its last N days only.

Figures are printed and written to ``--output`` (default ``bench/results/formats-<time>.json``).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import statistics
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
import httpx
import msgspec
import pandas as pd
import psycopg
import pyarrow as pa
from rich import get_console
from rich.table import Table

from gridts.formats import encoders
from gridts.formats.tables import shape_of
from gridts.measures.schemas import MeasurePage
from gridts.testing.process import start_service
from gridts.testing.servers import HOW_TO_PROVIDE, docker_server, find_server, local_server
from phases.ingest import seed_database
from phases.storage import refresh_and_compress
from presets import PRESETS, SIZES

if TYPE_CHECKING:
    from collections.abc import Callable

    from gridts.testing.process import ServiceProcess

SERVICE_ENV = {"GRIDTS_MAX_RESPONSE_ROWS": "20000000", "GRIDTS_STATEMENT_TIMEOUT": "300"}
SOURCES = (functools.partial(local_server, prefix="gridts-bench-"), docker_server)
FORMATS = {
    "json": "application/json",
    "csv": "text/csv",
    "arrow": "application/vnd.apache.arrow.stream",
}
TIMES = ["timestamp_measured", "timestamp_collected"]


@dataclass
class Figure:
    """One format's figures (medians)."""

    format: str
    rows: int
    bytes: int
    first_byte_s: float
    last_byte_s: float
    pandas_s: float
    encode_s: float
    """The server's encoding alone: the same page encoded in this process (median of three)."""
    peak_rss_mb: float | None = None
    """The worker's peak resident memory over this format's requests (Linux: ``VmHWM``)."""


def _from_json(body: bytes) -> pd.DataFrame:
    frame = pd.DataFrame(json.loads(body)["data"])
    for column in TIMES:
        frame[column] = pd.to_datetime(frame[column])
    return frame


def _from_csv(body: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(body), parse_dates=TIMES)


def _from_arrow(body: bytes) -> pd.DataFrame:
    return pa.ipc.open_stream(body).read_all().to_pandas()


LOADERS: dict[str, Callable[[bytes], pd.DataFrame]] = {
    "json": _from_json,
    "csv": _from_csv,
    "arrow": _from_arrow,
}


def encode_time(name: str, body: bytes) -> float:
    """Seconds to encode the page in ``body`` (a JSON answer) in ``name``, as the server does."""
    page = msgspec.json.decode(body, type=MeasurePage)
    shape = shape_of(MeasurePage)
    assert shape is not None
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        if name == "json":
            chunks = encoders.json_chunks(shape, page, msgspec.json.encode)
            assert chunks is not None
        elif name == "csv":
            chunks = encoders.csv_chunks(shape, page)
        else:
            chunks = encoders.arrow_chunks(shape, page, shape.envelope_text(page))
        for _chunk in chunks:
            pass
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def fetch(
    http: httpx.Client, path: str, params: dict[str, str], accept: str
) -> tuple[float, float, bytes]:
    """Seconds to the first and the last byte of one answer, and its body."""
    chunks: list[bytes] = []
    first = None
    started = time.perf_counter()
    with http.stream("GET", path, params=params, headers={"Accept": accept}) as response:
        response.raise_for_status()
        for chunk in response.iter_raw():
            if first is None:
                first = time.perf_counter() - started
            chunks.append(chunk)
    last = time.perf_counter() - started
    return first or last, last, b"".join(chunks)


def _memory(pid: int, field: str) -> float | None:
    """``VmRSS`` or ``VmHWM`` (peak) of process ``pid`` in MB, where Linux says."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return None


def _reset_peak(pid: int) -> None:
    """Start ``VmHWM`` again from the current RSS (Linux: ``5`` to ``clear_refs``)."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def measure(
    service: ServiceProcess, path: str, params: dict[str, str], repetitions: int
) -> list[Figure]:
    """Every format's figures for ``GET path?params``."""
    figures = []
    page = b""
    pid = service.process.pid  # one worker: uvicorn serves in this process
    with httpx.Client(base_url=service.base_url, headers=service.headers, timeout=600) as http:
        for name, accept in FORMATS.items():
            fetch(http, path, params, accept)  # warm-up
            _reset_peak(pid)
            runs = [fetch(http, path, params, accept) for _ in range(repetitions)]
            peak = _memory(pid, "VmHWM")
            body = runs[-1][2]
            page = page or body  # the JSON answer, first
            loads = []
            frame = pd.DataFrame()
            for _ in range(3):
                started = time.perf_counter()
                frame = LOADERS[name](body)
                loads.append(time.perf_counter() - started)
            figures.append(
                Figure(
                    name,
                    len(frame),
                    len(body),
                    statistics.median(r[0] for r in runs),
                    statistics.median(r[1] for r in runs),
                    statistics.median(loads),
                    encode_time(name, page),
                    peak,
                )
            )
    return figures


def size_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--grids``, ``--days`` ...: override one of the preset's sizes."""
    for name in reversed(SIZES):
        command = click.option(f"--{name}", type=int, help=f"Override the preset's {name}.")(
            command
        )
    return command


@click.command()
@click.option("--preset", "preset_name", type=click.Choice(sorted(PRESETS)), default="seed")
@click.option("--read", type=click.Choice(["latest", "revisions"]), default="latest")
@click.option("--repetitions", type=int, default=5)
@click.option("--database-url", envvar="GRIDTS_BENCH_SERVER_URL")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--read-days",
    type=int,
    help="Read only the last N days of the data set (default: all of it).",
)
@click.option(
    "--reuse",
    is_flag=True,
    help="Read the preset's data already in --database-url's bench_gridts: no load, no refresh.",
)
@size_options
def main(  # noqa: PLR0917 - one per option
    preset_name: str,
    read: str,
    repetitions: int,
    database_url: str | None,
    output: Path | None,
    read_days: int | None,
    reuse: bool,
    **sizes: int | None,
) -> None:
    """JSON, CSV and Arrow answers of one big read, side by side."""
    console = get_console()
    preset = PRESETS[preset_name].resized(**sizes)
    plan = preset.plan()
    output = output or Path("bench/results") / datetime.now(UTC).strftime(
        "formats-%Y%m%dT%H%M%S.json"
    )
    path = "/api/v1/measures" if read == "latest" else "/api/v1/measures/revisions"
    first = plan.start if read_days is None else plan.end - timedelta(days=read_days)
    params = {"start_datetime": first.isoformat(), "end_datetime": plan.end.isoformat()}
    with contextlib.ExitStack() as stack:
        server = find_server(stack, database_url, sources=SOURCES)
        if server is None:
            raise click.ClickException(HOW_TO_PROVIDE)
        console.print(f"[bold]preset {preset_name}[/]: {plan.nodes} nodes, {plan.rows:,} rows")
        if reuse:
            url = server.database_url("bench_gridts")
        else:
            url = server.create_database("bench_gridts")
            started = time.perf_counter()
            seed_database(url, plan)
            console.print(f"loaded in {time.perf_counter() - started:.0f} s")
            with psycopg.connect(url, autocommit=True) as conn:  # as a running service would be
                refresh_and_compress(conn, plan.end - timedelta(days=7))
        service = start_service(url, wait_for="/ready", env=SERVICE_ENV)
        stack.callback(service.stop)
        idle = _memory(service.process.pid, "VmRSS")
        figures = measure(service, path, params, repetitions)
    table = Table(
        title=f"GET {path}, {figures[0].rows:,} rows ({preset_name}, median of {repetitions})"
    )
    columns = ("format", "size", "first byte", "last byte", "to pandas", "last byte + pandas")
    for column in (*columns, "encode (in process)", "worker peak RSS"):
        table.add_column(column, justify="right")
    for f in figures:
        table.add_row(
            f.format,
            f"{f.bytes / 1e6:.1f} MB",
            f"{f.first_byte_s:.2f} s",
            f"{f.last_byte_s:.2f} s",
            f"{f.pandas_s:.2f} s",
            f"{f.last_byte_s + f.pandas_s:.2f} s",
            f"{f.encode_s:.2f} s",
            "-" if f.peak_rss_mb is None else f"{f.peak_rss_mb:,.0f} MB",
        )
    console.print(table)
    if idle is not None:
        console.print(f"worker RSS before the first request: {idle:,.0f} MB")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "preset": preset_name,
                "sizes": asdict(preset),
                "path": path,
                "params": params,
                "repetitions": repetitions,
                "worker_rss_before_mb": idle,
                "figures": [asdict(f) for f in figures],
            },
            indent=2,
            default=str,
        )
    )
    console.print(f"written to {output}")


if __name__ == "__main__":
    main()
