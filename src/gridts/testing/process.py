"""A real ``gridts serve`` process on loopback, for tests and benchmarks that need one.

Its output goes to a log file, not to the void: when it never becomes ready, the error carries
the log's tail, so a failing run shows why.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from gridts.testing.ports import free_port

#: The key a test or benchmark server accepts for writes.
API_KEY = "test-key-0123456789abcdef"


class ServerNotReadyError(RuntimeError):
    """``gridts serve`` did not answer in time; the message holds its log's tail."""


@dataclass
class ServiceProcess:
    """A running ``gridts serve``."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    headers: dict[str, str] = field(default_factory=lambda: {"Authorization": f"Bearer {API_KEY}"})

    def log(self) -> str:
        """Everything the server has printed so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines the server printed."""
        return "\n".join(self.log().splitlines()[-lines:])

    def wait_for_log(self, text: str, count: int, timeout: float = 10) -> int:
        """How often ``text`` is in the whole log, once it is there ``count`` times or time is up.

        A server logs some things after the client has seen their effect (a connection cut off
        mid-answer, say), so a test that counts them right away would race the log.
        """
        deadline = time.monotonic() + timeout
        seen = self.log().count(text)
        while seen < count and time.monotonic() < deadline:
            time.sleep(0.05)
            seen = self.log().count(text)
        return seen

    def stop(self, timeout: float = 30) -> None:
        """Terminate the server (a killed one is simply reaped)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback http
            return int(response.status) == 200  # noqa: PLR2004
    except (urllib.error.URLError, OSError):
        return False


def start_service(
    database_url: str,
    *,
    workers: int = 1,
    wait_for: str = "/health",
    timeout: float = 30,
    env: dict[str, str] | None = None,
) -> ServiceProcess:
    """Start ``gridts serve`` on a free port against ``database_url``; wait for ``wait_for``.

    Raises ``ServerNotReadyError`` (with the log's tail) when it does not answer 200 within
    ``timeout`` seconds or exits first.
    """
    port = free_port()
    environment = {
        **os.environ,
        "GRIDTS_DATABASE_URL": database_url,
        "GRIDTS_API_KEYS": API_KEY,
        "GRIDTS_RATE_LIMIT_PER_MINUTE": "0",
        **(env or {}),
    }
    log_fd, log_name = tempfile.mkstemp(prefix="gridts-serve-", suffix=".log")
    command = [sys.executable, "-m", "gridts.cli", "serve", "--port", str(port)]
    if workers != 1:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, env=environment, stdout=log_fd, stderr=subprocess.STDOUT
    )
    os.close(log_fd)
    server = ServiceProcess(f"http://127.0.0.1:{port}", process, Path(log_name))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if _answers(server.base_url + wait_for):
            return server
        time.sleep(0.1)
    server.stop()
    raise ServerNotReadyError(
        f"gridts serve did not answer {wait_for} within {timeout:g} s "
        f"(exit code {process.returncode}); its output ended with:\n{server.log_tail()}"
    )
