"""A real ``gridts serve`` process on loopback, for tests that need a server that outlives faults.

The server runs as a subprocess (uvicorn, one worker) against the test database; it is stopped
at the end of the test. Figures a test measures go to ``report_figure`` and are printed at the end
of the run, so ``.ci/run``'s output carries them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx
import pytest

from plugins.timescaledb import free_port

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

API_KEY = "test-key-0123456789abcdef"
_FIGURES: list[str] = []


def report_figure(line: str) -> None:
    """Keep ``line`` for the run's summary."""
    _FIGURES.append(line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures the tests measured."""
    if _FIGURES:
        terminalreporter.section("gridts figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)


@dataclass
class LiveServer:
    """A running ``gridts serve``."""

    base_url: str
    process: subprocess.Popen[bytes]
    headers: dict[str, str] = field(default_factory=lambda: {"Authorization": f"Bearer {API_KEY}"})

    def stop(self) -> None:
        """Terminate the server (a killed one is simply reaped)."""
        self.process.terminate()
        self.process.wait(timeout=10)


def start_server(database_url: str, **env: str) -> LiveServer:
    """Start ``gridts serve`` on a free port against ``database_url``; wait for ``/health``."""
    port = free_port()
    environment = {
        **os.environ,
        "GRIDTS_DATABASE_URL": database_url,
        "GRIDTS_API_KEYS": API_KEY,
        "GRIDTS_RATE_LIMIT_PER_MINUTE": "0",
        **env,
    }
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gridts.cli", "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = LiveServer(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.base_url}/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop()
    pytest.fail("gridts serve did not answer /health within 30 s")


@pytest.fixture
def live_server(db: str) -> Iterator[Callable[..., LiveServer]]:
    """Start ``gridts serve`` against the emptied test database (extra env as keywords)."""
    started: list[LiveServer] = []

    def start(**env: str) -> LiveServer:
        started.append(start_server(db, **env))
        return started[-1]

    yield start
    for server in started:
        server.stop()
