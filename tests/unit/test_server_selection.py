"""Where the tests' (and benchmarks') TimescaleDB comes from, without starting one: the order of
``gridts.testing.servers.find_server`` with fake sources, and what ``plugins/timescaledb.py``
does when nothing is found (stop the run when one is required, else skip)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import pytest

from gridts.testing.servers import HOW_TO_PROVIDE, TimescaleServer, find_server
from plugins import timescaledb

if TYPE_CHECKING:
    from collections.abc import Callable


class Sources:
    """Fake sources that record which of them were asked."""

    def __init__(self, *answers: TimescaleServer | None) -> None:
        self.answers = answers
        self.asked: list[int] = []

    def all(self) -> tuple[Callable[[contextlib.ExitStack], TimescaleServer | None], ...]:
        def source(number: int) -> Callable[[contextlib.ExitStack], TimescaleServer | None]:
            def ask(_: contextlib.ExitStack) -> TimescaleServer | None:
                self.asked.append(number)
                return self.answers[number]

            return ask

        return tuple(source(number) for number in range(len(self.answers)))


LOCAL = TimescaleServer("postgresql://postgres@127.0.0.1:1/postgres", "local")
DOCKER = TimescaleServer("postgresql://test@127.0.0.1:2/test", "docker")


def test_a_url_wins_and_no_source_is_asked() -> None:
    sources = Sources(LOCAL, DOCKER)
    with contextlib.ExitStack() as stack:
        server = find_server(stack, "postgresql://me@db.example/postgres", sources=sources.all())
    assert server == TimescaleServer("postgresql://me@db.example/postgres", "url")
    assert sources.asked == []


def test_the_first_source_that_gives_a_server_wins() -> None:
    sources = Sources(None, DOCKER, LOCAL)
    with contextlib.ExitStack() as stack:
        assert find_server(stack, None, sources=sources.all()) is DOCKER
    assert sources.asked == [0, 1]  # the third is never started


def test_an_empty_url_counts_as_none() -> None:
    sources = Sources(LOCAL)
    with contextlib.ExitStack() as stack:
        assert find_server(stack, "", sources=sources.all()) is LOCAL


def test_no_source_no_server() -> None:
    sources = Sources(None, None)
    with contextlib.ExitStack() as stack:
        assert find_server(stack, None, sources=sources.all()) is None
    assert sources.asked == [0, 1]


def test_a_server_names_its_databases() -> None:
    assert LOCAL.database_url("gridts_x") == "postgresql://postgres@127.0.0.1:1/gridts_x"


@pytest.fixture
def nowhere(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A test run with the plugin, no URL and no source that finds a server."""
    monkeypatch.delenv("GRIDTS_TEST_DATABASE_URL", raising=False)
    monkeypatch.setattr(timescaledb, "SOURCES", ())
    pytester.makeconftest('pytest_plugins = ["plugins.timescaledb"]')
    pytester.makepyfile("def test_needs_a_database(db):\n    pass\n")
    return pytester


def test_required_and_not_found_stops_the_run(
    nowhere: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIDTS_REQUIRE_TIMESCALEDB", "1")
    result = nowhere.runpytest()
    assert result.ret == 3
    result.stdout.fnmatch_lines([f"*GRIDTS_REQUIRE_TIMESCALEDB=1 and {HOW_TO_PROVIDE}*"])
    result.assert_outcomes()  # stopped: nothing passed, failed or was skipped


def test_not_required_and_not_found_skips_saying_how(
    nowhere: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GRIDTS_REQUIRE_TIMESCALEDB", raising=False)
    result = nowhere.runpytest("-rs")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([f"*{HOW_TO_PROVIDE}*"])
