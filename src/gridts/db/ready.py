"""Before a command uses its database: wait until it answers, and check that its schema is current.

In ``docker compose up`` the database container may still be initialising (its init server
listens on the socket only, then restarts) when ``migrate`` or ``serve`` starts; so the commands
retry, for at most ``GRIDTS_DATABASE_WAIT``, what a starting server answers (refused connections,
"the database system is starting up", an unknown host name while its container comes up), and
stop at once on what waiting cannot fix (a wrong password, a database or role that does not
exist).

Then ``serve`` and ``seed`` compare the database's Alembic revision with this gridts' head: a
database that is behind (or has no schema at all) would otherwise fail later with a traceback
from the first query. The embedded local cluster is migrated on the spot; any other database is
migrated only by ``gridts migrate``, which the message says.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import psycopg
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import create_engine, pool
from sqlalchemy.exc import DBAPIError

from gridts.db import migrations
from gridts.db.schema import sqlalchemy_url

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import timedelta

    from gridts.settings import Settings

# What a server that is starting, restarting or full says: worth another try.
_TRANSIENT = (
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
    "too many clients",
    "remaining connection slots are reserved",
)


class DatabaseUnavailableError(RuntimeError):
    """The database did not answer in time, or refused in a way waiting cannot fix."""


class SchemaNotCurrentError(RuntimeError):
    """The database's schema is not the one this gridts needs; the message says what to run."""


def where(url: str) -> str:
    """``host:port/dbname`` of ``url``, without user or password, for messages."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the configured database"
    host = params.get("host") or "localhost"
    port = params.get("port") or "5432"
    return f"{host}:{port}/{params.get('dbname') or params.get('user') or ''}"


def _reason(error: psycopg.OperationalError) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0].removeprefix("connection failed: ") if lines else type(error).__name__


def _transient(error: psycopg.OperationalError) -> bool:
    text = str(error)
    return "FATAL:" not in text or any(phrase in text for phrase in _TRANSIENT)


def wait_for_database(
    url: str, timeout: timedelta, on_wait: Callable[[str], None] | None = None
) -> None:
    """Return once ``url`` answers a query; retry a starting server for up to ``timeout``.

    ``on_wait`` is told once, with a line for the operator, when the first try fails.
    Raises ``DatabaseUnavailableError`` with a one-line reason.
    """
    deadline = time.monotonic() + timeout.total_seconds()
    delay = 0.1
    told = False
    while True:
        remaining = deadline - time.monotonic()
        try:
            with psycopg.connect(url, connect_timeout=max(2, min(10, int(remaining)))) as conn:
                conn.execute("SELECT 1")
        except psycopg.OperationalError as error:
            reason = _reason(error)
            if not _transient(error):
                raise DatabaseUnavailableError(
                    f"cannot use the database at {where(url)}: {reason}"
                ) from None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DatabaseUnavailableError(
                    f"the database at {where(url)} did not answer within "
                    f"{timeout.total_seconds():g} s (GRIDTS_DATABASE_WAIT): {reason}"
                ) from None
            if on_wait is not None and not told:
                on_wait(
                    f"waiting up to {timeout.total_seconds():g} s for the database at "
                    f"{where(url)} ({reason})"
                )
                told = True
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 2.0)
        else:
            return


def revisions(url: str, settings: Settings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The database's Alembic revisions (none before its first migration), and gridts' heads."""
    heads = tuple(ScriptDirectory.from_config(migrations.alembic_config(url, settings)).get_heads())
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            current = tuple(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    return current, heads


def _names(revs: tuple[str, ...]) -> str:
    return ", ".join(revs) or "none"


def ensure_schema(url: str, settings: Settings, *, migrate: bool) -> str | None:
    """Check that ``url`` is at this gridts' schema; bring it there when ``migrate``.

    Returns a line saying what was migrated, or None when nothing was to do. Raises
    ``SchemaNotCurrentError`` (one line: what is wrong, what to run) otherwise. A role that may
    not read ``alembic_version`` (``gridts migrate`` grants it to gridts_api) is not checked.
    """
    try:
        current, heads = revisions(url, settings)
    except DBAPIError as error:
        if isinstance(error.orig, psycopg.errors.InsufficientPrivilege):
            return None
        raise
    if set(current) == set(heads):
        return None
    script = ScriptDirectory.from_config(migrations.alembic_config(url, settings))
    known = {rev.revision for rev in script.walk_revisions()}
    if not set(current) <= known:
        raise SchemaNotCurrentError(
            f"the database at {where(url)} is at schema revision {_names(current)}, which this "
            f"gridts does not know (its newest is {_names(heads)}): upgrade gridts"
        )
    if migrate:
        migrations.upgrade(url, settings)
        return (
            f"migrated the local database at {where(url)} from schema revision "
            f"{_names(current)} to {_names(heads)}"
        )
    if not current:
        raise SchemaNotCurrentError(
            f"the database at {where(url)} has no gridts schema yet: run `gridts migrate` first"
        )
    raise SchemaNotCurrentError(
        f"the database at {where(url)} is at schema revision {_names(current)} and this gridts "
        f"needs {_names(heads)}: run `gridts migrate` first"
    )
