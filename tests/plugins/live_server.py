"""A real ``gridts serve`` for tests that need a server that outlives faults: fixtures over
``gridts.testing.process``.

The server runs as a subprocess against the test database and is stopped at the end of the test.
Its output goes to a log file; when a test fails while a server runs, the log's tail is added to
the failure report (section ``gridts serve log``). Figures a test measures go to
``report_figure`` and are printed at the end of the run, so ``.ci/run``'s output carries them.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import pytest

from gridts.testing.process import ServiceProcess, start_service

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

_FIGURES: list[str] = []
_RUNNING: list[ServiceProcess] = []


def report_figure(line: str) -> None:
    """Keep ``line`` for the run's summary."""
    _FIGURES.append(line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures the tests measured."""
    if _FIGURES:
        terminalreporter.section("gridts figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test's report carries the tail of every ``gridts serve`` running at that time."""
    report: pytest.TestReport = yield
    if report.failed:
        for server in _RUNNING:
            report.sections.append((f"gridts serve log ({server.base_url})", server.log_tail()))
    return report


@contextlib.contextmanager
def serving(database_url: str, **env: str) -> Iterator[ServiceProcess]:
    """``gridts serve`` against ``database_url`` (extra environment as keywords) while inside."""
    server = start_service(database_url, env=env)
    _RUNNING.append(server)
    try:
        yield server
    finally:
        _RUNNING.remove(server)
        server.stop()
        server.log_path.unlink(missing_ok=True)


@pytest.fixture
def live_server(db: str) -> Iterator[Callable[..., ServiceProcess]]:
    """Start ``gridts serve`` against the emptied test database (extra env as keywords)."""
    with contextlib.ExitStack() as stack:

        def start(**env: str) -> ServiceProcess:
            return stack.enter_context(serving(db, **env))

        yield start
